// Per-crate facts and lock summaries: which locks each function may take (directly or through
// calls it makes on its own thread), with one shortest witness chain per (lock, mode).
// Facts are computed on demand and memoised; summaries are a fixpoint, so recursion is fine.
import type { AnalysisNote, ReachedAcquisition, WitnessStep } from '../core/model.js';
import type { CrateIndex, FnDecl } from './crate-index.js';
import { knowledgeKey, startsAfter, type Knowledge } from './entry-checks.js';
import { acquisitionAtCall, callNote, dispatchedAcquisitions, reachableAtCall, type FactEvent, type FunctionFacts } from './facts.js';
import { storedClosures } from './stored-callbacks.js';
import { walkFunction } from './guard-lifetimes.js';

export type LockSummary = ReadonlyMap<string, ReachedAcquisition>;

const MAX_CHAIN = 24;
const MAX_NESTED_WALKS = 128;
const MAX_ROUNDS = 64;
/** How many calls deep what a caller knows is carried (`summaryUnder`); deeper, the plain summary. */
const MAX_CARRIED_DEPTH = 4;

function summaryKey(r: ReachedAcquisition): string {
  const a = r.acquisition;
  return `${a.lock.key}|${a.mode}|${a.blocking ? 'b' : 'n'}`;
}

export class CrateFacts {
  private readonly factsByKey = new Map<string, FunctionFacts>();
  private readonly callbackFacts = new Map<string, FunctionFacts>();
  private readonly inProgress = new Set<string>();
  private nestingNoted = false;
  private readonly summaries = new Map<string, Map<string, ReachedAcquisition>>();
  private readonly summariesUnder = new Map<string, LockSummary>();
  readonly notes: AnalysisNote[];

  constructor(readonly index: CrateIndex) {
    this.notes = index.notes;
  }

  /**
   * Facts of one function; a function whose facts are being computed (recursion) has none yet.
   * A walk asks for a callee's facts (does it return a guard?), so chains of calls nest walks:
   * past MAX_NESTED_WALKS the callee is treated as unknown, with a note, instead of exhausting
   * the stack.
   */
  facts(fn: FnDecl): FunctionFacts | undefined {
    if (fn.storedCallback !== undefined) return this.storedCallbackFacts(fn, fn.storedCallback);
    const known = this.factsByKey.get(fn.key);
    if (known) return known;
    if (this.inProgress.has(fn.key)) return undefined;
    if (this.inProgress.size >= MAX_NESTED_WALKS) {
      if (!this.nestingNoted) {
        this.nestingNoted = true;
        this.notes.push({
          file: fn.file.path,
          line: fn.file.lines.position(fn.start).line,
          message: `calls nest more than ${MAX_NESTED_WALKS} guard-returning helpers deep; \`${fn.name}\` and deeper ones were taken to return no guard`,
        });
      }
      return undefined;
    }
    this.inProgress.add(fn.key);
    try {
      const facts = this.index.clock.run('facts', () => walkFunction(fn, {
        index: this.index,
        notes: this.notes,
        returnedGuards: (callee) => this.facts(callee)?.returnedGuards ?? [],
        closureCalls: (callee) => this.facts(callee)?.closureCalls ?? new Map(),
        closureCallsLater: (callee) => this.facts(callee)?.closureCallsLater ?? new Set(),
        returnedLock: (callee) => this.facts(callee)?.returnedLock,
      }));
      this.factsByKey.set(fn.key, facts);
      return facts;
    } catch (error) {
      this.notes.push({
        file: fn.file.path,
        line: fn.file.lines.position(fn.start).line,
        message: `internal error while analysing \`${fn.name}\`, skipped: ${(error as Error).message}`,
      });
      const empty: FunctionFacts = { fn, events: [], guards: [], returnedGuards: [], closureCalls: new Map(), closureCallsLater: new Set() };
      this.factsByKey.set(fn.key, empty);
      return empty;
    } finally {
      this.inProgress.delete(fn.key);
    }
  }

