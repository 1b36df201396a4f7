// Facts about one TS/JS file, computed once and read by every rule: which calls acquire which
// lock (and in which mode), which guard each acquisition creates and where it is alive, which
// calls run in whose async flow, and where a releaser is not reached.
import path from 'node:path';
import ts from 'typescript';
import type { ParserServicesWithTypeInformation, TSESLint, TSESTree } from '@typescript-eslint/utils';
import type { Acquisition, LockId, SourceSpan, WitnessStep } from '../core/model.js';
import {
  PARAMETER_KIND,
  PARAMETER_LOCK_METHODS,
  WEB_LOCKS_KIND,
  acquireMethodOf,
  collectLockImports,
  homeMadeLockKind,
  releaseMethodsOf,
  type AcquireMethod,
  type ExtraTsLockApis,
  type HoldStyle,
  timedFlavor,
  lockKindOfAnnotation,
  lockKindOfCreation,
  lockKindOfTypeName,
  type CreationContext,
  type ImportedName,
  type LockKind,
} from './lockApis.js';
import { freeLocksAt, parameterConditionsAt, type ValueCondition } from './branchConditions.js';
import { findReleaseLeaks, findReleaseLeaksInCallback, type ReleaseLeak, type ReleaseOracle } from './releasePaths.js';
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
      /**
       * The callback's promise is settled by a function it hands out of the lock (a deferred:
       * `resolveLock({ resolve })`, `outer.resolve(inner)`), so the lock stays held until that is
       * called, wherever it went; the acquisition is `returned` when the owner's promise carries it.
       */
      readonly handedOut?: boolean;
    }
  | {
      readonly kind: 'releaser';
      readonly statement: Node;
      /** The releaser binding (`release` in `const release = await m.acquire()`). */
      readonly releaser?: Variable;
      /** Released through the lock itself (`lock.release()`, await-lock). */
      readonly releasedThroughLock: boolean;
      /** The lock's methods that release it, when released through the lock. */
      readonly releaseMethods?: readonly string[];
      /** Name used in messages and fixes: `release()`, `this.lock.release()`. */
      readonly releaseText: string;
      /**
       * The releaser arrives as this callback's first parameter (`acquire().then((release) => …)`):
       * the guard is held from the callback's start, and `statement` is its body.
       */
      readonly callback?: FunctionNode;
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
  /** Its releaser (or guard) leaves the owner through a `return`: the owner hands the lock to its caller. */
  readonly returned?: boolean;
  /** Locks a branch condition says are free here (`if (!m.isLocked())`), by key. */
  readonly freeLocks?: ReadonlySet<string>;
  /**
   * A guard taken by calling a helper (`this.#withLock(cb)`, `await this.acquireFor(key)`): the
   * chain from this call down to the lock library's acquisition.
   */
  readonly through?: readonly WitnessStep[];
  /** The lock library's method at the end of `through` (`acquire`, `runExclusive`). */
  readonly throughApi?: string;
}

/** A function expression passed inline to a call: it runs when the callee runs that parameter. */
export interface CallbackArgument {
  readonly index: number;
  readonly fn: FunctionNode;
}

/** A resolved callee: a function in this file, or (typed) a declaration anywhere in the program. */
export type CallTarget =
  | { readonly kind: 'function'; readonly fn: FunctionNode }
  | { readonly kind: 'declaration'; readonly declaration: ts.Node }
  /**
   * Untyped: what another file of the project exports under `name` (`require('./db')`,
   * `import { lock } from './db.js'`); `module` is the specifier resolved against this file,
   * without the extension the loader would try.
   */
  | { readonly kind: 'export'; readonly module: string; readonly name: string };

export interface CallSite {
  readonly kind: 'call';
  readonly node: Node;
  readonly span: SourceSpan;
  /** How the call is written, for chains: `this.refresh()`. */
  readonly name: string;
  readonly targets: readonly CallTarget[];
  /** For each argument, the lock it is, when it is one (a lock passed as a parameter). */
  readonly argumentLocks: readonly (LockRef | undefined)[];
  /** For each argument, the value it passes as a lock key or name (`"users"`, `@param:0`), when known. */
  readonly argumentKeys: readonly (string | undefined)[];
  /** For each argument, the owner's parameter it passes on unchanged (`inner(fn)` inside `outer(fn)`). */
  readonly argumentParams: readonly (number | undefined)[];
  /** Function expressions passed inline (not to a deferring call such as `setTimeout`). */
  readonly callbacks: readonly CallbackArgument[];
  /** The call runs the owner's parameter with this index (`fn()` inside `withLock(fn)`); no targets. */
  readonly param?: number;
  /** Where the call's result would hold a lock if the callee hands one back (`const release = await this.acquireFor(k)`). */
  readonly resultScope?: GuardScope;
  /** The call's result leaves the owner through a `return`. */
  readonly returned?: boolean;
  readonly freeLocks?: ReadonlySet<string>;
  /** Conditions on the owner's parameters that hold where the call is made. */
  readonly requires?: readonly ValueCondition[];
  /** What the arguments say about truth: `@param:1.skipLock` → true for `f(a, { skipLock: true })`. */
  readonly argumentTruths?: ReadonlyMap<string, boolean>;
  /** Argument paths that are object literals without a spread: a property they lack is undefined. */
  readonly closedArguments?: ReadonlySet<string>;
  readonly owner: Owner;
  readonly inFlow: boolean;
  /** A callback passed by reference to a lock (`m.runExclusive(this.work)`) runs under it. */
  readonly runUnder?: AcquireSite;
  /**
   * A function passed by reference to a call (`this.#withLock(doVerify)`): it runs under what the
   * callee holds while it runs parameter `index`, if the callee runs it at all.
   */
  readonly runBy?: { readonly call: CallSite; readonly index: number };
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
  /**
   * Calls of this function that hold a lock at a site if their callee turns out to hold one: a
   * callback argument (`index`) that contains the site, or a result bound as a releaser.
   */
  readonly callGuardsAt: ReadonlyMap<Site, readonly { readonly call: CallSite; readonly index?: number }[]>;
}

