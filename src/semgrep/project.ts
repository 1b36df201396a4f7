// The project pack: rules specialised to one codebase from what the analysis knows about it. For
// every way the code makes a guard (`self.load.read()`), and every function whose summary reaches
// a conflicting acquisition of the same lock (`init_for` → `refresh` → `store` takes
// `self.load.write()`), one rule per callee flags a call of it where the guard is alive: in a
// scrutinee's arms (the seed bug), after a `let` that binds the guard, or later in the statement
// whose temporary holds it, and (for locks that block the thread) an `.await` after the `let`.
// Each crate gets its own files, scoped to its directory, so its edition decides the `else` rule.
import { relative } from 'node:path';
import type { Edition } from '../core/model.js';
import type { CrateFacts } from '../rust/summaries.js';
import { itselfOrBelow, type AstGrepRule } from './ast-grep-rules.js';
import { CWE_DEADLOCK, registryMetadata, severityOf } from './generic-rules.js';
import type { ScrutineeRegion } from './lexical-shapes.js';
import { AST_GREP_LANGUAGE, formulaKeys, generatedRulesJson, generatedYaml, type PackFiles } from './pack.js';
import { closuresRunElsewhere, cratesHolds, formAstGrep, formSemgrep, threadBlockingHolds, type ClosureRunElsewhere, type ConflictForm, type ConflictGroup, type DroppedValue, type Hold } from './project-holds.js';
import { escapeGlob, slug, unanchoredGlob, uniqueSlugs } from './slugs.js';

export { escapeGlob };
import { escapeRegex } from '../core/regex.js';
import { fileGate, gated, makerNames } from './file-gates.js';
import { AWAITING_MACRO_AST_GREP, AWAITING_MACRO_SEMGREP, callInMacroSemgrep, conflictRegex, makerRegex, formatStringSemgrep, macroNamed, macroTemporaryAstGrep, macroTemporarySemgrep, polledInMacroAstGrep } from './project-macros.js';
import { FORMATTING_MACROS } from '../rust/guard-lifetimes/calls.js';
import { KEEPS_CALLBACK, LOCK_TYPE_NAME_LIST } from '../rust/lock-apis.js';
import { FUTURE_DRIVING_CALLS } from '../rust/guard-lifetimes/futures.js';
import { tsAstGrepYaml, tsRulesForHold, tsSemgrepYaml, type TsProjectRule } from './project-ts.js';
import type { TsHold } from './project-ts-holds.js';
import { notDecidedOutAstGrep, notDecidedOutSemgrep, testedOptionFields, type TestedOptionField } from './project-option-tests.js';
import { elseChainPatterns, NAMED_BINDING_REGEX, scrutineePatterns, type SemgrepCondition, type SemgrepFormula } from './semgrep-formulas.js';

export interface ProjectCrate {
  readonly facts: CrateFacts;
  readonly edition: Edition;
  /** The crate's directory, absolute. */
  readonly root: string;
}

type CatalogueId = 'guard-across-branch' | 'double-lock' | 'lock-upgrade' | 'guard-across-await';

interface ProjectRule {
  readonly id: string;
  readonly catalogueId: CatalogueId;
  readonly message: string;
  readonly semgrep: SemgrepFormula;
  readonly astGrep: AstGrepRule;
  readonly constraints: Record<string, unknown>;
  /** For a Semgrep rule shared by several callees: each one's chain to the lock. */
  readonly chains?: Record<string, string>;
}

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);


// `fn plain` is called as `plain()` or `r#plain()`.
const regexOf = (name: string): string => `^(?:r#)?${name.replace(/^r#/, "")}$`;

const STANDARD_INITS = (maker: string, args: string, condition: string): string[] => {
  const direct = [maker, `${maker}.unwrap()`, `${maker}.expect(${args})`, `${maker}.await`, `${maker}?`, `${maker}.await.unwrap()`];
  // `let _serial = if sync { Some(m.lock().unwrap()) } else { None };` binds the guard too.
  return [...direct, ...direct.map((init) => `if ${condition} { Some(${init}) } else { None }`)];
};

function semgrepInits(hold: Hold): string[] {
  return [...STANDARD_INITS(hold.maker.semgrep, '...', '$CONDITION'), ...hold.letInits.filter((i) => !i.includes('$'))];
}

/**
 * `let Ok(g) = m.lock() else { … };` binds the guard itself (the variant that holds it: `Ok`, or
 * `Some` of an optional maker; `Err` of a `Result<Guard, Permit>` holds none).
 */
function guardVariantInits(maker: string): [string, string][] {
  return ['Ok', 'Some'].flatMap((variant): [string, string][] => [[variant, maker], [variant, `${maker}.await`]]);
}

function astGrepInits(hold: Hold): string[] {
  return [...STANDARD_INITS(hold.maker.astGrep, '$$$EXPECT', '$CONDITION'), ...hold.letInits.filter((i) => !i.includes('$'))];
}

/**
 * Semgrep: the call is inside the region after `let $G = <init>;` (nested blocks included), with
 * `$G` not `_` and no statement before it, at any level, that moves `$G` (`drop($G);`).
 */
function afterLetSemgrep(hold: Hold): SemgrepCondition[] {
  const lets = [...semgrepInits(hold).flatMap((init) => ['$G', 'mut $G'].map((binding) => `let ${binding} = ${init};`)), ...tupleLets(hold)];
  const letElses = guardVariantInits(hold.maker.semgrep).map(([variant, init]) => `let ${variant}($G) = ${init} else {\n  ...\n};`);
  const consumed = hold.consumedBy.flatMap((method): SemgrepCondition[] => [{ 'pattern-not-inside': `<... $G.${method}(...) ...>;\n...` }, { 'pattern-not-inside': `let $MOVED = <... $G.${method}(...) ...>;\n...` }]);
  // Across a shadowing `let found = found.and_then(…);` Semgrep does not unify the two `found`s
  // with `$G`: the consumption is found by the two names' text (any name: whether it is the
  // guard's, a negation cannot ask).
  if (hold.consumedBy.length > 0) {
    consumed.push({
      'pattern-not-inside': {
        patterns: [
          { 'pattern-inside': 'let $SHADOW = <... $SHADOWED.$CONSUMER(...) ...>;\n...' },
          { 'metavariable-regex': { metavariable: '$CONSUMER', regex: `^(?:${hold.consumedBy.join('|')})$` } },
          { 'metavariable-comparison': { comparison: 'str($SHADOW) == str($SHADOWED)' } },
        ],
      },
    } as unknown as SemgrepCondition);
  }
  // A shadowing `let` of the guard's local root that builds a lock (`rootRebuilt`).
  const rebuilt = hold.localRoot
    ? LOCK_TYPE_NAME_LIST.flatMap((type) => ['', 'mut '].map((mut): SemgrepCondition => ({ 'pattern-not-inside': `let $G = $INIT;\n...\nlet ${mut}${hold.localRoot} = <... ${type}::$NEW(...) ...>;\n...` })))
    : [];
  // Negations sit beside the call, not inside a nested branch, where they would filter the
  // branch's own ranges (the `let` region) instead of the call.
  return [
    { 'pattern-either': [...lets, ...letElses].map((statement) => ({ 'pattern-inside': `${statement}\n...` })) } as unknown as SemgrepCondition,
    { 'pattern-not-inside': '$MOVE(..., $G, ...);\n...' },
    { 'pattern-not-inside': 'let $MOVED = $G;\n...' },
    ...consumed,
    ...rebuilt,
    // Moved into a closure that a call runs (`thread::scope(|s| { …; drop(g); })`).
    { 'pattern-not-inside': '$TAKER(..., |$PARAMS| {\n  ...\n  $MOVE(..., $G, ...);\n  ...\n}, ...);\n...' },
    // An item declared after the guard in its body (or one that half-written code left unclosed,
    // which the parser nests there) does not run under it.
    { 'pattern-not-inside': 'let $G = $INIT;\n...\nfn $INNER(...) {\n  ...\n}' },
    ...cfgAlternativeSemgrep(hold),
    // The `let` statement itself is inside its own region.
    { 'pattern-not-inside': 'let $G = $INIT;' },
    { 'pattern-not-inside': 'let mut $G = $INIT;' },
    ...[...new Set(hold.tupleLets.map((t) => t.elements))].map((elements): SemgrepCondition => ({ 'pattern-not-inside': `let (${elements}) = $INIT;` })),
    ...letElses.map((statement): SemgrepCondition => ({ 'pattern-not-inside': statement })),
    { 'metavariable-regex': { metavariable: '$G', regex: NAMED_BINDING_REGEX } },
  ];
}

/**
 * Semgrep twin of `cfgAlternativeOf`: the statement right after the guard's `let` under
 * `#[cfg(not(P))]` is under `#[cfg(P)]` (or the reverse), so the two are never compiled together.
 * Semgrep's `#[cfg(not($...P))]` does not match `#[cfg(not(feature = "x"))]`, so the pair is
 * found by its text (a back-reference ties the predicates); only adjacent statements.
 */
function cfgAlternativeSemgrep(hold: Hold): SemgrepCondition[] {
  const guardLet = `let\\b[^;=]*=[^;]*?${makerRegex(hold)}[^;]*;`;
  const pairs = [
    `#\\[cfg\\(not\\((.+?)\\)\\)\\]\\s*${guardLet}\\s*#\\[cfg\\(\\1\\)\\][^;]*;`,
    `#\\[cfg\\(((?!not\\().+?)\\)\\]\\s*${guardLet}\\s*#\\[cfg\\(not\\(\\1\\)\\)\\][^;]*;`,
  ];
  return pairs.map((regex) => ({ 'pattern-not-inside': { 'pattern-regex': regex } }) as unknown as SemgrepCondition);
}

