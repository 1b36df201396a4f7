// The walk's vocabulary: what an expression evaluates to as far as locks are concerned (a value
// carrying guards, a lock place, a pending async acquisition), the guards still alive and the
// scopes that own them. Shared by every part of the guard-lifetime walk.
import type { AnalysisNote, LockId } from '../../core/model.js';
import type { CrateIndex, FnDecl, ParsedFile } from '../crate-index.js';
import type { CallSite, FunctionFacts, GuardFact, GuardRelease } from '../facts.js';
import type { SharedHandles } from '../shared-handles.js';
import type { PlaceTest } from './option-tests.js';
import type { SyntaxNode } from '../syntax.js';
import type { LockType } from '../types.js';

/** A lock reached by a place expression (`self.load`, `CACHE`, a local `m`). */
export interface LockPlace {
  readonly id: LockId;
  readonly type: LockType;
  readonly confidence: 'high' | 'low';
  /** The data it guards (`State` of `Mutex<State>`), as written where the lock is declared. */
  readonly content?: TypeRef;
  /** An element of a row of locks (`self.stripes[i]`): the row's key and the index as written. */
  readonly element?: ElementOf;
  /** One of several locks (`if k { &self.a } else { &self.b }`): the ones it may be. */
  readonly alternatives?: readonly LockId[];
}

/** Which element of a row of locks: `Striped.stripes` and `i`; the index node for its conditions. */
export interface ElementOf {
  readonly row: string;
  readonly index: string;
  readonly indexNode: SyntaxNode;
}

/**
 * The lock a value is when it comes out of one of several branches (`if`/`match` arms, return
 * paths). The same lock in each is that lock; different ones make a lock of its own, of low
 * confidence, that only the same choice meets again (it is not any one of them for certain). A
 * branch without a lock diverges or is not known: the other branches' lock is then uncertain.
 */
export function eitherLock(places: readonly (LockPlace | undefined)[]): LockPlace | undefined {
  const known = places.filter((p): p is LockPlace => p !== undefined);
  if (known.length === 0) return undefined;
  const ids = new Map<string, LockId>();
  for (const p of known) for (const id of p.alternatives ?? [p.id]) ids.set(id.key, id);
  const first = known[0];
  const certain = known.length === places.length && known.every((p) => p.confidence === 'high');
  if (ids.size === 1) return { ...first, confidence: certain ? 'high' : 'low' };
  const alternatives = [...ids.values()].sort((a, b) => a.key.localeCompare(b.key));
  return {
    id: { key: `either(${alternatives.map((id) => id.key).join(',')})`, display: alternatives.map((id) => `\`${id.display}\``).join(' or ').replace(/^`|`$/g, '') },
    type: first.type,
    confidence: 'low',
    content: first.content,
    alternatives,
  };
}

export interface LiveGuard {
  readonly fact: GuardFact;
  live: boolean;
  /** >0 while the guard is known to hold nothing (the `None` of an optional guard). */
  suspended: number;
  optional: boolean;
  region?: string;
  /** The variable holding it, so that a branch that did not move it can hand it back. */
  binding?: Binding;
  /** The declared type of the call result that carries it (which tuple element holds it). */
  carrier?: string;
}

/** What evaluating an expression produced, as far as locks are concerned. */
export interface Value {
  /** Guards the value itself carries (a `MutexGuard`, `Option<Ref>`); moved with the value. */
  readonly guards: LiveGuard[];
  readonly lock?: LockPlace;
  readonly struct?: string;
  /** The type of the data the value is (through a guard: the guarded data), when known. */
  readonly content?: TypeRef;
  /** The binding the value was read from, so that a move empties it. */
  readonly binding?: Binding;
  /** An object that cannot be `self`'s: freshly constructed, or reached through `&mut`. */
  readonly distinct?: boolean;
  /** A future not yet polled (`m.lock()` of an async lock, `f()` of an `async fn`, `async { … }`). */
  readonly future?: PendingFuture;
  /** `&guard`: the guards are lent, not moved, by whoever takes this value. */
  readonly borrowed?: boolean;
  /**
   * The place as a field path from `self` (`Proxy`, `Proxy.inner`): locks under it are named by
   * that path, so `self.a.m` and `self.b.m` of one field type are two locks.
   */
  readonly path?: string;
  /** A `JoinHandle` of the closure this function spawned under that number. */
  readonly spawned?: number;
  /** A scoped thread's `ScopedJoinHandle`: its closure runs where it is joined. */
  readonly joins?: PendingFuture;
  /** An end of a channel made in this function (`mpsc::channel()`, a clone of an end). */
  readonly channel?: number;
  /**
   * A field that is a row of locks (`stripes: Vec<Mutex<u64>>`): the lock type of its elements,
   * named by the field's place. Indexing picks one element (`self.stripes[i]`).
   */
  readonly elements?: LockPlace;
  /** The crate trait a trait object (`Arc<dyn Middleware>`) the value is, called through, is of. */
  readonly traitObject?: string;
}

/** A future: its work is walked where it is polled, once. */
export interface PendingFuture {
  /** Walks the future's work at the current point of the walk; returns its output. */
  readonly run: () => Value;
  polled: boolean;
  /** Code of its own (an `async` block) that must be walked even if nobody here polls it. */
  readonly runsCodeIfDropped: boolean;
}

