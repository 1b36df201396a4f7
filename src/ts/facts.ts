// The facts the TS/JS front end computes once per file and every rule and summary reads: the
// lock sites of each function (acquisitions and calls), the guards they create and where each is
// alive, and where a releaser is not reached. The types only; `fileFacts.ts` builds them.
import type ts from 'typescript';
import type { ParserServicesWithTypeInformation, TSESLint, TSESTree } from '@typescript-eslint/utils';
import type { Acquisition, LockId, SourceSpan, WitnessStep } from '../core/model.js';
import type { ExtraTsLockApis, LockKind } from './lockApis.js';
import type { ValueCondition } from './branchConditions.js';
import type { ReleaseLeak } from './releasePaths.js';
import type { FunctionNode, Node } from './syntax.js';

export type Variable = TSESLint.Scope.Variable;
export type ClassNode = TSESTree.ClassDeclaration | TSESTree.ClassExpression;

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
