// Calls, closures and futures: what a call really does where it is made. A resolved callee's
// returned guards are acquisitions here; a closure runs inside the call that takes it, unless the
// callee stores it or hands it to another thread or task; an async lock's future acquires at its
// `.await`; macros are re-parsed so that their arguments count.
import { escapeRegex } from '../../core/regex.js';
import { modesAlwaysConflict, type Acquisition, type SourceSpan } from '../../core/model.js';
import type { CrateIndex, FnDecl, ParsedFile } from '../crate-index.js';
import { callTexts, entryChecks, flagsLeftSet, knowledgeKey, knownBefore, leavesAtEntry, startsAfter, staticFacts, type CallDecision, type EntryChecks, type Knowledge } from '../entry-checks.js';
import type { CallResolver } from '../state-writes.js';
import { acquisitionAtCall, lockAtCall, type CallEvent, type CallSite, type GuardFact } from '../facts.js';
import {
  isAsyncLockCrate,
  LOCK_TYPE_MENTION,
  lockKindOfTypeName,
  CONDVAR_WAIT_METHODS,
  ENTRY_PASSTHROUGH_METHODS,
  GUARD_UNWRAPPING_METHODS,
  DETACHING_CALLS,
  DROP_FUNCTIONS,
  GUARD_CONSUMING_METHODS,
  GUARD_LENDING_METHODS,
  GUARD_PASSTHROUGH_METHODS,
  lockFlavor,
  lockMethod,
  type LockMethod,
} from '../lock-apis.js';
import { parseRust, typeHeadName, type SyntaxNode } from '../syntax.js';
import { isAwaited, patternNames, placePath, selfRooted } from '../syntax-shapes.js';
import { constructedTypePath, splitTypeList, traitObjectTrait } from '../types.js';
import { calleesByAsync, freeFunctionCallees, lockTypeMethodCallees, memoisedCallees, methodCallees, noCallees, traitImplCallees, traitMethodCallees, type Callees } from './callees.js';
import { AWAITING_MACROS, Futures, JOINING_MACROS } from './futures.js';
import { KEEPS_CALLBACK } from '../lock-apis.js';
import { elementType, lockContent } from './drop-types.js';
import { callbackSignature, storedCallbackCallee } from '../stored-callbacks.js';
import { callSiteOf, eitherLock, NOTHING, type Binding, type DeferredClosure, type LiveGuard, type LockPlace, type PendingFuture, type TypeRef, type Value } from './values.js';

/** Iterator adapters that only store their closure; it runs when the iterator is consumed. */
const LAZY_ADAPTERS = new Set(['map', 'filter', 'filter_map', 'flat_map', 'take_while', 'skip_while', 'map_while', 'inspect', 'scan']);

/**
 * Methods of std types that call their closure argument before they return (`Entry::or_insert_with`,
 * `Option::map`, `Iterator::for_each`, `Vec::retain`): a closure parameter passed on to one runs
 * there. Any other method of a type outside the crate may keep what it is given (`push(f)`,
 * `Box::new(f)`), so a closure parameter passed to it is not taken to run.
 */
const CALLING_STD_METHODS = new Set([
  'or_insert_with', 'or_insert_with_key', 'get_or_insert_with', 'get_or_init', 'get_or_try_init',
  'map', 'map_err', 'map_or', 'map_or_else', 'and_then', 'or_else', 'unwrap_or_else', 'ok_or_else',
  'is_some_and', 'is_none_or', 'is_ok_and', 'is_err_and', 'then', 'then_some', 'for_each',
  'try_for_each', 'retain', 'retain_mut', 'sort_by', 'sort_by_key', 'sort_unstable_by',
  'sort_unstable_by_key', 'binary_search_by', 'binary_search_by_key', 'fold', 'try_fold', 'any',
  'all', 'find', 'find_map', 'position', 'max_by_key', 'min_by_key', 'max_by', 'min_by',
  'and_modify', 'call_once', 'resize_with', 'extend', 'with', 'replace_with', 'update',
]);

/**
 * Methods of iterators and `Option` that call their closure with one element at a time (what a
 * value whose content is a borrowed element, `v.iter()` or `map.get(k)`, hands out).
 */
const ELEMENT_VISITORS = new Set([
  'for_each', 'try_for_each', 'any', 'all', 'find', 'position', 'find_map', 'filter', 'map', 'filter_map',
  'flat_map', 'inspect', 'take_while', 'skip_while', 'map_while', 'is_some_and', 'is_none_or', 'and_then',
  'max_by_key', 'min_by_key',
]);

/** Macros whose arguments are ordinary expressions (formatting, assertions, logging). */
export const EXPRESSION_MACROS = new Set([
  'println', 'print', 'eprintln', 'eprint', 'format', 'format_args', 'write', 'writeln', 'panic',
  'assert', 'assert_eq', 'assert_ne', 'debug_assert', 'debug_assert_eq', 'debug_assert_ne',
  'dbg', 'vec', 'info', 'debug', 'warn', 'error', 'trace', 'log', 'event', 'unreachable',
  'todo', 'unimplemented', 'matches', 'anyhow', 'bail', 'ensure', 'span', 'info_span',
  'debug_span', 'trace_span', 'warn_span', 'error_span',
]);

/** Macros that format their arguments through `Display` / `Debug` (`format_args!` underneath). */
export const FORMATTING_MACROS = new Set([
  'println', 'print', 'eprintln', 'eprint', 'format', 'format_args', 'write', 'writeln', 'panic',
  'assert', 'assert_eq', 'assert_ne', 'debug_assert', 'debug_assert_eq', 'debug_assert_ne',
  'info', 'debug', 'warn', 'error', 'trace', 'log', 'unreachable', 'todo', 'unimplemented',
  'anyhow', 'bail', 'ensure',
]);

/** Container methods that hand out an element by value (`insert` too, for maps: the old value). */
const REMOVING_METHODS = new Set(['remove', 'take', 'pop', 'pop_front', 'pop_back', 'pop_first', 'pop_last', 'replace', 'swap_remove', 'remove_entry']);
/** Container methods that drop elements in place. */
const CLEARING_METHODS = new Set(['clear', 'truncate', 'retain', 'retain_mut']);
/** Container methods that hand out references to elements. */
const ACCESS_METHODS = new Set(['get', 'get_mut', 'first', 'last', 'first_mut', 'last_mut', 'iter', 'iter_mut', 'values', 'values_mut', 'front', 'back', 'front_mut', 'back_mut', 'as_mut', 'as_ref', 'peek']);

export abstract class Calls extends Futures {
  /** Calls (by offset) all of whose callees left at an entry check the call site decided. */
  private readonly exitedCalls = new Set<number>();
  /** The crate functions each walked call resolves to, by position: what a call before a decided one may write. */
  private readonly calleesAt = new Map<number, () => readonly FnDecl[]>();
  /** What a call event's knowledge needs after the walk, shared by the walk's events. */
  private lookups: { calleesAt: Map<number, () => readonly FnDecl[]>; exitedCalls: Set<number>; file: ParsedFile; index: CrateIndex } | undefined;

  protected callExpression(node: SyntaxNode): Value {
    let fnNode = node.childForFieldName('function');
    const args = node.childForFieldName('arguments');
    if (fnNode?.type === 'generic_function') fnNode = fnNode.childForFieldName('function');
    if (!fnNode) return NOTHING;
    if (fnNode.type === 'field_expression') return this.methodCall(node, fnNode, args);
    if (fnNode.type === 'identifier' || fnNode.type === 'scoped_identifier') return this.pathCall(node, fnNode, args);
    return this.calledValue(node, fnNode, args);
  }

  /**
   * A call of a computed value: `(|| { … })()` runs the closure here; `(self.on_done)(x)`,
   * `handlers[i](x)` run what the value holds, which is not known.
   */
  private calledValue(node: SyntaxNode, fnNode: SyntaxNode, argsNode: SyntaxNode | null): Value {
    let callee = fnNode;
    while (callee.type === 'parenthesized_expression' && callee.namedChildCount === 1) callee = callee.namedChild(0)!;
    if (callee.type !== 'closure_expression') {
      const called = this.expr(fnNode);
      return this.callbackCall(node, callee.text, called.content, this.argumentNodes(argsNode));
    }
    this.evaluateArguments(this.argumentNodes(argsNode), false);
    const result = this.inlineClosure(callee, {}, true);
    for (const g of result.guards) this.temps[this.temps.length - 1].guards.push(g);
    return result;
  }

  /**
   * A call of a callback value kept in data (`listener(event)`, `(timer.fire)()`): it runs one of
   * the closures the crate stores under its signature, with what is held here (stored-callbacks.ts).
   */
  private callbackCall(node: SyntaxNode, name: string, type: TypeRef | undefined, args: readonly SyntaxNode[]): Value {
    const values = this.evaluateArguments(args, false);
    const signature = type && callbackSignature(this.ctx.index, type.text, type.file);
    if (!signature) return NOTHING;
    const callee = storedCallbackCallee(this.ctx.index, signature, this.fn);
    this.call(() => [callee], name, node, undefined, values, undefined, undefined, undefined, signature);
    return NOTHING;
  }

  protected argumentNodes(args: SyntaxNode | null): SyntaxNode[] {
    return (args?.namedChildren ?? []).filter((a) => a.type !== 'line_comment' && a.type !== 'block_comment' && a.type !== 'attribute_item');
  }

