// What one file declares and binds, indexed once: its calls, constructions, function owners,
// `this` assignments, ES5 prototype methods and CommonJS exports, every identifier's binding,
// and the questions only those answer (constants, which class or method a name is, which object
// an expression denotes). Every other part of the front end reads the file through this.
import ts from 'typescript';
import type { ParserServicesWithTypeInformation, TSESTree } from '@typescript-eslint/utils';
import { collectLockImports, type ImportedName } from './lockApis.js';
import { AsyncFlow } from './asyncFlow.js';
import type { ClassNode, FileInput, Owner, Variable } from './facts.js';
import { THIS_ROOT, limitRoot } from './lockKeys.js';
import { calleeText, contains, enclosingClass, isFunction, keyName, propertyName, staticString, unwrap, visitAll, type FunctionNode, type Node } from './syntax.js';

export class FileIndex {
  readonly file: string;
  readonly typed?: ParserServicesWithTypeInformation;
  readonly imports: Map<string, ImportedName>;
  readonly variables = new Map<TSESTree.Identifier, Variable>();
  readonly calls: TSESTree.CallExpression[] = [];
  readonly constructions: TSESTree.NewExpression[] = [];
  readonly owners: Owner[] = [];
  readonly thisAssignments: TSESTree.AssignmentExpression[] = [];
  /** ES5 classes: `C.prototype.m = function () {…}`, by constructor name and method name. */
  readonly prototypeMethods = new Map<string, Map<string, FunctionNode>>();
  /** CommonJS exports: `exports.f = …`, `module.exports.f = …`, `module.exports = { f }`. */
  readonly exported = new Map<string, Node>();
  /** `module.exports = <value>` when the value is not an object literal (a function, a binding, an IIFE's result). */
  wholeExport?: Node;
  readonly flow: AsyncFlow;

  constructor(readonly input: FileInput) {
    this.file = input.file;
    this.typed = input.typed;
    this.flow = new AsyncFlow(this.variables);
    const nodes: Node[] = [];
    visitAll(input.ast, (node) => nodes.push(node));
    this.imports = collectLockImports(input.ast, (visit) => nodes.forEach(visit), input.extra);
    this.owners.push(input.ast);
    for (const node of nodes) {
      if (node.type === 'CallExpression') this.calls.push(node);
      else if (isFunction(node) && !this.flow.isInline(node)) this.owners.push(node);
      else if (node.type === 'AssignmentExpression' && node.left.type === 'MemberExpression' && node.left.object.type === 'ThisExpression') {
        this.thisAssignments.push(node);
      }
      if (node.type === 'AssignmentExpression' && node.operator === '=') this.noteModuleAssignment(node);
      if (node.type === 'NewExpression') this.constructions.push(node);
    }
    for (const scope of input.scopeManager?.scopes ?? []) {
      for (const reference of scope.references) if (reference.resolved) this.variables.set(reference.identifier as TSESTree.Identifier, reference.resolved);
      for (const variable of scope.variables) for (const identifier of variable.identifiers) this.variables.set(identifier, variable);
    }
  }

  private noteModuleAssignment(assignment: TSESTree.AssignmentExpression): void {
    const left = assignment.left;
    const value = unwrap(assignment.right);
    if (left.type !== 'MemberExpression') return;
    const name = propertyName(left);
    const object = unwrap(left.object);
    if (name && object.type === 'MemberExpression' && propertyName(object) === 'prototype' && object.object.type === 'Identifier' && isFunction(value)) {
      const methods = this.prototypeMethods.get(object.object.name) ?? new Map<string, FunctionNode>();
      methods.set(name, value);
      this.prototypeMethods.set(object.object.name, methods);
    }
    const isModuleExports = (node: Node): boolean =>
      node.type === 'MemberExpression' && propertyName(node) === 'exports' && node.object.type === 'Identifier' && node.object.name === 'module';
    if (name && ((object.type === 'Identifier' && object.name === 'exports') || isModuleExports(object))) this.exported.set(name, value);
    if (isModuleExports(left) && value.type !== 'ObjectExpression') this.wholeExport = value;
    if (isModuleExports(left) && value.type === 'ObjectExpression') {
      for (const property of value.properties) {
        const key = property.type === 'Property' ? keyName(property.key, property.computed) : undefined;
        if (key && property.type === 'Property') this.exported.set(key, property.value as Node);
      }
    }
  }

  /** `thisAssignments` by the class, or the ES5 class's constructor name, whose `this` they assign. */
  private thisAssignmentsByOwner: Map<ClassNode | string, TSESTree.AssignmentExpression[]> | undefined;

