// Facts about one TS/JS file, computed once and read by every rule: which calls acquire which
// lock (and in which mode), which guard each acquisition creates and where it is alive, which
// calls run in whose async flow, and where a releaser is not reached.
import ts from 'typescript';
import type { ParserServicesWithTypeInformation, TSESLint, TSESTree } from '@typescript-eslint/utils';
import type { Acquisition, LockId, SourceSpan } from '../core/model.js';
import {
  WEB_LOCKS_KIND,
  collectLockImports,
  timedFlavor,
  lockKindOfAnnotation,
  lockKindOfCreation,
  lockKindOfTypeName,
  type CreationContext,
  type ImportedName,
  type LockKind,
} from './lockApis.js';
import { findReleaseLeaks, type ReleaseLeak, type ReleaseOracle } from './releasePaths.js';
import {
  calleeText,
  className,
  contains,
  enclosingClass,
  enclosingFunction,
  functionName,
  isFunction,
  keyName,
  propertyName,
  spanOf,
  staticString,
  unwrap,
  visitAll,
  type FunctionNode,
  type Node,
} from './syntax.js';

type Variable = TSESLint.Scope.Variable;
type ClassNode = TSESTree.ClassDeclaration | TSESTree.ClassExpression;

/** A function whose flow is summarised: a named function, a method, or the module's top level. */
export type Owner = FunctionNode | TSESTree.Program;

/** A lock as the front end resolved it: identity plus the library behaviour. */
export interface LockRef {
  readonly id: LockId;
  readonly kind: LockKind;
}

/**
 * Where a guard is alive. `callback`: the callback's whole async execution (`runExclusive(cb)`,
 * `acquire(key, cb)`, `locks.request(name, cb)`). `releaser`: from the acquisition statement to a
 * release on each path. `disposable`: to the end of the `using` block.
 */
export type GuardScope =
  | {
      readonly kind: 'callback';
      /** Undefined when the callback is passed by reference: a `CallSite` with `runUnder` runs it. */
      readonly callback?: FunctionNode;
    }
  | {
      readonly kind: 'releaser';
      readonly statement: Node;
      /** The releaser binding (`release` in `const release = await m.acquire()`). */
      readonly releaser?: Variable;
      /** Released through the lock itself (`lock.release()`, await-lock). */
      readonly releasedThroughLock: boolean;
      /** Name used in messages and fixes: `release()`, `this.lock.release()`. */
      readonly releaseText: string;
    }
  | { readonly kind: 'disposable'; readonly statement: Node };

export interface AcquireSite {
  readonly kind: 'acquire';
  readonly node: TSESTree.CallExpression;
  readonly span: SourceSpan;
  readonly acquisition: Acquisition;
  readonly guard?: GuardScope;
  readonly owner: Owner;
  /** The acquisition is awaited (or returned) all the way up to its owner. */
  readonly inFlow: boolean;
}

/** A resolved callee: a function in this file, or (typed) a declaration anywhere in the program. */
export type CallTarget =
  | { readonly kind: 'function'; readonly fn: FunctionNode }
  | { readonly kind: 'declaration'; readonly declaration: ts.Node };

export interface CallSite {
  readonly kind: 'call';
  readonly node: Node;
  readonly span: SourceSpan;
  /** How the call is written, for chains: `this.refresh()`. */
  readonly name: string;
  readonly targets: readonly CallTarget[];
  /** For each argument, the lock it is, when it is one (a lock passed as a parameter). */
  readonly argumentLocks: readonly (LockId | undefined)[];
  readonly owner: Owner;
  readonly inFlow: boolean;
  /** A callback passed by reference to a lock (`m.runExclusive(this.work)`) runs under it. */
  readonly runUnder?: AcquireSite;
  /** The object the callee runs on (`other` in `other.deposit()`), as a root; undefined for plain calls. */
  readonly receiver?: string;
}

export type Site = AcquireSite | CallSite;

export interface FunctionFacts {
  /** Unique in the program: file and start offset. */
  readonly key: string;
  readonly file: string;
  readonly node: Owner;
  readonly name: string;
  readonly sites: readonly Site[];
  readonly guards: readonly AcquireSite[];
  /** The guards of this function alive at each of its sites, in the site's async flow. */
  readonly guardsAt: ReadonlyMap<Site, readonly AcquireSite[]>;
}

export interface FileFacts {
  readonly file: string;
  readonly functions: ReadonlyMap<Owner, FunctionFacts>;
  /** Every releaser-scoped guard of the file with the exits that leave it held. */
  readonly releaseLeaks: ReadonlyMap<AcquireSite, readonly ReleaseLeak[]>;
  /** Maps a TypeScript declaration of this file to its ESTree function (typed mode). */
  functionOfDeclaration(declaration: ts.Node): FunctionFacts | undefined;
}

export interface FileInput {
  readonly file: string;
  readonly ast: TSESTree.Program;
  readonly scopeManager: TSESLint.Scope.ScopeManager | null;
  readonly typed?: ParserServicesWithTypeInformation;
}