const BINARY_OPERATORS = ['+', '-', '*', '/', '==', '!=', '<', '>', '<=', '>='];
const COMPOUND_OPERATORS = ['+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '<<=', '>>='];

/**
 * Temporary scopes inside an expression: a guard made in there is dropped before the expression
 * goes on (an `if`/`match` body, a loop, a `let` in a block, a closure that runs later; in
 * edition 2024 every block's tail too). A search for the maker stops at them.
 */
function temporaryScopes(edition: Edition): AstGrepRule {
  const kinds = ['if_expression', 'match_expression', 'loop_expression', 'while_expression', 'for_expression', 'let_declaration', 'closure_expression', ...(edition >= 2024 ? ['block'] : [])];
  return { any: kinds.map((kind) => ({ kind })) };
}

/**
 * The maker, in `node` or below it, outside any temporary scope, and not consumed on the spot: a
 * method taking its value by value (`self.buckets.get(k).map_or(0, |b| b.strikes)`) drops the
 * guard before the call returns.
 */
function makerIn(hold: Hold, edition: Edition, field?: string): AstGrepRule {
  const maker: AstGrepRule = hold.consumedBy.length > 0 ? { pattern: hold.maker.astGrep, not: { inside: { kind: 'field_expression', has: { field: 'field', regex: `^(${hold.consumedBy.join('|')})$` } } } } : { pattern: hold.maker.astGrep };
  return {
    ...(field ? { field } : {}),
    any: [maker, { has: { stopBy: temporaryScopes(edition), ...maker } }],
    ...(edition >= 2024 ? { not: { kind: 'block' } } : {}),
  };
}

/**
 * Calls that do not run while the guard is held, though they sit inside its scope: in a closure
 * stored for later (`Box::new(move || …)`), in a lazy iterator adapter's closure (`.map(|x| …)`
 * runs when the iterator is consumed), in `MutexGuard::unlocked(&mut g, || …)` (parking_lot
 * releases the lock while the closure runs), in a closure that the crate's callee runs only on a
 * thread or task it does not wait for.
 */
function notRunUnderGuard(elsewhere: readonly ClosureRunElsewhere[]): AstGrepRule {
  const laterOrUnlocked: AstGrepRule = {
    kind: 'closure_expression',
    inside: {
      kind: 'arguments',
      inside: {
        kind: 'call_expression',
        any: [
          { pattern: 'Box::new($$$A)' },
          { has: { field: 'function', kind: 'field_expression', has: { field: 'field', regex: `^(${LAZY_ADAPTERS.join('|')})$` } } },
          { has: { field: 'function', kind: 'scoped_identifier', has: { field: 'name', regex: '^(unlocked|unlocked_fair)$' } } },
          // An outside call that keeps its closure as a callback (lock-apis.ts `KEEPS_CALLBACK`).
          { has: { field: 'function', kind: 'field_expression', has: { field: 'field', regex: KEEPS_CALLBACK.source } } },
        ],
      },
    },
  };
  const runElsewhere = elsewhere.flatMap(({ name, index, method }): AstGrepRule[] => {
    const at = (position: number, callee: string): AstGrepRule => ({
      kind: 'closure_expression',
      nthChild: { position: position + 1, ofRule: { not: { kind: 'line_comment' } } },
      inside: { kind: 'arguments', inside: { kind: 'call_expression', has: { field: 'function', regex: callee } } },
    });
    const raw = `(?:r#)?${escapeRegex(name.replace(/^r#/, ''))}$`;
    return method ? [at(index, `\\.\\s*${raw}`), at(index + 1, `::\\s*${raw}`)] : [at(index, `(^|::\\s*)${raw}`)];
  });
  return { not: { inside: { stopBy: 'end', any: [laterOrUnlocked, ...runElsewhere] } } };
}

/**
 * The calls whose closure arguments do not run now, under the guard: a lazy iterator adapter
 * (`.map(|x| …)` runs when the iterator is consumed) and parking_lot's `unlocked`, as methods.
 */
const LAZY_ADAPTERS = ['map', 'filter', 'filter_map', 'flat_map', 'take_while', 'skip_while', 'map_while', 'inspect', 'scan', 'unlocked', 'unlocked_fair'];

/** A closure expression's text: `|x| …`, `move || …`, `async move |x| …`. */
const CLOSURE_REGEX = '^(?:async\\s+)?(?:move\\s*)?\\|';

/**
 * Semgrep twin of `notRunUnderGuard`: not inside a closure handed to one of those calls, or to a
 * crate callee that runs it elsewhere (at the argument position it takes). Only the closure: the
 * call itself and its other arguments run now, under the guard (`self.hits.iter().map(|r| …)`
 * calls `iter` at once). One condition, so that each rule carries it once.
 */
function notRunUnderGuardSemgrep(elsewhere: readonly ClosureRunElsewhere[]): SemgrepCondition {
  const at = (call: string, before?: number): object => ({ pattern: `${call}(${before === undefined ? '..., ' : '$_, '.repeat(before)}$CLOSURE, ...)` });
  const named = (pattern: string, metavariable: string, names: readonly string[]): object => ({ patterns: [{ pattern }, { 'metavariable-regex': { metavariable, regex: `^(?:${names.join('|')})$` } }] });
  const elsewhereCalls = elsewhere.flatMap(({ name, index, method }) => {
    const bare = name.replace(/^r#/, '');
    return method ? [at(`$CALLEE_RECEIVER.${bare}`, index), at(`$CALLEE_PATH::${bare}`, index + 1)] : [at(bare, index), at(`$CALLEE_PATH::${bare}`, index)];
  });
  return {
    'pattern-not-inside': {
      patterns: [
        {
          'pattern-either': [
            at('Box::new'),
            named('$LAZY.$ADAPTER(..., $CLOSURE, ...)', '$ADAPTER', LAZY_ADAPTERS),
            named('$GUARD_TYPE::$UNLOCKED(..., $CLOSURE, ...)', '$UNLOCKED', ['unlocked', 'unlocked_fair']),
            { patterns: [{ pattern: '$CALLBACK_OWNER.$KEEPER(..., $CLOSURE, ...)' }, { 'metavariable-regex': { metavariable: '$KEEPER', regex: KEEPS_CALLBACK.source } }] },
            ...elsewhereCalls,
          ],
        },
        { 'metavariable-regex': { metavariable: '$CLOSURE', regex: CLOSURE_REGEX } },
        { 'focus-metavariable': '$CLOSURE' },
      ],
    },
  } as unknown as SemgrepCondition;
}

/** Inside `impl Owner` (or `impl Trait for Owner`): `self.queue` of another type is another lock. */
function ownerScope(hold: Hold): AstGrepRule[] {
  if (!hold.owner) return [];
  // A trait's default methods are owned by the trait (`self.table()` in `trait Backend`).
  return [{ inside: { stopBy: 'end', any: [{ kind: 'impl_item', has: { field: 'type', regex: `^${hold.owner}\\b` } }, { kind: 'trait_item', has: { field: 'name', regex: `^${hold.owner}$` } }] } }];
}

/** The makers' call without its arguments, for `maker(…, <closure calling the conflict>, …)`. */
function makerCallee(hold: Hold): string | undefined {
  const m = /^(.*)\(\.\.\.\)$/.exec(hold.maker.semgrep);
  return m ? m[1] : undefined;
}

/**
 * Semgrep's `<... e ...>` does not enter a block expression: edition 2021 keeps a block tail's
 * temporaries, so `{ maker… }` and `unsafe { maker… }` count too.
 */
function makerExpressions(hold: Hold, edition: Edition): string[] {
  const deep = `<... ${hold.maker.semgrep} ...>`;
  return [deep, ...(edition <= 2021 ? [`{ ${deep} }`, `unsafe { ${deep} }`] : [])];
}

/**
 * `<... e ...>` does not enter a closure's block body either: the call in the block of a closure
 * handed to `call` (`self.with_state(|s| { s.insert(k); self.count() })`), as a statement or the tail.
 */
function inClosureBlockArgument(call: string, reached: string): string[] {
  return ['|$PARAM|', '||'].flatMap((params) => [`${call}(..., ${params} {\n  ...\n  <... ${reached} ...>;\n  ...\n}, ...)`, `${call}(..., ${params} {\n  ...\n  <... ${reached} ...>\n}, ...)`]);
}

/** Semgrep: regions where a temporary of the statement holds the guard when `reached` runs. */
function temporarySemgrep(hold: Hold, edition: Edition, reached: string): SemgrepCondition[] {
  const out: SemgrepCondition[] = [];
  if (reached.endsWith('(...)')) for (const maker of makerExpressions(hold, edition)) out.push({ 'pattern-inside': `${reached.slice(0, -5)}(..., ${maker}, ...)` });
  const callee = makerCallee(hold);
  if (callee) for (const context of [`${callee}(..., <... ${reached} ...>, ...)`, ...inClosureBlockArgument(callee, reached)]) out.push({ 'pattern-inside': context });
  out.push({ patterns: [{ 'pattern-inside': `$RECEIVER.$METHOD(..., <... ${reached} ...>, ...)` }, { 'metavariable-pattern': { metavariable: '$RECEIVER', pattern: hold.maker.semgrep } }] } as unknown as SemgrepCondition);
  const consumedLeft = (op: string): SemgrepCondition[] => hold.consumedBy.map((method) => ({ 'pattern-not-inside': `<... ${hold.maker.semgrep}.${method}(...) ...> ${op} $RIGHT` }));
  for (const maker of makerExpressions(hold, edition)) {
    for (const op of BINARY_OPERATORS) {
      const context: SemgrepCondition = { 'pattern-inside': `${maker} ${op} <... ${reached} ...>` };
      out.push(hold.consumedBy.length > 0 ? ({ patterns: [context, ...consumedLeft(op)] } as unknown as SemgrepCondition) : context);
    }
  }
  // Only for values with compound-assignment operators (the `&` right-hand side on a primitive is
  // left to ast-grep: ten patterns per callee of every hold for a rare form).
  if (hold.placeFirst) for (const op of COMPOUND_OPERATORS) out.push({ 'pattern-inside': `<... ${hold.maker.semgrep} ...> ${op} <... ${reached} ...>` });
  return out;
}

/** Semgrep twin of `notRunUnderGuard` and of the owner scope. */
function semgrepExclusions(hold: Hold, elsewhere: readonly ClosureRunElsewhere[]): SemgrepCondition[] {
  const out: SemgrepCondition[] = [notRunUnderGuardSemgrep(elsewhere)];
  if (hold.owner) {
    out.push({ 'pattern-either': [{ 'pattern-inside': 'impl $OWNER { ... }' }, { 'pattern-inside': 'impl $TRAIT for $OWNER { ... }' }, { 'pattern-inside': 'trait $OWNER { ... }' }] } as unknown as SemgrepCondition);
    // Not `\b`: Semgrep's regexes see no word boundary after a non-ASCII letter (`impl Café`).
    out.push({ 'metavariable-regex': { metavariable: '$OWNER', regex: `^${hold.owner}(?:$|[<\\s])` } });
  }
  return out;
}

/** The call (one of the group's forms) where one of the context sets holds, with the exclusions. */
function callIn(group: ConflictGroup, hold: Hold, elsewhere: readonly ClosureRunElsewhere[], decided: DecidedOut, contextSets: readonly (readonly SemgrepCondition[])[], regexBranches: readonly (readonly SemgrepCondition[])[] = []): SemgrepFormula {
  const within = (form: ConflictForm): SemgrepCondition[] => (form.within ? [{ 'pattern-inside': 'fn $WITHIN(...) { ... }' }, { 'metavariable-regex': { metavariable: '$WITHIN', regex: regexOf(form.within) } }] : []);
  const forms = group.forms.map((form): SemgrepFormula => {
    if (form.dropped) return { patterns: [{ pattern: `${form.prefix}$CALLEE($DROPPED)` }, ...droppedLocalSemgrep(form.dropped), ...within(form)] } as unknown as SemgrepFormula;
    const pattern = { pattern: formSemgrep(form, '$CALLEE') };
    return form.within ? { patterns: [pattern, ...within(form)] } : pattern;
  });
  for (const form of group.forms.filter((f) => f.suffix !== undefined)) {
    const future = formSemgrep(unpolled(form), '$CALLEE');
    forms.push({ patterns: [{ 'pattern-either': [{ pattern: `$DRIVER(${future})` }, { pattern: `$RUNTIME.$DRIVER(${future})` }] }, { 'metavariable-regex': { metavariable: '$DRIVER', regex: DRIVER_REGEX } }, ...within(form)] } as unknown as SemgrepFormula);
    const awaited = ['let $AWAITED = <... $FUTURE.await ...>;', '<... $FUTURE.await ...>;'];
    forms.push({
      patterns: [
        { pattern: future },
        { 'pattern-either': awaited.map((later) => ({ 'pattern-inside': `let $FUTURE = ${future};\n...\n${later}` })) },
        ...awaited.map((later) => ({ 'pattern-not-inside': `let $FUTURE = ${future};\n...\ndrop($DROPPED);\n...\n${later}` })),
        ...within(form),
      ],
    } as unknown as SemgrepFormula);
  }
  const branches = contextSets
    .filter((set) => set.length > 0)
    .map((set) => ({
      patterns: [
        forms.length === 1 ? forms[0] : { 'pattern-either': forms },
        { 'metavariable-regex': { metavariable: '$CALLEE', regex: regexOf(group.name) } },
        ...set,
        ...semgrepExclusions(hold, elsewhere),
        ...decided.semgrep,
        ...(group.decidedIn ?? []).map((name): SemgrepCondition => ({ 'pattern-not-inside': `fn ${name}(...) { ... }` })),
      ],
    })) as unknown as SemgrepFormula[];
  for (const set of regexBranches) branches.push({ patterns: [...set, ...semgrepExclusions(hold, elsewhere)] });
  return formulaKeys(branches);
}

function conflictFormsSemgrep(group: ConflictGroup): string[] {
  return group.forms.map((f) => formSemgrep(f, '$CALLEE'));
}

/** Inside a function of this name (a nested one included). */
function withinFunction(name: string): AstGrepRule {
  return { stopBy: 'end', kind: 'function_item', has: { field: 'name', regex: regexOf(name) } };
}

/**
 * The text of a `let`'s initialiser that makes a value of one of the dropped types: its literal
 * (`Ticket { … }`), or a call of a function whose result owns one (`self.ticket()`,
 * `Ticket::new(…)`), maybe unwrapped.
 */
function droppedInitRegex(dropped: DroppedValue): string {
  const alternatives: string[] = [];
  if (dropped.types.length > 0) alternatives.push(`(?:${dropped.types.map(escapeRegex).join('|')})\\s*\\{`);
  if (dropped.makers.length > 0) alternatives.push(`[\\w.:\\s]*?\\b(?:r#)?(?:${dropped.makers.map((m) => escapeRegex(m.replace(/^r#/, ''))).join('|')})\\s*\\([^()]*\\)\\s*(?:\\?|\\.unwrap\\(\\)|\\.expect\\([^()]*\\))?$`);
  return `^(?:${alternatives.join('|')})`;
}

/** ast-grep: `$DROPPED` is a local bound, earlier in the function, to a value of a dropped type. */
function droppedLocalAstGrep(dropped: DroppedValue): AstGrepRule {
  const bound = { kind: 'let_declaration', all: [{ has: { field: 'pattern', pattern: '$DROPPED' } }, { has: { field: 'value', regex: droppedInitRegex(dropped) } }] };
  return { inside: { stopBy: { kind: 'function_item' }, follows: { stopBy: 'end', ...bound } } };
}

function droppedLocalSemgrep(dropped: DroppedValue): SemgrepCondition[] {
  return [
    { 'pattern-either': ['$DROPPED', 'mut $DROPPED'].map((binding) => ({ 'pattern-inside': `let ${binding} = $DROPPED_INIT;\n...` })) } as unknown as SemgrepCondition,
    { 'metavariable-regex': { metavariable: '$DROPPED_INIT', regex: droppedInitRegex(dropped) } },
  ];
}

/** `rt.block_on(fut)`, `futures::executor::block_on(fut)`: the future runs here, to completion. */
const DRIVER_REGEX = `(^|::|\\.)(${[...FUTURE_DRIVING_CALLS].sort().join('|')})$`;
const unpolled = (form: ConflictForm): ConflictForm => ({ ...form, suffix: undefined });

function conflictAstGrep(group: ConflictGroup): AstGrepRule {
  const within = (f: ConflictForm): AstGrepRule => (f.within ? { inside: withinFunction(f.within) } : {});
  // ast-grep's `any` keeps the first branch that matches and checks `constraints` afterwards: a
  // bare `$CALLEE(…)` tried first would take `log::max_level` whole as the name and fail its
  // regex, so the forms with the longest prefix go first.
  const ordered = [...group.forms].sort((a, b) => b.prefix.length - a.prefix.length);
  const forms: AstGrepRule[] = ordered.map((f) => (f.dropped ? { all: [{ pattern: `${f.prefix}$CALLEE($DROPPED)` }, droppedLocalAstGrep(f.dropped), ...(f.within ? [within(f)] : [])] } : { pattern: formAstGrep(f, '$CALLEE'), ...within(f) }));
  for (const f of group.forms.filter((form) => form.suffix !== undefined)) {
    const future = { pattern: formAstGrep(unpolled(f), '$CALLEE'), ...within(f) };
    forms.push({ all: [future, { inside: { kind: 'arguments', inside: { kind: 'call_expression', has: { field: 'function', regex: DRIVER_REGEX } } } }] });
    // `let next = self.queue.lock(); … next.await`: the future takes the lock where it is awaited.
    // A `drop(…)` before that `.await` may be the guard's (the guard's binding is not known here).
    const awaited = { has: { stopBy: 'end', pattern: '$FUTURE.await' }, not: { follows: { stopBy: 'end', pattern: 'drop($DROPPED);' } } };
    forms.push({ all: [future, { inside: { kind: 'let_declaration', has: { field: 'pattern', pattern: '$FUTURE' }, precedes: { stopBy: 'end', ...awaited } } }] });
  }
  // Macro arguments (`println!("{}", self.rows.lock().unwrap().len())`) are token trees to
  // tree-sitter, not calls: the call is found by its text.
  const plain = conflictRegex(group);
  if (plain) forms.push({ kind: 'token_tree', regex: plain });
  forms.push(...polledInMacroAstGrep(group));
  const call = forms.length === 1 ? forms[0] : { any: forms };
  // Functions whose calls of it the analysis found leaving at a decided entry check.
  const decided = group.decidedIn ?? [];
  const names = `^(?:r#)?(?:${decided.map((name) => name.replace(/^r#/, '')).join('|')})$`;
  return decided.length === 0 ? call : { all: [call, { not: { inside: { stopBy: 'end', kind: 'function_item', has: { field: 'name', regex: names } } } }] };
}

/**
 * A pattern that binds the guard by value (`if let Some(worker) = map.get(k)`, `Err(g) =>` of
 * `try_map`) hands it to that binding: a move of the binding (`drop(worker)`) releases it for the
 * statements after the move.
 */
const MOVES_BOUND: AstGrepRule = { any: [{ pattern: '$MOVE($$$BEFORE, $BOUND)' }, { pattern: '$MOVE($BOUND, $$$AFTER)' }, { pattern: 'let $MOVED = $BOUND;' }] };
const BINDING_MOVED_BEFORE: AstGrepRule = {
  not: {
    all: [
      {
        inside: {
          stopBy: 'end',
          any: [
            // In a pattern position `Some(x)` is a tuple-struct pattern, which a bare pattern string does not parse as.
            { kind: 'if_expression', has: { field: 'condition', kind: 'let_condition', has: { field: 'pattern', pattern: { context: 'if let $VARIANT($BOUND) = x {}', selector: 'tuple_struct_pattern' } } } },
            { kind: 'match_arm', has: { field: 'pattern', pattern: '$VARIANT($BOUND)' } },
          ],
        },
      },
      // Up to the construct that binds it: an earlier function's `drop(worker)` is another binding.
      { any: [{ follows: { stopBy: 'end', ...itselfOrBelow(MOVES_BOUND) } }, { inside: { stopBy: { any: [{ kind: 'if_expression' }, { kind: 'match_arm' }, { kind: 'function_item' }] }, follows: { stopBy: 'end', ...itselfOrBelow(MOVES_BOUND) } } }] },
    ],
  },
};

/**
 * The guard moved into a call of the scrutinee (`try_map(m.read().await, f).ok()`): the call's
 * result holds it, so an arm that holds nothing (`None`) is safe, as for an optional guard.
 */
function noneOfMovedGuard(hold: Hold): AstGrepRule {
  const maker = { any: [{ pattern: hold.maker.astGrep }, { pattern: `${hold.maker.astGrep}.await` }, { pattern: `${hold.maker.astGrep}.unwrap()` }] };
  const moved = { has: { stopBy: 'end', kind: 'arguments', has: maker } };
  return { inside: { stopBy: 'end', kind: 'match_arm', all: [{ has: { field: 'pattern', ...HOLDS_NO_GUARD } }, { inside: { kind: 'match_block', inside: { kind: 'match_expression', has: { field: 'value', ...moved } } } }] } };
}

/** The arms, then-block, else-block or loop body of a construct whose scrutinee holds `held`. */
function regionBody(region: ScrutineeRegion, hold: Hold, edition: Edition): AstGrepRule {
  const scrutinee = makerIn(hold, edition, 'value');
  // A `try_*` guard is in its success only: `Ok(g) => …`, `if let Some(g) = …`, `Present(r)`, or
  // the `else` of `if let Err(WouldBlock) = …` (editions up to 2021).
  const success = { field: 'pattern', ...(hold.errHoldsNothing && !hold.attempt ? { not: { regex: '^Err\\b' } } : HOLDS_THE_GUARD) };
  const successOnly = hold.attempt || hold.errHoldsNothing;
  const letCondition = { field: 'condition', kind: 'let_condition', ...(successOnly ? { all: [{ has: scrutinee }, { has: success }] } : { has: scrutinee }) };
  const failureCondition = { field: 'condition', kind: 'let_condition', all: [{ has: scrutinee }, { has: { field: 'pattern', ...HOLDS_NO_GUARD } }] };
  switch (region) {
    case 'match arms':
      return successOnly
        ? { kind: 'match_arm', has: success, inside: { kind: 'match_block', inside: { kind: 'match_expression', has: scrutinee } } }
        : { kind: 'match_block', inside: { kind: 'match_expression', has: scrutinee } };
    case 'if let then-block':
      return { kind: 'block', inside: { kind: 'if_expression', field: 'consequence', has: letCondition } };
    case 'if let else-block':
      // Anywhere in the `else`, an `else if (let)` chain included: its conditions and blocks all
      // run under the first scrutinee's temporaries.
      return { kind: 'else_clause', inside: { kind: 'if_expression', has: hold.attempt ? failureCondition : letCondition } };
    case 'while let body':
      return { kind: 'block', inside: { kind: 'while_expression', has: letCondition } };
    case 'for body':
      return { kind: 'block', inside: { kind: 'for_expression', field: 'body', has: scrutinee } };
  }
}

/**
 * The text of `holdsNoGuard` (syntax-shapes.ts), the analysis's rule for the variants of a
 * `try_*` result that hold nothing: `None`, `_`, `Err(…)` but std's `Poisoned` (or an
 * or-pattern that may be it), dashmap's `Absent` / `Locked`. ast-grep's regexes have no
 * look-ahead, so the exception is a rule of its own.
 */
const NO_GUARD_TEXT = '^(None|_|Option\\s*::\\s*None|(Result\\s*::\\s*)?Err\\s*\\([\\s\\S]*\\)|((\\w+\\s*::\\s*)*TryResult\\s*::\\s*)?(Absent|Locked))$';
const MAY_HOLD_TEXT = 'Poisoned|\\|';
const HOLDS_NO_GUARD: AstGrepRule = { all: [{ regex: NO_GUARD_TEXT }, { not: { regex: MAY_HOLD_TEXT } }] };
const HOLDS_THE_GUARD: AstGrepRule = { not: HOLDS_NO_GUARD };

/**
 * `Some(worker)`, `Err(g)`: an arm that binds one value by name, which takes a guard held by
 * value. (Semgrep 1.185 binds an `if let` pattern's text without its closing parenthesis:
 * `Some(worker`.)
 */
const ONE_BINDING_ARM = '[\\w:]+\\s*\\(\\s*(?:mut\\s+)?(?:[A-Za-z]|_\\w)\\w*\\s*\\)?';

/** `HOLDS_NO_GUARD` for Semgrep's (PCRE) regexes, which have look-ahead: an arm that may hold the guard. */
const HOLDS_THE_GUARD_SEMGREP = `(?:(?!(?:${NO_GUARD_TEXT.slice(1, -1).replace('\\([\\s\\S]*\\)', '\\([\\s\\S]*')})$)|[\\s\\S]*(?:${MAY_HOLD_TEXT}))`;

/**
 * Semgrep: the scrutinee regions where the call runs under the guard, as context sets. An arm
 * that binds one value (`Some(worker)`) takes the guard when the scrutinee holds it by value, so
 * a move of that binding (`drop(worker)`) releases it for what follows (Semgrep needs the binding
 * named in the pattern to follow it: those arms get a set of their own). A guard moved into a
 * call of the scrutinee (`try_map(m.read().await, f).ok()`) is held by the call's result: an arm
 * that holds nothing (`None`) is safe.
 */
function scrutineeContextsSemgrep(hold: Hold, edition: Edition, forms: readonly string[], regions: readonly ScrutineeRegion[]): SemgrepCondition[][] {
  // `match { maker… } { … }`: up to edition 2021 a block tail's temporaries live as long as the
  // scrutinee's (written for `match`, where blocks as scrutinees are met).
  const scrutinees = (held: string, region: ScrutineeRegion): string[] => [`<... ${held} ...>`, ...(edition <= 2021 && region === 'match arms' && held === hold.maker.semgrep ? [`{ <... ${held} ...> }`] : [])];
  const contexts = (region: ScrutineeRegion, held: string, reached: string, arm: string, scrutinee: string): SemgrepCondition[] => {
    const patterns = [...scrutineePatterns(region, held, reached, true, arm, scrutinee), ...(region === 'if let else-block' ? elseChainPatterns(held, reached, arm, scrutinee) : [])];
    // A negation applies to its own conjunction's ranges: the then-block's alternative matches the call itself, so that leaving out the `else` leaves out the call there.
    return patterns.map((p): SemgrepCondition => (region === 'if let then-block' ? ({ patterns: [{ pattern: reached }, { 'pattern-inside': p }, ...elseTakenOut(arm, scrutinee)] } as unknown as SemgrepCondition) : { 'pattern-inside': p }));
  };
  const inside = (arm: string, held: string, where: readonly ScrutineeRegion[]): SemgrepCondition =>
    ({
      'pattern-either': forms.flatMap((reached) => where.flatMap((region) => scrutinees(held, region).flatMap((scrutinee) => contexts(region, held, reached, arm, scrutinee)))),
    }) as unknown as SemgrepCondition;
  if (hold.attempt || hold.errHoldsNothing) {
    const arms = (region: ScrutineeRegion): string[] => (hold.attempt ? attemptArms(region) : region !== 'if let else-block' ? ['Ok($SUCCESS)'] : ['$PAT']);
    return [[{ 'pattern-either': regions.flatMap((region) => arms(region).map((arm) => inside(arm, hold.maker.semgrep, [region]))) } as unknown as SemgrepCondition]];
  }
  const maker = hold.maker.semgrep;
  const movedMakers = [maker, `${maker}.await`, `${maker}.unwrap()`].map((m) => `$MOVER(..., ${m}, ...)`);
  const matchArms = regions.filter((r) => r === 'match arms');
  return [
    [
      inside('$PAT', maker, regions),
      { 'metavariable-regex': { metavariable: '$PAT', regex: `^(?!${ONE_BINDING_ARM}$)` } },
      ...(matchArms.length > 0 ? movedMakers.map((moved): SemgrepCondition => ({ 'pattern-not-inside': `match <... ${moved} ...> {\n  $ARM => $BODY,\n}` })) : []),
    ],
    ...(matchArms.length > 0 ? [[{ 'pattern-either': movedMakers.map((moved) => inside('$PAT', moved, matchArms)) } as unknown as SemgrepCondition, { 'metavariable-regex': { metavariable: '$PAT', regex: `^(?!${ONE_BINDING_ARM}$)${HOLDS_THE_GUARD_SEMGREP}` } }]] : []),
    [inside('$VARIANT($BOUND)', maker, regions), { 'pattern-not-inside': '$MOVE(..., $BOUND, ...);\n...' }, { 'pattern-not-inside': 'let $MOVED = $BOUND;\n...' }],
  ];
}

/**
 * Semgrep's `if let P = S { … }` matches an `if let` with an `else` too, and its range is the whole
 * construct: a call in the `else` lies inside it whenever the then-block calls the same callee
 * (`if let Some(e) = self.map.read().get(k) { … self.refresh(k) } else { self.refresh(k) }`). The
 * then-block's context leaves out that construct's `else` (a block, or one `else if` link's
 * blocks); the `else` has contexts of its own where it holds the guard (editions up to 2021).
 */
function elseTakenOut(arm: string, scrutinee: string): SemgrepCondition[] {
  const head = `if let ${arm} = ${scrutinee} {\n  ...\n}`;
  const links = ['if $ELSE_CONDITION', 'if let $ELSE_PAT = $ELSE_VALUE'];
  const elses = [`${head} else {\n  $...ELSE\n}`, ...links.flatMap((link) => [`${head} else ${link} {\n  $...ELSE\n}`, `${head} else ${link} {\n  ...\n} else {\n  $...ELSE\n}`])];
  return elses.map((pattern) => ({ 'pattern-not-inside': { patterns: [{ pattern }, { 'focus-metavariable': '$...ELSE' }] } }) as unknown as SemgrepCondition);
}

/**
 * Semgrep: a conflicting call in a macro's arguments (found by its text) inside a construct whose
 * scrutinee holds the guard. Semgrep matches no macro by a metavariable name, so the region is
 * the whole construct: its arms, or an `if let` with its `else` (held there only up to edition
 * 2021; a guard that may be absent holds nothing in `else`, and a `try_*` guard only in its
 * success, which the whole construct cannot tell apart: those holds get no such form).
 */
function macroInScrutineeRegion(hold: Hold, edition: Edition, regex: string): SemgrepCondition[][] {
  if (hold.attempt || hold.errHoldsNothing || hold.optional) return [];
  const scrutinee = `<... ${hold.maker.semgrep} ...>`;
  const constructs = [
    `match ${scrutinee} {\n  $PAT => $BODY,\n}`,
    ...(edition <= 2021 ? [`if let $PAT = ${scrutinee} {\n  ...\n}`] : []),
    `while let $PAT = ${scrutinee} {\n  ...\n}`,
    `for $PAT in ${scrutinee} {\n  ...\n}`,
  ];
  return [[{ 'pattern-regex': regex }, { 'pattern-either': constructs.map((construct) => ({ 'pattern-inside': construct })) } as unknown as SemgrepCondition]];
}

/** Semgrep: the arm patterns of a `try_*` result under which `region` holds its guard. */
function attemptArms(region: ScrutineeRegion): string[] {
  return region === 'if let else-block' ? ['Err($FAILURE)', 'None'] : ['Ok($SUCCESS)', 'Some($SUCCESS)', 'TryResult::Present($SUCCESS)'];
}

function regionsOf(hold: Hold, edition: Edition): ScrutineeRegion[] {
  if (hold.attempt) return ['match arms', 'if let then-block', 'while let body', ...(edition <= 2021 ? (['if let else-block'] as const) : [])];
  if (hold.optional) return ['if let then-block'];
  return ['match arms', 'if let then-block', 'while let body', 'for body', ...(edition <= 2021 ? (['if let else-block'] as const) : [])];
}

/** In the arguments of a call made on the guard (or of the maker itself: `self.with_state(|s| …)`). */
function inChainedArguments(hold: Hold, edition: Edition): AstGrepRule {
  return {
    inside: {
      stopBy: 'end',
      kind: 'arguments',
      inside: { kind: 'call_expression', any: [{ pattern: hold.maker.astGrep }, { has: makerIn(hold, edition, 'function') }] },
    },
  };
}

function temporaryAstGrep(hold: Hold, edition: Edition): AstGrepRule[] {
  return [
    { has: { field: 'arguments', has: { stopBy: temporaryScopes(edition), pattern: hold.maker.astGrep } } },
    inChainedArguments(hold, edition),
    // Operands run left to right; `&&` / `||` are left out (a let chain drops their temporaries at once).
    {
      inside: {
        stopBy: 'end',
        field: 'right',
        kind: 'binary_expression',
        has: makerIn(hold, edition, 'left'),
        not: { any: [{ pattern: '$L && $R' }, { pattern: '$L || $R' }] },
      },
    },
    // A compound assignment that is a trait call (a non-primitive place, or a `&` right-hand side)
    // evaluates the place, guard and all, first.
    { inside: { stopBy: 'end', field: 'right', kind: 'compound_assignment_expr', all: [{ has: makerIn(hold, edition, 'left') }, ...(hold.placeFirst ? [] : [{ has: { field: 'right', kind: 'reference_expression' } }])] } },
  ];
}

/**
 * A move inside one branch of an earlier `if` / `match` (or a loop body) leaves the guard alive on
 * the paths that did not take it: drop flags (Reference, "Destructors"). Like the analysis, the
 * pack then counts the guard as held after the construct (`if full { drop(q); return 0; }`).
 */
const BRANCHING: AstGrepRule = { any: ['if_expression', 'match_expression', 'loop_expression', 'while_expression', 'for_expression'].map((kind) => ({ kind })) };

// `$MOVE($$$A, $G, $$$B)` does not match when both sides are empty; two patterns cover it.
// `let other = g;` moves it too.
const MOVES_G: AstGrepRule = { any: [{ pattern: '$MOVE($$$BEFORE, $G)' }, { pattern: '$MOVE($G, $$$AFTER)' }, { pattern: 'let $MOVED = $G;' }] };

/**
 * A closure handed to a scoped thread's `spawn` runs on that thread, which the scope joins at its
 * end (or `handle.join()` joins earlier): it conflicts with a guard still held at the join. A move
 * of the guard inside the `scope` call releases it first (the analysis follows the join exactly;
 * the pack takes any move in the scope as releasing it before the join).
 */
const SPAWNED_CLOSURE: AstGrepRule = { kind: 'closure_expression', inside: { kind: 'arguments', inside: { kind: 'call_expression', has: { field: 'function', regex: '\\.spawn$' } } } };
const RELEASED_BEFORE_JOIN: AstGrepRule = {
  not: {
    all: [
      { inside: { stopBy: 'end', ...SPAWNED_CLOSURE } },
      { inside: { stopBy: 'end', kind: 'call_expression', all: [{ has: { field: 'function', regex: '(^|::|\\.)scope$' } }, { has: { stopBy: 'end', ...MOVES_G } }] } },
    ],
  },
};
/**
 * Semgrep: not in a closure spawned on a scope's threads (`s.spawn(…)`) when the scope's body
 * moves the guard before the threads are joined. One negation, so that the `let` contexts are
 * written (and matched) once per rule, not once for spawned code and once for the rest.
 */
const RELEASED_BEFORE_JOIN_SEMGREP: SemgrepCondition = {
  'pattern-not-inside': { patterns: [{ 'pattern-inside': '$THREADS.spawn(...)' }, { 'pattern-inside': '$SCOPE(|$THREADS| {\n  ...\n  $MOVE(..., $G, ...);\n  ...\n})' }] },
} as unknown as SemgrepCondition;

/**
 * After `let G = <guard>;` in an enclosing block, with no move of `G` (`drop(g)`) before it at
 * any level: `if c { drop(g); self.f() }` is safe.
 */
/** A `try_*` made while no guard of the same lock is bound before it (in this block or around it) succeeds. */
function attemptSucceeds(hold: Hold): AstGrepRule | undefined {
  const held = hold.sameLockMakers.map((maker) => ({ kind: 'let_declaration', has: { field: 'value', ...itselfOrBelow({ pattern: maker.astGrep.replace('$$$MAKER_ARGS', () => '$$$HELD_ARGS') }) } }));
  if (held.length === 0) return undefined;
  const before = { follows: { stopBy: 'end', any: held } };
  return { not: { any: [before, { inside: { stopBy: { kind: 'function_item' }, ...before } }] } };
}

/** The statements that bind the guard: `let g = <maker>…;`, `let Ok(g) = <maker> else { … };`. */
function guardLets(hold: Hold): AstGrepRule[] {
  // `$G` is a name: a tuple pattern binds the guard to one element only (`tupleLets`).
  const named = { has: { field: 'pattern', kind: 'identifier' } };
  return [
    ...astGrepInits(hold).flatMap((init) => [{ pattern: `let $G = ${init};`, ...named }, { pattern: `let mut $G = ${init};`, ...named }]),
    ...tupleLets(hold).map((statement) => ({ pattern: statement })),
    ...guardVariantInits(hold.maker.astGrep).map(([variant, init]) => ({ pattern: `let ${variant}($G) = ${init} else { $$$ELSE };` })),
  ];
}

/** `let (proxies, id, $G) = <init>;`: the tuple element that holds the guard. */
function tupleLets(hold: Hold): string[] {
  return hold.tupleLets.filter((t) => !t.init.includes('$')).map((t) => `let (${t.elements}) = ${t.init};`);
}

/** A move of `$G`, or a call of a method that consumes it (`found.and_then(…)`, `batch.finish()`). */
function movesOfG(hold: Hold): AstGrepRule {
  if (hold.consumedBy.length === 0) return MOVES_G;
  const consumed = { kind: 'call_expression', has: { field: 'function', kind: 'field_expression', all: [{ has: { field: 'value', pattern: '$G' } }, { has: { field: 'field', regex: `^(${hold.consumedBy.join('|')})$` } }] } };
  return { any: [MOVES_G, consumed] };
}

/** Semgrep: the same statements, each followed by `rest`. */
function guardLetsSemgrep(hold: Hold, rest: string): string[] {
  return semgrepInits(hold).flatMap((init) => ['$G', 'mut $G'].map((binding) => `let ${binding} = ${init};\n...\n${rest}`));
}

/**
 * A statement under `#[cfg(P)]` after a guard's `let` under `#[cfg(not(P))]` (or the reverse):
 * the two are never compiled into one program (Reference, "Conditional compilation"), so the
 * statement never runs while that guard is held.
 */
function cfgAlternativeOf(lets: readonly AstGrepRule[]): AstGrepRule {
  const [plain, negated] = ['#[cfg($$$CFG)]', '#[cfg(not($$$CFG))]'];
  return {
    any: [
      [plain, negated],
      [negated, plain],
    ].map(([own, guard]) => ({ all: [{ follows: { pattern: own } }, { follows: { stopBy: 'end', all: [{ any: lets }, { follows: { pattern: guard } }] } }] })),
  };
}

/** A lock type's constructor: `Mutex::new(…)`, `RwLock::default()`, written in a `let`'s value. */
const NEW_LOCK = `\\b(?:${LOCK_TYPE_NAME_LIST.join('|')})\\s*::\\s*(?:new|const_new|default)\\b`;

/** After the guard's `let`, a shadowing `let` of its local root that builds a lock: the root is another lock from there on. */
function rootRebuilt(hold: Hold, lets: readonly AstGrepRule[]): AstGrepRule[] {
  if (!hold.localRoot) return [];
  const rebuilt = { kind: 'let_declaration', all: [{ has: { field: 'pattern', regex: `^${hold.localRoot}$` } }, { has: { field: 'value', regex: NEW_LOCK } }] };
  return [{ not: { follows: { stopBy: { any: lets }, ...rebuilt } } }];
}

function afterLet(hold: Hold, calls: AstGrepRule): AstGrepRule {
  const succeeds = hold.attempt ? attemptSucceeds(hold) : undefined;
  const lets = guardLets(hold).map((pattern) => (succeeds ? { all: [pattern, succeeds] } : pattern));
  const moves = movesOfG(hold);
  const movedBefore = { follows: { stopBy: 'end', any: [moves, { has: { stopBy: BRANCHING, ...moves } }] } };
  // A move counts for the statements after it in its own block (the other arm of its `if` is not after it).
  const statement = { all: [{ not: { kind: 'function_item' } }, { follows: { stopBy: 'end', any: lets } }, { not: movedBefore }, { not: { has: { stopBy: 'end', all: [movedBefore, { inside: { kind: 'block' } }, itselfOrBelow(calls)] } } }, { not: cfgAlternativeOf(lets) }, ...rootRebuilt(hold, lets)] };
  // The call is that statement (a block's tail expression) or inside it.
  // An item declared in a body (a nested `fn`, or one that half-written code left unclosed) does
  // not run under the guard: the search for the `let` stops at the call's own function.
  return { any: [statement, { inside: { stopBy: { kind: 'function_item' }, ...statement } }] };
}

/** The two rules of one callee of a hold: in the scrutinee's regions, and under a bound or temporary guard. */
function calleeRules(hold: Hold, edition: Edition, elsewhere: readonly ClosureRunElsewhere[], decided: DecidedOut, ids: { crate: string; maker: string }, group: ConflictGroup, text: CalleeText): ProjectRule[] {
  const what = `the ${hold.held.mode} guard of \`${hold.lockDisplay}\` made by \`${hold.maker.text}\``;
  const forms = conflictFormsSemgrep(group);
  const calls = conflictAstGrep(group);
  const constraints = { CALLEE: { regex: regexOf(group.name) } };
  const regions = regionsOf(hold, edition);
  const tail = `${ids.crate}.${ids.maker}.${text.slug}`;
  // A `try_*` result bound with `let` is a success when nothing of its lock is held before it.
  const attemptSemgrep: SemgrepCondition[] = hold.attempt ? hold.sameLockMakers.map((maker) => ({ 'pattern-not-inside': `let $HELD = <... ${maker.semgrep} ...>;\n...\nlet $G = ${hold.maker.semgrep};\n...` })) : [];
  const upgrade = hold.held.mode !== 'exclusive' && group.requested === 'exclusive';
  const catalogueId = upgrade ? 'lock-upgrade' : 'double-lock';
  return [
    {
      id: `lockscope.rust.guard-across-branch.${tail}`,
      catalogueId: 'guard-across-branch',
      message:
        `\`${text.callee}\` runs while ${what}, made in the scrutinee, is still alive (every \`match\` arm, the \`if let\` then-block${edition <= 2021 && !hold.optional ? ' and, before edition 2024, its else-block' : ''}, the loop body), and it takes the lock again: ${text.chain}. ` +
        'Bind the value with `let` first so the guard is dropped, or drop the guard before the call.',
      semgrep: callIn(group, hold, elsewhere, decided, scrutineeContextsSemgrep(hold, edition, forms, regions), callInMacroSemgrep(group).flatMap((regex) => macroInScrutineeRegion(hold, edition, regex))),
      astGrep: { all: [calls, ...ownerScope(hold), notRunUnderGuard(elsewhere), ...decided.astGrep, { inside: { stopBy: 'end', any: regions.map((r) => regionBody(r, hold, edition)) } }, BINDING_MOVED_BEFORE, { not: noneOfMovedGuard(hold) }] },
      constraints,
    },
    {
      id: `lockscope.rust.${catalogueId}.${tail}`,
      catalogueId,
      message:
        `\`${text.callee}\` runs while ${what} is alive (bound with \`let\`, to the end of its block, or a temporary of this statement), and it takes the lock again: ${text.chain}. ` +
        'Drop the guard (or end the statement) before the call, or pass the guarded data down.',
      semgrep: callIn(group, hold, elsewhere, decided, [[...afterLetSemgrep(hold), ...attemptSemgrep, RELEASED_BEFORE_JOIN_SEMGREP], [{ 'pattern-either': forms.flatMap((reached) => temporarySemgrep(hold, edition, reached)) } as unknown as SemgrepCondition]], [
        ...macroTemporarySemgrep(hold, group).map((regex) => [{ 'pattern-regex': regex }]),
        ...inMacroAfterLetSemgrep(hold, group),
        ...guardClosureCalledTwiceSemgrep(hold, group),
        ...futureBuiltBeforeSemgrep(hold, group),
      ]),
      astGrep: {
        any: [
          { all: [calls, ...ownerScope(hold), notRunUnderGuard(elsewhere), ...decided.astGrep, { any: [afterLet(hold, calls), ...temporaryAstGrep(hold, edition)] }, RELEASED_BEFORE_JOIN] },
          ...macroTemporaryAstGrep(hold, group).map((macro) => ({ all: [macro, ...ownerScope(hold)] })),
          ...futureBuiltBefore(hold, group, calls),
          ...guardClosureCalledTwice(hold, group),
        ],
      },
      constraints,
    },
  ];
}

/** Semgrep: a conflicting call in a macro's arguments (its regexes, one branch) after the guard's `let`. */
function inMacroAfterLetSemgrep(hold: Hold, group: ConflictGroup): SemgrepCondition[][] {
  const regexes = callInMacroSemgrep(group).map((regex): SemgrepCondition => ({ 'pattern-regex': regex }));
  if (regexes.length === 0) return [];
  return [[regexes.length === 1 ? regexes[0] : ({ 'pattern-either': regexes } as unknown as SemgrepCondition), ...afterLetSemgrep(hold)]];
}

/** How a rule names its callee: in the message, its chain to the lock, and the rule id's last part. */
interface CalleeText {
  readonly callee: string;
  readonly chain: string;
  readonly slug: string;
}

/** Branches the path has decided not to run (`Option`-field tests), for the holds of one owner. */
interface DecidedOut {
  readonly astGrep: readonly AstGrepRule[];
  readonly semgrep: readonly SemgrepCondition[];
}

function decidedOutFor(hold: Hold, fields: readonly TestedOptionField[]): DecidedOut {
  const own = fields.filter((f) => hold.owner === undefined || f.owner === hold.owner);
  return { astGrep: notDecidedOutAstGrep(own), semgrep: notDecidedOutSemgrep(own) };
}

/**
 * The rule of one callee of a hold whose guard lives during the maker's call only (a helper that
 * runs the closure it is given under the lock): the conflict is in a closure handed to that call.
 * Bound with `let`, or tested by `if let`, the call's value holds nothing.
 */
function closureCalleeRules(hold: Hold, elsewhere: readonly ClosureRunElsewhere[], decided: DecidedOut, ids: { crate: string; maker: string }, group: ConflictGroup, text: CalleeText): ProjectRule[] {
  const upgrade = hold.held.mode !== 'exclusive' && group.requested === 'exclusive';
  const catalogueId = upgrade ? 'lock-upgrade' : 'double-lock';
  const underMaker: AstGrepRule = { inside: { stopBy: 'end', kind: 'closure_expression', inside: { kind: 'arguments', inside: { pattern: hold.maker.astGrep } } } };
  return [
    {
      id: `lockscope.rust.${catalogueId}.${ids.crate}.${ids.maker}.${text.slug}`,
      catalogueId,
      message:
        `\`${text.callee}\` runs in the closure that \`${hold.maker.text}\` runs while it holds the ${hold.held.mode} guard of \`${hold.lockDisplay}\`, and it takes the lock again: ${text.chain}. ` +
        'Work on the data the closure is given instead of locking again, or make the call after the closure returns.',
      semgrep: callIn(group, hold, elsewhere, decided, [closureOfMakerSemgrep(hold)]),
      astGrep: { all: [conflictAstGrep(group), ...ownerScope(hold), notRunUnderGuard(elsewhere), ...decided.astGrep, underMaker] },
      constraints: { CALLEE: { regex: regexOf(group.name) } },
    },
  ];
}

/**
 * Semgrep: in a closure and inside the maker's call. Semgrep cannot place "in a closure argument"
 * (a pattern-inside spans the whole call), so a closure in another argument counts too; and not
 * the maker call itself (which would otherwise be inside itself when it sits in any closure), so
 * the same helper called again inside its own closure is left to the analysis.
 */
function closureOfMakerSemgrep(hold: Hold): SemgrepCondition[] {
  const closures = ['|| $BODY', '|$P| $BODY', '|$P, $Q| $BODY', '|$P, $Q, $R| $BODY'].flatMap((c) => [c, `move ${c}`]);
  return [
    { 'pattern-inside': hold.maker.semgrep },
    { 'pattern-either': closures.map((closure) => ({ 'pattern-inside': closure })) } as unknown as SemgrepCondition,
    { 'pattern-not': hold.maker.semgrep } as unknown as SemgrepCondition,
  ];
}

/**
 * The rule of one callee of a guard a field of `self` keeps: in a method of the owner that takes
 * `self`, before the method moves `self` (`let Txn { guard, store } = self;`, `drop(self)`) or the
 * guard (`drop(self.guard)`) on.
 */
function fieldGuardRules(hold: Hold, field: string, elsewhere: readonly ClosureRunElsewhere[], decided: DecidedOut, ids: { crate: string; maker: string }, group: ConflictGroup, text: CalleeText): ProjectRule[] {
  const upgrade = hold.held.mode !== 'exclusive' && group.requested === 'exclusive';
  const catalogueId = upgrade ? 'lock-upgrade' : 'double-lock';
  const moves = [{ kind: 'let_declaration', has: { field: 'value', kind: 'self' } }, { kind: 'expression_statement', any: [{ pattern: 'drop(self);' }, { pattern: `drop(${field});` }] }];
  const movedBefore: AstGrepRule = { any: [{ follows: { stopBy: 'end', any: moves } }, { inside: { stopBy: { kind: 'function_item' }, follows: { stopBy: 'end', any: moves } } }] };
  const method: AstGrepRule = { inside: { stopBy: 'end', kind: 'function_item', has: { field: 'parameters', has: { kind: 'self_parameter' } } } };
  const selfMethods = ['&self', '&mut self', 'self', 'mut self'].flatMap((receiver) => [`fn $METHOD(${receiver}, ...) -> $RESULT { ... }`, `fn $METHOD(${receiver}, ...) { ... }`]);
  const movesSemgrep = ['let $MOVED = self;', 'drop(self);', `drop(${field});`].map((move): SemgrepCondition => ({ 'pattern-not-inside': `${move}\n...` }));
  return [
    {
      id: `lockscope.rust.${catalogueId}.${ids.crate}.${ids.maker}.${text.slug}`,
      catalogueId,
      message:
        `\`${text.callee}\` runs while \`${field}\` holds the ${hold.held.mode} guard of \`${hold.lockDisplay}\` (every method of the type taking \`self\` runs under it), and it takes the lock again: ${text.chain}. ` +
        'Work on the data the field guards instead of locking again, or make the call where the value holding the guard is gone.',
      semgrep: callIn(group, hold, elsewhere, decided, [[{ 'pattern-either': selfMethods.map((m) => ({ 'pattern-inside': m })) } as unknown as SemgrepCondition, ...movesSemgrep]]),
      astGrep: { all: [conflictAstGrep(group), ...ownerScope(hold), notRunUnderGuard(elsewhere), ...decided.astGrep, method, { not: movedBefore }] },
      constraints: { CALLEE: { regex: regexOf(group.name) } },
    },
  ];
}

function rulesForHold(hold: Hold, edition: Edition, elsewhere: readonly ClosureRunElsewhere[], fields: readonly TestedOptionField[], ids: { crate: string; maker: string }, engine: 'semgrep' | 'ast-grep'): ProjectRule[] {
  const decided = decidedOutFor(hold, fields);
  const field = hold.heldBySelf;
  const build = (group: ConflictGroup, text: CalleeText): ProjectRule[] =>
    field !== undefined
      ? fieldGuardRules(hold, field, elsewhere, decided, ids, group, text)
      : hold.whileRunningClosure
        ? closureCalleeRules(hold, elsewhere, decided, ids, group, text)
        : calleeRules(hold, edition, elsewhere, decided, ids, group, text);
  const own = (group: ConflictGroup): ProjectRule[] => build(group, { callee: group.name, chain: group.chain, slug: slug(group.name) });
  const rules = engine === 'semgrep' ? calleesSharingRules(hold.groups, own, build) : hold.groups.flatMap(own);
  // Drop glue and formatting run at the end of a bound guard's block: a closure's guard has none.
  return hold.whileRunningClosure || field !== undefined ? rules : [...rules, ...glueRules(hold, ids, elsewhere)];
}

/**
 * A stand-in for a callee's name, to tell which rules differ in that name only. It is a Rust
 * identifier, so it builds the same patterns a name does.
 */
const CALLEE_STAND_IN = 'lockscope_callee_stand_in';

/**
 * Semgrep: the callees of one hold whose rules differ only in the callee's name share a rule that
 * matches any of them (`^(?:init_for|refresh)$`). Semgrep matches every rule on its own, and
 * pysemgrep loads every rule's YAML in Python: a crate where a lock is reached by twenty functions
 * paid twenty times for the same patterns. The shared rule's message names the callee that
 * matched (`$CALLEE`, bound by the pattern or by a named group of a macro's regex); each
 * callee's chain to the lock is in its metadata. A name the rule needs outside a regex (a future
 * built before the guard is found by a pattern naming it) keeps a rule of its own, as on ast-grep.
 */
function calleesSharingRules(groups: readonly ConflictGroup[], own: (group: ConflictGroup) => ProjectRule[], build: (group: ConflictGroup, text: CalleeText) => ProjectRule[]): ProjectRule[] {
  const standIn = (group: ConflictGroup): ConflictGroup => ({ ...group, name: CALLEE_STAND_IN, forms: group.forms.map((f) => ({ ...f, name: CALLEE_STAND_IN })) });
  const text: CalleeText = { callee: '$CALLEE', chain: '', slug: '' };
  const shared = new Map<string, { rule: ProjectRule; groups: ConflictGroup[] }>();
  const out: ProjectRule[] = [];
  for (const group of groups) {
    const rules = own(group);
    const shapes = build(standIn(group), text);
    rules.forEach((rule, i) => {
      const shape = shapes[i];
      const named = renameCallee(shape.semgrep, () => group.name);
      if (named === undefined || JSON.stringify(named) !== JSON.stringify(rule.semgrep)) {
        out.push(rule);
        return;
      }
      const key = `${i} ${shape.catalogueId} ${JSON.stringify(shape.semgrep)}`;
      const entry = shared.get(key) ?? { rule: shape, groups: [] };
      shared.set(key, entry);
      entry.groups.push(group);
    });
  }
  for (const [key, { rule, groups: sharing }] of shared) {
    const i = Number(key.split(' ')[0]);
    if (sharing.length === 1) {
      out.push(own(sharing[0])[i]);
      continue;
    }
    const names = sharing.map((g) => g.name);
    const chains = Object.fromEntries(sharing.map((g) => [g.name, g.chain]));
    const [first] = build(sharing[0], { callee: '$CALLEE', chain: CHAINS_IN_METADATA, slug: `${slug(sharing[0].name)}-and-${sharing.length - 1}-more` }).slice(i, i + 1);
    out.push({ ...first, semgrep: renameCallee(rule.semgrep, (context) => (context === 'pattern-regex' ? `(?<CALLEE>${names.join('|')})` : `(?:${names.join('|')})`))!, chains });
  }
  return out;
}

const CHAINS_IN_METADATA = 'the chain from each function this rule names to the lock is in its metadata (`lockscope-callee-chains`)';

/**
 * The formula with the stand-in replaced in its regexes, or undefined when a pattern names it
 * (a pattern cannot match one of several names).
 */
function renameCallee(formula: SemgrepFormula, name: (context: 'pattern-regex' | 'regex') => string): SemgrepFormula | undefined {
  let named = true;
  const walk = (value: unknown, key?: string): unknown => {
    if (typeof value === 'string') {
      if (!value.includes(CALLEE_STAND_IN)) return value;
      if (key === 'pattern-regex' || key === 'regex') return value.split(CALLEE_STAND_IN).join(name(key));
      named = false;
      return value;
    }
    if (Array.isArray(value)) return value.map((v) => walk(v));
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, k)]));
    return value;
  };
  const out = walk(formula) as SemgrepFormula;
  return named ? out : undefined;
}

