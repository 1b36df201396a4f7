// The side channel from the ESLint rules to `checkTsFiles`: ESLint messages carry only text, so
// each report also records its related locations here, keyed by file, rule, position and text.
import type { RelatedLocation, SourceSpan } from '../core/model.js';

const relatedByFile = new Map<string, Map<string, readonly RelatedLocation[]>>();

function reportKey(rule: string, line: number, column: number, message: string): string {
  return `${rule}\u0000${line}:${column}\u0000${message}`;
}

/** Forget a file's earlier reports: it is being analysed again. */
export function forgetReports(file: string): void {
  relatedByFile.delete(file);
}

export function recordReport(rule: string, span: SourceSpan, message: string, related: readonly RelatedLocation[]): void {
  let reports = relatedByFile.get(span.file);
  if (!reports) relatedByFile.set(span.file, (reports = new Map()));
  reports.set(reportKey(rule, span.line, span.column, message), related);
}

export function relatedOfReport(file: string, rule: string, line: number, column: number, message: string): readonly RelatedLocation[] {
  return relatedByFile.get(file)?.get(reportKey(rule, line, column, message)) ?? [];
}
