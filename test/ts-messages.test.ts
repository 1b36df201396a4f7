// The rendered text of every TS/JS diagnostic in the main fixture project (typed), as a reviewer
// and a user see it: rule, place, message, related locations. Review the diff when it changes.
import path from 'node:path';
import { ESLint, type Linter } from 'eslint';
import { expect, it } from 'vitest';
import plugin from '../src/plugin.js';
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

it('in ESLint, each message names its related locations, which ESLint has no field for (issue 13 item 6)', async () => {
  const files = ['nested-through-call', 'lock-order', 'cross-file'].map((name) => `src/${name}.ts`);
  const { diagnostics } = await checkTsFiles(files, { cwd: PROJECT, rules: {} });
  const eslint = new ESLint({ cwd: PROJECT, overrideConfigFile: true, overrideConfig: plugin.configs.recommendedTypeChecked as Linter.Config[] });
  const results = await eslint.lintFiles(files);
  const inEslint = results.flatMap((r) => r.messages.map((m) => `${path.relative(PROJECT, r.filePath)}:${m.line}:${m.column} ${m.ruleId} ${m.message}`)).sort();
  const fromCli = diagnostics
    .map((d) => {
      const related = d.related.map((r) => `${r.span.file}:${r.span.line}:${r.span.column} ${r.message}`).join('; ');
      return `${d.span.file}:${d.span.line}:${d.span.column} lockscope/${d.rule} ${d.message}${related ? ` (related: ${related})` : ''}`;
    })
    .sort();
  expect(fromCli.some((line) => line.includes('(related: '))).toBe(true);
  expect(inEslint).toEqual(fromCli);
}, 120_000);