/**
 * A future built before the guard and awaited while it is held (`let pending = self.refresh();
 * let g = …; pending.await`; an `async` block, or a closure returning one, bound the same way):
 * its body runs at the `.await`. Reported at the guard's `let`.
 */
function futureBuiltBefore(hold: Hold, group: ConflictGroup, calls: AstGrepRule): AstGrepRule[] {
  const unpolledForms = group.forms.filter((f) => f.suffix !== undefined && f.within === undefined).map((f) => ({ pattern: formAstGrep(unpolled(f), '$CALLEE') }));
  const built: AstGrepRule[] = [...unpolledForms, { kind: 'async_block', has: { stopBy: 'end', ...calls } }, { kind: 'closure_expression', has: { field: 'body', kind: 'async_block', has: { stopBy: 'end', ...calls } } }];
  const future = { kind: 'let_declaration', all: [{ has: { field: 'pattern', pattern: '$FUTURE' } }, { has: { field: 'value', any: built } }] };
  const awaited = { has: { stopBy: 'end', any: [{ pattern: '$FUTURE.await' }, { pattern: '$FUTURE().await' }] }, not: { follows: { stopBy: 'end', ...itselfOrBelow(MOVES_G) } } };
  return [{ all: [{ any: guardLets(hold) }, ...ownerScope(hold), { follows: { stopBy: 'end', ...future } }, { precedes: { stopBy: 'end', ...awaited } }] }];
}

