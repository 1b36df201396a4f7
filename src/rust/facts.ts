// Facts about one Rust function, as the guard-lifetime walk records them. Checks and summaries
// read only these; none of them looks at syntax.
import type { Acquisition, LockId, ReachedAcquisition, SourceSpan } from '../core/model.js';
import type { FnDecl } from './crate-index.js';
import { startsAfter, type CallDecision, type EntryChecks, type Knowledge } from './entry-checks.js';
import { canonicalKey, type SharedHandles } from './shared-handles.js';
import type { LockType } from './types.js';

/** How a guard came to be held, which decides the rule a conflict belongs to. */
export type GuardOrigin = 'let' | 'temporary' | 'scrutinee';
export type ScrutineeConstruct = 'match' | 'if let' | 'while let' | 'for' | 'let chain';

export interface GuardRelease {
  readonly span: SourceSpan;
  /** e.g. `at the end of the \`if let … else\` (edition 2021 keeps scrutinee temporaries through else)` */
  readonly note: string;
}

export interface GuardFact {
  readonly id: number;
  readonly acquisition: Acquisition;
  origin: GuardOrigin;
  construct?: ScrutineeConstruct;
  /** The variable holding it, for `let` guards. */
  binding?: string;
  /**
   * Set when a helper made the guard: it returned it (`fn rl(&self) -> RwLockReadGuard<…>`), or
   * holds it while running the closure passed here (`self.with_state(|s| …)`).
   */
  returnedBy?: { readonly fnName: string; readonly inner: Acquisition; readonly whileRunningClosure?: boolean; readonly maker?: FnDecl };
  release?: GuardRelease;
  /** For a guard the function's `self` keeps in a field: that field (`self.guard`). */
  heldBySelf?: string;
  /**
   * Which of `names` (`self` and parameters, or index variables) a comparison on the path to this
   * guard's creation puts in order (`if self.id < to.id { … }`): asked only when the guard is held
   * while another object's (or element's) lock of the same kind is taken.
   */
  orderedBy?: (names: readonly string[]) => readonly (readonly [string, string])[];
  /** Which of `names` a check on the path says are two objects (`if ptr::eq(self, to) { return; }`). */
  distinctBy?: (names: readonly string[]) => readonly (readonly [string, string])[];
  /** An element of a row of locks (`self.stripes[i]`): the row's key and the index as written. */
  element?: { readonly row: string; readonly index: string };
}

/** A guard alive at an event, and where the event sits relative to the guard's construct. */
export interface HeldGuard {
  readonly guard: GuardFact;
  /** `else block`, `arm \`None =>\``, `loop body`: set only for scrutinee guards. */
  readonly region?: string;
}

interface EventBase {
  readonly held: readonly HeldGuard[];
  /** In a closure or async block that runs elsewhere (spawned thread, later task). */
  readonly detached: boolean;
  /** The closure passed to a `spawn` of this function that the event is in, by number. */
  readonly thread?: number;
  /** The start offset of the innermost closure the event is in that runs later (stored or spawned). */
  readonly closure?: number;
}

export interface AcquireEvent extends EventBase {
  readonly kind: 'acquire';
  readonly acquisition: Acquisition;
  /** The guard this acquisition creates; momentary acquisitions (DashMap `insert`) have none. */
  readonly guard?: GuardFact;
  /**
   * Held guards of other elements of the same row of locks whose index may be this one's
   * (`self.stripes[i]` held, `self.stripes[j]` taken, nothing on the path says `i != j`).
   */
  readonly maybeSameElement?: readonly GuardFact[];
}

