// The TS/JS half of the project pack: for every call that makes a guard (a lock library's
// `runExclusive(cb)`, `acquire()`, or the codebase's own wrapper `this.#withLock(cb)` /
// `await this.acquireFor(key)`), one rule per conflicting callee flags a call of it that its
// function waits for, in the async flow of the guard (the analysis's, ts/asyncFlow.ts): inside
// the callback the maker runs (written there or passed by name), after `const release = await
// maker(…)` and before `release()`, after `await lock.acquire()` and before the lock's release
// method, or after `await using g = await maker(…)` to the end of its block. ast-grep follows the
// flow with recursive utility rules; Semgrep, which has no nearest enclosing function, with
// regions and the exclusions of `match:` formulas.
import { CWE_DEADLOCK, registryMetadata, severityOf } from './generic-rules.js';
import { itselfOrBelow, type AstGrepRule } from './ast-grep-rules.js';
import { generatedRulesJson, generatedYaml, SEMGREP_LANGUAGES } from './pack.js';
import { escapeGlob, unanchoredGlob, uniqueSlugs } from './slugs.js';
import type { TsCallForm, TsConflictGroup, TsHold } from './project-ts-holds.js';
import { DEFERRING_CALLS, PROMISE_CHAIN, PROMISE_COMBINATORS } from '../ts/asyncFlow.js';

type TsCatalogueId = 'no-nested-lock' | 'no-lock-upgrade';

