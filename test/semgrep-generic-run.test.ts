// Semgrep itself on the generic pack: `semgrep --test semgrep/` passes every target (each
// `ruleid:` line matched, each `ok:` line not), so the rules mean to Semgrep what the schema and
// the ast-grep twin say they mean.
import { expect, it } from 'vitest';
import { join } from 'node:path';
import { packageRoot } from '../src/core/package-root.js';
import { describeWithSemgrep, semgrepTest } from './support/semgrep-tool.js';

describeWithSemgrep('semgrep --test over the generic pack (semgrep/)', () => {
  it('passes every test target', { timeout: 600_000 }, () => {
    const result = semgrepTest(join(packageRoot(), 'semgrep'));
    console.log(`semgrep --test semgrep/: ${result.summary}`);
    expect(result.passed, result.output).toBe(true);
    expect(result.summary).toMatch(/All tests passed/);
  });
});
