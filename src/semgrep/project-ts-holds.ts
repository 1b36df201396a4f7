// What the TS/JS project pack carries from the analysis of a codebase: every call that makes a
// guard (a lock library's `runExclusive(cb)` / `acquire()`, and the codebase's own wrappers:
// `this.#withLock(cb)` runs `cb` under `#mutex`, `await this.acquireFor(key)` hands a releaser
// back), and for each, the calls that take the same lock again in a conflicting mode — the
// functions whose summaries reach it, in the forms the code calls them (`this.addAccountFor`,
// `post`), each with its witness chain for the message.
import { relative } from 'node:path';
import { conflicts, formatSpan, type AccessMode, type Acquisition, type ReachedAcquisition } from '../core/model.js';
import type { TsFileAnalysis } from '../ts/check.js';
import type { AcquireSite, FunctionFacts, Site } from '../ts/fileFacts.js';
import { isThisRooted, lockRoot } from '../ts/fileFacts.js';
import { className, enclosingClass, functionName, isFunction, unwrap, type Node } from '../ts/syntax.js';

/** A call as the code writes it: the callee's text, and its leading arguments where they name the lock. */
export interface TsCallForm {
  readonly callee: string;
  /** Literal arguments (`'users'`, `key`): a keyed lock is another lock under another key. */
  readonly args?: string;
  /** How many arguments follow the literal ones (the callback), when `args` is set. */
  readonly more?: number;
  /** The function the form means this lock in, when its receiver is a local or a parameter. */
  readonly within?: string;
}

export interface TsConflictGroup {
  readonly name: string;
  readonly forms: readonly TsCallForm[];
  readonly chain: string;
  readonly requested: AccessMode;
}

export type TsHoldKind = 'callback' | 'releaser' | 'disposable';

export interface ReleasedThrough {
  /** The lock as the maker's receiver reads (`this.sema`). */
  readonly lock: string;
  readonly methods: readonly string[];
}

export interface TsHold {
  /**
   * `callback`: the guard lives through a callback argument; `releaser`: from `const r = await …`
   * to `r()`, or from `await lock.acquire()` to `lock.release()` (`releasedThrough`);
   * `disposable`: from `await using g = await …` to the end of its block.
   */
  readonly kind: TsHoldKind;
  /** What releases a releaser, after its name: `()`, `.resolve()`. */
  readonly release?: string;
  /** A lock released through itself (async-sema, await-lock, a home-made mutex): its text and release methods. */
  readonly releasedThrough?: ReleasedThrough;
  readonly maker: TsCallForm;
  /** The class whose `this` the lock is under (`this.#mutex` of two classes are two locks). */
  readonly owner?: string;
  /** The file the maker is written in, for a module's own lock (`mutex` of two modules are two locks). */
  readonly inFile?: string;
  readonly lockDisplay: string;
  readonly held: Acquisition;
  readonly groups: readonly TsConflictGroup[];
}


const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const textOf = (text: string, node: Node): string => text.slice(node.range[0], node.range[1]);

/**
 * A lock under a local or a parameter, or one a call makes afresh (keyed by that call's
 * position): its text means it in one function, or one call, only.
 */
function isObjectRooted(key: string): boolean {
  if (key.startsWith('param:') || key.includes('@param:') || /:\d+:\d+$/.test(key)) return true;
  const root = lockRoot(key);
  return root !== undefined && !isThisRooted(key) && root !== 'this';
}

function ownerClassOf(node: Node, key: string): string | undefined {
  if (!isThisRooted(key)) return undefined;
  const cls = enclosingClass(node);
  return cls ? className(cls) : undefined;
}

/**
 * `callee(…)` of a call site; with `keepArguments`, its literal arguments before `upTo` (the
 * callback), which name the lock (`lock.acquire('users', cb)`, `withLock(ledgerMutex, cb)`).
 */
