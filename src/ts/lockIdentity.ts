// Which lock an expression is, and the identity of keys and names: a library's lock by its
// creation, annotation, import or type; a class field relative to its instance root; a binding,
// a parameter, a map's entry, a factory's lock; Web Locks names and async-lock keys through
// constants and variable chains. Types decide where they exist.
import ts from 'typescript';
import type { TSESTree } from '@typescript-eslint/utils';
import type { LockId } from '../core/model.js';
import {
  PARAMETER_KIND,
  PARAMETER_LOCK_METHODS,
  WEB_LOCKS_KIND,
  lockKindOfAnnotation,
  lockKindOfCreation,
  lockKindOfTypeName,
  type CreationContext,
  type LockKind,
} from './lockApis.js';
import type { CallTargets } from './callTargets.js';
import type { ClassNode, LockRef, Owner, Variable } from './facts.js';
import { destructuredKey, getterTarget, isSingleAssignment, thisIsClass, type FileIndex } from './fileIndex.js';
import { ROOT_SEPARATOR, THIS_ROOT } from './lockKeys.js';
import { homeMadeKindOfClass, homeMadeKindOfTsClass } from './lockClasses.js';
import { downlevelPrivateField } from './downlevel.js';
import { className, contains, enclosingClass, enclosingFunction, keyName, propertyName, unwrap, visitAll, type FunctionNode, type Node } from './syntax.js';

export class LockIdentities {
  constructor(
    private readonly index: FileIndex,
    private readonly targets: CallTargets,
  ) {}

  private readonly fieldKindCache = new Map<ClassNode, Map<string, LockKind>>();

  private prototypeFieldKind(owner: string, field: string): LockKind | undefined {
    for (const assignment of this.index.thisAssignmentsOf(owner)) {
      if (propertyName(assignment.left as TSESTree.MemberExpression) !== field) continue;
      const kind = this.creationKind(assignment.right);
      if (kind) return kind;
    }
    return undefined;
  }

  private creationContextMemo?: CreationContext;

  private creationKind(node: Node): LockKind | undefined {
    this.creationContextMemo ??= {
      domains: usesDomains(this.index.input.ast, this.index.calls),
      extra: this.index.input.extra,
      constantValue: (identifier) => {
        const variable = identifier.type === 'Identifier' ? this.index.variables.get(identifier) : undefined;
        const definition = variable?.defs[0];
        if (!variable || definition?.type !== 'Variable' || !isSingleAssignment(variable)) return undefined;
        return (definition.node as TSESTree.VariableDeclarator).init ?? undefined;
      },
    };
    const expression = unwrap(node);
    const local = expression.type === 'NewExpression' ? this.index.classOf(expression.callee) : undefined;
    return lockKindOfCreation(node, this.index.imports, this.creationContextMemo) ?? (local && homeMadeKindOfClass(local));
  }

  /** The lock a type annotation names: a library's type, or a lock-shaped class of this file. */
  private annotationKind(annotation: TSESTree.TypeNode | undefined): LockKind | undefined {
    const kind = lockKindOfAnnotation(annotation, this.index.imports, this.index.input.extra);
    if (kind || annotation?.type !== 'TSTypeReference' || annotation.typeName.type !== 'Identifier') return kind;
    const definition = this.index.variables.get(annotation.typeName)?.defs[0];
    return definition?.type === 'ClassName' ? homeMadeKindOfClass(definition.node as ClassNode) : undefined;
  }