  /**
   * The `this.x = …` assignments made in one class (or ES5 class), in source order. Grouped once
   * per file: asking every assignment for its class on every lookup is quadratic in a bundle of
   * many classes.
   */
  thisAssignmentsOf(owner: ClassNode | string): readonly TSESTree.AssignmentExpression[] {
    if (!this.thisAssignmentsByOwner) {
      const byOwner = new Map<ClassNode | string, TSESTree.AssignmentExpression[]>();
      const add = (key: ClassNode | string | undefined, assignment: TSESTree.AssignmentExpression): void => {
        if (key === undefined) return;
        const list = byOwner.get(key);
        if (list) list.push(assignment);
        else byOwner.set(key, [assignment]);
      };
      for (const assignment of this.thisAssignments) {
        add(enclosingClass(assignment), assignment);
        add(this.prototypeOwnerOf(assignment), assignment);
      }
      this.thisAssignmentsByOwner = byOwner;
    }
    return this.thisAssignmentsByOwner.get(owner) ?? [];
  }

  /**
   * The ES5 class a `this` belongs to: `C` inside `C.prototype.m = function () {…}`, or inside
   * the constructor `function C() {…}` of a class with prototype methods.
   */
  prototypeOwnerOf(node: Node): string | undefined {
    for (let current = node.parent; current; current = current.parent) {
      if (current.type === 'FunctionDeclaration') return current.id && this.prototypeMethods.has(current.id.name) ? current.id.name : undefined;
      if (current.type !== 'FunctionExpression') continue;
      const parent = current.parent;
      if (parent?.type === 'CallExpression' && parent.arguments[0]?.type === 'ThisExpression') continue;
      if (parent?.type !== 'AssignmentExpression' || parent.left.type !== 'MemberExpression') return undefined;
      const object = unwrap(parent.left.object);
      return object.type === 'MemberExpression' && propertyName(object) === 'prototype' && object.object.type === 'Identifier' ? object.object.name : undefined;
    }
    return undefined;
  }

  /**
   * The value a constant stands for: `KEY` of `const KEY = 'users'`, `LOCKS.users` of
   * `const LOCKS = { users: 'users' } as const`. Anything else is returned as it is.
   */
  resolveConstant(expression: Node, depth = 0): Node {
    const node = unwrap(expression);
    if (depth > 4) return node;
    if (node.type === 'Identifier') {
      const variable = this.variables.get(node);
      const definition = variable?.defs[0];
      if (!variable || definition?.type !== 'Variable' || !isSingleAssignment(variable)) return node;
      const declarator = definition.node as TSESTree.VariableDeclarator;
      if (declarator.id !== definition.name || !declarator.init || (declarator.parent as TSESTree.VariableDeclaration).kind !== 'const') return node;
      return this.resolveConstant(declarator.init, depth + 1);
    }
    if (node.type === 'MemberExpression') {
      const object = this.resolveConstant(node.object, depth + 1);
      const name = propertyName(node);
      if (object.type !== 'ObjectExpression' || name === undefined) return node;
      for (const property of object.properties) {
        if (property.type === 'Property' && keyName(property.key, property.computed) === name) return this.resolveConstant(property.value as Node, depth + 1);
      }
    }
    return node;
  }

  /** A string known before running: a literal, or a constant that is one. */
  staticValue(node: Node): string | undefined {
    return staticString(this.resolveConstant(node));
  }

  /**
   * Which object a receiver expression denotes, as a root for instance-relative lock keys:
   * `this`, a field path from it (`this.inbox`), a binding (`v:…`), or an expression seen once.
   */
  receiverRoot(expression: Node, depth = 0): string {
    const node = unwrap(expression);
    if (node.type === 'ThisExpression' || node.type === 'Super') return THIS_ROOT;
    if (node.type === 'Identifier') {
      const variable = this.variables.get(node);
      const definition = variable?.defs[0];
      if (definition?.type === 'ClassName') return THIS_ROOT;
      if (definition?.type === 'Variable' && variable && depth < 4 && isSingleAssignment(variable)) {
        const init = (definition.node as TSESTree.VariableDeclarator).init;
        if (init && (definition.node as TSESTree.VariableDeclarator).id.type === 'Identifier' && ['ThisExpression', 'MemberExpression', 'Identifier'].includes(unwrap(init).type)) {
          return this.receiverRoot(init, depth + 1);
        }
      }
      if (definition?.type === 'ImportBinding') {
        // An imported binding is the exporting file's binding: the same root in every file.
        const declared = this.declaredBinding(node);
        if (declared) return declared;
      }
      if (definition) return `v:${this.file}#${node.name}@${definition.name.range[0]}`;
    }
    if (node.type === 'MemberExpression' && depth < 8) {
      const name = propertyName(node);
      if (name) return limitRoot(`${this.receiverRoot(node.object, depth + 1)}.${name}`);
    }
    return `?${this.file}:${node.range[0]}`;
  }