export interface CallEvent extends EventBase {
  readonly kind: 'call';
  /** Resolved on demand: only calls that matter to a check get their callees parsed. */
  readonly callees: () => readonly FnDecl[];
  readonly calleeName: string;
  readonly span: SourceSpan;
  /**
   * The receiver is known not to be `self`'s object (freshly built, or a `&mut` borrow that
   * cannot alias another reference): locks in its own fields are not the caller's.
   */
  readonly distinctReceiver: boolean;
  /** The receiver's field path from the caller's `self` (`Proxy.inner`), when it has one. */
  readonly receiverPath?: string;
  /** The lock each argument is (`&self.m`), if any: it stands for the callee's lock parameter. */
  readonly argumentLocks: readonly (LockId | undefined)[];
  /** Each argument's field path from the caller's `self` (`&self.bids` → `Book.bids`), if any. */
  readonly argumentPaths: readonly (string | undefined)[];
  /**
   * The lock the receiver is, for a method of the lock type itself (an extension trait such as
   * TiKV's `impl<T> HandyRwLock<T> for RwLock<T> { fn wl(&self) … }`): it stands for that
   * method's `self`.
   */
  readonly receiverLock?: LockId;
  /**
   * The receiver is a trait object of this crate trait: the callees are its implementations, and
   * the object is one of them, which one is not known here.
   */
  readonly dispatchedTrait?: string;
  /**
   * Where a callee must leave at its entry check under what the call site knows (a check the
   * caller has decided, see entry-checks.ts): the locks it takes after that point are not
   * reached from here. Set only for calls made while a guard is held.
   */
  readonly leavesAtEntry?: (callee: FnDecl) => EntryChecks['end'] | undefined;
  /**
   * The call decided again for a caller that knows what held when this function was entered (a
   * thread-local flag its scope value set): where each callee must leave at its entry check, and
   * what holds when the callees start. Asked only on the way to a conflict through calls.
   */
  readonly decideUnder?: (carried: Knowledge) => CallDecision;
  /** Guards the arguments carry, moved or lent (`cvar.wait(guard)`, `cvar.wait(&mut guard)`). */
  readonly argumentGuards: readonly GuardFact[];
  /**
   * The call blocks until another thread acts: a condvar wait with no timeout (`cvar.wait(g)`,
   * until notified), `handle.join()` on the handle a `spawn` of this function returned, or
   * `rx.recv()` on a channel made here (`mpsc::channel()`), whose sender may have moved into
   * spawned closures.
   */
  readonly waitsFor?:
    | { readonly kind: 'condvar' }
    | { readonly kind: 'join'; readonly thread: number }
    | { readonly kind: 'recv'; readonly channel: number };
  /** `tx.send(…)` on a channel made in this function. */
  readonly sendsOn?: number;
  /**
   * For a distinct receiver (a value being dropped): its fields that only point to another
   * object (`Lease.pool` → `Pool` for `pool: Arc<Pool>`). A lock the callee reaches through one
   * is that type's lock, whichever object it is: named by type and field, with low confidence.
   */
  readonly sharedRoots?: ReadonlyMap<string, string>;
  /** The `drop` of what a value dropped here held through an `Arc`/`Rc`: it runs only if that was the last reference. */
  readonly lastReference?: true;
  /** The crate's shared handles: a callee's lock mapped onto this site is keyed as the object it reaches. */
  readonly handles?: SharedHandles;
  /**
   * A call of a callback value (`listener(event)`, `(timer.fire)()`) of this signature: it runs one
   * of the closures the crate stores as one, which one and on which object is not known.
   */
  readonly storedCallback?: string;
}

export interface AwaitEvent extends EventBase {
  readonly kind: 'await';
  readonly span: SourceSpan;
}

export type FactEvent = AcquireEvent | CallEvent | AwaitEvent;

export interface FunctionFacts {
  readonly fn: FnDecl;
  /** In evaluation order. */
  readonly events: readonly FactEvent[];
  readonly guards: readonly GuardFact[];
  /** Guards that leave the function in its return value: the function is an acquisition. */
  readonly returnedGuards: readonly GuardFact[];
  /** The lock the function returns a reference to (`fn conns(&self) -> &Mutex<_> { &self.conns }`). */
  readonly returnedLock?: { readonly id: LockId; readonly type: LockType; readonly confidence: 'high' | 'low'; readonly alternatives?: readonly LockId[] };
  /**
   * Guards held where the function calls its closure parameter `i` (`fn with_state(&self, f:
   * impl FnOnce(&mut S))` calling `f(&mut guard)`): a closure passed there runs under them.
   */
  readonly closureCalls: ReadonlyMap<number, readonly GuardFact[]>;
  /**
   * Closure parameters the function calls only in code that runs later or elsewhere (a spawned
   * task or thread, a stored lazy adapter): a closure passed there holds nothing of its caller's.
   */
  readonly closureCallsLater: ReadonlySet<number>;
}