function callForm(text: string, node: Node, keepArguments: boolean, upTo?: number): TsCallForm | undefined {
  const call = unwrap(node);
  if (call.type !== 'CallExpression') return undefined;
  const callee = textOf(text, call.callee);
  if (callee.includes('\n')) return undefined;
  if (!keepArguments) return { callee };
  const firstFunction = call.arguments.findIndex((a) => isFunction(a as Node));
  const count = upTo ?? (firstFunction < 0 ? call.arguments.length : firstFunction);
  const args = call.arguments.slice(0, count).map((a) => textOf(text, a)).join(', ');
  return args === '' || args.includes('\n') ? { callee } : { callee, args, more: call.arguments.length - count };
}

/**
 * The arguments of a site decide which lock it takes: the lock itself (`locked(this.mutex)`), or a
 * key or name the lock's identity carries (`this.touch('alice')` takes `lock["alice"]`).
 */
function argumentsNameLock(site: Site, reached: Acquisition): boolean {
  if (site.kind === 'acquire') return isKeyed(site.acquisition.lock.key);
  return site.argumentLocks.some((l) => l !== undefined) || site.argumentKeys.some((k) => k !== undefined && namesLock(reached.lock.key, k));
}

/**
 * An argument's identity names a lock when the lock's key was built from it. A constant
 * (`"alice"`, `3`, as JSON) is found only where a key takes a value: an index (`lock["alice"]`),
 * a template's part, a Web Lock's name; searched anywhere, a short one (`'b'`) would be found by
 * chance in the file path every key holds. Any other identity (`@this.mutex`, `@v:…`) is found
 * where the callee's parameter was.
 */
function namesLock(lockKey: string, argument: string): boolean {
  if (!isConstant(argument)) return lockKey.includes(argument);
  const name = argument.startsWith('"') ? (JSON.parse(argument) as string) : argument;
  return lockKey.includes(`[${argument}]`) || lockKey.includes(`\${${argument}}`) || lockKey === `weblock:${name}` || lockKey === `weblock:${argument}`;
}

/** `valueIdentity` writes a constant as JSON: a string, a number, `true`, `false`, `null`. */
const isConstant = (identity: string): boolean => identity.startsWith('"') || /^(?:-?\d|true$|false$|null$)/.test(identity);

const isKeyed = (key: string): boolean => key.includes('[') || key.startsWith('weblock:');

/** A module's own lock (`const mutex = new Mutex()` at the top of a file): `file#name`, no instance root. */
const isModuleLock = (key: string): boolean => lockRoot(key) === undefined && !key.startsWith('weblock:') && key.includes('#') && !isObjectRooted(key);

function callbackIndex(guard: AcquireSite): number | undefined {
  const callback = guard.guard?.kind === 'callback' ? guard.guard.callback : undefined;
  const call = unwrap(guard.node);
  if (!callback || call.type !== 'CallExpression') return undefined;
  const index = call.arguments.findIndex((a) => a === callback);
  return index < 0 ? undefined : index;
}

interface HoldKind {
  readonly kind: TsHoldKind;
  readonly release?: string;
  readonly releasedThrough?: ReleasedThrough;
}

/**
 * How the guard is held: through a callback, by a releaser whose call (`()`, `.resolve()`)
 * releases it, by the lock until one of its release methods is called on it, or by a `using`
 * binding to the end of its block.
 */
function holdKindOf(file: TsFileAnalysis, guard: AcquireSite): HoldKind | undefined {
  const scope = guard.guard;
  if (scope?.kind === 'callback' && scope.callback) return { kind: 'callback' };
  if (scope?.kind === 'disposable') return { kind: 'disposable' };
  if (scope?.kind !== 'releaser' || scope.callback) return undefined;
  if (scope.releasedThroughLock) {
    const call = unwrap(guard.node);
    const callee = call.type === 'CallExpression' ? unwrap(call.callee) : undefined;
    if (callee?.type !== 'MemberExpression' || callee.optional || callee.computed) return undefined;
    const lock = textOf(file.text, callee.object);
    return lock.includes('\n') ? undefined : { kind: 'releaser', releasedThrough: { lock, methods: scope.releaseMethods ?? ['release'] } };
  }
  if (!scope.releaser) return undefined;
  const name = scope.releaser.name;
  // `release()`, or a deferred's `unlock.resolve()`.
  return scope.releaseText.startsWith(name) ? { kind: 'releaser', release: scope.releaseText.slice(name.length) } : undefined;
}

