// Worker-thread entry (parallel.ts): checks each crate it is handed, reading its dependencies from
// every file of the run, and posts its report back, until it is told that none is left.
import { parentPort, workerData } from 'node:worker_threads';
import { analyzeRust, rustRunContext, type RustAnalysisOptions } from './analyze.js';
import type { CrateRequest } from './parallel.js';

const { files, options } = workerData as { files: readonly string[]; options: RustAnalysisOptions };
// Grouped once, and the dependency files it reads shared by every crate this worker checks.
const context = rustRunContext(files, options);
parentPort!.on('message', (root: CrateRequest) => {
  if (root === null) {
    parentPort!.close();
    return;
  }
  const { crates: _crates, ...report } = analyzeRust(files, { ...options, onlyCrates: [root], keepFacts: false }, context);
  parentPort!.postMessage(report);
});
