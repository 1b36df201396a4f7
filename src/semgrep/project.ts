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
import { AST_GREP_LANGUAGE, formulaKeys, generatedYaml, type PackFiles } from './pack.js';
import { cratesHolds, formAstGrep, formSemgrep, threadBlockingHolds, type ConflictGroup, type Hold } from './project-holds.js';
import { escapeGlob, slug, uniqueSlugs } from './slugs.js';

export { escapeGlob };
import { tsAstGrepYaml, tsRulesForHold, tsSemgrepYaml, type TsProjectRule } from './project-ts.js';
import type { TsHold } from './project-ts-holds.js';
import { NAMED_BINDING_REGEX, scrutineePatterns, type SemgrepCondition, type SemgrepFormula } from './semgrep-formulas.js';

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
}

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);


// `fn plain` is called as `plain()` or `r#plain()`.
const regexOf = (name: string): string => `^(?:r#)?${name.replace(/^r#/, "")}$`;

const STANDARD_INITS = (maker: string, args: string): string[] => [maker, `${maker}.unwrap()`, `${maker}.expect(${args})`, `${maker}.await`, `${maker}?`, `${maker}.await.unwrap()`];

function semgrepInits(hold: Hold): string[] {
  return [...STANDARD_INITS(hold.maker.semgrep, '...'), ...hold.letInits.filter((i) => !i.includes('$'))];
}

function astGrepInits(hold: Hold): string[] {
  return [...STANDARD_INITS(hold.maker.astGrep, '$$$EXPECT'), ...hold.letInits.filter((i) => !i.includes('$'))];
}

/**
 * Semgrep: the call is inside the region after `let $G = <init>;` (nested blocks included), with
 * `$G` not `_` and no statement before it, at any level, that moves `$G` (`drop($G);`).
 */
function afterLetSemgrep(inits: readonly string[]): SemgrepCondition[] {
  // Negations sit beside the call, not inside a nested branch, where they would filter the
  // branch's own ranges (the `let` region) instead of the call.
  return [
    { 'pattern-either': inits.flatMap((init) => ['$G', 'mut $G'].map((binding) => ({ 'pattern-inside': `let ${binding} = ${init};\n...` }))) } as unknown as SemgrepCondition,
    { 'pattern-not-inside': '$MOVE(..., $G, ...);\n...' },
    { 'pattern-not-inside': 'let $MOVED = $G;\n...' },
    // The `let` statement itself is inside its own region.
    { 'pattern-not-inside': 'let $G = $INIT;' },
    { 'pattern-not-inside': 'let mut $G = $INIT;' },
    { 'metavariable-regex': { metavariable: '$G', regex: NAMED_BINDING_REGEX } },
  ];
}

const BINARY_OPERATORS = ['+', '-', '*', '/', '==', '!=', '<', '>', '<=', '>='];

/**
 * Temporary scopes inside an expression: a guard made in there is dropped before the expression
 * goes on (an `if`/`match` body, a loop, a `let` in a block, a closure that runs later; in
 * edition 2024 every block's tail too). A search for the maker stops at them.
 */
function temporaryScopes(edition: Edition): AstGrepRule {
  const kinds = ['if_expression', 'match_expression', 'loop_expression', 'while_expression', 'for_expression', 'let_declaration', 'closure_expression', ...(edition >= 2024 ? ['block'] : [])];
  return { any: kinds.map((kind) => ({ kind })) };
}

/** The maker, in `node` or below it, outside any temporary scope. */
function makerIn(hold: Hold, edition: Edition, field?: string): AstGrepRule {
  return {
    ...(field ? { field } : {}),
    any: [{ pattern: hold.maker.astGrep }, { has: { stopBy: temporaryScopes(edition), pattern: hold.maker.astGrep } }],
    ...(edition >= 2024 ? { not: { kind: 'block' } } : {}),
  };
}

/**
 * Calls that do not run while the guard is held, though they sit inside its scope: in a closure
 * stored for later (`Box::new(move || …)`), in a lazy iterator adapter's closure (`.map(|x| …)`
 * runs when the iterator is consumed), in `MutexGuard::unlocked(&mut g, || …)` (parking_lot
 * releases the lock while the closure runs).
 */
