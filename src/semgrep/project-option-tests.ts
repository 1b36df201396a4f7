// What the project pack carries of the analysis's `Option`-field tests (guard-lifetimes/
// option-tests.ts, branches.ts): in the `else` of `if let Some(p) = &self.pool` (or under
// `if self.pool.is_none()`), `self.pool` is `None`, so a branch under a test that is true only
// when it is `Some` (`self.pool.is_some()`, a getter whose body is that test, a `bool` bound to
// one) does not run there — nor in a closure that is called only there. An assignment to the
// field forgets what was known. The pack excludes calls in such branches; the fields and getters
// come from the crate's facts, for the fields its code tests.
import type { FnDecl } from '../rust/crate-index.js';
import { letPlaceTest, placeTest } from '../rust/guard-lifetimes/option-tests.js';
import type { CrateFacts } from '../rust/summaries.js';
import type { SyntaxNode } from '../rust/syntax.js';
import type { AstGrepRule } from './ast-grep-rules.js';
import { escapeRegex } from '../core/regex.js';
import type { SemgrepCondition } from './semgrep-formulas.js';

/** An `Option` field of `self` that the code tests, with the getters whose body is a test of it. */
export interface TestedOptionField {
  /** The type whose `impl` the tests are in. */
  readonly owner: string;
  /** The field's path below `self`: `pool`, `inner.pool`. */
  readonly path: string;
  /** Methods of the owner true when the field is `Some` (`is_pooled`). */
  readonly someGetters: readonly string[];
  /** Methods of the owner true when the field is `None`. */
  readonly noneGetters: readonly string[];
}

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function conditionsIn(node: SyntaxNode, out: SyntaxNode[]): void {
  const stack = [node];
  while (stack.length > 0) {
    const current = stack.pop()!;
    if (current.type === 'if_expression') {
      const condition = current.childForFieldName('condition');
      if (condition) out.push(condition);
    }
    stack.push(...current.namedChildren);
  }
}

/** The body of a getter whose only statement is its tail expression. */
function getterTail(fn: FnDecl): SyntaxNode | undefined {
  if (fn.selfParam === undefined || fn.params.length > 0) return undefined;
  const statements = fn.node.childForFieldName('body')?.namedChildren.filter((c) => !c.type.endsWith('comment')) ?? [];
  if (statements.length !== 1) return undefined;
  return statements[0].type === 'expression_statement' ? (statements[0].namedChildren[0] ?? undefined) : statements[0];
}

/** Every `Option` field of `self` that a condition of the crate's code tests (as the analysis reads tests). */
export function testedOptionFields(crate: CrateFacts): TestedOptionField[] {
  const fns = crate.summariseEverything().map((f) => f.fn);
  const tested = new Set<string>();
  for (const fn of fns) {
    if (!fn.ownerType) continue;
    const conditions: SyntaxNode[] = [];
    const body = fn.node.childForFieldName('body');
    if (body) conditionsIn(body, conditions);
    for (const condition of conditions) {
      const test = condition.type === 'let_condition' ? letPlaceTest(condition.childForFieldName('pattern'), condition.childForFieldName('value'), fn) : placeTest(condition, fn, crate.index);
      if (test) tested.add(test.place);
    }
  }
  const out: TestedOptionField[] = [];
  for (const place of [...tested].sort(byText)) {
    const [owner, ...rest] = place.split('.');
    if (rest.length === 0) continue;
    const someGetters = new Set<string>();
    const noneGetters = new Set<string>();
    for (const fn of fns) {
      if (fn.ownerType !== owner) continue;
      const tail = getterTail(fn);
      const test = tail ? placeTest(tail, fn, crate.index) : undefined;
      if (test?.place === place) (test.whenSome ? someGetters : noneGetters).add(fn.name);
    }
    out.push({ owner, path: rest.join('.'), someGetters: [...someGetters].sort(byText), noneGetters: [...noneGetters].sort(byText) });
  }
  return out;
}

type FieldState = 'some' | 'none';
const other = (state: FieldState): FieldState => (state === 'some' ? 'none' : 'some');