/** What a call site knows about its receiver and arguments, to map a callee's locks onto it. */
export type CallSite = Pick<CallEvent, 'argumentLocks' | 'argumentPaths' | 'distinctReceiver' | 'receiverPath' | 'sharedRoots' | 'lastReference' | 'receiverLock' | 'handles' | 'dispatchedTrait' | 'storedCallback'>;

/**
 * What a lock named in a callee is at one call: the caller's own lock where the callee locked a
 * parameter (`helper(&self.m)`), the caller's field path where it locked its `self`'s or a struct
 * parameter's field (`self.inner.f()`), nothing where a distinct receiver's own fields are
 * concerned (another object), or the lock itself.
 */
export function lockAtCall(site: CallSite, callee: FnDecl, lock: LockId): LockId | undefined {
  return canonicalAtCall(site, lock, mappedLock(site, callee, lock))?.id;
}

/** The mapped lock keyed as the object it reaches through shared handles (shared-handles.ts). */
function canonicalAtCall(site: CallSite, lock: LockId, mapped: LockId | undefined): { id: LockId; anyInstance: boolean } | undefined {
  if (!mapped || mapped === lock || !site.handles) return mapped && { id: mapped, anyInstance: false };
  const canonical = canonicalKey(site.handles, mapped.key);
  return canonical.key === mapped.key ? { id: mapped, anyInstance: false } : { id: { key: canonical.key, display: displayOfPath(canonical.key) }, anyInstance: canonical.anyInstance };
}

function mappedLock(site: CallSite, callee: FnDecl, lock: LockId): LockId | undefined {
  const key = lock.key;
  if (site.storedCallback) return callbackLock(lock);
  const parameterPrefix = `param:${callee.key}:`;
  if (key.startsWith(parameterPrefix)) {
    // `param:f:0.inner`: a field of a wrapping lock type reached through the parameter.
    const [parameter, ...fields] = key.slice(parameterPrefix.length).split('.');
    const argument = parameter === 'self' ? site.receiverLock : site.argumentLocks[Number(parameter)];
    if (!argument || fields.length === 0) return argument;
    const mapped = `${argument.key}.${fields.join('.')}`;
    return { key: mapped, display: `${argument.display}.${fields.join('.')}` };
  }
  if (key.startsWith('param:')) return undefined;
  // A lock under a struct parameter (`Pool@q.conns`) is under whatever the caller passed.
  const rooted = /^[A-Za-z_][A-Za-z0-9_]*@([A-Za-z_][A-Za-z0-9_]*)\./.exec(key);
  if (rooted) {
    const index = callee.params.findIndex((p) => p.name === rooted[1]);
    // Not a parameter: a struct the callee built (`let conn = Arc::new(Connection { … })`), an
    // object of its own, whatever the caller's own `conn` is.
    if (index < 0) return undefined;
    // An argument with no path from the caller (`&input`, `&v[i]`) is some other object: the
    // callee's `arrange.inner` is not the caller's own `arrange` of the same name.
    const argumentPath = site.argumentPaths[index];
    if (!argumentPath) return undefined;
    const mapped = `${argumentPath}.${key.slice(rooted[0].length)}`;
    return { key: mapped, display: displayOfPath(mapped) };
  }
  const root = selfRoot(callee);
  const own = root ? `${root}.` : undefined;
  if (own && key.startsWith(own)) {
    // `self.inner.f()` where `f` locks `self.m` in `impl Inner`: that is the caller's `self.inner.m`;
    // on a local (`let s = S::new(); s.f()`) it is `s`'s own `m`.
    if (site.receiverPath && site.receiverPath !== root) {
      const mapped = `${site.receiverPath}.${key.slice(own.length)}`;
      return { key: mapped, display: displayOfPath(mapped) };
    }
    if (site.distinctReceiver) return sharedLock(site, key);
  }
  // A trait object is some object of one of the implementors: a lock its method reaches through
  // its own fields (even one named by the type that shares it) is that object's, not one the
  // caller is known to hold. Only what it reaches through the arguments, or statics, is.
  if (site.dispatchedTrait && !key.startsWith('static ')) return undefined;
  return lock;
}

/**
 * The root of the paths a method names its receiver's locks by: its type (`Pool.conns`), or, in a
 * trait's default method, the trait (`Backend.segs`: the lock the one implementation's required
 * method reaches through `self`, whichever type implements it), so that a call maps it onto its
 * receiver as it maps an inherent method's.
 */