  /** `v:<file>#name@offset` of the module-level variable an import resolves to (typed). */
  private declaredBinding(node: Node): string | undefined {
    const typed = this.typed;
    if (!typed) return undefined;
    let symbol = typed.getSymbolAtLocation(node);
    if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = typed.program.getTypeChecker().getAliasedSymbol(symbol);
    const declaration = symbol?.valueDeclaration;
    if (!declaration || !ts.isVariableDeclaration(declaration) || !ts.isIdentifier(declaration.name)) return undefined;
    return `v:${declaration.getSourceFile().fileName}#${declaration.name.text}@${declaration.name.getStart()}`;
  }

  /** The index of `owner`'s parameter that `node` names (a plain `fn`, `fn.call(…)`), if it is one never reassigned. */
  ownParameterIndex(node: Node, owner: Owner): number | undefined {
    let expression = unwrap(node);
    if (expression.type === 'MemberExpression' && ['call', 'apply'].includes(propertyName(expression) ?? '')) expression = unwrap(expression.object);
    if (expression.type !== 'Identifier' || owner.type === 'Program') return undefined;
    const variable = this.variables.get(expression);
    const definition = variable?.defs[0];
    if (!variable || definition?.type !== 'Parameter' || definition.node !== owner || !isSingleAssignment(variable)) return undefined;
    const index = owner.params.findIndex((param) => contains(param, definition.name as Node));
    return index >= 0 ? index : undefined;
  }

  sourceText(node: Node): string {
    return calleeText({ callee: node } as TSESTree.CallExpression).replace(/\(\)$/, '');
  }

  /** The function a binding holds: its initializer, or the one function ever assigned to it. */
  functionValueOf(variable: Variable): FunctionNode | undefined {
    const values = variable.references.flatMap((reference) => (reference.writeExpr ? [unwrap(reference.writeExpr as Node)] : []));
    const functions = values.filter(isFunction);
    return functions.length === 1 && values.length === 1 ? functions[0] : undefined;
  }

  classOf(node: Node): ClassNode | undefined {
    const expression = unwrap(node);
    if (expression.type !== 'Identifier') return undefined;
    const definition = this.variables.get(expression)?.defs[0];
    return definition?.type === 'ClassName' ? (definition.node as ClassNode) : undefined;
  }

  methodOf(cls: ClassNode, name: string, isStatic: boolean, depth = 0): FunctionNode | undefined {
    for (const member of cls.body.body) {
      if ((member.type === 'MethodDefinition' || member.type === 'PropertyDefinition') && member.static === isStatic && keyName(member.key, member.computed) === name) {
        if (member.type === 'MethodDefinition' && member.kind === 'method' && member.value.type === 'FunctionExpression') return member.value;
        if (member.type === 'PropertyDefinition' && member.value && isFunction(member.value)) return member.value;
      }
    }
    const base = cls.superClass ? this.classOf(cls.superClass) : undefined;
    return base && depth < 8 ? this.methodOf(base, name, isStatic, depth + 1) : undefined;
  }
}

/** Whether `this` at `node` is the class itself (a static method, static field or static block). */
export function thisIsClass(node: Node): boolean {
  let inner: Node = node;
  for (let current = node.parent; current; inner = current, current = current.parent) {
    if (current.type === 'StaticBlock') return true;
    if (current.type === 'PropertyDefinition' && current.value === inner) return current.static;
    if (current.type === 'FunctionExpression' || current.type === 'FunctionDeclaration') {
      const owner = current.parent;
      if (owner?.type === 'MethodDefinition') return owner.static;
      // TypeScript's `__awaiter(this, …, function* () {…})` keeps the method's `this`.
      if (owner?.type === 'CallExpression' && owner.arguments[0]?.type === 'ThisExpression') continue;
      return false;
    }
    if (current.type === 'ClassBody') return false;
  }
  return false;
}

/** The field a getter returns when its body is `return this.<field>;`. */
export function getterTarget(cls: ClassNode, name: string): string | undefined {
  for (const member of cls.body.body) {
    if (member.type !== 'MethodDefinition' || member.kind !== 'get' || keyName(member.key, member.computed) !== name) continue;
    const body = member.value.body?.body;
    const only = body?.length === 1 ? body[0] : undefined;
    const returned = only?.type === 'ReturnStatement' && only.argument ? unwrap(only.argument) : undefined;
    if (returned?.type === 'MemberExpression' && returned.object.type === 'ThisExpression') return propertyName(returned);
  }
  return undefined;
}

/** The property key a destructuring pattern binds `identifier` from: `{ mutex: m } = this`. */
export function destructuredKey(pattern: TSESTree.ObjectPattern, identifier: TSESTree.Identifier): string | undefined {
  for (const property of pattern.properties) {
    if (property.type !== 'Property') continue;
    const value = property.value.type === 'AssignmentPattern' ? property.value.left : property.value;
    if (value === identifier) return keyName(property.key, property.computed);
  }
  return undefined;
}

/** A binding written once, by its declaration. */
export function isSingleAssignment(variable: Variable): boolean {
  return variable.references.filter((reference) => reference.isWrite()).length <= 1 && variable.defs.length === 1;
}