  /**
   * What calling a stored `signature` callback does: the events of every closure the crate stores
   * as one, as its storing function's walk recorded them (its captures mean what they meant
   * there). Kept apart from the functions' facts: it is nobody's body to check.
   */
  private storedCallbackFacts(fn: FnDecl, signature: string): FunctionFacts {
    const known = this.callbackFacts.get(signature);
    if (known) return known;
    const events: FactEvent[] = [];
    const facts: FunctionFacts = { fn, events, guards: [], returnedGuards: [], closureCalls: new Map(), closureCallsLater: new Set() };
    this.callbackFacts.set(signature, facts);
    for (const stored of storedClosures(this.index, signature)) {
      for (const event of this.facts(stored.fn)?.events ?? []) {
        if (event.closure === stored.at) events.push({ ...event, detached: false, thread: undefined, closure: undefined });
      }
    }
    return facts;
  }

  /** Forgets what was derived from a file that changed, and every summary (they compose). */
  forgetFile(file: string): void {
    for (const [key, facts] of this.factsByKey) if (facts.fn.file.path === file) this.factsByKey.delete(key);
    this.summaries.clear();
    this.summariesUnder.clear();
    this.callbackFacts.clear();
  }

  allFacts(): FunctionFacts[] {
    return [...this.factsByKey.values()];
  }

  /**
   * Summaries for every function a check will ask about: the callees of calls made while a guard
   * is held in `roots`, and everything they call in turn. Computed to a fixpoint.
   */
  summarise(roots: readonly FunctionFacts[]): void {
    this.index.clock.run('summaries', () => this.summariseNow(roots, false));
  }

  /**
   * Facts and summaries for every function of the crate, not only those a check needs: the
   * Semgrep project pack names every function that reaches a lock. Parses the whole crate.
   */
  summariseEverything(): FunctionFacts[] {
    const all: FunctionFacts[] = [];
    for (const file of this.index.ownFiles) {
      for (const fn of this.index.file(file)?.fns ?? []) {
        const facts = this.facts(fn);
        if (facts) all.push(facts);
      }
    }
    this.summaries.clear();
    this.index.clock.run('summaries', () => this.summariseNow(all, true));
    return all;
  }

  private summariseNow(roots: readonly FunctionFacts[], everything: boolean): void {
    const order: FunctionFacts[] = [];
    const seen = new Set<string>();
    const stack: FunctionFacts[] = everything ? [...roots] : [];
    for (const facts of everything ? [] : roots) {
      // A function that waits for its spawned threads while holding a guard needs to know what
      // those threads lock: the calls in its spawned closures are roots too.
      const waitsHolding = facts.events.some((e) => e.kind === 'call' && e.waitsFor && e.held.length > 0);
      for (const event of facts.events) {
        if (event.kind !== 'call' || (event.held.length === 0 && !(waitsHolding && event.thread !== undefined))) continue;
        for (const callee of event.callees()) {
          const calleeFacts = this.facts(callee);
          if (calleeFacts) stack.push(calleeFacts);
        }
      }
    }
    while (stack.length > 0) {
      const facts = stack.pop()!;
      if (seen.has(facts.fn.key)) continue;
      seen.add(facts.fn.key);
      order.push(facts);
      for (const event of facts.events) {
        if (event.kind !== 'call') continue;
        for (const callee of event.callees()) {
          if (seen.has(callee.key)) continue;
          const calleeFacts = this.facts(callee);
          if (calleeFacts) stack.push(calleeFacts);
        }
      }
    }
    for (const facts of order) {
      if (this.summaries.has(facts.fn.key)) continue;
      const direct = new Map<string, ReachedAcquisition>();
      for (const event of facts.events) {
        if (event.kind !== 'acquire' || event.detached) continue;
        const reached: ReachedAcquisition = { acquisition: event.acquisition, chain: [] };
        const key = summaryKey(reached);
        if (!direct.has(key)) direct.set(key, reached);
      }
      this.summaries.set(facts.fn.key, direct);
    }
    // Callees before their callers (`order` finds them after): a chain of calls is summarised in
    // one round, where callers first took a round per call, up to MAX_CHAIN rounds over the set.
    const calleesFirst = order.reverse();
    for (let round = 0; round < MAX_ROUNDS; round++) {
      let changed = false;
      for (const facts of calleesFirst) {
        const own = this.summaries.get(facts.fn.key)!;
        for (const event of facts.events) {
          if (event.kind !== 'call' || event.detached) continue;
          const step: WitnessStep = { span: event.span, note: callNote(event) };
          const perCallee = event.callees().map((callee) => {
            const reachedHere: ReachedAcquisition[] = [];
            for (const reached of this.summaries.get(callee.key)?.values() ?? []) {
              if (reached.chain.length + 1 > MAX_CHAIN || !reachableAtCall(event, callee, reached)) continue;
              const acquisition = acquisitionAtCall(event, callee, reached.acquisition);
              if (acquisition) reachedHere.push({ acquisition, chain: [step, ...reached.chain] });
            }
            return reachedHere;
          });
          for (const candidate of dispatchedAcquisitions(event, perCallee)) {
            const key = summaryKey(candidate);
            const existing = own.get(key);
            if (!existing || existing.chain.length > candidate.chain.length) {
              own.set(key, candidate);
              changed = true;
            }
          }
        }
      }
      if (!changed) break;
    }
  }

