// Which function a call reaches: a method of this file's classes (ES2015 and ES5 prototype
// classes, `super`, a field built from a local class), a binding holding one function, TypeScript's
// downlevel private methods, CommonJS exports, what the type checker resolves (typed), and,
// untyped, what a relative `require`/`import` names in another file of the project.
import path from 'node:path';
import ts from 'typescript';
import type { TSESTree } from '@typescript-eslint/utils';
import type { CallTarget, ClassNode } from './facts.js';
import type { FileIndex } from './fileIndex.js';
import { destructuredKey, isSingleAssignment, thisIsClass } from './fileIndex.js';
import { THIS_ROOT } from './lockKeys.js';
import { isPrivateFieldHelper } from './downlevel.js';
import { enclosingClass, isFunction, keyName, propertyName, unwrap, type FunctionNode, type Node } from './syntax.js';

export class CallTargets {
  constructor(private readonly index: FileIndex) {}

  /** The root of the object a callee runs on: `x` of `x.f()`, the first argument of `f.call(x)`. */
  receiverOf(calleeNode: Node, args: readonly Node[]): string | undefined {
    const callee = unwrap(calleeNode);
    if (callee.type !== 'MemberExpression') return undefined;
    const method = propertyName(callee);
    if (method === 'call' || method === 'apply') return args[0] ? this.index.receiverRoot(args[0]) : undefined;
    if (method === 'bind') return undefined;
    return this.index.receiverRoot(callee.object);
  }

  targetsOf(calleeNode: Node, call: TSESTree.CallExpression | undefined): CallTarget[] {
    let callee = unwrap(calleeNode);
    if (callee.type === 'MemberExpression' && ['call', 'apply', 'bind'].includes(propertyName(callee) ?? '')) callee = unwrap(callee.object);
    if (callee.type === 'CallExpression') {
      const inner = unwrap(callee.callee);
      if (inner.type === 'MemberExpression' && propertyName(inner) === 'bind') callee = unwrap(inner.object);
    }
    const typedTargets = this.typedTargets(callee, call);
    if (typedTargets) return typedTargets;
    const fn = this.localFunction(callee);
    if (fn) return [{ kind: 'function', fn }];
    const imported = this.importedTarget(callee);
    return imported ? [imported] : [];
  }

  /**
   * Untyped: a call of what another file of the project exports, named through `require` or an
   * import of a relative path: `dbLock()` after `const { dbLock } = require('./db')`, `db.lock()`
   * after `const db = require('./models.js')` or `import * as db from './models.js'`.
   */
  private importedTarget(callee: Node): CallTarget | undefined {
    const specifierOf = (node: Node | null | undefined): string | undefined => {
      const expression = node && unwrap(node);
      if (expression?.type !== 'CallExpression' || expression.callee.type !== 'Identifier' || expression.callee.name !== 'require') return undefined;
      const argument = expression.arguments[0];
      return argument?.type === 'Literal' && typeof argument.value === 'string' ? argument.value : undefined;
    };
    const target = (specifier: string | undefined, name: string | undefined): CallTarget | undefined =>
      specifier !== undefined && name !== undefined && /^\.\.?\//.test(specifier) ? { kind: 'export', module: path.resolve(path.dirname(this.index.file), specifier), name } : undefined;
    // What a binding holds: a module (`namespace`) or one of its exports (`name`).
    const binding = (identifier: TSESTree.Identifier): { specifier?: string; name?: string; namespace: boolean } | undefined => {
      const variable = this.index.variables.get(identifier);
      const definition = variable?.defs[0];
      if (!variable || !definition || !isSingleAssignment(variable)) return undefined;
      if (definition.type === 'Variable') {
        const declarator = definition.node as TSESTree.VariableDeclarator;
        const specifier = specifierOf(declarator.init);
        if (declarator.id.type === 'Identifier') return { specifier, name: 'default', namespace: true };
        if (declarator.id.type === 'ObjectPattern') return { specifier, name: destructuredKey(declarator.id, definition.name as TSESTree.Identifier), namespace: false };
        return undefined;
      }
      if (definition.type === 'ImportBinding') {
        const specifier = definition.node as TSESTree.ImportClause;
        const source = (definition.parent as TSESTree.ImportDeclaration | null)?.source.value;
        if (specifier.type === 'ImportNamespaceSpecifier' || specifier.type === 'ImportDefaultSpecifier') return { specifier: source, name: 'default', namespace: true };
        const imported = specifier.imported.type === 'Identifier' ? specifier.imported.name : String(specifier.imported.value);
        return { specifier: source, name: imported, namespace: false };
      }
      return undefined;
    };
    if (callee.type === 'Identifier') {
      const bound = binding(callee);
      return bound && target(bound.specifier, bound.name);
    }
    if (callee.type === 'MemberExpression' && unwrap(callee.object).type === 'Identifier') {
      const bound = binding(unwrap(callee.object) as TSESTree.Identifier);
      return bound?.namespace ? target(bound.specifier, propertyName(callee)) : undefined;
    }
    return undefined;
  }