  /**
   * Arguments in order; closures run inside the call (at the call site) unless the callee
   * hands them to another thread or task. Guards passed by value move into the callee.
   */
  protected evaluateArguments(args: readonly SyntaxNode[], detaching: boolean, onClosure?: (closure: SyntaxNode, index: number) => void): Value[] {
    const values: Value[] = [];
    const closures: { closure: SyntaxNode; index: number }[] = [];
    args.forEach((arg, index) => {
      if (arg.type === 'closure_expression') {
        closures.push({ closure: arg, index });
        values.push(NOTHING);
      } else {
        values.push(this.expr(arg));
      }
    });
    for (const { closure, index } of closures) {
      if (detaching) {
        // Numbered, so that a `join` of its handle or a `recv` from its sends can find its events.
        const thread = this.spawnedCount++;
        const outer = this.thread;
        this.thread = thread;
        this.detachedBody(closure);
        this.thread = outer;
        this.lastSpawned = thread;
      }
      else if (onClosure) onClosure(closure, index);
      else this.inlineClosure(closure);
    }
    return values;
  }

  /**
   * Runs a closure's body here and returns what it yields (a future, for `|| async { … }`); an
   * `async` closure's body runs only when the future its call returns is polled.
   */
  protected inlineClosure(closure: SyntaxNode, firstParam: Omit<Binding, 'guards'> = {}, keepsResult = false): Value {
    if (/^async\b/.test(closure.text)) return { guards: [], future: this.future(() => this.closureBody(closure, firstParam, false), true) };
    return this.closureBody(closure, firstParam, keepsResult);
  }

  /**
   * The closure's body, walked here. Guards it returns go to whoever called it: kept in the
   * result for a call written here (`m()`), otherwise released as the callee gets them (they are
   * dropped there at the latest).
   */
  private closureBody(closure: SyntaxNode, firstParam: Omit<Binding, 'guards'>, keepsResult: boolean): Value {
    const body = closure.childForFieldName('body');
    if (!body) return NOTHING;
    this.exitFloors.push(this.blocks.length);
    this.blocks.push({ bindings: new Map(), owned: [] });
    const params = closure.childForFieldName('parameters');
    const names = params ? patternNames(params) : [];
    names.forEach((name, i) => this.bind(name, i === 0 ? { guards: [], ...firstParam } : { guards: [] }));
    this.pushTemp('at the end of the closure');
    const value = this.expr(body);
    const returned = value.borrowed ? [] : value.guards.filter((g) => g.live);
    this.detach(returned, value.binding);
    this.endTemp(this.endOf(body));
    this.endBlock(this.endOf(body), 'at the end of the closure');
    this.exitFloors.pop();
    if (!keepsResult) for (const g of returned) this.release(g, this.endOf(body), 'when the closure returns it');
    return { guards: keepsResult ? returned : [], future: value.future };
  }

  protected methodCall(node: SyntaxNode, fnNode: SyntaxNode, argsNode: SyntaxNode | null): Value {
    const receiverNode = fnNode.childForFieldName('value');
    const method = fnNode.childForFieldName('field')?.text ?? '';
    const receiver = receiverNode ? this.expr(receiverNode) : NOTHING;
    const args = this.argumentNodes(argsNode);

    // A lock inside the data a guard holds (`ReentrantMutex<RefCell<_>>`, `Mutex<RefCell<_>>`).
    const inner = receiver.lock ? undefined : this.lockInsideGuard(receiver);
    const innerApi = inner ? lockMethod(inner.type.kind, method) : undefined;
    if (inner && innerApi) return this.lockCall(node, inner, method, innerApi, args);

    // A method of a type that derefs to a lock, its own before the lock's (method lookup tries
    // the receiver's type before auto-deref): `SaveOnDisk::write(|v| …)`, not `RwLock::write`.
    const newtype = receiver.lock?.type.newtype;
    if (newtype && this.ctx.index.withinLockFiles(() => this.ctx.index.methods(newtype, method)).length > 0) {
      const key = receiver.lock!.id.key;
      const path = /^[A-Za-z_][\w@.]*$/.test(key) ? key : undefined;
      const deferred: DeferredClosure[] = [];
      const values = this.evaluateArguments(args, false, (closure, index) => deferred.push({ closure, index }));
      deferred.push(...this.closureParamsPassed(args));
      return this.resolvedCall(node, methodCallees(this.ctx.index, newtype, method), method, values, { guards: receiver.guards, struct: newtype, path, borrowed: true }, deferred, false, false);
    }

    // A method of the lock itself.
    if (receiver.lock) {
      const api = lockMethod(receiver.lock.type.kind, method);
      if (api) return this.lockCall(node, receiver.lock, method, api, args);
      // A crate's own extension trait on the lock type: its methods lock the receiver
      // (looked up first: a `with` of the crate's own on `Mutex<T>` is not `LocalKey::with`).
      const kind = receiver.lock.type.kind;
      const extension = lockTypeMethodCallees(this.ctx.index, kind, method);
      if (this.ctx.index.withinLockFiles(extension).length > 0) {
        const deferred: DeferredClosure[] = [];
        const values = this.evaluateArguments(args, false, (closure, index) => deferred.push({ closure, index }));
        return this.resolvedCall(node, extension, method, values, receiver, deferred);
      }
      if (method === 'with') {
        // thread_local! `KEY.with(|cell| …)`: the closure's parameter is the lock.
        this.evaluateArguments(args, false, (closure) => this.inlineClosure(closure, { lock: receiver.lock }));
        return NOTHING;
      }
      if (['clone', 'as_ref', 'deref', 'get_ref', 'get_or_init', 'get_or_try_init', 'force', 'wait', 'upgrade'].includes(method)) {
        this.evaluateArguments(args, false);
        return { guards: [], lock: receiver.lock };
      }
    }

    // Adapters that keep the guard in the value (`lock().unwrap()`), or consume an
    // `Option<Guard>` (`get(k).map(|r| …)` drops the guard inside `map`).
    if (receiver.guards.length > 0) {
      if (GUARD_PASSTHROUGH_METHODS.has(method) || ENTRY_PASSTHROUGH_METHODS.has(method)) {
        this.evaluateArguments(args, false);
        if (GUARD_UNWRAPPING_METHODS.has(method)) for (const g of receiver.guards) g.optional = false;
        // `.ok()` / `.filter(..)`: an `Err` (or a rejected value) becomes `None`, which holds nothing.
        if (method === 'ok' || method === 'filter') for (const g of receiver.guards) g.optional = true;
        if (GUARD_LENDING_METHODS.has(method)) return { guards: receiver.guards, borrowed: true, content: receiver.content };
        return { guards: receiver.guards, binding: receiver.binding, borrowed: receiver.borrowed, content: receiver.content };
      }
      if (GUARD_CONSUMING_METHODS.has(method) && receiver.guards.some((g) => g.optional)) return this.consumedBy(node, method, receiver, args);
    }

    // `s.clone()` of a crate type without a `clone` of its own shares its locks (an `Arc` clone is
    // the same object; a derived `Clone` copies the `Arc`s inside); `upgrade()` of a `Weak` is the
    // object it points at; `unwrap`/`expect` see through the `Option`/`Result` a constructor
    // returned. Either way the value keeps its type and root.
    const viewed = receiver.struct;
    if (viewed && receiver.guards.length === 0 && (method === 'clone' || method === 'upgrade' || GUARD_UNWRAPPING_METHODS.has(method)) && this.ctx.index.withinLockFiles(() => this.ctx.index.methods(viewed, method)).length === 0) {
      this.evaluateArguments(args, false);
      return { guards: [], struct: viewed, path: receiver.path, distinct: receiver.distinct };
    }

    // `cvar.wait(guard)`: the guard is handed in and handed back, locked.
    if (CONDVAR_WAIT_METHODS.has(method)) {
      const values = this.evaluateArguments(args, false);
      // Without a timeout the thread sleeps until notified, holding every other guard. A guard
      // goes in (`wait(g)`, `wait(&mut g)`), so a crate type's own `wait` is not a condvar's.
      const condvar = receiver.struct === undefined || receiver.struct === 'Condvar';
      if (!method.includes('timeout') && args.length > 0 && condvar) this.call(noCallees, method, node, receiver, values, { kind: 'condvar' });
      const handed = values.find((v) => v.guards.length > 0 && !v.borrowed);
      if (handed) {
        for (const g of handed.guards) g.optional = false;
        return { guards: handed.guards, binding: handed.binding };
      }
      return NOTHING;
    }

    // A method of the data itself (a map or vector under a guard, a field): what it hands out,
    // and what it drops (a removed value nobody keeps, cleared elements).
    if (!receiver.struct && receiver.content) {
      const handled = this.containerCall(node, method, receiver, receiver.content, args);
      if (handled) return handled;
    }

    const struct = receiver.struct;
    const lockType = receiver.lock?.type.kind;
    // A method the crate adds to the lock type itself (`impl<T> HandyRwLock<T> for RwLock<T>`).
    const index = this.ctx.index;
    // A trait object of a crate trait (`m: &Arc<dyn Middleware>`) runs one of the crate's impls.
    // Which object it is is not known: not `self`, so only locks the impls reach through the
    // arguments (or statics) are the caller's.
    const dynTrait = !lockType && receiver.content ? traitObjectTrait(receiver.content.text) : undefined;
    const traitObject = dynTrait && (struct === undefined || struct === dynTrait) && index.isTrait(dynTrait) ? dynTrait : undefined;
    // A method of the data a guard derefs to (`self.state.lock().unwrap().begin_drain()` on a
    // `Mutex<PoolState>`), or of an element of it: that data is the callee's `self`.
    const data = !traitObject && !struct && !lockType ? this.guardData(receiver) : undefined;
    const callees = traitObject
      ? (): FnDecl[] => index.traitObjectMethods(traitObject, method)
      : struct
        ? methodCallees(index, struct, method)
        : lockType
          ? lockTypeMethodCallees(index, lockType, method)
          : data
            ? methodCallees(index, data.struct, method)
            : this.unqualifiedSelfMethods(receiverNode, method);
    const callReceiver: Value = traitObject ? { ...receiver, traitObject, distinct: true, path: undefined } : data ? { ...receiver, struct: data.struct, path: data.path, distinct: data.distinct ?? receiver.distinct } : receiver;
    if (!struct && args.length === 0 && receiverNode && (receiverNode.type !== 'self' || !this.fn.traitName)) {
      const lowConfidence = this.unknownReceiverLock(receiverNode, method);
      if (lowConfidence) {
        const api = lockMethod(lowConfidence.type.kind, method)!;
        return this.lockCall(node, lowConfidence, method, api, args);
      }
    }
    // A scoped thread (`s.spawn(|| …)` in `thread::scope(|s| …)`) runs beside this one and takes
    // its locks once they are free; it can only deadlock with what this thread still holds when
    // it waits for it: at `handle.join()`, or where `scope` returns. Its closure is walked there.
    if (method === 'spawn' && receiver.binding?.scopeHandle === true) {
      const threads = this.scopedThreads[this.scopedThreads.length - 1];
      let joins: PendingFuture | undefined;
      this.evaluateArguments(args, false, (closure) => {
        joins = this.future(() => this.inlineClosure(closure), false);
        threads?.push(joins);
      });
      return { guards: [], joins };
    }
    if (method === 'join' && receiver.binding?.joins) {
      this.evaluateArguments(args, false);
      this.poll(receiver.binding.joins);
      return NOTHING;
    }
    // A lazy iterator adapter bound with `let` runs its closure later, where it is consumed.
    const stored = DETACHING_CALLS.has(method) || (LAZY_ADAPTERS.has(method) && node.parent?.type === 'let_declaration');
    const deferred: DeferredClosure[] = [];
    this.lastSpawned = undefined;
    // `buffers.iter().for_each(|b| …)`, `map.get(k).map(|v| …)`: the closure is handed the element.
    const element = receiver.borrowed && receiver.content && ELEMENT_VISITORS.has(method) ? { content: receiver.content, borrowed: true } : undefined;
    const values = this.evaluateArguments(args, stored, (closure, index) => deferred.push({ closure, index, firstParam: index === 0 ? element : undefined }));
    if (!stored) deferred.push(...this.closureParamsPassed(args));
    const spawned = DETACHING_CALLS.has(method) ? this.lastSpawned : undefined;
    // `batch.finish()` with `fn finish(self)`: the receiver, and the guards it holds, move in.
    const consumed = struct !== undefined && receiver.guards.length > 0 && !receiver.borrowed && this.ctx.index.methods(struct, method).some(takesSelfByValue);
    const result = this.resolvedCall(node, callees, method, values, callReceiver, deferred, DETACHING_CALLS.has(method), consumed);
    if (spawned !== undefined) return { ...result, spawned };
    // `let tx2 = tx.clone();` sends on the same channel.
    if (method === 'clone' && receiver.binding?.channel !== undefined) return { ...result, channel: receiver.binding.channel };
    return result;
  }

