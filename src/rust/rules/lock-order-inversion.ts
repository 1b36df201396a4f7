// lock-order-inversion: two paths take the same two locks in opposite orders; two threads on
// those paths can each hold one lock and wait for the other. Also rings of three or more locks
// (`a → b`, `b → c`, `c → a` on three paths): one finding per ring, its shortest cycle. And one
// path that takes two objects' locks of one kind in the order its arguments give
// (`self.balance`, then `to.balance`): called as `a.f(&b)` and `b.f(&a)`, it inverts itself.
import { modesAlwaysConflict } from '../../core/model.js';
import type { ArgumentOrderEdge, LockOrderEdge } from '../conflicts.js';
import type { LockOrderCycle } from '../lock-order-cycles.js';
import { describeAcquisition, describeChain, describeGuard } from '../describe.js';
import type { RustFinding, RustRule } from './rule.js';
import { appendAll } from '../../core/append.js';

function compareEdges(a: LockOrderEdge, b: LockOrderEdge): number {
  const x = a.outer.acquisition.span;
  const y = b.outer.acquisition.span;
  return x.file < y.file ? -1 : x.file > y.file ? 1 : x.line - y.line || x.column - y.column;
}

/**
 * Other functions taking the same pair listed as related locations; the message counts the rest.
 * A long call cycle through a few locks makes every function on it a twin: listing them all
 * would make each finding as long as the crate.
 */
const MAX_TWINS_RELATED = 20;

/** Edges named in the message; the related spans still list every edge of the ring. */
const MAX_EDGES_IN_MESSAGE = 6;

function cycleFinding(cycle: LockOrderCycle): RustFinding {
  const { edges } = cycle;
  const first = edges[0];
  const ring = [...edges.map((e) => `\`${e.outer.acquisition.lock.display}\``), `\`${first.outer.acquisition.lock.display}\``].join(' → ');
  const paths = edges.slice(0, MAX_EDGES_IN_MESSAGE).map(
    (e) => `\`${e.facts.fn.name}\` holds ${describeAcquisition(e.outer.acquisition)} and ${describeChain(e.chain, e.inner)}`,
  );
  const more = edges.length > MAX_EDGES_IN_MESSAGE ? `; and ${edges.length - MAX_EDGES_IN_MESSAGE} more (see the related locations)` : '';
  return {
    rule: 'lock-order-inversion',
    span: first.outer.acquisition.span,
    message:
      `${describeGuard(first.outer)} starts a cycle of ${edges.length} locks, ${ring}: ${paths.join('; ')}${more}. ` +
      `${edges.length} threads on these paths can each hold one lock of the cycle and wait forever for the next. ` +
      `Fix: take these locks in one global order everywhere (then one path of the cycle must change), or do not hold one while taking the next.`,
    related: edges.flatMap((e, i) => [
      ...(i === 0 ? [] : [{ span: e.outer.acquisition.span, message: `\`${e.facts.fn.name}\` holds ${describeAcquisition(e.outer.acquisition)} here` }]),
      ...e.chain.map((s) => ({ span: s.span, message: s.note })),
      { span: e.inner.span, message: `then takes ${describeAcquisition(e.inner)} here` },
    ]),
    certain: true,
  };
}

function argumentOrderFinding(edge: ArgumentOrderEdge): RustFinding {
  return edge.pickedBy === 'indices' ? indexOrderFinding(edge) : objectOrderFinding(edge);
}

/** `self.stripes[i]`, then `self.stripes[j]`, with `i != j` but in no fixed order. */
function indexOrderFinding(edge: ArgumentOrderEdge): RustFinding {
  const [first, second] = edge.roots;
  return {
    rule: 'lock-order-inversion',
    span: edge.outer.acquisition.span,
    message:
      `${describeGuard(edge.outer)} is held while the code ${describeChain(edge.chain, edge.inner)}: two elements of one row of locks, ` +
      `picked by \`${first}\` and \`${second}\`. Which element is locked first depends on those values: one thread with ` +
      `\`${first}\` = 1, \`${second}\` = 2 and another with \`${first}\` = 2, \`${second}\` = 1 can each hold one lock and wait forever for the other. ` +
      `Fix: lock the lower index first (\`let (lo, hi) = if ${first} < ${second} { (${first}, ${second}) } else { (${second}, ${first}) };\`), or take one lock at a time.`,
    related: [{ span: edge.inner.span, message: `then takes ${describeAcquisition(edge.inner)} here: another element of the same row` }],
    certain: false,
  };
}

