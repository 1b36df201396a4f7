// The TS/JS half of the project pack: for every call that makes a guard (a lock library's
// `runExclusive(cb)`, `acquire()`, or the codebase's own wrapper `this.#withLock(cb)` /
// `await this.acquireFor(key)`), one rule per conflicting callee flags a call of it, awaited or
// returned, while the guard is held: inside the callback the maker runs under the lock, or after
// `const release = await maker(…)` and before `release()`.
import { CWE_DEADLOCK, registryMetadata, severityOf } from './generic-rules.js';
import { itselfOrBelow, type AstGrepRule } from './ast-grep-rules.js';
import { generatedYaml, SEMGREP_LANGUAGES } from './pack.js';
import type { SemgrepCondition, SemgrepFormula } from './semgrep-formulas.js';
import { escapeGlob, uniqueSlugs } from './slugs.js';
import type { TsCallForm, TsConflictGroup, TsHold } from './project-ts-holds.js';
import { DEFERRING_CALLS, PROMISE_CHAIN, PROMISE_COMBINATORS } from '../ts/asyncFlow.js';

type TsCatalogueId = 'no-nested-lock' | 'no-lock-upgrade';

export interface TsProjectRule {
  readonly id: string;
  readonly catalogueId: TsCatalogueId;
  readonly message: string;
  readonly semgrep: SemgrepFormula;
  readonly astGrep: AstGrepRule;
  /** The utility rules `astGrep` refers to (`matches`): the flow rules and where this guard is held. */
  readonly astGrepUtils: (typescript: boolean) => Record<string, AstGrepRule>;
  /** The one file the rule applies to (a module's own lock), relative to where the pack is made. */
  readonly inFile?: string;
}

/** tree-sitter-typescript's (and -javascript's) function nodes: a call belongs to the nearest one. */
const FUNCTION_KINDS = ['arrow_function', 'function_expression', 'function_declaration', 'method_definition', 'generator_function', 'generator_function_declaration'];
const FUNCTION: AstGrepRule = { any: FUNCTION_KINDS.map((kind) => ({ kind })) };

/** The ast-grep languages one TS/JS rule is written for (each is its own grammar). */
export const AST_GREP_TS_LANGUAGES = [
  { language: 'typescript', files: ['**/*.ts', '**/*.mts', '**/*.cts'] },
  { language: 'tsx', files: ['**/*.tsx'] },
  { language: 'javascript', files: ['**/*.js', '**/*.mjs', '**/*.cjs', '**/*.jsx'] },
] as const;

/**
 * The call's text with its literal arguments and one wildcard for each argument after them (the
 * callback): exact, so `request('settings', cb)` does not match `request('settings', { ifAvailable: true }, cb)`.
 */
function exactCall(form: TsCallForm, wildcard: string): string {
  const rest = Array.from({ length: form.more ?? 0 }, () => wildcard);
  return `${form.callee}(${[form.args!, ...rest].join(', ')})`;
}

/** Semgrep: `callee(...)`, or the exact call where the arguments name the lock. */
const semgrepCall = (form: TsCallForm): string => (form.args === undefined ? `${form.callee}(...)` : exactCall(form, '$_'));

/** ast-grep: the same. */
function astGrepCall(form: TsCallForm, rest: string): AstGrepRule {
  return { pattern: form.args === undefined ? `${form.callee}($$$${rest})` : exactCall(form, '$_') };
}

/** The last segment of a function's readable name (`Account.depositInto` → `depositInto`). */
const shortName = (name: string): string => name.split('.').pop() ?? name;
const exactly = (name: string): string => `^${name.replace(/[.*+?^${}()|[\]\\#]/g, '\\$&')}$`;

function withinAstGrep(name: string): AstGrepRule {
  return {
    inside: {
      stopBy: 'end',
      any: [
        { kind: 'function_declaration', has: { field: 'name', regex: exactly(shortName(name)) } },
        { kind: 'method_definition', has: { field: 'name', regex: exactly(shortName(name)) } },
        { kind: 'variable_declarator', has: { field: 'name', regex: exactly(shortName(name)) } },
      ],
    },
  };
}

function withinSemgrep(name: string): SemgrepCondition[] {
  return [
    { 'pattern-either': ['function $WITHIN(...) { ... }', '$WITHIN(...) { ... }', 'const $WITHIN = (...) => { ... }', 'const $WITHIN = async (...) => { ... }'].map((p) => ({ 'pattern-inside': p })) } as unknown as SemgrepCondition,
    { 'metavariable-regex': { metavariable: '$WITHIN', regex: exactly(shortName(name)) } },
  ];
}

