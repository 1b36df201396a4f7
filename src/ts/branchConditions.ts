// What the branch conditions around a call say. Which locks are free there: `if (!m.isLocked())
// …`, `m.isLocked() ? skip : await m.runExclusive(…)`, `if (lock.isBusy(key)) return;` — code
// reached only when the lock is free never runs while this flow holds it, so an acquisition there
// cannot be a nested one (as an `is_none()` test decides for an `Option<Guard>` on the Rust side).
// And which parameters must be truthy or falsy to reach it (`options?.skipLock ? work() :
// withLock(work)`): a caller whose argument decides the test never reaches what it rules out.
import type { TSESTree } from '@typescript-eslint/utils';
import { propertyName, unwrap, type Node } from './syntax.js';

/** Resolves the lock a condition tests (`m` of `m.isLocked()`, with the key of `isBusy(key)`) to its key. */
export type ConditionLockKey = (lock: Node, key?: Node) => string | undefined;

/** Methods and properties that are true when the lock is held: `isLocked()`, `isBusy(key)`, `acquired`. */
const HELD_TESTS = new Set(['isLocked', 'isBusy', 'acquired']);
/** Non-blocking acquisitions that are true when they took the lock, so it was free: `tryAcquire()`. */
const TOOK_TESTS = new Set(['tryAcquire']);

/** A value that must be truthy (or falsy) to get somewhere: `@param:1.skipLock` falsy. */
export interface ValueCondition {
  readonly value: string;
  readonly truthy: boolean;
}

/** A test's operand that says something on its own (`m.isLocked()`, `options.skipLock`), and its truth. */
type Leaf = (expression: Node, truthy: boolean) => void;

/** Every condition that holds at `node`, up to `owner`, as leaves and their truth. */
function conditionsAt(node: Node, owner: Node, leaf: Leaf): void {
  for (let current: Node = node; current !== owner && current.parent; current = current.parent) {
    const parent: Node = current.parent;
    if ((parent.type === 'IfStatement' || parent.type === 'ConditionalExpression') && parent.test !== current) {
      conditionFacts(parent.test, current === parent.consequent, leaf);
    } else if (parent.type === 'LogicalExpression' && parent.right === current && (parent.operator === '&&' || parent.operator === '||')) {
      conditionFacts(parent.left, parent.operator === '&&', leaf);
    } else if (parent.type === 'BlockStatement' || parent.type === 'Program' || parent.type === 'SwitchCase') {
      // `if (m.isLocked()) return;` before the statement: past it, the test was false.
      const statements: readonly Node[] = parent.type === 'SwitchCase' ? parent.consequent : parent.body;
      for (const statement of statements.slice(0, statements.indexOf(current))) {
        if (statement.type === 'IfStatement' && !statement.alternate && alwaysExits(statement.consequent)) conditionFacts(statement.test, false, leaf);
      }
    }
  }
}

/** The locks known free at `node` from the conditions around it, up to `owner`. */
export function freeLocksAt(node: Node, owner: Node, lockKey: ConditionLockKey): ReadonlySet<string> | undefined {
  const free = new Set<string>();
  conditionsAt(node, owner, (expression, truthy) => {
    const member = expression.type === 'CallExpression' ? unwrap(expression.callee) : expression;
    if (member.type !== 'MemberExpression') return;
    const name = propertyName(member) ?? '';
    const key = expression.type === 'CallExpression' ? expression.arguments[0] : undefined;
    if ((HELD_TESTS.has(name) && !truthy) || (TOOK_TESTS.has(name) && truthy)) {
      const lock = lockKey(member.object, name === 'isBusy' ? key : undefined);
      if (lock) free.add(lock);
    }
  });
  return free.size > 0 ? free : undefined;
}

/**
 * The conditions on `owner`'s parameters (by value identity, `@param:1.skipLock`) that hold at
 * `node`: a caller whose arguments contradict one never gets there.
 */
export function parameterConditionsAt(node: Node, owner: Node, identity: (expression: Node) => string | undefined): readonly ValueCondition[] | undefined {
  const conditions: ValueCondition[] = [];
  conditionsAt(node, owner, (expression, truthy) => {
    if (expression.type !== 'Identifier' && expression.type !== 'MemberExpression') return;
    const value = identity(expression);
    if (value?.startsWith('@param:')) conditions.push({ value, truthy });
  });
  return conditions.length > 0 ? conditions : undefined;
}

function alwaysExits(statement: Node): boolean {
  if (statement.type === 'ReturnStatement' || statement.type === 'ThrowStatement') return true;
  return statement.type === 'BlockStatement' && statement.body.length > 0 && alwaysExits(statement.body[statement.body.length - 1]);
}

/** Hands each operand of `test` that must have a known truth when `test` is `truthy` to `leaf`. */
function conditionFacts(test: Node, truthy: boolean, leaf: Leaf): void {
  const expression = unwrap(test);
  if (expression.type === 'UnaryExpression' && expression.operator === '!') return conditionFacts(expression.argument, !truthy, leaf);
  if (expression.type === 'LogicalExpression') {
    if ((expression.operator === '&&' && truthy) || (expression.operator === '||' && !truthy)) {
      conditionFacts(expression.left, truthy, leaf);
      conditionFacts(expression.right, truthy, leaf);
    }
    return;
  }
  if (expression.type === 'BinaryExpression' && ['===', '!==', '==', '!='].includes(expression.operator)) {
    const literal = [expression.left, expression.right].find((side): side is TSESTree.Literal => side.type === 'Literal' && typeof side.value === 'boolean');
    const other = literal === expression.left ? expression.right : expression.left;
    if (!literal) return;
    const equal = expression.operator === '===' || expression.operator === '==';
    return conditionFacts(other, truthy === (equal === literal.value), leaf);
  }
  if (expression.type === 'AwaitExpression') return conditionFacts(expression.argument, truthy, leaf);
  leaf(expression, truthy);
}
