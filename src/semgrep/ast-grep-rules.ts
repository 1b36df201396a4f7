// Lexical shapes as ast-grep rules: the twin of semgrep-formulas.ts that a test runs with the real
// `ast-grep` engine on the pack's test targets. Field names are tree-sitter-rust's and
// tree-sitter-typescript's.
import type { GuardInit, LockCall, LockFamily, RustShape, ScrutineeRegion, TsShape } from './lexical-shapes.js';
import { guardInit } from './semgrep-formulas.js';

/** An ast-grep rule object (the `rule:` value), kept as plain data for YAML. */
export type AstGrepRule = { readonly [key: string]: unknown };

/** `$$$` metavariables with one name must match the same text: each call gets its own name. */
export function astGrepCall(receiver: string, call: LockCall, argsName = 'ARGS'): string {
  return `${receiver}.${call.method}(${call.args ? `$$$${argsName}` : ''})`;
}

/** The node itself or anything below it matches. */
export function itselfOrBelow(rule: AstGrepRule): AstGrepRule {
  return { any: [rule, { has: { stopBy: 'end', ...rule } }] };
}

function anyOf(patterns: readonly string[]): AstGrepRule {
  return patterns.length === 1 ? { pattern: patterns[0] } : { any: patterns.map((pattern) => ({ pattern })) };
}

function conflictRule(family: LockFamily): AstGrepRule {
  return anyOf(family.conflicts.map((c) => astGrepCall('$X', c)));
}

/** The construct whose scrutinee holds `held`, with `reached` somewhere in `region`. */
export function scrutineeRule(region: ScrutineeRegion, held: AstGrepRule, reached: AstGrepRule): AstGrepRule {
  const scrutinee = { field: 'value', ...itselfOrBelow(held) };
  const inRegion = (field: string): AstGrepRule => ({ field, has: { stopBy: 'end', ...reached } });
  const letCondition = { field: 'condition', kind: 'let_condition', has: scrutinee };
  switch (region) {
    case 'match arms':
      return { kind: 'match_expression', all: [{ has: scrutinee }, { has: inRegion('body') }] };
    case 'if let then-block':
      return { kind: 'if_expression', all: [{ has: letCondition }, { has: inRegion('consequence') }] };
    case 'if let else-block':
      return { kind: 'if_expression', all: [{ has: letCondition }, { has: inRegion('alternative') }] };
    case 'while let body':
      return { kind: 'while_expression', all: [{ has: letCondition }, { has: inRegion('body') }] };
    case 'for body':
      return { kind: 'for_expression', all: [{ has: scrutinee }, { has: inRegion('body') }] };
  }
}

// `$MOVE($$$A, $G, $$$B)` does not match when both sides are empty; two patterns cover it.
const MOVES_G: AstGrepRule = { any: [{ pattern: '$MOVE($$$BEFORE, $G)' }, { pattern: '$MOVE($G, $$$AFTER)' }] };

/** `let G = <guard>;` followed, in the same block, by `reached` with no move of `G` in between. */
export function letGuardRule(inits: readonly string[], reached: AstGrepRule): AstGrepRule {
  const bindings = inits.flatMap((init) => [`let $G = ${init};`, `let mut $G = ${init};`]);
  return {
    kind: 'let_declaration',
    all: [
      anyOf(bindings),
      {
        precedes: {
          stopBy: 'end',
          all: [
            itselfOrBelow(reached),
            { not: { follows: { stopBy: 'end', ...itselfOrBelow(MOVES_G) } } },
          ],
        },
      },
    ],
  };
}

/** A statement that follows `let G = <guard>;` in its block, with no move of `G` before it. */
export function afterLetGuard(inits: readonly string[]): AstGrepRule {
  return {
    all: [
      { follows: { stopBy: 'end', any: inits.flatMap((init) => [{ pattern: `let $G = ${init};` }, { pattern: `let mut $G = ${init};` }]) } },
      { not: { follows: { stopBy: 'end', ...itselfOrBelow(MOVES_G) } } },
    ],
  };
}

export function rustShapeRule(shape: RustShape): AstGrepRule {
  const held = astGrepCall('$X', shape.family.held, 'HELD_ARGS');
  switch (shape.kind) {
    case 'scrutinee':
      return scrutineeRule(shape.region, { pattern: held }, conflictRule(shape.family));
    case 'let-guard':
      return letGuardRule(shape.inits.map((init) => guardInit(held, init)), conflictRule(shape.family));
    case 'guard-at-await':
      return letGuardRule((['bare', 'unwrap', 'expect'] as GuardInit[]).map((init) => guardInit(held, init)), { pattern: '$FUTURE.await' });
  }
}

export function tsShapeRule(shape: TsShape): AstGrepRule {
  switch (shape.kind) {
    case 'nested-callback': {
      const [outer, inner] =
        shape.api === 'runExclusive'
          ? ['$M.runExclusive($$$OUTER)', '$M.runExclusive($$$INNER)']
          : ['$M.acquire($KEY, $$$OUTER)', '$M.acquire($KEY, $$$INNER)'];
      return {
        pattern: outer,
        has: {
          field: 'arguments',
          has: {
            kind: 'arrow_function',
            has: {
              field: 'body',
              has: {
                stopBy: 'end',
                any: [{ pattern: `await ${inner}` }, { kind: 'return_statement', has: { pattern: inner } }],
              },
            },
          },
        },
      };
    }
    case 'web-locks-upgrade':
      return {
        pattern: "navigator.locks.request($NAME, { mode: 'shared' }, $CALLBACK)",
        has: { stopBy: 'end', pattern: 'await navigator.locks.request($NAME, $INNER)' },
      };
    case 'mortice-upgrade':
      return {
        kind: 'lexical_declaration',
        pattern: 'const $R = await $M.readLock()',
        precedes: {
          stopBy: 'end',
          all: [
            itselfOrBelow({ pattern: 'await $M.writeLock()' }),
            { not: { follows: { stopBy: 'end', ...itselfOrBelow({ pattern: '$R()' }) } } },
          ],
        },
      };
    case 'releaser-without-finally':
      return {
        kind: 'lexical_declaration',
        // The array form first: `const $R = …` would bind `$R` to the whole `[, release]`.
        any: [{ pattern: 'const [, $R] = await $M.acquire($$$ARGS)' }, { pattern: 'const $R = await $M.acquire()' }],
        not: {
          precedes: {
            stopBy: 'end',
            any: [
              { kind: 'try_statement', has: { field: 'finalizer', has: { stopBy: 'end', pattern: '$R()' } } },
              { kind: 'return_statement', has: { pattern: '$R' } },
            ],
          },
        },
      };
  }
}