function formsAstGrep(group: TsConflictGroup): AstGrepRule {
  const forms = group.forms.map((form): AstGrepRule => (form.within ? { all: [astGrepCall(form, 'ARGS'), withinAstGrep(form.within)] } : astGrepCall(form, 'ARGS')));
  return forms.length === 1 ? forms[0] : { any: forms };
}

function formsSemgrep(group: TsConflictGroup): SemgrepFormula {
  const forms = group.forms.map((form): SemgrepFormula => {
    const awaited = ['await $CALL', 'return $CALL;'].map((shape) => ({ pattern: shape.replace('$CALL', semgrepCall(form)) }));
    const either = { 'pattern-either': awaited } as SemgrepFormula;
    return form.within ? ({ patterns: [either, ...withinSemgrep(form.within)] } as unknown as SemgrepFormula) : either;
  });
  return forms.length === 1 ? forms[0] : ({ 'pattern-either': forms } as SemgrepFormula);
}

// The analysis's async flow (ts/asyncFlow.ts) as ast-grep utility rules, which may call each
// other: a call is waited for where it is awaited, yielded (TypeScript's `__awaiter` generators),
// returned, an arrow's body, or fed to what is (`Promise.all`, `.then`, `&&`, an array); a
// function passed straight to a call (not a timer's or a listener's), or called at once (an
// IIFE), runs in the flow of that call.
const FUNCTION_UTIL = 'lockscope-function';
const AWAITED_UTIL = 'lockscope-awaited';
const HELD_UTIL = 'lockscope-held';
const RUNS_HELD_UTIL = 'lockscope-runs-held';
const NEAREST_FUNCTION = { stopBy: { matches: FUNCTION_UTIL }, matches: FUNCTION_UTIL };
const alternation = (names: Iterable<string>): string => [...names].join('|');

/** Kinds that wrap a value and pass its promise on; the first three are TypeScript's only. */
const TS_WRAPPERS = ['as_expression', 'satisfies_expression', 'non_null_expression'];
const WRAPPERS = ['parenthesized_expression', 'array', 'spread_element'];

const awaited = (typescript: boolean): AstGrepRule => ({
  any: [
    { inside: { any: ['await_expression', 'yield_expression', 'return_statement'].map((kind) => ({ kind })) } },
    { inside: { kind: 'arrow_function', field: 'body' } },
    {
      inside: {
        any: [
          ...[...WRAPPERS, ...(typescript ? TS_WRAPPERS : [])].map((kind) => ({ kind })),
          { kind: 'binary_expression', has: { field: 'operator', regex: '^(?:&&|\\|\\||\\?\\?)$' } },
        ],
        matches: AWAITED_UTIL,
      },
    },
    ...['consequence', 'alternative'].map((field) => ({ inside: { kind: 'ternary_expression', field, matches: AWAITED_UTIL } })),
    { inside: { kind: 'arguments', inside: { kind: 'call_expression', has: { field: 'function', regex: `^Promise\\.(?:${alternation(PROMISE_COMBINATORS)})$` }, matches: AWAITED_UTIL } } },
    { inside: { kind: 'member_expression', field: 'object', has: { field: 'property', regex: `^(?:${alternation(PROMISE_CHAIN)})$` }, inside: { kind: 'call_expression', matches: AWAITED_UTIL } } },
  ],
});

/** The nearest function runs inline in a call that runs while the guard is held. */
const RUNS_INLINE_UNDER_HOLD: AstGrepRule = {
  inside: {
    ...NEAREST_FUNCTION,
    any: [
      { inside: { kind: 'arguments', inside: { kind: 'call_expression', not: { has: { field: 'function', regex: `(?:^|\\.)(?:${alternation(DEFERRING_CALLS)})$` } }, matches: RUNS_HELD_UTIL } } },
      { inside: { kind: 'parenthesized_expression', inside: { kind: 'call_expression', field: 'function', matches: RUNS_HELD_UTIL } } },
    ],
  },
};

function ownerAstGrep(hold: TsHold): AstGrepRule[] {
  return hold.owner ? [{ inside: { stopBy: 'end', kind: 'class_declaration', has: { field: 'name', regex: exactly(hold.owner) } } }] : [];
}

function ownerSemgrep(hold: TsHold): SemgrepCondition[] {
  return hold.owner ? [{ 'pattern-inside': 'class $OWNER { ... }' }, { 'metavariable-regex': { metavariable: '$OWNER', regex: exactly(hold.owner) } }] : [];
}

