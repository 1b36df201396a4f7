// A one-line progress indicator on stderr for long runs: shown only on a terminal, only once a
// run has taken longer than a moment, and erased before anything else is printed.
import type { ProgressWriter } from '../core/io.js';

const SHOW_AFTER_MS = 400;
const REFRESH_MS = 250;

export class Progress {
  private label = '';
  private shown = false;
  private readonly started = performance.now();
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(private readonly write: ProgressWriter | undefined) {
    if (write) {
      this.timer = setInterval(() => this.render(), REFRESH_MS);
      this.timer.unref();
    }
  }

  /**
   * What the run is doing now, e.g. `Rust: analysing 712 files`. `expectLong` shows it at once:
   * a single crate is analysed synchronously, so no timer could show it later.
   */
  phase(label: string, expectLong = false): void {
    this.label = label;
    this.render(expectLong);
  }

  /** Erases the line and stops refreshing it. */
  done(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.shown) this.write?.(undefined);
    this.shown = false;
  }

  private render(force = false): void {
    const elapsed = performance.now() - this.started;
    if (!this.write || (elapsed < SHOW_AFTER_MS && !force)) return;
    this.shown = true;
    this.write(`lockscope: ${this.label} (${(elapsed / 1000).toFixed(1)} s)`);
  }
}