// Callbacks these run later, outside the caller's flow: holding a lock across them is harmless.
const DEFERRING_CALLS = new Set([
  'setTimeout', 'setInterval', 'setImmediate', 'queueMicrotask', 'nextTick', 'requestAnimationFrame',
  'addEventListener', 'addListener', 'on', 'once', 'prependListener', 'subscribe',
]);
const PROMISE_COMBINATORS = new Set(['all', 'allSettled', 'race', 'any']);
const PROMISE_CHAIN = new Set(['then', 'catch', 'finally']);

export function buildFileFacts(input: FileInput): FileFacts {
  return new FileFactsBuilder(input).build();
}

class FileFactsBuilder {
  private readonly file: string;
  private readonly typed?: ParserServicesWithTypeInformation;
  private readonly imports: Map<string, ImportedName>;
  private readonly variables = new Map<TSESTree.Identifier, Variable>();
  private readonly calls: TSESTree.CallExpression[] = [];
  private readonly owners: Owner[] = [];
  private readonly thisAssignments: TSESTree.AssignmentExpression[] = [];
  /** ES5 classes: `C.prototype.m = function () {…}`, by constructor name and method name. */
  private readonly prototypeMethods = new Map<string, Map<string, FunctionNode>>();
  /** CommonJS exports: `exports.f = …`, `module.exports.f = …`, `module.exports = { f }`. */
  private readonly exported = new Map<string, Node>();
  private readonly fieldKindCache = new Map<ClassNode, Map<string, LockKind>>();