  /** The function this file exports under `name` (`default`: what `module.exports` itself is). */
  exportedFunctionNode(name: string): FunctionNode | undefined {
    const functionOf = (value: Node | undefined): FunctionNode | undefined => {
      const expression = value && unwrap(value);
      if (!expression) return undefined;
      return isFunction(expression) ? expression : this.localFunction(expression);
    };
    const exported = this.index.exported.get(name);
    if (exported) return functionOf(exported);
    for (const statement of this.index.input.ast.body) {
      if (statement.type === 'ExportDefaultDeclaration' && name === 'default') return functionOf(statement.declaration as Node);
      if (statement.type !== 'ExportNamedDeclaration') continue;
      const declaration = statement.declaration;
      if (declaration?.type === 'FunctionDeclaration' && declaration.id?.name === name) return declaration;
      if (declaration?.type === 'VariableDeclaration') {
        for (const declarator of declaration.declarations) if (declarator.id.type === 'Identifier' && declarator.id.name === name) return functionOf(declarator.init ?? undefined);
      }
      for (const specifier of statement.source ? [] : statement.specifiers) {
        const exportedName = specifier.exported.type === 'Identifier' ? specifier.exported.name : specifier.exported.value;
        if (exportedName === name) return functionOf(specifier.local as Node);
      }
    }
    if (!this.index.wholeExport) return undefined;
    if (name === 'default') return functionOf(this.index.wholeExport);
    // `module.exports = api` with `var api = (function () { … return { lock: lock }; }())`.
    return functionOf(this.memberOfObject(this.index.wholeExport, name, 0));
  }

  /** The value an object-valued expression gives member `name`: a literal, a binding of one, an IIFE returning one. */
  private memberOfObject(value: Node, name: string, depth: number): Node | undefined {
    const expression = unwrap(value);
    if (depth > 4) return undefined;
    if (expression.type === 'ObjectExpression') {
      for (const property of expression.properties) {
        if (property.type === 'Property' && keyName(property.key, property.computed) === name) return property.value as Node;
      }
      return undefined;
    }
    if (expression.type === 'Identifier') {
      const variable = this.index.variables.get(expression);
      const definition = variable?.defs[0];
      const init = definition?.type === 'Variable' && variable && isSingleAssignment(variable) ? (definition.node as TSESTree.VariableDeclarator).init : undefined;
      return init ? this.memberOfObject(init, name, depth + 1) : undefined;
    }
    const iife = expression.type === 'CallExpression' ? unwrap(expression.callee) : undefined;
    if (iife && isFunction(iife)) {
      if (iife.body.type !== 'BlockStatement') return this.memberOfObject(iife.body, name, depth + 1);
      for (const statement of iife.body.body) {
        if (statement.type === 'ReturnStatement' && statement.argument) return this.memberOfObject(statement.argument, name, depth + 1);
      }
    }
    return undefined;
  }