/**
 * A closure that returns the guard (`let m = || INTERNER.lock();`), called while an earlier
 * call's guard is alive: bound (`let first = m(); … m()`) or a temporary of the same expression
 * (`m().len() + m().len()`). Reported at the closure, where the analysis puts the acquisition.
 */
function guardClosureCalledTwice(hold: Hold, group: ConflictGroup): AstGrepRule[] {
  const self = /^(.*)\(\.\.\.\)$/.exec(hold.maker.semgrep);
  if (!self || !group.forms.some((f) => `${f.prefix}${group.name}` === self[1] && f.args === undefined && f.within === undefined)) return [];
  const maker = { pattern: hold.maker.astGrep };
  const closure = { kind: 'closure_expression', has: { field: 'body', any: [maker, { has: { stopBy: 'end', ...maker } }] } };
  const call = { pattern: '$CLOSURE()' };
  const boundThenCalled = { all: [{ pattern: 'let $FIRST = $CLOSURE();' }, { precedes: { stopBy: 'end', has: { stopBy: 'end', ...call } } }] };
  const twiceInOne = { has: { stopBy: 'end', kind: 'binary_expression', all: [{ has: { field: 'left', ...itselfOrBelow(call) } }, { has: { field: 'right', ...itselfOrBelow(call) } }] } };
  return [{ all: [{ pattern: 'let $CLOSURE = $BODY;' }, { has: { field: 'value', ...closure } }, ...ownerScope(hold), { precedes: { stopBy: 'end', any: [boundThenCalled, twiceInOne] } }] }];
}