export interface TsProjectRule {
  readonly id: string;
  readonly catalogueId: TsCatalogueId;
  readonly message: string;
  /** The rule's `match:` formula. */
  readonly semgrep: MatchFormula;
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

/**
 * A Semgrep formula in the rule syntax that can negate a formula and focus a context (`match:`
 * with `all`, `any`, `not`, `inside`, `where`): what "after that statement" and "not an IIFE
 * that is awaited" need. The Rust rules keep the `patterns:` syntax.
 */
type MatchFormula = string | { readonly [key: string]: unknown };

const anyOf = (formulas: readonly MatchFormula[]): MatchFormula => (formulas.length === 1 ? formulas[0] : { any: formulas });
const insideAny = (patterns: readonly string[]): MatchFormula => anyOf(patterns.map((pattern) => ({ inside: pattern })));
/**
 * Inside a statement after `start` in its block (the focus is that later statement); each use
 * names its own (`$AFTER`, `$AFTER_RELEASE`), since a metavariable would unify them.
 */
const after = (start: string, name = '$AFTER'): MatchFormula => ({ inside: { pattern: `${start}\n...\n${name};`, where: [{ focus: name }] } });

const WITHIN_SHAPES = ['function $WITHIN(...) { ... }', '$WITHIN(...) { ... }', 'const $WITHIN = (...) => { ... }', 'const $WITHIN = async (...) => { ... }'];

function formsAstGrep(group: TsConflictGroup): AstGrepRule {
  const forms = group.forms.map((form): AstGrepRule => (form.within ? { all: [astGrepCall(form, 'ARGS'), withinAstGrep(form.within)] } : astGrepCall(form, 'ARGS')));
  return forms.length === 1 ? forms[0] : { any: forms };
}

/** The conflicting call where its function waits for it: awaited, returned (an arrow's body too), yielded. */
function formsSemgrep(group: TsConflictGroup): MatchFormula {
  return anyOf(
    group.forms.map((form) => {
      const call = semgrepCall(form);
      const waited = anyOf([`await ${call}`, `return ${call};`, `yield ${call}`]);
      return form.within ? { all: [waited, insideAny(WITHIN_SHAPES)], where: [{ metavariable: '$WITHIN', regex: exactly(shortName(form.within)) }] } : waited;
    }),
  );
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

function ownerSemgrep(hold: TsHold): { readonly inside: MatchFormula[]; readonly where: object[] } {
  return hold.owner ? { inside: [{ inside: 'class $OWNER { ... }' }], where: [{ metavariable: '$OWNER', regex: exactly(hold.owner) }] } : { inside: [], where: [] };
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

/** IIFEs of each function form. */
const IIFES = ['(async () => { ... })()', '(async function () { ... })()', '(() => { ... })()', '(function () { ... })()'];

/**
 * Semgrep has no "nearest enclosing function": calls in a function the callback starts but does
 * not wait for (a timer's or a listener's, a promise handler's, `forEach`'s, an IIFE that is not
 * awaited or returned, `void`) run after the lock is released, as the analysis knows; ast-grep's
 * twin asks for the nearest function instead.
 */
const NOT_IN_FLOW_SEMGREP: MatchFormula[] = [
  ...[
    ...[...DEFERRING_CALLS].flatMap((name) => [`${name}(...)`, `$RECEIVER.${name}(...)`]),
    ...[...PROMISE_CHAIN].map((name) => `$PROMISE.${name}(...)`),
    // forEach waits for none of its callbacks' promises.
    '$ARRAY.forEach(...)',
    'void $VOIDED',
  ].map((pattern) => ({ not: { inside: pattern } })),
  ...IIFES.map((iife) => ({ not: { inside: { all: [iife, { not: { inside: `await ${iife}` } }, { not: { inside: `return ${iife};` } }] } } })),
];

/** The callback shapes a maker runs: block bodies and expression bodies (`() => __awaiter(…)`). */
const CALLBACKS = ['async (...) => { ... }', 'async function (...) { ... }', '(...) => { ... }', 'function (...) { ... }', 'async (...) => $BODY', '(...) => $BODY'];

/** Where the guard is held: the maker's callback (written there or passed by name), or after the statement that took it, up to its release. */
function heldSemgrep(hold: TsHold): MatchFormula[] {
  const maker = semgrepCall(hold.maker);
  if (hold.kind === 'callback') {
    // The callback right after the literal arguments, as the analysis saw it.
    const rest = Array.from({ length: Math.max(0, (hold.maker.more ?? 1) - 1) }, () => '$_');
    const makerWith = (cb: string): string =>
      `${hold.maker.callee}(${[...(hold.maker.args !== undefined ? [hold.maker.args] : []), cb, ...(hold.maker.args !== undefined ? rest : ['...'])].join(', ')})`;
    // A function of the block passed to the maker by name runs under it.
    const byName = ['const $CALLBACK = $FN;', 'let $CALLBACK = $FN;', 'function $CALLBACK(...) { ... }'].map((declaration) => ({
      all: [{ inside: declaration }, insideAny([`${makerWith('$CALLBACK')};`, `return ${makerWith('$CALLBACK')};`].map((call) => `${declaration}\n...\n${call}`))],
    }));
    return [anyOf([...CALLBACKS.map((cb) => ({ inside: makerWith(cb) })), ...byName])];
  }
  const awaited = `await ${maker};`;
  let starts: string[];
  let releases: string[];
  if (hold.kind === 'disposable') {
    starts = ['await using', 'using'].map((keyword) => `${keyword} $GUARD = ${awaited}`);
    releases = [];
  } else if (hold.releasedThrough) {
    const { lock, methods } = hold.releasedThrough;
    starts = [awaited, ...['const', 'let'].map((keyword) => `${keyword} $TOKEN = ${awaited}`)];
    releases = methods.map((method) => `${lock}.${method}(...)`);
  } else {
    starts = ['const', 'let'].flatMap((keyword) => [`${keyword} $R = ${awaited}`, `${keyword} [$FIRST, $R] = ${awaited}`]);
    releases = [`$R${hold.release ?? '()'}`];
  }
  return [
    anyOf(starts.map((start) => after(start))),
    ...releases.flatMap((release) => [
      // From a release statement on, and after a `try` whose `finally` releases.
      { not: { inside: `${release};\n...` } },
      { not: after(`try { ... } finally { ... ${release}; ... }`, '$AFTER_RELEASE') },
    ]),
  ];
}

function semgrepMatch(hold: TsHold, group: TsConflictGroup): MatchFormula {
  const owner = ownerSemgrep(hold);
  const all = [formsSemgrep(group), ...heldSemgrep(hold), ...NOT_IN_FLOW_SEMGREP, ...owner.inside];
  return owner.where.length > 0 ? { all, where: owner.where } : { all };
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
      semgrep: semgrepMatch(hold, group),
      astGrep: { all: [calls, { matches: AWAITED_UTIL }, ...ownerAstGrep(hold), { matches: HELD_UTIL }] },
      astGrepUtils: (typescript) => astGrepUtils(hold, calls, typescript),
      ...(hold.inFile ? { inFile: hold.inFile } : {}),
    };
  });
}

export function tsSemgrepYaml(rules: readonly TsProjectRule[], include: readonly string[]): string {
  return generatedRulesJson(
    rules.map((rule) => ({
      id: rule.id,
      message: rule.message,
      severity: severityOf(rule.catalogueId),
      languages: SEMGREP_LANGUAGES.ts,
      paths: { include: (rule.inFile ? [escapeGlob(rule.inFile)] : include).map(unanchoredGlob) },
      metadata: registryMetadata({ catalogueId: rule.catalogueId, language: 'ts', confidence: 'HIGH', likelihood: 'MEDIUM', impact: 'HIGH', cwe: CWE_DEADLOCK }),
      match: rule.semgrep,
    })),
  );
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
