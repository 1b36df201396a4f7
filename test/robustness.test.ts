// Issue 7: no input crashes, hangs or silently skips. A short seeded fuzz run (the full one is
// `npm run fuzz`), the adversarial shapes at reduced size, and three promises checked directly:
// analysed files are never written, symlinks never lead out of the given paths, and SARIF, JSON
// and Semgrep YAML stay valid whatever text the analysed code holds.
import { createHash } from 'node:crypto';
import { cpSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import Ajv04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, visit } from 'yaml';
import { main } from '../src/cli/main.js';
import type { Io } from '../src/core/io.js';
import { fixtureUnits, mutate, mutationCases } from './fuzz/mutate.js';
import { FULL_RUN, formatTable, plannedCounts, runFuzz } from './fuzz/runner.js';

const root = join(import.meta.dirname, '..');

async function lockscope(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: Io = {
    stdout: (text) => void (stdout += text.endsWith('\n') ? text : `${text}\n`),
    stderr: (text) => void (stderr += text.endsWith('\n') ? text : `${text}\n`),
    isTty: false,
    env: {},
    cwd,
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

function tempDir(): string {
  return realpathSync(mkdtempSync(join(tmpdir(), 'lockscope-robust-')));
}

function write(dir: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
}

function filesBelow(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesBelow(path));
    else out.push(path);
  }
  return out.sort();
}

describe('seeded fuzzing (short run; `npm run fuzz` is the full one)', () => {
  it('every mutated fixture and adversarial shape is analysed or noted, within its time budget', async () => {
    const report = await runFuzz({ seed: 7, plan: { perMutator: 1, truncateStride: 10 }, scale: 'short', processes: 2 });
    const table = formatTable(report);
    const failures = report.failures.map((f) => `${f.id}: ${f.reason}`).join('\n');
    expect(failures, `${table}\n\n${failures}`).toBe('');
    // Known limits are reported to the owners of the code (docs/robustness.md); show them.
    if (report.limits.length > 0) console.info(`${table}\n\nknown limits:\n${report.limits.map((f) => `${f.id}: ${f.reason.slice(0, 200)}`).join('\n')}`);
    const total = report.rows.reduce((sum, row) => sum + row.cases, 0);
    expect(total).toBeGreaterThanOrEqual(300);
    // Every planned case was run and judged once, and every failed or limited case says why (the
    // \`failures\` text above is empty also when a failure carries no reason).
    expect(total).toBe(report.planned);
    expect(report.rows.reduce((sum, row) => sum + row.failed, 0)).toBe(report.failures.length);
    expect(report.rows.reduce((sum, row) => sum + row.limited, 0)).toBe(report.limits.length);
  }, 120_000);

  // The table is the script's output, not a copy: its rows add up, it is of the default plan, and
  // it has the classes the fuzzer has now. Its counts grow with the fixtures; rerun
  // `npm run fuzz -- --write-docs` to record a newer run (the summary names its commit).
  it('docs/robustness.md holds a full run written by `npm run fuzz -- --write-docs`', () => {
    const docs = readFileSync(join(root, 'docs/robustness.md'), 'utf8');
    const block = /<!-- fuzz:full-run:begin[^>]*-->([\s\S]*?)<!-- fuzz:full-run:end -->/.exec(docs)?.[1] ?? '';
    const rows = [...block.matchAll(/^\| (?!\*\*total|class\b)([^|]+?) \| (\d+) \| (\d+) \| (\d+) \| (\d+) \| (\d+) \|/gm)].map((m) => ({ name: m[1], counts: m.slice(2, 7).map(Number) }));
    const total = /^\| \*\*total\*\* \| \*\*(\d+)\*\* \|/m.exec(block)?.[1];
    expect(rows.length, 'no generated table in docs/robustness.md: run `npm run fuzz -- --write-docs`').toBeGreaterThan(0);
    for (const { name, counts } of rows) expect(counts[1] + counts[2] + counts[3] + counts[4], name).toBe(counts[0]);
    const sum = rows.reduce((acc, row) => acc + row.counts[0], 0);
    expect(Number(total)).toBe(sum);
    expect(block).toContain(`Seed ${FULL_RUN.seed}, \`--per-mutator ${FULL_RUN.plan.perMutator}\`, full scale`);
    expect(block).toContain(`**${sum.toLocaleString('en-US')} cases in `);
    expect(rows.map((row) => row.name).sort()).toEqual([...plannedCounts({ ...FULL_RUN }).keys()].sort());
  });

  it('is reproducible: the same seed gives the same cases, byte for byte; another seed does not', () => {
    const units = fixtureUnits(root);
    const bytesOf = (seed: number): string[] =>
      mutationCases(units, seed, { perMutator: 2, truncateStride: 20 }).map((c) => {
        const unit = units.find((u) => u.name === c.unit)!;
        return `${c.id} ${createHash('sha256').update(mutate(unit.files.get(unit.target)!, c.mutator, c.seed, c.index)).digest('hex')}`;
      });
    const [a, b, other] = [bytesOf(99), bytesOf(99), bytesOf(100)];
    expect(a.length).toBeGreaterThan(300);
    expect(a).toEqual(b);
    expect(other.filter((line, i) => line !== a[i]).length).toBeGreaterThan(a.length / 2);
  });
});