const NOT_RUN_UNDER_GUARD: AstGrepRule = {
  not: {
    inside: {
      stopBy: 'end',
      kind: 'closure_expression',
      inside: {
        kind: 'arguments',
        inside: {
          kind: 'call_expression',
          any: [
            { pattern: 'Box::new($$$A)' },
            { has: { field: 'function', kind: 'field_expression', has: { field: 'field', regex: '^(map|filter|filter_map|flat_map|take_while|skip_while|map_while|inspect|scan|unlocked|unlocked_fair)$' } } },
            { has: { field: 'function', kind: 'scoped_identifier', has: { field: 'name', regex: '^(unlocked|unlocked_fair)$' } } },
          ],
        },
      },
    },
  },
};

/** Inside `impl Owner` (or `impl Trait for Owner`): `self.queue` of another type is another lock. */
function ownerScope(hold: Hold): AstGrepRule[] {
  if (!hold.owner) return [];
  return [{ inside: { stopBy: 'end', kind: 'impl_item', has: { field: 'type', regex: `^${hold.owner}\\b` } } }];
}

/** The makers' call without its arguments, for `maker(…, <closure calling the conflict>, …)`. */
function makerCallee(hold: Hold): string | undefined {
  const m = /^(.*)\(\.\.\.\)$/.exec(hold.maker.semgrep);
  return m ? m[1] : undefined;
}

/** Semgrep's `<... e ...>` does not enter a block expression: edition 2021 keeps a block tail's temporaries, so `{ maker… }` counts too. */
function makerExpressions(hold: Hold, edition: Edition): string[] {
  return [`<... ${hold.maker.semgrep} ...>`, ...(edition <= 2021 ? [`{ <... ${hold.maker.semgrep} ...> }`] : [])];
}

/** Semgrep: regions where a temporary of the statement holds the guard when `reached` runs. */
function temporarySemgrep(hold: Hold, edition: Edition, reached: string): SemgrepCondition[] {
  const out: SemgrepCondition[] = [];
  if (reached.endsWith('(...)')) for (const maker of makerExpressions(hold, edition)) out.push({ 'pattern-inside': `${reached.slice(0, -5)}(..., ${maker}, ...)` });
  const callee = makerCallee(hold);
  if (callee) out.push({ 'pattern-inside': `${callee}(..., <... ${reached} ...>, ...)` });
  out.push({ patterns: [{ 'pattern-inside': `$RECEIVER.$METHOD(..., <... ${reached} ...>, ...)` }, { 'metavariable-pattern': { metavariable: '$RECEIVER', pattern: hold.maker.semgrep } }] } as unknown as SemgrepCondition);
  for (const maker of makerExpressions(hold, edition)) for (const op of BINARY_OPERATORS) out.push({ 'pattern-inside': `${maker} ${op} <... ${reached} ...>` });
  return out;
}

/** Semgrep twin of NOT_RUN_UNDER_GUARD and of the owner scope. */
function semgrepExclusions(hold: Hold): SemgrepCondition[] {
  const lazy = ['map', 'filter', 'filter_map', 'flat_map', 'take_while', 'skip_while', 'map_while', 'inspect', 'scan', 'unlocked', 'unlocked_fair'];
  const out: SemgrepCondition[] = [
    { 'pattern-not-inside': 'Box::new(...)' },
    ...lazy.map((m): SemgrepCondition => ({ 'pattern-not-inside': `$LAZY.${m}(...)` })),
    { 'pattern-not-inside': '$GUARD_TYPE::unlocked(...)' },
    { 'pattern-not-inside': '$GUARD_TYPE::unlocked_fair(...)' },
  ];
  if (hold.owner) {
    out.push({ 'pattern-either': [{ 'pattern-inside': 'impl $OWNER { ... }' }, { 'pattern-inside': 'impl $TRAIT for $OWNER { ... }' }] } as unknown as SemgrepCondition);
    out.push({ 'metavariable-regex': { metavariable: '$OWNER', regex: `^${hold.owner}\\b` } });
  }
  return out;
}

