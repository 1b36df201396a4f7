// `// lockscope-ignore-next-line <rule>[, <rule>] -- <reason>` in Rust and TS/JS, applied once by
// the CLI to both languages; suppressions without a reason or that suppress nothing are reported.
import { describe, expect, it } from 'vitest';
import { parseSuppressions } from '../src/core/suppressions.js';
import { DOUBLE_LOCK_LIB, NESTED_TS, lockscope, rustCrate, tempProject } from './cli-support.js';

const GUARD_LINE = '        let guard = self.items.lock().unwrap();';
const TS_GUARD_LINE = '  await m.runExclusive(async () => {\n    await m.runExclusive';

function suppressRust(comment: string): Record<string, string> {
  return rustCrate(DOUBLE_LOCK_LIB.replace(GUARD_LINE, `        ${comment}\n${GUARD_LINE}`));
}

function suppressTs(comment: string): Record<string, string> {
  return { 'a.ts': NESTED_TS.replace(TS_GUARD_LINE, `  ${comment}\n${TS_GUARD_LINE}`) };
}

async function json(cwd: string, ...args: string[]): Promise<{ code: number; found: string[]; stderr: string }> {
  const r = await lockscope(['check', '--format', 'json', ...args], { cwd });
  const doc = JSON.parse(r.stdout) as { diagnostics: { rule: string; severity: string; file: string; line: number }[] };
  return { code: r.code, found: doc.diagnostics.map((d) => `${d.severity} ${d.rule} ${d.file}:${d.line}`), stderr: r.stderr };
}

describe('suppression comments', () => {
  it('Rust: with a reason, the finding is gone and nothing else is reported', async () => {
    const r = await json(tempProject(suppressRust('// lockscope-ignore-next-line double-lock -- push only runs on an empty cache, which is never shared')));
    expect(r.found).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('1 suppressed by comments');
  });

  it('TS/JS: with a reason, the finding is gone', async () => {
    const r = await json(tempProject(suppressTs('// lockscope-ignore-next-line no-nested-lock -- reviewed: the inner call never runs')));
    expect(r.found).toEqual([]);
    expect(r.code).toBe(0);
  });

  it('without a reason, the finding is still suppressed but the comment is reported (warn)', async () => {
    const rust = await json(tempProject(suppressRust('// lockscope-ignore-next-line double-lock')));
    expect(rust.found).toEqual(['warn suppression-without-reason src/lib.rs:11']);
    expect(rust.code).toBe(0);
    const ts = await json(tempProject(suppressTs('// lockscope-ignore-next-line no-nested-lock --')));
    expect(ts.found).toEqual(['warn suppression-without-reason a.ts:6']);
    expect((await json(tempProject(suppressTs('// lockscope-ignore-next-line no-nested-lock')), '--fail-on', 'warn')).code).toBe(1);
  });

  it('a suppression that suppresses nothing is reported: wrong rule, unknown rule, nothing on the next line', async () => {
    const wrongRule = await json(tempProject(suppressRust('// lockscope-ignore-next-line lock-upgrade -- not this one')));
    expect(wrongRule.found).toEqual(['warn unused-suppression src/lib.rs:11', 'error double-lock src/lib.rs:12']);
    const unknown = await json(tempProject(suppressRust('// lockscope-ignore-next-line double-lock, no-such-rule -- typo')));
    expect(unknown.found).toEqual(['warn unused-suppression src/lib.rs:11']);
    const stale = await json(tempProject({ ...rustCrate(DOUBLE_LOCK_LIB), 'src/other.rs': '// lockscope-ignore-next-line double-lock -- fixed long ago\npub fn f() {}\n' }));
    expect(stale.found).toEqual(['error double-lock src/lib.rs:11', 'warn unused-suppression src/other.rs:1']);
  });

  it('one comment can name several rules; a rule that is off is not called unused', async () => {
    const both = await json(tempProject(suppressRust('// lockscope-ignore-next-line double-lock, scrutinee-guard -- reviewed')));
    expect(both.found).toEqual([]);
    const offRule = await json(tempProject(suppressRust('// lockscope-ignore-next-line double-lock -- reviewed')), '--rule', 'double-lock=off');
    expect(offRule.found).toEqual([]);
  });

  it('the suppression ids can be configured like rules', async () => {
    const r = await json(tempProject(suppressRust('// lockscope-ignore-next-line double-lock')), '--rule', 'suppression-without-reason=error');
    expect(r.found).toEqual(['error suppression-without-reason src/lib.rs:11']);
    expect(r.code).toBe(1);
  });
});

describe('parseSuppressions', () => {
  it('reads rules and reason, and targets the next line that is not only a comment', () => {
    const text = 'fn f() {\n    // lockscope-ignore-next-line double-lock, lock-upgrade -- the map is never shared\n    // (see the constructor)\n    let g = m.lock();\n}\n';
    expect(parseSuppressions('src/a.rs', text)).toEqual([
      {
        span: { file: 'src/a.rs', line: 2, column: 5, endLine: 2, endColumn: 87 },
        rules: ['double-lock', 'lock-upgrade'],
        reason: 'the map is never shared',
        targetLine: 4,
      },
    ]);
  });

  it('ignores lookalikes that are not the marker', () => {
    expect(parseSuppressions('a.ts', '// lockscope-ignore-next-lines double-lock -- x\nlet a = 1;\n')).toEqual([]);
  });
});
