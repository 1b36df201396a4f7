// The package entry point: the ESLint plugin (default export), and the analyses for tools that
// embed lockscope.
export { default } from './plugin.js';
export { RULES, docsUrl, type RuleInfo } from './core/catalogue.js';
export type { Diagnostic, AnalysisNote, SourceSpan } from './core/model.js';
export { analyzeRust, type RustAnalysisOptions } from './rust/analyze.js';
export { RustWorkspace } from './rust/workspace.js';
