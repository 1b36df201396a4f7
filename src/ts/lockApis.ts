// The TS/JS lock catalogue: which libraries make locks, how each one is acquired and released,
// and how two acquisitions of one lock interact (`LockFlavor`, read by `conflicts()`).
import type { TSESTree } from '@typescript-eslint/utils';
import type { TsExtraLockApis } from '../core/config.js';
import type { AccessMode, LockFlavor } from '../core/model.js';
import { propertyName, unwrap, type Node } from './syntax.js';

export type LockClass =
  | 'mutex' | 'semaphore' | 'async-lock' | 'await-lock' | 'mortice' | 'mutexify' | 'web-locks'
  | 'await-semaphore' | 'async-sema' | 'semaphore-async-await'
  /** A class of the analysed code shaped like a lock (`lock()`/`unlock()`, `acquire()` → release). */
  | 'home-made'
  /** Declared in `lockscope.config.json` `extraLockApis.ts`. */
  | 'configured'
  /** An untyped parameter used as a lock: its kind comes from the caller's argument. */
  | 'parameter';

/**
 * How a method of a lock holds it. `releaser`: resolves to a release function (or a
 * `[value, release]` tuple). `released-by-lock`: held until a release method of the lock itself is
 * called (`lock.release()`). `callback`: runs its last function argument under the lock.
 * `keyed-callback`: async-lock's `acquire(key, cb)`. `wait`: waits for the lock, holds nothing.
 */
export type HoldStyle = 'releaser' | 'released-by-lock' | 'callback' | 'keyed-callback' | 'wait';

export interface AcquireMethod {
  readonly style: HoldStyle;
  /** The mode when it differs from the lock's plain mode (mortice `readLock`). */
  readonly mode?: AccessMode;
}

/** What is known about a lock value before it is acquired. */
export interface LockKind {
  readonly cls: LockClass;
  readonly flavor: LockFlavor;
  /** The mode of its plain acquisition: a `Semaphore(1)` is a mutex; more permits are shared. */
  readonly mode: AccessMode;
  /** `tryAcquire(m)` throws instead of waiting, so it never completes a deadlock. */
  readonly blocking: boolean;
  /** Library-specific acquisition methods; the built-in classes' methods are in `METHODS`. */
  readonly methods?: Readonly<Record<string, AcquireMethod>>;
  /** Methods of the lock that release what `released-by-lock` acquisitions hold. */
  readonly releaseMethods?: readonly string[];
  /** Recognised by shape or by configuration rather than by a known library: findings are warnings. */
  readonly lowConfidence?: boolean;
}

const RELEASER: AcquireMethod = { style: 'releaser' };
const BY_LOCK: AcquireMethod = { style: 'released-by-lock' };
const CALLBACK: AcquireMethod = { style: 'callback' };

/** The acquisition methods of each library, as the libraries' own sources define them. */
const METHODS: Readonly<Partial<Record<LockClass, Readonly<Record<string, AcquireMethod>>>>> = {
  // async-mutex: `acquire()` resolves to a releaser (a `[value, release]` tuple for a Semaphore);
  // `mutex.release()` releases too.
  mutex: { runExclusive: CALLBACK, acquire: RELEASER, waitForUnlock: { style: 'wait' } },
  semaphore: { runExclusive: CALLBACK, acquire: RELEASER, waitForUnlock: { style: 'wait' } },
  'async-lock': { acquire: { style: 'keyed-callback' } },
  'await-lock': { acquireAsync: BY_LOCK },
  mortice: { readLock: { style: 'releaser', mode: 'shared' }, writeLock: { style: 'releaser', mode: 'exclusive' } },
  // await-semaphore 0.1: `acquire()` resolves to a release function; `use(f)` runs `f` between them.
  'await-semaphore': { acquire: RELEASER, use: CALLBACK },
  // async-sema 3: `acquire()` resolves to a token; `sema.release()` gives it back.
  'async-sema': { acquire: BY_LOCK },
  // semaphore-async-await 1.5: `acquire()`/`wait()` and `release()`/`signal()`; `execute(f)`.
  // (`waitFor(ms)` resolves `false` when the time is up: it never hangs.)
  'semaphore-async-await': { acquire: BY_LOCK, wait: BY_LOCK, execute: CALLBACK },
};