export interface Binding {
  guards: LiveGuard[];
  /** `let f = |..| …`: calling `f` runs this body here. */
  closure?: SyntaxNode;
  /** The position shift in force where the closure was written (inside a macro, or not). */
  closureShift?: number;
  /** A parameter of the function, by position (closure parameters are called through it). */
  paramIndex?: number;
  /** `thread::scope(|s| …)`'s `s`: threads it spawns are joined before `scope` returns. */
  scopeHandle?: boolean;
  lock?: LockPlace;
  struct?: string;
  distinct?: boolean;
  future?: PendingFuture;
  path?: string;
  spawned?: number;
  joins?: PendingFuture;
  channel?: number;
  content?: TypeRef;
  /** Moved out (passed by value, returned, dropped): its end of scope drops nothing. */
  moved?: boolean;
  /** `let pooled = self.pool.is_some();`: the `bool` tests that field. */
  test?: PlaceTest;
}

/** A test that tells, per branch, whether an `Option<Guard>` variable is `None`. */
export interface NoneTest {
  readonly binding: Binding;
  readonly noneIn: 'then' | 'else';
}

/** The branches of one `if` / `match` as the walk goes through them. */
export interface BranchSet {
  /** Guards alive before the construct. */
  readonly before: LiveGuard[];
  /** Guards a branch left alive (tail temporaries, yielded guards): not held in its siblings. */
  readonly survivors: LiveGuard[];
  /** Of `before`, those some falling-through branch ends with alive. */
  readonly keptAlive: Set<LiveGuard>;
  /** Where a falling-through branch released a guard of `before`. */
  readonly releases: Map<LiveGuard, GuardRelease>;
  /** Guards of `before` that a branch released: the next branch starts with them alive again. */
  readonly releasedByBranch: Set<LiveGuard>;
  /**
   * The scope that owned each guard of `before` (a statement's temporaries, a block's locals): a
   * guard revived for a sibling branch, or after the construct, is dropped where it was before a
   * branch moved it out (`Ok(g) => if c { drop(g) }` does not make `g` live to the function's end).
   */
  readonly owners: Map<LiveGuard, LiveGuard[]>;
  fallThrough: number;
}

export interface TempScope {
  readonly guards: LiveGuard[];
  readonly endNote: string;
}

export interface BlockScope {
  readonly bindings: Map<string, Binding>;
  /** Guards owned by bindings of this block, dropped at its end in reverse order. */
  readonly owned: LiveGuard[];
  /** Locals of this block whose type may run `Drop` code, in declaration order. */
  locals?: DroppedLocal[];
}

/** A local whose value is dropped at the end of its block unless it was moved out. */
export interface DroppedLocal {
  readonly name: string;
  readonly binding: Binding;
  /** Guards created before this mark were declared before the local: they drop after it. */
  readonly mark: number;
}

/** A type as written, with the file whose names it uses. */
export interface TypeRef {
  readonly text: string;
  readonly file: ParsedFile;
}

export const NOTHING: Value = { guards: [] };

export interface DeferredClosure {
  readonly closure: SyntaxNode;
  readonly index: number;
  /**
   * Set when the argument is the function's own closure parameter passed on by name
   * (`or_insert_with(make)`): where the callee runs it, the caller's caller's closure runs.
   */
  readonly param?: number;
  /** What the closure's first parameter is when it runs (the element `for_each` hands it). */
  readonly firstParam?: Omit<Binding, 'guards'>;
}


/** Guard ids are unique per process, so facts of different functions never share one. */
let nextGuardId = 0;

export function newGuardId(): number {
  return nextGuardId++;
}

/** The id the next guard will get: guards created after this point have ids at or above it. */
export function guardIdMark(): number {
  return nextGuardId;
}

export interface WalkContext {
  readonly index: CrateIndex;
  /** Guards a resolved callee returns (guard-returning helpers); computed on demand. */
  returnedGuards(fn: FnDecl): readonly GuardFact[];
  /** The lock a callee returns a reference to, if any. */
  returnedLock(fn: FnDecl): FunctionFacts['returnedLock'];
  /** Guards a callee holds where it calls its closure parameters. */
  closureCalls(fn: FnDecl): ReadonlyMap<number, readonly GuardFact[]>;
  /** Closure parameters a callee calls only in code that runs later or elsewhere. */
  closureCallsLater(fn: FnDecl): ReadonlySet<number>;
  readonly notes: AnalysisNote[];
}

/** The identity of a function's lock-typed parameter, replaced by the argument at each call. */
export function parameterLockKey(fn: FnDecl, index: number | 'self'): string {
  return `param:${fn.key}:${index}`;
}

/** What a call knows about its receiver and arguments, to map the callee's locks onto its own. */
export function callSiteOf(receiver: Value | undefined, args: readonly Value[], handles: SharedHandles): CallSite {
  return {
    handles,
    distinctReceiver: receiver?.distinct ?? false,
    receiverPath: receiver?.path,
    receiverLock: receiver?.lock?.id,
    argumentLocks: args.map((a) => a.lock?.id),
    argumentPaths: args.map((a) => a.path),
    dispatchedTrait: receiver?.traitObject,
  };
}
