// Where a releaser-scoped guard is alive and where it is not released: the releaser a call
// leaves (a binding, a `.then` handler's parameter, a release through the lock, a `using`
// block), what counts as its release (a call, a handle's method, a hand-over), the sites it is
// held at, and the exits that leave it held (through releasePaths.ts).
import type { TSESTree } from '@typescript-eslint/utils';
import type { AcquireSite, CallSite, GuardScope, LockRef, Site, Variable } from './facts.js';
import type { FileIndex } from './fileIndex.js';
import type { LockIdentities } from './lockIdentity.js';
import { PARAMETER_KIND, releaseMethodsOf, type HoldStyle } from './lockApis.js';
import { findReleaseLeaks, findReleaseLeaksInCallback, type ReleaseLeak, type ReleaseOracle } from './releasePaths.js';
import { calleeText, contains, enclosingFunction, isFunction, propertyName, unwrap, type FunctionNode, type Node } from './syntax.js';

export class ReleaserGuards {
  constructor(
    private readonly index: FileIndex,
    private readonly identities: LockIdentities,
  ) {}

  /**
   * The scope of the guard an awaited acquisition leaves: a releaser binding, a release through
   * the lock, or a `using` block. `style` is how the method holds (`releaser` hands out a release
   * function; undefined for a call of a helper that may return one).
   */
  releaserGuard(call: TSESTree.CallExpression, ref: LockRef | undefined, style: HoldStyle | undefined = 'releaser'): GuardScope | undefined {
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
        const releaser = this.index.variables.get(binding);
        return { kind: 'releaser', statement: declaration, releaser, releasedThroughLock: false, releaseText: releaseTextOf(binding.name, releaser) };
      }
      if (!ref) return undefined;
      return { kind: 'releaser', statement: declaration, releasedThroughLock, releaseMethods, releaseText: releasedThroughLock ? lockText : 'release()' };
    }
    if (holder?.type === 'AssignmentExpression' && holder.right === awaited && holder.left.type === 'Identifier' && holder.parent?.type === 'ExpressionStatement') {
      return { kind: 'releaser', statement: holder.parent, releaser: this.index.variables.get(holder.left), releasedThroughLock: false, releaseText: `${holder.left.name}()` };
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
    const releaser = this.index.variables.get(parameter);
    return { kind: 'releaser', statement: handler.body, releaser, releasedThroughLock: false, releaseText: releaseTextOf(parameter.name, releaser), callback: handler };
  }

  /** Whether a guard of `scope` (made at `holder`) is alive at `site`, in the guard's async flow. */
  isHeldAt(scope: GuardScope | undefined, holder: AcquireSite | CallSite, site: Site): boolean {
    if (site.kind === 'call' && site.runUnder === holder) return true;
    if (!scope) return false;
    if (scope.kind === 'callback') return scope.callback !== undefined && contains(scope.callback, site.node) && this.index.flow.inFlowUpTo(site.node, scope.callback);
    const statement = scope.statement;
    // A releaser handed to a callback is held in the callback's body, from its start.
    const handler = scope.kind === 'releaser' ? scope.callback : undefined;
    const region = handler ? statement : statement.parent;
    const from = handler ? statement.range[0] : statement.range[1];
    if (!region || site.node.range[0] < from || !contains(region, site.node)) return false;
    if (!this.index.flow.inFlowUpTo(site.node, handler ?? enclosingFunction(statement))) return false;
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
      for (const call of this.index.calls) {
        const callee = unwrap(call.callee);
        if (callee.type !== 'MemberExpression' || !releaseMethods.includes(propertyName(callee) ?? '') || !contains(fn, call)) continue;
        if (this.identities.lockRefOf(callee.object, holder.owner)?.id.key === holder.acquisition.lock.key) releaseCalls.push(call);
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

  releaseLeaksOf(guard: AcquireSite): ReleaseLeak[] | undefined {
    // A lock passed as an untyped parameter may be anything (a pool, a client): its caller's
    // argument decides that it is a lock, and then the leak is the caller's to see.
    if (guard.acquisition.flavor === PARAMETER_KIND.flavor) return undefined;
    return this.scopeLeaks(guard.guard, guard, guard.node);
  }

  scopeLeaks(scope: GuardScope | undefined, holder: AcquireSite | CallSite, acquisition: Node | undefined): ReleaseLeak[] | undefined {
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

/** `release()`, or `unlock.resolve()` for a handle whose method releases it (a deferred). */
function releaseTextOf(name: string, releaser: Variable | undefined): string {
  const method = releaser?.references
    .map((reference) => reference.identifier.parent)
    .find((parent): parent is TSESTree.MemberExpression => parent?.type === 'MemberExpression' && parent.parent?.type === 'CallExpression' && parent.parent.callee === parent);
  return method ? `${name}.${propertyName(method) ?? 'release'}()` : `${name}()`;
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
