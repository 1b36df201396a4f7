// The Rust lock catalogue: which types are locks, which methods acquire them, in which mode,
// and which of them leave a guard behind. Extensible through `extraLockApis` in the config.
import type { AccessMode, LockFlavor, LockKind } from '../core/model.js';

/** The crate a lock type comes from, which decides fairness and whether it blocks threads. */
export type LockCrate = 'std' | 'parking_lot' | 'spin' | 'tokio' | 'futures' | 'async_std' | 'dashmap' | 'core' | 'unknown' | 'configured';

/** Crates whose lock methods return futures: nothing is acquired until `.await`. */
export function isAsyncLockCrate(crate: LockCrate): boolean {
  return crate === 'tokio' || crate === 'futures' || crate === 'async_std';
}

/** What a method call on a lock does. */
export interface LockMethod {
  readonly mode: AccessMode;
  /** `guard`: returns a guard that lives as long as the value; `momentary`: locks only during the call. */
  readonly holds: 'guard' | 'momentary';
  /** The guard sits inside an Option (DashMap `get`): a `None` holds nothing. */
  readonly optional: boolean;
  readonly blocking: boolean;
  /** Closures passed to this method run while the lock is held (DashMap `alter`, `retain`). */
  readonly runsClosuresLocked: boolean;
}

const guard = (mode: AccessMode, extra: Partial<LockMethod> = {}): LockMethod => ({
  mode,
  holds: 'guard',
  optional: false,
  blocking: true,
  runsClosuresLocked: false,
  ...extra,
});
const momentary = (mode: AccessMode, extra: Partial<LockMethod> = {}): LockMethod => ({
  mode,
  holds: 'momentary',
  optional: false,
  blocking: true,
  runsClosuresLocked: false,
  ...extra,
});

const MUTEX_METHODS: Record<string, LockMethod> = {
  lock: guard('exclusive'),
  lock_owned: guard('exclusive'),
  lock_arc: guard('exclusive'),
  blocking_lock: guard('exclusive'),
  try_lock: guard('exclusive', { blocking: false, optional: true }),
  try_lock_for: guard('exclusive', { blocking: false, optional: true }),
  try_lock_until: guard('exclusive', { blocking: false, optional: true }),
  try_lock_owned: guard('exclusive', { blocking: false, optional: true }),
  try_lock_arc: guard('exclusive', { blocking: false, optional: true }),
};

const RWLOCK_METHODS: Record<string, LockMethod> = {
  read: guard('shared'),
  read_owned: guard('shared'),
  read_arc: guard('shared'),
  read_recursive: guard('shared'),
  blocking_read: guard('shared'),
  write: guard('exclusive'),
  write_owned: guard('exclusive'),
  write_arc: guard('exclusive'),
  blocking_write: guard('exclusive'),
  upgradable_read: guard('upgradable'),
  upgradable_read_arc: guard('upgradable'),
  try_read: guard('shared', { blocking: false, optional: true }),
  try_read_recursive: guard('shared', { blocking: false, optional: true }),
  try_read_for: guard('shared', { blocking: false, optional: true }),
  try_write: guard('exclusive', { blocking: false, optional: true }),
  try_write_for: guard('exclusive', { blocking: false, optional: true }),
  try_upgradable_read: guard('upgradable', { blocking: false, optional: true }),
};

const REFCELL_METHODS: Record<string, LockMethod> = {
  borrow: guard('shared'),
  borrow_mut: guard('exclusive'),
  try_borrow: guard('shared', { blocking: false, optional: true }),
  try_borrow_mut: guard('exclusive', { blocking: false, optional: true }),
  // `replace`, `take`, `swap` and `replace_with` borrow mutably for the duration of the call.
  replace: momentary('exclusive'),
  replace_with: momentary('exclusive', { runsClosuresLocked: true }),
  take: momentary('exclusive'),
  swap: momentary('exclusive'),
  // thread_local! `KEY.with_borrow(|v| …)` borrows the cell for the closure's run.
  with_borrow: momentary('shared', { runsClosuresLocked: true }),
  with_borrow_mut: momentary('exclusive', { runsClosuresLocked: true }),
};

// dashmap: read methods hold a shard read guard, write methods a shard write guard.
const DASHMAP_METHODS: Record<string, LockMethod> = {
  get: guard('shared', { optional: true }),
  get_mut: guard('exclusive', { optional: true }),
  try_get: guard('shared', { optional: true, blocking: false }),
  try_get_mut: guard('exclusive', { optional: true, blocking: false }),
  entry: guard('exclusive'),
  try_entry: guard('exclusive', { optional: true, blocking: false }),
  iter: guard('shared'),
  iter_mut: guard('exclusive'),
  insert: momentary('exclusive'),
  remove: momentary('exclusive'),
  remove_if: momentary('exclusive', { runsClosuresLocked: true }),
  remove_if_mut: momentary('exclusive', { runsClosuresLocked: true }),
  alter: momentary('exclusive', { runsClosuresLocked: true }),
  alter_all: momentary('exclusive', { runsClosuresLocked: true }),
  retain: momentary('exclusive', { runsClosuresLocked: true }),
  clear: momentary('exclusive'),
  shrink_to_fit: momentary('exclusive'),
  view: momentary('shared', { runsClosuresLocked: true }),
  contains_key: momentary('shared'),
  len: momentary('shared'),
  is_empty: momentary('shared'),
};

