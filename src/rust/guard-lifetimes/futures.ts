// Futures (Reference: "Await expressions", "Async blocks"; the `Future` trait's contract): calling
// an `async fn`, writing an `async` block or asking an async lock for its guard builds a value that
// does nothing until it is polled. Its work runs where it is awaited (or driven by `block_on`,
// `join!`), with whatever is held there; handed to `spawn` or dropped unpolled, it runs later on
// another task, holding nothing of the caller's.
import type { SyntaxNode } from '../syntax.js';
import { Moves } from './moves.js';
import type { HeldGuard } from '../facts.js';
import { NOTHING, type BlockScope, type LiveGuard, type PendingFuture, type Value } from './values.js';

/** Calls that poll the futures they are given to completion before returning. */
export const FUTURE_DRIVING_CALLS = new Set(['block_on', 'block_in_place_on']);

/**
 * Calls that poll the futures they are given for a bounded time (`tokio::time::timeout`,
 * `FutureExt::timeout`): a lock awaited inside gives up when the time is out, so what it waits
 * for there cannot deadlock; it is walked as if on its own task.
 */
const BOUNDED_POLLING_CALLS = new Set(['timeout', 'timeout_at']);

/** Macros that await the futures they are given (tokio, futures) where they stand. */
export const JOINING_MACROS = new Set(['join', 'try_join']);

/** Macros that await futures in a syntax of their own (`pat = fut => arm`), not walked as expressions. */
export const AWAITING_MACROS = new Set(['select', 'select_biased', 'pending']);

export abstract class Futures extends Moves {
  /** Every future built in this function, so that one never polled here is still walked once. */
  private readonly futures: PendingFuture[] = [];
  /** Guards of threads blocked in `block_on` around the current walk: an `.await` does not suspend them. */
  private readonly notSuspended: Set<LiveGuard>[] = [];

  /** What a task suspended here holds. */
  protected heldAtAwait(): HeldGuard[] {
    const blocked = this.notSuspended.flatMap((s) => [...s]);
    return this.held().filter((h) => !blocked.some((g) => g.fact === h.guard));
  }

  /**
   * A future whose work is `work`, walked where it is polled. The bindings it captures are the
   * ones in scope where it is built (an `async move` block's captures), wherever it runs.
   */
  protected future(work: () => Value, runsCodeIfDropped: boolean): PendingFuture {
    const scopes = this.blocks.slice();
    const shift = this.shift;
    const future: PendingFuture = { polled: false, runsCodeIfDropped, run: () => this.inScopes(scopes, shift, work) };
    this.futures.push(future);
    return future;
  }

  /** An `async { … }` block: its body runs when the block's future is polled. */
  protected asyncBlockFuture(node: SyntaxNode): Value {
    return { guards: [], future: this.future(() => this.awaitedAsyncBlock(node), true) };
  }

  protected awaitedAsyncBlock(node: SyntaxNode): Value {
    const body = node.namedChildren.find((c) => c.type === 'block');
    if (!body) return NOTHING;
    this.exitFloors.push(this.blocks.length);
    try {
      return this.bodyBlock(body, 'at the end of the async block');
    } finally {
      this.exitFloors.pop();
    }
  }

  /** Polls a future here, to completion: its work runs with what is held here. */
  protected poll(future: PendingFuture | undefined): Value {
    if (!future || future.polled) return NOTHING;
    future.polled = true;
    return future.run();
  }

  /** Hands a future to another task (`spawn`): its work runs later, holding nothing of ours. */
  protected spawnFuture(future: PendingFuture | undefined): void {
    if (!future || future.polled) return;
    future.polled = true;
    this.detachedRun(() => {
      future.run();
    });
  }

  /** `e.await`: the task may be suspended here; then the future's work runs, and its output is the value. */
  protected awaitExpression(node: SyntaxNode): Value {
    const inner = node.namedChildren[0];
    const value = inner ? this.expr(inner) : NOTHING;
    this.events.push({ kind: 'await', span: this.span(node), held: this.heldAtAwait(), detached: this.detached });
    if (!value.future) return value;
    const output = this.poll(value.future);
    return { ...value, ...output, future: undefined, binding: output.binding };
  }

