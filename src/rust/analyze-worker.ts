// Worker-thread entry: analyses its share of the crates and posts the report back.
import { parentPort, workerData } from 'node:worker_threads';
import { analyzeRust, type RustAnalysisOptions } from './analyze.js';

const { files, options } = workerData as { files: string[]; options: RustAnalysisOptions };
const { crates: _crates, ...report } = analyzeRust(files, { ...options, keepFacts: false });
parentPort!.postMessage(report);
