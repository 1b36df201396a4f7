// `npm run bench:eslint`: the Rust checks inside ESLint, as an editor runs them. The first lint of
// a file in a large crate pays for indexing the crate; every later lint of an edited buffer should
// cost milliseconds (goal: median under 50 ms), since only the edited file is re-indexed. First, the
// cost of importing the plugin, which every ESLint start pays in every project (goal: under 10% of
// ESLint's own start-up): TypeScript and tree-sitter load only when a file of their language is linted.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint, type Linter } from 'eslint';
import { discoverFiles } from '../src/core/discover.js';
import plugin from '../src/plugin.js';

const IMPORT_RUNS = 9;
const ESLINT_BIN = fileURLToPath(import.meta.resolve('eslint').replace(/\/lib\/api\.js$/, '/bin/eslint.js'));
const PLUGIN_ENTRY = new URL('../src/index.js', import.meta.url).href;

/** Wall time of `eslint a.js` in a fresh process, in a project whose config is `config`. */
function eslintRun(config: string): number {
  const project = mkdtempSync(join(tmpdir(), 'lockscope-bench-'));
  writeFileSync(join(project, 'eslint.config.mjs'), config);
  writeFileSync(join(project, 'a.js'), 'export const x = 1;\n');
  const started = performance.now();
  execFileSync(process.execPath, [ESLINT_BIN, 'a.js'], { cwd: project });
  const ms = performance.now() - started;
  rmSync(project, { recursive: true });
  return ms;
}

/** The plugin's import alone, timed inside a fresh process that has already loaded ESLint. */
const IMPORT_PROBE = `
  await import('eslint');
  const started = performance.now();
  await import(process.argv[1]);
  console.log(performance.now() - started);`;

const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const row = (k: string, v: string): void => console.log(`${k.padEnd(40)} ${v}`);

// Alternated, so a change in the machine's load falls on both.
const bare: number[] = [];
const importing: number[] = [];
const imports: number[] = [];
for (let i = 0; i < IMPORT_RUNS; i++) {
  bare.push(eslintRun('export default [{}];\n'));
  importing.push(eslintRun(`import lockscope from '${PLUGIN_ENTRY}';\nexport default [{}];\n`));
  imports.push(Number(execFileSync(process.execPath, ['--input-type=module', '-e', IMPORT_PROBE, PLUGIN_ENTRY], { cwd: dirname(ESLINT_BIN), encoding: 'utf8' })));
}
const startup = median(bare);
const pluginImport = median(imports);
const share = (100 * pluginImport) / startup;
console.log(`lockscope plugin import (medians of ${IMPORT_RUNS} fresh processes)\n`);
row('ESLint start-up: `eslint a.js`, no plugin', `${startup.toFixed(0)} ms`);
row('the same, config imports lockscope', `${median(importing).toFixed(0)} ms`);
row('plugin import (timed in-process)', `${pluginImport.toFixed(0)} ms, ${share.toFixed(1)}% of ESLint's start-up`);
row('goal: plugin import under 10%', share < 10 ? 'met' : 'NOT met');
row('machine load (1 min) / CPUs', `${loadavg()[0].toFixed(1)} / ${availableParallelism()}`);
console.log('');

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

console.log(`lockscope ESLint benchmark — ${CRATE} (${crateFiles} .rs files), editing ${EDITED}\n`);
row('first lint (crate indexed from cold)', `${first.ms.toFixed(0)} ms, ${first.findings} findings`);
row(`re-lint of the edited buffer (${EDITS} edits)`, `median ${relintMedian.toFixed(1)} ms, min ${sorted[0].toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(1)} ms`);
row('  CPU time of the re-lint', `median ${median(relintsCpu).toFixed(1)} ms`);
row('  of which ESLint + parse + AST (rules off)', `median ${median(languageRelints).toFixed(1)} ms`);
row('findings after the last edit', String(findings));
row('goal: median re-lint under 50 ms', relintMedian < 50 ? 'met' : 'NOT met');
row(`eslint . over all ${whole.length} files (index warm)`, `${(wholeMs / 1000).toFixed(1)} s, ${(wholeMs / whole.length).toFixed(1)} ms per file, ${wholeFindings} findings`);
row('machine load (1 min) / CPUs', `${loadavg()[0].toFixed(1)} / ${availableParallelism()}`);
