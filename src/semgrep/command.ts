// `lockscope semgrep [--out DIR] [--project DIR] [--engine semgrep|ast-grep]`: writes the generic
// pack, or the pack specialised to one codebase, as Semgrep rules or as their ast-grep twin.
// Exit 0 when written, 2 on a usage or input error.
import { existsSync, lstatSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { discoverFiles } from '../core/discover.js';
import type { Io } from '../core/io.js';
import { packageRoot } from '../core/package-root.js';
import { ensureDirectory, writeFileSafely } from '../core/safe-write.js';
import { analyzeRust } from '../rust/analyze.js';
import { GENERATED_MARKER, genericPackFiles, type Engine, type PackFiles } from './pack.js';
import { projectPackFiles } from './project.js';
import { tsHolds } from './project-ts-holds.js';
import { tsLockAnalyses } from '../ts/check.js';

export const SEMGREP_USAGE = `Usage:
  lockscope semgrep [--out DIR] [--project DIR] [--engine semgrep|ast-grep]

Writes the lock rules as a Semgrep rule pack, each rule with its \`semgrep --test\` target.
  --project DIR            specialise the rules to the Rust and TS/JS code below DIR: the functions
                           whose calls take each lock (and the wrappers that run a callback under
                           one) become part of the patterns (default: the generic pack)
  --out DIR                where to write (default: semgrep, or semgrep-project with --project;
                           ast-grep and ast-grep-project with --engine ast-grep)
  --engine semgrep|ast-grep  write Semgrep rules (default) or the equivalent ast-grep rules
  -h, --help               show this help`;

class SemgrepUsageError extends Error {}

interface SemgrepOptions {
  readonly out: string;
  readonly project?: string;
  readonly engine: Engine;
}

function parseOptions(args: readonly string[]): SemgrepOptions | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: false,
      strict: true,
      options: {
        out: { type: 'string' },
        project: { type: 'string' },
        engine: { type: 'string', default: 'semgrep' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new SemgrepUsageError((error as Error).message);
  }
  const { values } = parsed;
  if (values.help) return 'help';
  const engine = values.engine;
  if (engine !== 'semgrep' && engine !== 'ast-grep') throw new SemgrepUsageError(`--engine must be semgrep or ast-grep, got "${engine}"`);
  if (values.out === '') throw new SemgrepUsageError('--out needs a directory');
  if (values.project === '') throw new SemgrepUsageError('--project needs a directory');
  const defaultOut = `${engine}${values.project === undefined ? '' : '-project'}`;
  return { out: values.out ?? defaultOut, project: values.project, engine };
}

async function projectFiles(project: string, io: Io, engine: Engine): Promise<PackFiles> {
  const dir = resolve(io.cwd, project);
  let isDirectory = false;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch {
    throw new SemgrepUsageError(`--project ${project}: no such directory`);
  }
  if (!isDirectory) throw new SemgrepUsageError(`--project ${project} is not a directory`);
  const { rust, ts } = discoverFiles([project], io.cwd);
  if (rust.length === 0 && ts.length === 0) throw new SemgrepUsageError(`--project ${project} holds no Rust or TS/JS files; the project pack is built from their analysis`);
  const analysis = rust.length > 0 ? analyzeRust(rust, { cwd: io.cwd, rules: {}, keepFacts: true }) : undefined;
  for (const note of analysis?.notes ?? []) io.stderr(`note: ${note.file}${note.line ? `:${note.line}` : ''}: ${note.message}`);
  const crates = (analysis?.crates ?? []).map((c) => ({ facts: c.facts, edition: c.edition, root: c.facts.index.crate.root }));
  const tsFacts = ts.length > 0 ? { dir: relative(io.cwd, dir).split('\\').join('/'), holds: tsHolds(await tsLockAnalyses(ts, { cwd: io.cwd, rules: {} }), io.cwd) } : undefined;
  return projectPackFiles(crates, io.cwd, engine, tsFacts);
}

/** Every file below `out`, each directory level checked, so a link planted inside cannot redirect a write. */
function writePack(out: string, shownAs: string, files: ReadonlyMap<string, string>): void {
  ensureDirectory(out, shownAs);
  for (const [path, content] of files) {
    const parts = path.split('/');
    let dir = out;
    for (const part of parts.slice(0, -1)) {
      dir = join(dir, part);
      ensureDirectory(dir, join(shownAs, relative(out, dir)));
    }
    writeFileSafely(join(out, path), content, join(shownAs, path));
  }
}

/**
 * Files an earlier run wrote into `out` (their first line carries the marker) that this run does
 * not write: a stale rule file would keep reporting a lock that no longer exists, or hide that
 * two locks' rules were merged.
 */
function staleFiles(out: string, fresh: PackFiles): string[] {
  if (!existsSync(out) || !lstatSync(out).isDirectory()) return [];
  const marker = GENERATED_MARKER.toLowerCase();
  const stale: string[] = [];
  for (const entry of readdirSync(out, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !/\.(ya?ml|rs|ts|js)$/.test(entry.name)) continue;
    const path = join(entry.parentPath, entry.name);
    const key = relative(out, path).split('\\').join('/');
    if (fresh.has(key)) continue;
    const firstLine = readFileSync(path, 'utf8').split('\n', 1)[0].toLowerCase();
    if (firstLine.includes(marker)) stale.push(path);
  }
  return stale;
}

export async function runSemgrepCommand(args: readonly string[], io: Io): Promise<number> {
  let options: SemgrepOptions | 'help';
  try {
    options = parseOptions(args);
    if (options === 'help') {
      io.stdout(SEMGREP_USAGE);
      return 0;
    }
    const files = options.project === undefined ? genericPackFiles(packageRoot(), options.engine) : await projectFiles(options.project, io, options.engine);
    const out = resolve(io.cwd, options.out);
    const stale = staleFiles(out, files);
    for (const path of stale) rmSync(path);
    writePack(out, options.out, files);
    const rules = [...files.keys()].filter((p) => /\.ya?ml$/.test(p) && p !== 'sgconfig.yml').length;
    io.stdout(`wrote ${rules} rule file${rules === 1 ? '' : 's'} and ${files.size - rules} other file${files.size - rules === 1 ? '' : 's'} to ${options.out}${stale.length > 0 ? `, removed ${stale.length} stale file${stale.length === 1 ? '' : 's'} of an earlier run` : ''}`);
    return 0;
  } catch (error) {
    if (!(error instanceof SemgrepUsageError)) throw error;
    io.stderr(`lockscope semgrep: ${error.message}\n\n${SEMGREP_USAGE}`);
    return 2;
  }
}
