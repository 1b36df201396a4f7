// The project pack: rules specialised to one codebase from its lock summaries. For each lock and
// each way a guard of it is made (`self.load.read()`), the functions whose summary reaches a
// conflicting acquisition become alternatives of the conflicting call, so plain Semgrep sees the
// seed bug: `self.init_for(key)` in the `else` of an `if let` on `self.load.read()`, where
// `init_for` → `refresh` → `store` takes `self.load.write()`.
import { relative } from 'node:path';
import { conflicts, formatSpan, sharedPairMayBlock, type Acquisition, type ReachedAcquisition } from '../core/model.js';
import type { Edition } from '../rust/crates.js';
import { lockKindOfTypeName, lockMethod } from '../rust/lock-apis.js';
import type { CrateFacts } from '../rust/summaries.js';
import { afterLetGuard, itselfOrBelow, type AstGrepRule } from './ast-grep-rules.js';
import { CWE_DEADLOCK, registryMetadata, severityOf } from './generic-rules.js';
import type { ScrutineeRegion } from './lexical-shapes.js';
import { AST_GREP_LANGUAGE, formulaKeys, toYaml, type PackFiles } from './pack.js';
import { guardInit, letGuardFormula, methodRegex, scrutineePatterns, type SemgrepCondition, type SemgrepFormula } from './semgrep-formulas.js';

export interface ProjectCrate {
  readonly facts: CrateFacts;
  readonly edition: Edition;
  /** The crate's directory, absolute. */
  readonly root: string;
}

/** One function whose call takes a lock, with the chain that shows it. */
interface ReachingFunction {
  readonly name: string;
  /** `self.name(…)` for methods of the lock's owner type, `name(…)` for free functions. */
  readonly method: boolean;
  readonly chain: string;
}

/** A lock, a way of holding it, and everything that conflicts with that hold. */
interface HeldLock {
  readonly display: string;
  readonly receiver: string;
  readonly held: Acquisition;
  /** DashMap `get`: `None` holds nothing, so there is no `else` rule. */
  readonly optional: boolean;
  readonly directApis: readonly string[];
  readonly reaching: readonly ReachingFunction[];
}

/** `Proxy.load` → `self.load`; `static CACHE` → `CACHE`; function-local locks have no pattern. */
export function receiverOf(lockKey: string): string | undefined {
  const statik = /^static (\w+)$/.exec(lockKey);
  if (statik) return statik[1];
  const field = /^(\w+)\.([\w.]+)$/.exec(lockKey);
  return field ? `self.${field[2]}` : undefined;
}

function ownerOf(lockKey: string): string | undefined {
  return /^(\w+)\./.exec(lockKey)?.[1];
}

/** Conflicts that deadlock or panic whatever other threads do (no shared + shared pairs). */
function certainConflict(held: Acquisition, requested: Acquisition): boolean {
  return conflicts(held, requested) && !sharedPairMayBlock(held, requested);
}

function chainText(fnName: string, reached: ReachedAcquisition): string {
  const calls = reached.chain.map((step) => /`([^`]+)`/.exec(step.note)?.[1] ?? step.note);
  const a = reached.acquisition;
  return `${[fnName, ...calls].join(' → ')} takes ${a.lock.display} (${a.mode}, \`${a.api}()\`) at ${formatSpan(a.span)}`;
}

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function isOptionalGuard(a: Acquisition): boolean {
  const kind = lockKindOfTypeName(a.flavor.name.split('::').pop() ?? '');
  return kind !== undefined && (lockMethod(kind, a.api)?.optional ?? false);
}

