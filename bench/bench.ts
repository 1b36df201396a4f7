// `npm run bench`: lockscope beside its peers, workload by workload, in one run. Each row is a
// whole process (`lockscope check` as users run it; the peer likewise), timed by /usr/bin/time
// for wall time, CPU (user + system) and peak RSS, lockscope and peer run in turn. Workloads:
// Debian's packaged crate sources (the real corpus), and synthetic ones written to a temporary
// directory (see workloads.ts): a lock-dense crate at three sizes, a cyclic call graph at two,
// TS projects untyped and typed, one minified bundle. The floor of each Rust row is reading every
// file and parsing the files the text pre-filter selects (measure.ts); of each TS/JS row, parsing
// every file with typescript-estree.
//
// Environment: LOCKSCOPE_CORPUS (a directory of Rust sources instead of Debian's), LOCKSCOPE_BENCH_DENSE
// (sizes of the lock-dense crate, default 1000,10000,100000), LOCKSCOPE_BENCH_ONLY (a substring of
// the workload names to run), LOCKSCOPE_BENCH_RUNS (runs per command, median shown; default 1).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cyclicCrate, lockDenseCrate, minifiedBundle, tsProject } from './workloads.js';

const CORPUS = process.env.LOCKSCOPE_CORPUS ?? '/usr/share/cargo/registry';
const PACKAGES = 'librust-tokio-dev librust-parking-lot-dev librust-dashmap-dev librust-hyper-dev librust-rayon-dev librust-crossbeam-dev librust-regex-dev librust-syn-dev';
const DENSE_SIZES = (process.env.LOCKSCOPE_BENCH_DENSE ?? '1000,10000,100000').split(',').map(Number);
const ONLY = process.env.LOCKSCOPE_BENCH_ONLY;
const RUNS = Number(process.env.LOCKSCOPE_BENCH_RUNS ?? 1);
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../..');
const lockscope = join(root, 'bin/lockscope.js');
const measure = join(here, 'measure.js');
const astGrep = join(root, 'node_modules/.bin/ast-grep');
const eslintBin = join(root, 'node_modules/.bin/eslint');
const TIME = '/usr/bin/time';

interface Run {
  wall: number;
  cpu: number;
  rssMb: number;
  status: number | null;
  stdout: string;
}

const work = mkdtempSync(join(tmpdir(), 'lockscope-bench-'));

