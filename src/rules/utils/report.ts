import type { TSESLint } from '@typescript-eslint/utils';
import type { RelatedLocation, SourceSpan } from '../../core/model.js';
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

/** Reports at the guard's creation and records the related locations for the CLI. */
export function reportFinding<MessageId extends string>(
  context: Readonly<TSESLint.RuleContext<MessageId, readonly unknown[]>>,
  ruleId: string,
  finding: Finding<MessageId>,
): void {
  const { span } = finding;
  const description = finding.lowConfidence ? `${finding.description} (Low confidence: a lock recognised by its methods or by configuration.)` : finding.description;
  context.report({
    messageId: finding.messageId,
    data: { description },
    loc: { start: { line: span.line, column: span.column - 1 }, end: { line: span.endLine, column: span.endColumn - 1 } },
    suggest: finding.suggest ? [...finding.suggest] : null,
  });
  recordReport(ruleId, span, description, finding.related, finding.lowConfidence);
}
