// Lexical shapes as Semgrep formulas (the items of a rule's `pattern-either`).
//
// Semgrep features relied on, all shown for Rust by Semgrep's own tests (see README `## Semgrep`):
// the deep expression operator `<... e ...>` (a guard made anywhere in a scrutinee), statement
// ellipses that reach into nested blocks (`...` then `<... c ...>;`), match-arm ellipses
// (`...,`), `metavariable-regex` (conflicting method names, `let _` excluded) and, in the project
// pack, `focus-metavariable` (report the call in the arm, not the whole `if let`).
import type { GuardInit, LockCall, LockFamily, RustShape, ScrutineeRegion, TsShape } from './lexical-shapes.js';

export type SemgrepFormula =
  | { readonly pattern: string }
  | { readonly 'pattern-either': readonly SemgrepFormula[] }
  | { readonly patterns: readonly SemgrepCondition[] };

export type SemgrepCondition =
  | SemgrepFormula
  | { readonly 'pattern-inside': string }
  | { readonly 'pattern-regex': string }
  | { readonly 'pattern-not-inside': string }
  | { readonly 'pattern-not': string }
  | { readonly 'metavariable-regex': { readonly metavariable: string; readonly regex: string } }
  | { readonly 'metavariable-comparison': { readonly comparison: string } }
  | { readonly 'focus-metavariable': string };

/** `$X.lock()` / `$X.get(...)` */
export function semgrepCall(receiver: string, call: LockCall): string {
  return `${receiver}.${call.method}(${call.args ? '...' : ''})`;
}

export function methodRegex(methods: readonly string[]): string {
  return `^(${[...new Set(methods)].sort().join('|')})$`;
}

/** A guard binding, but not `_`: `let _ = m.lock();` drops the guard at once. */
export const NAMED_BINDING_REGEX = '^([A-Za-z]|_[A-Za-z0-9_])[A-Za-z0-9_]*$';

/**
 * The conflicting call on the receiver, with its method name left to `metavariable-regex`. The
 * receiver is `$Y`, compared with `$X` as text: Semgrep 1.185 does not unify `$X` = `self.names`
 * across a `let names = …` that shadows the field's name (the later `self.names` resolves to the
 * local), so a shared `$X` misses `let names = self.names.borrow(); … self.names.borrow_mut()`.
 */
function conflictCall(family: LockFamily): string {
  return family.conflicts.some((c) => c.args) ? '$Y.$CONFLICT(...)' : '$Y.$CONFLICT()';
}

export const SAME_RECEIVER: SemgrepCondition = { 'metavariable-comparison': { comparison: 'str($X) == str($Y)' } };

function conflictConditions(family: LockFamily): SemgrepCondition[] {
  return [{ 'metavariable-regex': { metavariable: '$CONFLICT', regex: methodRegex(family.conflicts.map((c) => c.method)) } }, SAME_RECEIVER];
}

/** A block whose statements, at any depth, contain `inner` (as a statement, or as its tail too). */
function blockReaching(inner: string, indent: string, tail: boolean): string {
  return tail ? `{\n${indent}  ...\n${indent}  <... ${inner} ...>\n${indent}}` : `{\n${indent}  ...\n${indent}  <... ${inner} ...>;\n${indent}  ...\n${indent}}`;
}

/**
 * `reached` where the guard `held`, made in the scrutinee, is alive. With `tails`, also as the
 * block's tail expression (`None => { log(); self.init_for(k) }`). `arm` is the pattern an arm
 * (or `if let`) must have: `Ok($SUCCESS)` where only a `try_*` success holds the guard.
 */
export function scrutineePatterns(region: ScrutineeRegion, held: string, reached: string, tails = false, arm = '$PAT', scrutinee = `<... ${held} ...>`): string[] {
  const blocks = (tails ? [false, true] : [false]).map((tail) => (indent: string) => blockReaching(reached, indent, tail));
  switch (region) {
    case 'match arms':
      return [
        // One arm in a pattern matches any arm of the code (Semgrep's Rust parser rejects `...,`).
        `match ${scrutinee} {\n  ${arm} => <... ${reached} ...>,\n}`,
        ...blocks.map((block) => `match ${scrutinee} {\n  ${arm} => ${block('  ')}\n}`),
      ];
    case 'if let then-block':
      return blocks.map((block) => `if let ${arm} = ${scrutinee} ${block('')}`);
    case 'if let else-block':
      return blocks.map((block) => `if let ${arm} = ${scrutinee} {\n  ...\n} else ${block('')}`);
    case 'while let body':
      return blocks.map((block) => `while let ${arm} = ${scrutinee} ${block('')}`);
    case 'for body':
      return blocks.map((block) => `for ${arm} in ${scrutinee} ${block('')}`);
  }
}

