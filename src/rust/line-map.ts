// Offsets to 1-based lines and columns, for spans and positions.
import type { SourceSpan } from '../core/model.js';

/** Maps string offsets of one file to 1-based lines and columns. */
export class LineMap {
  private readonly starts: number[] = [0];

  constructor(text: string) {
    for (let i = 0; i < text.length; i++) {
      if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
    }
  }

  position(offset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.starts[lo] + 1 };
  }

  /** The offset of a 1-based line and column: the inverse of `position`. */
  offset(line: number, column: number): number {
    return (this.starts[line - 1] ?? this.starts[this.starts.length - 1]) + column - 1;
  }

  span(file: string, start: number, end: number): SourceSpan {
    const a = this.position(start);
    const b = this.position(end);
    return { file, line: a.line, column: a.column, endLine: b.line, endColumn: b.column };
  }

  get lineCount(): number {
    return this.starts.length;
  }
}