/** The call (one of the group's forms) where one of the context sets holds, with the exclusions. */
function callIn(group: ConflictGroup, hold: Hold, contextSets: readonly (readonly SemgrepCondition[])[]): SemgrepFormula {
  const forms = group.forms.map((form): SemgrepFormula => {
    const pattern = { pattern: formSemgrep(form, '$CALLEE') };
    if (!form.within) return pattern;
    return { patterns: [pattern, { 'pattern-inside': 'fn $WITHIN(...) { ... }' }, { 'metavariable-regex': { metavariable: '$WITHIN', regex: regexOf(form.within) } }] };
  });
  const branches = contextSets
    .filter((set) => set.length > 0)
    .map((set) => ({
      patterns: [
        forms.length === 1 ? forms[0] : { 'pattern-either': forms },
        { 'metavariable-regex': { metavariable: '$CALLEE', regex: regexOf(group.name) } },
        ...set,
        ...semgrepExclusions(hold),
      ],
    })) as unknown as SemgrepFormula[];
  return formulaKeys(branches);
}

function conflictFormsSemgrep(group: ConflictGroup): string[] {
  return group.forms.map((f) => formSemgrep(f, '$CALLEE'));
}

/** Inside a function of this name (a nested one included). */
function withinFunction(name: string): AstGrepRule {
  return { stopBy: 'end', kind: 'function_item', has: { field: 'name', regex: regexOf(name) } };
}

const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function conflictAstGrep(group: ConflictGroup): AstGrepRule {
  const forms: AstGrepRule[] = group.forms.map((f) => (f.within ? { pattern: formAstGrep(f, '$CALLEE'), inside: withinFunction(f.within) } : { pattern: formAstGrep(f, '$CALLEE') }));
  // Macro arguments (`println!("{}", self.rows.lock().unwrap().len())`) are token trees to
  // tree-sitter, not calls: the call is found by its text.
  const plain = group.forms.filter((f) => f.args === undefined && f.suffix === undefined && f.within === undefined);
  if (plain.length > 0) forms.push({ kind: 'token_tree', regex: `(^|[^\\w.:])(${plain.map((f) => escapeRegex(f.prefix.replace(/\s+/g, ''))).join('|')})\\s*${escapeRegex(group.name)}\\s*\\(` });
  return forms.length === 1 ? forms[0] : { any: forms };
}

/** The arms, then-block, else-block or loop body of a construct whose scrutinee holds `held`. */
function regionBody(region: ScrutineeRegion, hold: Hold, edition: Edition): AstGrepRule {
  const scrutinee = makerIn(hold, edition, 'value');
  // A `try_*` guard is in its success only: `Ok(g) => …`, `if let Some(g) = …`.
  const success = { field: 'pattern', regex: SUCCESS_PATTERN };
  const letCondition = { field: 'condition', kind: 'let_condition', ...(hold.attempt ? { all: [{ has: scrutinee }, { has: success }] } : { has: scrutinee }) };
  switch (region) {
    case 'match arms':
      return hold.attempt
        ? { kind: 'match_arm', has: success, inside: { kind: 'match_block', inside: { kind: 'match_expression', has: scrutinee } } }
        : { kind: 'match_block', inside: { kind: 'match_expression', has: scrutinee } };
    case 'if let then-block':
      return { kind: 'block', inside: { kind: 'if_expression', field: 'consequence', has: letCondition } };
    case 'if let else-block':
      return { kind: 'block', inside: { kind: 'else_clause', inside: { kind: 'if_expression', has: letCondition } } };
    case 'while let body':
      return { kind: 'block', inside: { kind: 'while_expression', has: letCondition } };
    case 'for body':
      return { kind: 'block', inside: { kind: 'for_expression', field: 'body', has: scrutinee } };
  }
}

const SUCCESS_PATTERN = '^(Ok|Some)\\s*\\(';

function regionsOf(hold: Hold, edition: Edition): ScrutineeRegion[] {
  if (hold.attempt) return ['match arms', 'if let then-block', 'while let body'];
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
  ];
}

