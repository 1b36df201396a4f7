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

type TsCatalogueId = 'no-nested-lock' | 'no-lock-upgrade';

export interface TsProjectRule {
  readonly id: string;
  readonly catalogueId: TsCatalogueId;
  readonly message: string;
  readonly semgrep: SemgrepFormula;
  readonly astGrep: AstGrepRule;
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

/** The call runs in its function's async flow: awaited, returned, or an arrow's body. */
const IN_FLOW: AstGrepRule = {
  any: [{ inside: { stopBy: FUNCTION, any: [{ kind: 'await_expression' }, { kind: 'return_statement' }] } }, { inside: { kind: 'arrow_function' } }],
};

function ownerAstGrep(hold: TsHold): AstGrepRule[] {
  return hold.owner ? [{ inside: { stopBy: 'end', kind: 'class_declaration', has: { field: 'name', regex: exactly(hold.owner) } } }] : [];
}

function ownerSemgrep(hold: TsHold): SemgrepCondition[] {
  return hold.owner ? [{ 'pattern-inside': 'class $OWNER { ... }' }, { 'metavariable-regex': { metavariable: '$OWNER', regex: exactly(hold.owner) } }] : [];
}

/** Where the guard is held: the callback the maker runs (the call's own function), or after the releaser's `const`. */
function heldAstGrep(hold: TsHold, calls: AstGrepRule): AstGrepRule {
  const maker = astGrepCall(hold.maker, 'MAKER_ARGS');
  if (hold.kind === 'callback') {
    return { inside: { stopBy: FUNCTION, ...FUNCTION, inside: { kind: 'arguments', inside: { kind: 'call_expression', ...maker } } } };
  }
  const makerText = hold.maker.args === undefined ? `${hold.maker.callee}($$$MAKER_ARGS)` : exactCall(hold.maker, '$_');
  const declarations = ['const', 'let'].flatMap((keyword) => [{ pattern: `${keyword} $R = await ${makerText}` }, { pattern: `${keyword} [$$$FIRST, $R] = await ${makerText}` }]);
  const released: AstGrepRule = { follows: { stopBy: 'end', ...itselfOrBelow({ pattern: `$R${hold.release ?? '()'}` }) } };
  const statement = { all: [{ follows: { stopBy: 'end', any: declarations } }, { not: released }, { not: { has: { stopBy: 'end', all: [released, itselfOrBelow(calls)] } } }] };
  return { any: [statement, { inside: { stopBy: FUNCTION, ...statement } }] };
}

/**
 * Semgrep has no "nearest enclosing function": calls in a function the callback starts but does
 * not wait for (a timer's, a promise handler's, an un-awaited async IIFE, `void`) run after the
 * lock is released, as the analysis knows; ast-grep's twin asks for the nearest function instead.
 */
const NOT_IN_FLOW_SEMGREP: SemgrepCondition[] = [
  'setTimeout(...)', 'setInterval(...)', 'setImmediate(...)', 'queueMicrotask(...)', 'process.nextTick(...)',
  '$PROMISE.then(...)', '$PROMISE.catch(...)', '$PROMISE.finally(...)', 'void $VOIDED',
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
  const where = hold.kind === 'callback' ? `inside the callback \`${hold.maker.callee}(…)\` runs under it` : `after \`const release = await ${hold.maker.callee}(…)\` and before \`release()\``;
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
      astGrep: { all: [calls, IN_FLOW, ...ownerAstGrep(hold), heldAstGrep(hold, calls)] },
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
        rule: rule.astGrep,
      };
      docs.push(docs.length === 0 ? generatedYaml(doc) : generatedYaml(doc).split('\n').slice(1).join('\n'));
    }
  }
  return docs.join('---\n');
}
