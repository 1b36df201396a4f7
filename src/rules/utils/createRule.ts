import { ESLintUtils } from '@typescript-eslint/utils';
import { docsUrl } from '../../core/catalogue.js';

export interface LockscopeRuleDocs {
  description: string;
  recommended?: boolean;
  /** Works without types; types only add cases (locks passed as parameters, calls across files). */
  requiresTypeChecking?: boolean;
}

export const createRule = ESLintUtils.RuleCreator<LockscopeRuleDocs>(docsUrl);