export interface FileFacts {
  readonly file: string;
  readonly functions: ReadonlyMap<Owner, FunctionFacts>;
  /** Every releaser-scoped guard of the file with the exits that leave it held. */
  readonly releaseLeaks: ReadonlyMap<AcquireSite, readonly ReleaseLeak[]>;
  /** Maps a TypeScript declaration of this file to its ESTree function (typed mode). */
  functionOfDeclaration(declaration: ts.Node): FunctionFacts | undefined;
  /** The exits that leave a call's bound result unreleased, were it a releaser. */
  releaseLeaksOfResult(call: CallSite): readonly ReleaseLeak[];
  /** The function this file exports under `name` (CommonJS or ES exports), for untyped callers in other files. */
  exportedFunction(name: string): FunctionFacts | undefined;
  /**
   * Where this file builds an instance of `owner`'s class passing one value into both field
   * locks `a` and `b` (`new Service(lock, new Repo(lock))` for `this.lock` and `this.repo.lock`):
   * on that instance they are one lock.
   */
  sharedInjection(owner: Owner, a: string, b: string): SourceSpan | undefined;
}

export interface FileInput {
  readonly file: string;
  readonly ast: TSESTree.Program;
  readonly scopeManager: TSESLint.Scope.ScopeManager | null;
  readonly typed?: ParserServicesWithTypeInformation;
  /** `extraLockApis.ts` of the configuration. */
  readonly extra?: ExtraTsLockApis;
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
  private readonly constructions: TSESTree.NewExpression[] = [];
  private readonly owners: Owner[] = [];
  private readonly thisAssignments: TSESTree.AssignmentExpression[] = [];
  /** ES5 classes: `C.prototype.m = function () {…}`, by constructor name and method name. */
  private readonly prototypeMethods = new Map<string, Map<string, FunctionNode>>();
  /** CommonJS exports: `exports.f = …`, `module.exports.f = …`, `module.exports = { f }`. */
  private readonly exported = new Map<string, Node>();
  /** `module.exports = <value>` when the value is not an object literal (a function, a binding, an IIFE's result). */
  private wholeExport?: Node;
  private readonly fieldKindCache = new Map<ClassNode, Map<string, LockKind>>();