  /**
   * The lock a guard's data is (`guard.borrow_mut()` on a `ReentrantMutex<RefCell<_>>` guard): one
   * per outer lock, so every path through that outer lock reaches the same inner one.
   */
  private lockInsideGuard(receiver: Value): LockPlace | undefined {
    const guards = receiver.guards.filter((g) => g.live);
    if (guards.length !== 1 || !receiver.content) return undefined;
    const type = this.meaningOf(receiver.content.text, receiver.content.file).lock;
    if (!type) return undefined;
    const outer = guards[0].fact.acquisition;
    const key = `${outer.lock.key}.*`;
    return { id: { key, display: `*${outer.lock.display}` }, type, confidence: outer.confidence, content: lockContent(receiver.content.text, receiver.content.file) };
  }

  /**
   * The crate struct a guard's data is, and its place: under the one live guard's lock
   * (`Outer.state.*`, as `lockInsideGuard` names a lock there). An element a container handed
   * out (`sessions.get_mut(&id)` on a guarded map) is some object of its type, not `self`.
   */
  private guardData(receiver: Value): { struct: string; path?: string; distinct?: boolean } | undefined {
    if (!receiver.content) return undefined;
    const struct = this.meaningOf(receiver.content.text, receiver.content.file).struct;
    if (!struct) return undefined;
    const guards = receiver.guards.filter((g) => g.live);
    if (guards.length === 1) return { struct, path: `${guards[0].fact.acquisition.lock.key}.*` };
    return guards.length === 0 ? { struct, distinct: true } : undefined;
  }

  /**
   * `map.remove(k)`, `slot.take()`, `v.pop()`: the value handed out is the container's element, and
   * a statement that does not keep it drops it at its end, while what the statement holds (the
   * guard it reached the map through) is still held. `clear` / `truncate` / `retain` drop
   * elements in place. `get_mut` / `iter_mut` hand out references to elements.
   */
  private containerCall(node: SyntaxNode, method: string, receiver: Value, container: TypeRef, args: readonly SyntaxNode[]): Value | undefined {
    const element = elementType(container.text);
    if (!element) return undefined;
    const owned: TypeRef = { text: element, file: container.file };
    const map = /^(?:[A-Za-z_][A-Za-z0-9_]*::)*(?:HashMap|BTreeMap|IndexMap)\s*</.test(container.text.trim());
    if (REMOVING_METHODS.has(method) || (method === 'insert' && map)) {
      this.evaluateArguments(args, false);
      const statement = node.parent;
      const unused = statement?.type === 'expression_statement' || (statement?.type === 'let_declaration' && statement.childForFieldName('pattern')?.text === '_');
      if (!unused) return { guards: [], content: owned };
      // Dropped with the statement's other temporaries, in reverse order of creation: before
      // the guards the statement made earlier.
      this.dropTakenValue(owned, this.endOf(statement));
      return NOTHING;
    }
    if (CLEARING_METHODS.has(method)) {
      this.evaluateArguments(args, false);
      this.dropTakenValue(owned, this.span(node));
      return NOTHING;
    }
    if (ACCESS_METHODS.has(method)) {
      this.evaluateArguments(args, false);
      return { guards: [], content: owned, borrowed: true };
    }
    if (method === 'into_iter' || method === 'drain') {
      this.evaluateArguments(args, false);
      // `held.into_iter()` moves the container, and its elements, out of the local.
      if (method === 'into_iter' && receiver.binding && !receiver.borrowed) receiver.binding.moved = true;
      return { guards: [], content: container };
    }
    return undefined;
  }

  /**
   * In a trait default method, `self.f()` reaches the trait's own default `f`, or, for a required
   * method (no default body), its implementation when the crate has only one implementor.
   */
  protected unqualifiedSelfMethods(receiverNode: SyntaxNode | null, method: string): Callees {
    if (receiverNode?.type !== 'self' || !this.fn.traitName) return noCallees;
    return traitMethodCallees(this.ctx.index, this.fn.traitName, method, {});
  }

  /**
   * `x.lock()` / `x.read()` / `x.write()` with no arguments on a receiver whose type is unknown:
   * probably a lock, with low confidence. `io::Read::read(&mut buf)` takes an argument and never
   * gets here. The identity is the receiver's path, so only the same path conflicts.
   */
  protected unknownReceiverLock(receiverNode: SyntaxNode, method: string): LockPlace | undefined {
    const kind = method === 'lock' ? 'Mutex' : method === 'read' || method === 'write' ? 'RwLock' : undefined;
    if (!kind) return undefined;
    // Only fields of `self`: a bare `ptr.read()` or `stdout().lock()` is far more often not a lock.
    if (receiverNode.type !== 'field_expression') return undefined;
    const path = placePath(receiverNode, this.fn.ownerType ?? this.fn.traitName);
    if (!path || !selfRooted(receiverNode)) return undefined;
    // In a method of a type read as a lock (a crate's own `Mutex<T>` wrapping std's, named like
    // it), `self.inner` is a part of the lock the caller named: keyed under `self`'s parameter, so
    // each caller's object has its own.
    const selfLock = this.selfValue().lock?.id;
    const fields = path.split('.').slice(1).join('.');
    if (selfLock && fields !== '') return { id: { key: `${selfLock.key}.${fields}`, display: `self.${fields}` }, type: { kind, crate: 'std' }, confidence: 'low' };
    return { id: { key: `?${path}`, display: path }, type: { kind, crate: 'std' }, confidence: 'low' };
  }