const DASHSET_METHODS: Record<string, LockMethod> = {
  get: guard('shared', { optional: true }),
  iter: guard('shared'),
  insert: momentary('exclusive'),
  remove: momentary('exclusive'),
  remove_if: momentary('exclusive', { runsClosuresLocked: true }),
  retain: momentary('exclusive', { runsClosuresLocked: true }),
  clear: momentary('exclusive'),
  contains: momentary('shared'),
  len: momentary('shared'),
  is_empty: momentary('shared'),
};

export function lockMethod(kind: LockKind, method: string): LockMethod | undefined {
  const table =
    kind === 'Mutex' || kind === 'ReentrantMutex'
      ? MUTEX_METHODS
      : kind === 'RwLock'
        ? RWLOCK_METHODS
        : kind === 'RefCell'
          ? REFCELL_METHODS
          : kind === 'DashMap'
            ? DASHMAP_METHODS
            : DASHSET_METHODS;
  return Object.hasOwn(table, method) ? table[method] : undefined;
}

/** Type names that are lock types, mapped to their kind. Aliases used by the lock crates. */
const LOCK_TYPE_NAMES: Record<string, LockKind> = {
  Mutex: 'Mutex',
  FairMutex: 'Mutex',
  SpinMutex: 'Mutex',
  TicketMutex: 'Mutex',
  RwLock: 'RwLock',
  RwSpinlock: 'RwLock',
  ReentrantMutex: 'ReentrantMutex',
  RefCell: 'RefCell',
  DashMap: 'DashMap',
  DashSet: 'DashSet',
};

export const LOCK_TYPE_NAME_LIST: readonly string[] = Object.keys(LOCK_TYPE_NAMES);

/** The type names of one kind of lock (`Mutex`, `FairMutex`, `SpinMutex`, … for `Mutex`). */
export function lockTypeNamesOf(kind: LockKind): string[] {
  return LOCK_TYPE_NAME_LIST.filter((name) => LOCK_TYPE_NAMES[name] === kind);
}

/** Text that names a lock type, or a guard type built on one (`MutexGuard`, `RwLockReadGuard`). */
export const LOCK_TYPE_MENTION = new RegExp(`\\b(?:${LOCK_TYPE_NAME_LIST.join('|')})`);

/** Lock methods called with no argument (`io::Read::read(&mut buf)` takes one and is no lock). */
export const ZERO_ARG_LOCK_METHODS: ReadonlySet<string> = new Set(['lock', 'read', 'write', 'borrow', 'borrow_mut']);

// A file that names a lock or guard type, or calls a zero-argument lock method, may create a
// guard; every other file matters only if a guard holder calls into it, and is parsed lazily.
export const MAY_LOCK = new RegExp(`${LOCK_TYPE_MENTION.source}|\\.(?:${[...ZERO_ARG_LOCK_METHODS].join('|')})\\(\\s*\\)`);

