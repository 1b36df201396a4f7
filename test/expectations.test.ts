// The mark reader itself: severity in the key, reasons required, unknown rules refused, and the
// comparison that makes a fixed miss or a fixed false positive fail until its mark changes.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compareMarks, readMarks } from './support/expectations.js';

const dir = mkdtempSync(join(tmpdir(), 'lockscope-marks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function marksOf(text: string) {
  const file = join(dir, 'case.rs');
  writeFileSync(file, text);
  return readMarks(file, 'case.rs');
}

describe('fixture marks', () => {
  it('reads severity: a bare rule is an error, `warn rule` a warning', () => {
    const marks = marksOf('let g = m.lock(); // expect: double-lock, warn lock-upgrade\n');
    expect(marks.map((m) => [m.kind, m.line, m.rule, m.severity])).toEqual([
      ['expect', 1, 'double-lock', 'error'],
      ['expect', 1, 'lock-upgrade', 'warn'],
    ]);
  });

  it('reads several marks on one line and the -typed suffix, and ignores prose that mentions a mark', () => {
    const text = [
      '// a comment saying `// miss:` marks are used here, and a Near miss: too',
      'x(); // expect-typed: warn no-lock-order-inversion // miss: no-nested-lock -- why not',
    ].join('\n');
    expect(marksOf(text).map((m) => [m.kind, m.line, m.rule, m.typedOnly, m.reason])).toEqual([
      ['expect', 2, 'no-lock-order-inversion', true, ''],
      ['miss', 2, 'no-nested-lock', false, 'why not'],
    ]);
  });

  it('fails on a miss or fp without a reason, and on a rule the catalogue does not know', () => {
    expect(() => marksOf('x(); // miss: double-lock\n')).toThrow(/needs a reason/);
    expect(() => marksOf('x(); // miss: double-lock --\n')).toThrow(/needs a reason/);
    expect(() => marksOf('x(); // fp: double-lock\n')).toThrow(/needs a reason/);
    expect(() => marksOf('x(); // fp-typed: warn no-nested-lock\n')).toThrow(/needs a reason/);
    expect(() => marksOf('x(); // expect: double-lok\n')).toThrow(/no rule is called `double-lok`/);
    expect(() => marksOf('x(); // expect: warning double-lock\n')).toThrow(/is not `rule` or `warn rule`/);
  });

  it('compares severity both ways', () => {
    const marks = marksOf('x(); // expect: warn double-lock\n');
    const asError = compareMarks(marks, [{ file: 'case.rs', line: 1, rule: 'double-lock', severity: 'error' }]);
    expect(asError.actual).not.toEqual(asError.expected);
    const asWarning = compareMarks(marks, [{ file: 'case.rs', line: 1, rule: 'double-lock', severity: 'warn' }]);
    expect(asWarning.actual).toEqual(asWarning.expected);
  });

  it('requires a known false positive to be reported, so fixing it fails until the mark goes', () => {
    const marks = marksOf('x(); // fp: double-lock -- flag-guarded\n');
    const stillReported = compareMarks(marks, [{ file: 'case.rs', line: 1, rule: 'double-lock', severity: 'error' }]);
    expect(stillReported.actual).toEqual(stillReported.expected);
    const fixed = compareMarks(marks, []);
    expect(fixed.actual).not.toEqual(fixed.expected);
  });

  it('requires a known miss to stay unreported, at any severity', () => {
    const marks = marksOf('x(); // miss: double-lock -- not modelled\n');
    expect(compareMarks(marks, []).missesReported).toEqual([]);
    const found = compareMarks(marks, [{ file: 'case.rs', line: 1, rule: 'double-lock', severity: 'warn' }]);
    expect(found.missesReported).toEqual(['case.rs:1 double-lock']);
  });
});