function chainText(start: string, reached: ReachedAcquisition, cwd: string): string {
  const calls = reached.chain.map((step) => /^(?:calls|runs) (\S+)/.exec(step.note)?.[1] ?? step.note);
  const a = reached.acquisition;
  const at = { ...a.span, file: relative(cwd, a.span.file).split('\\').join('/') };
  return `${[start, ...calls].join(' → ')} takes ${a.lock.display} (${a.mode}, \`${a.api}\`) at ${formatSpan(at)}`;
}

interface GroupBuilder {
  readonly forms: Map<string, TsCallForm>;
  chain?: { length: number; text: string; mode: AccessMode };
}

interface HoldBuilder {
  readonly kind: TsHoldKind;
  readonly release?: string;
  readonly releasedThrough?: ReleasedThrough;
  readonly maker: TsCallForm;
  readonly owner?: string;
  readonly inFile?: string;
  /** Calls of a callee, by its text, that reach a conflicting acquisition (exact forms), and whether one does not. */
  readonly sites: Map<string, { reaching: TsCallForm[]; safeOne: boolean }>;
  readonly held: Acquisition;
  readonly keys: Map<string, Acquisition>;
  readonly groups: Map<string, GroupBuilder>;
}

function addForm(hold: HoldBuilder, form: TsCallForm, reached: ReachedAcquisition, cwd: string): void {
  const name = form.callee;
  const group: GroupBuilder = hold.groups.get(name) ?? { forms: new Map() };
  hold.groups.set(name, group);
  group.forms.set(`${form.args ?? ''}|${form.more ?? ''}|${form.within ?? ''}`, form);
  const text = chainText(name, reached, cwd);
  const length = reached.chain.length;
  if (!group.chain || length < group.chain.length || (length === group.chain.length && text < group.chain.text)) group.chain = { length, text, mode: reached.acquisition.mode };
}

/** Every site of every function with what it reaches, and the function it is in. */
function* sitesOf(files: readonly TsFileAnalysis[]): Generator<{ file: TsFileAnalysis; fn: FunctionFacts; site: Site }> {
  for (const file of files) for (const fn of file.analysis.facts.functions.values()) for (const site of fn.sites) yield { file, fn, site };
}