// ---- lockscope never writes to analysed files ------------------------------------------------

describe('analysed files are never written', () => {
  it('leaves every byte and modification time of the analysed tree as it was, and adds no file', async () => {
    const dir = tempDir();
    cpSync(join(root, 'fixtures'), join(dir, 'fixtures'), { recursive: true });
    const snapshot = (): string[] =>
      filesBelow(dir).map((file) => {
        const stat = statSync(file);
        return `${relative(dir, file)} ${createHash('sha256').update(readFileSync(file)).digest('hex')} ${stat.mtimeMs} ${stat.size}`;
      });
    const before = snapshot();
    for (const format of ['text', 'json', 'sarif']) {
      const run = await lockscope(['check', 'fixtures', '--format', format, '--fail-on', 'off'], dir);
      expect(run.code, run.stderr).toBe(0);
    }
    expect(snapshot()).toEqual(before);
  }, 60_000);
});

// ---- symbolic links ------------------------------------------------------------------------

const POSITIVE_RUST = readFileSync(join(root, 'fixtures/rust/guard_across_branch_if_let.rs'), 'utf8');
const POSITIVE_TS = `import { Mutex } from 'async-mutex';
const mutex = new Mutex();
export async function outer(): Promise<void> {
  await mutex.runExclusive(async () => {
    await mutex.runExclusive(async () => {});
  });
}
`;

describe('symbolic links never lead out of the given paths', () => {
  it('reports nothing from a file or directory reached through a link out of the tree, and notes each link', async () => {
    const dir = tempDir();
    write(dir, {
      'tree/Cargo.toml': '[package]\nname = "tree"\nversion = "0.1.0"\nedition = "2021"\n',
      'tree/src/lib.rs': 'pub fn clean() {}\n',
      'tree/web/index.ts': 'export const clean = 1;\n',
      'outside/src/secret.rs': POSITIVE_RUST,
      'outside/web/secret.ts': POSITIVE_TS,
    });
    symlinkSync('../../outside/src/secret.rs', join(dir, 'tree/src/secret.rs'));
    symlinkSync('../../outside/web', join(dir, 'tree/web/linked'));
    symlinkSync('../outside', join(dir, 'tree/escape'));
    symlinkSync(dir, join(dir, 'tree/absolute'));
    symlinkSync('loop', join(dir, 'tree/loop'));
    const run = await lockscope(['check', 'tree', '--format', 'json'], dir);
    expect(run.code, run.stderr).toBe(0);
    const doc = JSON.parse(run.stdout) as { diagnostics: { file: string }[] };
    expect(doc.diagnostics).toEqual([]);
    for (const link of ['tree/src/secret.rs', 'tree/web/linked', 'tree/escape', 'tree/absolute', 'tree/loop']) expect(run.stderr).toContain(link);
    // The same files analysed directly do have findings: the links were refused, not empty.
    const direct = await lockscope(['check', 'outside', '--format', 'json'], dir);
    expect((JSON.parse(direct.stdout) as { diagnostics: unknown[] }).diagnostics.length).toBeGreaterThan(1);
    expect(lstatSync(join(dir, 'tree/escape')).isSymbolicLink()).toBe(true);
  }, 60_000);
});

// ---- hostile text in outputs -----------------------------------------------------------------

/** Text that breaks naive JSON, SARIF, YAML or GitHub Actions output when copied verbatim. */
const HOSTILE_NAMES = [
  `quote " and ' and \\\\ backslash`,
  'line one\\nline two\\r\\nline three',
  '${{ secrets.GITHUB_TOKEN }}',
  '&anchor *alias !!python/object:os.system [a, b] {k: v} # not a comment',
  '- item: value\\n  ? key',
  '$X $...ARGS <... $Y ...> metavariable lookalikes',
  '\\u2028\\u2029\\u0000\\u001b[31m control and separators',
  '\\u202e reversed',
  'x'.repeat(20_000),
];

function hostileTs(): string {
  const lines = ["import AsyncLock from 'async-lock';", 'const lock = new AsyncLock();', ''];
  HOSTILE_NAMES.forEach((name, i) => {
    const literal = JSON.stringify(name).replace(/\\\\/g, '\\');
    lines.push(
      `export async function web${i}(): Promise<void> {`,
      `  await navigator.locks.request(${literal}, async () => {`,
      `    await navigator.locks.request(${literal}, async () => {});`,
      '  });',
      '}',
      `export async function keyed${i}(): Promise<void> {`,
      `  await lock.acquire(${literal}, async () => {`,
      `    await lock.acquire(${literal}, async () => {});`,
      '  });',
      '}',
    );
  });
  // Identifiers are where metavariable lookalikes can reach a Semgrep pattern.
  lines.push("import { Mutex } from 'async-mutex';", 'const $X = new Mutex();', 'export async function $ARGS(): Promise<void> {', '  await $X.runExclusive(async () => { await $X.runExclusive(async () => {}); });', '}');
  return `${lines.join('\n')}\n`;
}

