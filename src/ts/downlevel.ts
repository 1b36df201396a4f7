// TypeScript's compiled forms of private members, as packages ship them: `this.#m` is
// `__classPrivateFieldGet(this, _C_m, "f")` and a private method call is
// `__classPrivateFieldGet(this, _C_instances, "m", _C_f).call(this, …)`.
import type { TSESTree } from '@typescript-eslint/utils';
import { propertyName, unwrap, type Node } from './syntax.js';

export function isPrivateFieldHelper(call: TSESTree.CallExpression): boolean {
  const callee = unwrap(call.callee);
  const name = callee.type === 'Identifier' ? callee.name : callee.type === 'MemberExpression' ? propertyName(callee) : undefined;
  return name === '__classPrivateFieldGet' && call.arguments[0]?.type === 'ThisExpression';
}

/**
 * `__classPrivateFieldGet(this, _Store_mutex, "f")`, TypeScript's downlevel `this.#mutex`: the
 * WeakMap is named `_<Class>_<field>`.
 */
export function downlevelPrivateField(node: Node): { cls: string; field: string; store: string } | undefined {
  if (node.type !== 'CallExpression' || !isPrivateFieldHelper(node)) return undefined;
  const store = node.arguments[1];
  const kind = node.arguments[2];
  if (store?.type !== 'Identifier' || kind?.type !== 'Literal' || kind.value !== 'f') return undefined;
  const match = /^_(.+?)_(.+)$/.exec(store.name);
  return match ? { cls: match[1], field: match[2], store: store.name } : undefined;
}