/** Semgrep twin of `futureBuiltBefore`: the match starts at the guard's `let` and ends at the `.await`. */
function futureBuiltBeforeSemgrep(hold: Hold, group: ConflictGroup): SemgrepCondition[][] {
  const polled = group.forms.filter((f) => f.within === undefined);
  // The name by a metavariable, as in every other form, so that callees can share the rule.
  const futures = polled.filter((f) => f.suffix !== undefined).map((f) => formSemgrep(unpolled(f), '$CALLEE'));
  const calls = polled.map((f) => formSemgrep(f, '$CALLEE'));
  const body = (call: string): string => `{\n  ...\n  <... ${call} ...>;\n  ...\n}`;
  const built = [
    ...futures.map((future) => `let $FUTURE = ${future};`),
    ...calls.flatMap((call) => ['async', 'async move', '|| async', 'move || async', '|| async move', 'move || async move'].map((block) => `let $FUTURE = ${block} ${body(call)};`)),
  ];
  if (built.length === 0) return [];
  const awaited = ['<... $FUTURE.await ...>;', '<... $FUTURE().await ...>;'];
  const guards = semgrepInits(hold).flatMap((init) => ['$G', 'mut $G'].map((binding) => `let ${binding} = ${init};`));
  return [
    [
      { 'pattern-either': guards.flatMap((guard) => awaited.map((later) => ({ pattern: `${guard}\n...\n${later}` }))) } as unknown as SemgrepCondition,
      { 'pattern-either': built.map((future) => ({ 'pattern-inside': `${future}\n...` })) } as unknown as SemgrepCondition,
      ...['$G', 'mut $G'].flatMap((binding) => awaited.map((later): SemgrepCondition => ({ 'pattern-not': `let ${binding} = $INIT;\n...\n$MOVE(..., $G, ...);\n...\n${later}` }))),
      { 'metavariable-regex': { metavariable: '$G', regex: NAMED_BINDING_REGEX } },
      // The future's own `let` is inside its region: an async lock's unawaited `lock()` is that future, not a guard.
      { 'metavariable-comparison': { comparison: 'str($G) != str($FUTURE)' } },
      { 'metavariable-regex': { metavariable: '$CALLEE', regex: regexOf(group.name) } },
    ],
  ];
}

