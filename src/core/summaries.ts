// Lock summaries over a call graph, computed to a fixpoint: which locks a function may take
// (directly or through calls), each with one shortest witness chain. Front-end neutral: the Rust
// and TS/JS front ends both describe their functions as `SummaryNode`s.
import type { Acquisition, ReachedAcquisition, WitnessStep } from './model.js';

export interface SummaryEdge<K> {
  readonly callee: K;
  /** The call, as the first step of every chain that goes through it. */
  readonly step: WitnessStep;
  /**
   * Rewrites one of the callee's acquisitions into the caller's terms (a lock passed as a
   * parameter becomes the argument's lock); `undefined` drops it (the argument is not a known lock).
   */
  readonly translate?: (acquisition: Acquisition) => Acquisition | undefined;
}

export interface SummaryNode<K> {
  /** Acquisitions the function makes itself, in its own flow. */
  readonly direct: readonly Acquisition[];
  /** Calls whose callee runs in the function's flow. */
  readonly edges: readonly SummaryEdge<K>[];
}

/** What one function may take, keyed by `reachedKey`. */
export type LockSummary = ReadonlyMap<string, ReachedAcquisition>;

const EMPTY_SUMMARY: LockSummary = new Map();

/** Two reached acquisitions with one key are interchangeable for every check. */
export function reachedKey(acquisition: Acquisition): string {
  return `${acquisition.lock.key}\u0000${acquisition.mode}\u0000${acquisition.blocking ? 'b' : 'n'}${acquisition.whenFree ? 'f' : ''}${acquisition.requires ? JSON.stringify(acquisition.requires) : ''}`;
}

/** Chains longer than this are not worth a message and would only slow the fixpoint. */
const MAX_CHAIN = 24;

/**
 * Computes the summaries of `nodes`. Callees outside `nodes` are read from `known` (summaries
 * computed earlier, e.g. for another file); unknown callees take no locks.
 */
export function computeLockSummaries<K>(
  nodes: ReadonlyMap<K, SummaryNode<K>>,
  known: (callee: K) => LockSummary | undefined = () => undefined,
): Map<K, LockSummary> {
  const summaries = new Map<K, Map<string, ReachedAcquisition>>();
  for (const [key, node] of nodes) {
    const summary = new Map<string, ReachedAcquisition>();
    for (const acquisition of node.direct) {
      const id = reachedKey(acquisition);
      if (!summary.has(id)) summary.set(id, { acquisition, chain: [] });
    }
    summaries.set(key, summary);
  }
  let changed = true;
  while (changed) {
    changed = false;
    for (const [key, node] of nodes) {
      const summary = summaries.get(key)!;
      for (const edge of node.edges) {
        const calleeSummary = summaries.get(edge.callee) ?? known(edge.callee) ?? EMPTY_SUMMARY;
        for (const reached of calleeSummary.values()) {
          if (reached.chain.length + 1 > MAX_CHAIN) continue;
          const acquisition = edge.translate ? edge.translate(reached.acquisition) : reached.acquisition;
          if (!acquisition) continue;
          const id = reachedKey(acquisition);
          const current = summary.get(id);
          if (current && current.chain.length <= reached.chain.length + 1) continue;
          summary.set(id, { acquisition, chain: [edge.step, ...reached.chain] });
          changed = true;
        }
      }
    }
  }
  return summaries;
}