  private fieldKinds(cls: ClassNode): Map<string, LockKind> {
    const cached = this.fieldKindCache.get(cls);
    if (cached) return cached;
    const kinds = new Map<string, LockKind>();
    for (const member of cls.body.body) {
      if (member.type === 'PropertyDefinition' || member.type === 'AccessorProperty') {
        const name = keyName(member.key, member.computed);
        const kind = (member.value && this.creationKind(member.value)) ?? this.annotationKind(member.typeAnnotation?.typeAnnotation);
        if (name && kind) kinds.set(name, kind);
      }
      if (member.type === 'MethodDefinition' && member.kind === 'constructor') {
        for (const param of member.value.params) {
          if (param.type !== 'TSParameterProperty') continue;
          const parameter = param.parameter.type === 'AssignmentPattern' ? param.parameter.left : param.parameter;
          const kind = parameter.type === 'Identifier' ? this.annotationKind(parameter.typeAnnotation?.typeAnnotation) : undefined;
          if (kind && parameter.type === 'Identifier') kinds.set(parameter.name, kind);
        }
      }
    }
    for (const assignment of this.index.thisAssignmentsOf(cls)) {
      const member = assignment.left as TSESTree.MemberExpression;
      const name = propertyName(member);
      if (!name || kinds.has(name)) continue;
      const kind = this.creationKind(assignment.right);
      if (kind) kinds.set(name, kind);
    }
    this.fieldKindCache.set(cls, kinds);
    return kinds;
  }

  /** What the type checker says the value is: a lock kind, `null` (not a lock), or unknown. */
  private typedKind(node: Node): LockKind | null | undefined {
    const typed = this.index.typed;
    if (!typed) return undefined;
    const tsNode = typed.esTreeNodeToTSNodeMap.get(node as never);
    if (!tsNode) return undefined;
    const checker = typed.program.getTypeChecker();
    const type = checker.getNonNullableType(checker.getTypeAtLocation(tsNode));
    if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return undefined;
    for (const part of type.isUnion() ? type.types : [type]) {
      for (const symbol of [part.aliasSymbol, part.getSymbol()]) {
        for (const declaration of symbol?.declarations ?? []) {
          const fileName = declaration.getSourceFile().fileName;
          const packageName = /.*\/node_modules\/(?:@types\/)?((?:@[^/]+\/)?[^/]+)\//.exec(fileName)?.[1];
          const kind = packageName ? lockKindOfTypeName(packageName, symbol!.name, this.index.input.extra) : homeMadeKindOfTsClass(declaration);
          if (kind) return kind;
          if (symbol!.name === 'LockManager' && /\/typescript\/lib\/lib\.[^/]*\.d\.ts$/.test(fileName)) return WEB_LOCKS_KIND;
        }
      }
    }
    return null;
  }

  /** The lock an expression denotes, if it is one. Types decide where they exist. */
  lockRefOf(expression: Node, owner: Owner): LockRef | undefined {
    const node = unwrap(expression);
    const typedKind = this.typedKind(node);
    if (typedKind === null) return undefined;
    const identity = this.identityOf(node, owner);
    if (!identity) return undefined;
    const kind = typedKind && identity.kind?.cls !== typedKind.cls ? typedKind : (identity.kind ?? typedKind);
    return kind ? { id: identity.id, kind } : undefined;
  }