// `$MOVE($$$A, $G, $$$B)` does not match when both sides are empty; two patterns cover it.
// `let other = g;` moves it too.
const MOVES_G: AstGrepRule = { any: [{ pattern: '$MOVE($$$BEFORE, $G)' }, { pattern: '$MOVE($G, $$$AFTER)' }, { pattern: 'let $MOVED = $G;' }] };

/**
 * After `let G = <guard>;` in an enclosing block, with no move of `G` (`drop(g)`) before it at
 * any level: `if c { drop(g); self.f() }` is safe.
 */
function afterLet(hold: Hold, calls: AstGrepRule): AstGrepRule {
  const lets = astGrepInits(hold).flatMap((init) => [{ pattern: `let $G = ${init};` }, { pattern: `let mut $G = ${init};` }]);
  const movedBefore = { follows: { stopBy: 'end', ...itselfOrBelow(MOVES_G) } };
  const statement = { all: [{ follows: { stopBy: 'end', any: lets } }, { not: movedBefore }, { not: { has: { stopBy: 'end', all: [movedBefore, itselfOrBelow(calls)] } } }] };
  // The call is that statement (a block's tail expression) or inside it.
  return { any: [statement, { inside: { stopBy: 'end', ...statement } }] };
}

function rulesForHold(hold: Hold, edition: Edition, ids: { crate: string; maker: string }): ProjectRule[] {
  const rules: ProjectRule[] = [];
  const what = `the ${hold.held.mode} guard of \`${hold.lockDisplay}\` made by \`${hold.maker.text}\``;
  for (const group of hold.groups) {
    const forms = conflictFormsSemgrep(group);
    const calls = conflictAstGrep(group);
    const constraints = { CALLEE: { regex: regexOf(group.name) } };
    const regions = regionsOf(hold, edition);
    const tail = `${ids.crate}.${ids.maker}.${slug(group.name)}`;
    rules.push({
      id: `lockscope.rust.guard-across-branch.${tail}`,
      catalogueId: 'guard-across-branch',
      message:
        `\`${group.name}\` runs while ${what}, made in the scrutinee, is still alive (every \`match\` arm, the \`if let\` then-block${edition <= 2021 && !hold.optional ? ' and, before edition 2024, its else-block' : ''}, the loop body), and it takes the lock again: ${group.chain}. ` +
        'Bind the value with `let` first so the guard is dropped, or drop the guard before the call.',
      semgrep: callIn(group, hold, [[{ 'pattern-either': forms.flatMap((reached) => regions.flatMap((region) => (hold.attempt ? ['Ok($SUCCESS)', 'Some($SUCCESS)'] : ['$PAT']).flatMap((arm) => scrutineePatterns(region, hold.maker.semgrep, reached, true, arm)).map((p) => ({ 'pattern-inside': p })))) } as unknown as SemgrepCondition]]),
      astGrep: { all: [calls, ...ownerScope(hold), NOT_RUN_UNDER_GUARD, { inside: { stopBy: 'end', any: regions.map((r) => regionBody(r, hold, edition)) } }] },
      constraints,
    });
    // A `try_*` result bound with `let` may be a failure: only its scrutinee shapes say which arm holds.
    if (hold.attempt) continue;
    const upgrade = hold.held.mode !== 'exclusive' && group.requested === 'exclusive';
    const catalogueId = upgrade ? 'lock-upgrade' : 'double-lock';
    rules.push({
      id: `lockscope.rust.${catalogueId}.${tail}`,
      catalogueId,
      message:
        `\`${group.name}\` runs while ${what} is alive (bound with \`let\`, to the end of its block, or a temporary of this statement), and it takes the lock again: ${group.chain}. ` +
        'Drop the guard (or end the statement) before the call, or pass the guarded data down.',
      semgrep: callIn(group, hold, [afterLetSemgrep(semgrepInits(hold)), [{ 'pattern-either': forms.flatMap((reached) => temporarySemgrep(hold, edition, reached)) } as unknown as SemgrepCondition]]),
      astGrep: { all: [calls, ...ownerScope(hold), NOT_RUN_UNDER_GUARD, { any: [afterLet(hold, calls), ...temporaryAstGrep(hold, edition)] }] },
      constraints,
    });
  }
  return rules;
}

