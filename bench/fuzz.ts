// `npm run fuzz`: the full robustness run. Every fixture mutated (at least 10,000 cases, seeded),
// every adversarial class at full size, each in a child process with a time limit. Prints the
// table per class and exits 1 on any failure. Replay one case: `--seed S --only <case id>`.
import { parseArgs } from 'node:util';
import { formatTable, runFuzz } from '../test/fuzz/runner.js';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '20261126' },
    'per-mutator': { type: 'string', default: '45' },
    scale: { type: 'string', default: 'full' },
    only: { type: 'string' },
    processes: { type: 'string' },
    'no-adversarial': { type: 'boolean', default: false },
    strict: { type: 'boolean', default: false },
  },
});

const seed = Number(values.seed);
const scale = values.scale === 'short' ? 'short' : 'full';
let lastPrinted = 0;
const report = await runFuzz({
  seed,
  plan: { perMutator: Number(values['per-mutator']), truncateStride: 1 },
  scale,
  only: values.only,
  adversarial: !values['no-adversarial'],
  processes: values.processes ? Number(values.processes) : undefined,
  strict: values.strict,
  onCase: (done, total) => {
    if (done - lastPrinted >= 500 || done === total) {
      lastPrinted = done;
      process.stderr.write(`fuzz: ${done}/${total} cases\n`);
    }
  },
});

console.log(`lockscope fuzz: seed ${seed}, scale ${scale}, ${(report.ms / 1000).toFixed(1)} s wall time\n`);
console.log(formatTable(report));
for (const caveat of report.caveats) console.log(`\nnote: ${caveat}`);
if (report.limits.length > 0) {
  console.log(`\n${report.limits.length} case(s) hit a known, reported limit (see docs/robustness.md):`);
  for (const f of report.limits.slice(0, 20)) console.log(`- ${f.id}: ${f.reason.slice(0, 300)}`);
}
if (report.failures.length > 0) {
  console.log(`\n${report.failures.length} failed case(s):`);
  for (const f of report.failures.slice(0, 50)) console.log(`- ${f.id} (${f.className}): ${f.reason}`);
  process.exitCode = 1;
}