  /** The declaration the checker resolves a call to; undefined leaves it to the untyped lookup. */
  private typedTargets(callee: Node, call: TSESTree.CallExpression | undefined): CallTarget[] | undefined {
    const typed = this.index.typed;
    if (!typed) return undefined;
    const symbolOf = (): ts.Symbol | undefined => {
      const symbol = typed.getSymbolAtLocation(callee);
      return symbol && symbol.flags & ts.SymbolFlags.Alias ? typed.program.getTypeChecker().getAliasedSymbol(symbol) : symbol;
    };
    let declaration: ts.Node | undefined;
    if (call && call.callee === callee) {
      if (isBodiless(symbolOf())) return undefined;
      declaration = typed.getResolvedSignature(call)?.declaration;
    }
    if (!declaration) declaration = symbolOf()?.valueDeclaration;
    if (!declaration) return undefined;
    const body = functionLikeOf(declaration);
    if (!body) return undefined;
    const fileName = body.getSourceFile().fileName;
    if (fileName.endsWith('.d.ts') || fileName.includes('/node_modules/')) return [];
    if (fileName === this.index.file) {
      const mapped = typed.tsNodeToESTreeNodeMap.get(body as never) as Node | undefined;
      const fn = mapped && functionOfDeclarationNode(mapped);
      return fn ? [{ kind: 'function', fn }] : [];
    }
    return [{ kind: 'declaration', declaration: body }];
  }

  localFunction(callee: Node): FunctionNode | undefined {
    if (isFunction(callee)) return undefined;
    if (callee.type === 'Identifier') {
      const definition = this.index.variables.get(callee)?.defs[0];
      // `declare function f()` has no body to follow.
      if (definition?.type === 'FunctionName') return definition.node.type === 'FunctionDeclaration' ? definition.node : undefined;
      if (definition?.type === 'Variable') return this.index.functionValueOf(this.index.variables.get(callee)!);
      return undefined;
    }
    // TypeScript's downlevel private methods: `__classPrivateFieldGet(this, _C_instances, "m", _C_f).call(this, …)`.
    if (callee.type === 'CallExpression' && isPrivateFieldHelper(callee) && callee.arguments[3]?.type === 'Identifier') {
      const variable = this.index.variables.get(callee.arguments[3]);
      return variable && this.index.functionValueOf(variable);
    }
    if (callee.type !== 'MemberExpression') return undefined;
    const name = propertyName(callee);
    if (!name) return undefined;
    const object = unwrap(callee.object);
    if (object.type === 'ThisExpression') {
      const cls = enclosingClass(callee);
      if (cls) return this.index.methodOf(cls, name, thisIsClass(object));
      const owner = this.index.prototypeOwnerOf(callee);
      return owner ? this.index.prototypeMethods.get(owner)?.get(name) : undefined;
    }
    // CommonJS: `exports.f()`, `module.exports.f()` call what the file exports under that name.
    const exportsObject = object.type === 'Identifier' && object.name === 'exports' && !this.index.variables.get(object)?.defs.length;
    const moduleExports = object.type === 'MemberExpression' && propertyName(object) === 'exports' && object.object.type === 'Identifier' && object.object.name === 'module';
    if (exportsObject || moduleExports) {
      const value = this.index.exported.get(name);
      if (!value) return undefined;
      return isFunction(value) ? value : this.localFunction(value);
    }
    if (object.type === 'Super') {
      const cls = enclosingClass(callee);
      const base = cls?.superClass ? this.index.classOf(cls.superClass) : undefined;
      return base ? this.index.methodOf(base, name, thisIsClass(object)) : undefined;
    }
    if (object.type === 'Identifier') {
      const definition = this.index.variables.get(object)?.defs[0];
      if (definition?.type === 'ClassName') return this.index.methodOf(definition.node as ClassNode, name, true);
      if (definition?.type === 'Variable') {
        const init = (definition.node as TSESTree.VariableDeclarator).init;
        // `const self = this; … self.f()`
        if (init?.type === 'ThisExpression' && this.index.receiverRoot(object) === THIS_ROOT) {
          const cls = enclosingClass(init);
          return cls && this.index.methodOf(cls, name, thisIsClass(init));
        }
        if (init?.type === 'ObjectExpression') {
          for (const property of init.properties) {
            if (property.type === 'Property' && keyName(property.key, property.computed) === name && isFunction(property.value)) return property.value;
          }
        }
        // `const shelf = new Shelf(); shelf.add()`
        const built = init && unwrap(init).type === 'NewExpression' ? this.index.classOf((unwrap(init) as TSESTree.NewExpression).callee) : undefined;
        if (built) return this.index.methodOf(built, name, false);
      }
    }
    // `this.front.add()` where the class builds `front = new Shelf()`.
    if (object.type === 'MemberExpression' && unwrap(object.object).type === 'ThisExpression') {
      const field = propertyName(object);
      const cls = field ? enclosingClass(object) : undefined;
      const fieldClass = cls && field ? this.fieldClass(cls, field) : undefined;
      if (fieldClass) return this.index.methodOf(fieldClass, name, false);
    }
    return undefined;
  }