  protected lockCall(node: SyntaxNode, lock: LockPlace, method: string, api: LockMethod, args: readonly SyntaxNode[]): Value {
    const argValues = this.evaluateArguments(args, false, () => undefined);
    this.moveIntoCall(argValues, this.span(node), method);
    const awaited = isAwaited(node);
    const crate = lock.type.crate;
    const acquisition: Acquisition = {
      lock: lock.id,
      mode: api.mode,
      // Only async locks return futures: an awaited acquisition is async whatever the import.
      flavor: lockFlavor(lock.type.kind, awaited && !isAsyncLockCrate(crate) ? 'tokio' : crate),
      api: method,
      span: this.span(node),
      blocking: api.blocking,
      confidence: crate === 'unknown' && !awaited ? 'low' : lock.confidence,
    };
    // `let fut = m.lock();` on an async lock takes nothing until the future is awaited.
    if (isAsyncLockCrate(crate) && !awaited && api.holds === 'guard' && api.blocking && !method.startsWith('blocking_')) {
      return {
        guards: [],
        future: this.future(() => {
          const guard = this.acquire(acquisition, api, { at: node, element: lock.element });
          return guard ? { guards: [guard], content: lock.content } : NOTHING;
        }, false),
      };
    }
    if (api.holds === 'momentary') {
      if (api.runsClosuresLocked) {
        // The closure runs while the shard is locked: hold a guard for its duration.
        this.pushTemp(`when \`${method}\` returns`);
        this.acquire(acquisition, { ...api, holds: 'guard' }, { element: lock.element });
        for (const closure of args.filter((a) => a.type === 'closure_expression')) this.inlineClosure(closure);
        this.endTemp(this.endOf(node));
      } else {
        this.acquire(acquisition, api, { element: lock.element });
      }
      return NOTHING;
    }
    // A `try_*` on a lock this thread already holds in a conflicting mode cannot succeed: it
    // fails at once and hands back no guard (the same certainty a blocking call would be
    // reported with as a deadlock).
    if (!api.blocking && this.failsAgainstHeld(acquisition)) {
      for (const closure of args.filter((a) => a.type === 'closure_expression')) this.inlineClosure(closure);
      return NOTHING;
    }
    // `try_lock()` and its kind hand back no guard when they fail (`None`, `Err(WouldBlock)`).
    const guard = this.acquire(acquisition, api.blocking ? api : { ...api, optional: true }, { at: node, element: lock.element })!;
    for (const closure of args.filter((a) => a.type === 'closure_expression')) this.inlineClosure(closure);
    return { guards: [guard], content: lock.content };
  }

  private failsAgainstHeld(requested: Acquisition): boolean {
    if (this.detached || requested.confidence !== 'high' || requested.flavor.reentrant) return false;
    return this.held().some(({ guard }) => {
      const held = guard.acquisition;
      return held.lock.key === requested.lock.key && held.confidence === 'high' && !held.flavor.reentrant && modesAlwaysConflict(held.mode, requested.mode);
    });
  }

  protected pathCall(node: SyntaxNode, fnNode: SyntaxNode, argsNode: SyntaxNode | null): Value {
    const path = fnNode.text.replace(/\s+/g, '');
    const segments = path.split('::');
    const name = segments[segments.length - 1];
    const args = this.argumentNodes(argsNode);

    if (DROP_FUNCTIONS.has(path)) return this.dropCall(node, args);
    // `mem::take(&mut held)` moves the value out and leaves the default (empty) one behind.
    if (/^(?:(?:std|core)::)?mem::take$/.test(path) && args.length === 1) {
      const place = args[0].type === 'reference_expression' ? args[0].childForFieldName('value') : null;
      const binding = place?.type === 'identifier' ? this.lookup(place.text) : undefined;
      const taken = this.expr(args[0]);
      if (binding) binding.moved = true;
      return { guards: [], content: taken.content };
    }
    const traitCall = this.traitQualifiedCall(node, fnNode, args);
    if (traitCall) return traitCall;

    // Constructors: `Mutex::new(..)`, `Arc::new(RwLock::new(..))` produce a lock value.
    const constructed = constructedTypePath(path);
    if (constructed) {
      // `Box::new(move || …)`, `Foo::new(callback)`: a closure given to a constructor is stored.
      const values = this.evaluateArguments(args, true);
      const meaning = this.meaningOf(constructed, this.file);
      // Every constructor call makes a distinct lock; a `let` renames it after its binding.
      if (meaning.lock) return { guards: [], lock: this.localLock(`<new ${constructed}>@${node.startIndex + this.shift}`, meaning.lock, `new ${constructed}`) };
      // An owning pointer holds what it is given: a lock, a guard (`Box::new(guard)`), a future.
      const pointer = constructed.split('::').pop()!;
      if (/^(Arc|Rc|Box|Pin)$/.test(pointer) && values[0]) {
        const held = values[0].borrowed ? [] : values[0].guards;
        // A `Box` drops what it owns with it (an `Arc` only with its last handle).
        const inner = values[0].content;
        const content = pointer === 'Box' && inner && !values[0].borrowed && values[0].binding === undefined ? { text: `Box<${inner.text}>`, file: inner.file } : undefined;
        return { guards: held, binding: values[0].binding, lock: values[0].lock, struct: values[0].struct, distinct: values[0].distinct, future: values[0].future, content };
      }
      const struct = constructed === 'Self' ? this.fn.ownerType : meaning.struct;
      if (!struct) return NOTHING;
      // A crate type's constructor is a call too (its body may lock), made once.
      const result = this.ctx.index.struct(struct, this.file, true) ? this.resolvedCall(node, methodCallees(this.ctx.index, struct, name), name, values) : NOTHING;
      return { guards: result.guards, struct, distinct: true, content: { text: struct, file: this.file } };
    }

    // Guard adapters: `RwLockUpgradableReadGuard::upgrade(g)`, `MutexGuard::map(g, f)` keep the lock held.
    const qualifier = segments.length >= 2 ? segments[segments.length - 2] : '';
    // Method-call syntax spelled as a path: `Mutex::lock(&m)`, `RefCell::borrow_mut(&c)`.
    const lockKind = lockKindOfTypeName(qualifier);
    if (lockKind && args.length > 0 && lockMethod(lockKind, name)) {
      const receiver = this.expr(args[0]);
      if (receiver.lock) return this.lockCall(node, receiver.lock, name, lockMethod(receiver.lock.type.kind, name) ?? lockMethod(lockKind, name)!, args.slice(1));
    }
    if (/Guard$|^Ref$|^RefMut$/.test(qualifier)) return this.guardAdapter(node, name, args);

    // `thread::scope(|s| …)` runs its closure here, then joins every thread `s` spawned that was
    // not joined yet: they run to their end here, under what the caller still holds.
    if (name === 'scope' && segments.length >= 2 && /^(thread|crossbeam|crossbeam_utils|rayon)$/.test(qualifier)) {
      this.scopedThreads.push([]);
      let threads: PendingFuture[] = [];
      try {
        this.evaluateArguments(args, false, (closure) => this.inlineClosure(closure, { scopeHandle: true }));
      } finally {
        threads = this.scopedThreads.pop() ?? [];
      }
      for (const thread of threads) this.poll(thread);
      return NOTHING;
    }

    // `Arc::clone(&self.m)` is `self.m.clone()`: the same lock; `Arc::downgrade(&x)` points at
    // the same object, which `upgrade()` gives back.
    if ((qualifier === 'Arc' || qualifier === 'Rc') && (name === 'clone' || name === 'downgrade') && args.length === 1) {
      const value = this.expr(args[0]);
      return { guards: [], lock: value.lock, struct: value.struct, path: value.path, distinct: value.distinct };
    }

    // `Some(guard)`, `Ok(guard)`, `Wrapper(guard)`: a variant or tuple struct holds its arguments.
    if (/^[A-Z]/.test(name) && (segments.length === 1 || /^[A-Z]/.test(qualifier))) {
      const values = this.evaluateArguments(args, false);
      const owner = values.length === 1 && !values[0].borrowed ? values[0].binding : undefined;
      // `Some(Hold { .. })` owns its value: dropping the `Option` drops it.
      const element = name === 'Some' && owner === undefined && values.length === 1 && !values[0].borrowed && values[0].guards.length === 0 ? values[0].content : undefined;
      const content = element && { text: `Option<${element.text}>`, file: element.file };
      return { guards: values.filter((v) => !v.borrowed).flatMap((v) => v.guards), binding: owner, future: values.length === 1 ? values[0].future : undefined, content };
    }

    const index = this.ctx.index;
    // `other_crate::Type::f(..)` is another crate's `Type`, not this crate's type of that name.
    const foreign = segments.length >= 3 && index.namesOtherCrate(segments[0], this.file);
    const owner = foreign ? undefined : qualifier === 'Self' ? this.fn.ownerType : /^[A-Z]/.test(qualifier) ? qualifier : undefined;
    const callees = owner && segments.length > 1 ? methodCallees(index, owner, name) : freeFunctionCallees(index, segments, this.fn);
    // Calling a closure: a `let`-bound one runs here; a closure parameter runs whatever the
    // caller passed, under the guards held now (recorded for the callers' sake).
    const local = segments.length === 1 ? this.lookup(name) : undefined;
    if (local?.closure || local?.paramIndex !== undefined) {
      this.evaluateArguments(args, false);
      if (local.closure) {
        const savedShift = this.shift;
        this.shift = local.closureShift ?? savedShift;
        try {
          const result = this.inlineClosure(local.closure, {}, true);
          // What the closure returns (`|| INTERNER.lock()`) is this call's value: a temporary here.
          for (const g of result.guards) this.temps[this.temps.length - 1].guards.push(g);
          return result;
        } finally {
          this.shift = savedShift;
        }
      }
      this.recordClosureCall(local.paramIndex!);
      return NOTHING;
    }
    // A local shadows functions of its name (`listener(event)` calls the value).
    if (local?.content) return this.callbackCall(node, name, local.content, args);
    // `mpsc::channel()`, `crossbeam_channel::unbounded()`: a channel whose ends this function
    // may hand to the threads it spawns.
    const channelPath = (): boolean =>
      segments.length === 1 ? index.freeFunctions(segments, this.fn).length === 0 : /^(mpsc|crossbeam_channel|channel|flume)$/.test(qualifier);
    if (CHANNEL_CONSTRUCTORS.has(name) && channelPath()) {
      this.evaluateArguments(args, false);
      return { guards: [], channel: this.channelCount++ };
    }
    const deferred: DeferredClosure[] = [];
    this.lastSpawned = undefined;
    const values = this.evaluateArguments(args, DETACHING_CALLS.has(name), (closure, index) => deferred.push({ closure, index }));
    if (!DETACHING_CALLS.has(name)) deferred.push(...this.closureParamsPassed(args));
    const spawned = DETACHING_CALLS.has(name) ? this.lastSpawned : undefined;
    // `Type::method(&x, …)` is `x.method(…)`: a method's first argument is its receiver.
    const result =
      owner && index.withinLockFiles(callees).some((fn) => fn.selfParam !== undefined)
        ? this.receiverCall(node, callees, name, values, deferred)
        : this.resolvedCall(node, callees, name, values, undefined, deferred, DETACHING_CALLS.has(name));
    return spawned !== undefined ? { ...result, spawned } : result;
  }

