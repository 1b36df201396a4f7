// Builds the facts of one TS/JS file (facts.ts): for each function, its lock sites — which calls
// acquire which lock in which mode, which call other functions and with what — the guards they
// create and where each is alive, and the releasers some exit leaves held. The parts it asks:
// fileIndex.ts (bindings), asyncFlow.ts (flows), lockIdentity.ts (which lock), callTargets.ts
// (which function), releaserGuards.ts and deferredLocks.ts (releasers), injectedLocks.ts.
import type { TSESTree } from '@typescript-eslint/utils';
import type { Acquisition, LockId } from '../core/model.js';
import { WEB_LOCKS_KIND, acquireMethodOf, isAcquireMethodName, timedFlavor, type AcquireMethod } from './lockApis.js';
import { freeLocksAt, parameterConditionsAt } from './branchConditions.js';
import type { ReleaseLeak } from './releasePaths.js';
import type { AcquireSite, CallbackArgument, CallSite, FileFacts, FileInput, FunctionFacts, GuardScope, LockRef, Owner, Site } from './facts.js';
import { FileIndex } from './fileIndex.js';
import { CallTargets, functionOfDeclarationNode } from './callTargets.js';
import { LockIdentities } from './lockIdentity.js';
import { ReleaserGuards } from './releaserGuards.js';
import { DeferredLocks } from './deferredLocks.js';
import { InjectedLocks } from './injectedLocks.js';
import { calleeText, contains, enclosingFunction, functionName, isFunction, keyName, propertyName, spanOf, unwrap, type Node } from './syntax.js';

// The fact types and lock keys were declared here before they had modules of their own: the
// lazily loaded lock keys of the rules (rules/utils/lockAnalysis.ts) and work in flight elsewhere
// (the Semgrep project pack) import them from here.
export type { AcquireSite, CallbackArgument, CallSite, CallTarget, FileFacts, FileInput, FunctionFacts, GuardScope, LockRef, Owner, Site } from './facts.js';
export { ROOT_SEPARATOR, isThisRooted, lockFamily, lockRoot, rerootKey } from './lockKeys.js';

export function buildFileFacts(input: FileInput): FileFacts {
  return new FileFactsBuilder(input).build();
}

class FileFactsBuilder {
  private readonly index: FileIndex;
  private readonly targets: CallTargets;
  private readonly identities: LockIdentities;
  private readonly releasers: ReleaserGuards;
  private readonly deferreds: DeferredLocks;
  private readonly injections: InjectedLocks;

  constructor(input: FileInput) {
    this.index = new FileIndex(input);
    this.targets = new CallTargets(this.index);
    this.identities = new LockIdentities(this.index, this.targets);
    this.releasers = new ReleaserGuards(this.index, this.identities);
    this.deferreds = new DeferredLocks(this.index);
    this.injections = new InjectedLocks(this.index, this.identities);
  }