/** Where the guard is held in the maker's own function: the callback the maker runs, after the releaser's `const` up to its release, or after a `using` declaration. */
function heldHereAstGrep(hold: TsHold, calls: AstGrepRule): AstGrepRule {
  const maker = astGrepCall(hold.maker, 'MAKER_ARGS');
  if (hold.kind === 'callback') {
    // The callback written in the call, or a function of the block passed to it by name
    // (`const work = async () => {…}; await this.#withLock(work)`).
    const passed = { stopBy: 'end', has: { stopBy: 'end', kind: 'call_expression', all: [maker, { has: { kind: 'arguments', has: { pattern: '$CALLBACK' } } }] } };
    return {
      inside: {
        ...NEAREST_FUNCTION,
        any: [
          { inside: { kind: 'arguments', inside: { kind: 'call_expression', ...maker } } },
          { inside: { kind: 'variable_declarator', has: { field: 'name', pattern: '$CALLBACK' }, inside: { kind: 'lexical_declaration', precedes: passed } } },
          { kind: 'function_declaration', has: { field: 'name', pattern: '$CALLBACK' }, precedes: passed },
        ],
      },
    };
  }
  const makerText = hold.maker.args === undefined ? `${hold.maker.callee}($$$MAKER_ARGS)` : exactCall(hold.maker, '$_');
  let starts: AstGrepRule[];
  let release: AstGrepRule | undefined;
  if (hold.kind === 'disposable') {
    // tree-sitter-typescript reads `await using g = …` as an expression statement.
    starts = ['await using', 'using'].flatMap((keyword) => {
      const declaration = { pattern: `${keyword} $GUARD = await ${makerText}` };
      return [declaration, { kind: 'expression_statement', has: declaration }];
    });
  } else if (hold.releasedThrough) {
    const { lock, methods } = hold.releasedThrough;
    starts = [{ kind: 'expression_statement', has: { pattern: `await ${makerText}` } }, ...['const', 'let'].map((keyword) => ({ pattern: `${keyword} $TOKEN = await ${makerText}` }))];
    release = { any: methods.map((method) => ({ pattern: `${lock}.${method}($$$)` })) };
  } else {
    starts = ['const', 'let'].flatMap((keyword) => [{ pattern: `${keyword} $R = await ${makerText}` }, { pattern: `${keyword} [$$$FIRST, $R] = await ${makerText}` }]);
    release = { pattern: `$R${hold.release ?? '()'}` };
  }
  const released: AstGrepRule | undefined = release && { follows: { stopBy: 'end', ...itselfOrBelow(release) } };
  const statement = { all: [{ follows: { stopBy: 'end', any: starts } }, ...(released ? [{ not: released }, { not: { has: { stopBy: 'end', all: [released, itselfOrBelow(calls)] } } }] : [])] };
  return { any: [statement, { inside: { stopBy: { matches: FUNCTION_UTIL }, ...statement } }] };
}

/** The utility rules of one hold's documents, for TypeScript or plain JavaScript. */
function astGrepUtils(hold: TsHold, calls: AstGrepRule, typescript: boolean): Record<string, AstGrepRule> {
  return {
    [FUNCTION_UTIL]: FUNCTION,
    [AWAITED_UTIL]: awaited(typescript),
    [HELD_UTIL]: { any: [heldHereAstGrep(hold, calls), RUNS_INLINE_UNDER_HOLD] },
    [RUNS_HELD_UTIL]: { all: [{ matches: AWAITED_UTIL }, { matches: HELD_UTIL }] },
  };
}

/**
 * Semgrep has no "nearest enclosing function": calls in a function the callback starts but does
 * not wait for (a timer's or a listener's, a promise handler's, `forEach`'s, an un-awaited async
 * IIFE, `void`) run after the lock is released, as the analysis knows; ast-grep's twin asks for
 * the nearest function instead.
 */
const NOT_IN_FLOW_SEMGREP: SemgrepCondition[] = [
  ...[...DEFERRING_CALLS].flatMap((name) => [`${name}(...)`, `$RECEIVER.${name}(...)`]),
  ...[...PROMISE_CHAIN].map((name) => `$PROMISE.${name}(...)`),
  // forEach waits for none of its callbacks' promises.
  '$ARRAY.forEach(...)',
  'void $VOIDED',
  '(async () => { ... })();', '(async function () { ... })();',
].map((pattern) => ({ 'pattern-not-inside': pattern }));