/** Regexes over the code's text, for one field. */
function texts(field: TestedOptionField): { place: string; trueWhen: (state: FieldState) => string; letValue: string } {
  const place = ['self', ...field.path.split('.')].map(escapeRegex).join('\\s*\\.\\s*');
  const call = (receiver: string, method: string): string => `${receiver}\\s*\\.\\s*${escapeRegex(method)}\\s*\\(\\s*\\)`;
  const atoms = (state: FieldState): string[] => [call(place, state === 'some' ? 'is_some' : 'is_none'), ...(state === 'some' ? field.someGetters : field.noneGetters).map((g) => call('self', g))];
  const trueWhen = (state: FieldState): string => `^(?:${atoms(state).join('|')}|!\\s*(?:${atoms(other(state)).join('|')}))$`;
  const letValue = `^(?:&\\s*(?:mut\\s+)?)?${place}(?:\\s*\\.\\s*(?:as_ref|as_mut|as_deref|as_deref_mut|clone)\\s*\\(\\s*\\))?$`;
  return { place, trueWhen, letValue };
}

const variantRegex = (state: FieldState): string => (state === 'some' ? '^(?:Option\\s*::\\s*)?Some\\s*\\(' : '^(?:Option\\s*::\\s*)?None$');

/** ast-grep: the blocks where the path has decided the field is `state` (and does not assign it there). */
function decidedAstGrep(field: TestedOptionField, state: FieldState): AstGrepRule[] {
  const { place, trueWhen, letValue } = texts(field);
  const letTest = (variant: FieldState): AstGrepRule => ({ field: 'condition', kind: 'let_condition', all: [{ has: { field: 'pattern', regex: variantRegex(variant) } }, { has: { field: 'value', regex: letValue } }] });
  const assigned = { has: { stopBy: 'end', kind: 'assignment_expression', has: { field: 'left', regex: `^${place}$` } } };
  const regions: AstGrepRule[] = [
    { kind: 'block', inside: { kind: 'if_expression', field: 'consequence', has: letTest(state) } },
    { kind: 'else_clause', inside: { kind: 'if_expression', has: letTest(other(state)) } },
    { kind: 'block', inside: { kind: 'if_expression', field: 'consequence', has: { field: 'condition', regex: trueWhen(state) } } },
    { kind: 'else_clause', inside: { kind: 'if_expression', has: { field: 'condition', regex: trueWhen(other(state)) } } },
  ];
  return regions.map((region) => ({ ...region, not: assigned }));
}

/** ast-grep: the branches of plain `if`s that do not run when the field is `state`. */
function skippedBranchesAstGrep(field: TestedOptionField, state: FieldState): AstGrepRule[] {
  const { trueWhen } = texts(field);
  // A `bool` bound to a test earlier in the function (`let pooled = self.is_pooled();`).
  const boundTo = (regex: string): AstGrepRule => ({
    all: [
      { has: { field: 'condition', kind: 'identifier', pattern: '$OPTION_TEST' } },
      { inside: { stopBy: { kind: 'function_item' }, follows: { stopBy: 'end', kind: 'let_declaration', all: [{ has: { field: 'pattern', pattern: '$OPTION_TEST' } }, { has: { field: 'value', regex } }] } } },
    ],
  });
  const ifWhere = (regex: string): AstGrepRule => ({ any: [{ has: { field: 'condition', regex } }, boundTo(regex)] });
  return [
    { kind: 'block', inside: { kind: 'if_expression', field: 'consequence', ...ifWhere(trueWhen(other(state))) } },
    { kind: 'else_clause', inside: { kind: 'if_expression', ...ifWhere(trueWhen(state)) } },
  ];
}

/**
 * ast-grep: not in a branch that does not run because the path decided the field — directly, or
 * in a closure bound with `let` whose every call is in such a path.
 */
export function notDecidedOutAstGrep(fields: readonly TestedOptionField[]): AstGrepRule[] {
  if (fields.length === 0) return [];
  const cases = fields.flatMap((field) =>
    (['some', 'none'] as const).map((state): AstGrepRule => {
      const decided = decidedAstGrep(field, state);
      const calledOnlyThere: AstGrepRule = {
        kind: 'closure_expression',
        inside: {
          kind: 'let_declaration',
          all: [
            { has: { field: 'pattern', kind: 'identifier', pattern: '$OPTION_CLOSURE' } },
            // The analysis runs a closure bound with `let` where it is called (`work()`), not where it is passed by name.
            { not: { precedes: { stopBy: 'end', has: { stopBy: 'end', kind: 'call_expression', has: { field: 'function', pattern: '$OPTION_CLOSURE' }, not: { inside: { stopBy: 'end', any: decided } } } } } },
          ],
        },
      };
      return {
        all: [
          { any: skippedBranchesAstGrep(field, state) },
          { any: [{ inside: { stopBy: 'end', any: decided } }, { inside: { stopBy: 'end', ...calledOnlyThere } }] },
          { inside: { stopBy: 'end', kind: 'impl_item', has: { field: 'type', regex: `^${escapeRegex(field.owner)}\\b` } } },
        ],
      };
    }),
  );
  return [{ not: { inside: { stopBy: 'end', any: cases } } }];
}

