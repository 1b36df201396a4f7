// Crates are checked independently, so large runs spread them over worker threads (one per core):
// each worker is handed the next crate, largest first, whenever it is free, so that one large crate
// does not leave another worker idle the way a split fixed in advance did. Each worker gets every
// file of the run, to read the dependencies of its crates from. A run that stays on this thread
// (few files, or one crate) parses its lock files on a second one instead.
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

/** What the main thread sends a worker: the root of the next crate to check, or `null` when none is left. */
export type CrateRequest = string | null;

const workerScript = fileURLToPath(new URL('./analyze-worker.js', import.meta.url));

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

interface CrateShare {
  readonly root: string;
  readonly size: number;
}

/** The crates of a run, largest first: the order they are handed out in. */
function cratesBySize(files: readonly string[], options: RustAnalysisOptions): CrateShare[] {
  return groupIntoCrates(files, options.edition)
    .map((c) => ({ root: c.root, size: c.files.reduce((sum, f) => sum + sizeOf(f), 0) }))
    .sort((a, b) => b.size - a.size);
}

/**
 * The order the crates' reports are merged in, whichever worker finishes first: each crate into
 * the lightest of `n` groups, then the groups one after another. It is the order of the split
 * that fixed each worker's share before crates were handed out, which notes are still printed in.
 */
function mergeOrder(crates: readonly CrateShare[], n: number): number[] {
  const groups = Array.from({ length: n }, () => ({ crates: [] as number[], size: 0 }));
  crates.forEach((crate, i) => {
    const lightest = groups.reduce((a, b) => (a.size <= b.size ? a : b));
    lightest.crates.push(i);
    lightest.size += crate.size;
  });
  return groups.flatMap((g) => g.crates);
}

/** Reports of every crate, by the crate's index, from `threads` workers that each take the next crate when free. */
function inWorkers(files: readonly string[], crates: readonly CrateShare[], threads: number, options: RustAnalysisOptions): Promise<RustReport[]> {
  const reports: RustReport[] = [];
  let next = 0;
  let running = 0;
  return new Promise((resolve, reject) => {
    const start = (): void => {
      const worker = new Worker(workerScript, { workerData: { files, options } });
      running++;
      let current = -1;
      const handOut = (): void => {
        current = next < crates.length ? next++ : -1;
        const request: CrateRequest = current < 0 ? null : crates[current].root;
        worker.postMessage(request);
      };
      worker.on('message', (report: RustReport) => {
        reports[current] = report;
        handOut();
      });
      worker.once('error', reject);
      worker.once('exit', (code) => {
        if (code !== 0) reject(new Error(`lockscope: analysis worker exited with code ${code}`));
        else if (--running === 0) resolve(reports);
      });
      handOut();
    };
    for (let i = 0; i < threads; i++) start();
  });
}

export async function analyzeRustFiles(files: readonly string[], options: RustAnalysisOptions): Promise<RustReport> {
  const threads = Math.min(availableParallelism(), 4);
  const crates = files.length >= PARALLEL_THRESHOLD && threads > 1 && existsSync(workerScript) ? cratesBySize(files, options) : [];
  if (crates.length < 2) {
    const { crates: _crates, ...report } = analyzeRust(files, { ...options, parseAhead: threads > 1 });
    return report;
  }
  const byCrate = await inWorkers(files, crates, Math.min(threads, crates.length), options);
  const reports = mergeOrder(crates, threads).map((i) => byCrate[i]);
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