  /**
   * Fully qualified calls (Reference: "Qualified paths"): `<S as Registry>::insert(self, …)`,
   * `<T as Trait>::f(x)`, and `Registry::insert(self, …)` naming a trait of the crate. The
   * implementation is the self type's (written, or the first argument's), and a method's first
   * argument is its receiver.
   */
  protected traitQualifiedCall(node: SyntaxNode, fnNode: SyntaxNode, args: readonly SyntaxNode[]): Value | undefined {
    const qualifier = fnNode.type === 'scoped_identifier' ? fnNode.childForFieldName('path') : null;
    const name = fnNode.childForFieldName('name')?.text;
    if (!qualifier || !name) return undefined;
    let trait: string | undefined;
    let selfType: string | undefined;
    if (qualifier.type === 'bracketed_type') {
      const inner = qualifier.namedChildren[0];
      if (inner?.type !== 'qualified_type') return undefined;
      selfType = inner.namedChildren[0]?.text;
      trait = inner.namedChildren[1] ? typeHeadName(inner.namedChildren[1].text) : undefined;
    } else if (this.ctx.index.isTrait(typeHeadName(qualifier.text))) {
      trait = typeHeadName(qualifier.text);
    }
    if (!trait) return undefined;
    const deferred: DeferredClosure[] = [];
    const values = this.evaluateArguments(args, false, (closure, index) => deferred.push({ closure, index }));
    const written = selfType && selfType !== 'Self' && /^\p{Lu}/u.test(selfType) ? this.meaningOf(selfType, this.file) : {};
    const self = {
      struct: selfType === 'Self' ? this.fn.ownerType : (written.struct ?? values[0]?.struct),
      lock: (written.lock ?? values[0]?.lock?.type)?.kind,
    };
    const traitName = trait;
    const callees = traitMethodCallees(this.ctx.index, traitName, name, self);
    if (callees().some((fn) => fn.selfParam !== undefined)) return this.receiverCall(node, callees, name, values, deferred);
    return this.resolvedCall(node, callees, name, values, undefined, deferred);
  }

  /** A method called with path syntax: the first argument is the receiver, the rest its arguments. */
  protected receiverCall(node: SyntaxNode, callees: () => readonly FnDecl[], name: string, values: readonly Value[], deferred: readonly DeferredClosure[]): Value {
    const shifted = deferred.filter((d) => d.index > 0).map((d) => ({ ...d, index: d.index - 1 }));
    // `Batch::finish(batch)` with `fn finish(self)` moves the receiver, and its guards, in.
    const receiver = values[0];
    const consumed = receiver !== undefined && !receiver.borrowed && this.ctx.index.withinLockFiles(callees).some(takesSelfByValue);
    return this.resolvedCall(node, callees, name, values.slice(1), receiver, shifted, false, consumed);
  }

  /** Arguments that are this function's closure parameters, passed on by name (`or_insert_with(make)`). */
  private closureParamsPassed(args: readonly SyntaxNode[]): DeferredClosure[] {
    const passed: DeferredClosure[] = [];
    args.forEach((arg, index) => {
      if (arg.type !== 'identifier') return;
      const param = this.lookup(arg.text)?.paramIndex;
      if (param !== undefined && isClosureParameter(this.fn, param)) passed.push({ closure: arg, index, param });
    });
    return passed;
  }

  protected recordClosureCall(param: number): void {
    const known = this.closureParamCalls.get(param);
    if (!this.detached) this.closureParamCalls.set(param, 'here');
    else if (known !== 'here') this.closureParamCalls.set(param, new Set(known).add(this.thread));
    const held = this.held().map((h) => h.guard);
    if (held.length === 0 || this.detached) return;
    const holding = this.closureCalls.get(param) ?? [];
    for (const g of held) if (!holding.includes(g)) holding.push(g);
    this.closureCalls.set(param, holding);
  }

  /**
   * Closures passed to a resolved callee run inside it: under the guards the callee holds where
   * it calls that parameter (`self.with_state(|s| self.count())`), on another task or thread if it
   * calls it only in code that runs there (`spawn(async move { .. cleanup() .. })`), otherwise as
   * if at the call.
   */
  protected runPassedClosures(
    deferred: readonly DeferredClosure[],
    callees: readonly FnDecl[],
    allCallees: () => readonly FnDecl[],
    node: SyntaxNode,
    name: string,
    site: CallSite,
  ): void {
    for (const { closure, index, param, firstParam } of deferred) {
      // Only a parameter typed as a closure (`impl FnOnce(..)`, a generic `F`) can be called.
      const takers = callees.filter((fn) => takesClosureAt(fn, index));
      const holder = takers.find((fn) => this.ctx.closureCalls(fn).has(index));
      if (param !== undefined && !holder) {
        // A closure parameter passed on runs where a literal closure would, except that a callee
        // outside the crate is taken to run it only if it is a std method known to call it, and
        // one of the crate only if it declares that parameter a closure.
        const all = allCallees();
        const closureTakers = all.filter((fn) => isClosureParameter(fn, index));
        const runs = all.length === 0
          ? CALLING_STD_METHODS.has(name)
          : closureTakers.length > 0 && !closureTakers.every((fn) => this.ctx.closureCallsLater(fn).has(index)) && !storedByEveryCallee(closureTakers, index);
        if (runs) this.recordClosureCall(param);
        continue;
      }
      if (!holder) {
        if (takers.length > 0 && takers.every((fn) => this.ctx.closureCallsLater(fn).has(index))) this.detachedBody(closure);
        // A callee in a file that names no lock cannot call it under a guard, but may keep it for
        // later (`defer(move || …)` returning a guard that runs it on drop).
        else if (storedByEveryCallee(takers.length > 0 ? takers : allCallees(), index)) this.detachedBody(closure);
        else if (KEEPS_CALLBACK.test(name) && allCallees().length === 0) this.detachedBody(closure);
        else this.inlineClosure(closure, firstParam);
        continue;
      }
      this.pushTemp(`when \`${name}\` returns`);
      // One guard per lock: how the helper's own guards relate is the helper's finding.
      const seen = new Set<string>();
      for (const inner of this.ctx.closureCalls(holder).get(index)!) {
        const mapped = acquisitionAtCall(site, holder, inner.acquisition);
        if (!mapped || seen.has(mapped.lock.key)) continue;
        seen.add(mapped.lock.key);
        this.acquire({ ...mapped, span: this.span(node), api: `${name}()` }, undefined, { returnedBy: { fnName: name, inner: inner.acquisition, whileRunningClosure: true } });
      }
      if (param !== undefined) this.recordClosureCall(param);
      else this.inlineClosure(closure);
      this.endTemp(this.endOf(node));
    }
  }

