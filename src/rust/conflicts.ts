// Derived facts the Rust rules share: conflicts between a held guard and a later acquisition
// (direct or through calls), and lock-order edges. Computed once per crate from facts and
// summaries; rules filter and phrase them.
import { conflicts, modesAlwaysConflict, type Acquisition, type WitnessStep } from '../core/model.js';
import { acquisitionAtCall, callNote, dispatchedAcquisitions, reachableAtCall, type FactEvent, type FunctionFacts, type GuardFact, type HeldGuard } from './facts.js';
import type { Knowledge } from './entry-checks.js';
import type { CrateFacts } from './summaries.js';

export interface LockConflict {
  readonly facts: FunctionFacts;
  readonly held: HeldGuard;
  readonly requested: Acquisition;
  /** Calls from the event's site down to `requested`; empty when the event is the acquisition. */
  readonly chain: readonly WitnessStep[];
  readonly event: FactEvent;
  /** Two elements of one row of locks whose indices may be equal (`self.stripes[i]`, `self.stripes[j]`). */
  readonly maybeSameElement?: boolean;
}

export interface LockOrderEdge {
  readonly facts: FunctionFacts;
  readonly outer: GuardFact;
  readonly inner: Acquisition;
  readonly chain: readonly WitnessStep[];
  /** The kinds of lock the order is between (`lockClass`): what two paths must invert. */
  readonly outerClass: string;
  readonly innerClass: string;
}

/**
 * A guard held while another object's lock of the same kind is taken, both objects the caller's
 * (`self.balance`, then `to.balance` for `to: &Self`): which one is taken first depends on the
 * arguments, so `a.f(&b)` and `b.f(&a)` on two threads invert the order.
 */
export interface ArgumentOrderEdge extends LockOrderEdge {
  /**
   * What picks each lock: the objects they are reached through (`self`, `to`), or the indices of
   * two elements of one row of locks (`self.stripes[i]`, then `self.stripes[j]`).
   */
  readonly pickedBy: 'objects' | 'indices';
  readonly roots: readonly [string, string];
}

/**
 * The object a lock of `fn` is reached through, when the caller chose it: `self` for a lock under
 * a borrowed `self` (`Account.balance`), or a parameter's name (`Account@to.balance`). A `&mut`
 * receiver or parameter aliases nothing, so no other thread can be locking the same objects.
 */