  private identityOf(node: Node, owner: Owner, depth = 0): { id: LockId; kind?: LockKind } | undefined {
    const privateField = downlevelPrivateField(node);
    if (privateField) {
      const id = this.fieldId(this.index.file, privateField.cls, `#${privateField.field}`, thisIsClass(node) ? undefined : THIS_ROOT);
      return { id, kind: this.privateFieldKinds().get(privateField.store) };
    }
    if (node.type === 'CallExpression') {
      const entry = this.mapEntryIdentity(node, owner);
      if (entry) return { id: entry, kind: this.mapValueKind(node) };
      return depth < 4 ? this.factoryIdentity(node, depth) : undefined;
    }
    if (node.type === 'MemberExpression') {
      const entry = node.computed && node.property.type !== 'Literal' ? this.mapEntryIdentity(node, owner) : undefined;
      if (entry) return { id: entry };
      const name = propertyName(node);
      if (!name) return undefined;
      if (node.object.type === 'ThisExpression') {
        const cls = enclosingClass(node);
        if (cls) return this.thisFieldIdentity(cls, name, node);
        const owner = this.index.prototypeOwnerOf(node);
        return owner ? { id: this.fieldId(this.index.file, owner, name, THIS_ROOT), kind: this.prototypeFieldKind(owner, name) } : undefined;
      }
      const declared = this.typedDeclarationId(node);
      if (declared) return { id: declared, kind: this.declarationKind(node) };
      const object = unwrap(node.object);
      const variable = object.type === 'Identifier' ? this.index.variables.get(object) : undefined;
      const definition = variable?.defs[0];
      if (definition?.type === 'ClassName') {
        const cls = definition.node as ClassNode;
        return { id: this.fieldId(this.index.file, className(cls), name), kind: this.fieldKinds(cls).get(name) };
      }
      return undefined;
    }
    if (node.type !== 'Identifier') return undefined;
    const variable = this.index.variables.get(node);
    const definition = variable?.defs[0];
    if (!variable || !definition) return undefined;
    const name = variable.name;
    if (definition.type === 'Variable') {
      const declarator = definition.node as TSESTree.VariableDeclarator;
      const kind =
        (declarator.init && this.creationKind(declarator.init)) ??
        (declarator.id.type === 'Identifier' ? this.annotationKind(declarator.id.typeAnnotation?.typeAnnotation) : undefined);
      // An alias that is never reassigned is the lock it names: `const lock = this.mutex`,
      // `const { mutex } = this`.
      if (!kind && declarator.init && depth < 4 && isSingleAssignment(variable)) {
        const init = unwrap(declarator.init);
        if (declarator.id.type === 'Identifier') {
          const aliased = this.identityOf(init, owner, depth + 1);
          if (aliased) return aliased;
        } else if (declarator.id.type === 'ObjectPattern' && init.type === 'ThisExpression') {
          const field = destructuredKey(declarator.id, definition.name as TSESTree.Identifier);
          const cls = enclosingClass(init);
          if (field && cls) return this.thisFieldIdentity(cls, field, init);
        }
      }
      // `const m = this.locks.get(key) ?? …`, `let m = map.get(key); if (!m) { … }`: the map's entry.
      const entry = !kind && declarator.init ? this.mapEntryIdentity(declarator.init, owner) : undefined;
      if (entry) return { id: entry, kind: this.writtenKind(variable) ?? this.mapValueKind(declarator.init!) };
      const moduleLevel = variable.scope.type === 'module' || variable.scope.type === 'global';
      const key = moduleLevel ? `${this.index.file}#${name}` : `${this.index.file}#${name}@${declarator.range[0]}`;
      return { id: { key, display: name }, kind: kind ?? (isSingleAssignment(variable) ? undefined : this.writtenKind(variable)) };
    }
    if (definition.type === 'Parameter') {
      const fn = definition.node as FunctionNode;
      const identifier = definition.name as TSESTree.Identifier;
      const kind = this.annotationKind(identifier.typeAnnotation?.typeAnnotation);
      const index = fn.params.findIndex((param) => contains(param, identifier));
      const key = fn === owner && index >= 0 ? `param:${index}` : `${this.index.file}#${name}@${identifier.range[0]}`;
      return { id: { key, display: name }, kind };
    }
    if (definition.type === 'ImportBinding') {
      const declared = this.typedDeclarationId(node);
      return declared ? { id: declared, kind: this.declarationKind(node) } : undefined;
    }
    return undefined;
  }

