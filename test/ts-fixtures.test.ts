// Every annotated fixture project under fixtures/ts/ is checked through `checkTsFiles` (the path
// the CLI takes) twice: typed (its tsconfig.json) and untyped (a copy without it), against the
// marks of test/support/expectations.ts with severity. `// expect: <rule>` marks the line of the
// outer acquisition in both modes, `// expect-typed: <rule>` a case only types can see; `miss:` and
// `fp:` (with `-- why`) record known misses and false positives. Lines without a mark must produce
// nothing.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Severity } from '../src/core/model.js';
import { checkTsFiles } from '../src/ts/check.js';
import { compareMarks, type Mark, readMarks } from './support/expectations.js';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/ts');
const SOURCE = /\.(ts|tsx|js|mjs|cjs)$/;

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(full);
    return SOURCE.test(entry.name) ? [full] : [];
  });
}

function marks(root: string, typed: boolean): Mark[] {
  return sourceFiles(root)
    .flatMap((file) => readMarks(file, path.relative(root, file)))
    .filter((m) => typed || !m.typedOnly);
}

async function findings(root: string): Promise<{ file: string; line: number; rule: string; severity: Severity }[]> {
  const { diagnostics } = await checkTsFiles(sourceFiles(root), { cwd: root, rules: {} });
  return diagnostics.map((d) => ({ file: d.span.file, line: d.span.line, rule: d.rule, severity: d.severity }));
}

async function checkProject(root: string, typed: boolean): Promise<void> {
  const { expected, actual, missesReported } = compareMarks(marks(root, typed), await findings(root));
  expect(actual).toEqual(expected);
  expect(missesReported, 'reported now: turn these `miss:` marks into `expect:`').toEqual([]);
}

const projects = fs.readdirSync(FIXTURES).filter((name) => fs.statSync(path.join(FIXTURES, name)).isDirectory());

describe.each(projects)('fixtures/ts/%s', (project) => {
  const root = path.join(FIXTURES, project);

  it('typed: reports exactly the annotated lines', async () => {
    await checkProject(root, true);
  }, 120_000);

  it('untyped: reports exactly the lines annotated for both modes', async () => {
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), `lockscope-${project}-`));
    fs.cpSync(root, copy, { recursive: true, filter: (source) => path.basename(source) !== 'tsconfig.json' });
    try {
      await checkProject(copy, false);
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  }, 120_000);

  // A pre-commit hook or a CI lint step often runs before `npm ci`: the lock libraries' types are
  // missing, and the imports' module names must be enough (a copy outside the repository has no
  // node_modules to resolve them from).
  it.runIf(fs.existsSync(path.join(root, 'tsconfig.json')))('typed without node_modules: reports the same', async () => {
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), `lockscope-${project}-bare-`));
    fs.cpSync(root, copy, { recursive: true });
    try {
      await checkProject(copy, true);
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  }, 120_000);
});

// ESLint ignores files outside its base path ("File ignored because outside of base path"):
// `lockscope check ../other-repo` must still analyse them.
it('analyses files outside the working directory', async () => {
  const root = path.join(FIXTURES, 'project');
  const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'lockscope-cwd-'));
  try {
    const { diagnostics, notes } = await checkTsFiles([path.join(root, 'src/nested-through-call.ts')], { cwd: elsewhere, rules: {} });
    expect(notes).toEqual([]);
    expect(diagnostics.map((d) => `${path.basename(d.span.file)}:${d.span.line}:${d.rule}`)).toEqual(['nested-through-call.ts:10:no-nested-lock']);
  } finally {
    fs.rmSync(elsewhere, { recursive: true, force: true });
  }
}, 120_000);