/** Semgrep twin of `guardClosureCalledTwice`: the match starts at the closure's `let`. */
function guardClosureCalledTwiceSemgrep(hold: Hold, group: ConflictGroup): SemgrepCondition[][] {
  if (guardClosureCalledTwice(hold, group).length === 0) return [];
  const closures = ['let $CLOSURE = || $BODY;', 'let $CLOSURE = move || $BODY;'];
  const twiceInOne = BINARY_OPERATORS.flatMap((op) => [`let $N = <... <... $CLOSURE() ...> ${op} <... $CLOSURE() ...> ...>;`, `<... <... $CLOSURE() ...> ${op} <... $CLOSURE() ...> ...>;`]);
  const later = ['let $FIRST = $CLOSURE();\n...\n<... $CLOSURE() ...>;', ...twiceInOne];
  return [
    [
      { 'pattern-either': closures.flatMap((closure) => later.map((rest) => ({ pattern: `${closure}\n...\n${rest}` }))) } as unknown as SemgrepCondition,
      { 'metavariable-pattern': { metavariable: '$BODY', 'pattern-either': [{ pattern: hold.maker.semgrep }, { pattern: `<... ${hold.maker.semgrep} ...>` }] } } as unknown as SemgrepCondition,
    ],
  ];
}

/**
 * Conflicts with no call written where they happen, reported at the guard's `let`: the `Drop` of
 * a value declared after the guard (dropped first, at the end of the block: Reference,
 * "Destructors"), and the `Display` / `Debug` impl that a formatting macro runs on `self`.
 */
