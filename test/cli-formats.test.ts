// Each output format of `lockscope check`: text, the JSON contract ("version": 1), and SARIF
// 2.1.0, validated against the schema in schemas/.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import type * as Sarif from 'sarif';
import { describe, expect, it } from 'vitest';
import { RULES, docsUrl } from '../src/core/catalogue.js';
import { DOUBLE_LOCK_LIB, NESTED_TS, lockscope, repoRoot, rustCrate, tempProject } from './cli-support.js';

const sources: Record<string, string> = { ...rustCrate(DOUBLE_LOCK_LIB), 'web/a.ts': NESTED_TS };
const project = tempProject(sources);

function sarifValidator(): (log: unknown) => string[] {
  const schema = JSON.parse(readFileSync(join(repoRoot, 'schemas/sarif-2.1.0-rtm.5.json'), 'utf8')) as object;
  const Ajv = (Ajv04 as unknown as { default?: typeof Ajv04 }).default ?? Ajv04;
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  ((addFormats as unknown as { default?: typeof addFormats }).default ?? addFormats)(ajv as never);
  // The schema's `language` pattern is not valid with the `u` flag, hence unicodeRegExp: false.
  const validate = ajv.compile(schema);
  return (log) => (validate(log) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`));
}

describe('--format text', () => {
  it('prints each finding with a code frame, the chain, a note and a help line; the summary goes to stderr', async () => {
    const r = await lockscope(['check', 'src'], { cwd: project });
    expect(r.stdout).toContain('error[double-lock]: the lock guard of `Cache.items`');
    expect(r.stdout).toContain('--> src/lib.rs:11:21');
    expect(r.stdout).toContain('^^^^^^^^^^^^^^^^^ guard created here');
    expect(r.stdout).toContain('= src/lib.rs:13:13: calls `push`');
    expect(r.stdout).toMatch(/= help: /);
    expect(r.stderr).toMatch(/^lockscope: 1 error, 0 warnings in 2 files \(\d+ ms\) — double-lock: 1$/m);
  });
});

describe('--format text: rewrites under help, as clippy shows them', () => {
  const rewrites = tempProject({
    ...rustCrate(DOUBLE_LOCK_LIB.replace('        if guard.is_empty() {\n            self.push(x);\n        }', '        let n = guard.len() as u32;\n        self.push(x + n);')),
    'web/leak.ts': `import { Mutex } from 'async-mutex';
const mutex = new Mutex();
export async function save(job: string) {
  const release = await mutex.acquire();
  if (job === '') return;
  release();
}
`,
  });

  it('a Rust guard bound with let: `drop` before the conflicting statement, the rewritten lines numbered and marked ~', async () => {
    const r = await lockscope(['check', 'src'], { cwd: rewrites });
    expect(r.stdout).toContain('= help: Call `drop(guard)` before line 13, so the lock is free when it is taken again:');
    expect(r.stdout).toContain('13 ~         drop(guard);\n14 ~         self.push(x + n);');
  });

  it("a TS releaser skipped on a path: the rule's try/finally suggestion, rewritten", async () => {
    const r = await lockscope(['check', 'web'], { cwd: rewrites });
    expect(r.stdout).toContain('error[release-on-every-path]');
    expect(r.stdout).toMatch(/= help: .*try/);
    expect(r.stdout).toContain('5 ~   try {\n6 ~     if (job === \'\') return;\n7 ~   } finally {\n8 ~     release();\n9 ~   }');
  });

  it('none where the guard is still needed after the conflict (the shared project: the `if` reads it)', async () => {
    const r = await lockscope(['check', 'src'], { cwd: project });
    expect(r.stdout).toContain('error[double-lock]');
    expect(r.stdout).not.toContain(' ~ ');
  });
});

describe('--format json', () => {
  it('keeps the version 1 contract exactly', async () => {
    const r = await lockscope(['check', '--format', 'json'], { cwd: project });
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as { version: number; diagnostics: Record<string, unknown>[]; stats: Record<string, number> };
    expect(Object.keys(doc)).toEqual(['version', 'diagnostics', 'stats']);
    expect(doc.version).toBe(1);
    expect(Object.keys(doc.stats)).toEqual(['files', 'lines', 'ms']);
    expect(doc.stats.files).toBe(3);
    // Rust and TS/JS lines alike (`wc -l`), the Cargo.toml not counted.
    const analysed = Object.entries(sources).filter(([path]) => /\.(rs|ts)$/.test(path));
    expect(analysed).toHaveLength(3);
    expect(doc.stats.lines).toBe(analysed.reduce((n, [, text]) => n + text.split('\n').length - 1, 0));
    expect(doc.diagnostics.map((d) => `${d.rule} ${d.file}:${d.line}`)).toEqual(['double-lock src/lib.rs:11', 'no-nested-lock web/a.ts:6']);
    const first = doc.diagnostics[0];
    expect(Object.keys(first)).toEqual(['rule', 'severity', 'file', 'line', 'column', 'endLine', 'endColumn', 'message', 'related']);
    expect((first.related as unknown[])[0]).toEqual({ file: 'src/lib.rs', line: 13, column: 13, message: 'calls `push`' });
  });
});

describe('--format sarif', () => {
  const validate = sarifValidator();

  async function sarifOf(cwd: string): Promise<Sarif.Log> {
    const r = await lockscope(['check', '--format', 'sarif'], { cwd });
    expect(r.code).toBe(1);
    return JSON.parse(r.stdout) as Sarif.Log;
  }

  it('is valid SARIF 2.1.0', async () => {
    expect(validate(await sarifOf(project))).toEqual([]);
    // The validator does reject what is not SARIF.
    expect(validate({ version: '2.1.0', runs: [{ results: [] }] })).not.toEqual([]);
  });

  it('describes every rule from the catalogue, with its docs page and default level', async () => {
    const driver = (await sarifOf(project)).runs[0].tool.driver;
    expect(driver.name).toBe('lockscope');
    for (const rule of RULES) {
      const descriptor = driver.rules!.find((r) => r.id === rule.id)!;
      expect(descriptor.shortDescription!.text).toBe(rule.summary);
      // The whole first paragraph of "What it does", ending where its sentence ends.
      expect(descriptor.fullDescription!.text).toMatch(/[.:)]$/);
      expect(descriptor.fullDescription!.text.length).toBeGreaterThan(60);
      expect(descriptor.help!.markdown).toContain('## What it does');
      expect(descriptor.help!.text).not.toContain('```');
      expect(descriptor.helpUri).toBe(docsUrl(rule.id));
      expect(descriptor.defaultConfiguration!.level).toBe({ error: 'error', warn: 'warning', off: 'none' }[rule.defaultSetting]);
    }
    expect(driver.rules!.map((r) => r.id)).toEqual(expect.arrayContaining(['unused-suppression', 'suppression-without-reason']));
  });

  it('puts the result at the guard, the chain in relatedLocations and in a code flow', async () => {
    const log = await sarifOf(project);
    const result = log.runs[0].results!.find((r) => r.ruleId === 'double-lock')!;
    expect(result.level).toBe('error');
    expect(log.runs[0].tool.driver.rules![result.ruleIndex!].id).toBe('double-lock');
    expect(result.locations![0].physicalLocation).toEqual({
      artifactLocation: { uri: 'src/lib.rs', uriBaseId: '%SRCROOT%' },
      region: { startLine: 11, startColumn: 21, endLine: 11, endColumn: 38 },
    });
    const related = result.relatedLocations!.map((l) => `${l.physicalLocation!.artifactLocation!.uri}:${l.physicalLocation!.region!.startLine} ${l.message!.text}`);
    expect(related.slice(0, 2)).toEqual(['src/lib.rs:13 calls `push`', 'src/helpers.rs:5 `Cache.items` (lock, `lock()`) requested here while the guard is held']);
    const steps = result.codeFlows![0].threadFlows[0].locations.map((l) => `${l.location!.physicalLocation!.artifactLocation!.uri}:${l.location!.physicalLocation!.region!.startLine}`);
    expect(steps.slice(0, 3)).toEqual(['src/lib.rs:11', 'src/lib.rs:13', 'src/helpers.rs:5']);
    expect(log.runs[0].originalUriBaseIds!['%SRCROOT%'].uri).toMatch(/^file:\/\/.*\/$/);
  });

  it('keeps partialFingerprints when unrelated lines move the finding, and changes them when the guard line changes', async () => {
    const fingerprintIn = async (cwd: string): Promise<string> =>
      (await sarifOf(cwd)).runs[0].results!.find((r) => r.ruleId === 'double-lock')!.partialFingerprints!['lockscopeFingerprint/v1'];
    const moved = tempProject(rustCrate(DOUBLE_LOCK_LIB.replace('mod helpers;', 'mod helpers;\n\n/// Unrelated.\npub const LIMIT: usize = 3;\n')));
    const reindented = tempProject(rustCrate(DOUBLE_LOCK_LIB.replace('        let guard = self.items.lock().unwrap();', '            let guard = self.items.lock().unwrap();')));
    const changed = tempProject(rustCrate(DOUBLE_LOCK_LIB.replace('let guard = self.items.lock().unwrap();', 'let guard = self.items.lock().expect("poisoned");')));
    const original = await fingerprintIn(tempProject(rustCrate(DOUBLE_LOCK_LIB)));
    expect(original).toMatch(/^[0-9a-f]{32}$/);
    expect(await fingerprintIn(moved)).toBe(original);
    expect(await fingerprintIn(reindented)).toBe(original);
    expect(await fingerprintIn(changed)).not.toBe(original);
  });

  it('an empty run is valid SARIF too', async () => {
    const clean = tempProject({ 'src/lib.rs': 'pub fn f() {}\n' });
    const r = await lockscope(['check', '--format', 'sarif'], { cwd: clean });
    expect(r.code).toBe(0);
    const log = JSON.parse(r.stdout) as Sarif.Log;
    expect(log.runs[0].results).toEqual([]);
    expect(validate(log)).toEqual([]);
  });
});

describe('--format github', () => {
  it('prints one workflow command per finding at the guard, with the chain, escaped so it cannot end the command', async () => {
    const r = await lockscope(['check', '--format', 'github'], { cwd: join(repoRoot, 'examples/incident') });
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^::error file=src\/proxy\.rs,line=17,endLine=17,col=43,endColumn=59,title=lockscope guard-across-branch::the read guard of `Proxy\.load`/);
    expect(lines[0]).toContain('%0Asrc/load.rs:25:9: `Proxy.load` (write, `write()`) requested here while the guard is held');
  });

  it('escapes %, CR, LF in the message and : , in properties', async () => {
    const { formatGithub } = await import('../src/cli/format-github.js');
    const out = formatGithub([
      { rule: 'double-lock', severity: 'warn', span: { file: 'a:b,c.rs', line: 1, column: 2, endLine: 1, endColumn: 3 }, message: '50% \r\n::error forged', related: [] },
    ]);
    expect(out).toBe('::warning file=a%3Ab%2Cc.rs,line=1,endLine=1,col=2,endColumn=3,title=lockscope double-lock::50%25 %0D%0A::error forged');
  });
});
