// Small ESTree helpers shared by the TS/JS front end. Only the front end walks syntax.
import type { TSESTree } from '@typescript-eslint/utils';
import { visitorKeys } from '@typescript-eslint/visitor-keys';
import type { SourceSpan } from '../core/model.js';

export type Node = TSESTree.Node;
export type FunctionNode =
  | TSESTree.FunctionDeclaration
  | TSESTree.FunctionExpression
  | TSESTree.ArrowFunctionExpression;

export function isFunction(node: Node): node is FunctionNode {
  return (
    node.type === 'FunctionDeclaration' ||
    node.type === 'FunctionExpression' ||
    node.type === 'ArrowFunctionExpression'
  );
}

/** Visits every node once, parents before children, and sets `parent` (ESLint does too). */
export function visitAll(root: Node, visit: (node: Node) => void): void {
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    visit(node);
    // Pushed last to first: children are visited in the order of `childKeys`.
    const keys = childKeys(node);
    for (let k = keys.length - 1; k >= 0; k--) {
      const value = (node as unknown as Record<string, unknown>)[keys[k]];
      if (Array.isArray(value)) {
        for (let i = value.length - 1; i >= 0; i--) pushChild(stack, node, value[i]);
      } else {
        pushChild(stack, node, value);
      }
    }
  }
}

const childKeysByType = new Map<string, readonly string[]>();

/**
 * The keys of a node that hold its children. The walk used to read every key of every node;
 * typescript-estree writes a node's keys in alphabetical order, so the visitor keys sorted give
 * the same children in the same order (the order calls, functions and returns are collected in,
 * which decides e.g. which of two chains a finding names) without reading the other keys.
 */
function childKeys(node: Node): readonly string[] {
  const cached = childKeysByType.get(node.type);
  if (cached) return cached;
  const known = visitorKeys[node.type];
  if (!known) return Object.keys(node).filter((key) => key !== 'parent' && key !== 'loc' && key !== 'range');
  const keys = [...known].sort();
  childKeysByType.set(node.type, keys);
  return keys;
}

function pushChild(stack: Node[], parent: Node, value: unknown): void {
  if (!isNode(value)) return;
  (value as { parent?: Node }).parent = parent;
  stack.push(value);
}

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string' &&
    Array.isArray((value as { range?: unknown }).range);
}

export function spanOf(file: string, node: Node | TSESTree.SourceLocation): SourceSpan {
  const loc = 'type' in node ? node.loc : node;
  return {
    file,
    line: loc.start.line,
    column: loc.start.column + 1,
    endLine: loc.end.line,
    endColumn: loc.end.column + 1,
  };
}

/** Strips wrappers that do not change the value: `x!`, `x as T`, `(0, x)`, `x?.y` chains. */
export function unwrap(node: Node): Node {
  let current = node;
  for (;;) {
    switch (current.type) {
      case 'TSAsExpression':
      case 'TSNonNullExpression':
      case 'TSSatisfiesExpression':
      case 'TSTypeAssertion':
      case 'ChainExpression':
        current = current.expression;
        continue;
      case 'SequenceExpression':
        current = current.expressions[current.expressions.length - 1];
        continue;
      default:
        return current;
    }
  }
}

/** The name of a non-computed member property, or of a string-literal computed one. */
export function propertyName(member: TSESTree.MemberExpression): string | undefined {
  if (!member.computed) {
    return member.property.type === 'Identifier' || member.property.type === 'PrivateIdentifier'
      ? (member.property.type === 'PrivateIdentifier' ? '#' : '') + member.property.name
      : undefined;
  }
  return staticString(member.property);
}

/** The value of a string literal or a template literal without substitutions. */
export function staticString(node: Node): string | undefined {
  if (node.type === 'Literal' && typeof node.value === 'string') return node.value;
  if (node.type === 'TemplateLiteral' && node.expressions.length === 0) return node.quasis[0].value.cooked ?? undefined;
  return undefined;
}

export function keyName(key: Node, computed: boolean): string | undefined {
  if (!computed && key.type === 'Identifier') return key.name;
  if (key.type === 'PrivateIdentifier') return `#${key.name}`;
  return staticString(key);
}

