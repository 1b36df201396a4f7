// The side channel from the ESLint rules to `checkTsFiles`: ESLint messages carry only text, so
// each report also records its related locations and its bare description (ESLint's text names the
// related locations too) here, keyed by file, rule, position and ESLint's text.
import type { RelatedLocation, SourceSpan } from '../core/model.js';

/** What a report says beyond its text: related locations, and whether it is capped at a warning. */
export interface ReportDetails {
  /** The message without the related locations that ESLint's text appends. */
  readonly description: string;
  readonly related: readonly RelatedLocation[];
  /** The lock was recognised by its shape or by configuration, not by a known library. */
  readonly lowConfidence: boolean;
}

const relatedByFile = new Map<string, Map<string, ReportDetails>>();

function reportKey(rule: string, line: number, column: number, message: string): string {
  return `${rule}\u0000${line}:${column}\u0000${message}`;
}

/** Forget a file's earlier reports: it is being analysed again. */
export function forgetReports(file: string): void {
  relatedByFile.delete(file);
}

export function recordReport(rule: string, span: SourceSpan, eslintMessage: string, details: ReportDetails): void {
  let reports = relatedByFile.get(span.file);
  if (!reports) relatedByFile.set(span.file, (reports = new Map()));
  reports.set(reportKey(rule, span.line, span.column, eslintMessage), details);
}

/** What a report recorded; undefined for a message no lockscope rule reported through `reportFinding`. */
export function detailsOfReport(file: string, rule: string, line: number, column: number, eslintMessage: string): ReportDetails | undefined {
  return relatedByFile.get(file)?.get(reportKey(rule, line, column, eslintMessage));
}
