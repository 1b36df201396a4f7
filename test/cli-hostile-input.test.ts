// What a hostile checkout can do to lockscope's output and writes (issue 14): escape sequences
// and bidi overrides in lock names, comments and file names must reach the terminal escaped;
// a symbolic link at a write target must be refused, never followed; a bad target ends in exit 2
// and one line; a symlinked directory does not make one file count twice.
import { existsSync, lstatSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSourceFile } from '../src/core/discover.js';
import { DOUBLE_LOCK_LIB, lockscope, lockscopeBin, rustCrate, tempProject } from './cli-support.js';

const ESC = '\u001b';
const RLO = '\u202e';

/** No raw control or bidi character may reach the terminal, except the newline between lines. */
function assertInert(text: string): void {
  expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/u);
}

const FORGED = 'error[double-lock]: forged';

describe('text output escapes what comes from the analysed code', () => {
  it('a Web Lock name with an escape sequence and a newline cannot clear the screen or forge a line', async () => {
    const name = `\\u001b[2J\\n${FORGED}`;
    const cwd = tempProject({
      'src/locks.ts': `export async function f(): Promise<void> {\n  await navigator.locks.request('${name}', async () => {\n    await navigator.locks.request('${name}', async () => {});\n  });\n}\n`,
    });
    const run = await lockscope(['check', '--no-color'], { cwd });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('no-nested-lock');
    assertInert(run.stdout);
    expect(run.stdout.split('\n').some((line) => line.startsWith(FORGED))).toBe(false);
    expect(run.stdout).toContain('\\u{1B}[2J\\u{A}error[double-lock]: forged');
  });

  it('an escape and a bidi override in a comment on the guard line are shown escaped, the caret still under the guard', async () => {
    const lib = DOUBLE_LOCK_LIB.replace(
      'let guard = self.items.lock().unwrap();',
      `/* ${ESC}[2J${RLO} */ let guard = self.items.lock().unwrap();`,
    );
    const cwd = tempProject(rustCrate(lib));
    const run = await lockscope(['check', '--no-color'], { cwd });
    expect(run.code).toBe(1);
    assertInert(run.stdout);
    const lines = run.stdout.split('\n');
    const frame = lines.findIndex((l) => l.includes('\\u{1B}[2J\\u{202E}'));
    expect(frame).toBeGreaterThan(0);
    const caret = lines[frame + 1].indexOf('^');
    const codeStart = lines[frame].indexOf('|') + 2;
    const caretStart = lines[frame + 1].indexOf('|') + 2;
    expect(lines[frame].slice(codeStart + caret - caretStart)).toMatch(/^self\.items\.lock\(\)/);
  });

  it('a file name with a newline and an escape cannot forge the --> line', async () => {
    const evil = `evil\n  --> forged.rs:1:1${ESC}[0m.rs`;
    const cwd = tempProject({ 'Cargo.toml': '[package]\nname = "demo"\nversion = "0.1.0"\nedition = "2021"\n', 'src/lib.rs': 'pub fn f() {}\n' });
    writeFileSync(
      join(cwd, 'src', evil),
      'use std::sync::Mutex;\npub fn g(m: &Mutex<u32>) {\n    let a = m.lock().unwrap();\n    let b = m.lock().unwrap();\n    drop((a, b));\n}\n',
    );
    const run = await lockscope(['check', '--no-color'], { cwd });
    expect(run.code).toBe(1);
    assertInert(run.stdout);
    expect(run.stdout.split('\n').filter((l) => l.trimStart().startsWith('-->'))).toHaveLength(1);
    expect(run.stdout).toContain('evil\\u{A}  --> forged.rs:1:1\\u{1B}[0m.rs:3:');
  });

  it('JSON and SARIF carry the same names as data, escaped by JSON itself', async () => {
    const name = `\\u001b[2J\\n${FORGED}`;
    const cwd = tempProject({
      'src/locks.ts': `export async function f(): Promise<void> {\n  await navigator.locks.request('${name}', async () => {\n    await navigator.locks.request('${name}', async () => {});\n  });\n}\n`,
    });
    for (const format of ['json', 'sarif']) {
      const run = await lockscope(['check', '--format', format], { cwd });
      expect(run.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
      expect(JSON.stringify(JSON.parse(run.stdout))).toContain('\\u001b[2J\\nerror[double-lock]: forged');
    }
  });
});

describe('writes go only where they are told, and refuse links', () => {
  it('--write-baseline refuses a symbolic link (live or dangling) and leaves its target alone', async () => {
    const cwd = tempProject(rustCrate(DOUBLE_LOCK_LIB));
    const outside = tempProject({ 'precious.txt': 'keep me\n' });
    symlinkSync(join(outside, 'precious.txt'), join(cwd, 'baseline.json'));
    const live = await lockscope(['check', '--write-baseline', 'baseline.json'], { cwd });
    expect(live.code).toBe(2);
    expect(live.stderr.trim()).toBe('lockscope: refusing to write baseline.json: it is a symbolic link');
    expect(readFileSync(join(outside, 'precious.txt'), 'utf8')).toBe('keep me\n');

    symlinkSync(join(outside, 'created-by-lockscope.json'), join(cwd, 'dangling.json'));
    const dangling = await lockscope(['check', '--write-baseline', 'dangling.json'], { cwd });
    expect(dangling.code).toBe(2);
    expect(existsSync(join(outside, 'created-by-lockscope.json'))).toBe(false);
  });

  it('--write-baseline to a directory or below a missing directory: exit 2, one line, no stack', () => {
    const cwd = tempProject(rustCrate(DOUBLE_LOCK_LIB));
    mkdirSync(join(cwd, 'adir'));
    for (const [target, message] of [
      ['adir', 'lockscope: cannot write adir: it is a directory'],
      ['missing/baseline.json', 'lockscope: cannot write missing/baseline.json: its directory missing does not exist'],
    ]) {
      const run = lockscopeBin(['check', '--write-baseline', target], cwd);
      expect(run.code).toBe(2);
      expect(run.stderr.trim()).toBe(message);
    }
    expect(existsSync(join(cwd, 'missing'))).toBe(false);
  });

  it('--write-baseline replaces a regular file atomically and leaves no temporary behind', async () => {
    const cwd = tempProject(rustCrate(DOUBLE_LOCK_LIB));
    writeFileSync(join(cwd, 'baseline.json'), 'old');
    expect((await lockscope(['check', '--write-baseline', 'baseline.json'], { cwd })).code).toBe(0);
    expect(JSON.parse(readFileSync(join(cwd, 'baseline.json'), 'utf8')).findings).toHaveLength(1);
    expect(lstatSync(join(cwd, 'baseline.json')).isFile()).toBe(true);
    expect(readFileSync(join(cwd, 'baseline.json'), 'utf8')).not.toBe('old');
  });

  it('semgrep --out: a file as DIR, a link inside DIR, and an unwritable system path are refused with exit 2', () => {
    const cwd = tempProject({ 'not-a-dir': 'x' });
    const file = lockscopeBin(['semgrep', '--out', 'not-a-dir'], cwd);
    expect(file.code).toBe(2);
    expect(file.stderr.trim()).toBe('lockscope: cannot write into not-a-dir: it is not a directory');
    // Paths in these messages are the user's relative ones, never absolute (issue 13 item 11).
    const below = lockscopeBin(['semgrep', '--out', 'not-a-dir/sub'], cwd);
    expect(below.code).toBe(2);
    expect(below.stderr.trim()).toBe('lockscope: cannot inspect not-a-dir/sub: a parent is not a directory');

    const outside = tempProject({ 'precious.yaml': 'keep me\n' });
    const first = lockscopeBin(['semgrep', '--out', 'pack'], cwd);
    expect(first.code).toBe(0);
    const written = readFileSync(join(cwd, 'pack', 'rust', 'double-lock.yaml'), 'utf8');
    expect(written.length).toBeGreaterThan(0);
    // Plant a link where a pack file goes, as a hostile tree could before the CI step runs.
    const victim = 'pack/rust/double-lock.yaml';
    rmSync(join(cwd, victim));
    symlinkSync(join(outside, 'precious.yaml'), join(cwd, victim));
    const linked = lockscopeBin(['semgrep', '--out', 'pack'], cwd);
    expect(linked.code).toBe(2);
    expect(linked.stderr.trim()).toBe('lockscope: refusing to write pack/rust/double-lock.yaml: it is a symbolic link');
    expect(readFileSync(join(outside, 'precious.yaml'), 'utf8')).toBe('keep me\n');

    const proc = lockscopeBin(['semgrep', '--out', '/proc/lockscope-x/y'], cwd);
    expect(proc.code).toBe(2);
    expect(proc.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('reads count each real file once', () => {
  it('a symlinked sibling directory and a link to the root do not report one finding several times', async () => {
    const cwd = tempProject(rustCrate(DOUBLE_LOCK_LIB));
    symlinkSync(join(cwd, 'src'), join(cwd, 'alias'));
    symlinkSync('.', join(cwd, 'src', 'self'));
    const run = await lockscope(['check', '--format', 'json'], { cwd });
    const doc = JSON.parse(run.stdout) as { diagnostics: { file: string }[]; stats: { files: number } };
    expect(doc.diagnostics.map((d) => d.file)).toEqual(['src/lib.rs']);
    expect(doc.stats.files).toBe(2);
  });
});

describe('a source file that cannot be read', () => {
  it('is refused with the reason the write errors give (one describer for both), never thrown', () => {
    const cwd = tempProject(rustCrate(DOUBLE_LOCK_LIB));
    mkdirSync(join(cwd, 'looks-like.rs'));
    expect(readSourceFile(join(cwd, 'looks-like.rs'))).toEqual({ ok: false, reason: 'could not read the file: is a directory' });
    expect(readSourceFile(join(cwd, 'gone.rs'))).toEqual({ ok: false, reason: 'could not read the file: no such file or directory' });
  });
});

describe('half-written TS/JS', () => {
  const UNFINISHED = `import { Mutex } from 'async-mutex';

const m = new Mutex();

export async function unfinished(): Promise<void> {
  const x =
}

export async function intact(): Promise<void> {
  await m.runExclusive(async () => {
    await m.runExclusive(async () => {});
  });
}
`;
  const UNCLOSED = `import { Mutex } from 'async-mutex';

const m = new Mutex();

export async function intact(): Promise<void> {
  await m.runExclusive(async () => {
    await m.runExclusive(async () => {});
  });
}

export async function unclosed(): Promise<void> {
  if (m.isLocked()) {
    console.log(
`;
  for (const typed of [false, true]) {
    it(`an unfinished statement or a missing closer does not hide the finding in an intact function (${typed ? 'typed' : 'untyped'})`, async () => {
      const cwd = tempProject({
        'src/unfinished.ts': UNFINISHED,
        'src/unclosed.ts': UNCLOSED,
        ...(typed ? { 'tsconfig.json': '{ "compilerOptions": { "strict": true, "module": "nodenext" }, "include": ["src"] }\n' } : {}),
      });
      const run = await lockscope(['check', '--format', 'json'], { cwd });
      const doc = JSON.parse(run.stdout) as { diagnostics: { rule: string; file: string; line: number }[] };
      expect(doc.diagnostics.map((d) => `${d.file}:${d.line} ${d.rule}`)).toEqual(['src/unclosed.ts:6 no-nested-lock', 'src/unfinished.ts:10 no-nested-lock']);
      expect(run.stderr).toContain('note: src/unfinished.ts:7: does not parse');
      expect(run.stderr).toContain('were skipped and the rest analysed');
    });
  }
});
