// Every Rust fixture's `// expect:` annotations against what the analysis reports, both ways:
// each annotation must be reported on its line, and nothing may be reported where none is.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { discoverFiles } from '../src/core/discover.js';
import { analyzeRust } from '../src/rust/analyze.js';
import { expectationKey, readExpectations, readKnownMisses } from './support/expectations.js';

const root = join(import.meta.dirname, '..');
const fixturesDir = join(root, 'fixtures/rust');
// Every rule on, scrutinee-guard included: its fixtures annotate it where they expect it.
const allRules = { 'scrutinee-guard': 'off' } as const;

const cases = readdirSync(fixturesDir)
  .filter((name) => name.endsWith('.rs') || statSync(join(fixturesDir, name)).isDirectory())
  .sort();

describe('Rust fixtures', () => {
  it('has at least 40 annotated cases', () => {
    const annotations = cases.flatMap((name) => {
      const found = discoverFiles([join(fixturesDir, name)], root);
      return found.rust.flatMap((file) => readExpectations(file));
    });
    expect(annotations.length).toBeGreaterThanOrEqual(40);
  });

  for (const name of cases) {
    it(name, () => {
      const found = discoverFiles([join(fixturesDir, name)], root);
      const result = analyzeRust(found.rust, { cwd: root, rules: allRules });
      const expected = found.rust
        .flatMap((file) => readExpectations(file, file.slice(root.length + 1)))
        .map(expectationKey)
        .sort();
      const actual = result.diagnostics.map((d) => expectationKey({ file: d.span.file, line: d.span.line, rule: d.rule })).sort();
      expect(actual).toEqual(expected);
      // Known misses stay visible: if one starts being reported, its annotation must say so.
      const misses = found.rust.flatMap((file) => readKnownMisses(file, file.slice(root.length + 1))).map(expectationKey);
      for (const miss of misses) expect(actual).not.toContain(miss);
    });
  }
});