function heldSemgrep(hold: TsHold): SemgrepCondition[] {
  const maker = semgrepCall(hold.maker);
  if (hold.kind === 'callback') {
    const callbacks = ['async (...) => { ... }', 'async function (...) { ... }', '(...) => { ... }', 'function (...) { ... }'];
    // The callback right after the literal arguments, as the analysis saw it.
    const after = Array.from({ length: Math.max(0, (hold.maker.more ?? 1) - 1) }, () => '$_');
    const makers = callbacks.map((cb) => `${hold.maker.callee}(${[...(hold.maker.args !== undefined ? [hold.maker.args] : []), cb, ...(hold.maker.args !== undefined ? after : ['...'])].join(', ')})`);
    return [{ 'pattern-either': makers.map((p) => ({ 'pattern-inside': p })) } as unknown as SemgrepCondition];
  }
  const declarations = ['const', 'let'].flatMap((keyword) => [`${keyword} $R = await ${maker};\n...`, `${keyword} [$FIRST, $R] = await ${maker};\n...`]);
  return [
    { 'pattern-either': declarations.map((p) => ({ 'pattern-inside': p })) } as unknown as SemgrepCondition,
    // The region from the release on: a call there runs after the lock is released.
    { 'pattern-not-inside': `$R${hold.release ?? '()'};\n...` },
    // The declaration is inside its own region.
    ...['const', 'let'].map((keyword): SemgrepCondition => ({ 'pattern-not-inside': `${keyword} $R = $INIT;` })),
  ];
}

function catalogueIdOf(hold: TsHold, group: TsConflictGroup): TsCatalogueId {
  return hold.held.mode !== 'exclusive' && group.requested === 'exclusive' ? 'no-lock-upgrade' : 'no-nested-lock';
}

export function tsRulesForHold(hold: TsHold, ids: { scope: string; maker: string }): TsProjectRule[] {
  const calleeSlugs = uniqueSlugs(hold.groups.map((g) => g.name));
  const where =
    hold.kind === 'callback'
      ? `inside the callback \`${hold.maker.callee}(…)\` runs under it`
      : hold.kind === 'disposable'
        ? `after \`await using guard = await ${hold.maker.callee}(…)\`, to the end of its block`
        : hold.releasedThrough
          ? `after \`await ${hold.maker.callee}(…)\` and before \`${hold.releasedThrough.lock}.${hold.releasedThrough.methods[0]}()\``
          : `after \`const release = await ${hold.maker.callee}(…)\` and before \`release${hold.release ?? '()'}\``;
  return hold.groups.map((group) => {
    const catalogueId = catalogueIdOf(hold, group);
    const calls = formsAstGrep(group);
    return {
      id: `lockscope.ts.${catalogueId}.${ids.scope}.${ids.maker}.${calleeSlugs.get(group.name)}`,
      catalogueId,
      message:
        `\`${group.name}(…)\` runs while the ${hold.held.mode} lock \`${hold.lockDisplay}\` is held (${where}), and it takes the lock again: ${group.chain}. ` +
        'The inner acquisition waits for the outer one, which waits for it. Call a variant that does not take the lock, or release it before the call.',
      semgrep: { patterns: [formsSemgrep(group), ...heldSemgrep(hold), ...NOT_IN_FLOW_SEMGREP, ...ownerSemgrep(hold)] } as unknown as SemgrepFormula,
      astGrep: { all: [calls, { matches: AWAITED_UTIL }, ...ownerAstGrep(hold), { matches: HELD_UTIL }] },
      astGrepUtils: (typescript) => astGrepUtils(hold, calls, typescript),
      ...(hold.inFile ? { inFile: hold.inFile } : {}),
    };
  });
}

export function tsSemgrepYaml(rules: readonly TsProjectRule[], include: readonly string[]): string {
  return generatedYaml({
    rules: rules.map((rule) => ({
      id: rule.id,
      message: rule.message,
      severity: severityOf(rule.catalogueId),
      languages: SEMGREP_LANGUAGES.ts,
      paths: { include: rule.inFile ? [escapeGlob(rule.inFile)] : include },
      metadata: registryMetadata({ catalogueId: rule.catalogueId, language: 'ts', confidence: 'HIGH', likelihood: 'MEDIUM', impact: 'HIGH', cwe: CWE_DEADLOCK }),
      ...rule.semgrep,
    })),
  });
}

/** One document per rule and grammar: ast-grep rules name one language each. */
export function tsAstGrepYaml(rules: readonly TsProjectRule[], dir: string): string {
  const docs: string[] = [];
  for (const rule of rules) {
    for (const { language, files } of AST_GREP_TS_LANGUAGES) {
      if (rule.inFile && !files.some((glob) => rule.inFile!.endsWith(glob.slice('**/*'.length)))) continue;
      const doc = {
        id: `${rule.id}.${language}`,
        language,
        severity: severityOf(rule.catalogueId) === 'ERROR' ? 'error' : 'warning',
        message: rule.message,
        files: rule.inFile ? [escapeGlob(rule.inFile)] : files.map((f) => (dir === '' ? f : `${dir}/${f}`)),
        utils: rule.astGrepUtils(language !== 'javascript'),
        rule: rule.astGrep,
      };
      docs.push(docs.length === 0 ? generatedYaml(doc) : generatedYaml(doc).split('\n').slice(1).join('\n'));
    }
  }
  return docs.join('---\n');
}
