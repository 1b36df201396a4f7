// `npm run bench:eslint`: the Rust checks inside ESLint, as an editor runs them. The first lint of
// a file in a large crate pays for indexing the crate; every later lint of an edited buffer should
// cost milliseconds (goal: median under 50 ms), since only the edited file is re-indexed.
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { ESLint, type Linter } from 'eslint';
import { discoverFiles } from '../src/core/discover.js';
import plugin from '../src/plugin.js';

const CRATE = process.env.LOCKSCOPE_ESLINT_CRATE ?? '/usr/share/cargo/registry/tokio-1.24.2';
/** The file being edited, relative to the crate: one that takes locks, so its checks have work. */
const EDITED = process.env.LOCKSCOPE_ESLINT_FILE ?? 'src/sync/broadcast.rs';
const EDITS = 31;

if (!existsSync(join(CRATE, EDITED))) {
  console.error(
    `No ${EDITED} under ${CRATE}. Install the crate with:\n  apt-get update && apt-get install -y librust-tokio-dev\n` +
      `(or set LOCKSCOPE_ESLINT_CRATE to a crate directory and LOCKSCOPE_ESLINT_FILE to a file in it)`,
  );
  process.exit(2);
}

const crateFiles = discoverFiles([CRATE], CRATE).rust.length;
const edited = join(CRATE, EDITED);
const original = readFileSync(edited, 'utf8');
const lines = original.split('\n');
const recommended = plugin.configs.recommended as Linter.Config[];
const eslint = new ESLint({ cwd: CRATE, overrideConfigFile: true, overrideConfig: recommended });
// The same lint with every Rust rule off: ESLint, the tree-sitter parse and the AST mirror alone,
// so the difference is the analysis (RustWorkspace.lintFile).
const languageOnly = new ESLint({ cwd: CRATE, overrideConfigFile: true, overrideConfig: recommended.map((c) => ({ ...c, rules: {} })) });

/** Wall time, and this process's CPU time: on a loaded machine the wall time also counts waiting. */
async function lintBuffer(text: string, linter = eslint): Promise<{ ms: number; cpuMs: number; findings: number }> {
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  const [result] = await linter.lintText(text, { filePath: edited });
  const cpu = process.cpuUsage(cpuStarted);
  const fatal = result.messages.find((m) => m.fatal);
  if (fatal) throw new Error(`ESLint could not lint ${EDITED}: ${fatal.message}`);
  return { ms: performance.now() - started, cpuMs: (cpu.user + cpu.system) / 1000, findings: result.messages.length };
}

const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** A keystroke-sized edit somewhere in the middle of the file, different every time. */
function editedBuffer(i: number): string {
  const at = Math.floor((lines.length * (i + 1)) / (EDITS + 2));
  return [...lines.slice(0, at), `// edit ${i}`, ...lines.slice(at)].join('\n');
}

const first = await lintBuffer(original);
const relints: number[] = [];
const relintsCpu: number[] = [];
const languageRelints: number[] = [];
let findings = first.findings;
for (let i = 0; i < EDITS; i++) {
  const run = await lintBuffer(editedBuffer(i));
  relints.push(run.ms);
  relintsCpu.push(run.cpuMs);
  findings = run.findings;
  languageRelints.push((await lintBuffer(editedBuffer(i), languageOnly)).ms);
}
// `eslint .` over the crate with the index warm: every file's lint runs the crate's checks.
const wholeStarted = performance.now();
const whole = await eslint.lintFiles([CRATE]);
const wholeMs = performance.now() - wholeStarted;
const wholeFindings = whole.reduce((n, r) => n + r.messages.length, 0);

const sorted = [...relints].sort((a, b) => a - b);
const relintMedian = median(relints);

const row = (k: string, v: string): void => console.log(`${k.padEnd(40)} ${v}`);
console.log(`lockscope ESLint benchmark — ${CRATE} (${crateFiles} .rs files), editing ${EDITED}\n`);
row('first lint (crate indexed from cold)', `${first.ms.toFixed(0)} ms, ${first.findings} findings`);
row(`re-lint of the edited buffer (${EDITS} edits)`, `median ${relintMedian.toFixed(1)} ms, min ${sorted[0].toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(1)} ms`);
row('  CPU time of the re-lint', `median ${median(relintsCpu).toFixed(1)} ms`);
row('  of which ESLint + parse + AST (rules off)', `median ${median(languageRelints).toFixed(1)} ms`);
row('findings after the last edit', String(findings));
row('goal: median re-lint under 50 ms', relintMedian < 50 ? 'met' : 'NOT met');
row(`eslint . over all ${whole.length} files (index warm)`, `${(wholeMs / 1000).toFixed(1)} s, ${(wholeMs / whole.length).toFixed(1)} ms per file, ${wholeFindings} findings`);
row('machine load (1 min) / CPUs', `${loadavg()[0].toFixed(1)} / ${availableParallelism()}`);