/**
 * An `async` block handed to a call (`rt.block_on(async { … })`, `spawn(async move { … })`) is a
 * future of its own: its `.await`s suspend it, not this function; where this function awaits it,
 * that `.await` is the one that counts.
 */
const IN_HANDED_FUTURE_SEMGREP: SemgrepCondition[] = ['async { ... }', 'async move { ... }'].map((block) => ({ 'pattern-not-inside': `$TAKER(..., ${block}, ...)` }));
const IN_HANDED_FUTURE: AstGrepRule = { not: { inside: { stopBy: 'end', kind: 'async_block', inside: { kind: 'arguments' } } } };

function awaitRule(hold: Hold, ids: { crate: string; maker: string }): ProjectRule {
  return {
    id: `lockscope.rust.guard-across-await.${ids.crate}.${ids.maker}`,
    catalogueId: 'guard-across-await',
    message: `The ${hold.held.mode} guard of \`${hold.lockDisplay}\` (a ${hold.held.flavor.name}, which blocks the thread) made by \`${hold.maker.text}\` and bound with \`let\` is alive at this \`.await\`. Drop it before awaiting, or use an async lock.`,
    semgrep: { patterns: [{ pattern: '$FUTURE.await' }, ...afterLetSemgrep(semgrepInits(hold)), ...IN_HANDED_FUTURE_SEMGREP, ...semgrepExclusions(hold).filter((c) => !('pattern-not-inside' in c))] } as unknown as SemgrepFormula,
    astGrep: { kind: 'await_expression', all: [...ownerScope(hold), IN_HANDED_FUTURE, afterLet(hold, { kind: 'await_expression' })] },
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
  const keyOf = (h: TsHold): string => `${h.kind}${h.release ?? ''} ${h.owner ?? h.inFile ?? ''} ${h.maker.callee}(${h.maker.args ?? ''})${h.maker.within ? ` in ${h.maker.within}` : ''}`;
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
    const keyOf = (h: Hold): string => `${h.owner ? `${h.owner} ` : ''}${h.maker.text}`;
    const makerSlugs = uniqueSlugs([...new Set([...holds, ...awaits].map(keyOf))]);
    const byMaker = new Map<string, ProjectRule[]>();
    for (const hold of holds) byMaker.set(keyOf(hold), rulesForHold(hold, crate.edition, { crate: crateSlug, maker: makerSlugs.get(keyOf(hold))! }));
    for (const hold of awaits) byMaker.set(keyOf(hold), [...(byMaker.get(keyOf(hold)) ?? []), awaitRule(hold, { crate: crateSlug, maker: makerSlugs.get(keyOf(hold))! })]);
    for (const [maker, rules] of byMaker) {
      const file = `rust/${crateSlug}/${makerSlugs.get(maker)}.${ext}`;
      files.set(file, engine === 'semgrep' ? semgrepYaml(rules, scope) : astGrepYaml(rules, scope));
    }
  }
  const ruleDirs = ['rust', 'ts'].filter((dir) => [...files.keys()].some((f) => f.startsWith(`${dir}/`)));
  if (engine === 'ast-grep') files.set('sgconfig.yml', generatedYaml({ ruleDirs }));
  return new Map([...files].sort(([a], [b]) => byText(a, b)));
}

function semgrepYaml(rules: readonly ProjectRule[], scope: { include: string[]; exclude: string[] }): string {
  return generatedYaml({
    rules: rules.map((rule) => ({
      id: rule.id,
      message: rule.message,
      severity: severityOf(rule.catalogueId),
      languages: ['rust'],
      paths: scope.exclude.length > 0 ? scope : { include: scope.include },
      metadata: registryMetadata({ catalogueId: rule.catalogueId, language: 'rust', confidence: 'HIGH', likelihood: 'MEDIUM', impact: 'HIGH', cwe: CWE_DEADLOCK }),
      ...rule.semgrep,
    })),
  });
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
