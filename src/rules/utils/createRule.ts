// The `eslint-utils` entry alone: the package's root loads ESLint's linter and a scope manager.
import { RuleCreator } from '@typescript-eslint/utils/eslint-utils';
import { docsUrl } from '../../core/catalogue.js';

export interface LockscopeRuleDocs {
  description: string;
  recommended?: boolean;
  /** Works without types; types only add cases (locks passed as parameters, calls across files). */
  requiresTypeChecking?: boolean;
}

const createTsRule = RuleCreator<LockscopeRuleDocs>(docsUrl);

/**
 * Every TS/JS rule, declared for ESLint's JavaScript language (`meta.languages`, ESLint ≥ 10.2):
 * without it ESLint assumes a rule fits every language and would run these on `.rs` files.
 */
export const createRule = ((rule: Parameters<typeof createTsRule>[0]) => {
  const created = createTsRule(rule);
  Object.assign(created.meta, { languages: ['js/js'] });
  return created;
}) as typeof createTsRule;
