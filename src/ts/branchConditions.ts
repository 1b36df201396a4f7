// Which locks a branch condition says are free where a call runs: `if (!m.isLocked()) …`,
// `m.isLocked() ? skip : await m.runExclusive(…)`, `if (lock.isBusy(key)) return;`. Code reached
// only when the lock is free never runs while this flow holds it, so an acquisition there cannot
// be a nested one (as an `is_none()` test decides for an `Option<Guard>` on the Rust side).
import type { TSESTree } from '@typescript-eslint/utils';
import { propertyName, unwrap, type Node } from './syntax.js';

/** Resolves the lock a condition tests (`m` of `m.isLocked()`, with the key of `isBusy(key)`) to its key. */
export type ConditionLockKey = (lock: Node, key?: Node) => string | undefined;

/** Methods and properties that are true when the lock is held: `isLocked()`, `isBusy(key)`, `acquired`. */
const HELD_TESTS = new Set(['isLocked', 'isBusy', 'acquired']);
/** Non-blocking acquisitions that are true when they took the lock, so it was free: `tryAcquire()`. */
const TOOK_TESTS = new Set(['tryAcquire']);

/** The locks known free at `node` from the conditions around it, up to `owner`. */
export function freeLocksAt(node: Node, owner: Node, lockKey: ConditionLockKey): ReadonlySet<string> | undefined {
  const free = new Set<string>();
  for (let current: Node = node; current !== owner && current.parent; current = current.parent) {
    const parent: Node = current.parent;
    if ((parent.type === 'IfStatement' || parent.type === 'ConditionalExpression') && parent.test !== current) {
      conditionFacts(parent.test, current === parent.consequent, lockKey, free);
    } else if (parent.type === 'LogicalExpression' && parent.right === current && (parent.operator === '&&' || parent.operator === '||')) {
      conditionFacts(parent.left, parent.operator === '&&', lockKey, free);
    } else if (parent.type === 'BlockStatement' || parent.type === 'Program' || parent.type === 'SwitchCase') {
      // `if (m.isLocked()) return;` before the statement: past it, the lock was free.
      const statements: readonly Node[] = parent.type === 'SwitchCase' ? parent.consequent : parent.body;
      for (const statement of statements.slice(0, statements.indexOf(current))) {
        if (statement.type === 'IfStatement' && !statement.alternate && alwaysExits(statement.consequent)) conditionFacts(statement.test, false, lockKey, free);
      }
    }
  }
  return free.size > 0 ? free : undefined;
}

function alwaysExits(statement: Node): boolean {
  if (statement.type === 'ReturnStatement' || statement.type === 'ThrowStatement') return true;
  return statement.type === 'BlockStatement' && statement.body.length > 0 && alwaysExits(statement.body[statement.body.length - 1]);
}

/** Adds the locks that `test` being `truthy` proves free. */
function conditionFacts(test: Node, truthy: boolean, lockKey: ConditionLockKey, free: Set<string>): void {
  const expression = unwrap(test);
  if (expression.type === 'UnaryExpression' && expression.operator === '!') return conditionFacts(expression.argument, !truthy, lockKey, free);
  if (expression.type === 'LogicalExpression') {
    if ((expression.operator === '&&' && truthy) || (expression.operator === '||' && !truthy)) {
      conditionFacts(expression.left, truthy, lockKey, free);
      conditionFacts(expression.right, truthy, lockKey, free);
    }
    return;
  }
  if (expression.type === 'BinaryExpression' && ['===', '!==', '==', '!='].includes(expression.operator)) {
    const literal = [expression.left, expression.right].find((side): side is TSESTree.Literal => side.type === 'Literal' && typeof side.value === 'boolean');
    const other = literal === expression.left ? expression.right : expression.left;
    if (!literal) return;
    const equal = expression.operator === '===' || expression.operator === '==';
    return conditionFacts(other, truthy === (equal === literal.value), lockKey, free);
  }
  if (expression.type === 'AwaitExpression') return conditionFacts(expression.argument, truthy, lockKey, free);
  const member = expression.type === 'CallExpression' ? unwrap(expression.callee) : expression;
  if (member.type !== 'MemberExpression') return;
  const name = propertyName(member) ?? '';
  const key = expression.type === 'CallExpression' ? expression.arguments[0] : undefined;
  if ((HELD_TESTS.has(name) && !truthy) || (TOOK_TESTS.has(name) && truthy)) {
    const lock = lockKey(member.object, name === 'isBusy' ? key : undefined);
    if (lock) free.add(lock);
  }
}