const RELEASE_METHODS: Readonly<Partial<Record<LockClass, readonly string[]>>> = {
  mutex: ['release'],
  semaphore: ['release'],
  'await-lock': ['release'],
  'async-sema': ['release'],
  'semaphore-async-await': ['release', 'signal'],
};

/** How `method` of a lock of `kind` holds it, if it is an acquisition. */
export function acquireMethodOf(kind: LockKind, method: string): AcquireMethod | undefined {
  const table = kind.methods ?? METHODS[kind.cls];
  return table && Object.hasOwn(table, method) ? table[method] : undefined;
}

/** The lock's own methods that release it (`m.release()`, `lock.unlock()`). */
export function releaseMethodsOf(kind: LockKind): readonly string[] {
  return kind.releaseMethods ?? RELEASE_METHODS[kind.cls] ?? [];
}

/** Methods any lock-like value is acquired with: what an untyped parameter lock may be asked for. */
export const PARAMETER_LOCK_METHODS: ReadonlySet<string> = new Set(['runExclusive', 'acquire', 'acquireAsync', 'readLock', 'writeLock', 'use', 'execute']);

/** The methods `homeMadeLockKind` may give a lock-shaped class. */
const HOME_MADE_METHODS = ['lock', 'acquire', 'runExclusive'] as const;

const BUILT_IN_ACQUIRE_METHODS: ReadonlySet<string> = new Set([
  ...Object.values(METHODS).flatMap((table) => Object.keys(table ?? {})),
  ...PARAMETER_LOCK_METHODS,
  ...HOME_MADE_METHODS,
]);
const configuredAcquireMethods = new WeakMap<ExtraTsLockApis, ReadonlySet<string>>();

/**
 * Some lock kind acquires with `method`: a library's, a lock-shaped class's, an untyped
 * parameter's or a configured one's. A call of any other method takes no lock whatever its
 * receiver is, so the receiver need not be resolved (in typed code, a type-checker query).
 */
export function isAcquireMethodName(method: string, extra?: ExtraTsLockApis): boolean {
  if (BUILT_IN_ACQUIRE_METHODS.has(method)) return true;
  if (!extra) return false;
  let configured = configuredAcquireMethods.get(extra);
  if (!configured) {
    configured = new Set(
      Object.values(extra).flatMap((exports) => Object.values(exports).flatMap((methods) => Object.entries(methods).filter(([, spec]) => spec.split(':')[0] !== 'release').map(([name]) => name))),
    );
    configuredAcquireMethods.set(extra, configured);
  }
  return configured.has(method);
}

// Every library here queues waiters first-in first-out (Web Locks and mortice let a queued writer
// block later readers), so a second shared acquisition can wait behind a queued exclusive one.
function asyncFlavor(name: string, reentrant = false): LockFlavor {
  return { name, outcome: 'deadlock', fair: true, blocksThread: false, reentrant };
}

const DOMAINLESS_NAME = 'async-lock (domainReentrant, outside any domain)';
const TIMED_SUFFIX = ' (with a timeout)';

/** A `domainReentrant` async-lock in a file that never creates a `node:domain`. */
export function isDomainless(flavor: LockFlavor): boolean {
  return flavor.name === DOMAINLESS_NAME;
}

/** A lock with a wait limit (async-mutex `withTimeout`, async-lock `{ timeout }`): a waiter rejects instead of hanging. */
export function isTimed(flavor: LockFlavor): boolean {
  return flavor.name.endsWith(TIMED_SUFFIX);
}

export function timedFlavor(flavor: LockFlavor): LockFlavor {
  return isTimed(flavor) ? flavor : { ...flavor, name: flavor.name + TIMED_SUFFIX };
}

