// The stable JSON contract of DESIGN.md ("version": 1). Do not add or rename fields without
// bumping the version.
import type { Diagnostic } from '../core/model.js';

export interface JsonStats {
  readonly files: number;
  readonly lines: number;
  readonly ms: number;
}

export function formatJson(diagnostics: readonly Diagnostic[], stats: JsonStats): string {
  return JSON.stringify(
    {
      version: 1,
      diagnostics: diagnostics.map((d) => ({
        rule: d.rule,
        severity: d.severity,
        file: d.span.file,
        line: d.span.line,
        column: d.span.column,
        endLine: d.span.endLine,
        endColumn: d.span.endColumn,
        message: d.message,
        related: d.related.map((r) => ({ file: r.span.file, line: r.span.line, column: r.span.column, message: r.message })),
      })),
      stats: { files: stats.files, lines: stats.lines, ms: Math.round(stats.ms) },
    },
    null,
    2,
  );
}
