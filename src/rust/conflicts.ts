// Derived facts the Rust rules share: conflicts between a held guard and a later acquisition
// (direct or through calls), and lock-order edges. Computed once per crate from facts and
// summaries; rules filter and phrase them.
import { conflicts, modesAlwaysConflict, type Acquisition, type WitnessStep } from '../core/model.js';
import { acquisitionAtCall, type FactEvent, type FunctionFacts, type GuardFact, type HeldGuard } from './facts.js';
import type { CrateFacts } from './summaries.js';

export interface LockConflict {
  readonly facts: FunctionFacts;
  readonly held: HeldGuard;
  readonly requested: Acquisition;
  /** Calls from the event's site down to `requested`; empty when the event is the acquisition. */
  readonly chain: readonly WitnessStep[];
  readonly event: FactEvent;
}

export interface LockOrderEdge {
  readonly facts: FunctionFacts;
  readonly outer: GuardFact;
  readonly inner: Acquisition;
  readonly chain: readonly WitnessStep[];
}

/** What each event acquires: itself, or everything its callees' summaries reach. */
function reachedBy(event: FactEvent, crate: CrateFacts): { acquisition: Acquisition; chain: readonly WitnessStep[] }[] {
  if (event.kind === 'acquire') return [{ acquisition: event.acquisition, chain: [] }];
  if (event.kind !== 'call') return [];
  const out: { acquisition: Acquisition; chain: WitnessStep[] }[] = [];
  const step: WitnessStep = { span: event.span, note: `calls \`${event.calleeName}\`` };
  for (const callee of event.callees()) {
    for (const reached of crate.summary(callee).values()) {
      const acquisition = acquisitionAtCall(event, callee, reached.acquisition);
      if (acquisition) out.push({ acquisition, chain: [step, ...reached.chain] });
    }
  }
  return out.sort((a, b) => a.chain.length - b.chain.length);
}

export function findConflicts(crate: CrateFacts): LockConflict[] {
  const found: LockConflict[] = [];
  for (const facts of crate.allFacts()) {
    for (const event of facts.events) {
      if (event.held.length === 0) continue;
      for (const reached of reachedBy(event, crate)) {
        for (const held of event.held) {
          if (event.kind === 'acquire' && event.guard === held.guard) continue;
          if (!conflicts(held.guard.acquisition, reached.acquisition)) continue;
          found.push({ facts, held, requested: reached.acquisition, chain: reached.chain, event });
        }
      }
    }
  }
  return found;
}

export function findLockOrderEdges(crate: CrateFacts): LockOrderEdge[] {
  const edges: LockOrderEdge[] = [];
  for (const facts of crate.allFacts()) {
    for (const event of facts.events) {
      if (event.held.length === 0) continue;
      // A lock this thread already holds is a re-lock (another rule's business), not an order.
      const alreadyHeld = new Set(event.held.map((h) => h.guard.acquisition.lock.key));
      for (const reached of reachedBy(event, crate)) {
        const inner = reached.acquisition;
        if (!inner.blocking || inner.flavor.outcome !== 'deadlock' || inner.confidence === 'low') continue;
        if (alreadyHeld.has(inner.lock.key)) continue;
        for (const { guard } of event.held) {
          const outer = guard.acquisition;
          if (outer.lock.key === inner.lock.key || outer.flavor.outcome !== 'deadlock' || outer.confidence === 'low') continue;
          // Two readers in either order only wait for each other behind a queued writer.
          if (outer.mode !== 'exclusive' && inner.mode !== 'exclusive' && !inner.flavor.fair) continue;
          edges.push({ facts, outer: guard, inner, chain: reached.chain });
        }
      }
    }
  }
  return edges;
}

/**
 * The rule a conflict belongs to: a scrutinee guard meeting its conflict inside an arm is the
 * seed bug's shape; a shared guard meeting an exclusive request is an upgrade; the rest are
 * double locks.
 */
export function conflictRule(conflict: LockConflict): 'guard-across-branch' | 'lock-upgrade' | 'double-lock' {
  const held = conflict.held.guard.acquisition;
  const requested = conflict.requested;
  const certainPair = modesAlwaysConflict(held.mode, requested.mode);
  if (conflict.held.guard.origin === 'scrutinee' && conflict.held.region && certainPair) return 'guard-across-branch';
  if (held.mode !== 'exclusive' && requested.mode === 'exclusive') return 'lock-upgrade';
  return 'double-lock';
}

/** Findings that may block only under contention, or rest on a guessed type, are warnings. */
export function conflictIsCertain(conflict: LockConflict): boolean {
  const held = conflict.held.guard.acquisition;
  const requested = conflict.requested;
  return modesAlwaysConflict(held.mode, requested.mode) && held.confidence === 'high' && requested.confidence === 'high';
}
