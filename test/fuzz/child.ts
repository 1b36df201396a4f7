// A fuzz worker process: receives case descriptions over IPC, rebuilds each case's files in a
// fresh directory, runs the analysis the CLI runs, and reports what happened. Runs from the
// build (dist/test/fuzz/child.js) so that a hang can be ended by killing the process.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseTs } from '@typescript-eslint/parser';
import { discoverFiles, readSourceFile } from '../../src/core/discover.js';
import type { AnalysisNote, Diagnostic } from '../../src/core/model.js';
import { analyzeRust } from '../../src/rust/analyze.js';
import { analyzeRustFiles } from '../../src/rust/parallel.js';
import { checkTsFiles } from '../../src/ts/check.js';
import { ADVERSARIAL, type Scale } from './adversarial.js';
import { fixtureUnits, mutate, type FixtureUnit, type MutationCase } from './mutate.js';

export interface AdversarialCase {
  readonly kind: 'adversarial';
  readonly id: string;
  readonly scale: Scale;
}

export type CaseRequest = MutationCase | AdversarialCase;

export interface CaseResult {
  readonly id: string;
  /** The case threw: message and the top of the stack. */
  readonly threw?: string;
  readonly ms: number;
  /** CPU time of the process (all threads) during the case: unlike wall time, load on the machine does not inflate it. */
  readonly cpuMs: number;
  readonly diagnostics: number;
  /** Notes about the case's files, relative to the case directory (at most 20). */
  readonly notes: readonly AnalysisNote[];
  /** Files that were neither analysed nor named in a note. */
  readonly silentSkips: readonly string[];
  /** Files the case said must be noted and were not. */
  readonly missingNotes: readonly string[];
  /** Findings that differ from the clean reference, when the case has one. */
  readonly referenceMismatch?: string;
  readonly caveat?: string;
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
// Every rule on, the pedantic one included: more of the analysis runs on every case.
const RUST_RULES = { 'scrutinee-guard': 'warn' } as const;

let units: Map<string, FixtureUnit> | undefined;
function unit(name: string): FixtureUnit {
  units ??= new Map(fixtureUnits(ROOT).map((u) => [u.name, u]));
  const found = units.get(name);
  if (!found) throw new Error(`no fixture unit named ${name}`);
  return found;
}

const work = mkdtempSync(join(tmpdir(), 'lockscope-fuzz-'));
let counter = 0;

/** A TS/JS file the parser refuses must be named in a note; one it accepts was linted. */
function tsParses(file: string): boolean {
  const read = readSourceFile(file);
  if (!read.ok) return false;
  try {
    parseTs(read.text, { filePath: file, ecmaVersion: 'latest', sourceType: file.endsWith('.cjs') ? 'script' : 'module', range: false, loc: false });
    return true;
  } catch {
    return false;
  }
}

interface Analysed {
  readonly diagnostics: Diagnostic[];
  readonly notes: AnalysisNote[];
  readonly silentSkips: string[];
}

async function analyse(dir: string, rust: readonly string[], ts: readonly string[], discoveryNotes: readonly AnalysisNote[], parallel: boolean): Promise<Analysed> {
  const options = { cwd: dir, rules: RUST_RULES };
  const rustReport = parallel ? await analyzeRustFiles(rust, options) : analyzeRust(rust, options);
  const tsReport = ts.length > 0 ? await checkTsFiles([...ts], { cwd: dir, rules: {} }) : { diagnostics: [], notes: [] };
  const notes = [...discoveryNotes, ...rustReport.notes, ...tsReport.notes].map((n) => ({ ...n, file: relative(dir, resolve(dir, n.file)) }));
  const noted = new Set(notes.map((n) => n.file));
  const silentSkips: string[] = [];
  // Every Rust file is read and counted, or named in a note: the byte total says which.
  let expectedBytes = 0;
  for (const file of rust) {
    const read = readSourceFile(file);
    if (read.ok) expectedBytes += read.text.length;
    else if (!noted.has(relative(dir, file))) silentSkips.push(relative(dir, file));
  }
  if (expectedBytes !== rustReport.bytes) silentSkips.push(`Rust files: read ${rustReport.bytes} characters, expected ${expectedBytes}`);
  for (const file of ts) {
    if (noted.has(relative(dir, file))) continue;
    if (!readSourceFile(file).ok) silentSkips.push(`${relative(dir, file)} (binary or not valid UTF-8, linted without a note)`);
    else if (!tsParses(file)) silentSkips.push(relative(dir, file));
  }
  return { diagnostics: [...rustReport.diagnostics, ...tsReport.diagnostics], notes, silentSkips };
}

function findingsOf(diagnostics: readonly Diagnostic[], dir: string, below: string): string[] {
  return diagnostics.map((d) => `${d.rule} ${relative(join(dir, below), resolve(dir, d.span.file))}:${d.span.line}:${d.span.column}`).sort();
}

async function runMutation(request: MutationCase, dir: string): Promise<Omit<CaseResult, 'id' | 'ms' | 'cpuMs'>> {
  const u = unit(request.unit);
  for (const [rel, bytes] of u.files) {
    const path = join(dir, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, rel === u.target ? mutate(bytes, request.mutator, request.seed, request.index) : bytes);
  }
  const files = u.analysed.map((rel) => join(dir, rel));
  const result = u.language === 'rust' ? await analyse(dir, files, [], [], false) : await analyse(dir, [], files, [], false);
  return { diagnostics: result.diagnostics.length, notes: result.notes.slice(0, 20), silentSkips: result.silentSkips, missingNotes: [] };
}

async function runAdversarial(request: AdversarialCase, dir: string): Promise<Omit<CaseResult, 'id' | 'ms' | 'cpuMs'>> {
  const cls = ADVERSARIAL.find((c) => c.name === request.id);
  if (!cls) throw new Error(`no adversarial class named ${request.id}`);
  const setup = cls.build(dir, request.scale, ROOT);
  const found = discoverFiles(setup.paths, dir);
  const result = await analyse(dir, found.rust, found.ts, [...found.notes, ...found.missing.map((m) => ({ file: m, message: 'missing' }))], true);
  const noted = new Set(result.notes.map((n) => n.file));
  const missingNotes = (setup.mustNote ?? []).filter((f) => !noted.has(f));
  let referenceMismatch: string | undefined;
  if (setup.reference) {
    const ref = discoverFiles([setup.reference], dir);
    const clean = await analyse(dir, ref.rust, ref.ts, ref.notes, false);
    const want = findingsOf(clean.diagnostics, dir, setup.reference);
    const got = findingsOf(result.diagnostics, dir, setup.paths[0]);
    if (want.length === 0) referenceMismatch = 'the clean reference has no findings: the comparison proves nothing';
    else if (want.join('\n') !== got.join('\n')) referenceMismatch = `expected [${want.join(', ')}], got [${got.join(', ')}]`;
  }
  return { diagnostics: result.diagnostics.length, notes: result.notes.slice(0, 20), silentSkips: result.silentSkips, missingNotes, referenceMismatch, caveat: setup.caveat };
}

export async function runCase(request: CaseRequest): Promise<CaseResult> {
  const dir = join(work, String(counter++));
  mkdirSync(dir, { recursive: true });
  const started = performance.now();
  const cpu = process.cpuUsage();
  const cpuMs = (): number => {
    const used = process.cpuUsage(cpu);
    return (used.user + used.system) / 1000;
  };
  try {
    const result = request.kind === 'mutation' ? await runMutation(request, dir) : await runAdversarial(request, dir);
    return { ...result, id: request.id, ms: performance.now() - started, cpuMs: cpuMs() };
  } catch (error) {
    const e = error as Error;
    const threw = `${e?.name ?? 'Error'}: ${e?.message ?? String(error)}\n${(e?.stack ?? '').split('\n').slice(1, 9).join('\n')}`;
    return { id: request.id, ms: performance.now() - started, cpuMs: cpuMs(), threw, diagnostics: 0, notes: [], silentSkips: [], missingNotes: [] };
  } finally {
    removeTree(dir);
  }
}

function removeTree(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch {
    // A chmod 000 directory entry: make it removable and try once more.
    try {
      chmodSync(dir, 0o700);
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // Left in the temporary directory; the process's own directory is removed at exit.
    }
  }
}

if (process.send) {
  process.on('message', (request: CaseRequest) => {
    void runCase(request).then((result) => process.send!(result));
  });
  process.on('disconnect', () => {
    removeTree(work);
    process.exit(0);
  });
  process.send({ ready: true });
}