/** Every guard-making call of the codebase with the calls that conflict with it. */
export function tsHolds(files: readonly TsFileAnalysis[], cwd: string): TsHold[] {
  const holds = new Map<string, HoldBuilder>();
  const holdOf = (file: TsFileAnalysis, guard: AcquireSite): HoldBuilder | undefined => {
    const how = holdKindOf(file, guard);
    if (!how) return undefined;
    const { kind, release, releasedThrough } = how;
    const maker = callForm(file.text, guard.node, true, callbackIndex(guard));
    if (!maker) return undefined;
    const key = guard.acquisition.lock.key;
    const owner = ownerClassOf(guard.node, key);
    // A lock under a local or a parameter is this function's: the rule is scoped to it.
    const scoped = isObjectRooted(key) ? { ...maker, within: functionName(guard.owner) } : maker;
    const inFile = isModuleLock(key) ? relative(cwd, guard.span.file).split('\\').join('/') : undefined;
    const id = `${kind}${release ?? ''}${releasedThrough ? `|${releasedThrough.lock}.${releasedThrough.methods.join('/')}` : ''}|${owner ?? ''}|${inFile ?? ''}|${scoped.callee}|${scoped.args ?? ''}|${scoped.more ?? ''}|${scoped.within ?? ''}`;
    const hold = holds.get(id) ?? { kind, release, releasedThrough, maker: scoped, owner, inFile, held: guard.acquisition, keys: new Map(), groups: new Map(), sites: new Map() };
    holds.set(id, hold);
    hold.keys.set(`${key}|${guard.acquisition.mode}`, guard.acquisition);
    return hold;
  };

  // The conflicts the analysis found, at the calls the code wrote.
  for (const file of files) {
    for (const conflict of file.analysis.guardConflicts()) {
      const hold = holdOf(file, conflict.guard);
      const form = hold && callForm(file.text, conflict.site.node, argumentsNameLock(conflict.site, conflict.reached.acquisition));
      if (!hold || !form) continue;
      const local = isObjectRooted(conflict.guard.acquisition.lock.key) || isObjectRooted(conflict.reached.acquisition.lock.key);
      addForm(hold, local ? { ...form, within: functionName(conflict.guard.owner) } : form, conflict.reached, cwd);
    }
  }

  // Every guard the code makes, directly or through a wrapper, even where nothing conflicts yet.
  for (const { file, fn, site } of sitesOf(files)) {
    for (const guard of [...(fn.guardsAt.get(site) ?? []), ...file.analysis.helperGuards(fn, site)]) holdOf(file, guard);
    if (site.kind === 'acquire') holdOf(file, site);
  }

  // Every call whose callee reaches a conflicting acquisition of a held lock, in the forms the
  // code writes it: new code calling them under the guard is flagged too.
  for (const { file, fn, site } of sitesOf(files)) {
    if (!site.inFlow) continue;
    const reachedList = file.analysis.reachedAt(fn, site);
    const callee = callForm(file.text, site.node, false)?.callee;
    for (const hold of holds.values()) {
      if (hold.maker.within !== undefined || callee === undefined) continue;
      // `this.x()` means the lock of `this`'s class only inside that class; a module's lock, in its module.
      if (hold.owner !== undefined && (enclosingClass(site.node) === undefined || className(enclosingClass(site.node)!) !== hold.owner)) continue;
      if (hold.inFile !== undefined && relative(cwd, fn.file).split('\\').join('/') !== hold.inFile) continue;
      const hit = reachedList
        .filter((r) => !isObjectRooted(r.acquisition.lock.key) && [...hold.keys.values()].some((h) => conflicts(h, file.analysis.requestOf(fn, h, r.acquisition).requested)))
        .sort((a, b) => a.chain.length - b.chain.length)[0];
      const seen = hold.sites.get(callee) ?? { reaching: [], safeOne: false };
      hold.sites.set(callee, seen);
      if (!hit) {
        seen.safeOne = true;
        continue;
      }
      const form = callForm(file.text, site.node, argumentsNameLock(site, hit.acquisition));
      const exact = callForm(file.text, site.node, true);
      if (exact) seen.reaching.push(exact);
      if (form) addForm(hold, form, hit, cwd);
    }
  }

  // A callee some of whose calls the analysis knows are safe (`verifyPassword('old', { skipLock:
  // true })`, a flag that skips the lock) is flagged only as the conflicting calls write it.
  for (const hold of holds.values()) {
    for (const [name, group] of hold.groups) {
      const seen = hold.sites.get(name);
      if (!seen?.safeOne) continue;
      for (const [key, form] of group.forms) if (form.args === undefined && form.within === undefined) group.forms.delete(key);
      for (const form of seen.reaching) if (form.args !== undefined) group.forms.set(`${form.args}|${form.more}|`, form);
      if (group.forms.size === 0) hold.groups.delete(name);
    }
  }

  const out: TsHold[] = [];
  for (const [id, hold] of [...holds].sort(([a], [b]) => byText(a, b))) {
    if (hold.groups.size === 0 || id === '') continue;
    out.push({
      kind: hold.kind,
      ...(hold.release ? { release: hold.release } : {}),
      ...(hold.releasedThrough ? { releasedThrough: hold.releasedThrough } : {}),
      maker: hold.maker,
      owner: hold.owner,
      inFile: hold.inFile,
      lockDisplay: hold.held.lock.display,
      held: hold.held,
      groups: [...hold.groups.entries()]
        .sort(([a], [b]) => byText(a, b))
        .map(([name, g]) => ({ name, forms: [...g.forms.values()].sort((a, b) => byText(`${a.args}|${a.within}`, `${b.args}|${b.within}`)), chain: g.chain!.text, requested: g.chain!.mode })),
    });
  }
  return out;
}
