// The one place the ESLint face asks the Rust analysis: every Rust rule reads the diagnostics of
// the file being linted from here, computed once per lint of that file and shared by the rules.
import { relative, resolve } from 'node:path';
import { RULES } from '../core/catalogue.js';
import type { Diagnostic, RuleSetting } from '../core/model.js';
import { applySuppressions, parseSuppressions } from '../core/suppressions.js';
import { RustWorkspace } from '../rust/workspace.js';
import type { RustLanguageOptions, RustSourceCode } from './source-code.js';

// Every Rust rule on: ESLint's config decides which findings show and at what severity.
const ALL_RUST_RULES: Readonly<Record<string, RuleSetting>> = Object.fromEntries(
  RULES.filter((rule) => rule.language === 'rust').map((rule) => [rule.id, 'error']),
);

/** One workspace (crate indexes kept for the process) per edition override. */
const workspaces = new Map<RustLanguageOptions['edition'], RustWorkspace>();

// Keyed by the SourceCode, which ESLint makes once per lint of a file: the six rules of one lint
// share one analysis, and the next lint of the same text asks again, since another file of the
// crate may have changed in between (the workspace makes that cheap).
const findingsOfLint = new WeakMap<RustSourceCode, readonly Diagnostic[]>();

export interface RustLintContext {
  readonly cwd: string;
  readonly physicalFilename: string;
  readonly sourceCode: RustSourceCode;
  readonly languageOptions: RustLanguageOptions;
}

export function rustFindings(context: RustLintContext): readonly Diagnostic[] {
  const known = findingsOfLint.get(context.sourceCode);
  if (known) return known;
  const { edition } = context.languageOptions;
  let workspace = workspaces.get(edition);
  if (!workspace) {
    workspace = new RustWorkspace({ rules: ALL_RUST_RULES, edition });
    workspaces.set(edition, workspace);
  }
  // A relative name (Linter#verify's filename) is taken relative to cwd, as ESLint does.
  const file = resolve(context.cwd, context.physicalFilename);
  const { diagnostics } = workspace.lintFile(file, context.sourceCode.text, context.cwd);
  // The CLI's `// lockscope-ignore-next-line <rule> -- reason` silences a finding here too, so a
  // finding suppressed for CI does not show in the editor. Comments about the comments themselves
  // (unused, no reason) stay the CLI's: they are no ESLint rule.
  const shown = relative(context.cwd, file) || file;
  const { kept } = applySuppressions(diagnostics, parseSuppressions(shown, context.sourceCode.text), () => 'off');
  findingsOfLint.set(context.sourceCode, kept);
  return kept;
}
