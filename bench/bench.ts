// `npm run bench`: lockscope beside its peers, workload by workload, in one run. Each row is a
// whole process (`lockscope check` as users run it; the peer likewise), timed by /usr/bin/time
// for wall time, CPU (user + system) and peak RSS, lockscope and peer run in turn. Workloads:
// Debian's packaged crate sources (the real corpus), and synthetic ones written to a temporary
// directory (see workloads.ts): a lock-dense crate at three sizes, a cyclic call graph at two,
// TS projects untyped and typed, one minified bundle. The floor of each Rust row is reading every
// file and parsing the files the text pre-filter selects (measure.ts); of each TS/JS row, parsing
// every file with typescript-estree. The plan and the table's layout are in report.ts.
//
// Environment (each one reduces the plan, for development): LOCKSCOPE_CORPUS (a directory of Rust
// sources instead of Debian's), LOCKSCOPE_BENCH_DENSE (sizes of the lock-dense crate, default
// 1000,10000,100000), LOCKSCOPE_BENCH_ONLY (a substring of the workload names to run),
// LOCKSCOPE_BENCH_RUNS (runs per command, median shown; default 1).
// `--write-docs` puts the run's table into docs/evaluation.md (the full plan only), naming the
// commit and the machine's load; a test checks that the table there is such a run of this plan.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type BenchPlan, type BenchRow, FULL_PLAN, formatBlock, formatTable, plannedRows, replaceBlock, WORKLOADS, workloadsDigest } from './report.js';
import { cyclicCrate, lockDenseCrate, minifiedBundle, tsProject } from './workloads.js';

const CORPUS = process.env.LOCKSCOPE_CORPUS ?? '/usr/share/cargo/registry';
const PACKAGES = 'librust-tokio-dev librust-parking-lot-dev librust-dashmap-dev librust-hyper-dev librust-rayon-dev librust-crossbeam-dev librust-regex-dev librust-syn-dev';
const ONLY = process.env.LOCKSCOPE_BENCH_ONLY;
const RUNS = Number(process.env.LOCKSCOPE_BENCH_RUNS ?? 1);
const PLAN: BenchPlan = {
  ...FULL_PLAN,
  dense: process.env.LOCKSCOPE_BENCH_DENSE ? process.env.LOCKSCOPE_BENCH_DENSE.split(',').map(Number) : FULL_PLAN.dense,
};
const { values: options } = parseArgs({ options: { 'write-docs': { type: 'boolean', default: false } } });
const isFullPlan = !ONLY && !process.env.LOCKSCOPE_CORPUS && !process.env.LOCKSCOPE_BENCH_DENSE;
if (options['write-docs'] && !isFullPlan) {
  console.error('--write-docs records the full plan only: unset LOCKSCOPE_BENCH_ONLY, LOCKSCOPE_BENCH_DENSE and LOCKSCOPE_CORPUS.');
  process.exit(2);
}
const startedAt = performance.now();
const loadStart = loadavg();
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

const rows: BenchRow[] = [];
const figures = (r: Run): BenchRow['lockscope'] => ({ wall: r.wall, cpu: r.cpu, rssMb: r.rssMb });

function row(name: string, size: string, lockscopeRun: () => Run, peerName: string, peerRun: (() => Run) | undefined, floorRun?: () => Run, extra = ''): void {
  if (ONLY && !name.includes(ONLY)) return;
  process.stderr.write(`bench: ${name} ${size}…\n`);
  const load = loadavg()[0];
  const { a, b } = pair(lockscopeRun, peerRun);
  const floor = floorRun?.();
  rows.push({ workload: name, size, load, lockscope: figures(a), peerName, peer: b && figures(b), floorWall: floor?.wall, findings: `${findingsOf(a.stdout)}${extra}` });
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
  row(WORKLOADS.corpus, `${phases.files} files, ${(phases.lines / 1e6).toFixed(2)}M lines`, check(corpusPaths, root), 'ast-grep', astGrepScan(corpusPaths, root), rustFloor(corpusPaths, root),
    `; parsed ${phases.parsedFiles} files; phases ${Object.entries(phases.phases).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')} ms`);
}