export const FLAVORS = {
  mutex: asyncFlavor('async-mutex Mutex'),
  semaphore: asyncFlavor('async-mutex Semaphore'),
  asyncLock: asyncFlavor('async-lock'),
  asyncLockReentrant: asyncFlavor('async-lock (domainReentrant)', true),
  // `domainReentrant` re-enters only inside the holder's `node:domain` (`process.domain`); with
  // no domain it queues like a plain async-lock (verified: a nested acquire never resolves).
  asyncLockDomainless: asyncFlavor(DOMAINLESS_NAME),
  awaitLock: asyncFlavor('await-lock'),
  mortice: asyncFlavor('mortice'),
  mutexify: asyncFlavor('mutexify/promise'),
  webLocks: asyncFlavor('Web Locks'),
  awaitSemaphore: asyncFlavor('await-semaphore'),
  asyncSema: asyncFlavor('async-sema Sema'),
  semaphoreAsyncAwait: asyncFlavor('semaphore-async-await'),
  homeMade: asyncFlavor('a lock class of this code (recognised by its methods)'),
  parameter: asyncFlavor('a lock passed as a parameter'),
} as const;

/** A parameter used as a lock before its caller says what it is (see `lockKindOfArgument`). */
export const PARAMETER_KIND: LockKind = { cls: 'parameter', flavor: FLAVORS.parameter, mode: 'exclusive', blocking: true };

export const WEB_LOCKS_KIND: LockKind = { cls: 'web-locks', flavor: FLAVORS.webLocks, mode: 'exclusive', blocking: true };

/** Where a local name comes from: `import { Mutex } from 'async-mutex'`, `require('async-lock')`. */
export interface ImportedName {
  readonly module: string;
  /** `default`, `*` (a namespace or a CommonJS module object), or the export name. */
  readonly name: string;
}

const LOCK_MODULES = new Set([
  'async-mutex', 'async-lock', 'await-lock', 'mortice', 'mutexify/promise', 'mutexify/promise.js',
  'await-semaphore', 'async-sema', 'semaphore-async-await',
]);

/** Module names that make locks: the built-in libraries and those declared in the configuration. */
export function isLockModule(module: string, extra?: ExtraTsLockApis): boolean {
  return LOCK_MODULES.has(module) || (extra !== undefined && Object.hasOwn(extra, module));
}

/** `extraLockApis.ts` of `lockscope.config.json`: module → export → method → how it holds. */
export type ExtraTsLockApis = TsExtraLockApis;

/** The lock kind a configured export makes, or undefined when the configuration does not name it. */
export function configuredKind(extra: ExtraTsLockApis | undefined, module: string, name: string): LockKind | undefined {
  const declared = extra && Object.hasOwn(extra, module) ? extra[module] : undefined;
  const methods = declared && Object.hasOwn(declared, name) ? declared[name] : undefined;
  if (!methods) return undefined;
  const table: Record<string, AcquireMethod> = {};
  const releases: string[] = [];
  for (const [method, spec] of Object.entries(methods)) {
    const [style, mode] = spec.split(':');
    if (style === 'release') releases.push(method);
    else table[method] = { style: style as HoldStyle, mode: mode === 'shared' ? 'shared' : undefined };
  }
  return { cls: 'configured', flavor: asyncFlavor(`${module} ${name}`), mode: 'exclusive', blocking: true, methods: table, releaseMethods: releases, lowConfidence: false };
}

