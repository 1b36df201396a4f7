import { relative } from 'node:path';
import type { TSESLint } from '@typescript-eslint/utils';
import { messageWithRelated, type RelatedLocation, type SourceSpan } from '../../core/model.js';
import { recordReport } from '../../ts/reports.js';

export interface Finding<MessageId extends string> {
  readonly messageId: MessageId;
  readonly span: SourceSpan;
  readonly description: string;
  readonly related: readonly RelatedLocation[];
  readonly suggest?: readonly TSESLint.SuggestionReportDescriptor<MessageId>[];
  /** A lock recognised by its shape or by configuration: the CLI reports it as a warning at most. */
  readonly lowConfidence?: boolean;
}

/**
 * Reports at the guard's creation. ESLint's message names the related locations (relative to
 * ESLint's cwd), since ESLint has no field for them; the CLI, which lists them apart, reads the
 * bare description and the locations from the record.
 */
export function reportFinding<MessageId extends string>(
  context: Readonly<TSESLint.RuleContext<MessageId, readonly unknown[]>>,
  ruleId: string,
  finding: Finding<MessageId>,
): void {
  const { span } = finding;
  const description = finding.lowConfidence ? `${finding.description} (Low confidence: a lock recognised by its methods or by configuration.)` : finding.description;
  const shown = finding.related.map((r) => ({ ...r, span: { ...r.span, file: relative(context.cwd, r.span.file) || r.span.file } }));
  const message = messageWithRelated(description, shown);
  context.report({
    messageId: finding.messageId,
    data: { description: message },
    loc: { start: { line: span.line, column: span.column - 1 }, end: { line: span.endLine, column: span.endColumn - 1 } },
    suggest: finding.suggest ? [...finding.suggest] : null,
  });
  recordReport(ruleId, span, message, { description, related: finding.related, lowConfidence: finding.lowConfidence ?? false });
}