function glueRules(hold: Hold, ids: { crate: string; maker: string }, elsewhere: readonly ClosureRunElsewhere[]): ProjectRule[] {
  const rules: ProjectRule[] = [];
  const what = `the ${hold.held.mode} guard of \`${hold.lockDisplay}\` made by \`${hold.maker.text}\``;
  if (hold.droppedTypes.length > 0 && !hold.attempt) {
    const values = hold.droppedTypes.flatMap((type) => [`let $VALUE = ${type} { $$$FIELDS };`, `let $VALUE = ${type}::new($$$ARGS);`]);
    // Semgrep's Rust patterns have no struct literal with `...`: the initialiser is matched by its text.
    const dropped = { 'metavariable-regex': { metavariable: '$DROPPED', regex: `^(?:${hold.droppedTypes.join('|')})\\s*(?:\\{|::\\s*new\\s*\\()` } };
    rules.push({
      id: `lockscope.rust.double-lock.${ids.crate}.${ids.maker}.glue.drop`,
      catalogueId: 'double-lock',
      message: `A value whose \`Drop\` takes the lock again (${hold.droppedTypes.map((t) => `\`${t}\``).join(', ')}) is declared after ${what}, so it is dropped first, while the guard is held. Declare it before the guard, or drop it explicitly before the guard's scope ends.`,
      semgrep: { patterns: [{ 'pattern-either': guardLetsSemgrep(hold, 'let $VALUE = $DROPPED;').map((pattern) => ({ pattern })) }, dropped, { 'metavariable-regex': { metavariable: '$G', regex: NAMED_BINDING_REGEX } }, ...semgrepExclusions(hold, elsewhere)] } as unknown as SemgrepFormula,
      astGrep: { all: [{ any: guardLets(hold) }, ...ownerScope(hold), { precedes: { stopBy: 'end', any: values.map((pattern) => ({ pattern })) } }] },
      constraints: {},
    });
  }
  if (hold.formatted.length > 0 && !hold.attempt) {
    const tokens: AstGrepRule = { kind: 'token_tree', inside: macroNamed(FORMATTING_MACROS), regex: formattedSelfRegex(hold.formatted) };
    rules.push({
      id: `lockscope.rust.double-lock.${ids.crate}.${ids.maker}.glue.fmt`,
      catalogueId: 'double-lock',
      message: `Formatting \`self\` runs its ${hold.formatted.join(' / ')} impl, which takes the lock again, while ${what} is alive. Drop the guard before formatting, or format the guarded data instead.`,
      semgrep: { patterns: [{ 'pattern-regex': formatStringSemgrep(FORMATTING_MACROS, formattedSelfRegex(hold.formatted)) }, ...afterLetSemgrep(hold), ...semgrepExclusions(hold, elsewhere)] } as unknown as SemgrepFormula,
      astGrep: { all: [tokens, ...ownerScope(hold), afterLet(hold, tokens)] },
      constraints: {},
    });
  }
  return rules;
}