  /**
   * The futures among a call's arguments (and its receiver): a spawning call runs them on another
   * task, `block_on` runs them here; any other callee keeps them, so they run where its result is
   * awaited (`timeout(d, fetch()).await`), or on another task if it never is.
   */
  protected passFutures(name: string, detaching: boolean, values: readonly Value[], result: Value): Value {
    const given = values.map((v) => v.future).filter((f): f is PendingFuture => f !== undefined && !f.polled);
    if (given.length === 0) return result;
    if (detaching) {
      for (const f of given) this.spawnFuture(f);
      // The task's handle: awaiting it waits until the task has done its work, so whatever that
      // work locks is waited for there, under the guards held there.
      const join = this.future(() => {
        for (const f of given) f.run();
        return NOTHING;
      }, false);
      return { ...result, future: join };
    }
    if (FUTURE_DRIVING_CALLS.has(name)) {
      // This thread blocks until the future completes: what it holds is held through the work
      // (a conflict there is real), but the future's `.await`s suspend only the future.
      const outer = new Set(this.live);
      this.notSuspended.push(outer);
      try {
        for (const f of given) this.poll(f);
      } finally {
        this.notSuspended.pop();
      }
      return result;
    }
    // A future never polled through the wrapper is still walked on its own, as on another task.
    const own = result.future;
    const bounded = BOUNDED_POLLING_CALLS.has(name);
    const wrapper = this.future(() => {
      if (bounded) for (const f of given) this.spawnFuture(f);
      else for (const f of given) this.poll(f);
      return own ? this.poll(own) : NOTHING;
    }, false);
    return { ...result, future: wrapper };
  }

  /** `join!(a, b)` / `try_join!`: the task may be suspended here, and each future runs here. */
  protected joinFutures(node: SyntaxNode, values: readonly Value[]): void {
    this.events.push({ kind: 'await', span: this.span(node), held: this.heldAtAwait(), detached: this.detached });
    for (const v of values) this.poll(v.future);
  }

  /**
   * Futures built here and never polled here (returned, stored, handed to a runtime we do not
   * know) still run somewhere: their code is walked once, as on another task.
   */
  protected walkUnpolledFutures(): void {
    this.pushTemp('at the end of the future');
    for (let i = 0; i < this.futures.length; i++) {
      const future = this.futures[i];
      if (future.runsCodeIfDropped) this.spawnFuture(future);
    }
    this.endTemp(this.endOf(this.fn.node));
  }

  /** Runs `work` as code that runs later or elsewhere: nothing held here is held there. */
  protected detachedRun(work: () => void): void {
    const savedLive = this.live;
    const savedDetached = this.detached;
    this.live = [];
    this.detached = true;
    try {
      work();
    } finally {
      this.live = savedLive;
      this.detached = savedDetached;
    }
  }

  /** A closure or async block that runs later or elsewhere: nothing held here is held there. */
  protected detachedBody(node: SyntaxNode): void {
    const outer = this.laterClosure;
    if (node.type === 'closure_expression') this.laterClosure = node.startIndex + this.shift;
    try {
      this.detachedRun(() => {
        if (node.type === 'closure_expression') this.spawnFuture(this.inlineClosure(node).future);
        else this.spawnFuture(this.asyncBlockFuture(node).future);
      });
    } finally {
      this.laterClosure = outer;
    }
  }

  private inScopes(scopes: readonly BlockScope[], shift: number, work: () => Value): Value {
    const saved = this.blocks.splice(0);
    const savedShift = this.shift;
    this.blocks.push(...scopes);
    this.shift = shift;
    try {
      return work();
    } finally {
      this.blocks.splice(0);
      this.blocks.push(...saved);
      this.shift = savedShift;
    }
  }
}
