// `lockscope check --staged` in a temporary git repository: the whole crate of a staged .rs file
// is analysed (so a call into an unstaged file still resolves), only staged files are reported.
import { execFileSync } from 'node:child_process';
import { appendFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DOUBLE_LOCK_LIB, FIXED_LIB, NESTED_TS, lockscope, lockscopeBin, rustCrate, tempProject, writeFiles } from './cli-support.js';

function gitRepo(files: Record<string, string>): { cwd: string; git: (...args: string[]) => void } {
  const cwd = tempProject(files);
  const git = (...args: string[]): void => {
    execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.invalid', '-c', 'commit.gpgsign=false', ...args], { cwd, stdio: 'ignore' });
  };
  git('init', '-q');
  git('add', '.');
  git('commit', '-q', '-m', 'initial');
  return { cwd, git };
}

async function staged(cwd: string): Promise<{ code: number; found: string[]; files: number }> {
  const r = await lockscope(['check', '--staged', '--format', 'json'], { cwd });
  const doc = JSON.parse(r.stdout) as { diagnostics: { rule: string; file: string; line: number }[]; stats: { files: number } };
  return { code: r.code, found: doc.diagnostics.map((d) => `${d.rule} ${d.file}:${d.line}`), files: doc.stats.files };
}

describe('--staged', () => {
  it('reports a finding in a staged file whose conflicting lock is in an unstaged file of the crate', async () => {
    const { cwd, git } = gitRepo({ ...rustCrate(DOUBLE_LOCK_LIB), 'README.md': 'demo\n' });
    expect(await staged(cwd)).toEqual({ code: 0, found: [], files: 0 });
    appendFileSync(join(cwd, 'src/lib.rs'), '\npub fn unrelated() {}\n');
    git('add', 'src/lib.rs');
    // helpers.rs is not staged, but it is analysed: that is where `push` takes the lock.
    expect(await staged(cwd)).toEqual({ code: 1, found: ['double-lock src/lib.rs:11'], files: 2 });
  });

  it('does not report findings in files that are not staged', async () => {
    const { cwd, git } = gitRepo(rustCrate(DOUBLE_LOCK_LIB));
    appendFileSync(join(cwd, 'src/helpers.rs'), '\npub fn unrelated() {}\n');
    git('add', 'src/helpers.rs');
    expect(await staged(cwd)).toEqual({ code: 0, found: [], files: 2 });
  });

  it('ignores unstaged edits to the list of files, and deleted files', async () => {
    const { cwd, git } = gitRepo({ ...rustCrate(DOUBLE_LOCK_LIB), 'src/old.rs': 'pub fn f() {}\n' });
    appendFileSync(join(cwd, 'src/lib.rs'), '\n// not staged\n');
    git('rm', '-q', 'src/old.rs');
    expect(await staged(cwd)).toEqual({ code: 0, found: [], files: 0 });
  });

  it('analyses staged TS/JS files and works from a subdirectory', async () => {
    const { cwd, git } = gitRepo({ ...rustCrate(DOUBLE_LOCK_LIB), 'web/package.json': '{"name":"web"}' });
    writeFiles(cwd, { 'web/a.ts': NESTED_TS });
    git('add', 'web/a.ts');
    expect(await staged(join(cwd, 'web'))).toEqual({ code: 1, found: ['no-nested-lock a.ts:6'], files: 1 });
  });

  it('checks what is being committed: a staged bug with a fix only in the working tree fails', async () => {
    const { cwd, git } = gitRepo({ ...rustCrate(FIXED_LIB), 'web/a.ts': NESTED_TS.replace('    await m.runExclusive(async () => {});\n', '') });
    writeFiles(cwd, { 'src/lib.rs': DOUBLE_LOCK_LIB, 'web/a.ts': NESTED_TS });
    git('add', 'src/lib.rs', 'web/a.ts');
    // The fix, made after staging and not staged: the commit would still carry the bug.
    writeFiles(cwd, { 'src/lib.rs': FIXED_LIB, 'web/a.ts': NESTED_TS.replace('    await m.runExclusive(async () => {});\n', '') });
    expect(await staged(cwd)).toEqual({ code: 1, found: ['double-lock src/lib.rs:11', 'no-nested-lock web/a.ts:6'], files: 3 });
  });

  it('and the reverse passes: a staged fix with the bug only in the working tree', async () => {
    const { cwd, git } = gitRepo({ ...rustCrate(DOUBLE_LOCK_LIB), 'web/a.ts': NESTED_TS });
    writeFiles(cwd, { 'src/lib.rs': FIXED_LIB, 'web/a.ts': NESTED_TS.replace('    await m.runExclusive(async () => {});\n', '') });
    git('add', 'src/lib.rs', 'web/a.ts');
    writeFiles(cwd, { 'src/lib.rs': DOUBLE_LOCK_LIB, 'web/a.ts': NESTED_TS });
    expect(await staged(cwd)).toEqual({ code: 0, found: [], files: 3 });
  });

  it('never follows a staged symbolic link out of the repository', async () => {
    const outside = tempProject({ 'secret.ts': NESTED_TS });
    const { cwd, git } = gitRepo({ 'web/package.json': '{"name":"web"}' });
    symlinkSync(join(outside, 'secret.ts'), join(cwd, 'web/link.ts'));
    git('add', 'web/link.ts');
    expect(await staged(cwd)).toEqual({ code: 0, found: [], files: 0 });
  });

  it('the built binary, as the pre-commit hook runs it; outside a repository it is an input error', () => {
    const { cwd, git } = gitRepo(rustCrate(DOUBLE_LOCK_LIB));
    appendFileSync(join(cwd, 'src/lib.rs'), '\npub fn unrelated() {}\n');
    git('add', 'src/lib.rs');
    const r = lockscopeBin(['check', '--staged'], cwd);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('--> src/lib.rs:11:21');
    const outside = lockscopeBin(['check', '--staged'], tempProject({ 'a.rs': '' }), { GIT_CEILING_DIRECTORIES: '/' });
    expect(outside.code).toBe(2);
    expect(outside.stderr).toContain('--staged needs a git repository');
  });
});
