// `npm run bench`: lockscope's Rust analysis over a real corpus (Debian's packaged crate sources),
// beside the floor of a parse-everything design (tree-sitter alone) and the peer (ast-grep
// scanning one trivial rule), all measured in the same run on the same files.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CORPUS = process.env.LOCKSCOPE_CORPUS ?? '/usr/share/cargo/registry';
const PACKAGES = 'librust-tokio-dev librust-parking-lot-dev librust-dashmap-dev librust-hyper-dev librust-rayon-dev librust-crossbeam-dev librust-regex-dev librust-syn-dev';
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../..');

if (!existsSync(CORPUS)) {
  console.error(`No corpus at ${CORPUS}. Install it with:\n  apt-get update && apt-get install -y ${PACKAGES}\n(or point LOCKSCOPE_CORPUS at a directory of Rust sources)`);
  process.exit(2);
}

function timed(command: string, args: string[]): { ms: number; stdout: string; status: number | null } {
  const started = performance.now();
  const run = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 28, cwd: root });
  return { ms: performance.now() - started, stdout: run.stdout, status: run.status };
}

// The crates those eight packages install (with their dependencies), so that the corpus stays
// the same when a machine has more of Debian's crates installed.
const crates = readFileSync(join(root, 'bench/corpus-crates.txt'), 'utf8').split('\n').filter(Boolean);
const paths = process.env.LOCKSCOPE_CORPUS ? [CORPUS] : crates.map((c) => join(CORPUS, c)).filter((p) => existsSync(p));
if (paths.length === 0) {
  console.error(`None of the corpus crates are under ${CORPUS}. Install them with:\n  apt-get update && apt-get install -y ${PACKAGES}`);
  process.exit(2);
}

const measure = join(here, 'measure.js');
// Warm the file cache so that the first measurement does not pay for the disk.
timed('node', [measure, 'parse-all', ...paths]);

const analysis = timed('node', [measure, 'analyze', ...paths]);
const a = JSON.parse(analysis.stdout) as {
  files: number; parsedFiles: number; lines: number; bytes: number; ms: number; maxRssKb: number; notes: number;
  phases: Record<string, number>; findings: Record<string, number>;
};
const parseAll = timed('node', [measure, 'parse-all', ...paths]);
const p = JSON.parse(parseAll.stdout) as { files: number; ms: number; maxRssKb: number };

const ruleDir = mkdtempSync(join(tmpdir(), 'lockscope-bench-'));
const rule = join(ruleDir, 'rule.yml');
writeFileSync(rule, 'id: lock-call\nlanguage: rust\nseverity: info\nmessage: a lock call\nrule:\n  pattern: $X.lock()\n');
const astGrepBin = join(root, 'node_modules/.bin/ast-grep');
const astGrep = timed(astGrepBin, ['scan', '--rule', rule, '--json=compact', ...paths]);
const astGrepMatches = astGrep.status === 0 || astGrep.status === 1 ? (JSON.parse(astGrep.stdout || '[]') as unknown[]).length : NaN;

const mb = a.bytes / 1e6;
const row = (k: string, v: string): void => console.log(`${k.padEnd(34)} ${v}`);
console.log(`lockscope benchmark — ${paths.length} crate directories under ${CORPUS}\n`);
row('files (.rs)', String(a.files));
row('lines', String(a.lines));
row('MB', mb.toFixed(1));
row('files parsed (pre-filter + lazy)', `${a.parsedFiles} (${((100 * a.parsedFiles) / a.files).toFixed(1)}%)`);
row('lockscope wall time (process)', `${analysis.ms.toFixed(0)} ms`);
row('lockscope analysis time', `${a.ms.toFixed(0)} ms`);
row('throughput', `${(mb / (analysis.ms / 1000)).toFixed(1)} MB/s`);
row('peak RSS', `${(a.maxRssKb / 1024).toFixed(0)} MB`);
for (const [phase, ms] of Object.entries(a.phases)) row(`  phase ${phase}`, `${ms.toFixed(0)} ms`);
row('findings', JSON.stringify(a.findings));
row('notes (unparseable parts, skipped files)', String(a.notes));
console.log('');
row('floor: tree-sitter parse of every file', `${parseAll.ms.toFixed(0)} ms (${p.files} files, peak RSS ${(p.maxRssKb / 1024).toFixed(0)} MB)`);
row('peer: ast-grep scan, one rule', `${astGrep.ms.toFixed(0)} ms (${astGrepMatches} matches of $X.lock())`);
row('lockscope / ast-grep', `${(analysis.ms / astGrep.ms).toFixed(2)}×`);
