// The rendered text of every TS/JS diagnostic in the main fixture project (typed), as a reviewer
// and a user see it: rule, place, message, related locations. Review the diff when it changes.
import path from 'node:path';
import { expect, it } from 'vitest';
import { checkTsFiles } from '../src/ts/check.js';

const PROJECT = path.resolve(import.meta.dirname, '../fixtures/ts/project');

it('renders the fixture diagnostics', async () => {
  const files = ['nested-through-call', 'early-return', 'web-locks', 'mortice-upgrade', 'lock-order', 'cross-file'].map((name) => `src/${name}.ts`);
  const { diagnostics } = await checkTsFiles(files, { cwd: PROJECT, rules: {} });
  const rendered = diagnostics
    .map((d) =>
      [`${d.severity}[${d.rule}] ${d.span.file}:${d.span.line}:${d.span.column}`, `  ${d.message}`, ...d.related.map((r) => `  --> ${r.span.file}:${r.span.line}:${r.span.column}: ${r.message}`)].join('\n'),
    )
    .join('\n\n');
  await expect(rendered + '\n').toMatchFileSnapshot('../fixtures/ts/project/expected-messages.txt');
}, 120_000);
