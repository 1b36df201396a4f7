// The memory the analysis thread and its parse worker share (parse-ahead.ts, parse-worker.ts): one
// slot per file saying which thread claimed it, then three counters. Kept apart from both so that
// the worker can read it before it loads tree-sitter, whose failure to load must still set `done`.
export const UNCLAIMED = 0;
export const CLAIMED_HERE = 1;
export const CLAIMED_BY_WORKER = 2;

/** The slots after the files' claims: trees posted so far, the analysis' stop request, the worker's reply. */
const COUNTERS = { posted: 0, stop: 1, done: 2 } as const;

export function sharedSlots(files: number): SharedArrayBuffer {
  return new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT * (files + Object.keys(COUNTERS).length));
}

export function counterSlot(files: number, counter: keyof typeof COUNTERS): number {
  return files + COUNTERS[counter];
}
