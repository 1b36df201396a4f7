// The rewrites lockscope suggests, run for real: each fixture with every suggestion applied is
// built and its rewritten cases run, where each must now complete. A case takes part when every
// finding marked in it carries a suggestion (a case with an unsuggested finding, or a known miss,
// still deadlocks after the rewrite, and says nothing about it).
import { cpSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
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

function rustFilesOf(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.rs') && !f.split('/').includes('target'))
    .map((f) => join(dir, f));
}

/**
 * For each compiled fixture with suggestions, the fixture rewritten under
 * `workDir/suggestions-applied/` (a crate fixture as a crate of its own, its package renamed so it
 * can sit beside the original), holding only the cases the rewrite must make complete; where a
 * finding has two suggestions, a second copy (`suggestions-applied-2/`) takes the second one.
 */
export function suggestionFixtures(fixturesDir: string, workDir: string, fixtures: readonly RustFixture[]): RustFixture[] {
  const out: RustFixture[] = [];
  for (const fixture of fixtures) {
    if (fixture.notCompiled !== undefined || fixture.path !== undefined) continue;
    const source = join(fixturesDir, fixture.name);
    const files = fixture.kind === 'file' ? [source] : rustFilesOf(source);
    const { diagnostics } = analyzeRust(files, { cwd: fixturesDir, rules: {} });
    const suggested = diagnostics.filter((d) => (d.suggestions?.length ?? 0) > 0);
    if (suggested.length === 0) continue;
    const fixed = new Set(suggested.map((d) => `${d.span.file}|${d.span.line}|${d.rule}`));
    const cases = fixture.cases
      .filter((c) => c.skip === undefined && c.positive)
      .filter((c) => c.marks.every((m) => m.kind === 'expect' && fixed.has(`${m.file}|${m.line}|${m.rule}`)));
    if (cases.length === 0) continue;
    const choices = Math.max(...suggested.map((d) => d.suggestions!.length));
    for (let choice = 0; choice < Math.min(choices, 2); choice++) {
      const prefix = choice === 0 ? SUGGESTED_PREFIX : SUGGESTED_PREFIX.replace(/\/$/, `-${choice + 1}/`);
      const path = join(workDir, prefix, fixture.name);
      const rewrite = (shown: string): string => {
        const edits = suggested.filter((d) => d.span.file === shown).flatMap((d: Diagnostic) => d.suggestions![Math.min(choice, d.suggestions!.length - 1)].edits);
        return applyEdits(readFileSync(join(fixturesDir, shown), 'utf8'), edits);
      };
      mkdirSync(join(workDir, prefix), { recursive: true });
      let crateIdent = fixture.crateIdent;
      if (fixture.kind === 'file') writeFileSync(path, rewrite(fixture.name));
      else {
        cpSync(source, path, { recursive: true, filter: (from) => !from.split('/').includes('target') });
        for (const file of files) {
          const shown = file.slice(fixturesDir.length + 1);
          writeFileSync(join(workDir, prefix, shown), rewrite(shown));
        }
        const manifest = join(path, 'Cargo.toml');
        const suffix = `-suggested-${choice + 1}`;
        writeFileSync(manifest, readFileSync(manifest, 'utf8').replace(/^(\s*name\s*=\s*")([^"]+)"/m, `$1$2${suffix}"`));
        crateIdent = `${fixture.crateIdent}${suffix.replace(/-/g, '_')}`;
        // A workspace fixture's member crates keep their names (the root's code uses them), so the
        // copy differs from the original by version: cargo's lockfile holds one package per name
        // and version.
        for (const member of readdirSync(path, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('Cargo.toml') && f !== 'Cargo.toml' && !f.split('/').includes('target'))) {
          const memberManifest = join(path, member);
          writeFileSync(memberManifest, readFileSync(memberManifest, 'utf8').replace(/^(\s*version\s*=\s*")([^"]+)"/m, `$1$2-suggested.${choice + 1}"`));
        }
      }
      const rewritten = cases.map((c) => ({ ...c, file: `${prefix}${c.file}`, marks: [], positive: false }));
      out.push({ ...fixture, name: `${prefix}${fixture.name}`, path, crateIdent, cases: rewritten, strayMarks: [] });
    }
  }
  return out;
}