// 2. Lock-dense crates: every function locks, so the pre-filter selects everything.
for (const size of PLAN.dense) {
  const name = WORKLOADS.dense;
  if (ONLY && !name.includes(ONLY)) continue;
  const dir = join(work, `dense-${size}`);
  lockDenseCrate(dir, size);
  row(name, `${size} fns`, check(['.'], dir), 'ast-grep', astGrepScan(['.'], dir), rustFloor(['.'], dir));
  rmSync(dir, { recursive: true, force: true });
}

// 3. Cyclic call graph: one cycle through every function.
for (const size of PLAN.cyclic) {
  const name = WORKLOADS.cyclic;
  if (ONLY && !name.includes(ONLY)) continue;
  const dir = join(work, `cyclic-${size}`);
  cyclicCrate(dir, size);
  row(name, `${size} fns`, check(['.'], dir), 'ast-grep', astGrepScan(['.'], dir), rustFloor(['.'], dir));
  rmSync(dir, { recursive: true, force: true });
}

// 4. TS/JS: untyped and typed projects, ESLint with one rule and the same parser settings beside them.
for (const typed of [false, true]) {
  const name = typed ? WORKLOADS.tsTyped : WORKLOADS.tsUntyped;
  if (ONLY && !name.includes(ONLY)) continue;
  const dir = join(work, typed ? 'ts-typed' : 'ts-untyped');
  const files = typed ? PLAN.tsTypedFiles : PLAN.tsUntypedFiles;
  tsProject(dir, files, typed, join(root, 'node_modules'));
  const lines = readdirSync(join(dir, 'src')).reduce((sum, f) => sum + readFileSync(join(dir, 'src', f), 'utf8').split('\n').length, 0);
  row(name, `${files} files, ${(lines / 1000).toFixed(0)}k lines`, check(['src'], dir), `ESLint ${typed ? 'await-thenable' : 'no-debugger'}`, eslintRun(dir, typed, 'src'), tsFloor(['src'], dir));
}

// 5. A minified bundle: skipped with a note by default; analysed with --include-generated.
{
  const name = WORKLOADS.bundle;
  if (!ONLY || name.includes(ONLY)) {
    const dir = join(work, 'bundle');
    minifiedBundle(dir, PLAN.bundleKb);
    const size = `${(statSync(join(dir, 'bundle.js')).size / 1024).toFixed(0)} KB`;
    row(name, size, check(['bundle.js'], dir), 'ESLint no-debugger', eslintRun(dir, false, 'bundle.js'), tsFloor(['bundle.js'], dir), ' (default: skipped)');
    row(WORKLOADS.bundleIncluded, size, check(['bundle.js'], dir, ['--include-generated']), 'ESLint no-debugger', eslintRun(dir, false, 'bundle.js'), tsFloor(['bundle.js'], dir));
  }
}

rmSync(work, { recursive: true, force: true });
console.log(`lockscope benchmark — ${availableParallelism()} cores, load average ${loadStart.map((l) => l.toFixed(1)).join(' ')} at the start, ${loadavg().map((l) => l.toFixed(1)).join(' ')} at the end, ${RUNS} run(s) per command (median)\n`);
console.log(formatTable(rows));
if (options['write-docs']) {
  const planned = plannedRows(FULL_PLAN).map((r) => r.workload).join(', ');
  const ran = rows.map((r) => r.workload).join(', ');
  if (planned !== ran) {
    console.error(`--write-docs: the run's rows (${ran}) are not the full plan's (${planned}); docs/evaluation.md left as it was.`);
    process.exit(1);
  }
  const docs = join(root, 'docs/evaluation.md');
  const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).stdout?.trim() || 'unknown';
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no', '--', 'src', 'bench', 'bin'], { cwd: root, encoding: 'utf8' }).stdout?.trim();
  const block = formatBlock(
    { commit: dirty ? `${commit}+changes` : commit, workloads: workloadsDigest(readFileSync(join(root, 'bench/workloads.ts'), 'utf8')), node: process.versions.node, cores: availableParallelism(), runs: RUNS, loadStart, loadEnd: loadavg(), minutes: (performance.now() - startedAt) / 60000 },
    rows,
  );
  writeFileSync(docs, replaceBlock(readFileSync(docs, 'utf8'), block));
  console.log('\nwrote docs/evaluation.md');
}
