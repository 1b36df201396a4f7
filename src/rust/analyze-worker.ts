// Worker-thread entry (parallel.ts): analyses each crate it is handed and posts its report back,
// until it is told that none is left.
import { parentPort, workerData } from 'node:worker_threads';
import { analyzeRust, type RustAnalysisOptions } from './analyze.js';
import type { CrateRequest } from './parallel.js';

const { options } = workerData as { options: RustAnalysisOptions };
parentPort!.on('message', (files: CrateRequest) => {
  if (files === null) {
    parentPort!.close();
    return;
  }
  const { crates: _crates, ...report } = analyzeRust(files, { ...options, keepFacts: false });
  parentPort!.postMessage(report);
});
