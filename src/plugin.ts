// The ESLint face: `eslint-plugin-lockscope`. Severities come from the one rule catalogue.
import type { TSESLint } from '@typescript-eslint/utils';
import { RULES } from './core/catalogue.js';
import { rules } from './rules/index.js';

export const TS_FILES = ['**/*.{ts,tsx,js,mjs,cjs}'];

const tsRuleIds = RULES.filter((rule) => rule.language === 'ts');

/** recommended: each rule at its catalogue severity; strict: every rule an error. */
function tsRuleSettings(strict: boolean): Record<string, 'warn' | 'error'> {
  const settings: Record<string, 'warn' | 'error'> = {};
  for (const rule of tsRuleIds) {
    if (strict) settings[`lockscope/${rule.id}`] = 'error';
    else if (rule.defaultSetting !== 'off') settings[`lockscope/${rule.id}`] = rule.defaultSetting;
  }
  return settings;
}

const plugin = {
  meta: { name: 'eslint-plugin-lockscope', version: '0.1.0', namespace: 'lockscope' },
  rules,
  configs: {} as Record<'recommended' | 'strict', TSESLint.FlatConfig.ConfigArray>,
};

plugin.configs.recommended = [
  { name: 'lockscope/recommended', files: TS_FILES, plugins: { lockscope: plugin as never }, rules: tsRuleSettings(false) },
];
plugin.configs.strict = [
  { name: 'lockscope/strict', files: TS_FILES, plugins: { lockscope: plugin as never }, rules: tsRuleSettings(true) },
];

export default plugin;
