// Which code runs in whose async flow: a function expression passed straight to a call runs as
// part of that call (not one handed to `setTimeout` or a listener), and a promise is waited for
// where it is awaited, returned, or fed to something that is (`Promise.all`, `.then`).
import type { TSESTree } from '@typescript-eslint/utils';
import type { Owner, Variable } from './facts.js';
import { contains, enclosingFunction, propertyName, unwrap, type FunctionNode, type Node } from './syntax.js';

// Callbacks these run later, outside the caller's flow: holding a lock across them is harmless.
export const DEFERRING_CALLS = new Set([
  'setTimeout', 'setInterval', 'setImmediate', 'queueMicrotask', 'nextTick', 'requestAnimationFrame',
  'addEventListener', 'addListener', 'on', 'once', 'prependListener', 'subscribe',
]);
export const PROMISE_COMBINATORS = new Set(['all', 'allSettled', 'race', 'any']);
export const PROMISE_CHAIN = new Set(['then', 'catch', 'finally']);

export class AsyncFlow {
  constructor(private readonly variables: ReadonlyMap<TSESTree.Identifier, Variable>) {}

  /** A function expression passed straight to a call runs as part of that call's flow. */
  isInline(fn: FunctionNode): boolean {
    if (fn.type === 'FunctionDeclaration') return false;
    let node: Node = fn;
    while (node.parent && (node.parent.type === 'TSAsExpression' || node.parent.type === 'TSSatisfiesExpression')) node = node.parent;
    const parent = node.parent;
    // `new Promise(executor)` runs the executor before it returns.
    if (parent?.type === 'NewExpression' && parent.arguments[0] === node && parent.callee.type === 'Identifier' && parent.callee.name === 'Promise') return true;
    if (parent?.type !== 'CallExpression') return false;
    if (parent.callee === node) return true;
    if (!parent.arguments.includes(node as TSESTree.CallExpressionArgument)) return false;
    const callee = unwrap(parent.callee);
    const name = callee.type === 'Identifier' ? callee.name : callee.type === 'MemberExpression' ? propertyName(callee) : undefined;
    return !(name && DEFERRING_CALLS.has(name));
  }

  ownerOf(node: Node): Owner {
    let fn = enclosingFunction(node);
    while (fn.type !== 'Program' && this.isInline(fn)) fn = enclosingFunction(fn);
    return fn;
  }

  /**
   * The function whose flow waits for `node`'s promise: it is awaited there, returned from it,
   * or fed to something that is (`Promise.all`, `.then`). Undefined when nobody waits for it.
   */
  private awaitedIn(node: Node, depth = 0): Owner | undefined {
    let current = node;
    for (;;) {
      const parent = current.parent;
      if (!parent) return undefined;
      switch (parent.type) {
        case 'AwaitExpression':
        case 'YieldExpression':
        case 'ReturnStatement':
          return enclosingFunction(parent);
        case 'ArrowFunctionExpression':
          return parent.body === current ? parent : undefined;
        case 'TSAsExpression':
        case 'TSNonNullExpression':
        case 'TSSatisfiesExpression':
        case 'ChainExpression':
        case 'LogicalExpression':
        case 'ArrayExpression':
        case 'SpreadElement':
          current = parent;
          continue;
        case 'ConditionalExpression':
        case 'SequenceExpression':
          if (parent.type === 'ConditionalExpression' ? parent.test === current : parent.expressions.at(-1) !== current) return undefined;
          current = parent;
          continue;
        case 'CallExpression': {
          const callee = unwrap(parent.callee);
          if (
            parent.arguments.includes(current as TSESTree.CallExpressionArgument) &&
            callee.type === 'MemberExpression' &&
            callee.object.type === 'Identifier' &&
            callee.object.name === 'Promise' &&
            PROMISE_COMBINATORS.has(propertyName(callee) ?? '')
          ) {
            current = parent;
            continue;
          }
          return undefined;
        }
        case 'MemberExpression':
          if (parent.object === current && PROMISE_CHAIN.has(propertyName(parent) ?? '') && parent.parent?.type === 'CallExpression') {
            current = parent.parent;
            continue;
          }
          return undefined;
        case 'VariableDeclarator': {
          // `const p = this.load(); …; await p;`
          if (parent.init !== current || parent.id.type !== 'Identifier' || depth > 2) return undefined;
          const variable = this.variables.get(parent.id);
          for (const reference of variable?.references ?? []) {
            if (reference.identifier === parent.id || !reference.isRead()) continue;
            const waiter = this.awaitedIn(reference.identifier as Node, depth + 1);
            if (waiter) return waiter;
          }
          return undefined;
        }
        default:
          return undefined;
      }
    }
  }

  /** `node` runs in the async flow of `until` (a function containing it, through inline callbacks). */
  inFlowUpTo(node: Node, until: Owner): boolean {
    let current = node;
    for (let steps = 0; steps < 64; steps++) {
      const waiter = this.awaitedIn(current);
      if (!waiter) return false;
      if (waiter === until) return true;
      if (waiter.type === 'Program' || !this.isInline(waiter) || !contains(until, waiter)) return false;
      current = waiter.parent!;
    }
    return false;
  }
}