/**
 * The `else if` chain after an `if let` whose scrutinee holds `held` (editions up to 2021): the
 * chained conditions and every block after them run under the first scrutinee's temporaries.
 * Semgrep's `else <block>` does not match an `else if`, so one link of the chain is spelt out.
 */
export function elseChainPatterns(held: string, reached: string, arm = '$PAT', scrutinee = `<... ${held} ...>`): string[] {
  const head = `if let ${arm} = ${scrutinee} {\n  ...\n}`;
  return [false, true].flatMap((tail) =>
    ['if let $CHAINED = $CHAINED_VALUE', 'if $CHAINED_CONDITION'].flatMap((link) => [
      `${head} else ${link} ${blockReaching(reached, '', tail)}`,
      `${head} else ${link} {\n  ...\n} else ${blockReaching(reached, '', tail)}`,
    ]),
  );
}

export function guardInit(held: string, init: GuardInit): string {
  switch (init) {
    case 'bare':
      return held;
    case 'unwrap':
      return `${held}.unwrap()`;
    case 'expect':
      return `${held}.expect(...)`;
    case 'await':
      return `${held}.await`;
  }
}

/**
 * `let $G = <guard>; ... <reached>;` with `$G` neither `_` nor moved away (`drop($G)`, or any
 * call taking `$G` by value) before `reached`.
 */
export function letGuardFormula(inits: readonly string[], reached: string, extra: readonly SemgrepCondition[]): SemgrepFormula {
  const sequences: SemgrepFormula[] = [];
  for (const init of inits) {
    for (const binding of ['$G', 'mut $G']) sequences.push({ pattern: `let ${binding} = ${init};\n...\n<... ${reached} ...>;` });
  }
  return {
    patterns: [
      { 'pattern-either': sequences },
      ...['$G', 'mut $G'].map((binding): SemgrepCondition => ({
        'pattern-not': `let ${binding} = $INIT;\n...\n$MOVE(..., $G, ...);\n...\n<... ${reached} ...>;`,
      })),
      { 'metavariable-regex': { metavariable: '$G', regex: NAMED_BINDING_REGEX } },
      ...extra,
    ],
  };
}

export function rustShapeFormula(shape: RustShape): SemgrepFormula {
  const held = semgrepCall('$X', shape.family.held);
  switch (shape.kind) {
    case 'scrutinee': {
      const patterns = scrutineePatterns(shape.region, held, conflictCall(shape.family)).map((pattern) => ({ pattern }));
      return { patterns: [patterns.length === 1 ? patterns[0] : { 'pattern-either': patterns }, ...conflictConditions(shape.family)] };
    }
    case 'let-guard':
      return letGuardFormula(shape.inits.map((init) => guardInit(held, init)), conflictCall(shape.family), conflictConditions(shape.family));
    case 'guard-at-await':
      return letGuardFormula(['bare', 'unwrap', 'expect'].map((init) => guardInit(held, init as GuardInit)), '$FUTURE.await', []);
  }
}

export function tsShapeFormula(shape: TsShape): SemgrepFormula {
  switch (shape.kind) {
    case 'nested-callback': {
      const [outer, inner] =
        shape.api === 'runExclusive'
          ? ['$M.runExclusive(async () => {', '$M.runExclusive(...)']
          : ['$M.acquire($KEY, async () => {', '$M.acquire($KEY, ...)'];
      return {
        'pattern-either': [
          { pattern: `${outer}\n  ...\n  <... await ${inner} ...>;\n  ...\n})` },
          { pattern: `${outer}\n  ...\n  return ${inner};\n})` },
        ],
      };
    }
    case 'web-locks-upgrade':
      return {
        pattern: `navigator.locks.request($NAME, { mode: "shared" }, async () => {\n  ...\n  <... await navigator.locks.request($NAME, $CALLBACK) ...>;\n  ...\n})`,
      };
    case 'mortice-upgrade':
      return {
        patterns: [
          { pattern: 'const $R = await $M.readLock();\n...\n<... await $M.writeLock() ...>;' },
          { 'pattern-not': 'const $R = await $M.readLock();\n...\n$R();\n...\n<... await $M.writeLock() ...>;' },
        ],
      };
    case 'releaser-without-finally': {
      const declarations = ['const $R = await $M.acquire();', 'const [, $R] = await $M.acquire(...);'];
      return {
        patterns: [
          { 'pattern-either': declarations.map((pattern) => ({ pattern })) },
          ...declarations.flatMap((declaration): SemgrepCondition[] => [
            { 'pattern-not-inside': `${declaration}\n...\ntry {\n  ...\n} finally {\n  ...\n  $R();\n  ...\n}` },
            { 'pattern-not-inside': `${declaration}\n...\nreturn $R;` },
          ]),
        ],
      };
    }
  }
}
