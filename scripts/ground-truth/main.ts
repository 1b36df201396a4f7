// `npm run ground-truth`: every Rust and TS/JS fixture case run for real (fixtures/rust/GROUND_TRUTH.md,
// fixtures/ts/GROUND_TRUTH.md), one summary line per language, each disagreement listed; exits
// non-zero on any disagreement. `--write-docs` regenerates the case tables of both GROUND_TRUTH.md,
// `--check-docs` fails when a committed table is not what the run shows.
// `--only rust|ts` runs one language. Without rustc/cargo the Rust half is skipped with a notice
// (an error when CI is set).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runRustGroundTruth } from './rust.js';
import { runTsGroundTruth } from './ts.js';
import { caseTableIsCurrent, writeCaseTable } from './tables.js';
import { disagreements, summaryLine } from './verdicts.js';

const root = join(fileURLToPath(import.meta.url), '../../../..');
const args = process.argv.slice(2);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const writeDocs = args.includes('--write-docs');
const checkDocs = args.includes('--check-docs');
const log = (line: string) => console.log(line);

function hasTool(tool: string): boolean {
  return spawnSync(tool, ['--version'], { stdio: 'ignore' }).status === 0;
}

/** `--write-docs` rewrites the table; `--check-docs` fails when it is not what this run shows. */
function recordOrCheck(file: string, cases: Parameters<typeof writeCaseTable>[1]): boolean {
  if (writeDocs) writeCaseTable(file, cases);
  else if (checkDocs && !caseTableIsCurrent(file, cases)) {
    console.log(`  STALE ${file}: its case table is not what this run shows; run \`npm run ground-truth -- --write-docs\` and review the diff`);
    return true;
  }
  return false;
}

let failed = false;
if (only === undefined || only === 'rust') {
  if (!hasTool('cargo') || !hasTool('rustc')) {
    const notice = 'Rust ground truth: SKIPPED — rustc/cargo not found (install with rustup: https://rustup.rs)';
    if (process.env.CI) {
      console.error(`${notice}; CI is set, so this is an error.`);
      failed = true;
    } else console.log(notice);
  } else {
    const started = Date.now();
    const run = await runRustGroundTruth(root, log);
    const strays = run.fixtures.flatMap((f) => f.strayMarks);
    const found = disagreements(run.cases, strays);
    for (const d of found) console.log(`  DISAGREEMENT ${d.where}: ${d.why}`);
    for (const c of run.cases.filter((c) => c.skipped !== undefined)) console.log(`  skipped ${c.file}:${c.line} ${c.name}: ${c.skipped}`);
    console.log(`${summaryLine('Rust', run.cases, found)} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    failed = recordOrCheck(join(root, 'fixtures/rust/GROUND_TRUTH.md'), run.cases) || found.length > 0 || failed;
  }
}
if (only === undefined || only === 'ts') {
  const started = Date.now();
  const run = await runTsGroundTruth(root, log);
  const found = disagreements(run.cases, []);
  for (const d of found) console.log(`  DISAGREEMENT ${d.where}: ${d.why}`);
  for (const m of run.strayMarks) console.log(`  not run ${m.file}:${m.line}: \`${m.kind}: ${m.rule}\` lies in no case (name the function shouldTrigger…/shouldNotTrigger… or give it a \`// ground-truth: run\` directive)`);
  const skipped = new Map<string, number>();
  for (const c of run.cases) if (c.skipped !== undefined) skipped.set(c.skipped, (skipped.get(c.skipped) ?? 0) + 1);
  for (const [why, n] of skipped) console.log(`  skipped ${n} case(s): ${why}`);
  console.log(`${summaryLine('TS/JS', run.cases, found)}; marks in no case (not run): ${run.strayMarks.length} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  failed = recordOrCheck(join(root, 'fixtures/ts/GROUND_TRUTH.md'), run.cases) || found.length > 0 || failed;
}
process.exitCode = failed ? 1 : 0;
