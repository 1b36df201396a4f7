// Which fixture cases each pack rule's `semgrep --test` target is made of, and how each is
// annotated. `ruleid` / `ok`: the lexical rule decides the case like lockscope does.
// `todoruleid`: lockscope finds it through calls, the lexical rule cannot (the project pack can).
// `todook`: a near miss the lexical rule still reports (it cannot see types or options).
// Cases the fixtures lack in a lexical form are written here, each beside its near miss.

export type Annotation = 'ruleid' | 'ok' | 'todoruleid' | 'todook';

export interface FixtureCase {
  /** Fixture path relative to the repository root. */
  readonly file: string;
  /** The function (Rust `should_…`, TS function or method name). */
  readonly fn: string;
  readonly annotation: Annotation;
}

export interface TargetSpec {
  readonly cases: readonly FixtureCase[];
  /** Finds the line an `ok` / `todook` annotation goes before: where the case creates its guard. */
  readonly guardLine: RegExp;
  /** Lines of extra cases; `{id}` is the rule id. Annotations apply to the next line. */
  readonly extra?: readonly string[];
}

const rs = (file: string, annotations: Record<string, Annotation>): FixtureCase[] =>
  Object.entries(annotations).map(([fn, annotation]) => ({ file: `fixtures/rust/${file}`, fn, annotation }));
const ts = (file: string, annotations: Record<string, Annotation>): FixtureCase[] =>
  Object.entries(annotations).map(([fn, annotation]) => ({ file: `fixtures/ts/project/src/${file}`, fn, annotation }));

