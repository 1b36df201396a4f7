// A condition every match of a hold's Semgrep rules meets in the file's text: the names its
// guard maker is written with (`load` and `read` for `self.load.read(…)`), and its owner type
// (rules for `self.` makers only match inside `impl Owner`). Semgrep's per-file prefilter reads a
// `pattern-regex` that spans the whole file, so a file that lacks one of those names is never
// matched against the hold's rules. Without it, Semgrep matched every rule of the pack against
// nearly every file of the crate: the prefilter finds no literal that all of a rule's
// alternatives share (its callee forms are metavariables constrained by regexes), and each rule
// carries hundreds of patterns. New files are still covered: the gate reads the file's text,
// not a list of paths.
import { escapeRegex } from '../core/regex.js';
import type { Hold } from './project-holds.js';
import type { SemgrepCondition, SemgrepFormula } from './semgrep-formulas.js';

/** The maker without its arguments: `self.load.read` of `self.load.read(...)`, `registry().lock` of `registry().lock(...)`. */
function makerPath(maker: string): string {
  if (!maker.endsWith(')')) return maker;
  let depth = 0;
  for (let i = maker.length - 1; i >= 0; i--) {
    if (maker[i] === ')') depth++;
    else if (maker[i] === '(' && --depth === 0) return maker.slice(0, i);
  }
  return maker;
}

/**
 * The names a file must hold for a rule of `hold` to match there. A guard a field of `self` keeps
 * is held in every method of the owner, which need not name the field: only the owner counts.
 * Arguments are left out (a pattern's argument may match through Semgrep's constant folding).
 */
export function makerNames(hold: Hold): string[] {
  const names = hold.heldBySelf !== undefined ? [] : [...makerPath(hold.maker.semgrep).matchAll(/(?<![\w$])[A-Za-z_]\w*/g)].map((m) => m[0]).filter((n) => n !== 'self');
  if (hold.owner) names.push(hold.owner);
  return [...new Set(names)];
}

/** A regular expression matching the whole file when it holds every name (`undefined` when there are none). */
export function fileGate(names: readonly string[]): string | undefined {
  // No `\b`: Semgrep's regexes see no word boundary after a non-ASCII letter; a plain substring is
  // a weaker condition, and still a necessary one.
  return names.length === 0 ? undefined : `(?s)\\A${names.map((n) => `(?=.*?${escapeRegex(n)})`).join('')}.*`;
}

/**
 * `formula`, matched only in files the gate matches. Semgrep intersects a conjunction's positive
 * ranges by inclusion, so a range spanning the whole file keeps every match of the formula.
 */
export function gated(formula: SemgrepFormula, gate: string | undefined): SemgrepFormula {
  if (gate === undefined) return formula;
  const condition: SemgrepCondition = { 'pattern-regex': gate };
  if ('patterns' in formula) return { patterns: [...formula.patterns, condition] };
  return { patterns: [formula, condition] };
}