/** The pre-filter, ignoring comments: docs that mention a `Mutex` do not make a file lock. */
export function mayLockInCode(text: string): boolean {
  return MAY_LOCK.test(text) && MAY_LOCK.test(text.replace(/\/\/[^\n]*|\/\*[\s\S]*?\*\//g, ''));
}

export function lockKindOfTypeName(name: string): LockKind | undefined {
  return Object.hasOwn(LOCK_TYPE_NAMES, name) ? LOCK_TYPE_NAMES[name] : undefined;
}

/** Guard types: a function declared to return one of these returns a held lock. */
export const GUARD_TYPE_NAMES = new Set([
  'MutexGuard',
  'RwLockReadGuard',
  'RwLockWriteGuard',
  'RwLockUpgradableReadGuard',
  'ReentrantMutexGuard',
  'MappedMutexGuard',
  'MappedRwLockReadGuard',
  'MappedRwLockWriteGuard',
  'ArcMutexGuard',
  'OwnedMutexGuard',
  'OwnedRwLockReadGuard',
  'OwnedRwLockWriteGuard',
  'Ref',
  'RefMut',
  'SpinMutexGuard',
]);

/** The lock method that hands out each guard type: what access a guard kept in a field holds. */
export const GUARD_TYPE_METHODS: ReadonlyMap<string, string> = new Map([
  ['MutexGuard', 'lock'],
  ['ReentrantMutexGuard', 'lock'],
  ['SpinMutexGuard', 'lock'],
  ['RwLockReadGuard', 'read'],
  ['RwLockWriteGuard', 'write'],
  ['RwLockUpgradableReadGuard', 'upgradable_read'],
  ['Ref', 'borrow'],
  ['RefMut', 'borrow_mut'],
]);

/** Crate-level facts about each lock family. */
export function lockFlavor(kind: LockKind, crate: LockCrate): LockFlavor {
  const asyncCrate = isAsyncLockCrate(crate);
  if (kind === 'RefCell') {
    return { name: 'RefCell', outcome: 'panic', fair: false, blocksThread: true, reentrant: false };
  }
  if (kind === 'DashMap' || kind === 'DashSet') {
    return { name: `dashmap::${kind}`, outcome: 'deadlock', fair: false, blocksThread: true, reentrant: false };
  }
  // std's and parking_lot's RwLock document that a recursive read may deadlock behind a
  // waiting writer; tokio's is FIFO-fair. spin's is reader-preferring.
  const fair = kind === 'RwLock' && (crate === 'std' || crate === 'parking_lot' || crate === 'tokio');
  return {
    name: crate === 'unknown' || crate === 'configured' ? kind : `${crate === 'core' ? 'std' : crate}::${kind}`,
    outcome: 'deadlock',
    fair,
    blocksThread: !asyncCrate,
    reentrant: kind === 'ReentrantMutex',
  };
}

/** Crates whose lock types we know, by the first segment of a `use` path or type path. */
export function lockCrateOfPath(path: string): LockCrate | undefined {
  const head = path.split('::')[0];
  switch (head) {
    case 'std':
    case 'core':
    case 'alloc':
      return 'std';
    case 'parking_lot':
    case 'lock_api':
      return 'parking_lot';
    case 'spin':
      return 'spin';
    case 'tokio':
      return 'tokio';
    case 'futures':
    case 'futures_util':
      return 'futures';
    case 'async_std':
      return 'async_std';
    case 'dashmap':
      return 'dashmap';
    default:
      return undefined;
  }
}

/** Guard-preserving adapters: the result is still the guard (or its LockResult / Option). */
export const GUARD_PASSTHROUGH_METHODS = new Set([
  'unwrap',
  'expect',
  'unwrap_or_else',
  'unwrap_unchecked',
  // The guard moves into the new Option / Result, still held.
  'map_err',
  'or_else',
  'ok',
  'ok_or',
  'ok_or_else',
  'filter',
  'inspect',
  'as_mut',
]);

/**
 * Passthrough adapters that take `&self`/`&mut self` (`Option::as_mut`, or a guard's data through
 * `Deref`): the result borrows the guard; the binding it came from still owns it.
 */
export const GUARD_LENDING_METHODS = new Set(['as_mut']);

/** Which passthrough adapters leave an `Option<Guard>` possibly `None`: all but these. */
export const GUARD_UNWRAPPING_METHODS = new Set(['unwrap', 'expect', 'unwrap_or_else', 'unwrap_unchecked']);

/** `Condvar` waits: the guard goes in by value and comes back locked. */
export const CONDVAR_WAIT_METHODS = new Set(['wait', 'wait_while', 'wait_timeout', 'wait_timeout_while', 'wait_timeout_ms']);

/** On a value holding a guard, these keep holding it (DashMap's `Entry` → `RefMut`). */
export const ENTRY_PASSTHROUGH_METHODS = new Set([
  'or_insert',
  'or_insert_with',
  'or_insert_with_key',
  'or_default',
  'or_try_insert_with',
  'and_modify',
  'insert_entry',
]);

/** Methods on an `Option<Guard>` / `LockResult<Guard>` that consume it: the guard is dropped inside. */
export const GUARD_CONSUMING_METHODS = new Set(['map', 'and_then', 'map_or', 'map_or_else', 'is_some_and', 'is_ok_and']);

/** Functions whose closure argument runs on another thread or task, not at the call site. */

/**
 * Names of calls outside the crate that keep a closure as a callback, run when something else
 * happens (mlua's `create_function`, `register_callback`, `on_message`, `set_handler`,
 * `add_listener`, `connect_clicked`, `subscribe`): the closure's body does not run during the
 * call, so the guards held there are not held where it runs.
 */
export const KEEPS_CALLBACK = /^(?:create_(?:\w+_)?function|register(?:_\w+)?|on_\w+|set_\w*(?:handler|callback|hook|listener)|add_\w*(?:listener|callback|handler|hook)|connect(?:_\w+)?|subscribe(?:_\w+)?)$/;

export const DETACHING_CALLS = new Set(['spawn', 'spawn_blocking', 'spawn_local', 'spawn_fifo']);

export const DROP_FUNCTIONS = new Set(['drop', 'mem::drop', 'std::mem::drop', 'core::mem::drop']);
