// `eslint-plugin-lockscope/api`: the analyses for tools that embed lockscope. Importing it loads
// tree-sitter, which is why the package's main entry (the ESLint plugin) does not re-export it.
export { RULES, docsUrl, type RuleInfo } from './core/catalogue.js';
export type { Diagnostic, AnalysisNote, SourceSpan } from './core/model.js';
export { analyzeRust, type RustAnalysisOptions } from './rust/analyze.js';
export { RustWorkspace } from './rust/workspace.js';
