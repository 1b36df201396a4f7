// Exclusive time per phase: a nested phase pauses its parent, so phases add up to the total
// even though parsing happens lazily inside fact extraction.
export class PhaseClock<P extends string> {
  readonly totals: Record<P, number>;
  private readonly stack: { phase: P; started: number }[] = [];

  constructor(phases: readonly P[]) {
    this.totals = Object.fromEntries(phases.map((p) => [p, 0])) as Record<P, number>;
  }

  run<T>(phase: P, work: () => T): T {
    const now = performance.now();
    const parent = this.stack[this.stack.length - 1];
    if (parent) this.totals[parent.phase] += now - parent.started;
    this.stack.push({ phase, started: now });
    try {
      return work();
    } finally {
      const end = performance.now();
      const own = this.stack.pop()!;
      this.totals[phase] += end - own.started;
      const resumed = this.stack[this.stack.length - 1];
      if (resumed) resumed.started = end;
    }
  }
}

export type RustPhase = 'read' | 'parse' | 'index' | 'facts' | 'summaries' | 'checks';
export const RUST_PHASES: readonly RustPhase[] = ['read', 'parse', 'index', 'facts', 'summaries', 'checks'];
