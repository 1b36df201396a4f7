// The lexical shapes of the lock rules: what a matcher that sees one function, and no types, can
// decide. Each shape is written once here and rendered twice: as a Semgrep formula
// (semgrep-formulas.ts) and as an ast-grep rule (ast-grep-rules.ts), so the ast-grep run in the
// tests checks the same shapes the Semgrep pack ships.

import { modesAlwaysConflict, type AccessMode } from '../core/model.js';
import { lockMethod } from '../rust/lock-apis.js';

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

// The method names a lexical rule can see on a receiver of each lock kind (std, parking_lot,
// spin and tokio share them). Which of them conflict is not written here: it comes from the lock
// catalogue's access modes (src/rust/lock-apis.ts), where two modes that always exclude each
// other conflict — the same test the analysis uses for a certain finding.
const LEXICAL_METHODS: Record<'Mutex' | 'RwLock' | 'RefCell' | 'DashMap', readonly string[]> = {
  Mutex: ['lock'],
  RwLock: ['read', 'write', 'upgradable_read'],
  RefCell: ['borrow', 'borrow_mut'],
  DashMap: ['get', 'insert', 'remove', 'entry', 'get_mut'],
};

function family(name: string, kind: keyof typeof LEXICAL_METHODS, held: string): LockFamily {
  const modeOf = (method: string): AccessMode => {
    const api = lockMethod(kind, method);
    if (!api) throw new Error(`lexical-shapes: ${kind}.${method} is not in the lock catalogue`);
    return api.mode;
  };
  // DashMap's methods take the key; the others take no argument (`io::Read::read(&mut buf)` does).
  const callOf = (method: string): LockCall => ({ method, args: kind === 'DashMap' && method !== 'iter' });
  return {
    name,
    held: callOf(held),
    conflicts: LEXICAL_METHODS[kind].filter((m) => modesAlwaysConflict(modeOf(held), modeOf(m))).map(callOf),
  };
}

export const MUTEX = family('mutex', 'Mutex', 'lock');
export const RW_WRITE = family('rwlock-write', 'RwLock', 'write');
export const RW_READ = family('rwlock-read', 'RwLock', 'read');
export const RW_UPGRADABLE = family('rwlock-upgradable', 'RwLock', 'upgradable_read');
export const REFCELL_MUT = family('refcell-mut', 'RefCell', 'borrow_mut');
export const REFCELL = family('refcell', 'RefCell', 'borrow');
export const DASHMAP_ENTRY = family('dashmap-entry', 'DashMap', 'entry');
/** `get` holds the shard only inside `Some`: never in `else`, and `match` arms cannot be told apart. */
export const DASHMAP_GET = family('dashmap-get', 'DashMap', 'get');
export const DASHMAP_ITER = family('dashmap-iter', 'DashMap', 'iter');

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