function callerRoot(key: string, fn: FunctionFacts['fn']): string | undefined {
  const rooted = /^[A-Za-z_][A-Za-z0-9_]*@([A-Za-z_][A-Za-z0-9_]*)\./.exec(key);
  if (rooted) {
    const param = fn.params.find((p) => p.name === rooted[1]);
    return param && !/^&\s*('\w+\s*)?mut\b/.test(param.type) ? param.name : undefined;
  }
  if (!fn.ownerType || !key.startsWith(`${fn.ownerType}.`)) return undefined;
  return sharedReceiver(fn) ? 'self' : undefined;
}

/** `&self`, `self: Arc<Self>`, `self: &Arc<Self>`: other threads may hold the same object. */
function sharedReceiver(fn: FunctionFacts['fn']): boolean {
  if (fn.selfParam) return /^&\s*('\w+\s*)?self$/.test(fn.selfParam);
  const typed = fn.params.find((p) => p.name === 'self')?.type;
  return typed !== undefined && !/^&\s*('\w+\s*)?mut\b/.test(typed) && /^&|\b(?:Arc|Rc)\b/.test(typed);
}

/**
 * A lock's kind for ordering, as lockdep's lock classes are: a lock reached through a struct
 * parameter (`Ledger@ledger.journal` in `fn checkpoint(ledger: &Ledger)`) is the same kind as
 * `self.journal` in `impl Ledger`. Two paths that invert two kinds deadlock when they run on the
 * same object, whichever name each path gives it. A `&mut` parameter's object cannot be locked by
 * another thread meanwhile, and a value the function built is its own: those locks are their own kind.
 */
function lockClass(key: string, fn: FunctionFacts['fn']): string {
  // An element picked by a variable (`self.stripes[i]`) is any element of its row.
  const element = /\[[^\]]*@[^\]]*\]$/.exec(key);
  const place = element ? `${key.slice(0, element.index)}[]` : key;
  const rooted = /^([A-Za-z_][A-Za-z0-9_]*)@([A-Za-z_][A-Za-z0-9_]*)\./.exec(place);
  if (!rooted || !callerRoot(place, fn)) return place;
  return `${rooted[1]}.${place.slice(rooted[0].length)}`;
}

/** The variables an index uses (`i`, `self.stripe_of(from)` → `self`, `stripe_of`, `from`). */
function indexNames(index: string): string[] {
  return [...new Set(index.match(/\b[A-Za-z_][A-Za-z0-9_]*\b/g) ?? [])];
}

/**
 * What each event acquires: itself, or everything its callees' summaries reach; with `passed`,
 * what they reach when it holds at their entry (`CrateFacts.summaryUnder`).
 */
function reachedBy(event: FactEvent, crate: CrateFacts, passed?: Knowledge): { acquisition: Acquisition; chain: readonly WitnessStep[] }[] {
  if (event.kind === 'acquire') return [{ acquisition: event.acquisition, chain: [] }];
  if (event.kind !== 'call') return [];
  const step: WitnessStep = { span: event.span, note: callNote(event) };
  const perCallee = event.callees().map((callee) => {
    const out: { acquisition: Acquisition; chain: WitnessStep[] }[] = [];
    for (const reached of (passed ? crate.summaryUnder(callee, passed) : crate.summary(callee)).values()) {
      if (!reachableAtCall(event, callee, reached)) continue;
      const acquisition = acquisitionAtCall(event, callee, reached.acquisition);
      if (acquisition) out.push({ acquisition, chain: [step, ...reached.chain] });
    }
    return out;
  });
  return dispatchedAcquisitions(event, perCallee).sort((a, b) => a.chain.length - b.chain.length);
}

/**
 * What a call made under a guard reaches, with what the call site knows carried into its callees
 * when a conflict lies deeper than the callee itself: a flag set here may make a callee's callee
 * leave at its entry check (`let _scope = enter_handler(); self.reply(m)`, `reply` calling `send`,
 * which returns at once inside a handler). Asked only then: carrying costs a walk per call.
 */
function reachedUnderGuard(event: FactEvent, crate: CrateFacts): ReturnType<typeof reachedBy> {
  const reached = reachedBy(event, crate);
  if (event.kind !== 'call' || !event.decideUnder) return reached;
  const deeper = reached.some((r) => r.chain.length > 1 && event.held.some((h) => conflicts(h.guard.acquisition, r.acquisition)));
  if (!deeper) return reached;
  const passed = event.decideUnder(NOTHING_KNOWN).passed;
  return passed.size > 0 ? reachedBy(event, crate, passed) : reached;
}

const NOTHING_KNOWN: Knowledge = new Map();

export function findConflicts(crate: CrateFacts): LockConflict[] {
  const found: LockConflict[] = [];
  for (const facts of crate.allFacts()) {
    for (const event of facts.events) {
      if (event.held.length === 0) continue;
      for (const reached of reachedUnderGuard(event, crate)) {
        for (const held of event.held) {
          if (event.kind === 'acquire' && event.guard === held.guard) continue;
          if (!conflicts(held.guard.acquisition, reached.acquisition)) continue;
          found.push({ facts, held, requested: reached.acquisition, chain: reached.chain, event });
        }
      }
      if (event.kind !== 'acquire') continue;
      for (const held of event.held) {
        if (!event.maybeSameElement?.includes(held.guard)) continue;
        const requested = event.acquisition;
        // The same element if the indices are equal: the modes decide as for one lock.
        if (!conflicts({ ...held.guard.acquisition, lock: requested.lock }, requested)) continue;
        found.push({ facts, held, requested, chain: [], event, maybeSameElement: true });
      }
    }
  }
  return found;
}

export function findLockOrderEdges(crate: CrateFacts): { edges: LockOrderEdge[]; argumentOrder: ArgumentOrderEdge[] } {
  const edges: LockOrderEdge[] = [];
  const argumentOrder: ArgumentOrderEdge[] = [];
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
          const outerClass = lockClass(outer.lock.key, facts.fn);
          const innerClass = lockClass(inner.lock.key, facts.fn);
          const edge = { facts, outer: guard, inner, chain: reached.chain, outerClass, innerClass };
          if (outerClass !== innerClass) {
            edges.push(edge);
            continue;
          }
          // Two shared acquisitions of two objects (or elements) wait for each other only behind
          // writers queued on both at once.
          if (outer.mode !== 'exclusive' && inner.mode !== 'exclusive') continue;
          const elements = guard.element && event.kind === 'acquire' ? event.guard?.element : undefined;
          if (elements) {
            // Equal indices are one element: the double-lock check's. Otherwise the order is the indices'.
            if (event.kind === 'acquire' && event.maybeSameElement?.includes(guard)) continue;
            const [left, right] = [indexNames(guard.element!.index), indexNames(elements.index)];
            const ordered = guard.orderedBy?.([...new Set([...left, ...right])]).some(([x, y]) => (left.includes(x) && right.includes(y)) || (left.includes(y) && right.includes(x)));
            if (!ordered) argumentOrder.push({ ...edge, pickedBy: 'indices', roots: [guard.element!.index, elements.index] });
            continue;
          }
          const roots = [callerRoot(outer.lock.key, facts.fn), callerRoot(inner.lock.key, facts.fn)] as const;
          if (!roots[0] || !roots[1] || roots[0] === roots[1]) continue;
          // A method given a peer of its receiver's kind (`a.transfer(&b)`) is naturally called both
          // ways; two parameters of a free function name roles (`mirror(source, target)`), and on
          // real code each caller passed them in one order.
          if (roots[0] !== 'self' && roots[1] !== 'self') continue;
          const [a, b] = roots;
          if (guard.orderedBy?.(['self', ...facts.fn.params.map((p) => p.name)]).some(([x, y]) => (x === a && y === b) || (x === b && y === a))) continue;
          argumentOrder.push({ ...edge, pickedBy: 'objects', roots: [a, b] });
        }
      }
    }
  }
  return { edges, argumentOrder };
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
  if (conflict.maybeSameElement) return false;
  const held = conflict.held.guard.acquisition;
  const requested = conflict.requested;
  return modesAlwaysConflict(held.mode, requested.mode) && held.confidence === 'high' && requested.confidence === 'high';
}
