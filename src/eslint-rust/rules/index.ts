// The six Rust rules, one per catalogue entry: they differ only in the id whose findings they report.
import { RULES } from '../../core/catalogue.js';
import { createRustRule, type RustRuleDefinition } from './create-rust-rule.js';

export const rustRules: Record<string, RustRuleDefinition> = Object.fromEntries(
  RULES.filter((rule) => rule.language === 'rust').map((rule) => [rule.id, createRustRule(rule)]),
);