  /**
   * A call to crate functions: guards returned by the callee are acquisitions here. An `async fn`
   * callee only builds a future here: its body runs, and its guards are taken, where that future
   * is polled.
   */
  protected resolvedCall(
    node: SyntaxNode,
    resolve: () => readonly FnDecl[],
    name: string,
    args: readonly Value[],
    receiver?: Value,
    deferred: readonly DeferredClosure[] = [],
    detaching = false,
    consumesReceiver = false,
  ): Value {
    const span = this.span(node);
    const moved = consumesReceiver && receiver ? [receiver, ...args] : args;
    // A callee that returns a guard, or the struct it returns, can only come from a file that
    // names a lock; the full resolution waits until a check needs this call's summary.
    const nearby = this.ctx.index.withinLockFiles(resolve);
    // A guard moved into a callee whose result can own it (`Locked::new(guard)`, `Box::new`)
    // comes back in that result; otherwise it is dropped in the callee.
    const owner = nearby.find((fn) => !fn.isAsync && resultCanOwnGuard(fn, this.ctx.index));
    // Only an argument whose declared type the result can hold comes back: an `UpdatesGuard`
    // moved into a call returning `Result<RwLockUpgradableReadGuard<..>, ..>` is dropped in it.
    const offset = consumesReceiver && receiver ? 1 : 0;
    const returnable = moved.map((_, i) => owner !== undefined && (i < offset || resultCanHoldParameter(owner, i - offset, this.ctx.index)));
    const kept = owner ? this.movedGuards(moved.filter((_, i) => returnable[i])) : [];
    for (const g of kept) g.carrier = owner?.returnType;
    if (kept.length === 0) this.moveIntoCall(moved, span, name);
    else this.moveIntoCall(moved.filter((v, i) => !returnable[i] && v.guards.length > 0), span, name);
    const site = callSiteOf(receiver, args, this.ctx.index.sharedHandles());
    const callees = memoisedCallees(this.ctx.index, resolve);
    this.calleesAt.set(node.startIndex + this.shift, callees);
    if (deferred.length > 0) this.runPassedClosures(deferred, nearby, callees, node, name, site);
    const now = this.callOutcome(node, name, nearby.filter((fn) => !fn.isAsync), calleesByAsync(callees, false), receiver, args, site);
    const asyncCallees = calleesByAsync(callees, true);
    const later = this.future(() => this.callOutcome(node, name, nearby.filter((fn) => fn.isAsync), asyncCallees, receiver, args, site), false);
    const result: Value = { ...now, guards: [...now.guards, ...kept], future: later };
    return this.passFutures(name, detaching, receiver ? [receiver, ...args] : args, result);
  }

  /** Guards passed by value, now owned by the call's result. */
  private movedGuards(args: readonly Value[]): LiveGuard[] {
    const moved: LiveGuard[] = [];
    for (const v of args) {
      if (v.borrowed || v.guards.length === 0) continue;
      this.detach(v.guards, v.binding);
      for (const g of v.guards) this.temps[this.temps.length - 1].guards.push(g);
      moved.push(...v.guards);
    }
    return moved;
  }

  /**
   * What is known where `node` runs, given what held at the function's entry: the checks and
   * writes before it (entry-checks.ts) and the flags the helpers of the held guards left set.
   * Captures only what the answer needs (one per call event, kept after the walk): the walk's
   * shared lookups, the node, its shift and the held guards' makers.
   */
  private knowledgeAt(node: SyntaxNode): (carried?: Knowledge) => Knowledge {
    const makers = this.live.filter((g) => g.live && g.suspended === 0 && g.fact.returnedBy?.maker).map((g) => g.fact);
    const shift = this.shift;
    const lookups = (this.lookups ??= { calleesAt: this.calleesAt, exitedCalls: this.exitedCalls, file: this.file, index: this.ctx.index });
    return (carried) => {
      const { calleesAt, exitedCalls, file, index } = lookups;
      const resolver: CallResolver = {
        callees: (call) => calleesAt.get(call.startIndex + shift)?.(),
        named: (name, owners) => index.functionsNamed(name, owners),
      };
      const known = knownBefore(node, (call) => exitedCalls.has(call.startIndex + shift), resolver, carried);
      const at = node.startIndex + shift;
      for (const guard of makers) {
        const span = guard.acquisition.span;
        const since = file.text.slice(file.lines.offset(span.endLine, span.endColumn), at);
        for (const [atom, value] of flagsLeftSet(guard.returnedBy!.maker!, index)) {
          // Code between the guard and the call that names the flag may have set it again.
          if (!new RegExp(`\\b${escapeRegex(atom.split('.')[0])}\\b`).test(since) && !known.has(atom)) known.set(atom, value);
        }
      }
      return known;
    };
  }

  /**
   * While a guard is held: where each callee must leave at its entry check under what this call
   * site knows (entry-checks.ts). A call all of whose callees leave is remembered, so that a check
   * before a later call can be read across it.
   */
  private entryDecider(node: SyntaxNode, callees: () => readonly FnDecl[]): CallEvent['leavesAtEntry'] {
    if (this.held().length === 0) return undefined;
    const resolved = callees();
    if (!resolved.some((callee) => entryChecks(callee))) return undefined;
    const known = this.knowledgeAt(node)();
    if (known.size === 0) return undefined;
    const texts = callTexts(node);
    const named = (name: string) => this.ctx.index.functionsNamed(name);
    const decide = (callee: FnDecl): EntryChecks['end'] | undefined => leavesAtEntry(callee, texts, known, named);
    if (resolved.every((callee) => decide(callee))) this.exitedCalls.add(node.startIndex + this.shift);
    return decide;
  }

  /**
   * The call decided under what held when its function was entered (`CallEvent.decideUnder`), for
   * a caller that knows more than this function does: asked, and memoised, after the walk.
   */
  private decisionUnder(node: SyntaxNode): NonNullable<CallEvent['decideUnder']> {
    const knowledge = this.knowledgeAt(node);
    const index = this.ctx.index;
    let decided: Map<string, CallDecision> | undefined;
    return (carried) => {
      const key = knowledgeKey(carried);
      decided ??= new Map();
      let decision = decided.get(key);
      if (!decision) {
        const known = knowledge(carried);
        const texts = callTexts(node);
        const named = (name: string) => index.functionsNamed(name);
        decision = { leaves: (callee) => (known.size === 0 ? undefined : leavesAtEntry(callee, texts, known, named)), passed: staticFacts(known) };
        decided.set(key, decision);
      }
      return decision;
    };
  }

