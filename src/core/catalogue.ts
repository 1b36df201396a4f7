// The one rule catalogue every face reads: CLI, ESLint plugin and Semgrep emitter.
import type { RuleSetting } from './model.js';

export type RuleLanguage = 'rust' | 'ts';

export interface RuleInfo {
  readonly id: string;
  readonly language: RuleLanguage;
  readonly defaultSetting: RuleSetting;
  /** One sentence: what the rule finds. */
  readonly summary: string;
}

export const REPOSITORY_URL = 'https://github.com/lockscope/eslint-plugin-lockscope';

export function docsUrl(ruleId: string): string {
  return `${REPOSITORY_URL}/blob/main/docs/rules/${ruleId}.md`;
}

export const RULES: readonly RuleInfo[] = [
  {
    id: 'guard-across-branch',
    language: 'rust',
    defaultSetting: 'error',
    summary:
      'A guard made in a match / if let / while let scrutinee or a for iterator is alive in an arm that takes a conflicting lock on the same lock.',
  },
  {
    id: 'double-lock',
    language: 'rust',
    defaultSetting: 'error',
    summary: 'A guard is alive when the same lock is taken again, directly or through calls.',
  },
  {
    id: 'lock-upgrade',
    language: 'rust',
    defaultSetting: 'error',
    summary: 'A shared guard (read, borrow) is alive when exclusive access to the same lock is requested.',
  },
  {
    id: 'lock-order-inversion',
    language: 'rust',
    defaultSetting: 'warn',
    summary: 'Two paths take the same two locks in opposite orders, or three or more paths take locks in a ring.',
  },
  {
    id: 'guard-across-await',
    language: 'rust',
    defaultSetting: 'warn',
    summary: 'A blocking guard or RefCell borrow is alive at an .await.',
  },
  {
    id: 'guard-across-wait',
    language: 'rust',
    defaultSetting: 'warn',
    summary:
      'A guard is held while the thread waits on a Condvar of another lock, joins a thread it spawned, or receives from one, and that thread needs the lock.',
  },
  {
    id: 'scrutinee-guard',
    language: 'rust',
    defaultSetting: 'off',
    summary: 'A scrutinee guard is still held where an arm calls a function, takes another lock or awaits, although no conflict was found (pedantic).',
  },
  {
    id: 'no-nested-lock',
    language: 'ts',
    defaultSetting: 'error',
    summary: 'A non-reentrant lock is acquired again while it is held in the same async flow.',
  },
  {
    id: 'no-lock-upgrade',
    language: 'ts',
    defaultSetting: 'error',
    summary: 'Exclusive access is requested while shared access to the same lock is held.',
  },
  {
    id: 'release-on-every-path',
    language: 'ts',
    defaultSetting: 'error',
    summary: 'A releaser is not called on some path (early return, throw, branch).',
  },
  {
    id: 'no-lock-order-inversion',
    language: 'ts',
    defaultSetting: 'warn',
    summary: 'The same two locks are taken in opposite orders.',
  },
];

export function findRule(id: string): RuleInfo | undefined {
  return RULES.find((rule) => rule.id === id);
}
