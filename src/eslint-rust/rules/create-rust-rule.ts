// A Rust rule for ESLint reports the analysis's diagnostics of its own id; it checks nothing itself.
import type { RuleDefinition } from '@eslint/core';
import { docsUrl, type RuleInfo } from '../../core/catalogue.js';
import { loadLazily } from '../../core/load-lazily.js';
import { messageWithRelated } from '../../core/model.js';
import type { RustNode } from '../ast.js';
import { elseAfterIfLet } from './rewrites.js';
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
  MessageIds: 'finding' | 'elseAfterIfLet';
  ExtRuleDocs: { recommended: boolean };
}>;

export function createRustRule(rule: RuleInfo): RustRuleDefinition {
  return {
    meta: {
      type: 'problem',
      docs: { description: rule.summary, recommended: rule.defaultSetting !== 'off', url: docsUrl(rule.id) },
      messages: {
        finding: '{{message}}',
        elseAfterIfLet: 'End the `if let` before the `else` code runs (`let matched = if let … { …; true } else { false }; if !matched { … }`), so the guard is dropped first',
      },
      hasSuggestions: rule.id === 'guard-across-branch',
      schema: [],
      languages: [RUST_LANGUAGE_ID],
    },
    create(context) {
      return {
        source_file() {
          for (const diagnostic of findings().rustFindings(context)) {
            if (diagnostic.rule !== rule.id) continue;
            const { span } = diagnostic;
            const edits = diagnostic.rewrite === 'else-after-if-let' ? elseAfterIfLet(context.sourceCode, span) : undefined;
            context.report({
              messageId: 'finding',
              data: { message: messageWithRelated(diagnostic.message, diagnostic.related) },
              loc: { start: { line: span.line, column: span.column }, end: { line: span.endLine, column: span.endColumn } },
              ...(edits ? { suggest: [{ messageId: 'elseAfterIfLet', fix: (fixer) => edits.map((edit) => fixer.replaceTextRange([edit.range[0], edit.range[1]], edit.text)) }] } : {}),
            });
          }
        },
      };
    },
  };
}
