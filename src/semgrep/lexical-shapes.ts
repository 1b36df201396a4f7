// The lexical shapes of the lock rules: what a matcher that sees one function, and no types, can
// decide. Each shape is written once here and rendered twice: as a Semgrep formula
// (semgrep-formulas.ts) and as an ast-grep rule (ast-grep-rules.ts), so the ast-grep run in the
// tests checks the same shapes the Semgrep pack ships.

/** A method call on the lock: `lock()` takes no arguments, DashMap's `get(&k)` takes some. */
export interface LockCall {
  readonly method: string;
  readonly args: boolean;
}

/** A guard-creating call and the calls on the same receiver that conflict with its guard. */
export interface LockFamily {
  readonly name: string;
  readonly held: LockCall;
  readonly conflicts: readonly LockCall[];
}

const call = (method: string): LockCall => ({ method, args: false });
const callWithArgs = (method: string): LockCall => ({ method, args: true });

// std / parking_lot / spin / tokio share method names; RefCell conflicts panic instead of
// deadlocking; DashMap's read methods hold a shard read guard, its write methods need the shard.
export const MUTEX: LockFamily = { name: 'mutex', held: call('lock'), conflicts: [call('lock')] };
export const RW_WRITE: LockFamily = { name: 'rwlock-write', held: call('write'), conflicts: [call('read'), call('write')] };
export const RW_READ: LockFamily = { name: 'rwlock-read', held: call('read'), conflicts: [call('write')] };
export const RW_UPGRADABLE: LockFamily = {
  name: 'rwlock-upgradable',
  held: call('upgradable_read'),
  conflicts: [call('write'), call('upgradable_read')],
};
export const REFCELL_MUT: LockFamily = { name: 'refcell-mut', held: call('borrow_mut'), conflicts: [call('borrow'), call('borrow_mut')] };
export const REFCELL: LockFamily = { name: 'refcell', held: call('borrow'), conflicts: [call('borrow_mut')] };
const DASHMAP_WRITES = [callWithArgs('insert'), callWithArgs('remove'), callWithArgs('entry'), callWithArgs('get_mut')];
export const DASHMAP_ENTRY: LockFamily = { name: 'dashmap-entry', held: callWithArgs('entry'), conflicts: [callWithArgs('get'), ...DASHMAP_WRITES] };
/** `get` holds the shard only inside `Some`: never in `else`, and `match` arms cannot be told apart. */
export const DASHMAP_GET: LockFamily = { name: 'dashmap-get', held: callWithArgs('get'), conflicts: DASHMAP_WRITES };
export const DASHMAP_ITER: LockFamily = { name: 'dashmap-iter', held: call('iter'), conflicts: DASHMAP_WRITES };

/** Where a scrutinee's guard is alive and the conflict is looked for. */
export type ScrutineeRegion = 'match arms' | 'if let then-block' | 'if let else-block' | 'while let body' | 'for body';

/** How a `let`-bound guard is created: `let g = m.lock()`, `.unwrap()`, `.expect(..)`, `.await`. */
export type GuardInit = 'bare' | 'unwrap' | 'expect' | 'await';

export type RustShape =
  | { readonly kind: 'scrutinee'; readonly region: ScrutineeRegion; readonly family: LockFamily }
  | { readonly kind: 'let-guard'; readonly family: LockFamily; readonly inits: readonly GuardInit[] }
  | { readonly kind: 'guard-at-await'; readonly family: LockFamily };

export const SYNC_INITS: readonly GuardInit[] = ['bare', 'unwrap', 'expect'];
export const ALL_INITS: readonly GuardInit[] = ['bare', 'unwrap', 'expect', 'await'];

const SCRUTINEE_FAMILIES = [MUTEX, RW_WRITE, RW_READ, RW_UPGRADABLE, REFCELL_MUT, REFCELL, DASHMAP_ENTRY];

export function scrutineeShapes(regions: readonly ScrutineeRegion[]): RustShape[] {
  const shapes: RustShape[] = [];
  for (const region of regions) {
    for (const family of SCRUTINEE_FAMILIES) shapes.push({ kind: 'scrutinee', region, family });
    if (region === 'if let then-block') shapes.push({ kind: 'scrutinee', region, family: DASHMAP_GET });
    if (region === 'for body') shapes.push({ kind: 'scrutinee', region, family: DASHMAP_ITER });
  }
  return shapes;
}

/** The TS/JS shapes: callback-scoped locks nested in their own callback, releasers. */
export type TsShape =
  | { readonly kind: 'nested-callback'; readonly api: 'runExclusive' | 'acquire-key' }
  | { readonly kind: 'web-locks-upgrade' }
  | { readonly kind: 'mortice-upgrade' }
  | { readonly kind: 'releaser-without-finally' };
