// Parse-worker entry (parse-ahead.ts): parses the files in order, each one it claims before the
// analysis thread does, and posts its tree as numbers, until told to stop.
import { workerData } from 'node:worker_threads';
import type { ParsedMessage, ParseWorkerData } from './parse-ahead.js';
import { CLAIMED_BY_WORKER, UNCLAIMED, counterSlot } from './parse-slots.js';

const { texts, shared, port } = workerData as ParseWorkerData;
const slots = new Int32Array(shared);
const slot = (counter: Parameters<typeof counterSlot>[1]): number => counterSlot(texts.length, counter);
try {
  // Loaded here, not imported above, so that a failure to load tree-sitter still reaches `finally`.
  const { parseRustEncoded } = await import('./syntax.js');
  const { namesRead, readNames } = await import('./syntax-tree.js');
  let namesSent = 0;
  for (let file = 0; file < texts.length && Atomics.load(slots, slot('stop')) === 0; file++) {
    if (Atomics.compareExchange(slots, file, UNCLAIMED, CLAIMED_BY_WORKER) !== UNCLAIMED) continue;
    const message: ParsedMessage = { file };
    try {
      message.encoded = parseRustEncoded(texts[file]);
    } catch {
      // Left to the analysis thread, whose parse of the file fails the same way and becomes a note.
    }
    if (namesRead() !== namesSent) {
      message.names = readNames();
      namesSent = namesRead();
    }
    port.postMessage(message, message.encoded ? [message.encoded.buffer] : []);
    Atomics.add(slots, slot('posted'), 1);
    Atomics.notify(slots, slot('posted'));
    // tree-sitter frees a native tree in a finalizer that runs only when the event loop turns.
    await new Promise((done) => setImmediate(done));
  }
} finally {
  Atomics.store(slots, slot('done'), 1);
  Atomics.notify(slots, slot('done'));
}
