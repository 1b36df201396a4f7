// The pre-commit hook as users install it (issue 12): `pre-commit try-repo` against this repository
// (a git checkout of HEAD, plus uncommitted changes when run locally) installs the `language: node`
// hook from .pre-commit-hooks.yaml the way pre-commit does for a `repo:` entry, then runs it on a
// commit. Needs pre-commit from PyPI (.ci/run installs a pinned one); without it the test is
// skipped with a notice, and fails when CI is set.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, realpathSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from './cli-support.js';
import { preCommitOrNotice } from './support/pre-commit.js';
import { RUST_BUG as SEED_BUG } from './support/readme-project.js';

const preCommit = preCommitOrNotice('the pre-commit hook test');

const FIXED = SEED_BUG.replace('if let Some(x) = self.load.read().unwrap().get(k) {\n            *x', 'let found = self.load.read().unwrap().get(k).copied();\n        if let Some(x) = found {\n            x');

describe.skipIf(!preCommit)('pre-commit hook (pre-commit try-repo)', () => {
  let home = '';
  const gitEnv = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.invalid', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.invalid' };

  function project(files: Record<string, string>): string {
    const root = realpathSync(mkdtempSync(join(tmpdir(), 'lockscope-hook-')));
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    execFileSync('git', ['init', '-q'], { cwd: root });
    return root;
  }

  function hook(cwd: string): { code: number; output: string } {
    const run = spawnSync(preCommit!, ['try-repo', repoRoot, 'lockscope'], {
      cwd,
      encoding: 'utf8',
      env: { ...process.env, ...gitEnv, PRE_COMMIT_HOME: home, CI: '' },
    });
    return { code: run.status ?? -1, output: `${run.stdout}${run.stderr}` };
  }

  beforeAll(() => {
    home = realpathSync(mkdtempSync(join(tmpdir(), 'lockscope-pre-commit-home-')));
  });

  const CARGO = '[package]\nname = "app"\nversion = "0.1.0"\nedition = "2021"\n';

  it('installs, and blocks a commit that stages the seed bug', () => {
    const cwd = project({ 'Cargo.toml': CARGO, 'src/lib.rs': SEED_BUG });
    execFileSync('git', ['add', '-A'], { cwd });
    const run = hook(cwd);
    expect(run.output).toContain('error[guard-across-branch]');
    expect(run.output).toContain('src/lib.rs:9:26');
    expect(run.code).toBe(1);
  }, 900_000);

  it('passes a clean commit, and ignores a bug that is only in unstaged changes', () => {
    const cwd = project({ 'Cargo.toml': CARGO, 'src/lib.rs': FIXED });
    execFileSync('git', ['add', '-A'], { cwd });
    const clean = hook(cwd);
    expect(clean.output).toMatch(/lockscope\.+Passed/);
    expect(clean.code).toBe(0);
    writeFileSync(join(cwd, 'src/lib.rs'), SEED_BUG); // not staged
    const unstaged = hook(cwd);
    expect(unstaged.output).toMatch(/lockscope\.+Passed/);
    expect(unstaged.code).toBe(0);
  }, 900_000);
});