/** A crate whose path and names carry hostile text, with the seed incident inside it. */
const HOSTILE_CRATE_DIR = `crate "q" 'a' &anchor *alias #c \${{ github.token }} $X`;
const HOSTILE_RUST = `${POSITIVE_RUST}
pub struct X { M: std::sync::Mutex<u32> }
impl X {
    pub fn r#match(&self) { let g = self.M.lock().unwrap(); self.café(); }
    pub fn café(&self) { self.M.lock().unwrap(); }
    pub fn ${'l'.repeat(5_000)}(&self) { let g = self.M.lock().unwrap(); self.r#match(); }
}
`;

function hostileProject(): string {
  const dir = tempDir();
  write(dir, {
    'web/hostile.ts': hostileTs(),
    [`${HOSTILE_CRATE_DIR}/Cargo.toml`]: '[package]\nname = "hostile"\nversion = "0.1.0"\nedition = "2021"\n',
    [`${HOSTILE_CRATE_DIR}/src/lib.rs`]: HOSTILE_RUST,
  });
  return dir;
}

function sarifValidator(): (log: unknown) => string[] {
  const schema = JSON.parse(readFileSync(join(root, 'schemas/sarif-2.1.0-rtm.5.json'), 'utf8')) as object;
  const Ajv = (Ajv04 as unknown as { default?: typeof Ajv04 }).default ?? Ajv04;
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  ((addFormats as unknown as { default?: typeof addFormats }).default ?? addFormats)(ajv as never);
  const validate = ajv.compile(schema);
  return (log) => (validate(log) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`));
}

describe('outputs stay valid when the analysed code holds hostile text', () => {
  const dir = hostileProject();

  it('JSON: parses, and carries the Web Locks names and async-lock keys intact', async () => {
    const run = await lockscope(['check', '.', '--format', 'json'], dir);
    expect(run.code, run.stderr).toBe(1);
    const doc = JSON.parse(run.stdout) as { diagnostics: { rule: string; file: string; message: string }[] };
    const ts = doc.diagnostics.filter((d) => d.file === 'web/hostile.ts');
    expect(ts.length).toBeGreaterThanOrEqual(HOSTILE_NAMES.length * 2);
    const rust = doc.diagnostics.filter((d) => d.file.startsWith(HOSTILE_CRATE_DIR));
    expect(rust.length).toBeGreaterThan(0);
    expect(ts.some((d) => d.message.includes('${{ secrets.GITHUB_TOKEN }}'))).toBe(true);
  }, 60_000);

  it('text and GitHub annotations: no raw control, bidi or line-separator character reaches the terminal or ends a command', async () => {
    const text = await lockscope(['check', '.', '--no-color'], dir);
    expect(text.code, text.stderr).toBe(1);
    // Newlines separate the output's own lines; every other invisible character is escaped.
    expect(text.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/u);
    expect(text.stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u2028\u2029]/u);
    const github = await lockscope(['check', '.', '--format', 'github'], dir);
    expect(github.code, github.stderr).toBe(1);
    for (const line of github.stdout.trim().split('\n')) expect(line).toMatch(/^::(error|warning) file=/);
  }, 60_000);

  it('SARIF: validates against the SARIF 2.1.0 schema, with one well-formed URI per file', async () => {
    const run = await lockscope(['check', '.', '--format', 'sarif'], dir);
    expect(run.code, run.stderr).toBe(1);
    const log = JSON.parse(run.stdout) as { runs: { results: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[] }[] };
    expect(sarifValidator()(log)).toEqual([]);
    const uris = log.runs[0].results.map((r) => r.locations[0].physicalLocation.artifactLocation.uri);
    expect(uris.length).toBeGreaterThan(0);
    for (const uri of uris) {
      expect(() => new URL(uri, 'file:///root/')).not.toThrow();
      expect(uri).not.toMatch(/[\s"{}]/);
    }
    expect(uris.some((uri) => decodeURIComponent(uri).startsWith(HOSTILE_CRATE_DIR))).toBe(true);
  }, 60_000);

  it('Semgrep project pack: every YAML file parses, with no anchors or aliases taken from the code', async () => {
    const out = join(dir, 'semgrep-out');
    const run = await lockscope(['semgrep', '--project', HOSTILE_CRATE_DIR, '--out', 'semgrep-out'], dir);
    expect(run.code, run.stderr).toBe(0);
    const yamls = filesBelow(out).filter((f) => /\.ya?ml$/.test(f));
    expect(yamls.length).toBeGreaterThan(0);
    for (const file of yamls) {
      const docs = parseAllDocuments(readFileSync(file, 'utf8'), { uniqueKeys: true });
      for (const doc of docs) {
        expect(doc.errors.map((e) => e.message), file).toEqual([]);
        let aliases = 0;
        visit(doc, { Alias: () => void aliases++ });
        expect(aliases, file).toBe(0);
      }
    }
  }, 60_000);
});