  /** What running the callees does here: the locks they take, and what their result carries. */
  private callOutcome(
    node: SyntaxNode,
    name: string,
    nearby: readonly FnDecl[],
    callees: () => readonly FnDecl[],
    receiver: Value | undefined,
    args: readonly Value[],
    site: CallSite,
  ): Value {
    const span = this.span(node);
    const leavesAtEntry = this.entryDecider(node, callees);
    const returned: GuardFact[] = [];
    for (const callee of nearby) {
      if (!mayReturnGuard(callee)) continue;
      // A helper that must leave at its entry check returns no guard made after it.
      const end = leavesAtEntry?.(callee);
      returned.push(...this.ctx.returnedGuards(callee).filter((g) => !end || !startsAfter(g.acquisition.span, end)));
    }
    const configured = returned.length === 0 ? this.configuredGuard(nearby, span, name, receiver, args) : undefined;
    if (configured) return configured;
    const first = nearby[0];
    const returnsStruct = first?.returnType;
    // An owned result (not a reference, not `impl Trait`): the caller drops it.
    const owned = returnsStruct && !/^\s*(?:&|impl\b|dyn\b)/.test(returnsStruct) ? { text: /^\s*Self\b/.test(returnsStruct) ? (first.ownerType ?? returnsStruct) : returnsStruct, file: first.file } : undefined;
    const result: Value = { ...(first ? this.returnedValue(first) : NOTHING), content: owned };
    if (returned.length === 0) {
      this.call(callees, name, node, receiver, args, undefined, leavesAtEntry, this.decisionUnder(node));
      // An accessor returning `&self.conns` hands back that lock, as seen from here.
      const accessor = nearby.find((fn) => LOCK_TYPE_MENTION.test(fn.returnType ?? '') && this.ctx.returnedLock(fn));
      if (accessor) {
        const returnedLock = this.ctx.returnedLock(accessor)!;
        // `fn offsets(&self, kind) -> &DashMap<…>` returning one of two fields: each as seen from here.
        const places = (returnedLock.alternatives ?? [returnedLock.id]).map((lock) => {
          const id = lockAtCall(site, accessor, lock);
          return id ? { id, type: returnedLock.type, confidence: returnedLock.confidence } : undefined;
        });
        const lock = places.every((p) => p !== undefined) ? eitherLock(places) : undefined;
        if (lock) return { guards: [], lock };
      }
      return result;
    }
    const guards: LiveGuard[] = [];
    // A helper returning its guard from several places returns one guard per lock and mode.
    const seen = new Set<string>();
    for (const inner of returned) {
      const key = `${inner.acquisition.lock.key}|${inner.acquisition.mode}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const callee = nearby.find((fn) => this.ctx.returnedGuards(fn).includes(inner));
      const mapped = callee ? acquisitionAtCall(site, callee, inner.acquisition) : inner.acquisition;
      if (!mapped) continue;
      const acquisition: Acquisition = { ...mapped, span, api: `${name}()` };
      const innerAcquisition = inner.returnedBy?.inner ?? inner.acquisition;
      // The guards of different return paths are alternatives: one call returns one of them, so
      // they are not held while each other is taken.
      for (const g of guards) g.suspended++;
      const guard = this.acquire(acquisition, undefined, { returnedBy: { fnName: name, inner: innerAcquisition, ...(callee ? { maker: callee } : {}) }, at: node });
      for (const g of guards) g.suspended--;
      if (!guard) continue;
      // `fn get(&self, k) -> Option<Ref<…>>`: the `None` it may return holds nothing; so does the
      // `Err` of a `Result<Guard, E>` whose `E` cannot hold one.
      guard.optional = callee !== undefined && resultMayHoldNoGuard(callee.returnType);
      guard.carrier = callee?.returnType;
      guards.push(guard);
    }
    return { guards, struct: result.struct, distinct: result.distinct };
  }

  /**
   * The type a callee's declared result gives the value (`-> Self`, `-> Arc<Self>`,
   * `-> Result<Store, E>`: the `Option`/`Result` is seen through, for `?` and `unwrap`). An
   * associated function returning its own type is a constructor: the value is a fresh object.
   */
  protected returnedValue(callee: FnDecl): Value {
    const written = callee.returnType;
    if (!written) return NOTHING;
    const owned = callee.ownerType ? written.replace(/\bSelf\b/g, callee.ownerType) : written;
    const fallible = /^(?:(?:std|core)::(?:option|result)::)?(?:Option|Result)\s*<([\s\S]*)>$/.exec(owned.trim());
    const inner = fallible ? (fallible[1].split(',')[0] ?? '') : owned;
    const struct = this.meaningOf(inner, callee.file).struct;
    if (!struct) return NOTHING;
    return { guards: [], struct, distinct: callee.selfParam === undefined && struct === callee.ownerType ? true : undefined };
  }

  /**
   * `fn locked(&self) -> Guard` where the configuration names `Guard` a guard type: the call is an
   * acquisition of the lock `Owner.locked` in the configured mode, whatever the body does.
   */
  protected configuredGuard(callees: readonly FnDecl[], span: SourceSpan, name: string, receiver: Value | undefined, args: readonly Value[]): Value | undefined {
    const guardTypes = this.ctx.index.extraLockApis.guardTypes;
    const callee = callees.find((fn) => fn.returnType && Object.hasOwn(guardTypes, typeHeadName(fn.returnType)));
    if (!callee?.returnType) return undefined;
    const lockKey = `${callee.ownerType ?? callee.module.path.join('::') ?? ''}.${callee.name}`;
    const declared: Acquisition = {
      lock: { key: lockKey, display: lockKey },
      mode: guardTypes[typeHeadName(callee.returnType)],
      flavor: lockFlavor('Mutex', 'configured'),
      api: `${name}()`,
      span,
      blocking: true,
      confidence: 'high',
    };
    const acquisition = acquisitionAtCall(callSiteOf(receiver, args, this.ctx.index.sharedHandles()), callee, declared);
    if (!acquisition) return undefined;
    const guard = this.acquire(acquisition, undefined, { returnedBy: { fnName: name, inner: declared } });
    return guard ? { guards: [guard] } : NOTHING;
  }

  /**
   * Formatting, assertion and logging macros take ordinary expressions; their token trees are
   * re-parsed as call arguments so that a `.lock()` inside `println!` counts. `join!` the same,
   * when that parse is clean. Any other macro's expansion is not known: see `opaqueMacro`.
   */
  protected macro(node: SyntaxNode): Value {
    const name = (node.childForFieldName('macro')?.text ?? '').split('::').pop() ?? '';
    const tokens = node.namedChildren.find((c) => c.type === 'token_tree');
    if (AWAITING_MACROS.has(name)) {
      // `select!` awaits its futures: the task may be suspended here. Then the handler of the
      // branch that completed runs, with what is held here. Its futures are not followed: one
      // waiting forever on a lock held here is not a deadlock while another branch can complete
      // (`_ = sleep(..) =>`).
      this.events.push({ kind: 'await', span: this.span(node), held: this.heldAtAwait(), detached: this.detached });
      if (tokens && tokens.text.length >= 3) this.opaqueMacro(tokens);
      return NOTHING;
    }
    const joining = JOINING_MACROS.has(name);
    if (!tokens || tokens.text.length < 3) return NOTHING;
    if (!joining && !EXPRESSION_MACROS.has(name)) {
      this.opaqueMacro(tokens);
      return NOTHING;
    }
    const { args, hasError } = reparsedArguments(tokens.text.slice(1, -1));
    if (!args || (hasError && !EXPRESSION_MACROS.has(name))) {
      if (joining) this.joinFutures(node, []);
      return NOTHING;
    }
    const savedShift = this.shift;
    this.shift = savedShift + tokens.startIndex + 1 - MACRO_PREFIX.length;
    let formatted: { value: Value; trait: 'Display' | 'Debug' }[] = [];
    try {
      // `matches!(e, Pattern)`: only the first argument is an expression.
      const parts = this.argumentNodes(args);
      // `assert!(cond, "…", args)` is `if !cond { panic!(…) }`: the condition is a temporary scope
      // of its own, dropped before the message's arguments run (`assert_eq!` is not: both
      // operands live through the message).
      const conditionFirst = (name === 'assert' || name === 'debug_assert') && parts.length > 1;
      if (conditionFirst) {
        this.pushTemp('at the end of the assertion\'s condition');
        this.expr(parts[0]);
        this.endTemp(this.endOf(parts[0]));
      }
      const evaluated = name === 'matches' ? parts.slice(0, 1) : conditionFirst ? parts.slice(1) : parts;
      const values = evaluated.map((arg) => this.expr(arg));
      if (joining) this.joinFutures(node, values);
      if (FORMATTING_MACROS.has(name)) formatted = this.formattedValues(evaluated, values);
    } finally {
      this.shift = savedShift;
    }
    // Formatting runs the `Display` / `Debug` impl of each value it prints, here, under what is held.
    for (const { value, trait } of formatted) {
      const struct = value.struct;
      if (struct) this.resolvedCall(node, traitImplCallees(this.ctx.index, struct, 'fmt', trait), 'fmt', [], { ...value, guards: [], borrowed: true });
    }
    return NOTHING;
  }

  /**
   * The values a format string prints and the trait it prints them with: `{}` / `{name}` is
   * `Display`, `{:?}` is `Debug` (other specs, `{:x}`, name other traits); positional
   * placeholders take the arguments after the string in order, `{0}` by index, `{self}` /
   * `{name}` a variable in scope (Rust 2021 captured identifiers).
   */
  private formattedValues(args: readonly SyntaxNode[], values: readonly Value[]): { value: Value; trait: 'Display' | 'Debug' }[] {
    const at = args.findIndex((a) => a.type === 'string_literal' || a.type === 'raw_string_literal');
    if (at < 0) return [];
    const positional = args.slice(at + 1).flatMap((a, i) => (a.type === 'assignment_expression' ? [] : [values[at + 1 + i]]));
    const out: { value: Value; trait: 'Display' | 'Debug' }[] = [];
    let next = 0;
    for (const m of args[at].text.matchAll(/\{\{|\}\}|\{([^{}]*)\}/g)) {
      if (m[1] === undefined) continue;
      const [name = '', spec = ''] = m[1].split(':');
      const trait = spec.includes('?') ? 'Debug' : /[xXobeEp]$/.test(spec) ? undefined : 'Display';
      if (!trait) continue;
      const key = name.trim().split('.')[0];
      let value: Value | undefined;
      if (key === '') value = positional[next++];
      else if (/^\d+$/.test(key)) value = positional[Number(key)];
      else if (key === 'self') value = this.selfValue();
      else {
        const binding = this.lookup(key);
        if (binding) value = { guards: [], struct: binding.struct, path: binding.path, distinct: binding.distinct, binding };
      }
      if (value?.struct) out.push({ value, trait });
    }
    return out;
  }

  /**
   * A `macro_rules!` macro whose expansion is not known (a crate's own, or another library's).
   * Its arguments are the caller's code (hygiene: they cannot see the macro's locals), so a guard
   * held by the caller is held while they run; but where the expansion puts them is unknown —
   * usually each in a statement of its own (`let before = $metric.count(); let _ = $block;`), so
   * that one argument's temporaries are gone before the next runs. Each argument separated by
   * `,`, `;` or `=>` at the top level is therefore its own temporary scope, and one that is not an
   * expression on its own is skipped. What is missed: an expansion that puts two arguments in
   * one expression (`f($a, $b)`), or binds one to a local (`let _g = $m.lock(); $body`).
   * `select!` is read the same way (`pattern = future, if precondition => handler,`).
   */
  private opaqueMacro(tokens: SyntaxNode): void {
    const pieces: SyntaxNode[][] = [[]];
    for (const token of tokens.children.slice(1, -1)) {
      if (!token.isNamed && MACRO_SEPARATORS.has(token.type)) pieces.push([]);
      else pieces[pieces.length - 1].push(token);
    }
    for (const piece of pieces) {
      if (piece.length === 0) continue;
      const start = piece[0].startIndex;
      const text = tokens.text.slice(start - tokens.startIndex, piece[piece.length - 1].endIndex - tokens.startIndex);
      const { args, hasError } = reparsedArguments(text);
      const expression = hasError ? [] : this.argumentNodes(args);
      if (expression.length !== 1) continue;
      const savedShift = this.shift;
      this.shift = savedShift + start - MACRO_PREFIX.length;
      try {
        this.pushTemp('at the end of the macro argument (the macro\'s expansion is not known)');
        this.expr(expression[0]);
        this.endTemp(this.endOf(expression[0]));
      } finally {
        this.shift = savedShift;
      }
    }
  }
}

/** A macro's tokens parsed as the arguments of a call, `__m(<tokens>)`, and whether the parse had errors. */
function reparsedArguments(tokens: string): { args: SyntaxNode | null; hasError: boolean } {
  const tree = parseRust(`${MACRO_PREFIX}${tokens});}`);
  const call = tree.rootNode.namedChildren[0]?.childForFieldName('body')?.namedChildren[0];
  const callNode = call?.type === 'expression_statement' ? call.namedChildren[0] : call;
  return { args: callNode?.type === 'call_expression' ? callNode.childForFieldName('arguments') : null, hasError: tree.rootNode.hasError };
}

const MACRO_PREFIX = 'fn __lockscope_macro() { __m(';
const MACRO_SEPARATORS = new Set([',', ';', '=>']);

/**
 * Whether a function's declared result can hold a guard: a guard type, a DashMap `Ref`, an
 * `impl Trait`, `Self`, a generic; `usize` or `()` cannot. Only such callees are walked to ask.
 */
function mayReturnGuard(fn: FnDecl): boolean {
  const type = fn.returnType;
  if (!type) return false;
  // A lifetime means the result borrows (often a struct holding a guard: `Locked<'_>`).
  return LOCK_TYPE_MENTION.test(type) || /Guard|\bRef(?:Mut)?\b|\bimpl\b|\bSelf\b|\bdyn\b|'/.test(type) || /(?:^|[<(,\s])[A-Z]\b/.test(type);
}