  /**
   * A map's entry: `this.locks.get(key)` (also `… ?? new Mutex()`) is the lock stored under that
   * key of that map, the same lock wherever the map and the key are the same.
   */
  private mapEntryIdentity(init: Node, owner: Owner): LockId | undefined {
    let expression = unwrap(init);
    if (expression.type === 'LogicalExpression' && (expression.operator === '??' || expression.operator === '||')) expression = unwrap(expression.left);
    // `this.lockMap[lockId]`: an object used as a map.
    const indexed = expression.type === 'MemberExpression' && expression.computed && expression.property.type !== 'Literal' ? expression : undefined;
    const lookup =
      expression.type === 'CallExpression' && expression.arguments.length === 1 && unwrap(expression.callee).type === 'MemberExpression' && propertyName(unwrap(expression.callee) as TSESTree.MemberExpression) === 'get'
        ? expression
        : undefined;
    if (!indexed && !lookup) return undefined;
    const map = unwrap(indexed ? indexed.object : (unwrap(lookup!.callee) as TSESTree.MemberExpression).object);
    const field = map.type === 'MemberExpression' ? propertyName(map) : map.type === 'Identifier' ? map.name : undefined;
    const key = this.keyOf(indexed ? indexed.property : lookup!.arguments[0], owner);
    if (!field || !key || (map.type !== 'MemberExpression' && map.type !== 'Identifier')) return undefined;
    const root = map.type === 'MemberExpression' ? this.index.receiverRoot(map.object) : this.index.receiverRoot(map);
    const display = indexed ? `${this.index.sourceText(map)}[${key.display}]` : `${this.index.sourceText(map)}.get(${key.display})`;
    return { key: `${root}${ROOT_SEPARATOR}${this.index.file}#${field}[${key.key}]`, display };
  }

  /**
   * A factory that always returns one lock (`getLock()` returning a module-level `lock ??= new
   * AsyncLock()`): its call is that lock.
   */
  private factoryIdentity(call: TSESTree.CallExpression, depth: number): { id: LockId; kind?: LockKind } | undefined {
    const fn = this.targets.localFunction(unwrap(call.callee));
    if (!fn) return undefined;
    const owner = this.index.flow.ownerOf(call);
    const argumentKeys = call.arguments.map((argument) => this.valueIdentity(argument, owner));
    const returned: Node[] = [];
    if (fn.body.type !== 'BlockStatement') returned.push(fn.body);
    else {
      visitAll(fn.body, (node) => {
        if (node.type === 'ReturnStatement' && node.argument && enclosingFunction(node) === fn) returned.push(node.argument);
      });
    }
    let found: { id: LockId; kind?: LockKind } | undefined;
    for (const value of returned) {
      let expression = unwrap(value);
      // `return lock ??= new AsyncLock()`, `return (lock ||= …)`
      if (expression.type === 'AssignmentExpression') expression = unwrap(expression.left);
      const identity = this.identityOf(expression, fn, depth + 1);
      // A key made of the factory's parameters (`this.lockMap[lockId]`) is the caller's arguments.
      let unknown = false;
      const key = identity?.id.key.replace(/@param:(\d+)/g, (_, index: string) => argumentKeys[Number(index)] ?? ((unknown = true), ''));
      // Only a lock that is the same for every call: not a parameter's, not one made per call.
      if (!identity || !key || unknown || key.startsWith('param:') || /@\d+$/.test(key) || (found && found.id.key !== key)) return undefined;
      found = { id: { key, display: identity.id.display }, kind: found?.kind ?? identity.kind };
    }
    return found;
  }

  /** The kind of lock a map holds: what `….set(k, new Mutex())` or `map.get(k) ?? new Mutex()` puts in it. */
  private mapValueKind(init: Node): LockKind | undefined {
    const expression = unwrap(init);
    if (expression.type === 'LogicalExpression') return this.creationKind(expression.right) ?? this.mapValueKind(expression.left);
    if (expression.type !== 'CallExpression') return undefined;
    const callee = unwrap(expression.callee);
    const map = callee.type === 'MemberExpression' ? unwrap(callee.object) : undefined;
    const field = map?.type === 'MemberExpression' ? propertyName(map) : map?.type === 'Identifier' ? map.name : undefined;
    if (!field) return undefined;
    for (const call of this.index.calls) {
      const setter = unwrap(call.callee);
      if (setter.type !== 'MemberExpression' || propertyName(setter) !== 'set' || !call.arguments[1]) continue;
      const target = unwrap(setter.object);
      const name = target.type === 'MemberExpression' ? propertyName(target) : target.type === 'Identifier' ? target.name : undefined;
      const kind = name === field ? this.creationKind(call.arguments[1]) : undefined;
      if (kind) return kind;
    }
    return undefined;
  }