  constructor(private readonly input: FileInput) {
    this.file = input.file;
    this.typed = input.typed;
    const nodes: Node[] = [];
    visitAll(input.ast, (node) => nodes.push(node));
    this.imports = collectLockImports(input.ast, (visit) => nodes.forEach(visit), input.extra);
    this.owners.push(input.ast);
    for (const node of nodes) {
      if (node.type === 'CallExpression') this.calls.push(node);
      else if (isFunction(node) && !this.isInline(node)) this.owners.push(node);
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
      const holdingCalls = sites.filter((site): site is CallSite => site.kind === 'call' && (site.callbacks.length > 0 || site.resultScope !== undefined));
      const guardsAt = new Map<Site, AcquireSite[]>();
      const callGuardsAt = new Map<Site, { call: CallSite; index?: number }[]>();
      for (const site of sites) {
        const held = guards.filter((guard) => guard !== site && this.isHeldAt(guard.guard, guard, site));
        if (held.length > 0) guardsAt.set(site, held);
        const byCalls: { call: CallSite; index?: number }[] = [];
        for (const call of holdingCalls) {
          if (call === site) continue;
          for (const callback of call.callbacks) {
            if (contains(callback.fn, site.node) && this.inFlowUpTo(site.node, callback.fn)) byCalls.push({ call, index: callback.index });
          }
          if (call.resultScope && this.isHeldAt(call.resultScope, call, site)) byCalls.push({ call });
        }
        if (byCalls.length > 0) callGuardsAt.set(site, byCalls);
      }
      functions.set(owner, {
        key: `${this.file}:${owner.range[0]}`,
        file: this.file,
        node: owner,
        name: functionName(owner),
        sites,
        guards,
        guardsAt,
        callGuardsAt,
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
      releaseLeaksOfResult: (call) => (call.resultScope ? (this.scopeLeaks(call.resultScope, call, undefined) ?? []) : []),
      sharedInjection: (owner, a, b) => this.sharedInjection(owner, a, b),
      exportedFunction: (name) => {
        const fn = this.exportedFunctionNode(name);
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
    // `new Promise(executor)` runs the executor before it returns.
    if (parent?.type === 'NewExpression' && parent.arguments[0] === node && parent.callee.type === 'Identifier' && parent.callee.name === 'Promise') return true;
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
      extra: this.input.extra,
      constantValue: (identifier) => {
        const variable = identifier.type === 'Identifier' ? this.variables.get(identifier) : undefined;
        const definition = variable?.defs[0];
        if (!variable || definition?.type !== 'Variable' || !isSingleAssignment(variable)) return undefined;
        return (definition.node as TSESTree.VariableDeclarator).init ?? undefined;
      },
    };
    const expression = unwrap(node);
    const local = expression.type === 'NewExpression' ? this.classOf(expression.callee) : undefined;
    return lockKindOfCreation(node, this.imports, this.creationContextMemo) ?? (local && homeMadeKindOfClass(local));
  }

  /** The lock a type annotation names: a library's type, or a lock-shaped class of this file. */
  private annotationKind(annotation: TSESTree.TypeNode | undefined): LockKind | undefined {
    const kind = lockKindOfAnnotation(annotation, this.imports, this.input.extra);
    if (kind || annotation?.type !== 'TSTypeReference' || annotation.typeName.type !== 'Identifier') return kind;
    const definition = this.variables.get(annotation.typeName)?.defs[0];
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
          const kind = packageName ? lockKindOfTypeName(packageName, symbol!.name, this.input.extra) : homeMadeKindOfTsClass(declaration);
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
        const owner = this.prototypeOwnerOf(node);
        return owner ? { id: this.fieldId(this.file, owner, name, THIS_ROOT), kind: this.prototypeFieldKind(owner, name) } : undefined;
      }
      const declared = this.typedDeclarationId(node);
      if (declared) return { id: declared, kind: this.declarationKind(node) };
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
      const key = moduleLevel ? `${this.file}#${name}` : `${this.file}#${name}@${declarator.range[0]}`;
      return { id: { key, display: name }, kind: kind ?? (isSingleAssignment(variable) ? undefined : this.writtenKind(variable)) };
    }
    if (definition.type === 'Parameter') {
      const fn = definition.node as FunctionNode;
      const identifier = definition.name as TSESTree.Identifier;
      const kind = this.annotationKind(identifier.typeAnnotation?.typeAnnotation);
      const index = fn.params.findIndex((param) => contains(param, identifier));
      const key = fn === owner && index >= 0 ? `param:${index}` : `${this.file}#${name}@${identifier.range[0]}`;
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
    const root = map.type === 'MemberExpression' ? this.receiverRoot(map.object) : this.receiverRoot(map);
    const display = indexed ? `${this.sourceText(map)}[${key.display}]` : `${this.sourceText(map)}.get(${key.display})`;
    return { key: `${root}${ROOT_SEPARATOR}${this.file}#${field}[${key.key}]`, display };
  }

  /**
   * A factory that always returns one lock (`getLock()` returning a module-level `lock ??= new
   * AsyncLock()`): its call is that lock.
   */
  private factoryIdentity(call: TSESTree.CallExpression, depth: number): { id: LockId; kind?: LockKind } | undefined {
    const fn = this.localFunction(unwrap(call.callee));
    if (!fn) return undefined;
    const owner = this.ownerOf(call);
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
    for (const call of this.calls) {
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
    const typed = this.typed;
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
      const kind = imported && lockKindOfTypeName(imported.module, imported.name === 'default' && imported.module === 'async-lock' ? 'AsyncLock' : imported.name, this.input.extra);
      const permits = initializer.arguments?.[0];
      if (kind && kind.mode === 'shared' && permits && ts.isNumericLiteral(permits) && permits.text === '1') return { ...kind, mode: 'exclusive' };
      if (kind) return kind;
    }
    const annotation = declaration.type;
    if (annotation && ts.isTypeReferenceNode(annotation) && ts.isIdentifier(annotation.typeName)) {
      const imported = importOf(annotation.typeName.text);
      return imported && lockKindOfTypeName(imported.module, imported.name, this.input.extra);
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
    const freeLocks = freeLocksAt(call, owner, (lock, key) => this.lockKeyOfCondition(lock, key, owner));
    const acquisitions = this.acquisitionsOf(call, owner, freeLocks);
    if (acquisitions) return acquisitions;
    const param = this.ownParameterIndex(call.callee, owner);
    const targets = param === undefined ? this.targetsOf(call.callee, call) : [];
    if (targets.length === 0 && param === undefined) return [];
    // `f.call(thisArg, a, b)` passes `a` as `f`'s first parameter.
    const callee = unwrap(call.callee);
    const args = callee.type === 'MemberExpression' && propertyName(callee) === 'call' ? call.arguments.slice(1) : call.arguments;
    const callbacks: CallbackArgument[] = [];
    args.forEach((argument, index) => {
      const fn = unwrap(argument);
      if (isFunction(fn) && this.isInline(fn)) callbacks.push({ index, fn });
    });
    const site: CallSite = {
        kind: 'call',
        node: call,
        span: spanOf(this.file, call),
        name: calleeText(call),
        targets,
        argumentLocks: args.map((argument) => this.lockRefOf(argument, owner)),
        argumentKeys: args.map((argument) => this.valueIdentity(argument, owner)),
        argumentParams: args.map((argument) => this.ownParameterIndex(argument, owner)),
        callbacks,
        param,
        resultScope: this.releaserGuard(call, undefined, 'releaser'),
        returned: this.isReturned(call, owner),
        freeLocks,
        requires: parameterConditionsAt(call, owner, (expression) => this.valueIdentity(expression, owner)),
        ...this.argumentTruths(args),
        receiver: this.receiverOf(call.callee, call.arguments),
        owner,
        inFlow: this.inFlowUpTo(call, owner),
    };
    const runners: CallSite[] = [];
    args.forEach((argument, index) => {
      const reference = unwrap(argument);
      if (targets.length === 0 || isFunction(reference) || reference.type === 'SpreadElement' || this.ownParameterIndex(reference, owner) !== undefined) return;
      if (reference.type !== 'Identifier' && reference.type !== 'MemberExpression' && reference.type !== 'CallExpression') return;
      const referenced = this.targetsOf(reference, undefined);
      if (referenced.length === 0) return;
      runners.push({
        kind: 'call', node: reference, span: spanOf(this.file, reference), name: this.sourceText(reference), targets: referenced,
        argumentLocks: [], argumentKeys: [], argumentParams: [], callbacks: [],
        receiver: this.receiverOf(reference, []), owner, inFlow: site.inFlow, runBy: { call: site, index },
      });
    });
    return [site, ...runners];
  }

  /** What a call's arguments say about the truth of its callee's parameters and their properties. */
  private argumentTruths(args: readonly TSESTree.CallExpressionArgument[]): { argumentTruths: Map<string, boolean>; closedArguments: Set<string> } {
    const truths = new Map<string, boolean>();
    const closed = new Set<string>();
    const describe = (path: string, node: Node, depth: number): void => {
      const value = this.resolveConstant(node);
      if (value.type === 'Literal') truths.set(path, Boolean(value.value));
      else if (value.type === 'Identifier' && value.name === 'undefined') truths.set(path, false);
      else if (value.type === 'ObjectExpression' || value.type === 'ArrayExpression' || isFunction(value)) truths.set(path, true);
      if (value.type !== 'ObjectExpression' || depth > 2) return;
      if (value.properties.every((property) => property.type === 'Property')) closed.add(path);
      for (const property of value.properties) {
        const key = property.type === 'Property' ? keyName(property.key, property.computed) : undefined;
        if (key && property.type === 'Property') describe(`${path}.${key}`, property.value as Node, depth + 1);
      }
    };
    for (let index = 0; index < args.length; index++) {
      // After a spread, positions are unknown.
      if (args[index].type === 'SpreadElement') break;
      describe(`@param:${index}`, args[index], 0);
    }
    return { argumentTruths: truths, closedArguments: closed };
  }

  /** The index of `owner`'s parameter that `node` names (a plain `fn`, `fn.call(…)`), if it is one never reassigned. */
  private ownParameterIndex(node: Node, owner: Owner): number | undefined {
    let expression = unwrap(node);
    if (expression.type === 'MemberExpression' && ['call', 'apply'].includes(propertyName(expression) ?? '')) expression = unwrap(expression.object);
    if (expression.type !== 'Identifier' || owner.type === 'Program') return undefined;
    const variable = this.variables.get(expression);
    const definition = variable?.defs[0];
    if (!variable || definition?.type !== 'Parameter' || definition.node !== owner || !isSingleAssignment(variable)) return undefined;
    const index = owner.params.findIndex((param) => contains(param, definition.name as Node));
    return index >= 0 ? index : undefined;
  }

  /**
   * The acquisition (its result, its releaser, or a guard holding it) leaves `owner` through a
   * `return`: `return m.acquire()`, `const r = await m.acquire(); return r;`,
   * `return { [Symbol.asyncDispose]: () => release() }`.
   */
  private isReturned(call: TSESTree.CallExpression, owner: Owner): boolean {
    if (owner.type === 'Program') return false;
    for (let node: Node = call; node.parent && node !== owner; node = node.parent) {
      const parent: Node = node.parent;
      if (parent.type === 'ReturnStatement' && enclosingFunction(parent) === owner) return true;
      if (parent.type === 'ArrowFunctionExpression' && parent.body === node && parent === owner) return true;
      if (!['AwaitExpression', 'TSAsExpression', 'TSNonNullExpression', 'ChainExpression'].includes(parent.type)) break;
    }
    const holder = call.parent?.type === 'AwaitExpression' ? call.parent.parent : undefined;
    if (holder?.type !== 'VariableDeclarator' || holder.id.type !== 'Identifier') return false;
    const variable = this.variables.get(holder.id);
    return (variable?.references ?? []).some((reference) => {
      for (let node: Node | undefined = reference.identifier as Node; node && node !== owner; node = node.parent) {
        if (node.type === 'ReturnStatement') return enclosingFunction(node) === owner;
      }
      return false;
    });
  }

  private acquisitionsOf(call: TSESTree.CallExpression, owner: Owner, freeLocks: ReadonlySet<string> | undefined): Site[] | undefined {
    const callee = unwrap(call.callee);
    const args = call.arguments;
    const span = spanOf(this.file, { start: call.loc.start, end: callee.loc.end });
    const requires = parameterConditionsAt(call, owner, (expression) => this.valueIdentity(expression, owner));
    const make = (ref: LockRef, api: string, mode = ref.kind.mode, blocking = ref.kind.blocking): Acquisition => ({
      lock: ref.id, mode, flavor: ref.kind.flavor, api, span, blocking, confidence: ref.kind.lowConfidence ? 'low' : 'high',
      ...(freeLocks?.has(ref.id.key) ? { whenFree: true } : {}),
      ...(requires ? { requires } : {}),
    });
    const site = (acquisition: Acquisition, guard: GuardScope | undefined): AcquireSite => ({
      kind: 'acquire', node: call, span, acquisition, guard, owner, inFlow: this.inFlowUpTo(call, owner), returned: this.isReturned(call, owner), freeLocks,
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
      const identity = name === undefined && args[0] ? this.valueIdentity(args[0], owner) : undefined;
      // A name known neither as a string nor as a value that stays the same is possibly any lock.
      if (name === undefined && identity === undefined) return [];
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
      const id: LockId =
        name !== undefined
          ? { key: `weblock:${name}`, display: `Web Lock "${name}"` }
          : { key: `weblock:${identity}`, display: `Web Lock ${this.sourceText(args[0])}` };
      const ref: LockRef = { id, kind };
      const blocking = option('ifAvailable') !== true && option('steal') !== true;
      const acquisition = make(ref, 'locks.request', option('mode') === 'shared' ? 'shared' : 'exclusive', blocking);
      return this.withCallback(site(acquisition, undefined), args[args.length - 1], owner);
    }
    const ref = this.lockRefOf(callee.object, owner) ?? this.parameterLock(callee.object, owner, method);
    if (!ref) return undefined;
    const how = ref.kind.cls === 'parameter' ? parameterLockMethod(method, args.length) : acquireMethodOf(ref.kind, method);
    if (!how) return undefined;
    const mode = how.mode ?? ref.kind.mode;
    switch (how.style) {
      case 'callback':
        return this.withCallback(site(make(ref, method, mode), undefined), args[args.length - 1], owner);
      case 'releaser':
      case 'released-by-lock':
        return [site(make(ref, method, mode), this.releaserGuard(call, ref, how.style))];
      case 'wait':
        return [site(make(ref, method, mode), undefined)];
      case 'keyed-callback': {
        if (!args[0]) return undefined;
        const keyNode = unwrap(args[0]);
        const resolved = this.resolveConstant(keyNode);
        const elements = resolved.type === 'ArrayExpression' ? resolved.elements : [resolved];
        const keys = elements.map((element) => (element ? this.keyOf(element, owner) : undefined));
        // A key that is neither a constant nor a value that stays the same is possibly any lock:
        // it matches nothing.
        if (keys.some((key) => key === undefined)) return [];
        return keys.flatMap((key) => {
          const keyed: LockRef = { id: { key: `${ref.id.key}[${key!.key}]`, display: `${ref.id.display}[${key!.display}]` }, kind: ref.kind };
          return this.withCallback(site(make(keyed, method, mode), undefined), args[1], owner);
        });
      }
    }
  }

  /** A lock key: a constant string, or the identity of a value that stays the same. */
  private keyOf(node: Node, owner: Owner): { key: string; display: string } | undefined {
    const value = this.staticValue(node);
    if (value !== undefined) return { key: JSON.stringify(value), display: JSON.stringify(value) };
    const identity = this.valueIdentity(node, owner);
    return identity === undefined ? undefined : { key: identity, display: this.sourceText(node) };
  }

  private sourceText(node: Node): string {
    return calleeText({ callee: node } as TSESTree.CallExpression).replace(/\(\)$/, '');
  }

  /**
   * The identity of a value that is the same wherever it is named (for lock keys and names): a
   * string constant, the owner's parameter (`@param:0`, so callers can substitute their argument),
   * a binding never reassigned, a field path from `this` or from such a binding, and template
   * strings made of those. Anything else (a call, a reassigned variable) is unknown.
   */
  private valueIdentity(node: Node, owner: Owner, depth = 0): string | undefined {
    const value = this.staticValue(node);
    if (value !== undefined) return JSON.stringify(value);
    const expression = unwrap(node);
    if (depth > 4) return undefined;
    if (expression.type === 'ThisExpression') return '@this';
    if (expression.type === 'Identifier') {
      const param = this.ownParameterIndex(expression, owner);
      if (param !== undefined) return `@param:${param}`;
      const variable = this.variables.get(expression);
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
      if (definition.type === 'Variable' || definition.type === 'Parameter') return `@v:${this.file}#${expression.name}@${definition.name.range[0]}`;
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
  private parameterLock(node: Node, owner: Owner, method: string): LockRef | undefined {
    if (!PARAMETER_LOCK_METHODS.has(method)) return undefined;
    const index = this.ownParameterIndex(node, owner);
    if (index === undefined || this.typedKind(unwrap(node)) === null) return undefined;
    return { id: { key: `param:${index}`, display: (unwrap(node) as TSESTree.Identifier).name }, kind: PARAMETER_KIND };
  }

  /** The lock key a branch condition tests (`m` of `m.isLocked()`, `lock["k"]` of `lock.isBusy("k")`). */
  private lockKeyOfCondition(lock: Node, key: Node | undefined, owner: Owner): string | undefined {
    const ref = this.lockRefOf(lock, owner) ?? this.parameterLock(lock, owner, 'acquire');
    if (!ref || !key) return ref?.id.key;
    const keyed = this.keyOf(key, owner);
    return keyed && `${ref.id.key}[${keyed.key}]`;
  }

  /** Attaches the callback that runs under the lock: inline, or a call site for a reference. */
  private withCallback(site: AcquireSite, callback: Node | undefined, owner: Owner): Site[] {
    if (!callback) return [site];
    const fn = unwrap(callback);
    if (isFunction(fn)) {
      if (!this.handsOutSettler(fn, site.owner)) return [{ ...site, guard: { kind: 'callback', callback: fn } }];
      // The owner's promise settles once the lock is taken: whoever waits for it waits for the lock.
      return [{ ...site, guard: { kind: 'callback', callback: fn, handedOut: true }, returned: true, inFlow: true }];
    }
    const param = this.ownParameterIndex(fn, owner);
    const targets = param === undefined ? this.targetsOf(fn, undefined) : [];
    const guarded: AcquireSite = { ...site, guard: { kind: 'callback' } };
    if (targets.length === 0 && param === undefined) return [site];
    const runner: CallSite = {
      kind: 'call', node: fn, span: spanOf(this.file, fn), name: `${calleeText({ callee: fn } as TSESTree.CallExpression)}`,
      targets, argumentLocks: [], argumentKeys: [], argumentParams: [], callbacks: [], param,
      receiver: this.receiverOf(fn, []), owner, inFlow: site.inFlow, runUnder: guarded,
    };
    return [guarded, runner];
  }

  /**
   * The scope of the guard an awaited acquisition leaves: a releaser binding, a release through
   * the lock, or a `using` block. `style` is how the method holds (`releaser` hands out a release
   * function; undefined for a call of a helper that may return one).
   */
  private releaserGuard(call: TSESTree.CallExpression, ref: LockRef | undefined, style: HoldStyle | undefined = 'releaser'): GuardScope | undefined {
    if (style === 'releaser') {
      const handler = this.releaserHandler(call);
      if (handler) return handler;
    }
    const awaited = call.parent;
    if (awaited?.type !== 'AwaitExpression' && awaited?.type !== 'YieldExpression') return undefined;
    const holder = awaited.parent;
    const releaseMethods = ref ? releaseMethodsOf(ref.kind) : [];
    const releasedThroughLock = releaseMethods.length > 0;
    const receiver = call.callee.type === 'MemberExpression' ? calleeText({ callee: call.callee.object } as TSESTree.CallExpression).slice(0, -2) : undefined;
    const lockText = receiver ? `${receiver}.${releaseMethods[0] ?? 'release'}()` : 'release()';
    if (holder?.type === 'VariableDeclarator' && holder.init === awaited) {
      const declaration = holder.parent as TSESTree.VariableDeclaration;
      if (declaration.kind === 'using' || declaration.kind === 'await using') return { kind: 'disposable', statement: declaration };
      // A lock released through itself hands out no releaser (async-sema's token, await-lock's nothing).
      const binding = holder.id.type === 'ArrayPattern' ? holder.id.elements[1] : holder.id;
      if (binding?.type === 'Identifier' && style === 'releaser') {
        const releaser = this.variables.get(binding);
        return { kind: 'releaser', statement: declaration, releaser, releasedThroughLock: false, releaseText: releaseTextOf(binding.name, releaser) };
      }
      if (!ref) return undefined;
      return { kind: 'releaser', statement: declaration, releasedThroughLock, releaseMethods, releaseText: releasedThroughLock ? lockText : 'release()' };
    }
    if (holder?.type === 'AssignmentExpression' && holder.right === awaited && holder.left.type === 'Identifier' && holder.parent?.type === 'ExpressionStatement') {
      return { kind: 'releaser', statement: holder.parent, releaser: this.variables.get(holder.left), releasedThroughLock: false, releaseText: `${holder.left.name}()` };
    }
    if (holder?.type === 'ExpressionStatement' && ref) {
      return { kind: 'releaser', statement: holder, releasedThroughLock, releaseMethods, releaseText: releasedThroughLock ? lockText : 'release()' };
    }
    return undefined;
  }

  /** `acquire().then((release) => …)`: the handler's first parameter is the releaser, from its first statement on. */
  private releaserHandler(call: TSESTree.CallExpression): GuardScope | undefined {
    const member = call.parent;
    if (member?.type !== 'MemberExpression' || member.object !== call || propertyName(member) !== 'then') return undefined;
    const then = member.parent;
    const handler = then?.type === 'CallExpression' && then.callee === member && then.arguments[0] ? unwrap(then.arguments[0]) : undefined;
    const parameter = handler && isFunction(handler) ? handler.params[0] : undefined;
    if (!handler || !isFunction(handler) || parameter?.type !== 'Identifier') return undefined;
    const releaser = this.variables.get(parameter);
    return { kind: 'releaser', statement: handler.body, releaser, releasedThroughLock: false, releaseText: releaseTextOf(parameter.name, releaser), callback: handler };
  }

  /**
   * The callback of a callback-scoped acquisition returns a promise that nothing in it settles,
   * and hands that promise's settler to whoever waits for the owner's result: the Chesster
   * `lock()` (`lockDeferred.resolve(unlock); return unlock.promise;` inside `acquire(key, cb)`, then
   * `return lockDeferred.promise`). The lock is then held until the caller settles it.
   */
  private handsOutSettler(callback: FunctionNode, owner: Owner): boolean {
    if (owner.type === 'Program') return false;
    const inner = new Set(returnedExpressions(callback).flatMap((value) => this.deferredSettlers(value, 0)));
    const outer = new Set(returnedExpressions(owner).flatMap((value) => this.deferredSettlers(value, 0)));
    if (inner.size === 0 || outer.size === 0) return false;
    return this.calls.some((call) => {
      if (!contains(callback, call)) return false;
      const callee = unwrap(call.callee);
      const settlesOuter =
        (callee.type === 'Identifier' && outer.has(this.variables.get(callee)!)) ||
        (callee.type === 'MemberExpression' && propertyName(callee) === 'resolve' && unwrap(callee.object).type === 'Identifier' && outer.has(this.variables.get(unwrap(callee.object) as TSESTree.Identifier)!));
      if (!settlesOuter) return false;
      let carries = false;
      for (const argument of call.arguments) {
        visitAll(argument, (node) => {
          if (node.type === 'Identifier' && inner.has(this.variables.get(node)!)) carries = true;
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
      const resolve = executor && isFunction(executor) && executor.params[0]?.type === 'Identifier' ? this.variables.get(executor.params[0]) : undefined;
      if (!resolve) return [];
      const stored = resolve.references.flatMap((reference) => {
        const parent = reference.identifier.parent;
        const target = parent?.type === 'AssignmentExpression' && parent.right === reference.identifier && parent.left.type === 'Identifier' ? this.variables.get(parent.left) : undefined;
        return target ? [target] : [];
      });
      return [resolve, ...stored];
    }
    if (expression.type === 'Identifier') {
      const variable = this.variables.get(expression);
      const definition = variable?.defs[0];
      if (!variable || definition?.type !== 'Variable' || !isSingleAssignment(variable)) return [];
      const declarator = definition.node as TSESTree.VariableDeclarator;
      if (declarator.id.type === 'ObjectPattern' && declarator.init && isDeferredMaker(declarator.init)) {
        return ['resolve', 'reject'].flatMap((key) => {
          const property = declarator.id.type === 'ObjectPattern' ? declarator.id.properties.find((p) => p.type === 'Property' && keyName(p.key, p.computed) === key) : undefined;
          const bound = property?.type === 'Property' && property.value.type === 'Identifier' ? this.variables.get(property.value) : undefined;
          return bound ? [bound] : [];
        });
      }
      return declarator.id === definition.name && declarator.init ? this.deferredSettlers(declarator.init, depth + 1) : [];
    }
    if (expression.type === 'MemberExpression' && propertyName(expression) === 'promise' && unwrap(expression.object).type === 'Identifier') {
      const variable = this.variables.get(unwrap(expression.object) as TSESTree.Identifier);
      const definition = variable?.defs[0];
      const init = definition?.type === 'Variable' && variable && isSingleAssignment(variable) ? (definition.node as TSESTree.VariableDeclarator).init : undefined;
      return init && isDeferredMaker(init) ? [variable!] : [];
    }
    return [];
  }

  // ── Injected locks ───────────────────────────────────────────────────────────────────────

  private sharedInjection(owner: Owner, a: string, b: string): SourceSpan | undefined {
    const cls = owner.type === 'Program' ? undefined : enclosingClass(owner);
    const pathA = cls && injectionPath(a);
    const pathB = cls && injectionPath(b);
    if (!cls || !pathA || !pathB) return undefined;
    for (const construction of this.constructions) {
      if (this.classOf(construction.callee) !== cls) continue;
      const valueA = this.injectedValue(construction, cls, pathA.fields, pathA.cls, 0);
      if (valueA !== undefined && valueA === this.injectedValue(construction, cls, pathB.fields, pathB.cls, 0)) return spanOf(this.file, construction);
    }
    return undefined;
  }

  /**
   * The value a construction puts at a field path of the new object: `lock` of `new Service(lock,
   * …)` when the constructor stores its first parameter in `this.lock`, and through an argument
   * that is itself built here (`repo.lock` of `new Service(…, new Repo(lock))`).
   */
  private injectedValue(construction: TSESTree.NewExpression, cls: ClassNode, fields: readonly string[], lastClass: string, depth: number): string | undefined {
    const index = injectedParameter(cls, fields[0], (identifier) => this.variables.get(identifier));
    const argument = index === undefined ? undefined : construction.arguments[index];
    if (!argument || argument.type === 'SpreadElement' || depth > 4) return undefined;
    if (fields.length === 1) return className(cls) === lastClass ? this.valueIdentity(argument, this.ownerOf(construction)) : undefined;
    let inner = unwrap(argument);
    if (inner.type === 'Identifier') {
      const variable = this.variables.get(inner);
      const definition = variable?.defs[0];
      const init = definition?.type === 'Variable' && isSingleAssignment(variable!) ? (definition.node as TSESTree.VariableDeclarator).init : undefined;
      inner = init ? unwrap(init) : inner;
    }
    const innerClass = inner.type === 'NewExpression' ? this.classOf(inner.callee) : undefined;
    return innerClass && this.injectedValue(inner as TSESTree.NewExpression, innerClass, fields.slice(1), lastClass, depth + 1);
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
      specifier !== undefined && name !== undefined && /^\.\.?\//.test(specifier) ? { kind: 'export', module: path.resolve(path.dirname(this.file), specifier), name } : undefined;
    // What a binding holds: a module (`namespace`) or one of its exports (`name`).
    const binding = (identifier: TSESTree.Identifier): { specifier?: string; name?: string; namespace: boolean } | undefined => {
      const variable = this.variables.get(identifier);
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
    const exported = this.exported.get(name);
    if (exported) return functionOf(exported);
    for (const statement of this.input.ast.body) {
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
    if (!this.wholeExport) return undefined;
    if (name === 'default') return functionOf(this.wholeExport);
    // `module.exports = api` with `var api = (function () { … return { lock: lock }; }())`.
    return functionOf(this.memberOfObject(this.wholeExport, name, 0));
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
      const variable = this.variables.get(expression);
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
      // `declare function f()` has no body to follow.
      if (definition?.type === 'FunctionName') return definition.node.type === 'FunctionDeclaration' ? definition.node : undefined;
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
        // `const shelf = new Shelf(); shelf.add()`
        const built = init && unwrap(init).type === 'NewExpression' ? this.classOf((unwrap(init) as TSESTree.NewExpression).callee) : undefined;
        if (built) return this.methodOf(built, name, false);
      }
    }
    // `this.front.add()` where the class builds `front = new Shelf()`.
    if (object.type === 'MemberExpression' && unwrap(object.object).type === 'ThisExpression') {
      const field = propertyName(object);
      const cls = field ? enclosingClass(object) : undefined;
      const fieldClass = cls && field ? this.fieldClass(cls, field) : undefined;
      if (fieldClass) return this.methodOf(fieldClass, name, false);
    }
    return undefined;
  }

  /** The class of this file a field is built from: `front = new Shelf()`, `this.front = new Shelf()`. */
  private fieldClass(cls: ClassNode, field: string): ClassNode | undefined {
    const built = (value: Node | null | undefined): ClassNode | undefined => {
      const expression = value && unwrap(value);
      return expression?.type === 'NewExpression' ? this.classOf(expression.callee) : undefined;
    };
    for (const member of cls.body.body) {
      if (member.type === 'PropertyDefinition' && !member.static && keyName(member.key, member.computed) === field) {
        const annotated = member.typeAnnotation?.typeAnnotation;
        return built(member.value) ?? (annotated?.type === 'TSTypeReference' ? this.classOf(annotated.typeName) : undefined);
      }
      // `constructor(private readonly repo: Repo)`: the annotation names the class.
      if (member.type === 'MethodDefinition' && member.kind === 'constructor') {
        for (const param of member.value.params) {
          const inner = param.type === 'TSParameterProperty' ? (param.parameter.type === 'AssignmentPattern' ? param.parameter.left : param.parameter) : undefined;
          const annotated = inner?.type === 'Identifier' && inner.name === field ? inner.typeAnnotation?.typeAnnotation : undefined;
          if (annotated?.type === 'TSTypeReference') return this.classOf(annotated.typeName);
        }
      }
    }
    for (const assignment of this.thisAssignments) {
      if (propertyName(assignment.left as TSESTree.MemberExpression) === field && enclosingClass(assignment) === cls) {
        const found = built(assignment.right);
        if (found) return found;
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

  /** Whether a guard of `scope` (made at `holder`) is alive at `site`, in the guard's async flow. */
  private isHeldAt(scope: GuardScope | undefined, holder: AcquireSite | CallSite, site: Site): boolean {
    if (site.kind === 'call' && site.runUnder === holder) return true;
    if (!scope) return false;
    if (scope.kind === 'callback') return scope.callback !== undefined && contains(scope.callback, site.node) && this.inFlowUpTo(site.node, scope.callback);
    const statement = scope.statement;
    // A releaser handed to a callback is held in the callback's body, from its start.
    const handler = scope.kind === 'releaser' ? scope.callback : undefined;
    const region = handler ? statement : statement.parent;
    const from = handler ? statement.range[0] : statement.range[1];
    if (!region || site.node.range[0] < from || !contains(region, site.node)) return false;
    if (!this.inFlowUpTo(site.node, handler ?? enclosingFunction(statement))) return false;
    if (scope.kind === 'disposable') return true;
    const oracle = this.releaseOracle(scope, holder);
    return !oracle.dominatingReleases.some(
      (release) => release.range[0] >= from && release.range[1] <= site.node.range[0] && release.parent !== undefined && contains(release.parent, site.node),
    );
  }

  private readonly oracles = new Map<object, ReleaseOracle & { dominatingReleases: Node[]; releaseCalls: Node[] }>();

  /** How to recognise the release of one releaser-scoped guard. */
  private releaseOracle(
    scope: Extract<GuardScope, { kind: 'releaser' }>,
    holder: AcquireSite | CallSite,
  ): ReleaseOracle & { dominatingReleases: Node[]; releaseCalls: Node[] } {
    const cached = this.oracles.get(holder);
    if (cached) return cached;
    const fn = enclosingFunction(scope.statement);
    const releaseCalls: Node[] = [];
    const handovers: Node[] = [];
    if (scope.releaser) {
      for (const reference of scope.releaser.references) {
        const identifier = reference.identifier as Node;
        if (!reference.isRead()) continue;
        const parent = identifier.parent;
        // `release()`, or a method of a handle: `unlock.resolve()` of a deferred.
        const call =
          parent?.type === 'CallExpression' && parent.callee === identifier
            ? parent
            : parent?.type === 'MemberExpression' && parent.object === identifier && parent.parent?.type === 'CallExpression' && parent.parent.callee === parent
              ? parent.parent
              : undefined;
        if (call) releaseCalls.push(call);
        else handovers.push(identifier);
      }
    } else if (scope.releasedThroughLock && holder.kind === 'acquire') {
      const releaseMethods = scope.releaseMethods ?? ['release'];
      for (const call of this.calls) {
        const callee = unwrap(call.callee);
        if (callee.type !== 'MemberExpression' || !releaseMethods.includes(propertyName(callee) ?? '') || !contains(fn, call)) continue;
        if (this.lockRefOf(callee.object, holder.owner)?.id.key === holder.acquisition.lock.key) releaseCalls.push(call);
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
      releaseCalls,
    };
    this.oracles.set(holder, oracle);
    return oracle;
  }

  private releaseLeaksOf(guard: AcquireSite): ReleaseLeak[] | undefined {
    // A lock passed as an untyped parameter may be anything (a pool, a client): its caller's
    // argument decides that it is a lock, and then the leak is the caller's to see.
    if (guard.acquisition.flavor === PARAMETER_KIND.flavor) return undefined;
    return this.scopeLeaks(guard.guard, guard, guard.node);
  }

  private scopeLeaks(scope: GuardScope | undefined, holder: AcquireSite | CallSite, acquisition: Node | undefined): ReleaseLeak[] | undefined {
    if (scope?.kind !== 'releaser') return undefined;
    if (!scope.releaser && !scope.releasedThroughLock) return acquisition ? [{ kind: 'discarded', node: acquisition }] : [];
    const oracle = this.releaseOracle(scope, holder);
    // A releaser handed to someone else (`.finally(release)`, `return { release }`) is theirs to
    // call from there on: the hand-over counts as the release, and the paths before it still leak.
    const fn = scope.callback ?? enclosingFunction(scope.statement);
    const leaks = scope.callback ? findReleaseLeaksInCallback(scope.callback, oracle) : findReleaseLeaks(scope.statement, fn, oracle);
    // A releaser captured by a callback is released when the callback runs: every path through
    // that callback must call it (`send(req, (err) => { if (err) return; release(); })`).
    const callbacks = new Set<FunctionNode>();
    for (const call of oracle.releaseCalls) {
      const callback = enclosingFunction(call);
      if (callback.type !== 'Program' && callback !== fn && contains(fn, callback) && isOneShotCallback(callback)) callbacks.add(callback);
    }
    for (const callback of callbacks) leaks.push(...findReleaseLeaksInCallback(callback, oracle));
    // A handler walked as a link of a chain and again as a captured callback finds its exits twice.
    const unique = leaks.filter((leak, index) => leaks.findIndex((other) => other.node === leak.node && other.kind === leak.kind) === index);
    return unique.sort((a, b) => a.node.range[0] - b.node.range[0]);
  }
}

/** The field path from `this` of a class-field lock key (`this.repo` + `Repo.lock` → `repo.lock`), and the class that declares its last field. */
function injectionPath(key: string): { fields: string[]; cls: string } | undefined {
  const root = lockRoot(key);
  const family = /#([^#.[\]]+)\.([^#.[\]]+)$/.exec(lockFamily(key));
  if (!family || (root !== THIS_ROOT && !root?.startsWith(`${THIS_ROOT}.`))) return undefined;
  return { fields: [...root.split('.').slice(1), family[2]], cls: family[1] };
}

/** The constructor parameter a class stores in field `field`: a parameter property, or `this.field = param`. */
function injectedParameter(cls: ClassNode, field: string, variableOf: (identifier: TSESTree.Identifier) => Variable | undefined): number | undefined {
  const constructor = cls.body.body.find((member): member is TSESTree.MethodDefinition => member.type === 'MethodDefinition' && member.kind === 'constructor');
  if (!constructor) return undefined;
  const params = constructor.value.params;
  const property = params.findIndex((param) => {
    const inner = param.type === 'TSParameterProperty' ? (param.parameter.type === 'AssignmentPattern' ? param.parameter.left : param.parameter) : undefined;
    return inner?.type === 'Identifier' && inner.name === field;
  });
  if (property >= 0) return property;
  let index: number | undefined;
  visitAll(constructor.value.body ?? constructor.value, (node) => {
    if (index !== undefined || node.type !== 'AssignmentExpression' || node.left.type !== 'MemberExpression' || node.left.object.type !== 'ThisExpression') return;
    if (propertyName(node.left) !== field || node.right.type !== 'Identifier') return;
    const definition = variableOf(node.right)?.defs[0];
    if (definition?.type !== 'Parameter' || definition.node !== constructor.value) return;
    const at = params.findIndex((param) => contains(param, definition.name as Node));
    if (at >= 0) index = at;
  });
  return index;
}

/** `release()`, or `unlock.resolve()` for a handle whose method releases it (a deferred). */
function releaseTextOf(name: string, releaser: Variable | undefined): string {
  const method = releaser?.references
    .map((reference) => reference.identifier.parent)
    .find((parent): parent is TSESTree.MemberExpression => parent?.type === 'MemberExpression' && parent.parent?.type === 'CallExpression' && parent.parent.callee === parent);
  return method ? `${name}.${propertyName(method) ?? 'release'}()` : `${name}()`;
}

/** The values a function returns: its expression body, or its own `return` statements' arguments. */
function returnedExpressions(fn: FunctionNode | TSESTree.Program): Node[] {
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

// A callback registered as a listener may run many times, and only one run needs to release.
const LISTENER_REGISTRATIONS = new Set(['on', 'once', 'addListener', 'addEventListener', 'prependListener', 'subscribe', 'setInterval']);

/** A function passed to a call (or `new Promise(…)`) that runs it at most once, as far as its name says. */
function isOneShotCallback(fn: FunctionNode): boolean {
  const parent = fn.parent;
  if (parent?.type !== 'CallExpression' && parent?.type !== 'NewExpression') return false;
  if (!parent.arguments.includes(fn as TSESTree.CallExpressionArgument)) return false;
  const callee = unwrap(parent.callee);
  const name = callee.type === 'Identifier' ? callee.name : callee.type === 'MemberExpression' ? propertyName(callee) : undefined;
  return !(name && LISTENER_REGISTRATIONS.has(name));
}

/** What an untyped parameter's method would do on the usual lock libraries. */
function parameterLockMethod(method: string, argumentCount: number): AcquireMethod | undefined {
  switch (method) {
    case 'runExclusive':
    case 'use':
    case 'execute':
      return { style: 'callback' };
    case 'acquire':
      return argumentCount >= 2 ? { style: 'keyed-callback' } : argumentCount === 0 ? { style: 'releaser' } : undefined;
    case 'acquireAsync':
      return { style: 'released-by-lock' };
    case 'readLock':
      return { style: 'releaser', mode: 'shared' };
    case 'writeLock':
      return { style: 'releaser', mode: 'exclusive' };
    default:
      return undefined;
  }
}

/**
 * A lock-shaped class is taken for a lock only when its name says so (`KeyedMutex`, `AsyncLock`,
 * `Semaphore`): a `TaskQueue` or a connection `Pool` has the same methods and is not one.
 */
function isLockName(name: string | undefined): boolean {
  const words = (name ?? '').split(/(?<=[a-z0-9])(?=[A-Z])|[_\W]+/).map((word) => word.toLowerCase());
  return words.some((word) => ['mutex', 'lock', 'semaphore', 'sema', 'rwlock'].includes(word));
}

/** A class of this file whose methods make it a lock (see `homeMadeLockKind`). */
function homeMadeKindOfClass(cls: ClassNode): LockKind | undefined {
  if (!isLockName(cls.id?.name)) return undefined;
  const names = new Set<string>();
  let acquireReturnsFunction = false;
  for (const member of cls.body.body) {
    if (member.type !== 'MethodDefinition' || member.kind !== 'method') continue;
    const name = keyName(member.key, member.computed);
    if (!name) continue;
    names.add(name);
    if (name === 'acquire' && member.value.type === 'FunctionExpression') acquireReturnsFunction = handsOutFunction(member.value);
  }
  return homeMadeLockKind(names, acquireReturnsFunction);
}

/** `acquire()` resolves to a function: it returns one, or resolves its promise with one. */
function handsOutFunction(fn: FunctionNode): boolean {
  const returnType = fn.returnType?.typeAnnotation;
  if (returnType?.type === 'TSTypeReference' && returnType.typeArguments?.params[0]?.type === 'TSFunctionType') return true;
  let found = false;
  visitAll(fn.body ?? fn, (node) => {
    if (found) return;
    if (node.type === 'ReturnStatement' && node.argument && isFunction(unwrap(node.argument))) found = true;
    if (node.type === 'CallExpression' && node.arguments.length === 1 && isFunction(unwrap(node.arguments[0])) && unwrap(node.callee).type === 'Identifier' && /resolve/i.test((unwrap(node.callee) as TSESTree.Identifier).name)) found = true;
  });
  return found;
}

/** The same, for a class the type checker finds in another file of the program. */
function homeMadeKindOfTsClass(declaration: ts.Declaration): LockKind | undefined {
  if (!ts.isClassDeclaration(declaration) || declaration.getSourceFile().isDeclarationFile || !isLockName(declaration.name?.text)) return undefined;
  const names = new Set<string>();
  let acquireReturnsFunction = false;
  for (const member of declaration.members) {
    if (!ts.isMethodDeclaration(member) || !member.name || !ts.isIdentifier(member.name)) continue;
    names.add(member.name.text);
    if (member.name.text === 'acquire') {
      const text = member.getText();
      acquireReturnsFunction = /Promise<\s*\(\)\s*=>/.test(text) || /resolve\w*\(\s*(\(\)|function)/.test(text) || /return\s*\(\)\s*=>/.test(text);
    }
  }
  return homeMadeLockKind(names, acquireReturnsFunction);
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