function objectOrderFinding(edge: ArgumentOrderEdge): RustFinding {
  const [first, second] = edge.roots;
  // One of the two is the receiver (conflicts.ts reports no other pair): `a.f(&b)` and `b.f(&a)`.
  const peer = first === 'self' ? second : first;
  const fn = edge.facts.fn.name;
  const call = (a: string, b: string): string => `\`${a}.${fn}(&${b}, …)\``;
  const oneObjectChecked = edge.outer.distinctBy?.([first, second]).some(([x, y]) => (x === first && y === second) || (x === second && y === first));
  const selfDeadlock = modesAlwaysConflict(edge.outer.acquisition.mode, edge.inner.mode) && !oneObjectChecked;
  return {
    rule: 'lock-order-inversion',
    span: edge.outer.acquisition.span,
    message:
      `${describeGuard(edge.outer)} is held while the code ${describeChain(edge.chain, edge.inner)}: the same kind of lock (\`${edge.outerClass}\`) ` +
      `of two objects, the receiver and \`${peer}\`. Which one is locked first depends on the arguments: ` +
      `${call('a', 'b')} on one thread and ${call('b', 'a')} on another can each hold one lock and wait forever for the other` +
      `${selfDeadlock ? `, and ${call('a', 'a')} deadlocks on its own` : ''}. ` +
      `Fix: lock the two in a stable order (compare a key both have, such as an id, or their addresses with \`std::ptr::addr_of!\`), or take one lock at a time.`,
    related: [
      ...edge.chain.map((s) => ({ span: s.span, message: s.note })),
      { span: edge.inner.span, message: `then takes ${describeAcquisition(edge.inner)} here: the same kind of lock, of ${second === 'self' ? 'the receiver' : `\`${second}\``}` },
    ],
    certain: false,
  };
}

/** One finding per guard: the shortest chain speaks for the rest. */
function argumentOrderFindings(edges: readonly ArgumentOrderEdge[]): RustFinding[] {
  const best = new Map<number, ArgumentOrderEdge>();
  for (const edge of edges) {
    const current = best.get(edge.outer.id);
    if (!current || edge.chain.length < current.chain.length) best.set(edge.outer.id, edge);
  }
  return [...best.values()].map(argumentOrderFinding);
}

export const lockOrderInversion: RustRule = {
  id: 'lock-order-inversion',
  check({ lockOrderEdges, argumentOrderEdges, lockOrderCycles }) {
    const byPair = new Map<string, LockOrderEdge[]>();
    for (const edge of lockOrderEdges) {
      const key = `${edge.outerClass}\u0000${edge.innerClass}`;
      const list = byPair.get(key) ?? [];
      list.push(edge);
      byPair.set(key, list);
    }
    const findings: RustFinding[] = [];
    const reported = new Set<string>();
    for (const [key, edges] of byPair) {
      const [a, b] = key.split('\u0000');
      const pairKey = a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`;
      if (reported.has(pairKey)) continue;
      const reverse = byPair.get(`${b}\u0000${a}`);
      if (!reverse) continue;
      reported.add(pairKey);
      const first = [...edges, ...reverse].sort(compareEdges)[0];
      const other = (edges.includes(first) ? reverse : edges).slice().sort(compareEdges)[0];
      // Every other function that takes the pair in either order is a path to fix too.
      const shown = new Set([first.facts.fn.key, other.facts.fn.key]);
      const twins: LockOrderEdge[] = [];
      for (const edge of [...edges, ...reverse].sort(compareEdges)) {
        if (shown.has(edge.facts.fn.key)) continue;
        shown.add(edge.facts.fn.key);
        twins.push(edge);
      }
      findings.push({
        rule: 'lock-order-inversion',
        span: first.outer.acquisition.span,
        message:
          `${describeGuard(first.outer)} is held while the code ${describeChain(first.chain, first.inner)}; ` +
          `elsewhere, \`${other.facts.fn.name}\` holds ${describeAcquisition(other.outer.acquisition)} and ${describeChain(other.chain, other.inner)}. ` +
          `Two threads on these paths can each hold one lock and wait forever for the other. ` +
          (twins.length > 0
            ? `${twins.length === 1 ? 'One more function takes' : `${twins.length} more functions take`} the same two locks (see the related locations${twins.length > MAX_TWINS_RELATED ? `, which show the first ${MAX_TWINS_RELATED}` : ''}). `
            : '') +
          `Fix: take \`${first.outer.acquisition.lock.display}\` and \`${first.inner.lock.display}\` in one global order everywhere, or do not hold one while taking the other.`,
        related: [
          ...first.chain.map((s) => ({ span: s.span, message: s.note })),
          { span: first.inner.span, message: `then takes ${describeAcquisition(first.inner)} here` },
          { span: other.outer.acquisition.span, message: `the opposite order starts here: ${describeAcquisition(other.outer.acquisition)}` },
          ...other.chain.map((s) => ({ span: s.span, message: s.note })),
          { span: other.inner.span, message: `then takes ${describeAcquisition(other.inner)} here` },
          ...twins.slice(0, MAX_TWINS_RELATED).map((t) => ({
            span: t.outer.acquisition.span,
            message: `\`${t.facts.fn.name}\` also takes ${describeAcquisition(t.outer.acquisition)} and then ${describeAcquisition(t.inner)} (${(edges.includes(t) === edges.includes(first)) ? 'the first order' : 'the opposite order'})`,
          })),
        ],
        certain: true,
      });
    }
    appendAll(findings, lockOrderCycles.map(cycleFinding));
    appendAll(findings, argumentOrderFindings(argumentOrderEdges));
    return findings;
  },
};