export const TARGETS: Readonly<Record<string, TargetSpec>> = {
  'rust/guard-across-branch': {
    guardLine: /\b(match|if let|while let|for)\b|\.(lock|read|write|borrow|borrow_mut|get|entry|iter)\(/,
    cases: [
      ...rs('guard_across_branch_match.rs', {
        should_trigger_relock_in_arm: 'ruleid',
        should_trigger_cloned_scrutinee: 'ruleid',
        should_not_trigger_bound_first: 'ok',
      }),
      ...rs('guard_across_branch_then_block.rs', { should_trigger_write_in_then: 'ruleid', should_not_trigger_write_after: 'ok' }),
      ...rs('guard_across_branch_while_let.rs', {
        should_trigger_requeue_in_body: 'ruleid',
        should_not_trigger_pop_then_requeue: 'ok',
        should_not_trigger_other_lock_in_body: 'ok',
      }),
      ...rs('guard_across_branch_for.rs', {
        should_trigger_iter_then_lock: 'ruleid',
        should_trigger_clone_in_iter_expr: 'ruleid',
        should_not_trigger_snapshot_first: 'ok',
      }),
      ...rs('dashmap_shards.rs', {
        should_trigger_insert_in_then: 'ruleid',
        should_trigger_entry_then_insert_in_vacant: 'ruleid',
        should_not_trigger_entry_used_directly: 'ok',
        should_trigger_iter_and_insert: 'ruleid',
        should_not_trigger_collect_then_insert: 'ok',
      }),
      ...rs('parking_lot_locks.rs', { should_trigger_match_read_write_in_arm: 'ruleid' }),
      ...rs('tokio_locks.rs', { should_trigger_match_lock_await: 'ruleid' }),
      ...rs('double_lock_plain_if.rs', { should_not_trigger_lock_in_condition_then_block: 'ok' }),
      ...rs('double_lock_different_locks.rs', { should_not_trigger_scrutinee_other_field: 'ok' }),
    ],
  },
  'rust/guard-across-branch-else': {
    guardLine: /\bif\b|\.(lock|read|write|borrow|borrow_mut|get|entry)\(/,
    cases: [
      ...rs('guard_across_branch_if_let.rs', {
        should_trigger_else_reaches_write: 'todoruleid',
        should_not_trigger_value_bound_first: 'ok',
        should_trigger_borrowed_scrutinee: 'todoruleid',
      }),
      ...rs('refcell_borrow.rs', { should_trigger_if_let_borrow_else_borrow_mut: 'ruleid', should_not_trigger_if_let_bound_first: 'ok' }),
      ...rs('dashmap_shards.rs', { should_not_trigger_insert_in_else_after_none: 'ok' }),
      ...rs('double_lock_different_locks.rs', { should_not_trigger_scrutinee_other_field: 'ok' }),
      ...rs('double_lock_plain_if.rs', { should_not_trigger_lock_in_condition_then_block: 'ok' }),
    ],
    extra: [
      'use std::collections::HashMap;',
      'use std::sync::RwLock;',
      '',
      'pub struct Routes {',
      '    pub table: RwLock<HashMap<u32, String>>,',
      '    pub misses: RwLock<Vec<u32>>,',
      '}',
      '',
      'impl Routes {',
      '    // The seed bug without the calls: the else block writes the lock the scrutinee reads.',
      '    pub fn should_trigger_write_in_else(&self, key: u32) -> usize {',
      '        // ruleid: {id}',
      '        if let Some(route) = self.table.read().unwrap().get(&key) {',
      '            route.len()',
      '        } else {',
      '            self.table.write().unwrap().insert(key, String::new());',
      '            0',
      '        }',
      '    }',
      '',
      '    // Near miss: the else block writes another lock.',
      '    pub fn should_not_trigger_other_lock_in_else(&self, key: u32) -> usize {',
      '        // ok: {id}',
      '        if let Some(route) = self.table.read().unwrap().get(&key) {',
      '            route.len()',
      '        } else {',
      '            self.misses.write().unwrap().push(key);',
      '            0',
      '        }',
      '    }',
      '}',
    ],
  },
  'rust/double-lock': {
    guardLine: /\blet (mut )?\w+ = .*\.(lock|read|write|borrow|borrow_mut|upgradable_read)\(/,
    cases: [
      ...rs('double_lock_let.rs', {
        should_trigger_relock_while_bound: 'ruleid',
        should_not_trigger_drop_before_relock: 'ok',
        should_not_trigger_underscore_binding: 'ok',
        should_trigger_underscore_named_binding: 'ruleid',
        should_not_trigger_guard_moved_into_fn: 'ok',
        should_trigger_shadowed_guard: 'ruleid',
        should_not_trigger_inner_block: 'ok',
      }),
      ...rs('double_lock_different_locks.rs', { should_not_trigger_two_fields: 'ok', should_trigger_same_field: 'ruleid' }),
      ...rs('refcell_borrow.rs', { should_trigger_borrow_mut_then_borrow: 'ruleid' }),
      ...rs('parking_lot_locks.rs', {
        should_trigger_mutex_relock: 'ruleid',
        should_not_trigger_mutex_dropped: 'ok',
        should_trigger_upgradable_twice: 'ruleid',
      }),
      ...rs('spin_locks.rs', { should_trigger_spin_relock: 'ruleid', should_not_trigger_spin_scoped: 'ok' }),
      ...rs('tokio_locks.rs', { should_trigger_lock_await_twice: 'ruleid', should_not_trigger_lock_await_scoped: 'ok' }),
      ...rs('double_lock_statement_temporary.rs', { should_trigger_guard_in_argument_then_call: 'todoruleid' }),
    ],
  },
  'rust/lock-upgrade': {
    guardLine: /\blet (mut )?\w+ = .*\.(lock|read|write|borrow|borrow_mut|upgradable_read)\(/,
    cases: [
      ...rs('lock_upgrade_std_rwlock.rs', {
        should_trigger_read_then_write: 'ruleid',
        should_not_trigger_drop_then_write: 'ok',
        should_trigger_read_temporary_and_write_call: 'todoruleid',
        should_not_trigger_read_then_call: 'ok',
      }),
      ...rs('refcell_borrow.rs', { should_trigger_borrow_then_borrow_mut: 'ruleid', should_not_trigger_two_borrows: 'ok' }),
      ...rs('parking_lot_locks.rs', {
        should_trigger_read_then_write: 'ruleid',
        should_trigger_upgradable_then_write: 'ruleid',
        should_not_trigger_upgradable_then_read: 'ok',
        should_not_trigger_upgrade_in_place: 'ok',
        should_not_trigger_try_write: 'ok',
      }),
      ...rs('spin_locks.rs', { should_trigger_spin_read_then_write: 'ruleid' }),
      ...rs('tokio_locks.rs', { should_trigger_read_then_write: 'ruleid' }),
    ],
  },
  'rust/guard-across-await': {
    guardLine: /\blet (mut )?\w+ = .*\.(lock|read|write|borrow|borrow_mut|upgradable_read)\(/,
    cases: rs('guard_across_await.rs', {
      should_trigger_std_guard_across_await: 'ruleid',
      should_not_trigger_std_guard_scoped: 'ok',
      should_not_trigger_std_guard_dropped: 'ok',
      should_trigger_parking_lot_guard_across_await: 'ruleid',
      should_trigger_refcell_borrow_across_await: 'ruleid',
      should_not_trigger_tokio_guard: 'ok',
    }),
  },
  'ts/no-nested-lock': {
    guardLine: /\.(runExclusive|acquire)\(/,
    cases: [
      ...ts('nested-through-call.ts', { refresh: 'todoruleid', refreshFixed: 'ok', refreshLater: 'ok' }),
      ...ts('async-lock-keys.ts', { renameUser: 'todoruleid', auditUser: 'ok', dynamicKey: 'ok', reentrantOk: 'ruleid' }),
      ...ts('lock-order.ts', { report: 'ok' }),
      ...ts('lookalike.ts', { step: 'todook' }),
    ],
    extra: [
      "import { Mutex } from 'async-mutex';",
      "import AsyncLock from 'async-lock';",
      '',
      'const jobs = new Mutex();',
      'const keyed = new AsyncLock();',
      '',
      'export async function enqueueTwice(): Promise<void> {',
      '  // ruleid: {id}',
      '  await jobs.runExclusive(async () => {',
      '    await jobs.runExclusive(async () => undefined);',
      '  });',
      '}',
      '',
      '// Near miss: the inner section runs after the outer one has finished.',
      'export async function enqueueInSequence(): Promise<void> {',
      '  // ok: {id}',
      '  await jobs.runExclusive(async () => undefined);',
      '  await jobs.runExclusive(async () => undefined);',
      '}',
      '',
      'export async function saveUser(): Promise<number> {',
      '  // ruleid: {id}',
      "  return keyed.acquire('users', async () => {",
      "    return keyed.acquire('users', async () => 1);",
      '  });',
      '}',
      '',
      '// Near miss: another key is another lock.',
      'export async function saveUserAudited(): Promise<number> {',
      '  // ok: {id}',
      "  return keyed.acquire('users', async () => {",
      "    return keyed.acquire('audit', async () => 1);",
      '  });',
      '}',
    ],
  },
  'ts/no-lock-upgrade': {
    guardLine: /\.(request|readLock)\(/,
    cases: [
      ...ts('web-locks.ts', { readSettings: 'todoruleid', readSettingsFixed: 'ok', readSettingsOpportunistic: 'ok', readOther: 'ok' }),
      ...ts('mortice-upgrade.ts', { getOrCreate: 'todoruleid', getOrCreateFixed: 'ok' }),
    ],
    extra: [
      "import mortice from 'mortice';",
      '',
      'const store = mortice();',
      '',
      'export async function migrate(): Promise<void> {',
      '  // ruleid: {id}',
      "  await navigator.locks.request('db', { mode: 'shared' }, async () => {",
      "    await navigator.locks.request('db', async () => undefined);",
      '  });',
      '}',
      '',
      'export async function upgradeInPlace(): Promise<void> {',
      '  // ruleid: {id}',
      '  const release = await store.readLock();',
      '  const writeRelease = await store.writeLock();',
      '  writeRelease();',
      '  release();',
      '}',
      '',
      '// Near miss: the read lock is released before the write lock is requested.',
      'export async function upgradeAfterRelease(): Promise<void> {',
      '  // ok: {id}',
      '  const release = await store.readLock();',
      '  release();',
      '  const writeRelease = await store.writeLock();',
      '  writeRelease();',
      '}',
    ],
  },
  'ts/release-on-every-path': {
    guardLine: /\.acquire\(/,
    cases: [
      ...ts('early-return.ts', { record: 'ruleid', recordFixed: 'ok', fetchAll: 'ruleid', fetchAllFixed: 'ok', handOver: 'ok' }),
      ...ts('lookalike.ts', { step: 'todook' }),
    ],
  },
};
