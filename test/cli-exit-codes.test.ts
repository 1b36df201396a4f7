// Exit status of `lockscope check`: 0 no finding at or above --fail-on, 1 findings, 2 usage or
// input error — in-process and through the built binary.
import { describe, expect, it } from 'vitest';
import { AWAIT_LIB, FIXED_LIB, DOUBLE_LOCK_LIB, lockscope, lockscopeBin, rustCrate, tempProject } from './cli-support.js';

describe('exit codes', () => {
  const failing = tempProject(rustCrate(DOUBLE_LOCK_LIB));
  const clean = tempProject(rustCrate(FIXED_LIB));
  const warnOnly = tempProject(rustCrate(AWAIT_LIB));

  it('0: no finding', async () => {
    const r = await lockscope(['check'], { cwd: clean });
    expect(r.stdout).toBe('');
    expect(r.code).toBe(0);
  });

  it('1: an error finding', async () => {
    const r = await lockscope(['check'], { cwd: failing });
    expect(r.stdout).toContain('error[double-lock]');
    expect(r.code).toBe(1);
  });

  it('0 for warnings by default, 1 with --fail-on warn, 0 with --fail-on off', async () => {
    expect((await lockscope(['check'], { cwd: warnOnly })).code).toBe(0);
    expect((await lockscope(['check', '--fail-on', 'warn'], { cwd: warnOnly })).code).toBe(1);
    expect((await lockscope(['check', '--fail-on', 'off'], { cwd: failing })).code).toBe(0);
  });

  it('2: unknown flag, bad value, missing path, unknown rule', async () => {
    for (const args of [
      ['check', '--frobnicate'],
      ['check', '--format', 'xml'],
      ['check', 'no/such/dir'],
      ['check', '--rule', 'no-such-rule=off'],
      ['check', '--staged', 'src'],
      ['check', '--baseline', 'a.json', '--write-baseline', 'b.json'],
      ['frobnicate'],
    ]) {
      const r = await lockscope(args, { cwd: clean });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^lockscope: /);
    }
  });

  it('a mistyped flag gets one line with the nearest flag, not the whole usage', async () => {
    const typo = await lockscope(['check', '--stagd'], { cwd: clean });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toBe('lockscope: unknown option --stagd; did you mean --staged? (`lockscope check --help` lists the options)\n');
    const far = await lockscope(['check', '--frobnicate'], { cwd: clean });
    expect(far.stderr).toBe('lockscope: unknown option --frobnicate (`lockscope check --help` lists the options)\n');
  });

  it('the built binary exits 0, 1 and 2 the same way', () => {
    expect(lockscopeBin(['check'], clean).code).toBe(0);
    const findings = lockscopeBin(['check'], failing);
    expect(findings.code).toBe(1);
    expect(findings.stdout).toContain('error[double-lock]');
    const usage = lockscopeBin(['check', '--format', 'xml'], clean);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--format must be text, json, sarif or github');
  });
});
