// Issue 16 item 4: the benchmark's numbers in docs/evaluation.md are the script's output, not a
// copy. The block between the bench markers must be a full run of `npm run bench -- --write-docs`
// of this plan and these workload generators, at a committed state of the code, and its derived
// figures (ratios, growth per 1,000 functions) must follow from its own rows. The figures
// themselves are not checked against a new run: speed belongs to benchmarks, never to tests.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { denseGrowth, FULL_PLAN, formatGrowth, HEADER, parseBlock, plannedRows, printed, rowCells, WORKLOADS, workloadsDigest } from '../bench/report.js';

const root = join(import.meta.dirname, '..');
const docs = readFileSync(join(root, 'docs/evaluation.md'), 'utf8');
const block = parseBlock(docs);
const rerun = 'rerun `npm run bench -- --write-docs` on a committed tree';

describe('docs/evaluation.md holds a full run written by `npm run bench -- --write-docs`', () => {
  it('has the generated block, with the table header the script prints', () => {
    expect(block, 'docs/evaluation.md has no bench:full-run markers').toBeDefined();
    expect(block!.header).toBe(`| ${HEADER.join(' | ')} |`);
    expect(block!.rows.length, `no generated table: ${rerun}`).toBeGreaterThan(0);
  });

  it('names a committed state of the code, the current workload generators, the runs and the machine load', () => {
    const summary = /^Full plan at commit `([0-9a-f]{7,40})` \(workloads\.ts `([0-9a-f]{12})`\), Node [\d.]+, (\d+) cores, (\d+) run\(s\) per command \(median\), (\d+) min in all\. Machine load \(1, 5, 15 min averages\): ([\d.]+) ([\d.]+) ([\d.]+) at the start, ([\d.]+) ([\d.]+) ([\d.]+) at the end, ([\d.]+)–([\d.]+) at the rows' starts/.exec(block!.summary);
    expect(summary, `summary line not as the script writes it: ${block!.summary}`).not.toBeNull();
    const [, commit, digest] = summary!;
    expect(digest, `bench/workloads.ts changed since the recorded run: ${rerun}`).toBe(workloadsDigest(readFileSync(join(root, 'bench/workloads.ts'), 'utf8')));
    const loads = block!.rows.map((r) => r.load);
    expect(Number(summary![12])).toBe(Math.min(...loads));
    expect(Number(summary![13])).toBe(Math.max(...loads));
    // In a full clone the commit must exist (a shallow CI clone may not have it).
    const shallow = spawnSync('git', ['rev-parse', '--is-shallow-repository'], { cwd: root, encoding: 'utf8' });
    if (shallow.status === 0 && shallow.stdout.trim() === 'false') {
      expect(spawnSync('git', ['cat-file', '-e', `${commit}^{commit}`], { cwd: root }).status, `commit ${commit} not in this repository`).toBe(0);
    }
  });

  it('has one row per workload of the full plan, in order, with its planned size', () => {
    const planned = plannedRows(FULL_PLAN);
    expect(block!.rows.map((r) => r.workload), rerun).toEqual(planned.map((p) => p.workload));
    block!.rows.forEach((r, i) => expect(r.size.startsWith(planned[i].sizePrefix), `${r.workload}: ${r.size}`).toBe(true));
  });

  it('is internally consistent: every figure measured, ratios and growth recomputed from the printed figures', () => {
    for (const r of block!.rows) {
      const name = `${r.workload} ${r.size}`;
      expect(r.cellCount, name).toBe(HEADER.length);
      for (const f of [r.lockscope, r.peer!]) {
        expect(f, `${name}: no peer figures`).toBeDefined();
        for (const v of [f.wall, f.cpu, f.rssMb]) expect(Number.isFinite(v) && v >= 0, name).toBe(true);
        expect(f.rssMb, name).toBeGreaterThan(0);
        expect(printed(f), name).toEqual(f);
      }
      expect(r.floorWall, `${name}: no floor`).toBeGreaterThan(0);
      const cells = rowCells(r);
      expect([r.wallRatio, r.cpuRatio], name).toEqual([cells[10], cells[11]]);
    }
    expect(block!.growthLine).toBe(formatGrowth(denseGrowth(block!.rows)!));
  });

  it("holds the findings each workload plants: one double-lock per file of the lock-dense crate, the bundle skipped by default", () => {
    for (const r of block!.rows.filter((row) => row.workload === WORKLOADS.dense)) {
      expect(r.findings, r.size).toBe(`double-lock ${Number.parseInt(r.size, 10) / 100}`);
    }
    const corpus = block!.rows.find((r) => r.workload === WORKLOADS.corpus)!;
    const files = Number.parseInt(corpus.size, 10);
    const parsed = Number(/; parsed (\d+) files;/.exec(corpus.findings)?.[1]);
    expect(parsed).toBeGreaterThan(0);
    expect(parsed).toBeLessThanOrEqual(files);
    expect(block!.rows.find((r) => r.workload === WORKLOADS.bundle)!.findings).toBe('none (default: skipped)');
  });
});
