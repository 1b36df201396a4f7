// The package entry point: the ESLint plugin (default export) and the rule catalogue. ESLint
// imports it at every start, so it loads no analysis: tools that embed the analyses import
// `eslint-plugin-lockscope/api`.
export { default } from './plugin.js';
export { RULES, docsUrl, type RuleInfo } from './core/catalogue.js';
export type { Diagnostic, AnalysisNote, SourceSpan } from './core/model.js';