export function selfRoot(fn: FnDecl): string | undefined {
  return fn.ownerType ?? (fn.isTraitDefault ? fn.traitName : undefined);
}

/**
 * A lock a stored closure takes, seen from where the callback is called: the closure's captures
 * are not this function's values. A lock under one of its function's struct parameters
 * (`Wheel@w.slots`) is that type's lock (`Wheel.slots`), whichever object it is; a lock parameter
 * or a local lock of that function is none of the caller's.
 */
function callbackLock(lock: LockId): LockId | undefined {
  if (lock.key.startsWith('param:') || lock.key.includes('#')) return undefined;
  const rooted = /^([A-Za-z_][A-Za-z0-9_]*)@[A-Za-z_][A-Za-z0-9_]*\./.exec(lock.key);
  if (!rooted) return lock;
  const key = `${rooted[1]}.${lock.key.slice(rooted[0].length)}`;
  return { key, display: key };
}

/** `Lease.pool.idle` through `sharedRoots` {`Lease.pool` → `Pool`}: `Pool.idle`. */
function sharedLock(site: CallSite, key: string): LockId | undefined {
  for (const [prefix, target] of site.sharedRoots ?? []) {
    if (!key.startsWith(`${prefix}.`)) continue;
    const mapped = `${target}.${key.slice(prefix.length + 1)}`;
    return { key: mapped, display: mapped };
  }
  return undefined;
}

export function acquisitionAtCall(site: CallSite, callee: FnDecl, acquisition: Acquisition): Acquisition | undefined {
  const mapped = canonicalAtCall(site, acquisition.lock, mappedLock(site, callee, acquisition.lock));
  if (!mapped) return undefined;
  const lock = mapped.id;
  // A drop that runs only with the last reference: some calls take none of its locks. A stored
  // callback may be another closure than the one that takes it, or see another object.
  if (site.lastReference || site.storedCallback) return { ...acquisition, lock, confidence: 'low' };
  if (lock === acquisition.lock) return acquisition;
  // A drop's locks renamed through `sharedRoots`, or a lock reached through a handle another
  // type made: named by type, so maybe another object's.
  return site.sharedRoots || mapped.anyInstance ? { ...acquisition, lock, confidence: 'low' } : { ...acquisition, lock };
}

/** The witness note of a call: `calls \`install\``, or for a trait object `calls \`call\` of a \`dyn Middleware\``. */
export function callNote(event: Pick<CallEvent, 'calleeName' | 'dispatchedTrait' | 'storedCallback'>): string {
  if (event.storedCallback) return `calls \`${event.calleeName}\`, a stored \`${event.storedCallback}\` callback (it runs one of the closures the crate stores as one)`;
  return event.dispatchedTrait ? `calls \`${event.calleeName}\` on a \`dyn ${event.dispatchedTrait}\` (one of its implementations runs)` : `calls \`${event.calleeName}\``;
}

/**
 * A call through a trait object runs one of its implementations: a lock that not every
 * implementation reaches is taken only for some objects, so it is reached with low confidence.
 * `reached` lists, per callee, the acquisitions mapped onto the call.
 */
export function dispatchedAcquisitions<T extends { readonly acquisition: Acquisition }>(site: CallSite, reached: readonly (readonly T[])[]): T[] {
  const all = reached.flat();
  if (!site.dispatchedTrait || reached.length <= 1) return all;
  const keyOf = (a: Acquisition): string => `${a.lock.key}|${a.mode}`;
  const byEvery = reached.map((list) => new Set(list.map((r) => keyOf(r.acquisition))));
  return all.map((r) => (byEvery.every((keys) => keys.has(keyOf(r.acquisition))) ? r : { ...r, acquisition: { ...r.acquisition, confidence: 'low' } }));
}

/** `Pool@other.conns` (a lock under a parameter) reads `other.conns`; other paths read as they are. */
export function displayOfPath(key: string): string {
  return key.replace(/^[A-Za-z_][A-Za-z0-9_]*@/, '');
}

/** Whether a lock the callee's summary reaches can be taken through this call: not past an entry check that must leave here. */
export function reachableAtCall(event: CallEvent, callee: FnDecl, reached: ReachedAcquisition): boolean {
  const end = event.leavesAtEntry?.(callee);
  return !end || !startsAfter(reached.chain[0]?.span ?? reached.acquisition.span, end);
}