/** Collects the imports of lock libraries in one file, ES modules and CommonJS alike. */
export function collectLockImports(program: TSESTree.Program, visitAll: (visit: (node: Node) => void) => void, extra?: ExtraTsLockApis): Map<string, ImportedName> {
  const imports = new Map<string, ImportedName>();
  for (const statement of program.body) {
    if (statement.type !== 'ImportDeclaration' || !isLockModule(statement.source.value, extra)) continue;
    for (const specifier of statement.specifiers) {
      const module = statement.source.value;
      if (specifier.type === 'ImportDefaultSpecifier') imports.set(specifier.local.name, { module, name: 'default' });
      else if (specifier.type === 'ImportNamespaceSpecifier') imports.set(specifier.local.name, { module, name: '*' });
      else {
        const imported = specifier.imported.type === 'Identifier' ? specifier.imported.name : String(specifier.imported.value);
        imports.set(specifier.local.name, { module, name: imported });
      }
    }
  }
  visitAll((node) => {
    if (node.type !== 'VariableDeclarator' || !node.init) return;
    const required = requiredModule(node.init, extra);
    if (!required) return;
    if (node.id.type === 'Identifier') imports.set(node.id.name, { module: required.module, name: required.name });
    else if (node.id.type === 'ObjectPattern' && required.name === '*') {
      for (const property of node.id.properties) {
        if (property.type !== 'Property' || property.value.type !== 'Identifier' || property.key.type !== 'Identifier') continue;
        imports.set(property.value.name, { module: required.module, name: property.key.name });
      }
    }
  });
  return imports;
}

/** `require('m')`, `require('m').X`, and the interop wrappers compilers put around them. */
function requiredModule(init: Node, extra: ExtraTsLockApis | undefined): ImportedName | undefined {
  const expression = unwrap(init);
  if (expression.type === 'MemberExpression') {
    const inner = requiredModule(expression.object, extra);
    const name = propertyName(expression);
    return inner && inner.name === '*' && name ? { module: inner.module, name } : undefined;
  }
  if (expression.type !== 'CallExpression') return undefined;
  const callee = unwrap(expression.callee);
  if (callee.type === 'Identifier' && callee.name === 'require') {
    const argument = expression.arguments[0];
    if (argument?.type === 'Literal' && typeof argument.value === 'string' && isLockModule(argument.value, extra)) {
      return { module: argument.value, name: '*' };
    }
    return undefined;
  }
  // `__importDefault(require('m'))`, `tslib.__importStar(…)`, Babel's `_interopRequireDefault(…)`.
  const wrapperName = callee.type === 'Identifier' ? callee.name : callee.type === 'MemberExpression' ? propertyName(callee) : undefined;
  if (wrapperName && /^_*(importDefault|importStar|interopRequireDefault|interopRequireWildcard|toESM)$/i.test(wrapperName.replace(/^__/, '_'))) {
    const argument = expression.arguments[0];
    return argument ? requiredModule(argument, extra) : undefined;
  }
  return undefined;
}

/** Resolves a constructor or factory expression to the library export it names. */
export function importedExport(node: Node, imports: ReadonlyMap<string, ImportedName>): ImportedName | undefined {
  const expression = unwrap(node);
  if (expression.type === 'Identifier') return imports.get(expression.name);
  if (expression.type === 'MemberExpression' && expression.object.type === 'Identifier') {
    const namespace = imports.get(expression.object.name);
    const name = propertyName(expression);
    if (namespace && namespace.name === '*' && name) return { module: namespace.module, name };
  }
  return undefined;
}

function isModule(imported: ImportedName, module: string, ...names: string[]): boolean {
  return imported.module === module && names.includes(imported.name);
}

/** What a creation's file says beyond its imports. */
export interface CreationContext {
  /** The file creates `node:domain`s (imports or requires `domain`). */
  readonly domains?: boolean;
  /** The value a constant names (`const options = { … }`), for option objects passed by name. */
  readonly constantValue?: (node: Node) => Node | undefined;
  readonly extra?: ExtraTsLockApis;
}

