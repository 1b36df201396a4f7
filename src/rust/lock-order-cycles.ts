// Cycles of three or more locks in the lock-order graph (`mu → rw1 → rw2 → mu`, each edge taken
// by another path): as many threads, each holding one lock of the ring and waiting for the next,
// deadlock although no two paths invert a pair. Two-lock cycles are the pairs the
// lock-order-inversion rule already compares.
import { conflicts } from '../core/model.js';
import { shortestCycleThrough, stronglyConnectedComponents } from '../core/graph.js';
import type { LockOrderEdge } from './conflicts.js';

export interface LockOrderCycle {
  /** In ring order: each edge's inner lock is the next edge's outer lock; the first edge is the
   *  one whose outer guard comes first in the source. */
  readonly edges: readonly LockOrderEdge[];
}

/** Breadth-first searches per component: enough for a shortest cycle in any real crate's graph. */
const MAX_STARTS_PER_COMPONENT = 64;

function spanOrder(a: LockOrderEdge, b: LockOrderEdge): number {
  const x = a.outer.acquisition.span;
  const y = b.outer.acquisition.span;
  return x.file < y.file ? -1 : x.file > y.file ? 1 : x.line - y.line || x.column - y.column || a.chain.length - b.chain.length;
}

/**
 * One edge per (outer lock, mode, inner lock, mode), the first in the source: the graph has at most
 * that many nodes however many paths repeat the same order.
 */
function distinctEdges(edges: readonly LockOrderEdge[]): LockOrderEdge[] {
  const byKey = new Map<string, LockOrderEdge>();
  for (const edge of [...edges].sort(spanOrder)) {
    const key = `${edge.outerClass}|${edge.outer.acquisition.mode}|${edge.innerClass}|${edge.inner.mode}`;
    if (!byKey.has(key)) byKey.set(key, edge);
  }
  return [...byKey.values()];
}

/**
 * The shortest cycle of each strongly connected component of the order graph, when it has three
 * or more locks. The graph's nodes are edges: `e → f` when `f` holds the lock `e` asks for, in a
 * mode `e`'s request must wait for (a read asked while another path holds a read passes, unless
 * the lock is fair). A component whose shortest cycle is a pair is left to the pair comparison.
 */
export function findLockOrderCycles(edges: readonly LockOrderEdge[]): LockOrderCycle[] {
  const nodes = distinctEdges(edges);
  const byOuterLock = new Map<string, number[]>();
  nodes.forEach((edge, i) => {
    const list = byOuterLock.get(edge.outerClass) ?? [];
    list.push(i);
    byOuterLock.set(edge.outerClass, list);
  });
  const successors = nodes.map((edge) =>
    // The same kind of lock (`lockClass`), whichever name each path gives it: only the modes decide.
    (byOuterLock.get(edge.innerClass) ?? []).filter((j) => conflicts({ ...nodes[j].outer.acquisition, lock: edge.inner.lock }, edge.inner)),
  );
  const next = (i: number) => successors[i];
  const cycles: LockOrderCycle[] = [];
  for (const component of stronglyConnectedComponents(nodes.length, next)) {
    if (component.length < 2) continue;
    const members = new Set(component);
    let shortest: number[] | undefined;
    for (const start of [...component].sort((a, b) => spanOrder(nodes[a], nodes[b])).slice(0, MAX_STARTS_PER_COMPONENT)) {
      const cycle = shortestCycleThrough(start, members, next);
      if (cycle && (!shortest || cycle.length < shortest.length)) shortest = cycle;
    }
    if (!shortest || shortest.length < 3) continue;
    const locks = new Set(shortest.map((i) => nodes[i].outerClass));
    if (locks.size !== shortest.length) continue;
    const first = shortest.indexOf(shortest.reduce((a, b) => (spanOrder(nodes[a], nodes[b]) <= 0 ? a : b)));
    const ring = [...shortest.slice(first), ...shortest.slice(0, first)];
    cycles.push({ edges: ring.map((i) => nodes[i]) });
  }
  return cycles.sort((a, b) => spanOrder(a.edges[0], b.edges[0]));
}
