// Lock-order cycles of three or more locks: the graph algorithms, and the finding count staying
// one per ring however many paths and locks a cyclic crate has.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { shortestCycleThrough, stronglyConnectedComponents } from '../src/core/graph.js';
import { analyzeRust } from '../src/rust/analyze.js';

describe('graph', () => {
  const graph: number[][] = [[1], [2], [0, 3], [4], [3], []];
  const next = (n: number) => graph[n];

  it('finds strongly connected components', () => {
    const components = stronglyConnectedComponents(graph.length, next).map((c) => [...c].sort());
    expect(components.sort()).toEqual([[0, 1, 2], [3, 4], [5]]);
  });

  it('finds a shortest cycle through a node, inside its component only', () => {
    expect(shortestCycleThrough(0, new Set([0, 1, 2]), next)).toEqual([0, 1, 2]);
    expect(shortestCycleThrough(3, new Set([3, 4]), next)).toEqual([3, 4]);
    expect(shortestCycleThrough(5, new Set([5]), next)).toBeUndefined();
  });

  it('walks a long chain without recursion', () => {
    const n = 100_000;
    const chain = (i: number) => [(i + 1) % n];
    expect(stronglyConnectedComponents(n, chain)).toHaveLength(1);
  });
});

/** A crate whose struct has `n` mutexes; function `f{i}` holds lock i while taking each of `targets(i)`. */
function crateWith(n: number, targets: (i: number) => number[], pathsPerEdge = 1): string {
  const fields = Array.from({ length: n }, (_, i) => `    m${i}: Mutex<u32>,`).join('\n');
  const fns: string[] = [];
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < pathsPerEdge; p++) {
      const inner = targets(i).map((t) => `        *self.m${t}.lock().unwrap() += 1;`).join('\n');
      fns.push(`    fn f${i}_${p}(&self) {\n        let g = self.m${i}.lock().unwrap();\n${inner}\n        drop(g);\n    }`);
    }
  }
  return `use std::sync::Mutex;\n\nstruct S {\n${fields}\n}\n\nimpl S {\n${fns.join('\n\n')}\n}\n`;
}

function findings(source: string): { line: number; message: string }[] {
  const dir = mkdtempSync(join(tmpdir(), 'lockscope-cycles-'));
  try {
    const file = join(dir, 'lib.rs');
    writeFileSync(file, source);
    return analyzeRust([file], { cwd: dir, rules: {} })
      .diagnostics.filter((d) => d.rule === 'lock-order-inversion')
      .map((d) => ({ line: d.span.line, message: d.message }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('lock-order cycles', () => {
  it('reports a ring of 40 locks once, naming six edges and counting the rest', () => {
    const found = findings(crateWith(40, (i) => [(i + 1) % 40], 3));
    expect(found).toHaveLength(1);
    expect(found[0].message).toContain('a cycle of 40 locks');
    expect(found[0].message).toContain('and 34 more');
  });

  it('reports nothing for a crate whose locks all follow one order, however dense', () => {
    expect(findings(crateWith(30, (i) => Array.from({ length: 30 - i - 1 }, (_, k) => i + k + 1)))).toEqual([]);
  });

  it('reports two rings in two components, and leaves a component with an inverted pair to the pair finding', () => {
    // ring 0 → 1 → 2 → 0; ring 3 → 4 → 5 → 6 → 3; pair 7 ⇄ 8 (with 8 → 9 → 7 as well).
    const edges: Record<number, number[]> = { 0: [1], 1: [2], 2: [0], 3: [4], 4: [5], 5: [6], 6: [3], 7: [8], 8: [7, 9], 9: [7] };
    const found = findings(crateWith(10, (i) => edges[i]));
    expect(found.filter((f) => f.message.includes('a cycle of 3 locks'))).toHaveLength(1);
    expect(found.filter((f) => f.message.includes('a cycle of 4 locks'))).toHaveLength(1);
    expect(found.filter((f) => f.message.includes('in opposite orders') || f.message.includes('elsewhere'))).toHaveLength(1);
    expect(found).toHaveLength(3);
  });
});
