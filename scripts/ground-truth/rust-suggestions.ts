// The rewrites lockscope suggests, run for real: each single-file fixture with every suggestion
// applied is built and its rewritten cases run, where each must now complete. A case takes part
// when every finding marked in it carries a suggestion (a case with an unsuggested finding, or a
// known miss, still deadlocks after the rewrite, and says nothing about it).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Diagnostic, TextEdit } from '../../src/core/model.js';
import { analyzeRust } from '../../src/rust/analyze.js';
import type { RustFixture } from './rust-cases.js';

/** Where the rewritten fixtures are shown (their names in GROUND_TRUTH.md) and written. */
export const SUGGESTED_PREFIX = 'suggestions-applied/';

/** `edits` applied to `text`, last first so earlier offsets stay valid; overlapping edits are an error. */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => b.range[0] - a.range[0] || b.range[1] - a.range[1]);
  let out = text;
  let limit = Infinity;
  for (const edit of sorted) {
    if (edit.range[1] > limit) throw new Error(`overlapping suggestions at offset ${edit.range[0]}`);
    out = out.slice(0, edit.range[0]) + edit.text + out.slice(edit.range[1]);
    limit = edit.range[0];
  }
  return out;
}

/**
 * For each compiled single-file fixture with suggestions, the fixture rewritten under
 * `workDir/suggestions-applied/`, holding only the cases the rewrite must make complete.
 */
export function suggestionFixtures(fixturesDir: string, workDir: string, fixtures: readonly RustFixture[]): RustFixture[] {
  const out: RustFixture[] = [];
  for (const fixture of fixtures) {
    if (fixture.kind !== 'file' || fixture.notCompiled !== undefined) continue;
    const file = join(fixturesDir, fixture.name);
    const { diagnostics } = analyzeRust([file], { cwd: fixturesDir, rules: {} });
    const suggested = diagnostics.filter((d): d is Diagnostic & { suggestions: Diagnostic['suggestions'] & object } => (d.suggestions?.length ?? 0) > 0);
    if (suggested.length === 0) continue;
    const fixed = new Set(suggested.map((d) => `${d.span.line}|${d.rule}`));
    const cases = fixture.cases
      .filter((c) => c.skip === undefined && c.positive)
      .filter((c) => c.marks.every((m) => m.kind === 'expect' && fixed.has(`${m.line}|${m.rule}`)))
      .map((c) => ({ ...c, file: `${SUGGESTED_PREFIX}${c.file}`, marks: [], positive: false }));
    if (cases.length === 0) continue;
    const rewritten = applyEdits(readFileSync(file, 'utf8'), suggested.flatMap((d) => d.suggestions[0].edits));
    const path = join(workDir, SUGGESTED_PREFIX, fixture.name);
    mkdirSync(join(workDir, SUGGESTED_PREFIX), { recursive: true });
    writeFileSync(path, rewritten);
    out.push({ name: `${SUGGESTED_PREFIX}${fixture.name}`, kind: 'file', path, cases, strayMarks: [] });
  }
  return out;
}