  /** The lock some assignment to a binding creates (`m = new Mutex()` after `let m = map.get(k)`). */
  private writtenKind(variable: Variable): LockKind | undefined {
    for (const reference of variable.references) {
      const kind = reference.writeExpr ? this.creationKind(reference.writeExpr as Node) : undefined;
      if (kind) return kind;
    }
    return undefined;
  }

  /**
   * What a declaration in another file says the lock is, read from its initializer or annotation
   * and that file's imports: needs no `node_modules` (the module name is enough).
   */
  private declarationKind(node: Node): LockKind | undefined {
    const typed = this.index.typed;
    if (!typed) return undefined;
    let symbol = typed.getSymbolAtLocation(node);
    if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = typed.program.getTypeChecker().getAliasedSymbol(symbol);
    const declaration = symbol?.valueDeclaration;
    if (!declaration || !(ts.isVariableDeclaration(declaration) || ts.isPropertyDeclaration(declaration) || ts.isParameter(declaration))) return undefined;
    const source = declaration.getSourceFile();
    const importOf = (name: string): { module: string; name: string } | undefined => {
      for (const statement of source.statements) {
        if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier) || !statement.importClause) continue;
        const module = statement.moduleSpecifier.text;
        const clause = statement.importClause;
        if (clause.name?.text === name) return { module, name: 'default' };
        const bindings = clause.namedBindings;
        if (bindings && ts.isNamedImports(bindings)) {
          for (const element of bindings.elements) if (element.name.text === name) return { module, name: (element.propertyName ?? element.name).text };
        }
      }
      return undefined;
    };
    const initializer = declaration.initializer;
    if (initializer && (ts.isNewExpression(initializer) || ts.isCallExpression(initializer)) && ts.isIdentifier(initializer.expression)) {
      const imported = importOf(initializer.expression.text);
      const kind = imported && lockKindOfTypeName(imported.module, imported.name === 'default' && imported.module === 'async-lock' ? 'AsyncLock' : imported.name, this.index.input.extra);
      const permits = initializer.arguments?.[0];
      if (kind && kind.mode === 'shared' && permits && ts.isNumericLiteral(permits) && permits.text === '1') return { ...kind, mode: 'exclusive' };
      if (kind) return kind;
    }
    const annotation = declaration.type;
    if (annotation && ts.isTypeReferenceNode(annotation) && ts.isIdentifier(annotation.typeName)) {
      const imported = importOf(annotation.typeName.text);
      return imported && lockKindOfTypeName(imported.module, imported.name, this.index.input.extra);
    }
    return undefined;
  }

  /**
   * `this.<name>` in class `cls`: an instance field is relative to `this` (another instance's
   * field is another lock), a static one is the class's own; a getter that returns a field is it.
   */
  private thisFieldIdentity(cls: ClassNode, name: string, at: Node): { id: LockId; kind?: LockKind } {
    const field = getterTarget(cls, name) ?? name;
    return { id: this.fieldId(this.index.file, className(cls), field, thisIsClass(at) ? undefined : THIS_ROOT), kind: this.fieldKinds(cls).get(field) };
  }

  private privateFieldKindCache?: Map<string, LockKind>;

  /** Locks stored by TypeScript's downlevel private fields: `_C_m.set(this, new Mutex())`. */
  private privateFieldKinds(): Map<string, LockKind> {
    if (this.privateFieldKindCache) return this.privateFieldKindCache;
    const kinds = new Map<string, LockKind>();
    for (const call of this.index.calls) {
      const callee = call.callee;
      if (callee.type !== 'MemberExpression' || callee.object.type !== 'Identifier' || propertyName(callee) !== 'set') continue;
      if (call.arguments[0]?.type !== 'ThisExpression' || !call.arguments[1]) continue;
      const kind = this.creationKind(call.arguments[1]);
      if (kind) kinds.set(callee.object.name, kind);
    }
    this.privateFieldKindCache = kinds;
    return kinds;
  }

  /** A class field's lock; `root` names the instance (undefined for a static field). */
  private fieldId(file: string, cls: string, member: string, root?: string): LockId {
    const family = `${file}#${cls}.${member}`;
    return { key: root === undefined ? family : `${root}${ROOT_SEPARATOR}${family}`, display: `${cls}.${member}` };
  }

  /** Identity from the declaration the checker finds: a class field or a module-level binding. */
  private typedDeclarationId(node: Node): LockId | undefined {
    const typed = this.index.typed;
    if (!typed) return undefined;
    const checker = typed.program.getTypeChecker();
    let symbol = typed.getSymbolAtLocation(node);
    if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
    const declaration = symbol?.valueDeclaration ?? symbol?.declarations?.[0];
    if (!declaration) return undefined;
    const file = declaration.getSourceFile().fileName;
    let field: ts.Node = declaration;
    // A getter that returns one of its class's fields stands for that field.
    if (ts.isGetAccessorDeclaration(declaration) && declaration.body?.statements.length === 1) {
      const only = declaration.body.statements[0];
      const returned = ts.isReturnStatement(only) && only.expression && ts.isPropertyAccessExpression(only.expression) && only.expression.expression.kind === ts.SyntaxKind.ThisKeyword ? only.expression.name.text : undefined;
      const target = returned && (ts.isClassLike(declaration.parent) ? declaration.parent.members : ts.factory.createNodeArray<ts.ClassElement>()).find((member) => ts.isPropertyDeclaration(member) && member.name.getText() === returned);
      if (target) field = target;
    }
    if (ts.isPropertyDeclaration(field) || ts.isParameter(field)) {
      const cls = ts.isParameter(field) ? field.parent.parent : field.parent;
      if ((ts.isClassDeclaration(cls) || ts.isClassExpression(cls)) && cls.name) {
        const isStatic = ts.isPropertyDeclaration(field) && (ts.getCombinedModifierFlags(field) & ts.ModifierFlags.Static) !== 0;
        const root = isStatic || node.type !== 'MemberExpression' ? undefined : this.index.receiverRoot(node.object);
        return this.fieldId(file, cls.name.text, (field as ts.PropertyDeclaration | ts.ParameterDeclaration).name.getText(), root);
      }
    }
    if (ts.isVariableDeclaration(declaration) && ts.isSourceFile(declaration.parent.parent.parent) && ts.isIdentifier(declaration.name)) {
      return { key: `${file}#${declaration.name.text}`, display: declaration.name.text };
    }
    return undefined;
  }

  isLockManager(node: Node): boolean {
    const expression = unwrap(node);
    const typedKind = this.typedKind(expression);
    if (typedKind !== undefined) return typedKind?.cls === 'web-locks';
    if (expression.type !== 'MemberExpression' || propertyName(expression) !== 'locks') return false;
    const object = unwrap(expression.object);
    if (object.type === 'Identifier') return object.name === 'navigator';
    return object.type === 'MemberExpression' && propertyName(object) === 'navigator';
  }

  /** A lock key: a constant string, or the identity of a value that stays the same. */
  keyOf(node: Node, owner: Owner): { key: string; display: string } | undefined {
    const value = this.index.staticValue(node);
    if (value !== undefined) return { key: JSON.stringify(value), display: JSON.stringify(value) };
    const identity = this.valueIdentity(node, owner);
    return identity === undefined ? undefined : { key: identity, display: this.index.sourceText(node) };
  }

  /**
   * The identity of a value that is the same wherever it is named (for lock keys and names): a
   * string constant, the owner's parameter (`@param:0`, so callers can substitute their argument),
   * a binding never reassigned, a field path from `this` or from such a binding, and template
   * strings made of those. Anything else (a call, a reassigned variable) is unknown.
   */
  valueIdentity(node: Node, owner: Owner, depth = 0): string | undefined {
    const value = this.index.staticValue(node);
    if (value !== undefined) return JSON.stringify(value);
    const expression = unwrap(node);
    if (depth > 4) return undefined;
    if (expression.type === 'ThisExpression') return '@this';
    if (expression.type === 'Identifier') {
      const param = this.index.ownParameterIndex(expression, owner);
      if (param !== undefined) return `@param:${param}`;
      const variable = this.index.variables.get(expression);
      const definition = variable?.defs[0];
      if (!variable || !definition || !isSingleAssignment(variable)) return undefined;
      if (definition.type === 'Variable') {
        const declarator = definition.node as TSESTree.VariableDeclarator;
        const init = declarator.init && unwrap(declarator.init);
        // `const key = id` names the same value as `id`.
        if (init && declarator.id === definition.name && (init.type === 'Identifier' || init.type === 'MemberExpression' || init.type === 'TemplateLiteral')) {
          const aliased = this.valueIdentity(init, owner, depth + 1);
          if (aliased !== undefined) return aliased;
        }
      }
      if (definition.type === 'Variable' || definition.type === 'Parameter') return `@v:${this.index.file}#${expression.name}@${definition.name.range[0]}`;
      return undefined;
    }
    if (expression.type === 'MemberExpression') {
      const name = propertyName(expression);
      const object = name === undefined ? undefined : this.valueIdentity(expression.object, owner, depth + 1);
      return object === undefined || object.startsWith('"') ? undefined : `${object}.${name}`;
    }
    if (expression.type === 'TemplateLiteral') {
      const parts: string[] = [];
      for (let i = 0; i < expression.quasis.length; i++) {
        parts.push(expression.quasis[i].value.cooked ?? '');
        if (i < expression.expressions.length) {
          const part = this.valueIdentity(expression.expressions[i], owner, depth + 1);
          if (part === undefined) return undefined;
          parts.push(`\${${part}}`);
        }
      }
      return `\`${parts.join('')}\``;
    }
    return undefined;
  }

  /**
   * An untyped parameter asked for a lock method (`withLock(mutex, fn)` in JS): a lock of a kind
   * its callers' arguments decide. Typed code knows what the parameter is.
   */
  parameterLock(node: Node, owner: Owner, method: string): LockRef | undefined {
    if (!PARAMETER_LOCK_METHODS.has(method)) return undefined;
    const index = this.index.ownParameterIndex(node, owner);
    if (index === undefined || this.typedKind(unwrap(node)) === null) return undefined;
    return { id: { key: `param:${index}`, display: (unwrap(node) as TSESTree.Identifier).name }, kind: PARAMETER_KIND };
  }

  /** The lock key a branch condition tests (`m` of `m.isLocked()`, `lock["k"]` of `lock.isBusy("k")`). */
  lockKeyOfCondition(lock: Node, key: Node | undefined, owner: Owner): string | undefined {
    const ref = this.lockRefOf(lock, owner) ?? this.parameterLock(lock, owner, 'acquire');
    if (!ref || !key) return ref?.id.key;
    const keyed = this.keyOf(key, owner);
    return keyed && `${ref.id.key}[${keyed.key}]`;
  }
}

/** The file imports or requires `node:domain` (so a `domainReentrant` async-lock can re-enter). */
function usesDomains(program: TSESTree.Program, calls: readonly TSESTree.CallExpression[]): boolean {
  const isDomain = (name: unknown): boolean => name === 'domain' || name === 'node:domain';
  if (program.body.some((statement) => statement.type === 'ImportDeclaration' && isDomain(statement.source.value))) return true;
  return calls.some((call) => {
    const callee = unwrap(call.callee);
    const argument = call.arguments[0];
    return callee.type === 'Identifier' && callee.name === 'require' && argument?.type === 'Literal' && isDomain(argument.value);
  });
}