/** The lock a `new …(…)` or factory call creates, by the import of what it calls. */
export function lockKindOfCreation(init: Node, imports: ReadonlyMap<string, ImportedName>, context: CreationContext = {}): LockKind | undefined {
  const expression = unwrap(init);
  if (expression.type !== 'NewExpression' && expression.type !== 'CallExpression') return undefined;
  const imported = importedExport(expression.callee, imports);
  if (!imported) return undefined;
  const args = expression.arguments;
  if (isModule(imported, 'async-mutex', 'Mutex')) return { cls: 'mutex', flavor: FLAVORS.mutex, mode: 'exclusive', blocking: true };
  if (isModule(imported, 'async-mutex', 'Semaphore')) return semaphoreKind(args[0]);
  if (isModule(imported, 'async-mutex', 'withTimeout')) {
    // A timed-out acquisition throws E_TIMEOUT after the wait: the nest is still a bug (the
    // locked section always fails), and the message says so.
    const inner = args[0] ? lockKindOfCreation(args[0], imports, context) : undefined;
    return inner && { ...inner, flavor: timedFlavor(inner.flavor) };
  }
  if (isModule(imported, 'async-mutex', 'tryAcquire')) {
    const inner = args[0] ? lockKindOfCreation(args[0], imports, context) : undefined;
    return inner && { ...inner, blocking: false };
  }
  if (isModule(imported, 'async-lock', 'default', '*', 'AsyncLock')) {
    const options = args[0] && unwrap(args[0]).type === 'Identifier' ? context.constantValue?.(unwrap(args[0])) : args[0];
    const base = !isDomainReentrant(options) ? FLAVORS.asyncLock : context.domains ? FLAVORS.asyncLockReentrant : FLAVORS.asyncLockDomainless;
    // `{ timeout }` rejects a waiter ("async-lock timed out in queue") as withTimeout does.
    const flavor = hasOption(options, 'timeout') ? timedFlavor(base) : base;
    return { cls: 'async-lock', flavor, mode: 'exclusive', blocking: true };
  }
  if (isModule(imported, 'await-lock', 'default', '*', 'AwaitLock')) return { cls: 'await-lock', flavor: FLAVORS.awaitLock, mode: 'exclusive', blocking: true };
  if (isModule(imported, 'mortice', 'default', '*')) return { cls: 'mortice', flavor: FLAVORS.mortice, mode: 'exclusive', blocking: true };
  if (imported.module.startsWith('mutexify/promise') && (imported.name === 'default' || imported.name === '*')) {
    return { cls: 'mutexify', flavor: FLAVORS.mutexify, mode: 'exclusive', blocking: true };
  }
  if (isModule(imported, 'await-semaphore', 'Mutex')) return { cls: 'await-semaphore', flavor: FLAVORS.awaitSemaphore, mode: 'exclusive', blocking: true };
  if (isModule(imported, 'await-semaphore', 'Semaphore')) return { ...semaphoreKind(args[0]), cls: 'await-semaphore', flavor: FLAVORS.awaitSemaphore };
  if (isModule(imported, 'async-sema', 'Sema')) return { ...semaphoreKind(args[0]), cls: 'async-sema', flavor: FLAVORS.asyncSema };
  if (isModule(imported, 'semaphore-async-await', 'Lock')) return { cls: 'semaphore-async-await', flavor: FLAVORS.semaphoreAsyncAwait, mode: 'exclusive', blocking: true };
  if (isModule(imported, 'semaphore-async-await', 'default', '*', 'Semaphore')) return { ...semaphoreKind(args[0]), cls: 'semaphore-async-await', flavor: FLAVORS.semaphoreAsyncAwait };
  return configuredKind(context.extra, imported.module, imported.name);
}

export function semaphoreKind(permits: Node | undefined): LockKind {
  const single = permits?.type === 'Literal' && permits.value === 1;
  return { cls: 'semaphore', flavor: FLAVORS.semaphore, mode: single ? 'exclusive' : 'shared', blocking: true };
}

function hasOption(node: Node | undefined, name: string): boolean {
  const options = node && unwrap(node);
  return options?.type === 'ObjectExpression' && options.properties.some((property) => property.type === 'Property' && property.key.type === 'Identifier' && property.key.name === name);
}

function isDomainReentrant(node: Node | undefined): boolean {
  const options = node && unwrap(node);
  if (!options || options.type !== 'ObjectExpression') return false;
  return options.properties.some(
    (property) =>
      property.type === 'Property' &&
      property.key.type === 'Identifier' &&
      property.key.name === 'domainReentrant' &&
      property.value.type === 'Literal' &&
      property.value.value === true,
  );
}