  /** The locks a call to `fn` may take; empty for functions outside the summarised set. */
  summary(fn: FnDecl): LockSummary {
    return this.summaries.get(fn.key) ?? new Map();
  }

  /**
   * The locks a call to `fn` may take when `carried` holds at its entry (a thread-local flag the
   * caller's scope value set): its calls are decided again under what they know with it, so a
   * callee that must leave at its entry check reaches nothing past it, however deep. Memoised per
   * knowledge; a recursive call, or one deeper than MAX_CARRIED_DEPTH, gets the plain summary,
   * which reaches at least as much.
   */
  summaryUnder(fn: FnDecl, carried: Knowledge, depth = MAX_CARRIED_DEPTH): LockSummary {
    if (carried.size === 0 || depth === 0) return this.summary(fn);
    const key = `${fn.key}|${knowledgeKey(carried)}`;
    const known = this.summariesUnder.get(key);
    if (known) return known;
    const facts = this.facts(fn);
    if (!facts) return this.summary(fn);
    this.summariesUnder.set(key, this.summary(fn));
    const own = new Map<string, ReachedAcquisition>();
    const add = (reached: ReachedAcquisition): void => {
      const existing = own.get(summaryKey(reached));
      if (!existing || existing.chain.length > reached.chain.length) own.set(summaryKey(reached), reached);
    };
    for (const event of facts.events) {
      if (event.detached) continue;
      if (event.kind === 'acquire') add({ acquisition: event.acquisition, chain: [] });
      if (event.kind !== 'call') continue;
      const decision = event.decideUnder?.(carried);
      const step: WitnessStep = { span: event.span, note: callNote(event) };
      const perCallee = event.callees().map((callee) => {
        const end = decision?.leaves(callee);
        const reach = decision ? this.summaryUnder(callee, decision.passed, depth - 1) : this.summary(callee);
        const reachedHere: ReachedAcquisition[] = [];
        for (const reached of reach.values()) {
          if (reached.chain.length + 1 > MAX_CHAIN || !reachableAtCall(event, callee, reached)) continue;
          if (end && startsAfter(reached.chain[0]?.span ?? reached.acquisition.span, end)) continue;
          const acquisition = acquisitionAtCall(event, callee, reached.acquisition);
          if (acquisition) reachedHere.push({ acquisition, chain: [step, ...reached.chain] });
        }
        return reachedHere;
      });
      for (const candidate of dispatchedAcquisitions(event, perCallee)) add(candidate);
    }
    this.summariesUnder.set(key, own);
    return own;
  }
}
