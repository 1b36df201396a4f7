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