/** One whole-process run: wall time, user + system CPU and peak RSS as the kernel counted them. */
function once(command: string, args: string[], cwd: string): Run {
  const out = join(work, 'time.txt');
  const timed = existsSync(TIME);
  const started = performance.now();
  const run = timed
    ? spawnSync(TIME, ['-f', '%e %U %S %M', '-o', out, command, ...args], { cwd, encoding: 'utf8', maxBuffer: 1 << 30 })
    : spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 1 << 30 });
  const wall = (performance.now() - started) / 1000;
  if (!timed) return { wall, cpu: NaN, rssMb: NaN, status: run.status, stdout: run.stdout };
  const [, user, system, rssKb] = readFileSync(out, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  return { wall, cpu: user + system, rssMb: rssKb / 1024, status: run.status, stdout: run.stdout };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** Runs A and B in turn (A B A B …) and keeps each one's median figures and A's last output. */
function pair(a: () => Run, b: (() => Run) | undefined): { a: Run; b?: Run } {
  const as: Run[] = [];
  const bs: Run[] = [];
  for (let i = 0; i < RUNS; i++) {
    as.push(a());
    if (b) bs.push(b());
  }
  const summary = (runs: Run[]): Run => ({
    wall: median(runs.map((r) => r.wall)),
    cpu: median(runs.map((r) => r.cpu)),
    rssMb: median(runs.map((r) => r.rssMb)),
    status: runs[runs.length - 1].status,
    stdout: runs[runs.length - 1].stdout,
  });
  return { a: summary(as), b: b ? summary(bs) : undefined };
}

function findingsOf(stdout: string): string {
  try {
    const report = JSON.parse(stdout) as { diagnostics: { rule: string }[]; notes?: unknown[] };
    const byRule: Record<string, number> = {};
    for (const d of report.diagnostics) byRule[d.rule] = (byRule[d.rule] ?? 0) + 1;
    return Object.entries(byRule).map(([rule, n]) => `${rule} ${n}`).join(', ') || 'none';
  } catch {
    return 'unreadable output';
  }
}

const rows: string[][] = [];
const cell = (r: Run | undefined): string[] => (r ? [r.wall.toFixed(2), r.cpu.toFixed(2), r.rssMb.toFixed(0)] : ['', '', '']);
const ratio = (x: number | undefined, y: number | undefined): string => (x !== undefined && y !== undefined && y > 0 ? `${(x / y).toFixed(2)}×` : '');

function row(name: string, size: string, lockscopeRun: () => Run, peerName: string, peerRun: (() => Run) | undefined, floorRun?: () => Run, extra = ''): void {
  if (ONLY && !name.includes(ONLY)) return;
  process.stderr.write(`bench: ${name} ${size}…\n`);
  const { a, b } = pair(lockscopeRun, peerRun);
  const floor = floorRun?.();
  rows.push([name, size, ...cell(a), peerName, ...cell(b), ratio(a.wall, b?.wall), ratio(a.cpu, b?.cpu), floor ? `${floor.wall.toFixed(2)} s` : '', `${findingsOf(a.stdout)}${extra}`]);
}

const check = (paths: string[], cwd: string, flags: string[] = []) => (): Run =>
  once('node', [lockscope, 'check', '--format', 'json', '--fail-on', 'off', '--quiet', ...flags, ...paths], cwd);
const astGrepRule = join(work, 'rule.yml');
writeFileSync(astGrepRule, 'id: lock-call\nlanguage: rust\nseverity: info\nmessage: a lock call\nrule:\n  pattern: $X.lock()\n');
const astGrepScan = (paths: string[], cwd: string) => (): Run => once(astGrep, ['scan', '--rule', astGrepRule, '--json=compact', ...paths], cwd);
const rustFloor = (paths: string[], cwd: string) => (): Run => once('node', [measure, 'floor', ...paths], cwd);
const tsFloor = (paths: string[], cwd: string) => (): Run => once('node', [measure, 'parse-ts', ...paths], cwd);

/** ESLint with one rule and the parser settings lockscope uses (typed: the project service). */
function eslintConfig(dir: string, typed: boolean): string {
  const file = join(dir, 'eslint.peer.config.mjs');
  const parser = JSON.stringify(join(root, 'node_modules/@typescript-eslint/parser/dist/index.js'));
  const tseslint = JSON.stringify(join(root, 'node_modules/typescript-eslint/dist/index.js'));
  writeFileSync(
    file,
    `import * as parser from ${parser};\nimport tseslint from ${tseslint};\nexport default [{\n` +
      `  files: ['**/*.{ts,tsx,mts,cts,js,jsx,mjs,cjs}'],\n` +
      `  languageOptions: { parser, ecmaVersion: 'latest', sourceType: 'module', parserOptions: ${typed ? `{ projectService: true, tsconfigRootDir: ${JSON.stringify(dir)} }` : '{}'} },\n` +
      `  plugins: { '@typescript-eslint': tseslint.plugin },\n` +
      `  rules: ${typed ? "{ '@typescript-eslint/await-thenable': 'error' }" : "{ 'no-debugger': 'error' }"},\n}];\n`,
  );
  return file;
}
const eslintRun = (dir: string, typed: boolean, target: string) => {
  const config = eslintConfig(dir, typed);
  return (): Run => once(eslintBin, ['--no-config-lookup', '-c', config, '--no-ignore', target], dir);
};

// 1. The real corpus.
const crates = readFileSync(join(root, 'bench/corpus-crates.txt'), 'utf8').split('\n').filter(Boolean);
const corpusPaths = process.env.LOCKSCOPE_CORPUS ? [CORPUS] : crates.map((c) => join(CORPUS, c)).filter((p) => existsSync(p));
if (corpusPaths.length === 0) {
  console.error(`No corpus crates under ${CORPUS}; the corpus row is left out. Install them with:\n  apt-get update && apt-get install -y ${PACKAGES}\n`);
} else if (!ONLY || 'corpus'.includes(ONLY)) {
  // Warm the file cache so that the first measurement does not pay for the disk.
  once('node', [measure, 'floor', ...corpusPaths], root);
  const phases = JSON.parse(once('node', [measure, 'analyze', ...corpusPaths], root).stdout) as {
    files: number; parsedFiles: number; lines: number; bytes: number; phases: Record<string, number>;
  };
  row('corpus (Debian crates)', `${phases.files} files, ${(phases.lines / 1e6).toFixed(2)}M lines`, check(corpusPaths, root), 'ast-grep', astGrepScan(corpusPaths, root), rustFloor(corpusPaths, root),
    `; parsed ${phases.parsedFiles} files; phases ${Object.entries(phases.phases).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')} ms`);
}

// 2. Lock-dense crates: every function locks, so the pre-filter selects everything.
for (const size of DENSE_SIZES) {
  const name = 'lock-dense crate';
  if (ONLY && !name.includes(ONLY)) continue;
  const dir = join(work, `dense-${size}`);
  lockDenseCrate(dir, size);
  row(name, `${size} fns`, check(['.'], dir), 'ast-grep', astGrepScan(['.'], dir), rustFloor(['.'], dir));
  rmSync(dir, { recursive: true, force: true });
}

// 3. Cyclic call graph: one cycle through every function.
for (const size of [10000, 20000]) {
  const name = 'cyclic call graph';
  if (ONLY && !name.includes(ONLY)) continue;
  const dir = join(work, `cyclic-${size}`);
  cyclicCrate(dir, size);
  row(name, `${size} fns`, check(['.'], dir), 'ast-grep', astGrepScan(['.'], dir), rustFloor(['.'], dir));
  rmSync(dir, { recursive: true, force: true });
}

// 4. TS/JS: untyped and typed projects, ESLint with one rule and the same parser settings beside them.
for (const typed of [false, true]) {
  const name = typed ? 'TS typed (projectService)' : 'TS untyped';
  if (ONLY && !name.includes(ONLY)) continue;
  const dir = join(work, typed ? 'ts-typed' : 'ts-untyped');
  const files = typed ? 250 : 360;
  tsProject(dir, files, typed, join(root, 'node_modules'));
  const lines = readdirSync(join(dir, 'src')).reduce((sum, f) => sum + readFileSync(join(dir, 'src', f), 'utf8').split('\n').length, 0);
  row(name, `${files} files, ${(lines / 1000).toFixed(0)}k lines`, check(['src'], dir), `ESLint ${typed ? 'await-thenable' : 'no-debugger'}`, eslintRun(dir, typed, 'src'), tsFloor(['src'], dir));
}

// 5. A minified bundle: skipped with a note by default; analysed with --include-generated.
{
  const name = 'minified bundle';
  if (!ONLY || name.includes(ONLY)) {
    const dir = join(work, 'bundle');
    minifiedBundle(dir, 660);
    const size = `${(statSync(join(dir, 'bundle.js')).size / 1024).toFixed(0)} KB`;
    row(name, size, check(['bundle.js'], dir), 'ESLint no-debugger', eslintRun(dir, false, 'bundle.js'), tsFloor(['bundle.js'], dir), ' (default: skipped)');
    row(`${name}, --include-generated`, size, check(['bundle.js'], dir, ['--include-generated']), 'ESLint no-debugger', eslintRun(dir, false, 'bundle.js'), tsFloor(['bundle.js'], dir));
  }
}

rmSync(work, { recursive: true, force: true });
const header = ['workload', 'size', 'wall s', 'CPU s', 'RSS MB', 'peer', 'wall s', 'CPU s', 'RSS MB', 'wall ratio', 'CPU ratio', 'floor', 'lockscope findings'];
console.log(`lockscope benchmark — ${availableParallelism()} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} at the end, ${RUNS} run(s) per command (median)\n`);
console.log(`| ${header.join(' | ')} |`);
console.log(`|${header.map(() => '---').join('|')}|`);
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