/**
 * Semgrep: the same, as `pattern-not-inside` formulas: a plain `if` whose branch does not run
 * under a decided test — in the decided block itself, or in a closure bound before an `if let`
 * that calls it in the decided `else` (and not in its then-block).
 */
export function notDecidedOutSemgrep(fields: readonly TestedOptionField[]): SemgrepCondition[] {
  return fields.flatMap((field) => {
    const { trueWhen, letValue } = texts(field);
    const assignedPlace = `self.${field.path}`;
    return (['some', 'none'] as const).flatMap((state): SemgrepCondition[] => {
      const skippedIf = (test: string): string => `if ${test} {\n  ...\n}`;
      const decidedElse = (tail: string): string => `if let $OPTION_VARIANT = $OPTION_PLACE {\n  ...\n} else {\n  ...\n  ${tail}\n  ...\n}`;
      const decidedThen = (tail: string): string => `if let $OPTION_VARIANT = $OPTION_PLACE {\n  ...\n  ${tail}\n  ...\n}`;
      const decidedTest = (tail: string): string => `if $OPTION_DECIDER {\n  ...\n  ${tail}\n  ...\n}`;
      const placeIs = [
        { 'metavariable-regex': { metavariable: '$OPTION_PLACE', regex: letValue } },
      ];
      // In the decided block: `if let Some(p) = &self.pool { … } else { … if self.is_pooled() { <here> } … }`.
      const direct = (test: string, extra: SemgrepCondition[]): SemgrepCondition => ({
        'pattern-not-inside': {
          patterns: [
            { pattern: skippedIf(test) },
            ...extra,
            {
              'pattern-either': [
                { patterns: [{ 'pattern-inside': decidedElse(skippedIf(test)) }, { 'metavariable-regex': { metavariable: '$OPTION_VARIANT', regex: variantRegex(other(state)) } }, ...placeIs] },
                { patterns: [{ 'pattern-inside': decidedThen(skippedIf(test)) }, { 'metavariable-regex': { metavariable: '$OPTION_VARIANT', regex: variantRegex(state) } }, ...placeIs] },
                { patterns: [{ 'pattern-inside': decidedTest(skippedIf(test)) }, { 'metavariable-regex': { metavariable: '$OPTION_DECIDER', regex: trueWhen(state) } }] },
              ],
            },
            { 'pattern-not-inside': `${assignedPlace} = $OPTION_VALUE;\n...` },
          ],
        },
      } as unknown as SemgrepCondition);
      const bool: SemgrepCondition[] = [{ 'pattern-inside': 'let $OPTION_TEST = $OPTION_TEST_VALUE;\n...' }, { 'metavariable-regex': { metavariable: '$OPTION_TEST_VALUE', regex: trueWhen(other(state)) } }];
      // In a closure bound before an `if let` that calls it in the decided `else` only.
      const closure: SemgrepCondition = {
        'pattern-not-inside': {
          patterns: [
            { pattern: skippedIf('$OPTION_TEST') },
            ...bool,
            { 'pattern-inside': `let $OPTION_CLOSURE = $OPTION_BODY;\n...\n${decidedElse('$OPTION_CLOSURE();')}` },
            { 'metavariable-regex': { metavariable: '$OPTION_VARIANT', regex: variantRegex(other(state)) } },
            ...placeIs,
            { 'pattern-not-inside': `let $OPTION_CLOSURE = $OPTION_BODY;\n...\n${decidedThen('$OPTION_CLOSURE();')}` },
          ],
        },
      } as unknown as SemgrepCondition;
      return [direct('$OPTION_DECIDED', [{ 'metavariable-regex': { metavariable: '$OPTION_DECIDED', regex: trueWhen(other(state)) } }]), direct('$OPTION_TEST', bool), closure];
    });
  });
}