/**
 * Whether a declared result may carry none of the guards a function returns: the `None` of an
 * `Option<G>`, the `Err` of a `Result<G, E>` whose `E` cannot hold a guard
 * (`Result<Guard<'_, T>, InitPermit>`; `io::Result<G>` and other one-argument aliases name an
 * error type of their own).
 */
function resultMayHoldNoGuard(type: string | undefined): boolean {
  const text = type?.trim() ?? '';
  if (/^(?:(?:std|core)::option::)?Option\s*</.test(text)) return true;
  const result = /^(?:[A-Za-z_][A-Za-z0-9_]*::)*(?:[A-Za-z_][A-Za-z0-9_]*)?Result\s*<([\s\S]*)>$/.exec(text);
  if (!result) return false;
  const args = splitTypeList(result[1]);
  return args.length < 2 || !/Guard|\bRef(?:Mut)?\b|'|\bdyn\b|\bimpl\b|^\s*[A-Z]\s*$/.test(args[1]);
}

/**
 * Whether a callee's result can own a guard it is given: its type names a guard, borrows (a
 * lifetime), boxes a trait object, or is a struct of the crate with a guard-typed field.
 */
export function resultCanOwnGuard(fn: FnDecl, index: CrateIndex): boolean {
  const type = fn.returnType;
  if (!type) return false;
  if (/Guard|\bRef(?:Mut)?\b|'|\bdyn\b/.test(type)) return true;
  const head = typeHeadName(type) === 'Self' ? fn.ownerType : typeHeadName(type);
  const struct = head ? index.struct(head, fn.file) : undefined;
  return struct !== undefined && [...struct.fields.values()].some((t) => /Guard|\bRef(?:Mut)?\b/.test(t));
}

/**
 * Whether the result of `fn` can hold the value passed as parameter `index`: its declared type (a
 * generic, `impl Trait` or unknown one may be anything) is named in the return type or in the
 * fields of the struct returned.
 */
function resultCanHoldParameter(fn: FnDecl, index: number, crate: CrateIndex): boolean {
  const declared = fn.params[index]?.type.trim().replace(/^&\s*('\w+\s*)?(mut\s+)?/, '');
  const head = declared ? typeHeadName(declared) : undefined;
  // A tuple, array or pointer type (`(*const K, *mut V)`) names no one type the result could be checked for.
  if (!head || !/^[\p{L}_][\p{L}\p{N}_]*$/u.test(head) || /^(?:impl|dyn)$/.test(head) || /^[A-Z]$/.test(head) || declared!.startsWith('impl ')) return true;
  const named = new RegExp(`\\b${head}\\b`);
  const type = fn.returnType ?? '';
  // `Box<dyn Any>`, `impl Drop`: any value may be inside.
  if (named.test(type) || /\b(?:dyn|impl)\b/.test(type)) return true;
  const returned = typeHeadName(type) === 'Self' ? fn.ownerType : typeHeadName(type);
  const struct = returned ? crate.struct(returned, fn.file) : undefined;
  return struct !== undefined && [...struct.fields.values()].some((t) => named.test(t) || /^[A-Z]$/.test(t.trim()));
}

export function takesSelfByValue(fn: FnDecl): boolean {
  return /^(mut\s+)?self(\s*:\s*(Self|Box<Self>))?$/.test(fn.selfParam?.trim() ?? '');
}

/**
 * The parameter is declared a closure: `impl Fn*(..)`, `&dyn Fn*(..)`, `Box<dyn Fn*>`, or a generic
 * type bounded by `Fn*` (`F: FnOnce() -> V`, `where F: Fn(..)`). Stricter than `takesClosureAt`:
 * a parameter of a plain type named like a generic (`settings: RateLimiterSettings`) is data.
 */
export function isClosureParameter(fn: FnDecl, index: number): boolean {
  const type = fn.params[index]?.type.trim();
  if (type === undefined) return false;
  if (/\bFn(?:Once|Mut)?\s*\(/.test(type)) return true;
  if (!/^[A-Z][A-Za-z0-9_]*$/.test(type)) return false;
  const body = fn.node.childForFieldName('body');
  const signature = fn.node.text.slice(0, body ? body.startIndex - fn.node.startIndex : undefined);
  return new RegExp(`[<,(\\s]${type}\\s*:[^,>{;]*\\bFn(?:Once|Mut)?\\s*\\(`).test(signature);
}

export function takesClosureAt(fn: FnDecl, index: number): boolean {
  const type = fn.params[index]?.type;
  return type !== undefined && (/\bFn(?:Once|Mut)?\b/.test(type) || /^[A-Z][A-Za-z0-9_]*$/.test(type.trim()));
}

/**
 * Every callee only keeps the closure at `index` (in the value it returns or a field it assigns:
 * `DeferGuard(Some(f))`, `Self { on_drop: Box::new(f) }`, `self.callback = Some(f)`) or hands it
 * to work it spawns and does not join, and never calls it or hands it on in its own flow: it runs
 * later, when that value or that thread runs it, not during the call.
 */
function storedByEveryCallee(callees: readonly FnDecl[], index: number): boolean {
  const takers = callees.filter((fn) => takesClosureAt(fn, index));
  return takers.length > 0 && takers.length === callees.length && takers.every((fn) => neverRunsDuringCall(fn, index));
}

export function neverRunsDuringCall(fn: FnDecl, index: number): boolean {
  const name = fn.params[index]?.name;
  const body = fn.node.childForFieldName('body');
  if (!name || !body) return false;
  const uses = body.descendantsOfType('identifier').filter((n) => n.text === name);
  const joins = /\.join\(\s*\)/.test(body.text);
  return uses.length > 0 && uses.every((use) => isKept(use, body) || (!joins && onSpawnedWork(use, body)));
}

/** The use is inside a closure or async block handed to `spawn(..)`: it runs on that thread or task. */
function onSpawnedWork(use: SyntaxNode, body: SyntaxNode): boolean {
  for (let node = use.parent; node && node !== body; node = node.parent) {
    if (node.type !== 'closure_expression' && node.type !== 'async_block') continue;
    const callee = node.parent?.type === 'arguments' ? node.parent.parent?.childForFieldName('function') : undefined;
    const called = callee?.type === 'field_expression' ? callee.childForFieldName('field')?.text : callee?.text.split('::').at(-1);
    if (called && DETACHING_CALLS.has(called)) return true;
  }
  return false;
}

/** The value at `use` ends, through constructors and struct fields only, in the function's result or a field. */
function isKept(use: SyntaxNode, body: SyntaxNode): boolean {
  let value = use;
  for (;;) {
    const parent = value.parent;
    if (!parent) return false;
    if (parent.type === 'arguments' && parent.parent && isConstructorCall(parent.parent)) value = parent.parent;
    else if (parent.type === 'arguments' && parent.parent && storesIntoSelf(parent.parent)) return true;
    else if (parent.type === 'shorthand_field_initializer' || (parent.type === 'field_initializer' && value.fieldName === 'value')) {
      const struct = parent.parent?.parent;
      if (struct?.type !== 'struct_expression') return false;
      value = struct;
    } else if (parent === body) return parent.namedChildren.at(-1) === value;
    else if (parent.type === 'return_expression') return true;
    else return parent.type === 'assignment_expression' && value.fieldName === 'right' && parent.childForFieldName('left')?.type === 'field_expression';
  }
}

/** `self.handlers.write().unwrap().push(..)`, `self.hooks.insert(k, ..)`: a value added to a collection `self` keeps. */
function storesIntoSelf(call: SyntaxNode): boolean {
  const callee = call.type === 'call_expression' ? call.childForFieldName('function') : null;
  if (callee?.type !== 'field_expression') return false;
  const method = callee.childForFieldName('field')?.text ?? '';
  return STORING_METHODS.has(method) && /^self\s*\./.test(callee.childForFieldName('value')?.text ?? '');
}

const STORING_METHODS = new Set(['push', 'push_back', 'push_front', 'insert', 'extend', 'replace', 'set']);

/** `Some(..)`, `DeferGuard(..)`, `Event::Done(..)` (tuple structs and variants), `Box::new(..)`. */
function isConstructorCall(call: SyntaxNode): boolean {
  if (call.type !== 'call_expression') return false;
  const path = call.childForFieldName('function')?.text.replace(/\s+/g, '') ?? '';
  const last = path.split('::').at(-1) ?? '';
  return /^[A-Z]/.test(last) || /^(Box|Arc|Rc)::new$/.test(path);
}

const CHANNEL_CONSTRUCTORS = new Set(['channel', 'sync_channel', 'unbounded', 'bounded']);