/**
 * `self` printed by one of `traits`: `{self}` / `{}` with `self` after the string (`Display`),
 * `{self:?}` / `{:?}` (`Debug`).
 */
function formattedSelfRegex(traits: readonly ('Display' | 'Debug')[]): string {
  const spec = (trait: 'Display' | 'Debug'): string => (trait === 'Debug' ? ':[^}?]*\\?[^}]*' : '(?::[^}?]*)?');
  return traits.flatMap((trait) => [`"[^"]*\\{self${spec(trait)}\\}`, `"[^"]*\\{${spec(trait)}\\}[^"]*"\\s*,\\s*self\\s*[,)]`]).join('|');
}

/**
 * An `async` block handed to a call (`rt.block_on(async { … })`, `spawn(async move { … })`) is a
 * future of its own: its `.await`s suspend it, not this function; where this function awaits it,
 * that `.await` is the one that counts.
 */
const IN_HANDED_FUTURE_SEMGREP: SemgrepCondition[] = ['async { ... }', 'async move { ... }'].map((block) => ({ 'pattern-not-inside': `$TAKER(..., ${block}, ...)` }));
const IN_HANDED_FUTURE: AstGrepRule = { not: { inside: { stopBy: 'end', kind: 'async_block', inside: { kind: 'arguments' } } } };

function awaitRule(hold: Hold, edition: Edition, ids: { crate: string; maker: string }): ProjectRule {
  const inits = afterLetSemgrep(hold);
  const exclusions = [...IN_HANDED_FUTURE_SEMGREP, ...semgrepExclusions(hold, []).filter((c) => !('pattern-not-inside' in c))];
  // The guard as a temporary: `self.stats.lock().unwrap().push(fetch().await)` evaluates the
  // receiver, guard and all, before the argument's `.await`.
  const temporaries: SemgrepCondition[] = [
    { patterns: [{ 'pattern-inside': '$RECEIVER.$METHOD(..., <... $FUTURE.await ...>, ...)' }, { 'metavariable-pattern': { metavariable: '$RECEIVER', pattern: hold.maker.semgrep } }] } as unknown as SemgrepCondition,
    ...makerExpressions(hold, edition).flatMap((maker) => BINARY_OPERATORS.map((op): SemgrepCondition => ({ 'pattern-inside': `${maker} ${op} <... $FUTURE.await ...>` }))),
  ];
  const awaits: AstGrepRule = { any: [{ kind: 'await_expression' }, AWAITING_MACRO_AST_GREP] };
  // A scrutinee's guard is alive in the construct's arms (`if let Some(mut e) = map.get_mut(k) { … .await }`).
  const regions = hold.scrutineeInAsync ? regionsOf(hold, edition) : [];
  return {
    id: `lockscope.rust.guard-across-await.${ids.crate}.${ids.maker}`,
    catalogueId: 'guard-across-await',
    message: `The ${hold.held.mode} guard of \`${hold.lockDisplay}\` (a ${hold.held.flavor.name}, which blocks the thread) made by \`${hold.maker.text}\` is alive at this \`.await\` (bound with \`let\`, a temporary of this statement, or of the scrutinee of the construct around it). Drop it before awaiting, or use an async lock.`,
    semgrep: {
      'pattern-either': [
        { patterns: [{ pattern: '$FUTURE.await' }, ...inits, ...exclusions] },
        { patterns: [{ pattern: '$FUTURE.await' }, { 'pattern-either': temporaries }, ...exclusions] },
        { patterns: [{ 'pattern-regex': AWAITING_MACRO_SEMGREP }, ...inits, ...exclusions] },
        ...(regions.length > 0 ? scrutineeContextsSemgrep(hold, edition, ['$FUTURE.await'], regions) : []).map((set) => ({ patterns: [{ pattern: '$FUTURE.await' }, ...set, ...exclusions] })),
      ],
    } as unknown as SemgrepFormula,
    astGrep: { all: [awaits, ...ownerScope(hold), IN_HANDED_FUTURE, { any: [afterLet(hold, awaits), ...temporaryAstGrep(hold, edition).slice(1), ...(regions.length > 0 ? [{ inside: { stopBy: 'end', any: regions.map((r) => regionBody(r, hold, edition)) } }] : [])] }] },
    constraints: {},
  };
}

/** The crate's directory as a glob prefix (`''` for the current directory). */
function crateDir(crate: ProjectCrate, cwd: string): string {
  return relative(cwd, crate.root).split('\\').join('/');
}

function scopeOf(crate: ProjectCrate, all: readonly ProjectCrate[], cwd: string): { include: string[]; exclude: string[] } {
  const dir = crateDir(crate, cwd);
  const glob = (d: string): string => (d === '' ? '**/*.rs' : `${escapeGlob(d)}/**/*.rs`);
  const nested = all.map((c) => crateDir(c, cwd)).filter((d) => d !== dir && (dir === '' || d.startsWith(`${dir}/`)));
  return { include: [glob(dir)], exclude: nested.map(glob).sort(byText) };
}

/** The TS/JS code of the project: where it is (relative to the current directory) and what it holds. */
export interface ProjectTs {
  readonly dir: string;
  readonly holds: readonly TsHold[];
}

function tsPackFiles(ts: ProjectTs, engine: 'semgrep' | 'ast-grep', files: PackFiles): void {
  const scope = slug(ts.dir || 'root');
  const keyOf = (h: TsHold): string => `${h.kind}${h.release ?? ''}${h.releasedThrough ? ' through' : ''} ${h.owner ?? h.inFile ?? ''} ${h.maker.callee}(${h.maker.args ?? ''})${h.maker.within ? ` in ${h.maker.within}` : ''}`;
  const makerSlugs = uniqueSlugs([...new Set(ts.holds.map(keyOf))]);
  const byMaker = new Map<string, TsProjectRule[]>();
  for (const hold of ts.holds) {
    const maker = makerSlugs.get(keyOf(hold))!;
    byMaker.set(maker, [...(byMaker.get(maker) ?? []), ...tsRulesForHold(hold, { scope, maker })]);
  }
  const prefix = ts.dir === '' ? '' : `${escapeGlob(ts.dir)}/`;
  for (const [maker, rules] of byMaker) {
    if (engine === 'semgrep') files.set(`ts/${scope}/${maker}.yaml`, tsSemgrepYaml(rules, ['ts', 'tsx', 'mts', 'cts', 'js', 'jsx', 'mjs', 'cjs'].map((ext) => `${prefix}**/*.${ext}`)));
    else files.set(`ts/${scope}/${maker}.yml`, tsAstGrepYaml(rules, prefix.replace(/\/$/, '')));
  }
}

/** The project pack for one engine: per crate, one file per guard maker; the TS/JS code's, one file per guard maker. */
export function projectPackFiles(crates: readonly ProjectCrate[], cwd: string, engine: 'semgrep' | 'ast-grep', ts?: ProjectTs): PackFiles {
  const files: PackFiles = new Map();
  if (ts) tsPackFiles(ts, engine, files);
  const crateSlugs = uniqueSlugs(crates.map((c) => crateDir(c, cwd) || 'root'));
  const ext = engine === 'semgrep' ? 'yaml' : 'yml';
  for (const crate of crates) {
    const crateSlug = crateSlugs.get(crateDir(crate, cwd) || 'root')!;
    const scope = scopeOf(crate, crates, cwd);
    const holds = cratesHolds(crate.facts);
    const awaits = threadBlockingHolds(crate.facts);
    const elsewhere = closuresRunElsewhere(crate.facts);
    const fields = testedOptionFields(crate.facts);
    const keyOf = (h: Hold): string => `${h.owner ? `${h.owner} ` : ''}${h.maker.text}`;
    const makerSlugs = uniqueSlugs([...new Set([...holds, ...awaits].map(keyOf))]);
    const byMaker = new Map<string, ProjectRule[]>();
    // The names a file needs for any rule of a maker's file to match there: those all its holds need.
    const names = new Map<string, string[]>();
    for (const hold of holds) byMaker.set(keyOf(hold), rulesForHold(hold, crate.edition, elsewhere, fields, { crate: crateSlug, maker: makerSlugs.get(keyOf(hold))! }, engine));
    for (const hold of awaits) byMaker.set(keyOf(hold), [...(byMaker.get(keyOf(hold)) ?? []), awaitRule(hold, crate.edition, { crate: crateSlug, maker: makerSlugs.get(keyOf(hold))! })]);
    for (const hold of [...holds, ...awaits]) {
      const known = names.get(keyOf(hold));
      names.set(keyOf(hold), makerNames(hold).filter((n) => known === undefined || known.includes(n)));
    }
    for (const [maker, rules] of byMaker) {
      const file = `rust/${crateSlug}/${makerSlugs.get(maker)}.${ext}`;
      files.set(file, engine === 'semgrep' ? semgrepYaml(rules, scope, fileGate(names.get(maker) ?? [])) : astGrepYaml(rules, scope));
    }
  }
  const ruleDirs = ['rust', 'ts'].filter((dir) => [...files.keys()].some((f) => f.startsWith(`${dir}/`)));
  if (engine === 'ast-grep') files.set('sgconfig.yml', generatedYaml({ ruleDirs }));
  return new Map([...files].sort(([a], [b]) => byText(a, b)));
}

function semgrepYaml(rules: readonly ProjectRule[], scope: { include: string[]; exclude: string[] }, gate: string | undefined): string {
  return generatedRulesJson(
    rules.map((rule) => ({
      id: rule.id,
      message: rule.message,
      severity: severityOf(rule.catalogueId),
      languages: ['rust'],
      paths: { include: scope.include.map(unanchoredGlob), ...(scope.exclude.length > 0 ? { exclude: scope.exclude.map(unanchoredGlob) } : {}) },
      metadata: { ...registryMetadata({ catalogueId: rule.catalogueId, language: 'rust', confidence: 'HIGH', likelihood: 'MEDIUM', impact: 'HIGH', cwe: CWE_DEADLOCK }), ...(rule.chains ? { 'lockscope-callee-chains': rule.chains } : {}) },
      ...gated(rule.semgrep, gate),
    })),
  );
}

function astGrepYaml(rules: readonly ProjectRule[], scope: { include: string[]; exclude: string[] }): string {
  return rules
    .map((rule, i) => {
      const doc = {
        id: rule.id,
        language: AST_GREP_LANGUAGE.rust,
        severity: severityOf(rule.catalogueId) === 'ERROR' ? 'error' : 'warning',
        message: rule.message,
        files: scope.include,
        ...(scope.exclude.length > 0 ? { ignores: scope.exclude } : {}),
        rule: rule.astGrep,
        ...(Object.keys(rule.constraints).length > 0 ? { constraints: rule.constraints } : {}),
      };
      return i === 0 ? generatedYaml(doc) : generatedYaml(doc).split('\n').slice(1).join('\n');
    })
    .join('---\n');
}
