// The contract of a Rust rule: it reads a crate's facts and the conflicts derived from them and
// returns findings. No rule walks syntax.
import type { RelatedLocation, SourceSpan } from '../../core/model.js';
import type { ArgumentOrderEdge, LockConflict, LockOrderEdge } from '../conflicts.js';
import type { GuardFact } from '../facts.js';
import type { RewriteHint } from '../rewrites.js';
import type { Edition } from '../../core/model.js';
import type { LockOrderCycle } from '../lock-order-cycles.js';
import type { CrateFacts } from '../summaries.js';

export interface RustRuleInput {
  readonly crate: CrateFacts;
  readonly edition: Edition;
  readonly conflicts: readonly LockConflict[];
  readonly lockOrderEdges: readonly LockOrderEdge[];
  /** Two objects' locks of one kind, in an order the arguments decide (`self.balance`, then `to.balance`). */
  readonly argumentOrderEdges: readonly ArgumentOrderEdge[];
  /** Rings of three or more locks in the order graph, one per strongly connected component. */
  readonly lockOrderCycles: readonly LockOrderCycle[];
}

export interface RustFinding {
  readonly rule: string;
  readonly span: SourceSpan;
  readonly message: string;
  readonly related: readonly RelatedLocation[];
  /** `false` caps the severity at `warn`: shared+shared on a fair lock, or a guessed lock type. */
  readonly certain: boolean;
  /** Rewrites that remove the conflict, best first; each edit is spelled from the file's syntax. */
  readonly rewrites?: readonly RewriteHint[];
}

export interface RustRule {
  readonly id: string;
  check(input: RustRuleInput): RustFinding[];
}

/** One finding per guard: the conflict with the shortest chain speaks for the rest. */
export function firstPerGuard<T extends { held: { guard: { id: number } }; chain: readonly unknown[] }>(items: readonly T[]): T[] {
  const best = new Map<number, T>();
  for (const item of items) {
    const current = best.get(item.held.guard.id);
    if (!current || item.chain.length < current.chain.length) best.set(item.held.guard.id, item);
  }
  return [...best.values()];
}

/**
 * `drop(guard)` before the conflicting statement, for a guard bound with `let` to a name of its
 * own (a helper that holds a guard while running a closure leaves nothing to drop).
 */
export function dropBefore(guard: GuardFact, site: SourceSpan, so = 'the lock is free when it is taken again'): { rewrites?: readonly RewriteHint[] } {
  if (guard.origin !== 'let' || !guard.binding || guard.returnedBy?.whileRunningClosure) return {};
  return { rewrites: [{ kind: 'drop-before', binding: guard.binding, site, so }] };
}

/** Where a conflict happens in the function holding the guard: the acquisition, or the call that leads to it. */
export function conflictSite(conflict: LockConflict): SourceSpan {
  return conflict.event.kind === 'acquire' ? conflict.event.acquisition.span : conflict.event.span;
}

/**
 * A conflict reached through a stored callback (`listener(event)` over closures registered
 * earlier): which closure runs, and on which object, is decided at run time.
 */
export const storedCallbackCondition =
  'when the callback called here is a closure the crate stores that reaches this lock on the same object (which stored closure runs is known only at run time)';
export const storedCallbackFix =
  'collect the callbacks first (clone the `Arc`s or take them out) and call them after the guard is released, or queue the work the callback does';
