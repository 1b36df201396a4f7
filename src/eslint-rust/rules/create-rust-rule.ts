// A Rust rule for ESLint reports the analysis's diagnostics of its own id; it checks nothing itself.
import type { RuleDefinition } from '@eslint/core';
import { docsUrl, type RuleInfo } from '../../core/catalogue.js';
import { loadLazily } from '../../core/load-lazily.js';
import { messageWithRelated } from '../../core/model.js';
import type { RustNode } from '../ast.js';
import type { RustLanguageOptions, RustSourceCode } from '../source-code.js';

/** The Rust analysis, loaded when the first Rust file is linted. */
const findings = loadLazily<typeof import('../findings.js')>('../findings.js', import.meta.url);

export const RUST_LANGUAGE_ID = 'lockscope/rust';

export type RustRuleDefinition = RuleDefinition<{
  LangOptions: RustLanguageOptions;
  Code: RustSourceCode;
  RuleOptions: [];
  Visitor: { source_file(node: RustNode): void };
  Node: RustNode;
  MessageIds: 'finding' | 'suggestion';
  ExtRuleDocs: { recommended: boolean };
}>;

/** The rules whose findings may carry a rewrite (see src/rust/rewrites.ts). */
const SUGGESTING_RULES = new Set(['guard-across-branch', 'double-lock', 'lock-upgrade', 'guard-across-await']);

export function createRustRule(rule: RuleInfo): RustRuleDefinition {
  return {
    meta: {
      type: 'problem',
      docs: { description: rule.summary, recommended: rule.defaultSetting !== 'off', url: docsUrl(rule.id) },
      messages: {
        finding: '{{message}}',
        suggestion: '{{message}}',
      },
      hasSuggestions: SUGGESTING_RULES.has(rule.id),
      schema: [],
      languages: [RUST_LANGUAGE_ID],
    },
    create(context) {
      return {
        source_file() {
          for (const diagnostic of findings().rustFindings(context)) {
            if (diagnostic.rule !== rule.id) continue;
            const { span } = diagnostic;
            context.report({
              messageId: 'finding',
              data: { message: messageWithRelated(diagnostic.message, diagnostic.related) },
              loc: { start: { line: span.line, column: span.column }, end: { line: span.endLine, column: span.endColumn } },
              suggest: (diagnostic.suggestions ?? []).map((suggestion) => ({
                messageId: 'suggestion' as const,
                data: { message: suggestion.message },
                fix: (fixer) => suggestion.edits.map((edit) => fixer.replaceTextRange([edit.range[0], edit.range[1]], edit.text)),
              })),
            });
          }
        },
      };
    },
  };
}
