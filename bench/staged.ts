// `npm run bench:staged`: how long the pre-commit hook takes on a one-file change in a real crate.
// Copies Debian's tokio sources into a temporary git repository, commits them, edits one file,
// stages it, and times `lockscope check --staged` as a hook runs it: a fresh `node` process.
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CRATE = process.env.LOCKSCOPE_STAGED_CRATE ?? '/usr/share/cargo/registry/tokio-1.24.2';
const EDITED = process.env.LOCKSCOPE_STAGED_FILE ?? 'src/sync/mutex.rs';
const RUNS = Number(process.env.LOCKSCOPE_STAGED_RUNS ?? 7);
const here = dirname(fileURLToPath(import.meta.url));
const bin = join(here, '../../bin/lockscope.js');

if (!existsSync(CRATE)) {
  console.error(`No crate at ${CRATE}. Install it with:\n  apt-get update && apt-get install -y librust-tokio-dev\n(or point LOCKSCOPE_STAGED_CRATE at a crate's sources)`);
  process.exit(2);
}

/**
 * CPU time of the waited-for children so far (Linux: cutime + cstime of /proc/self/stat, in
 * clock ticks of 10 ms), which a busy machine inflates far less than wall time; `undefined` elsewhere.
 */
function childrenCpuMs(): number | undefined {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return undefined;
  }
}

function run(command: string, args: string[], cwd: string): { ms: number; cpuMs?: number; status: number | null; stdout: string; stderr: string } {
  const started = performance.now();
  const cpuBefore = childrenCpuMs();
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 1 << 26 });
  const ms = performance.now() - started;
  const cpuAfter = childrenCpuMs();
  if (r.error) throw r.error;
  const cpuMs = cpuBefore !== undefined && cpuAfter !== undefined ? cpuAfter - cpuBefore : undefined;
  return { ms, cpuMs, status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const repo = mkdtempSync(join(tmpdir(), 'lockscope-staged-'));
try {
  cpSync(CRATE, repo, { recursive: true, dereference: true });
  const git = (...args: string[]): void => {
    const r = run('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@example.invalid', ...args], repo);
    if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${r.stderr}`);
  };
  git('init', '-q');
  git('add', '.');
  git('commit', '-q', '-m', 'crate sources');
  appendFileSync(join(repo, EDITED), '\n// an edit staged for the pre-commit hook\n');
  git('add', EDITED);

  const times: number[] = [];
  const cpu: number[] = [];
  let last = run('node', [bin, 'check', '--staged', '--format', 'json'], repo); // warms the file cache
  for (let i = 0; i < RUNS; i++) {
    last = run('node', [bin, 'check', '--staged', '--format', 'json'], repo);
    if (last.status !== 0 && last.status !== 1) throw new Error(`lockscope exited ${last.status}: ${last.stderr}`);
    times.push(last.ms);
    if (last.cpuMs !== undefined) cpu.push(last.cpuMs);
  }
  times.sort((a, b) => a - b);
  const report = JSON.parse(last.stdout) as { diagnostics: unknown[]; stats: { files: number; lines: number; ms: number } };
  console.log(`lockscope check --staged: ${EDITED} staged in ${CRATE.split('/').pop()}`);
  console.log(`  analysed ${report.stats.files} files (${report.stats.lines} lines), ${report.diagnostics.length} findings in the staged file`);
  console.log(`  wall time per run (fresh node process, ${RUNS} runs): median ${Math.round(median(times))} ms, min ${Math.round(times[0])} ms, max ${Math.round(times[times.length - 1])} ms`);
  if (cpu.length > 0) console.log(`  CPU time per run (user + system): median ${median(cpu)} ms`);
  console.log(`  analysis inside the process (stats.ms, last run): ${report.stats.ms} ms; goal: under 1000 ms wall`);
  console.log(`  machine load average (1 min) at the end: ${loadavg()[0].toFixed(2)} on ${availableParallelism()} cores`);
} finally {
  rmSync(repo, { recursive: true, force: true });
}
