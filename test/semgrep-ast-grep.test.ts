// Runs the ast-grep twin of every lexical rule (the real engine, node_modules/.bin/ast-grep) on
// the pack's test targets and checks the `ruleid` / `ok` annotations the way `semgrep --test`
// does: findings exactly on the ruleid (and todook) lines, none elsewhere.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../src/core/package-root.js';
import { GENERIC_RULES, semgrepId } from '../src/semgrep/generic-rules.js';
import { genericPackFiles } from '../src/semgrep/pack.js';
import { annotatedLines } from './support/semgrep-annotations.js';

const root = packageRoot();
const astGrep = join(root, 'node_modules/.bin/ast-grep');

function writePack(files: Map<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'lockscope-ast-grep-'));
  for (const [path, content] of files) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

function astGrepFindings(ruleFile: string, target: string): { line: number; ruleId: string; text: string }[] {
  // ast-grep exits 1 when an error-severity rule matches; the JSON on stdout is what counts.
  const run = spawnSync(astGrep, ['scan', '-r', ruleFile, target, '--json=compact'], { encoding: 'utf8' });
  if (run.status !== 0 && run.status !== 1) throw new Error(`ast-grep failed (${run.status}): ${run.stderr}`);
  const out = run.stdout;
  return (JSON.parse(out) as { ruleId: string; text: string; range: { start: { line: number } } }[]).map((m) => ({
    line: m.range.start.line + 1,
    ruleId: m.ruleId,
    text: m.text,
  }));
}

describe('ast-grep twin of the generic pack', () => {
  const files = genericPackFiles(root, 'ast-grep');
  const dir = writePack(files);

  for (const rule of GENERIC_RULES) {
    const id = semgrepId(rule.language, rule.name);
    const ext = rule.language === 'rust' ? 'rs' : 'ts';
    it(`${id}: findings on exactly the ruleid and todook lines of ${rule.language}/${rule.name}.${ext}`, () => {
      const target = files.get(`${rule.language}/${rule.name}.${ext}`)!;
      const annotations = annotatedLines(target, id);
      const found = [...new Set(astGrepFindings(join(dir, `${rule.language}/${rule.name}.yml`), join(dir, `${rule.language}/${rule.name}.${ext}`)).map((f) => f.line))].sort((a, b) => a - b);
      const expected = [...annotations.ruleid, ...annotations.todook].sort((a, b) => a - b);
      expect(found).toEqual(expected);
    });
  }
});
