// The ESLint face: `eslint-plugin-lockscope`. Severities come from the one rule catalogue.
import type { TSESLint } from '@typescript-eslint/utils';
import { RULES, type RuleLanguage } from './core/catalogue.js';
import { RustLanguage } from './eslint-rust/language.js';
import { RUST_LANGUAGE_ID } from './eslint-rust/rules/create-rust-rule.js';
import { rustRules } from './eslint-rust/rules/index.js';
import { rules } from './rules/index.js';

export const TS_FILES = ['**/*.{ts,tsx,js,mjs,cjs}'];
export const RUST_FILES = ['**/*.rs'];

/** recommended: each rule at its catalogue severity; strict: every rule an error. */
function ruleSettings(language: RuleLanguage, strict: boolean): Record<string, 'warn' | 'error'> {
  const settings: Record<string, 'warn' | 'error'> = {};
  for (const rule of RULES) {
    if (rule.language !== language) continue;
    if (strict) settings[`lockscope/${rule.id}`] = 'error';
    else if (rule.defaultSetting !== 'off') settings[`lockscope/${rule.id}`] = rule.defaultSetting;
  }
  return settings;
}

const plugin = {
  meta: { name: 'eslint-plugin-lockscope', version: '0.1.0', namespace: 'lockscope' },
  languages: { rust: new RustLanguage() },
  rules: { ...rules, ...rustRules },
  configs: {} as Record<'recommended' | 'strict', TSESLint.FlatConfig.ConfigArray>,
};

function configs(level: 'recommended' | 'strict'): TSESLint.FlatConfig.ConfigArray {
  const strict = level === 'strict';
  return [
    { name: `lockscope/${level}`, files: TS_FILES, plugins: { lockscope: plugin as never }, rules: ruleSettings('ts', strict) },
    {
      name: `lockscope/${level}/rust`,
      files: RUST_FILES,
      plugins: { lockscope: plugin as never },
      language: RUST_LANGUAGE_ID,
      rules: ruleSettings('rust', strict),
    },
  ];
}

plugin.configs.recommended = configs('recommended');
plugin.configs.strict = configs('strict');

export default plugin;
