// Locks handed out through a deferred (Chesster's `lock()`): a callback-scoped acquisition whose
// callback returns a promise it never settles, and passes that promise's settler to the settler
// of the promise its owner returns. The lock is then held until the owner's caller settles it.
import type { TSESTree } from '@typescript-eslint/utils';
import type { Owner, Variable } from './facts.js';
import { isSingleAssignment, type FileIndex } from './fileIndex.js';
import { contains, enclosingFunction, isFunction, keyName, propertyName, unwrap, visitAll, type FunctionNode, type Node } from './syntax.js';

export class DeferredLocks {
  constructor(private readonly index: FileIndex) {}

  /**
   * The callback of a callback-scoped acquisition returns a promise that nothing in it settles,
   * and hands that promise's settler to whoever waits for the owner's result: the Chesster
   * `lock()` (`lockDeferred.resolve(unlock); return unlock.promise;` inside `acquire(key, cb)`, then
   * `return lockDeferred.promise`). The lock is then held until the caller settles it.
   */
  handsOutSettler(callback: FunctionNode, owner: Owner): boolean {
    if (owner.type === 'Program') return false;
    const inner = new Set(returnedExpressions(callback).flatMap((value) => this.deferredSettlers(value, 0)));
    // Most callbacks return no deferred's promise: then the owner's returns need no walk.
    if (inner.size === 0) return false;
    const outer = new Set(returnedExpressions(owner).flatMap((value) => this.deferredSettlers(value, 0)));
    if (outer.size === 0) return false;
    return this.index.calls.some((call) => {
      if (!contains(callback, call)) return false;
      const callee = unwrap(call.callee);
      const settlesOuter =
        (callee.type === 'Identifier' && outer.has(this.index.variables.get(callee)!)) ||
        (callee.type === 'MemberExpression' && propertyName(callee) === 'resolve' && unwrap(callee.object).type === 'Identifier' && outer.has(this.index.variables.get(unwrap(callee.object) as TSESTree.Identifier)!));
      if (!settlesOuter) return false;
      let carries = false;
      for (const argument of call.arguments) {
        visitAll(argument, (node) => {
          if (node.type === 'Identifier' && inner.has(this.index.variables.get(node)!)) carries = true;
        });
      }
      return carries;
    });
  }

  /**
   * The bindings that settle the promise `value` denotes: the executor's `resolve` of `new
   * Promise((resolve) => …)` and whatever it is stored in, a deferred object (`d` of `d.promise`
   * for `d = Q.defer()` or `Promise.withResolvers()`), or `resolve` of `const { promise, resolve }
   * = Promise.withResolvers()`.
   */
  private deferredSettlers(value: Node, depth: number): Variable[] {
    const expression = unwrap(value);
    if (depth > 3) return [];
    if (expression.type === 'NewExpression' && expression.callee.type === 'Identifier' && expression.callee.name === 'Promise') {
      const executor = expression.arguments[0] && unwrap(expression.arguments[0]);
      const resolve = executor && isFunction(executor) && executor.params[0]?.type === 'Identifier' ? this.index.variables.get(executor.params[0]) : undefined;
      if (!resolve) return [];
      const stored = resolve.references.flatMap((reference) => {
        const parent = reference.identifier.parent;
        const target = parent?.type === 'AssignmentExpression' && parent.right === reference.identifier && parent.left.type === 'Identifier' ? this.index.variables.get(parent.left) : undefined;
        return target ? [target] : [];
      });
      return [resolve, ...stored];
    }
    if (expression.type === 'Identifier') {
      const variable = this.index.variables.get(expression);
      const definition = variable?.defs[0];
      if (!variable || definition?.type !== 'Variable' || !isSingleAssignment(variable)) return [];
      const declarator = definition.node as TSESTree.VariableDeclarator;
      if (declarator.id.type === 'ObjectPattern' && declarator.init && isDeferredMaker(declarator.init)) {
        return ['resolve', 'reject'].flatMap((key) => {
          const property = declarator.id.type === 'ObjectPattern' ? declarator.id.properties.find((p) => p.type === 'Property' && keyName(p.key, p.computed) === key) : undefined;
          const bound = property?.type === 'Property' && property.value.type === 'Identifier' ? this.index.variables.get(property.value) : undefined;
          return bound ? [bound] : [];
        });
      }
      return declarator.id === definition.name && declarator.init ? this.deferredSettlers(declarator.init, depth + 1) : [];
    }
    if (expression.type === 'MemberExpression' && propertyName(expression) === 'promise' && unwrap(expression.object).type === 'Identifier') {
      const variable = this.index.variables.get(unwrap(expression.object) as TSESTree.Identifier);
      const definition = variable?.defs[0];
      const init = definition?.type === 'Variable' && variable && isSingleAssignment(variable) ? (definition.node as TSESTree.VariableDeclarator).init : undefined;
      return init && isDeferredMaker(init) ? [variable!] : [];
    }
    return [];
  }
}

/** The values a function returns: its expression body, or its own `return` statements' arguments. */
export function returnedExpressions(fn: FunctionNode | TSESTree.Program): Node[] {
  if (fn.type === 'Program') return [];
  if (fn.body.type !== 'BlockStatement') return [fn.body];
  const values: Node[] = [];
  visitAll(fn.body, (node) => {
    if (node.type === 'ReturnStatement' && node.argument && enclosingFunction(node) === fn) values.push(node.argument);
  });
  return values;
}

/** `Q.defer()`, `defer()`, `Promise.withResolvers()`: an object with a promise and its settlers. */
function isDeferredMaker(init: Node): boolean {
  const expression = unwrap(init);
  if (expression.type !== 'CallExpression') return false;
  const callee = unwrap(expression.callee);
  const name = callee.type === 'Identifier' ? callee.name : callee.type === 'MemberExpression' ? propertyName(callee) : undefined;
  return name === 'defer' || name === 'withResolvers' || name === 'createDeferred' || name === 'deferred';
}