export function heldLocks(crate: CrateFacts): HeldLock[] {
  const all = crate.summariseEverything();
  const holds = new Map<string, Acquisition>();
  for (const facts of all) {
    for (const guard of facts.guards) {
      const a = guard.acquisition;
      if (receiverOf(a.lock.key) === undefined || !a.blocking) continue;
      const key = `${a.lock.key}|${a.api}`;
      if (!holds.has(key)) holds.set(key, a);
    }
  }
  const result: HeldLock[] = [];
  for (const key of [...holds.keys()].sort(byText)) {
    const held = holds.get(key)!;
    const directApis = new Set<string>();
    const reaching = new Map<string, ReachingFunction>();
    for (const facts of all) {
      for (const event of facts.events) {
        if (event.kind === 'acquire' && event.acquisition.lock.key === held.lock.key && certainConflict(held, event.acquisition)) directApis.add(event.acquisition.api);
      }
      const method = facts.fn.ownerType !== undefined;
      if (method && facts.fn.ownerType !== ownerOf(held.lock.key)) continue;
      const hits = [...crate.summary(facts.fn).values()]
        .filter((r) => r.acquisition.lock.key === held.lock.key && certainConflict(held, r.acquisition))
        .sort((a, b) => a.chain.length - b.chain.length || byText(formatSpan(a.acquisition.span), formatSpan(b.acquisition.span)));
      if (hits.length === 0 || reaching.has(facts.fn.name)) continue;
      reaching.set(facts.fn.name, { name: facts.fn.name, method, chain: chainText(facts.fn.name, hits[0]) });
    }
    if (reaching.size === 0) continue;
    result.push({
      display: held.lock.display,
      receiver: receiverOf(held.lock.key)!,
      held,
      optional: isOptionalGuard(held),
      directApis: [...directApis].sort(byText),
      reaching: [...reaching.values()].sort((a, b) => byText(a.name, b.name)),
    });
  }
  return result;
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

/** Function names as calls may spell them: `fn plain` is called as `plain()` or `r#plain()`. */
function fnNameRegex(names: readonly string[]): string {
  return methodRegex(names).replace(/^\^/, '^(?:r#)?');
}

/** The conflicting calls, each focused on its method name so the finding is the call's line. */
function reachedCalls(lock: HeldLock): { semgrep: { pattern: string; metavariable: string; regex: string }[]; astGrep: AstGrepRule; constraints: Record<string, unknown> } {
  const methods = lock.reaching.filter((f) => f.method).map((f) => f.name);
  const functions = lock.reaching.filter((f) => !f.method).map((f) => f.name);
  const semgrep: { pattern: string; metavariable: string; regex: string }[] = [];
  const astGrep: AstGrepRule[] = [];
  const constraints: Record<string, unknown> = {};
  if (methods.length > 0) {
    semgrep.push({ pattern: 'self.$CALLEE(...)', metavariable: '$CALLEE', regex: fnNameRegex(methods) });
    astGrep.push({ pattern: 'self.$CALLEE($$$ARGS)' });
    constraints.CALLEE = { regex: fnNameRegex(methods) };
  }
  if (functions.length > 0) {
    semgrep.push({ pattern: '$FUNCTION(...)', metavariable: '$FUNCTION', regex: fnNameRegex(functions) });
    astGrep.push({ pattern: '$FUNCTION($$$ARGS)' });
    constraints.FUNCTION = { regex: fnNameRegex(functions) };
  }
  if (lock.directApis.length > 0) {
    semgrep.push({ pattern: `${lock.receiver}.$API(...)`, metavariable: '$API', regex: methodRegex(lock.directApis) });
    astGrep.push({ pattern: `${lock.receiver}.$API($$$ARGS)` });
    constraints.API = { regex: methodRegex(lock.directApis) };
  }
  return { semgrep, astGrep: { any: astGrep }, constraints };
}

interface ProjectRule {
  readonly id: string;
  readonly catalogueId: 'guard-across-branch' | 'double-lock' | 'lock-upgrade';
  readonly message: string;
  readonly semgrep: SemgrepFormula;
  readonly astGrep: AstGrepRule;
  readonly constraints: Record<string, unknown>;
  readonly paths?: { readonly include: readonly string[]; readonly exclude: readonly string[] };
}

function rulesFor(lock: HeldLock, olderEditions: { include: string[]; exclude: string[] }): ProjectRule[] {
  const heldCall = `${lock.receiver}.${lock.held.api}(...)`;
  const heldAstGrep = `${lock.receiver}.${lock.held.api}($$$HELD_ARGS)`;
  const calls = reachedCalls(lock);
  const chains = lock.reaching.map((f) => f.chain).join('; ');
  const what = `the ${lock.held.mode} guard of \`${lock.display}\` (\`${lock.held.api}()\`)`;
  const fix = 'Bind the value with `let` first so the guard is dropped, or drop the guard before the call.';
  const base = `lockscope.rust`;
  const name = slug(`${lock.display}-${lock.held.api}`);
  const callAlternatives = (sequence: (reached: string) => string[]): SemgrepFormula =>
    formulaKeys(
      calls.semgrep.map((c) => ({
        patterns: [
          formulaKeys(sequence(c.pattern).map((pattern) => ({ pattern }))),
          { 'metavariable-regex': { metavariable: c.metavariable, regex: c.regex } },
          { 'focus-metavariable': c.metavariable },
        ] as SemgrepCondition[],
      })),
    );
  const regions: ScrutineeRegion[] = ['match arms', 'if let then-block', 'while let body', 'for body'];
  const inRegion = (region: ScrutineeRegion): AstGrepRule => ({ all: [calls.astGrep, { inside: { stopBy: 'end', ...regionBody(region, heldAstGrep) } }] });
  const rules: ProjectRule[] = [
    {
      id: `${base}.guard-across-branch.${name}`,
      catalogueId: 'guard-across-branch',
      message: `This call runs while ${what}, made in the scrutinee, is still alive (every \`match\` arm, the \`if let\` then-block, the loop body), and it takes \`${lock.display}\` again: ${chains}. ${fix}`,
      semgrep: callAlternatives((reached) => regions.flatMap((region) => scrutineePatterns(region, heldCall, reached))),
      astGrep: { any: regions.map(inRegion) },
      constraints: calls.constraints,
    },
  ];
  if (!lock.optional && olderEditions.include.length > 0) {
    rules.push({
      id: `${base}.guard-across-branch-else.${name}`,
      catalogueId: 'guard-across-branch',
      message: `This call in the \`else\` block runs while ${what}, made in the \`if let\` scrutinee, is still alive (editions up to 2021 keep scrutinee temporaries through \`else\`), and it takes \`${lock.display}\` again: ${chains}. ${fix}`,
      semgrep: callAlternatives((reached) => scrutineePatterns('if let else-block', heldCall, reached)),
      astGrep: inRegion('if let else-block'),
      constraints: calls.constraints,
      paths: olderEditions,
    });
  }
  const inits = (['bare', 'unwrap', 'expect', 'await'] as const).map((init) => guardInit(heldCall, init));
  const initsAstGrep = (['bare', 'unwrap', 'expect', 'await'] as const).map((init) => guardInit(heldAstGrep, init));
  const upgrade = lock.held.mode !== 'exclusive';
  rules.push({
    id: `${base}.${upgrade ? 'lock-upgrade' : 'double-lock'}.${name}`,
    catalogueId: upgrade ? 'lock-upgrade' : 'double-lock',
    message: `This call runs while ${what}, bound with \`let $G\`, is alive (to the end of its block), and it takes \`${lock.display}\` again: ${chains}. \`drop($G)\` before the call.`,
    semgrep: formulaKeys(
      calls.semgrep.map((c) => ({
        patterns: [
          ...((letGuardFormula(inits, c.pattern, []) as { patterns: SemgrepCondition[] }).patterns),
          { 'metavariable-regex': { metavariable: c.metavariable, regex: c.regex } },
          { 'focus-metavariable': c.metavariable },
        ],
      })),
    ),
    astGrep: { all: [calls.astGrep, { inside: { stopBy: 'end', ...afterLetGuard(initsAstGrep) } }] },
    constraints: calls.constraints,
  });
  return rules;
}

/**
 * The arms, then-block or loop body of a construct whose scrutinee holds `held`: the call must
 * sit there, not in the scrutinee (where the guard is made).
 */
function regionBody(region: ScrutineeRegion, held: string): AstGrepRule {
  const scrutinee = { field: 'value', ...itselfOrBelow({ pattern: held }) };
  const letCondition = { field: 'condition', kind: 'let_condition', has: scrutinee };
  switch (region) {
    case 'match arms':
      return { kind: 'match_block', inside: { kind: 'match_expression', has: scrutinee } };
    case 'if let then-block':
      return { kind: 'block', inside: { kind: 'if_expression', has: letCondition } };
    case 'if let else-block':
      return { kind: 'block', inside: { kind: 'else_clause', inside: { kind: 'if_expression', has: letCondition } } };
    case 'while let body':
      return { kind: 'block', inside: { kind: 'while_expression', has: letCondition } };
    case 'for body':
      return { kind: 'block', inside: { kind: 'for_expression', has: scrutinee } };
  }
}

/**
 * Path globs, relative to `cwd`, for the crates compiled with edition 2021 or older, and for the
 * edition-2024 crates nested inside them, which are excluded.
 */
function editionScope(crates: readonly ProjectCrate[], cwd: string): { include: string[]; exclude: string[] } {
  const dirOf = (c: ProjectCrate): string => relative(cwd, c.root).split('\\').join('/');
  const glob = (dir: string): string => (dir === '' ? '**/*.rs' : `${dir}/**/*.rs`);
  const older = crates.filter((c) => c.edition <= 2021).map(dirOf);
  const newer = crates.filter((c) => c.edition > 2021).map(dirOf);
  const nested = newer.filter((dir) => older.some((o) => o === '' || dir.startsWith(`${o}/`)));
  return { include: older.map(glob).sort(byText), exclude: nested.map(glob).sort(byText) };
}

/** The project pack for one engine: one file per lock hold. */
export function projectPackFiles(crates: readonly ProjectCrate[], cwd: string, engine: 'semgrep' | 'ast-grep'): PackFiles {
  const files: PackFiles = new Map();
  const older = editionScope(crates, cwd);
  for (const crate of crates) {
    for (const lock of heldLocks(crate.facts)) {
      const rules = rulesFor(lock, older);
      const file = `rust/${slug(`${lock.display}-${lock.held.api}`)}.${engine === 'semgrep' ? 'yaml' : 'yml'}`;
      files.set(file, engine === 'semgrep' ? semgrepYaml(rules) : astGrepYaml(rules));
    }
  }
  if (engine === 'ast-grep') files.set('sgconfig.yml', toYaml({ ruleDirs: ['rust'] }));
  return new Map([...files].sort(([a], [b]) => byText(a, b)));
}

function semgrepYaml(rules: readonly ProjectRule[]): string {
  return toYaml({
    rules: rules.map((rule) => ({
      id: rule.id,
      message: rule.message,
      severity: severityOf(rule.catalogueId),
      languages: ['rust'],
      ...(rule.paths ? { paths: rule.paths.exclude.length > 0 ? rule.paths : { include: rule.paths.include } } : {}),
      metadata: registryMetadata({ catalogueId: rule.catalogueId, language: 'rust', confidence: 'HIGH', likelihood: 'MEDIUM', impact: 'HIGH', cwe: CWE_DEADLOCK }),
      ...rule.semgrep,
    })),
  });
}

function astGrepYaml(rules: readonly ProjectRule[]): string {
  return rules
    .map((rule) =>
      toYaml({
        id: rule.id,
        language: AST_GREP_LANGUAGE.rust,
        severity: severityOf(rule.catalogueId) === 'ERROR' ? 'error' : 'warning',
        message: rule.message,
        ...(rule.paths ? { files: rule.paths.include } : {}),
        ...(rule.paths && rule.paths.exclude.length > 0 ? { ignores: rule.paths.exclude } : {}),
        rule: rule.astGrep,
        constraints: rule.constraints,
      }),
    )
    .join('---\n');
}