/** The lock a type annotation names (`m: Mutex`), by the import of the type name. */
export function lockKindOfAnnotation(annotation: TSESTree.TypeNode | undefined, imports: ReadonlyMap<string, ImportedName>, extra?: ExtraTsLockApis): LockKind | undefined {
  if (!annotation || annotation.type !== 'TSTypeReference') return undefined;
  const name = annotation.typeName;
  const imported =
    name.type === 'Identifier'
      ? imports.get(name.name)
      : name.type === 'TSQualifiedName' && name.left.type === 'Identifier'
        ? (() => {
            const namespace = imports.get((name.left as TSESTree.Identifier).name);
            return namespace?.name === '*' ? { module: namespace.module, name: name.right.name } : undefined;
          })()
        : undefined;
  return imported ? lockKindOfTypeName(imported.module, imported.name, extra) : undefined;
}

/** A lock type by the package that declares it and its exported name. */
export function lockKindOfTypeName(module: string, name: string, extra?: ExtraTsLockApis): LockKind | undefined {
  if (module === 'async-mutex') {
    if (name === 'Mutex' || name === 'MutexInterface') return { cls: 'mutex', flavor: FLAVORS.mutex, mode: 'exclusive', blocking: true };
    if (name === 'Semaphore' || name === 'SemaphoreInterface') return semaphoreKind(undefined);
  }
  if (module === 'async-lock' && (name === 'default' || name === 'AsyncLock')) {
    return { cls: 'async-lock', flavor: FLAVORS.asyncLock, mode: 'exclusive', blocking: true };
  }
  if (module === 'await-lock' && (name === 'default' || name === 'AwaitLock')) return { cls: 'await-lock', flavor: FLAVORS.awaitLock, mode: 'exclusive', blocking: true };
  if (module === 'mortice' && name === 'Mortice') return { cls: 'mortice', flavor: FLAVORS.mortice, mode: 'exclusive', blocking: true };
  if (module === 'await-semaphore' && name === 'Mutex') return { cls: 'await-semaphore', flavor: FLAVORS.awaitSemaphore, mode: 'exclusive', blocking: true };
  if (module === 'await-semaphore' && name === 'Semaphore') return { ...semaphoreKind(undefined), cls: 'await-semaphore', flavor: FLAVORS.awaitSemaphore };
  if (module === 'async-sema' && name === 'Sema') return { ...semaphoreKind(undefined), cls: 'async-sema', flavor: FLAVORS.asyncSema };
  if (module === 'semaphore-async-await' && name === 'Lock') return { cls: 'semaphore-async-await', flavor: FLAVORS.semaphoreAsyncAwait, mode: 'exclusive', blocking: true };
  if (module === 'semaphore-async-await' && (name === 'default' || name === 'Semaphore')) return { ...semaphoreKind(undefined), cls: 'semaphore-async-await', flavor: FLAVORS.semaphoreAsyncAwait };
  return configuredKind(extra, module, name);
}

/**
 * A class of the analysed code that is a lock by its shape: `lock()` with `unlock()`, or
 * `acquire()` with `release()` (held until that release), or an `acquire()` that hands out a
 * release function. Low confidence: the class's own code is not read.
 */
export function homeMadeLockKind(methodNames: ReadonlySet<string>, acquireReturnsFunction: boolean): LockKind | undefined {
  const base = { cls: 'home-made' as const, flavor: FLAVORS.homeMade, mode: 'exclusive' as const, blocking: true, lowConfidence: true };
  const runs: Record<string, AcquireMethod> = methodNames.has('runExclusive') ? { runExclusive: CALLBACK } : {};
  if (methodNames.has('lock') && methodNames.has('unlock')) return { ...base, methods: { lock: BY_LOCK, ...runs }, releaseMethods: ['unlock'] };
  if (!methodNames.has('acquire') || (!acquireReturnsFunction && !methodNames.has('release'))) return undefined;
  return { ...base, methods: { acquire: acquireReturnsFunction ? RELEASER : BY_LOCK, ...runs }, releaseMethods: methodNames.has('release') ? ['release'] : [] };
}