export function contains(outer: Node, inner: Node): boolean {
  return outer.range[0] <= inner.range[0] && inner.range[1] <= outer.range[1];
}

/** The nearest enclosing function (or the program), not counting `node` itself. */
export function enclosingFunction(node: Node): FunctionNode | TSESTree.Program {
  let current = node.parent;
  while (current && !isFunction(current) && current.type !== 'Program') current = current.parent;
  return (current ?? node) as FunctionNode | TSESTree.Program;
}

/** The class a `this` inside `node` refers to: arrow functions see through, functions do not. */
export function enclosingClass(node: Node): TSESTree.ClassDeclaration | TSESTree.ClassExpression | undefined {
  let current = node.parent;
  while (current) {
    if (current.type === 'ClassDeclaration' || current.type === 'ClassExpression') return current;
    if (current.type === 'FunctionDeclaration') return undefined;
    if (current.type === 'FunctionExpression') {
      const owner = current.parent;
      const isMember = owner && (owner.type === 'MethodDefinition' || owner.type === 'PropertyDefinition');
      // A generator passed to TypeScript's `__awaiter(this, …)` runs with the method's `this`.
      const isAwaiterBody = owner?.type === 'CallExpression' && owner.arguments[0]?.type === 'ThisExpression';
      if (!isMember && !isAwaiterBody) return undefined;
    }
    current = current.parent;
  }
  return undefined;
}

export function className(cls: TSESTree.ClassDeclaration | TSESTree.ClassExpression): string {
  if (cls.id) return cls.id.name;
  const parent = cls.parent;
  if (parent?.type === 'VariableDeclarator' && parent.id.type === 'Identifier') return parent.id.name;
  return '<anonymous class>';
}

/** A readable name for a function, for chains in messages. */
export function functionName(fn: FunctionNode | TSESTree.Program): string {
  if (fn.type === 'Program') return '<module>';
  if (fn.type === 'FunctionDeclaration' && fn.id) return fn.id.name;
  const parent = fn.parent;
  if (parent?.type === 'MethodDefinition' || parent?.type === 'PropertyDefinition') {
    const cls = parent.parent?.parent;
    const member = keyName(parent.key, parent.computed) ?? '<computed>';
    return cls && (cls.type === 'ClassDeclaration' || cls.type === 'ClassExpression') ? `${className(cls)}.${member}` : member;
  }
  if (parent?.type === 'VariableDeclarator' && parent.id.type === 'Identifier') return parent.id.name;
  if (parent?.type === 'Property') return keyName(parent.key, parent.computed) ?? '<computed>';
  if (parent?.type === 'AssignmentExpression' && parent.left.type === 'MemberExpression') {
    return propertyName(parent.left) ?? '<anonymous>';
  }
  if (fn.id) return fn.id.name;
  return '<anonymous>';
}

/** The text a call is written as, shortened for messages: `this.load()`, `store.get()`. */
export function calleeText(call: TSESTree.CallExpression | TSESTree.NewExpression): string {
  const callee = unwrap(call.callee);
  const text = (node: Node): string | undefined => {
    if (node.type === 'Identifier') return node.name;
    if (node.type === 'ThisExpression') return 'this';
    if (node.type === 'Super') return 'super';
    // `f.call(this, …)` is a call of `f`; TypeScript's downlevel `this.#m(…)` is
    // `__classPrivateFieldGet(this, _C_instances, "m", _C_m).call(this, …)`.
    if (node.type === 'MemberExpression' && ['call', 'apply'].includes(propertyName(node) ?? '')) return text(unwrap(node.object));
    if (node.type === 'CallExpression' && node.arguments[0]?.type === 'ThisExpression' && node.arguments[3]?.type === 'Identifier') {
      const helper = unwrap(node.callee);
      const match = /^_[^_]+_(.+)$/.exec(node.arguments[3].name);
      if (helper.type === 'Identifier' && /classPrivateFieldGet$/.test(helper.name) && match) return `this.#${match[1]}`;
    }
    if (node.type === 'MemberExpression') {
      const object = text(unwrap(node.object));
      const property = propertyName(node);
      return object && property ? `${object}.${property}` : property;
    }
    return undefined;
  };
  return `${text(callee) ?? '(…)'}()`;
}
