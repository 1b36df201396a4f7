// Baselines: adopt lockscope on a codebase without fixing every old finding first. A baseline
// records findings by rule, file and code fingerprint (never line numbers), with paths relative
// to the baseline file so that it works from any directory.
import { readFileSync } from 'node:fs';
import { writeFileSafely } from './safe-write.js';
import { dirname, relative, resolve, sep } from 'node:path';
import { fingerprintDiagnostics, type SourceLookup } from './fingerprint.js';
import type { Diagnostic } from './model.js';

export const BASELINE_VERSION = 1;

export interface BaselineEntry {
  readonly rule: string;
  /** Relative to the baseline file's directory, `/`-separated. */
  readonly file: string;
  readonly fingerprint: string;
  /** For people reading the file; matching ignores it. */
  readonly line: number;
}

/** A baseline file the user must fix or regenerate; the CLI prints it and exits 2. */
export class BaselineError extends Error {}

function keyPaths(baselineFile: string, cwd: string): (file: string) => string {
  const base = dirname(resolve(cwd, baselineFile));
  return (file) => relative(base, resolve(cwd, file)).split(sep).join('/');
}

function entriesOf(diagnostics: readonly Diagnostic[], sources: SourceLookup, baselineFile: string, cwd: string): BaselineEntry[] {
  const toKey = keyPaths(baselineFile, cwd);
  return fingerprintDiagnostics(diagnostics, sources, toKey).map(({ diagnostic, fingerprint }) => ({
    rule: diagnostic.rule,
    file: toKey(diagnostic.span.file),
    fingerprint,
    line: diagnostic.span.line,
  }));
}

const entryKey = (e: Pick<BaselineEntry, 'rule' | 'file' | 'fingerprint'>): string => `${e.rule}\0${e.file}\0${e.fingerprint}`;

export function writeBaseline(baselineFile: string, diagnostics: readonly Diagnostic[], sources: SourceLookup, cwd: string): number {
  const findings = entriesOf(diagnostics, sources, baselineFile, cwd).sort(
    (a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || (a.rule < b.rule ? -1 : 1)),
  );
  writeFileSafely(resolve(cwd, baselineFile), `${JSON.stringify({ version: BASELINE_VERSION, tool: 'lockscope', findings }, null, 2)}\n`, baselineFile);
  return findings.length;
}

export function readBaseline(baselineFile: string, cwd: string): BaselineEntry[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(resolve(cwd, baselineFile), 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new BaselineError(
      code === 'ENOENT'
        ? `baseline "${baselineFile}" does not exist; create it with --write-baseline ${baselineFile}`
        : `baseline "${baselineFile}" cannot be read (${code ?? (error as Error).message}); regenerate it with --write-baseline`,
    );
  }
  const doc = raw as { version?: unknown; findings?: unknown };
  if (doc?.version !== BASELINE_VERSION || !Array.isArray(doc.findings)) {
    throw new BaselineError(`"${baselineFile}" is not a lockscope baseline (version ${BASELINE_VERSION}); regenerate it with --write-baseline`);
  }
  for (const e of doc.findings as Record<string, unknown>[]) {
    if (typeof e?.rule !== 'string' || typeof e.file !== 'string' || typeof e.fingerprint !== 'string') {
      throw new BaselineError(`"${baselineFile}" has an entry without rule, file and fingerprint; regenerate it with --write-baseline`);
    }
  }
  return doc.findings as BaselineEntry[];
}

/** Drops the diagnostics the baseline knows; each baseline entry hides at most one finding. */
export function subtractBaseline(
  diagnostics: readonly Diagnostic[],
  baseline: readonly BaselineEntry[],
  sources: SourceLookup,
  baselineFile: string,
  cwd: string,
): { fresh: Diagnostic[]; known: number } {
  const remaining = new Map<string, number>();
  for (const e of baseline) remaining.set(entryKey(e), (remaining.get(entryKey(e)) ?? 0) + 1);
  const toKey = keyPaths(baselineFile, cwd);
  const fresh: Diagnostic[] = [];
  let known = 0;
  for (const { diagnostic, fingerprint } of fingerprintDiagnostics(diagnostics, sources, toKey)) {
    const key = entryKey({ rule: diagnostic.rule, file: toKey(diagnostic.span.file), fingerprint });
    const left = remaining.get(key) ?? 0;
    if (left > 0) {
      remaining.set(key, left - 1);
      known++;
    } else {
      fresh.push(diagnostic);
    }
  }
  return { fresh, known };
}