  build(): FileFacts {
    const sitesByOwner = new Map<Owner, Site[]>(this.index.owners.map((owner) => [owner, []]));
    for (const call of this.index.calls) {
      const owner = this.index.flow.ownerOf(call);
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
        const held = guards.filter((guard) => guard !== site && this.releasers.isHeldAt(guard.guard, guard, site));
        if (held.length > 0) guardsAt.set(site, held);
        const byCalls: { call: CallSite; index?: number }[] = [];
        for (const call of holdingCalls) {
          if (call === site) continue;
          for (const callback of call.callbacks) {
            if (contains(callback.fn, site.node) && this.index.flow.inFlowUpTo(site.node, callback.fn)) byCalls.push({ call, index: callback.index });
          }
          if (call.resultScope && this.releasers.isHeldAt(call.resultScope, call, site)) byCalls.push({ call });
        }
        if (byCalls.length > 0) callGuardsAt.set(site, byCalls);
      }
      functions.set(owner, {
        key: `${this.index.file}:${owner.range[0]}`,
        file: this.index.file,
        node: owner,
        name: functionName(owner),
        sites,
        guards,
        guardsAt,
        callGuardsAt,
      });
      for (const guard of guards) {
        const leaks = this.releasers.releaseLeaksOf(guard);
        if (leaks) releaseLeaks.set(guard, leaks);
      }
    }
    const typed = this.index.typed;
    return {
      file: this.index.file,
      functions,
      releaseLeaks,
      functionOfDeclaration(declaration) {
        const mapped = typed?.tsNodeToESTreeNodeMap.get(declaration as never) as Node | undefined;
        const fn = mapped && functionOfDeclarationNode(mapped);
        return fn ? functions.get(fn) : undefined;
      },
      releaseLeaksOfResult: (call) => (call.resultScope ? (this.releasers.scopeLeaks(call.resultScope, call, undefined) ?? []) : []),
      sharedInjection: (owner, a, b) => this.injections.sharedInjection(owner, a, b),
      exportedFunction: (name) => {
        const fn = this.targets.exportedFunctionNode(name);
        return fn ? functions.get(fn) : undefined;
      },
    };
  }

  private sitesOfCall(call: TSESTree.CallExpression, owner: Owner): Site[] {
    const freeLocks = freeLocksAt(call, owner, (lock, key) => this.identities.lockKeyOfCondition(lock, key, owner));
    const acquisitions = this.acquisitionsOf(call, owner, freeLocks);
    if (acquisitions) return acquisitions;
    const param = this.index.ownParameterIndex(call.callee, owner);
    const targets = param === undefined ? this.targets.targetsOf(call.callee, call) : [];
    if (targets.length === 0 && param === undefined) return [];
    // `f.call(thisArg, a, b)` passes `a` as `f`'s first parameter.
    const callee = unwrap(call.callee);
    const args = callee.type === 'MemberExpression' && propertyName(callee) === 'call' ? call.arguments.slice(1) : call.arguments;
    const callbacks: CallbackArgument[] = [];
    args.forEach((argument, index) => {
      const fn = unwrap(argument);
      if (isFunction(fn) && this.index.flow.isInline(fn)) callbacks.push({ index, fn });
    });
    const site: CallSite = {
        kind: 'call',
        node: call,
        span: spanOf(this.index.file, call),
        name: calleeText(call),
        targets,
        argumentLocks: args.map((argument) => this.identities.lockRefOf(argument, owner)),
        argumentKeys: args.map((argument) => this.identities.valueIdentity(argument, owner)),
        argumentParams: args.map((argument) => this.index.ownParameterIndex(argument, owner)),
        callbacks,
        param,
        resultScope: this.releasers.releaserGuard(call, undefined, 'releaser'),
        returned: this.isReturned(call, owner),
        freeLocks,
        requires: parameterConditionsAt(call, owner, (expression) => this.identities.valueIdentity(expression, owner)),
        ...this.argumentTruths(args),
        receiver: this.targets.receiverOf(call.callee, call.arguments),
        owner,
        inFlow: this.index.flow.inFlowUpTo(call, owner),
    };
    const runners: CallSite[] = [];
    args.forEach((argument, index) => {
      const reference = unwrap(argument);
      if (targets.length === 0 || isFunction(reference) || reference.type === 'SpreadElement' || this.index.ownParameterIndex(reference, owner) !== undefined) return;
      if (reference.type !== 'Identifier' && reference.type !== 'MemberExpression' && reference.type !== 'CallExpression') return;
      const referenced = this.targets.targetsOf(reference, undefined);
      if (referenced.length === 0) return;
      runners.push({
        kind: 'call', node: reference, span: spanOf(this.index.file, reference), name: this.index.sourceText(reference), targets: referenced,
        argumentLocks: [], argumentKeys: [], argumentParams: [], callbacks: [],
        receiver: this.targets.receiverOf(reference, []), owner, inFlow: site.inFlow, runBy: { call: site, index },
      });
    });
    return [site, ...runners];
  }

  /** What a call's arguments say about the truth of its callee's parameters and their properties. */
  private argumentTruths(args: readonly TSESTree.CallExpressionArgument[]): { argumentTruths: Map<string, boolean>; closedArguments: Set<string> } {
    const truths = new Map<string, boolean>();
    const closed = new Set<string>();
    const describe = (path: string, node: Node, depth: number): void => {
      const value = this.index.resolveConstant(node);
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
    const variable = this.index.variables.get(holder.id);
    return (variable?.references ?? []).some((reference) => {
      for (let node: Node | undefined = reference.identifier as Node; node && node !== owner; node = node.parent) {
        if (node.type === 'ReturnStatement') return enclosingFunction(node) === owner;
      }
      return false;
    });
  }

  private acquisitionsOf(call: TSESTree.CallExpression, owner: Owner, freeLocks: ReadonlySet<string> | undefined): Site[] | undefined {
    const callee = unwrap(call.callee);
    if (callee.type === 'MemberExpression') {
      // A method no lock is acquired with takes none, whatever its receiver: leave the receiver unresolved.
      const method = propertyName(callee);
      if (method === undefined || (method !== 'request' && !isAcquireMethodName(method, this.index.input.extra))) return undefined;
    }
    const args = call.arguments;
    const span = spanOf(this.index.file, { start: call.loc.start, end: callee.loc.end });
    const requires = parameterConditionsAt(call, owner, (expression) => this.identities.valueIdentity(expression, owner));
    const make = (ref: LockRef, api: string, mode = ref.kind.mode, blocking = ref.kind.blocking): Acquisition => ({
      lock: ref.id, mode, flavor: ref.kind.flavor, api, span, blocking, confidence: ref.kind.lowConfidence ? 'low' : 'high',
      ...(freeLocks?.has(ref.id.key) ? { whenFree: true } : {}),
      ...(requires ? { requires } : {}),
    });
    const site = (acquisition: Acquisition, guard: GuardScope | undefined): AcquireSite => ({
      kind: 'acquire', node: call, span, acquisition, guard, owner, inFlow: this.index.flow.inFlowUpTo(call, owner), returned: this.isReturned(call, owner), freeLocks,
    });
    if (callee.type !== 'MemberExpression') {
      const ref = this.identities.lockRefOf(callee, owner);
      if (ref?.kind.cls !== 'mutexify') return undefined;
      return [site(make(ref, `${ref.id.display}()`), this.releasers.releaserGuard(call, ref))];
    }
    const method = propertyName(callee);
    if (!method) return undefined;
    if (method === 'request' && this.identities.isLockManager(callee.object)) {
      const name = args[0] ? this.index.staticValue(args[0]) : undefined;
      const identity = name === undefined && args[0] ? this.identities.valueIdentity(args[0], owner) : undefined;
      // A name known neither as a string nor as a value that stays the same is possibly any lock.
      if (name === undefined && identity === undefined) return [];
      const options = args.length >= 3 ? this.index.resolveConstant(args[1]) : undefined;
      const option = (key: string): unknown => {
        if (options?.type !== 'ObjectExpression') return undefined;
        for (const property of options.properties) {
          if (property.type !== 'Property' || keyName(property.key, property.computed) !== key) continue;
          const value = this.index.resolveConstant(property.value as Node);
          return value.type === 'Literal' ? value.value : value;
        }
        return undefined;
      };
      // An AbortSignal (`signal: AbortSignal.timeout(…)`) ends the wait with an AbortError.
      const kind = option('signal') !== undefined ? { ...WEB_LOCKS_KIND, flavor: timedFlavor(WEB_LOCKS_KIND.flavor) } : WEB_LOCKS_KIND;
      const id: LockId =
        name !== undefined
          ? { key: `weblock:${name}`, display: `Web Lock "${name}"` }
          : { key: `weblock:${identity}`, display: `Web Lock ${this.index.sourceText(args[0])}` };
      const ref: LockRef = { id, kind };
      const blocking = option('ifAvailable') !== true && option('steal') !== true;
      const acquisition = make(ref, 'locks.request', option('mode') === 'shared' ? 'shared' : 'exclusive', blocking);
      return this.withCallback(site(acquisition, undefined), args[args.length - 1], owner);
    }
    const ref = this.identities.lockRefOf(callee.object, owner) ?? this.identities.parameterLock(callee.object, owner, method);
    if (!ref) return undefined;
    const how = ref.kind.cls === 'parameter' ? parameterLockMethod(method, args.length) : acquireMethodOf(ref.kind, method);
    if (!how) return undefined;
    const mode = how.mode ?? ref.kind.mode;
    switch (how.style) {
      case 'callback':
        return this.withCallback(site(make(ref, method, mode), undefined), args[args.length - 1], owner);
      case 'releaser':
      case 'released-by-lock':
        return [site(make(ref, method, mode), this.releasers.releaserGuard(call, ref, how.style))];
      case 'wait':
        return [site(make(ref, method, mode), undefined)];
      case 'keyed-callback': {
        if (!args[0]) return undefined;
        const keyNode = unwrap(args[0]);
        const resolved = this.index.resolveConstant(keyNode);
        const elements = resolved.type === 'ArrayExpression' ? resolved.elements : [resolved];
        const keys = elements.map((element) => (element ? this.identities.keyOf(element, owner) : undefined));
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

  /** Attaches the callback that runs under the lock: inline, or a call site for a reference. */
  private withCallback(site: AcquireSite, callback: Node | undefined, owner: Owner): Site[] {
    if (!callback) return [site];
    const fn = unwrap(callback);
    if (isFunction(fn)) {
      if (!this.deferreds.handsOutSettler(fn, site.owner)) return [{ ...site, guard: { kind: 'callback', callback: fn } }];
      // The owner's promise settles once the lock is taken: whoever waits for it waits for the lock.
      return [{ ...site, guard: { kind: 'callback', callback: fn, handedOut: true }, returned: true, inFlow: true }];
    }
    const param = this.index.ownParameterIndex(fn, owner);
    const targets = param === undefined ? this.targets.targetsOf(fn, undefined) : [];
    const guarded: AcquireSite = { ...site, guard: { kind: 'callback' } };
    if (targets.length === 0 && param === undefined) return [site];
    const runner: CallSite = {
      kind: 'call', node: fn, span: spanOf(this.index.file, fn), name: `${calleeText({ callee: fn } as TSESTree.CallExpression)}`,
      targets, argumentLocks: [], argumentKeys: [], argumentParams: [], callbacks: [], param,
      receiver: this.targets.receiverOf(fn, []), owner, inFlow: site.inFlow, runUnder: guarded,
    };
    return [guarded, runner];
  }
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