  constructor(private readonly input: FileInput) {
    this.file = input.file;
    this.typed = input.typed;
    const nodes: Node[] = [];
    visitAll(input.ast, (node) => nodes.push(node));
    this.imports = collectLockImports(input.ast, (visit) => nodes.forEach(visit));
    this.owners.push(input.ast);
    for (const node of nodes) {
      if (node.type === 'CallExpression') this.calls.push(node);
      else if (isFunction(node) && !this.isInline(node)) this.owners.push(node);
      else if (node.type === 'AssignmentExpression' && node.left.type === 'MemberExpression' && node.left.object.type === 'ThisExpression') {
        this.thisAssignments.push(node);
      }
      if (node.type === 'AssignmentExpression' && node.operator === '=') this.noteModuleAssignment(node);
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
    if (isModuleExports(left) && value.type === 'ObjectExpression') {
      for (const property of value.properties) {
        const key = property.type === 'Property' ? keyName(property.key, property.computed) : undefined;
        if (key && property.type === 'Property') this.exported.set(key, property.value as Node);
      }
    }
  }

  /**
   * The ES5 class a `this` belongs to: `C` inside `C.prototype.m = function () {…}`, or inside
   * the constructor `function C() {…}` of a class with prototype methods.
   */
  private prototypeOwnerOf(node: Node): string | undefined {
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

  private prototypeFieldKind(owner: string, field: string): LockKind | undefined {
    for (const assignment of this.thisAssignments) {
      if (propertyName(assignment.left as TSESTree.MemberExpression) !== field || this.prototypeOwnerOf(assignment) !== owner) continue;
      const kind = this.creationKind(assignment.right);
      if (kind) return kind;
    }
    return undefined;
  }

  build(): FileFacts {
    const sitesByOwner = new Map<Owner, Site[]>(this.owners.map((owner) => [owner, []]));
    for (const call of this.calls) {
      const owner = this.ownerOf(call);
      const sites = sitesByOwner.get(owner);
      if (sites) sites.push(...this.sitesOfCall(call, owner));
    }
    const functions = new Map<Owner, FunctionFacts>();
    const releaseLeaks = new Map<AcquireSite, ReleaseLeak[]>();
    for (const [owner, sites] of sitesByOwner) {
      const guards = sites.filter((site): site is AcquireSite => site.kind === 'acquire' && site.guard !== undefined);
      const guardsAt = new Map<Site, AcquireSite[]>();
      for (const site of sites) {
        const held = guards.filter((guard) => guard !== site && this.isHeldAt(guard, site));
        if (held.length > 0) guardsAt.set(site, held);
      }
      functions.set(owner, {
        key: `${this.file}:${owner.range[0]}`,
        file: this.file,
        node: owner,
        name: functionName(owner),
        sites,
        guards,
        guardsAt,
      });
      for (const guard of guards) {
        const leaks = this.releaseLeaksOf(guard);
        if (leaks) releaseLeaks.set(guard, leaks);
      }
    }
    const typed = this.typed;
    return {
      file: this.file,
      functions,
      releaseLeaks,
      functionOfDeclaration(declaration) {
        const mapped = typed?.tsNodeToESTreeNodeMap.get(declaration as never) as Node | undefined;
        const fn = mapped && functionOfDeclarationNode(mapped);
        return fn ? functions.get(fn) : undefined;
      },
    };
  }

  // ── Flow ─────────────────────────────────────────────────────────────────────────────────

  /** A function expression passed straight to a call runs as part of that call's flow. */
  private isInline(fn: FunctionNode): boolean {
    if (fn.type === 'FunctionDeclaration') return false;
    let node: Node = fn;
    while (node.parent && (node.parent.type === 'TSAsExpression' || node.parent.type === 'TSSatisfiesExpression')) node = node.parent;
    const parent = node.parent;
    if (parent?.type !== 'CallExpression') return false;
    if (parent.callee === node) return true;
    if (!parent.arguments.includes(node as TSESTree.CallExpressionArgument)) return false;
    const callee = unwrap(parent.callee);
    const name = callee.type === 'Identifier' ? callee.name : callee.type === 'MemberExpression' ? propertyName(callee) : undefined;
    return !(name && DEFERRING_CALLS.has(name));
  }

  private ownerOf(node: Node): Owner {
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
  private inFlowUpTo(node: Node, until: Owner): boolean {
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

  // ── Lock identity ────────────────────────────────────────────────────────────────────────

  /**
   * The value a constant stands for: `KEY` of `const KEY = 'users'`, `LOCKS.users` of
   * `const LOCKS = { users: 'users' } as const`. Anything else is returned as it is.
   */
  private resolveConstant(expression: Node, depth = 0): Node {
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
  private staticValue(node: Node): string | undefined {
    return staticString(this.resolveConstant(node));
  }

  private creationContextMemo?: CreationContext;

  private creationKind(node: Node): LockKind | undefined {
    this.creationContextMemo ??= {
      domains: usesDomains(this.input.ast, this.calls),
      constantValue: (identifier) => {
        const variable = identifier.type === 'Identifier' ? this.variables.get(identifier) : undefined;
        const definition = variable?.defs[0];
        if (!variable || definition?.type !== 'Variable' || !isSingleAssignment(variable)) return undefined;
        return (definition.node as TSESTree.VariableDeclarator).init ?? undefined;
      },
    };
    return lockKindOfCreation(node, this.imports, this.creationContextMemo);
  }

  private fieldKinds(cls: ClassNode): Map<string, LockKind> {
    const cached = this.fieldKindCache.get(cls);
    if (cached) return cached;
    const kinds = new Map<string, LockKind>();
    for (const member of cls.body.body) {
      if (member.type === 'PropertyDefinition' || member.type === 'AccessorProperty') {
        const name = keyName(member.key, member.computed);
        const kind = (member.value && this.creationKind(member.value)) ?? lockKindOfAnnotation(member.typeAnnotation?.typeAnnotation, this.imports);
        if (name && kind) kinds.set(name, kind);
      }
      if (member.type === 'MethodDefinition' && member.kind === 'constructor') {
        for (const param of member.value.params) {
          if (param.type !== 'TSParameterProperty') continue;
          const parameter = param.parameter.type === 'AssignmentPattern' ? param.parameter.left : param.parameter;
          const kind = parameter.type === 'Identifier' ? lockKindOfAnnotation(parameter.typeAnnotation?.typeAnnotation, this.imports) : undefined;
          if (kind && parameter.type === 'Identifier') kinds.set(parameter.name, kind);
        }
      }
    }
    for (const assignment of this.thisAssignments) {
      const member = assignment.left as TSESTree.MemberExpression;
      const name = propertyName(member);
      if (!name || kinds.has(name) || enclosingClass(assignment) !== cls) continue;
      const kind = this.creationKind(assignment.right);
      if (kind) kinds.set(name, kind);
    }
    this.fieldKindCache.set(cls, kinds);
    return kinds;
  }

  /** What the type checker says the value is: a lock kind, `null` (not a lock), or unknown. */
  private typedKind(node: Node): LockKind | null | undefined {
    const typed = this.typed;
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
          const kind = packageName ? lockKindOfTypeName(packageName, symbol!.name) : undefined;
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
      const id = this.fieldId(this.file, privateField.cls, `#${privateField.field}`, thisIsClass(node) ? undefined : THIS_ROOT);
      return { id, kind: this.privateFieldKinds().get(privateField.store) };
    }
    if (node.type === 'MemberExpression') {
      const name = propertyName(node);
      if (!name) return undefined;
      if (node.object.type === 'ThisExpression') {
        const cls = enclosingClass(node);
        if (cls) return this.thisFieldIdentity(cls, name, node);
        const owner = this.prototypeOwnerOf(node);
        return owner ? { id: this.fieldId(this.file, owner, name, THIS_ROOT), kind: this.prototypeFieldKind(owner, name) } : undefined;
      }
      const declared = this.typedDeclarationId(node);
      if (declared) return { id: declared };
      const object = unwrap(node.object);
      const variable = object.type === 'Identifier' ? this.variables.get(object) : undefined;
      const definition = variable?.defs[0];
      if (definition?.type === 'ClassName') {
        const cls = definition.node as ClassNode;
        return { id: this.fieldId(this.file, className(cls), name), kind: this.fieldKinds(cls).get(name) };
      }
      return undefined;
    }
    if (node.type !== 'Identifier') return undefined;
    const variable = this.variables.get(node);
    const definition = variable?.defs[0];
    if (!variable || !definition) return undefined;
    const name = variable.name;
    if (definition.type === 'Variable') {
      const declarator = definition.node as TSESTree.VariableDeclarator;
      const kind =
        (declarator.init && this.creationKind(declarator.init)) ??
        (declarator.id.type === 'Identifier' ? lockKindOfAnnotation(declarator.id.typeAnnotation?.typeAnnotation, this.imports) : undefined);
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
      const moduleLevel = variable.scope.type === 'module' || variable.scope.type === 'global';
      const key = moduleLevel ? `${this.file}#${name}` : `${this.file}#${name}@${declarator.range[0]}`;
      return { id: { key, display: name }, kind };
    }
    if (definition.type === 'Parameter') {
      const fn = definition.node as FunctionNode;
      const identifier = definition.name as TSESTree.Identifier;
      const kind = lockKindOfAnnotation(identifier.typeAnnotation?.typeAnnotation, this.imports);
      const index = fn.params.findIndex((param) => contains(param, identifier));
      const key = fn === owner && index >= 0 ? `param:${index}` : `${this.file}#${name}@${identifier.range[0]}`;
      return { id: { key, display: name }, kind };
    }
    if (definition.type === 'ImportBinding') {
      const declared = this.typedDeclarationId(node);
      return declared ? { id: declared } : undefined;
    }
    return undefined;
  }

  /**
   * `this.<name>` in class `cls`: an instance field is relative to `this` (another instance's
   * field is another lock), a static one is the class's own; a getter that returns a field is it.
   */
  private thisFieldIdentity(cls: ClassNode, name: string, at: Node): { id: LockId; kind?: LockKind } {
    const field = getterTarget(cls, name) ?? name;
    return { id: this.fieldId(this.file, className(cls), field, thisIsClass(at) ? undefined : THIS_ROOT), kind: this.fieldKinds(cls).get(field) };
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

  private privateFieldKindCache?: Map<string, LockKind>;

  /** Locks stored by TypeScript's downlevel private fields: `_C_m.set(this, new Mutex())`. */
  private privateFieldKinds(): Map<string, LockKind> {
    if (this.privateFieldKindCache) return this.privateFieldKindCache;
    const kinds = new Map<string, LockKind>();
    for (const call of this.calls) {
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
    const typed = this.typed;
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
        const root = isStatic || node.type !== 'MemberExpression' ? undefined : this.receiverRoot(node.object);
        return this.fieldId(file, cls.name.text, (field as ts.PropertyDeclaration | ts.ParameterDeclaration).name.getText(), root);
      }
    }
    if (ts.isVariableDeclaration(declaration) && ts.isSourceFile(declaration.parent.parent.parent) && ts.isIdentifier(declaration.name)) {
      return { key: `${file}#${declaration.name.text}`, display: declaration.name.text };
    }
    return undefined;
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

  private isLockManager(node: Node): boolean {
    const expression = unwrap(node);
    const typedKind = this.typedKind(expression);
    if (typedKind !== undefined) return typedKind?.cls === 'web-locks';
    if (expression.type !== 'MemberExpression' || propertyName(expression) !== 'locks') return false;
    const object = unwrap(expression.object);
    if (object.type === 'Identifier') return object.name === 'navigator';
    return object.type === 'MemberExpression' && propertyName(object) === 'navigator';
  }

  // ── Sites ────────────────────────────────────────────────────────────────────────────────

  private sitesOfCall(call: TSESTree.CallExpression, owner: Owner): Site[] {
    const acquisitions = this.acquisitionsOf(call, owner);
    if (acquisitions) return acquisitions;
    const targets = this.targetsOf(call.callee, call);
    if (targets.length === 0) return [];
    return [
      {
        kind: 'call',
        node: call,
        span: spanOf(this.file, call),
        name: calleeText(call),
        targets,
        argumentLocks: call.arguments.map((argument) => this.lockRefOf(argument, owner)?.id),
        receiver: this.receiverOf(call.callee, call.arguments),
        owner,
        inFlow: this.inFlowUpTo(call, owner),
      },
    ];
  }

  private acquisitionsOf(call: TSESTree.CallExpression, owner: Owner): Site[] | undefined {
    const callee = unwrap(call.callee);
    const args = call.arguments;
    const span = spanOf(this.file, { start: call.loc.start, end: callee.loc.end });
    const make = (ref: LockRef, api: string, mode = ref.kind.mode, blocking = ref.kind.blocking): Acquisition => ({
      lock: ref.id, mode, flavor: ref.kind.flavor, api, span, blocking, confidence: 'high',
    });
    const site = (acquisition: Acquisition, guard: GuardScope | undefined): AcquireSite => ({
      kind: 'acquire', node: call, span, acquisition, guard, owner, inFlow: this.inFlowUpTo(call, owner),
    });
    if (callee.type !== 'MemberExpression') {
      const ref = this.lockRefOf(callee, owner);
      if (ref?.kind.cls !== 'mutexify') return undefined;
      return [site(make(ref, `${ref.id.display}()`), this.releaserGuard(call, ref))];
    }
    const method = propertyName(callee);
    if (!method) return undefined;
    if (method === 'request' && this.isLockManager(callee.object)) {
      const name = args[0] ? this.staticValue(args[0]) : undefined;
      if (name === undefined) return [];
      const options = args.length >= 3 ? this.resolveConstant(args[1]) : undefined;
      const option = (key: string): unknown => {
        if (options?.type !== 'ObjectExpression') return undefined;
        for (const property of options.properties) {
          if (property.type !== 'Property' || keyName(property.key, property.computed) !== key) continue;
          const value = this.resolveConstant(property.value as Node);
          return value.type === 'Literal' ? value.value : value;
        }
        return undefined;
      };
      // An AbortSignal (`signal: AbortSignal.timeout(…)`) ends the wait with an AbortError.
      const kind = option('signal') !== undefined ? { ...WEB_LOCKS_KIND, flavor: timedFlavor(WEB_LOCKS_KIND.flavor) } : WEB_LOCKS_KIND;
      const ref: LockRef = { id: { key: `weblock:${name}`, display: `Web Lock "${name}"` }, kind };
      const blocking = option('ifAvailable') !== true && option('steal') !== true;
      const acquisition = make(ref, 'locks.request', option('mode') === 'shared' ? 'shared' : 'exclusive', blocking);
      return this.withCallback(site(acquisition, undefined), args[args.length - 1], owner);
    }
    const ref = this.lockRefOf(callee.object, owner);
    if (!ref) return undefined;
    switch (ref.kind.cls) {
      case 'mutex':
      case 'semaphore':
        if (method === 'runExclusive') return this.withCallback(site(make(ref, method), undefined), args[0], owner);
        if (method === 'acquire') return [site(make(ref, method), this.releaserGuard(call, ref))];
        if (method === 'waitForUnlock') return [site(make(ref, method), undefined)];
        return undefined;
      case 'async-lock': {
        if (method !== 'acquire' || !args[0]) return undefined;
        const keyNode = unwrap(args[0]);
        const resolved = this.resolveConstant(keyNode);
        const keys = resolved.type === 'ArrayExpression' ? resolved.elements.map((element) => (element ? this.staticValue(element) : undefined)) : [this.staticValue(resolved)];
        // A computed key is an unknown lock: it matches nothing.
        if (keys.some((key) => key === undefined)) return [];
        return keys.flatMap((key) => {
          const keyed: LockRef = { id: { key: `${ref.id.key}[${JSON.stringify(key)}]`, display: `${ref.id.display}[${JSON.stringify(key)}]` }, kind: ref.kind };
          return this.withCallback(site(make(keyed, method), undefined), args[1], owner);
        });
      }
      case 'await-lock':
        if (method === 'acquireAsync') return [site(make(ref, method), this.releaserGuard(call, ref))];
        return undefined;
      case 'mortice':
        if (method === 'readLock' || method === 'writeLock') {
          return [site(make(ref, method, method === 'readLock' ? 'shared' : 'exclusive'), this.releaserGuard(call, ref))];
        }
        return undefined;
      default:
        return undefined;
    }
  }

  /** Attaches the callback that runs under the lock: inline, or a call site for a reference. */
  private withCallback(site: AcquireSite, callback: Node | undefined, owner: Owner): Site[] {
    if (!callback) return [site];
    const fn = unwrap(callback);
    if (isFunction(fn)) return [{ ...site, guard: { kind: 'callback', callback: fn } }];
    const targets = this.targetsOf(fn, undefined);
    const guarded: AcquireSite = { ...site, guard: { kind: 'callback' } };
    if (targets.length === 0) return [site];
    const runner: CallSite = {
      kind: 'call', node: fn, span: spanOf(this.file, fn), name: `${calleeText({ callee: fn } as TSESTree.CallExpression)}`,
      targets, argumentLocks: [], receiver: this.receiverOf(fn, []), owner, inFlow: site.inFlow, runUnder: guarded,
    };
    return [guarded, runner];
  }

  private releaserGuard(call: TSESTree.CallExpression, ref: LockRef): GuardScope | undefined {
    const awaited = call.parent;
    if (awaited?.type !== 'AwaitExpression' && awaited?.type !== 'YieldExpression') return undefined;
    const holder = awaited.parent;
    const releasedThroughLock = ref.kind.cls === 'await-lock' || ref.kind.cls === 'mutex' || ref.kind.cls === 'semaphore';
    const receiver = call.callee.type === 'MemberExpression' ? calleeText({ callee: call.callee.object } as TSESTree.CallExpression).slice(0, -2) : undefined;
    const lockText = receiver ? `${receiver}.release()` : 'release()';
    if (holder?.type === 'VariableDeclarator' && holder.init === awaited) {
      const declaration = holder.parent as TSESTree.VariableDeclaration;
      if (declaration.kind === 'using' || declaration.kind === 'await using') return { kind: 'disposable', statement: declaration };
      const binding = holder.id.type === 'ArrayPattern' ? holder.id.elements[1] : holder.id;
      if (binding?.type === 'Identifier') {
        return { kind: 'releaser', statement: declaration, releaser: this.variables.get(binding), releasedThroughLock: false, releaseText: `${binding.name}()` };
      }
      return { kind: 'releaser', statement: declaration, releasedThroughLock, releaseText: releasedThroughLock ? lockText : 'release()' };
    }
    if (holder?.type === 'AssignmentExpression' && holder.right === awaited && holder.left.type === 'Identifier' && holder.parent?.type === 'ExpressionStatement') {
      return { kind: 'releaser', statement: holder.parent, releaser: this.variables.get(holder.left), releasedThroughLock: false, releaseText: `${holder.left.name}()` };
    }
    if (holder?.type === 'ExpressionStatement') {
      return { kind: 'releaser', statement: holder, releasedThroughLock, releaseText: releasedThroughLock ? lockText : 'release()' };
    }
    return undefined;
  }

  // ── Calls ────────────────────────────────────────────────────────────────────────────────

  /** The root of the object a callee runs on: `x` of `x.f()`, the first argument of `f.call(x)`. */
  private receiverOf(calleeNode: Node, args: readonly Node[]): string | undefined {
    const callee = unwrap(calleeNode);
    if (callee.type !== 'MemberExpression') return undefined;
    const method = propertyName(callee);
    if (method === 'call' || method === 'apply') return args[0] ? this.receiverRoot(args[0]) : undefined;
    if (method === 'bind') return undefined;
    return this.receiverRoot(callee.object);
  }

  private targetsOf(calleeNode: Node, call: TSESTree.CallExpression | undefined): CallTarget[] {
    let callee = unwrap(calleeNode);
    if (callee.type === 'MemberExpression' && ['call', 'apply', 'bind'].includes(propertyName(callee) ?? '')) callee = unwrap(callee.object);
    if (callee.type === 'CallExpression') {
      const inner = unwrap(callee.callee);
      if (inner.type === 'MemberExpression' && propertyName(inner) === 'bind') callee = unwrap(inner.object);
    }
    const typedTargets = this.typedTargets(callee, call);
    if (typedTargets) return typedTargets;
    const fn = this.localFunction(callee);
    return fn ? [{ kind: 'function', fn }] : [];
  }

  /** The declaration the checker resolves a call to; undefined leaves it to the untyped lookup. */
  private typedTargets(callee: Node, call: TSESTree.CallExpression | undefined): CallTarget[] | undefined {
    const typed = this.typed;
    if (!typed) return undefined;
    let declaration: ts.Node | undefined;
    if (call && call.callee === callee) declaration = typed.getResolvedSignature(call)?.declaration;
    if (!declaration) {
      let symbol = typed.getSymbolAtLocation(callee);
      if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = typed.program.getTypeChecker().getAliasedSymbol(symbol);
      declaration = symbol?.valueDeclaration;
    }
    if (!declaration) return undefined;
    const body = functionLikeOf(declaration);
    if (!body) return undefined;
    const fileName = body.getSourceFile().fileName;
    if (fileName.endsWith('.d.ts') || fileName.includes('/node_modules/')) return [];
    if (fileName === this.file) {
      const mapped = typed.tsNodeToESTreeNodeMap.get(body as never) as Node | undefined;
      const fn = mapped && functionOfDeclarationNode(mapped);
      return fn ? [{ kind: 'function', fn }] : [];
    }
    return [{ kind: 'declaration', declaration: body }];
  }

  private localFunction(callee: Node): FunctionNode | undefined {
    if (isFunction(callee)) return undefined;
    if (callee.type === 'Identifier') {
      const definition = this.variables.get(callee)?.defs[0];
      if (definition?.type === 'FunctionName') return definition.node as FunctionNode;
      if (definition?.type === 'Variable') return this.functionValueOf(this.variables.get(callee)!);
      return undefined;
    }
    // TypeScript's downlevel private methods: `__classPrivateFieldGet(this, _C_instances, "m", _C_f).call(this, …)`.
    if (callee.type === 'CallExpression' && isPrivateFieldHelper(callee) && callee.arguments[3]?.type === 'Identifier') {
      const variable = this.variables.get(callee.arguments[3]);
      return variable && this.functionValueOf(variable);
    }
    if (callee.type !== 'MemberExpression') return undefined;
    const name = propertyName(callee);
    if (!name) return undefined;
    const object = unwrap(callee.object);
    if (object.type === 'ThisExpression') {
      const cls = enclosingClass(callee);
      if (cls) return this.methodOf(cls, name, thisIsClass(object));
      const owner = this.prototypeOwnerOf(callee);
      return owner ? this.prototypeMethods.get(owner)?.get(name) : undefined;
    }
    // CommonJS: `exports.f()`, `module.exports.f()` call what the file exports under that name.
    const exportsObject = object.type === 'Identifier' && object.name === 'exports' && !this.variables.get(object)?.defs.length;
    const moduleExports = object.type === 'MemberExpression' && propertyName(object) === 'exports' && object.object.type === 'Identifier' && object.object.name === 'module';
    if (exportsObject || moduleExports) {
      const value = this.exported.get(name);
      if (!value) return undefined;
      return isFunction(value) ? value : this.localFunction(value);
    }
    if (object.type === 'Super') {
      const cls = enclosingClass(callee);
      const base = cls?.superClass ? this.classOf(cls.superClass) : undefined;
      return base ? this.methodOf(base, name, thisIsClass(object)) : undefined;
    }
    if (object.type === 'Identifier') {
      const definition = this.variables.get(object)?.defs[0];
      if (definition?.type === 'ClassName') return this.methodOf(definition.node as ClassNode, name, true);
      if (definition?.type === 'Variable') {
        const init = (definition.node as TSESTree.VariableDeclarator).init;
        // `const self = this; … self.f()`
        if (init?.type === 'ThisExpression' && this.receiverRoot(object) === THIS_ROOT) {
          const cls = enclosingClass(init);
          return cls && this.methodOf(cls, name, thisIsClass(init));
        }
        if (init?.type === 'ObjectExpression') {
          for (const property of init.properties) {
            if (property.type === 'Property' && keyName(property.key, property.computed) === name && isFunction(property.value)) return property.value;
          }
        }
      }
    }
    return undefined;
  }

  /** The function a binding holds: its initializer, or the one function ever assigned to it. */
  private functionValueOf(variable: Variable): FunctionNode | undefined {
    const values = variable.references.flatMap((reference) => (reference.writeExpr ? [unwrap(reference.writeExpr as Node)] : []));
    const functions = values.filter(isFunction);
    return functions.length === 1 && values.length === 1 ? functions[0] : undefined;
  }

  private classOf(node: Node): ClassNode | undefined {
    const expression = unwrap(node);
    if (expression.type !== 'Identifier') return undefined;
    const definition = this.variables.get(expression)?.defs[0];
    return definition?.type === 'ClassName' ? (definition.node as ClassNode) : undefined;
  }

  private methodOf(cls: ClassNode, name: string, isStatic: boolean, depth = 0): FunctionNode | undefined {
    for (const member of cls.body.body) {
      if ((member.type === 'MethodDefinition' || member.type === 'PropertyDefinition') && member.static === isStatic && keyName(member.key, member.computed) === name) {
        if (member.type === 'MethodDefinition' && member.kind === 'method' && member.value.type === 'FunctionExpression') return member.value;
        if (member.type === 'PropertyDefinition' && member.value && isFunction(member.value)) return member.value;
      }
    }
    const base = cls.superClass ? this.classOf(cls.superClass) : undefined;
    return base && depth < 8 ? this.methodOf(base, name, isStatic, depth + 1) : undefined;
  }

  // ── Guards ───────────────────────────────────────────────────────────────────────────────

  private isHeldAt(guard: AcquireSite, site: Site): boolean {
    if (site.kind === 'call' && site.runUnder === guard) return true;
    const scope = guard.guard;
    if (!scope) return false;
    if (scope.kind === 'callback') return scope.callback !== undefined && contains(scope.callback, site.node) && this.inFlowUpTo(site.node, scope.callback);
    const statement = scope.statement;
    const block = statement.parent;
    if (!block || site.node.range[0] < statement.range[1] || !contains(block, site.node)) return false;
    if (!this.inFlowUpTo(site.node, enclosingFunction(statement))) return false;
    if (scope.kind === 'disposable') return true;
    const oracle = this.releaseOracle(guard);
    return !oracle.dominatingReleases.some(
      (release) => release.range[0] >= statement.range[1] && release.range[1] <= site.node.range[0] && release.parent !== undefined && contains(release.parent, site.node),
    );
  }

  private readonly oracles = new Map<AcquireSite, ReleaseOracle & { dominatingReleases: Node[]; escapes: boolean }>();

  /** How to recognise the release of one releaser-scoped guard. */
  private releaseOracle(guard: AcquireSite): ReleaseOracle & { dominatingReleases: Node[]; escapes: boolean } {
    const cached = this.oracles.get(guard);
    if (cached) return cached;
    const scope = guard.guard as Extract<GuardScope, { kind: 'releaser' }>;
    const fn = enclosingFunction(scope.statement);
    const releaseCalls: Node[] = [];
    const handovers: Node[] = [];
    if (scope.releaser) {
      for (const reference of scope.releaser.references) {
        const identifier = reference.identifier as Node;
        if (!reference.isRead()) continue;
        const parent = identifier.parent;
        const call = parent?.type === 'CallExpression' && parent.callee === identifier ? parent : undefined;
        if (call) releaseCalls.push(call);
        else handovers.push(identifier);
      }
    } else if (scope.releasedThroughLock) {
      for (const call of this.calls) {
        const callee = unwrap(call.callee);
        if (callee.type !== 'MemberExpression' || propertyName(callee) !== 'release' || !contains(fn, call)) continue;
        if (this.lockRefOf(callee.object, guard.owner)?.id.key === guard.acquisition.lock.key) releaseCalls.push(call);
      }
    }
    const isReleaseStatement = (statement: Node): boolean => {
      if (statement.type !== 'ExpressionStatement') return false;
      let expression: Node = statement.expression;
      while (expression.type === 'AwaitExpression' || (expression.type === 'UnaryExpression' && expression.operator === 'void') || expression.type === 'ChainExpression') {
        expression = expression.type === 'ChainExpression' ? expression.expression : expression.argument;
      }
      return releaseCalls.includes(expression);
    };
    const dominatingReleases: Node[] = [];
    for (const call of releaseCalls) {
      for (let node: Node | undefined = call; node && node !== fn; node = node.parent) {
        // A release statement ends the guard after it in its block; a `finally` that releases
        // ends it after the whole `try`.
        if (isReleaseStatement(node)) dominatingReleases.push(node);
        const parent: Node | undefined = node.parent;
        if (parent?.type === 'TryStatement' && parent.finalizer === node) {
          dominatingReleases.push(parent);
          break;
        }
      }
    }
    const oracle = {
      releaserDeclaration: (scope.releaser?.defs[0]?.parent as Node | null | undefined) ?? undefined,
      isReleaseStatement,
      releasesWithin: (node: Node) => releaseCalls.some((call) => contains(node, call)) || handovers.some((handover) => contains(node, handover)),
      dominatingReleases,
      escapes: handovers.length > 0,
    };
    this.oracles.set(guard, oracle);
    return oracle;
  }

  private releaseLeaksOf(guard: AcquireSite): ReleaseLeak[] | undefined {
    const scope = guard.guard;
    if (scope?.kind !== 'releaser') return undefined;
    if (!scope.releaser && !scope.releasedThroughLock) return [{ kind: 'discarded', node: guard.node }];
    const oracle = this.releaseOracle(guard);
    // A releaser handed to someone else (`.finally(release)`, `return release`) is theirs to call.
    if (oracle.escapes) return [];
    return findReleaseLeaks(scope.statement, enclosingFunction(scope.statement), oracle);
  }
}

function isPrivateFieldHelper(call: TSESTree.CallExpression): boolean {
  const callee = unwrap(call.callee);
  const name = callee.type === 'Identifier' ? callee.name : callee.type === 'MemberExpression' ? propertyName(callee) : undefined;
  return name === '__classPrivateFieldGet' && call.arguments[0]?.type === 'ThisExpression';
}

/**
 * `__classPrivateFieldGet(this, _Store_mutex, "f")`, TypeScript's downlevel `this.#mutex`: the
 * WeakMap is named `_<Class>_<field>`.
 */
function downlevelPrivateField(node: Node): { cls: string; field: string; store: string } | undefined {
  if (node.type !== 'CallExpression' || !isPrivateFieldHelper(node)) return undefined;
  const store = node.arguments[1];
  const kind = node.arguments[2];
  if (store?.type !== 'Identifier' || kind?.type !== 'Literal' || kind.value !== 'f') return undefined;
  const match = /^_(.+?)_(.+)$/.exec(store.name);
  return match ? { cls: match[1], field: match[2], store: store.name } : undefined;
}

/** The function a declaration-like ESTree node stands for: a method's value, a variable's arrow. */
function functionOfDeclarationNode(node: Node): FunctionNode | undefined {
  if (isFunction(node)) return node;
  if ((node.type === 'MethodDefinition' || node.type === 'PropertyDefinition' || node.type === 'Property') && node.value && isFunction(node.value)) return node.value;
  if (node.type === 'VariableDeclarator' && node.init && isFunction(node.init)) return node.init;
  return undefined;
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

/** Separates the instance root of a field lock's key from its family (`Class.field`). */
export const ROOT_SEPARATOR = '\u0001';
const THIS_ROOT = 'this';
/** Field paths deeper than this from a root are one lock: keeps recursive structures finite. */
const MAX_ROOT_DEPTH = 3;

function limitRoot(root: string): string {
  const parts = root.split('.');
  return parts.length > MAX_ROOT_DEPTH + 1 ? `${parts.slice(0, MAX_ROOT_DEPTH + 1).join('.')}.*` : root;
}

/** A lock key's family: the class field for instance-relative keys, the key itself otherwise. */
export function lockFamily(key: string): string {
  const at = key.indexOf(ROOT_SEPARATOR);
  return at < 0 ? key : key.slice(at + 1);
}

/** The instance root of a field lock's key (`this`, `this.inbox`, `v:…`), undefined for others. */
export function lockRoot(key: string): string | undefined {
  const at = key.indexOf(ROOT_SEPARATOR);
  return at < 0 ? undefined : key.slice(0, at);
}

export function isThisRooted(key: string): boolean {
  const root = lockRoot(key);
  return root === THIS_ROOT || !!root?.startsWith(`${THIS_ROOT}.`);
}

/**
 * A callee's lock key as its caller sees it when the callee's `this` is `receiver` (a root):
 * `this.mutex` of `other.deposit()` is `other`'s mutex, not the caller's.
 */
export function rerootKey(key: string, receiver: string): string {
  if (receiver === THIS_ROOT) return key;
  const at = key.indexOf(ROOT_SEPARATOR);
  if (at < 0) return key;
  const root = key.slice(0, at);
  if (root !== THIS_ROOT && !root.startsWith(`${THIS_ROOT}.`)) return key;
  return `${limitRoot(receiver + root.slice(THIS_ROOT.length))}${key.slice(at)}`;
}

/** Whether `this` at `node` is the class itself (a static method, static field or static block). */
function thisIsClass(node: Node): boolean {
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
function getterTarget(cls: ClassNode, name: string): string | undefined {
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
function destructuredKey(pattern: TSESTree.ObjectPattern, identifier: TSESTree.Identifier): string | undefined {
  for (const property of pattern.properties) {
    if (property.type !== 'Property') continue;
    const value = property.value.type === 'AssignmentPattern' ? property.value.left : property.value;
    if (value === identifier) return keyName(property.key, property.computed);
  }
  return undefined;
}

/** A binding written once, by its declaration. */
function isSingleAssignment(variable: Variable): boolean {
  return variable.references.filter((reference) => reference.isWrite()).length <= 1 && variable.defs.length === 1;
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