  /** The class of this file a field is built from: `front = new Shelf()`, `this.front = new Shelf()`. */
  private fieldClass(cls: ClassNode, field: string): ClassNode | undefined {
    const built = (value: Node | null | undefined): ClassNode | undefined => {
      const expression = value && unwrap(value);
      return expression?.type === 'NewExpression' ? this.index.classOf(expression.callee) : undefined;
    };
    for (const member of cls.body.body) {
      if (member.type === 'PropertyDefinition' && !member.static && keyName(member.key, member.computed) === field) {
        const annotated = member.typeAnnotation?.typeAnnotation;
        return built(member.value) ?? (annotated?.type === 'TSTypeReference' ? this.index.classOf(annotated.typeName) : undefined);
      }
      // `constructor(private readonly repo: Repo)`: the annotation names the class.
      if (member.type === 'MethodDefinition' && member.kind === 'constructor') {
        for (const param of member.value.params) {
          const inner = param.type === 'TSParameterProperty' ? (param.parameter.type === 'AssignmentPattern' ? param.parameter.left : param.parameter) : undefined;
          const annotated = inner?.type === 'Identifier' && inner.name === field ? inner.typeAnnotation?.typeAnnotation : undefined;
          if (annotated?.type === 'TSTypeReference') return this.index.classOf(annotated.typeName);
        }
      }
    }
    for (const assignment of this.index.thisAssignmentsOf(cls)) {
      if (propertyName(assignment.left as TSESTree.MemberExpression) === field) {
        const found = built(assignment.right);
        if (found) return found;
      }
    }
    return undefined;
  }
}

/** The function a declaration-like ESTree node stands for: a method's value, a variable's arrow. */
export function functionOfDeclarationNode(node: Node): FunctionNode | undefined {
  if (isFunction(node)) return node;
  if ((node.type === 'MethodDefinition' || node.type === 'PropertyDefinition' || node.type === 'Property') && node.value && isFunction(node.value)) return node.value;
  if (node.type === 'VariableDeclarator' && node.init && isFunction(node.init)) return node.init;
  return undefined;
}

/**
 * A function or method none of whose declarations has a body (a library's `.d.ts`, an interface
 * method, `declare function`): the signature a call of it resolves to is one of these declarations,
 * so it has nothing to follow, and resolving it (which checks every argument, a callback's whole
 * body included) can be spared.
 */
function isBodiless(symbol: ts.Symbol | undefined): boolean {
  const declarations = symbol?.declarations;
  if (!symbol || !declarations?.length) return false;
  if (!(symbol.flags & (ts.SymbolFlags.Function | ts.SymbolFlags.Method)) || symbol.flags & (ts.SymbolFlags.Variable | ts.SymbolFlags.Property | ts.SymbolFlags.Accessor)) return false;
  return declarations.every((declaration) => functionLikeOf(declaration) === undefined);
}

/** The TypeScript function-like node with a body behind a declaration. */
function functionLikeOf(declaration: ts.Node): ts.Node | undefined {
  if ((ts.isFunctionDeclaration(declaration) || ts.isMethodDeclaration(declaration) || ts.isFunctionExpression(declaration) || ts.isArrowFunction(declaration)) && declaration.body) {
    return declaration;
  }
  if ((ts.isVariableDeclaration(declaration) || ts.isPropertyDeclaration(declaration) || ts.isPropertyAssignment(declaration)) && declaration.initializer) {
    const initializer = declaration.initializer;
    if (ts.isArrowFunction(initializer) || ts.isFunctionExpression(initializer)) return initializer;
  }
  return undefined;
}
