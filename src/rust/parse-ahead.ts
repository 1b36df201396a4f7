// One crate's lock files parsed on two threads. The analysis asks for a file's tree when it needs
// it, synchronously, mostly in the order of the crate's files; a worker parses the same files in
// the same order, ahead of it, and each file goes to whichever thread claims it first (one shared
// slot per file, set once by compare-and-exchange). The worker should make most trees:
// tree-sitter frees a native tree only when its thread's event loop turns, which the worker's does
// after each file and the synchronous analysis' never does (on the lock-dense crate at 100k
// functions, the peak fell from 2.2 to 1.6 GB when the worker made nearly all of them). A file the
// worker claimed is waited for (`Atomics.wait` on a shared count of posted trees, which the worker
// bumps after each one) and received without turning the event loop (`receiveMessageOnPort`),
// since the analysis never yields to it; while it waits, this thread parses files from the far end.
// The worker sends a tree as numbers in a transferred buffer (syntax-tree.ts `EncodedTree`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { Tree, learnNames, type EncodedTree, type TreeNames } from './syntax-tree.js';
import { parseForIndex } from './crate-index.js';
import { CLAIMED_BY_WORKER, CLAIMED_HERE, UNCLAIMED, counterSlot, sharedSlots } from './parse-slots.js';

/** Below this much text a worker's start-up (loading tree-sitter, about 50 ms) costs more than it saves. */
const MIN_TEXT = 512 * 1024;
/** A worker that posts nothing for this long is given up: the files it holds are parsed here. */
const STALL_MS = 30_000;

const workerScript = fileURLToPath(new URL('./parse-worker.js', import.meta.url));

/** What the worker posts per file: its tree (none if the parse threw: parsed again here for the note). */
export type ParsedMessage = { file: number; encoded?: EncodedTree; names?: TreeNames };

export interface ParseWorkerData {
  readonly texts: readonly string[];
  /** Who claimed each file, and the counters the two threads wait on (parse-slots.ts). */
  readonly shared: SharedArrayBuffer;
  readonly port: MessagePort;
}

export class ParseAhead {
  private readonly slots: Int32Array;
  private readonly received = new Map<number, ParsedMessage>();
  /** Trees this thread made from the far end while the worker was busy with the one it needed. */
  private readonly parsedHere = new Map<number, Tree>();
  /** The next file from the far end this thread may claim, going back. */
  private back: number;
  private stopped = false;

  private constructor(
    private readonly position: ReadonlyMap<string, number>,
    private readonly texts: readonly string[],
    private readonly port: MessagePort,
    shared: SharedArrayBuffer,
  ) {
    this.slots = new Int32Array(shared);
    this.back = texts.length - 1;
  }

  /** Starts a worker on these files when there is enough text to pay for it. */
  static start(files: ReadonlyMap<string, string>): ParseAhead | undefined {
    let size = 0;
    for (const text of files.values()) size += text.length;
    if (size < MIN_TEXT || !existsSync(workerScript)) return undefined;
    const texts = [...files.values()];
    const shared = sharedSlots(texts.length);
    const { port1, port2 } = new MessageChannel();
    const workerData: ParseWorkerData = { texts, shared, port: port2 };
    const worker = new Worker(workerScript, { workerData, transferList: [port2] });
    // The analysis is synchronous: neither the worker nor its port may keep the process alive.
    worker.unref();
    port1.unref();
    // A worker that fails claims nothing more and this thread parses the rest (what it had
    // claimed is waited for until `STALL_MS`); its `done` slot is set either way.
    worker.on('error', () => undefined);
    return new ParseAhead(new Map([...files.keys()].map((f, i) => [f, i])), texts, port1, shared);
  }

  /** The tree of a file: the worker's, if it claimed the file first, else parsed here. */
  tree(file: string, text: string): Tree {
    const at = this.position.get(file);
    // A changed text (an editor's buffer) is not the one the worker was given.
    if (at === undefined || this.texts[at] !== text || this.stopped) return parseForIndex(text);
    const early = this.parsedHere.get(at);
    if (early) {
      this.parsedHere.delete(at);
      return early;
    }
    if (Atomics.compareExchange(this.slots, at, UNCLAIMED, CLAIMED_HERE) !== CLAIMED_BY_WORKER) return parseForIndex(text);
    const message = this.receive(at);
    this.received.delete(at);
    return message?.encoded ? new Tree(text, message.encoded) : parseForIndex(text);
  }

  /**
   * Stops the worker after the file it is parsing, and waits for that. Terminating it instead
   * could land inside a parse, where tree-sitter calls back into JS for the text, which aborts
   * the process; so may the process' exit, which terminates the workers still running.
   */
  close(): void {
    this.stopped = true;
    const done = counterSlot(this.texts.length, 'done');
    Atomics.store(this.slots, counterSlot(this.texts.length, 'stop'), 1);
    Atomics.wait(this.slots, done, 0, STALL_MS);
    this.port.close();
    this.received.clear();
    this.parsedHere.clear();
  }

  /**
   * Parses the last file nobody has claimed, instead of waiting for the worker: when the analysis
   * keeps catching up with it (small files, quick to analyse), this thread takes a share of the
   * parsing from the other end, and when it does not, the worker makes nearly every tree.
   * A file whose parse throws is left claimed and unparsed: asked for, it is parsed again in
   * `tree`, where its failure becomes that file's note.
   */
  private parseFromFarEnd(): boolean {
    while (this.back >= 0) {
      const file = this.back--;
      if (Atomics.compareExchange(this.slots, file, UNCLAIMED, CLAIMED_HERE) !== UNCLAIMED) continue;
      try {
        this.parsedHere.set(file, parseForIndex(this.texts[file]));
      } catch {
        // See above.
      }
      return true;
    }
    return false;
  }

  private receive(at: number): ParsedMessage | undefined {
    const posted = counterSlot(this.texts.length, 'posted');
    for (;;) {
      const seen = Atomics.load(this.slots, posted);
      for (let m = receiveMessageOnPort(this.port); m; m = receiveMessageOnPort(this.port)) {
        const message = m.message as ParsedMessage;
        // Names come with the first tree that has them, and messages arrive in order.
        if (message.names) learnNames(message.names);
        this.received.set(message.file, message);
      }
      const message = this.received.get(at);
      if (message) return message;
      if (this.parseFromFarEnd()) continue;
      if (Atomics.wait(this.slots, posted, seen, STALL_MS) === 'timed-out') {
        this.stopped = true;
        return undefined;
      }
    }
  }
}
