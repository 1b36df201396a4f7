// The rendered text output of representative findings, as a user sees it. The snapshot file is
// reviewed by hand; a diff in it is a change in what users read.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { formatText } from '../src/cli/format-text.js';
import { discoverFiles } from '../src/core/discover.js';
import { analyzeRust } from '../src/rust/analyze.js';

const root = join(import.meta.dirname, '..');

it('renders the seed incident, a RefCell panic and a lock-order inversion like rustc', async () => {
  const paths = ['examples/incident', 'fixtures/rust/refcell_borrow.rs', 'fixtures/rust/lock_order_inversion.rs'];
  const found = discoverFiles(paths, root);
  const result = analyzeRust(found.rust, { cwd: root, rules: {} });
  const text = formatText(result.diagnostics, (file) => readFileSync(join(root, file), 'utf8'), { color: false });
  await expect(text).toMatchFileSnapshot('../fixtures/rust/__snapshots__/messages.txt');
});

// Edition 2024 moves the drop of an `if let` scrutinee's temporaries before `else` only; a guard
// that conflicts in the then block deadlocks in every edition, so that fix must not be offered.
it('offers edition 2024 as a fix only for conflicts in the else block', () => {
  const found = discoverFiles(['fixtures/rust/edition_pair_2021', 'examples/incident'], root);
  const messages = analyzeRust(found.rust, { cwd: root, rules: {} })
    .diagnostics.filter((d) => d.rule === 'guard-across-branch')
    .map((d) => d.message);
  const thenOnly = messages.filter((m) => m.includes('still held in the then block'));
  const elseOnly = messages.filter((m) => m.includes('still held in the else block'));
  expect(thenOnly.length).toBeGreaterThan(0);
  expect(elseOnly.length).toBeGreaterThan(0);
  for (const m of thenOnly) expect(m).not.toContain('edition 2024');
  for (const m of elseOnly) expect(m).toContain('move the crate to edition 2024');
});

// A stored callback's finding says which callback ran, where the stored closure takes the lock,
// that which closure runs is known only at run time (a warning), and fixes by calling the
// callbacks after the guard is released (not by a `drop` before a call that needs them).
it('explains a conflict reached through a stored callback, with the closure in the chain', () => {
  const found = discoverFiles(['fixtures/rust/double_lock_stored_callbacks.rs'], root);
  const diagnostics = analyzeRust(found.rust, { cwd: root, rules: {} }).diagnostics;
  const upgrade = diagnostics.find((d) => d.rule === 'lock-upgrade');
  expect(upgrade?.severity).toBe('warn');
  expect(upgrade?.message).toContain('calls `handler`, a stored `Fn(&CbMsg)` callback');
  expect(upgrade?.message).toContain('known only at run time');
  expect(upgrade?.message).toContain('call them after the guard is released');
  // The chain runs through the closure `cb_install_resubscriber` stored: its `subscribe` call.
  const closureLine = readFileSync(join(root, 'fixtures/rust/double_lock_stored_callbacks.rs'), 'utf8').split('\n').findIndex((l) => l.includes('bus.subscribe(echo);')) + 1;
  expect(upgrade?.related.some((r) => r.span.line === closureLine && r.message === 'calls `subscribe`')).toBe(true);
});
