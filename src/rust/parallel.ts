// Crates are independent, so large runs split them over worker threads (one per core). A run that
// stays on this thread (few files, or one crate) parses its lock files on a second one instead.
import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { analyzeRust, type RustAnalysis, type RustAnalysisOptions } from './analyze.js';
import { groupIntoCrates } from './crates.js';

/** Below this many files a worker's start-up (loading tree-sitter) costs more than it saves. */
const PARALLEL_THRESHOLD = 400;

export type RustReport = Omit<RustAnalysis, 'crates'>;

const workerScript = fileURLToPath(new URL('./analyze-worker.js', import.meta.url));

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** Splits crates into `n` groups of similar total size (largest first, into the lightest group). */
function partition(files: readonly string[], n: number, options: RustAnalysisOptions): string[][] {
  const crates = groupIntoCrates(files, options.edition)
    .map((c) => ({ files: c.files, size: c.files.reduce((sum, f) => sum + sizeOf(f), 0) }))
    .sort((a, b) => b.size - a.size);
  const groups = Array.from({ length: n }, () => ({ files: [] as string[], size: 0 }));
  for (const crate of crates) {
    const lightest = groups.reduce((a, b) => (a.size <= b.size ? a : b));
    lightest.files.push(...crate.files);
    lightest.size += crate.size;
  }
  return groups.map((g) => g.files).filter((g) => g.length > 0);
}

function inWorker(files: string[], options: RustAnalysisOptions): Promise<RustReport> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerScript, { workerData: { files, options } });
    worker.once('message', (report: RustReport) => resolve(report));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`lockscope: analysis worker exited with code ${code}`));
    });
  });
}

export async function analyzeRustFiles(files: readonly string[], options: RustAnalysisOptions): Promise<RustReport> {
  const threads = Math.min(availableParallelism(), 4);
  const groups = files.length >= PARALLEL_THRESHOLD && threads > 1 && existsSync(workerScript) ? partition(files, threads, options) : [];
  if (groups.length < 2) {
    const { crates: _crates, ...report } = analyzeRust(files, { ...options, parseAhead: threads > 1 });
    return report;
  }
  const reports = await Promise.all(groups.map((group) => inWorker(group, options)));
  const phases = { ...reports[0].phases };
  for (const r of reports.slice(1)) for (const [k, v] of Object.entries(r.phases)) phases[k as keyof typeof phases] += v;
  return {
    diagnostics: reports.flatMap((r) => r.diagnostics).sort(compareDiagnostics),
    notes: reports.flatMap((r) => r.notes),
    files: files.length,
    lines: reports.reduce((s, r) => s + r.lines, 0),
    bytes: reports.reduce((s, r) => s + r.bytes, 0),
    parsedFiles: reports.reduce((s, r) => s + r.parsedFiles, 0),
    phases,
  };
}

function compareDiagnostics(a: RustReport['diagnostics'][number], b: RustReport['diagnostics'][number]): number {
  return a.span.file < b.span.file ? -1 : a.span.file > b.span.file ? 1 : a.span.line - b.span.line || a.span.column - b.span.column;
}
