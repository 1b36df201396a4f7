// Calls inside macro arguments, for the project pack. Neither engine reads a macro's token tree as
// code (tree-sitter keeps it as tokens; Semgrep 1.185 matches nothing inside `assert_eq!(…)`),
// while the analysis re-parses the arguments of the formatting, assertion and logging macros as
// one call's arguments (their temporaries live to the end of the statement), polls the futures
// handed to `join!`, and counts `select!` as an `.await`. The forms here find those calls by
// their text: a regex on the token tree (ast-grep) or on the file (Semgrep's `pattern-regex`,
// which still combines with `pattern-inside`).
import { escapeRegex } from '../core/regex.js';
import { EXPRESSION_MACROS } from '../rust/guard-lifetimes/calls.js';
import { AWAITING_MACROS, JOINING_MACROS } from '../rust/guard-lifetimes/futures.js';
import type { AstGrepRule } from './ast-grep-rules.js';
import type { ConflictGroup, Hold } from './project-holds.js';

/** Source text as a regex that allows the whitespace rustfmt may put around `.`, `::` and `(`. */
function textRegex(text: string): string {
  return escapeRegex(text.replace(/\s+/g, '')).replace(/\\\.|::|\\\(|,/g, (sep) => `\\s*${sep}\\s*`);
}

const alternatives = (names: Iterable<string>): string => [...new Set(names)].sort().join('|');

/**
 * Semgrep's regexes run on the file's text: a macro is matched from the start of its line (so a
 * `//` comment before it excludes it), and the text between its parts stays in one statement and
 * one block (no `;`, `{`, `}` outside string literals, no `=>` into the next arm).
 */
const LINE_BEFORE_MACRO = '(?m)^(?:[^/\\n]|/(?!/))*?(?<![\\w])';
const GAP = '(?:"(?:[^"\\\\]|\\\\.)*"|(?!=>)[^;{}"])*?';
const GAP_IN_CONDITION = '(?:"(?:[^"\\\\]|\\\\.)*"|(?!=>)[^;{},"])*?';

/** `assert!(cond, "…", args)` drops the condition's temporaries before the message runs. */
const CONDITION_MACROS = new Set(['assert', 'debug_assert']);
/** Macros whose every argument is an operand of one expression (`matches!`'s second is a pattern). */
const OPERAND_MACROS = [...EXPRESSION_MACROS].filter((m) => !CONDITION_MACROS.has(m) && m !== 'matches');

/** The guard-making call's text up to its `(`: `self\s*\.\s*queue\s*\.\s*lock\s*\(`. */
export function makerRegex(hold: Hold): string {
  const plain = /^(.*)\(\.\.\.\)$/.exec(hold.maker.semgrep);
  return plain ? `${textRegex(plain[1])}\\s*\\(` : textRegex(hold.maker.semgrep);
}

/**
 * The group's calls by text: the forms that name no local and pass no literal lock argument.
 * With `polled`, the forms of futures (`self.refresh().await`) too, as `join!` and `block_on`
 * take them unawaited.
 */
export function conflictRegex(group: ConflictGroup, polled = false, engine: 'semgrep' | 'ast-grep' = 'ast-grep'): string | undefined {
  const forms = group.forms.filter((f) => f.args === undefined && f.within === undefined && f.dropped === undefined && (f.suffix === undefined || polled));
  if (forms.length === 0) return undefined;
  // Semgrep's regexes look behind, so a call right after the macro's `(` (`assert!(self.f())`),
  // whose `(` the macro's part of the regex took, is found too; ast-grep's (Rust's) cannot.
  const start = engine === 'semgrep' ? '(?<![\\w.:])' : '(?:^|[^\\w.:])';
  return `${start}(?:${alternatives(forms.map((f) => textRegex(f.prefix)))})\\s*${escapeRegex(group.name)}\\s*\\(`;
}

export const macroNamed = (names: Iterable<string>): AstGrepRule => ({ kind: 'macro_invocation', has: { field: 'macro', regex: `(^|::)(${alternatives(names)})$` } });

/**
 * ast-grep: the token tree of an expression macro in which the maker comes before the conflicting
 * call (`assert_eq!(self.q.lock().unwrap().len(), self.pending())`); for `assert!` with a message,
 * both in the condition.
 */
export function macroTemporaryAstGrep(hold: Hold, group: ConflictGroup): AstGrepRule[] {
  const conflict = conflictRegex(group);
  if (!conflict) return [];
  const maker = makerRegex(hold);
  return [
    { kind: 'token_tree', inside: macroNamed(OPERAND_MACROS), regex: `${maker}[\\s\\S]*${conflict}` },
    { kind: 'token_tree', inside: macroNamed(CONDITION_MACROS), regex: `^\\([^,]*${maker}[^,]*${conflict}` },
  ];
}

/** Semgrep twin of `macroTemporaryAstGrep`: the match starts at the macro's name. */
export function macroTemporarySemgrep(hold: Hold, group: ConflictGroup): string[] {
  const conflict = conflictRegex(group, false, 'semgrep');
  if (!conflict) return [];
  const maker = makerRegex(hold);
  return [
    `${LINE_BEFORE_MACRO}(?:${alternatives(OPERAND_MACROS)})!\\s*\\(${GAP}${maker}${GAP}${conflict}`,
    `${LINE_BEFORE_MACRO}(?:${alternatives(CONDITION_MACROS)})!\\s*\\(${GAP_IN_CONDITION}${maker}${GAP_IN_CONDITION}${conflict}`,
  ];
}

/** ast-grep: a conflicting future handed to `join!` (the plain calls in any macro are `conflictAstGrep`'s). */
export function polledInMacroAstGrep(group: ConflictGroup): AstGrepRule[] {
  const polled = conflictRegex(group, true);
  return polled && group.forms.some((f) => f.suffix !== undefined) ? [{ kind: 'token_tree', inside: macroNamed(JOINING_MACROS), regex: polled }] : [];
}

/**
 * Semgrep: a conflicting call in a macro's arguments (any macro, as the ast-grep twin's token
 * trees: the analysis reads an opaque macro's arguments as calls too), or a future handed to `join!`.
 */
export function callInMacroSemgrep(group: ConflictGroup): string[] {
  const plain = conflictRegex(group, false, 'semgrep');
  const polled = conflictRegex(group, true, 'semgrep');
  return [
    ...(plain ? [`${LINE_BEFORE_MACRO}[A-Za-z_][\\w:]*!\\s*[(\\[{]${GAP}${plain}`] : []),
    ...(polled ? [`${LINE_BEFORE_MACRO}(?:${alternatives(JOINING_MACROS)})!\\s*[(\\[{]${GAP}${polled}`] : []),
  ];
}

/** `select!` awaits the futures of its branches where it stands. */
export const AWAITING_MACRO_AST_GREP: AstGrepRule = macroNamed(AWAITING_MACROS);
export const AWAITING_MACRO_SEMGREP = `${LINE_BEFORE_MACRO}(?:${alternatives(AWAITING_MACROS)})!\\s*[(\\[{]`;

/** Semgrep: a formatting macro whose format string (after `write!`'s writer) matches `format`. */
export function formatStringSemgrep(names: Iterable<string>, format: string): string {
  return `${LINE_BEFORE_MACRO}(?:${alternatives(names)})!\\s*\\(\\s*(?:[\\w.]+\\s*,\\s*)?(?:${format})`;
}
