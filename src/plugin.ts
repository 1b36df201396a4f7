// The ESLint face: `eslint-plugin-lockscope`. Severities come from the one rule catalogue.
import { createRequire } from 'node:module';
import type { TSESLint } from '@typescript-eslint/utils';
import { RULES, type RuleLanguage } from './core/catalogue.js';
import { loadLazily } from './core/load-lazily.js';
import { RustLanguage } from './eslint-rust/language.js';
import { RUST_LANGUAGE_ID } from './eslint-rust/rules/create-rust-rule.js';
import { rustRules } from './eslint-rust/rules/index.js';
import { rules } from './rules/index.js';

export const TS_FILES = ['**/*.{ts,tsx,mts,cts,js,jsx,mjs,cjs}'];
/** Files ESLint's default parser (espree) cannot read: typescript-eslint's parser is set for them. */
export const TYPESCRIPT_FILES = ['**/*.{ts,tsx,mts,cts}'];
export const RUST_FILES = ['**/*.rs'];

const typescriptEslintParser = loadLazily<typeof import('@typescript-eslint/parser')>('@typescript-eslint/parser', import.meta.url);

/**
 * typescript-eslint's parser, loaded on the first TS file it parses: loading it loads TypeScript,
 * which would otherwise cost every ESLint start a second, JS-only projects included. Its `meta` is
 * the parser's own, so ESLint's cache keys and `--print-config` name the real parser.
 */
const tsParser: TSESLint.FlatConfig.Parser = {
  meta: { name: 'typescript-eslint/parser', version: (createRequire(import.meta.url)('@typescript-eslint/parser/package.json') as { version: string }).version },
  parseForESLint: (code, options) => typescriptEslintParser().parseForESLint(code, options as Parameters<typeof import('@typescript-eslint/parser').parseForESLint>[1]),
};

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
  configs: {} as Record<'recommended' | 'recommendedTypeChecked' | 'strict' | 'strictTypeChecked', TSESLint.FlatConfig.ConfigArray>,
};

/**
 * Each part scoped with `files`, so the config works alone (`export default [...configs.recommended]`)
 * and beside others: TS files get typescript-eslint's parser, as typescript-eslint's own configs
 * set it; JS keeps ESLint's default parser; `.rs` files the `lockscope/rust` language. The
 * type-checked variants turn on typescript-eslint's project service, so a lock's type is read from
 * the checker (a mutex passed in as a parameter, returned by a factory, re-exported) rather than
 * from the constructor's import alone.
 */
function configs(level: 'recommended' | 'strict', typeChecked: boolean): TSESLint.FlatConfig.ConfigArray {
  const strict = level === 'strict';
  const name = `lockscope/${level}${typeChecked ? 'TypeChecked' : ''}`;
  return [
    {
      name: `${name}/typescript-parser`,
      files: TYPESCRIPT_FILES,
      languageOptions: {
        parser: tsParser,
        sourceType: 'module',
        ...(typeChecked ? { parserOptions: { projectService: true } } : {}),
      },
    },
    { name, files: TS_FILES, plugins: { lockscope: plugin as never }, rules: ruleSettings('ts', strict) },
    {
      name: `${name}/rust`,
      files: RUST_FILES,
      plugins: { lockscope: plugin as never },
      language: RUST_LANGUAGE_ID,
      rules: ruleSettings('rust', strict),
    },
  ];
}

plugin.configs.recommended = configs('recommended', false);
plugin.configs.recommendedTypeChecked = configs('recommended', true);
plugin.configs.strict = configs('strict', false);
plugin.configs.strictTypeChecked = configs('strict', true);

export default plugin;
