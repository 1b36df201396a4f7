// What the project pack carries from the analysis of one crate: every way a guard is made (the
// maker's text, `self.load.read()`, `registry().lock()`, `self.rl()`), and for each, the calls
// that take the same lock in a conflicting mode — the functions whose summaries reach it, by the
// forms the code uses to call them (`self.init_for`, `Self::announce`, `record`, `self.bids.push`,
// `self.load.write`), each with its witness chain for the message.
import { conflicts, formatSpan, type Acquisition, type AccessMode, type ReachedAcquisition, type WitnessStep } from '../core/model.js';
import type { FnDecl, ParsedFile } from '../rust/crate-index.js';
import { findConflicts } from '../rust/conflicts.js';
import type { FunctionFacts, GuardFact } from '../rust/facts.js';
import { neverRunsDuringCall, resultCanOwnGuard, takesClosureAt, takesSelfByValue } from '../rust/guard-lifetimes/calls.js';
import { GUARD_CONSUMING_METHODS, lockKindOfTypeName, lockMethod } from '../rust/lock-apis.js';
import { isPrimitiveType, splitTypeList, typeMeaning } from '../rust/types.js';
import { guardedData, ownedTypeNames } from '../rust/guard-lifetimes/drop-types.js';
import type { CrateFacts } from '../rust/summaries.js';
import { typeHeadName, type SyntaxNode } from '../rust/syntax.js';

/** A call that takes the held lock again: `prefix` + `name` + arguments. */
export interface ConflictForm {
  /** What stands before the name: `self.`, `Self::`, `Proxy::`, `` (a free function), `self.load.` */
  readonly prefix: string;
  readonly name: string;
  /** `)` for a parenthesised callee (`(timer.fire)()`, a callback field called), whose `(` ends `prefix`. */
  readonly close?: string;
  /** Literal arguments for path calls whose argument is the lock (`RefCell::borrow_mut(&self.cache)`). */
  readonly args?: string;
  /** `.await` for async locks: `self.queue.lock()` only makes a future; awaiting it takes the lock. */
  readonly suffix?: string;
  /**
   * The function the form means this lock in, when the text names it only there: a local
   * (`r2.lock()` where `r2` is a clone of the held lock), or a function declared in a body.
   */
  readonly within?: string;
  /**
   * `drop(ticket)` that runs a crate type's `Drop`: only a value of one of `types` does. The
   * argument is a local bound to one (`let ticket = self.ticket();`): a literal or constructor of
   * the type, or a call of a function whose declared result owns one (`makers`).
   */
  readonly dropped?: DroppedValue;
}

export interface DroppedValue {
  readonly types: readonly string[];
  readonly makers: readonly string[];
}

/** The calls of one name that conflict with a hold, and the chain the message shows. */
export interface ConflictGroup {
  readonly name: string;
  readonly forms: readonly ConflictForm[];
  readonly chain: string;
  readonly requested: AccessMode;
  /**
   * Functions in which every call of this callee under the guard leaves at an entry check the
   * call site decided (entry-checks.ts: an assertion just before it, a flag the guard's helper
   * left set): the analysis's verdict, carried by name, since a pattern cannot follow what is
   * known between statements.
   */
  readonly decidedIn?: readonly string[];
}

export interface Hold {
  /** The type whose `impl` made the guard, for makers on `self` (`self.queue` of two types are two locks). */
  readonly owner?: string;
  /** The guard-making call as it is written, arguments generalised: `self.load.read(…)`. */
  readonly maker: { readonly semgrep: string; readonly astGrep: string; readonly text: string };
  readonly lockDisplay: string;
  readonly held: Acquisition;
  /** DashMap `get`/`get_mut`: `None` holds nothing, so only the `if let` then-block holds it. */
  readonly optional: boolean;
  /**
   * A helper that locks its receiver and runs the closure it is given under that guard
   * (`self.table.with(|t| …)` through a crate's extension trait): the guard lives during the call
   * only, so only the closure's body runs under it; the value the call returns holds nothing.
   */
  readonly whileRunningClosure: boolean;
  /**
   * The guard a field of `self` keeps (`Txn { guard: MutexGuard<'a, Data>, .. }`, field `self.guard`):
   * every method of the owner taking `self` runs under it, until it moves `self` or the guard on.
   */
  readonly heldBySelf?: string;
  /**
   * The lock guards a value whose compound assignment is a trait call (`Mutex<Duration>`,
   * `Mutex<String>`): `*self.spent.lock().unwrap() += self.measure()` takes the lock before the
   * right-hand side runs.
   */
  readonly placeFirst: boolean;
  /**
   * For the `.await` rule: the crate makes this guard in a scrutinee of an `async fn` (where a
   * construct's arms can await under it). Other holds get no scrutinee contexts there: they would
   * cost Semgrep the branch rules' patterns again for code that cannot await.
   */
  readonly scrutineeInAsync?: boolean;
  /** `try_lock()` and kin: only the success (`Ok(g)`, `Some(g)`) holds the guard; a failure holds nothing. */
  readonly attempt: boolean;
  /** A helper returning `Result<Guard, Permit>`: its `Err` holds no guard (a scrutinee's `Err` arm is safe). */
  readonly errHoldsNothing: boolean;
  /** `let` initialisers seen in the code beyond the standard ones (`self.rows.lock().map_err(…)?`). */
  readonly letInits: readonly string[];
  /**
   * `let` statements that bind the guard to one element of a tuple (`let (proxies, id, lock) =
   * proxy_all(…)`, the element whose declared type holds it): the elements as a pattern with
   * `$G` for the guard's (`$_, $_, $G`), and the initialiser.
   */
  readonly tupleLets: readonly { readonly elements: string; readonly init: string }[];
  /**
   * Methods that take the guard's value by value and do not hand it back (`found.and_then(…)` on
   * a DashMap `get`'s `Option<Ref>`, `batch.finish()` with `fn finish(self) -> usize`): after such
   * a call the guard is released.
   */
  readonly consumedBy: readonly string[];
  readonly groups: readonly ConflictGroup[];
  /** Types whose `Drop` takes the lock again: a value of one declared after the guard is dropped before it. */
  readonly droppedTypes: readonly string[];
  /** `Display` / `Debug` impls of the owner that take the lock: `format!("{self}")` runs them under the guard. */
  readonly formatted: readonly ('Display' | 'Debug')[];
  /**
   * For a `try_*` maker, the blocking makers of the same lock: a `try_*` made while one of their
   * guards is held fails (holds nothing); made with none held, it succeeds.
   */
  readonly sameLockMakers: readonly Hold['maker'][];
  /**
   * The local variable whose own lock the guard is, for a lock built in the function (`let env =
   * Arc::new(Mutex::new(…))`; `env.lock()`): each `let` of a local lock is a lock of its own, so
   * after a shadowing `let env = Arc::new(Mutex::new(…))` a call on `env` is another lock's.
   */
  readonly localRoot?: string;
}

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** A lock under a local or a parameter (`Reader@r.requests`): its text means it in one function only. */
const isObjectRooted = (key: string): boolean => key.startsWith('param:') || /^[A-Za-z_][A-Za-z0-9_]*@/.test(key);

type Span = { line: number; column: number; endLine: number; endColumn: number };

function offsetsOf(file: ParsedFile, span: Span): { start: number; end: number } {
  const offset = (line: number, column: number): number => {
    let at = 0;
    for (let l = 1; l < line; l++) at = file.text.indexOf('\n', at) + 1;
    return at + column - 1;
  };
  return { start: offset(span.line, span.column), end: offset(span.endLine, span.endColumn) };
}

function nodeAt(file: ParsedFile, span: Span): SyntaxNode | undefined {
  const { start, end } = offsetsOf(file, span);
  let node: SyntaxNode | null = file.tree.rootNode.descendantForIndex(start, Math.max(start, end - 1));
  while (node && (node.startIndex > start || node.endIndex < end)) node = node.parent;
  return node ?? undefined;
}

/** `self.load.read(&k)` → `self.load.read(...)`; a path call keeps its arguments (they name the lock). */
/** `receiver.name` as a callee: the receiver is the prefix. */
function fieldForm(fn: SyntaxNode): ConflictForm | undefined {
  const value = fn.childForFieldName('value');
  const field = fn.childForFieldName('field');
  if (!value || !field || value.text.includes('\n')) return undefined;
  return { prefix: `${value.text}.`, name: field.text };
}

function callForm(node: SyntaxNode | undefined): ConflictForm | undefined {
  if (!node || node.type !== 'call_expression') return undefined;
  const fn = node.childForFieldName('function');
  const args = node.childForFieldName('arguments');
  if (!fn || !args) return undefined;
  if (fn.type === 'field_expression') return fieldForm(fn);
  // `(timer.fire)()`: a callback kept in a field, called.
  const inner = fn.type === 'parenthesized_expression' && fn.namedChildCount === 1 ? fn.namedChild(0) : null;
  if (inner?.type === 'field_expression') {
    const form = fieldForm(inner);
    return form && { ...form, prefix: `(${form.prefix}`, close: ')' };
  }
  if (fn.type === 'identifier') return { prefix: '', name: fn.text };
  if (fn.type === 'scoped_identifier') {
    const name = fn.childForFieldName('name');
    const path = fn.childForFieldName('path');
    if (!name) return undefined;
    const prefix = path ? `${path.text}::` : '';
    // `Mutex::lock(&self.names)`: the argument is the lock, so it stays.
    return lockKindOfTypeName(path?.text.split('::').pop() ?? '') !== undefined && !args.text.includes('\n') ? { prefix, name: name.text, args: args.text.slice(1, -1) } : { prefix, name: name.text };
  }
  return undefined;
}

/**
 * A call inside a macro's arguments is tokens to tree-sitter; the analysis re-parsed it (for the
 * formatting, assertion and logging macros), so its span's text is a call: `self.current.borrow_mut()`.
 */
function macroCallForm(file: ParsedFile, span: Span, node: SyntaxNode | undefined): ConflictForm | undefined {
  if (!node || (node.type !== 'token_tree' && node.parent?.type !== 'token_tree')) return undefined;
  const { start, end } = offsetsOf(file, span);
  const call = /^((?:[A-Za-z_]\w*\s*\.\s*)+|(?:[A-Za-z_]\w*\s*::\s*)+)?([A-Za-z_]\w*)\s*\([\s\S]*\)$/.exec(file.text.slice(start, end).trim());
  if (!call) return undefined;
  const prefix = (call[1] ?? '').replace(/\s+/g, '');
  // `Mutex::lock(&self.names)` names its lock in the arguments: not read from tokens.
  if (prefix.endsWith('::') && lockKindOfTypeName(prefix.slice(0, -2).split('::').pop() ?? '') !== undefined) return undefined;
  return { prefix, name: call[2] };
}

/** The form of the call at `span`, in code or in a macro's arguments. */
function formAt(file: ParsedFile, span: Span): ConflictForm | undefined {
  const node = nodeAt(file, span);
  return callForm(node) ?? macroCallForm(file, span, node);
}

export function formSemgrep(form: ConflictForm, nameVariable: string): string {
  return `${form.prefix}${nameVariable}${form.close ?? ''}(${form.args ?? '...'})${form.suffix ?? ''}`;
}

export function formAstGrep(form: ConflictForm, nameVariable: string): string {
  return `${form.prefix}${nameVariable}${form.close ?? ''}(${form.args ?? '$$$ARGS'})${form.suffix ?? ''}`;
}

const isAsyncLock = (a: Acquisition): boolean => !a.flavor.blocksThread && a.flavor.outcome === 'deadlock';

function makerOf(facts: FunctionFacts, guard: GuardFact): Hold['maker'] | undefined {
  const form = formAt(facts.fn.file, guard.acquisition.span);
  if (!form) return undefined;
  const text = `${form.prefix}${form.name}`;
  return {
    semgrep: `${text}(${form.args ?? '...'})`,
    astGrep: `${text}(${form.args ?? '$$$MAKER_ARGS'})`,
    text: `${text}(${form.args ?? '…'})`,
  };
}

/** The `let` statement that binds the guard by a plain `let` (not `let … else`), with its one-line initialiser. */
function guardLetOf(facts: FunctionFacts, guard: GuardFact): { node: SyntaxNode; init: string } | undefined {
  if (guard.origin !== 'let') return undefined;
  let node = nodeAt(facts.fn.file, guard.acquisition.span);
  while (node && node.type !== 'let_declaration' && !/^(function_item|block|closure_expression)$/.test(node.type)) node = node.parent ?? undefined;
  if (!node || node.type !== 'let_declaration' || node.childForFieldName('alternative')) return undefined;
  const value = node.childForFieldName('value');
  return value && !value.text.includes('\n') ? { node, init: value.text } : undefined;
}

/** The `let` statement's initialiser, when it binds the guard to a name. */
function letInitOf(facts: FunctionFacts, guard: GuardFact): string | undefined {
  const bound = guardLetOf(facts, guard);
  return bound && bound.node.childForFieldName('pattern')?.type === 'identifier' ? bound.init : undefined;
}

/** `let (proxies, id, lock) = …` binding the guard to `lock`: `$_, $_, $G` and the initialiser. */
function tupleLetOf(facts: FunctionFacts, guard: GuardFact): { elements: string; init: string } | undefined {
  const bound = guardLetOf(facts, guard);
  const pattern = bound?.node.childForFieldName('pattern');
  if (!bound || pattern?.type !== 'tuple_pattern' || guard.binding === undefined) return undefined;
  const elements = pattern.namedChildren.map((element) => {
    const name = element.type === 'mut_pattern' ? element.namedChildren[element.namedChildren.length - 1] : element;
    if (name?.type !== 'identifier' || name.text !== guard.binding) return '$_';
    return element.type === 'mut_pattern' ? 'mut $G' : '$G';
  });
  return elements.includes('$G') || elements.includes('mut $G') ? { elements: elements.join(', '), init: bound.init } : undefined;
}

/**
 * The methods that consume a guard's value: the `Option` adapters of a guard that may be absent
 * (as the analysis's `consumedBy`), or the methods of the struct a helper returns the guard in
 * that take `self` by value and whose result cannot hold it.
 */
function consumingMethods(crate: CrateFacts, all: readonly FunctionFacts[], helper: FnDecl | undefined, optional: boolean): string[] {
  if (optional) return [...GUARD_CONSUMING_METHODS].sort(byText);
  if (!helper?.returnType) return [];
  const head = typeHeadName(helper.returnType);
  const struct = head === 'Self' ? helper.ownerType : head;
  if (!struct || !crate.index.struct(struct)) return [];
  const consumes = (fn: FnDecl): boolean => takesSelfByValue(fn) && !resultCanOwnGuard(fn, crate.index);
  const names = new Set(all.filter((f) => f.fn.ownerType === struct && consumes(f.fn)).map((f) => f.fn.name));
  return [...names].filter((name) => crate.index.methods(struct, name).every(consumes)).sort(byText);
}

function isOptional(a: Acquisition): boolean {
  const kind = lockKindOfTypeName(a.flavor.name.split('::').pop() ?? '');
  return kind !== undefined && (lockMethod(kind, a.api)?.optional ?? false);
}

function chainText(start: string, chain: readonly WitnessStep[], a: Acquisition): string {
  const calls = chain.map((step) => /`([^`]+)`/.exec(step.note)?.[1] ?? step.note);
  return `${[start, ...calls].join(' → ')} takes ${a.lock.display} (${a.mode}, \`${a.api}()\`) at ${formatSpan(a.span)}`;
}

interface GroupBuilder {
  forms: Map<string, ConflictForm>;
  chain?: { length: number; text: string; mode: AccessMode };
}

/** Per hold (its maker key), per callee name: the functions with calls of it that left at a decided entry check. */
type DecidedCalls = Map<string, Map<string, Set<string>>>;

function decidedCalls(all: readonly FunctionFacts[], guardMaker: ReadonlyMap<number, string>, crate: CrateFacts): DecidedCalls {
  const decided: DecidedCalls = new Map();
  for (const facts of all) {
    for (const event of facts.events) {
      if (event.kind !== 'call' || event.held.length === 0) continue;
      // What the call site knows of statics, carried into the callee (`CrateFacts.summaryUnder`).
      const passed = event.decideUnder?.(new Map()).passed;
      const reachesLess = (callee: FunctionFacts['fn']): boolean => {
        if (!passed || passed.size === 0) return false;
        const under = crate.summaryUnder(callee, passed);
        return [...crate.summary(callee).keys()].some((key) => !under.has(key));
      };
      for (const callee of event.callees()) {
        if (!event.leavesAtEntry?.(callee) && !reachesLess(callee)) continue;
        for (const { guard } of event.held) {
          const key = guardMaker.get(guard.id);
          if (key === undefined) continue;
          const byCallee = decided.get(key) ?? new Map<string, Set<string>>();
          decided.set(key, byCallee);
          const fns = byCallee.get(callee.name) ?? new Set<string>();
          byCallee.set(callee.name, fns);
          fns.add(facts.fn.name);
        }
      }
    }
  }
  return decided;
}

function addForm(groups: Map<string, GroupBuilder>, form: ConflictForm, chainLength: number, chain: string, mode: AccessMode): void {
  const group: GroupBuilder = groups.get(form.name) ?? { forms: new Map() };
  groups.set(form.name, group);
  group.forms.set(`${form.prefix}|${form.close ?? ''}|${form.args ?? ''}|${form.suffix ?? ''}|${form.within ?? ''}|${form.dropped?.types.join(',') ?? ''}`, form);
  if (!group.chain || chainLength < group.chain.length || (chainLength === group.chain.length && chain < group.chain.text)) group.chain = { length: chainLength, text: chain, mode };
}

/**
 * The helper that returned a guard (`self.begin()`): of the crate's functions of that name with a
 * declared result, the one whose body made the guard; for a helper handing on another helper's
 * guard, one of the caller's own type, or of its file. Two types' `begin` are two helpers.
 */
function guardHelper(all: readonly FunctionFacts[], facts: FunctionFacts, guard: GuardFact): FnDecl | undefined {
  if (!guard.returnedBy) return undefined;
  const named = all.map((f) => f.fn).filter((fn) => fn.name === guard.returnedBy!.fnName && fn.returnType);
  const inner = guard.returnedBy.inner.span;
  const made = (fn: FnDecl): boolean => {
    if (fn.file.path !== inner.file) return false;
    const offset = fn.file.lines.offset(inner.line, inner.column);
    return fn.start <= offset && offset < fn.end;
  };
  return named.find(made) ?? named.find((fn) => fn.ownerType !== undefined && fn.ownerType === facts.fn.ownerType) ?? named.find((fn) => fn.file.path === facts.fn.file.path) ?? named[0];
}

/** `fn get(&self) -> Result<Guard<'_>, Permit>`: the error variant's type is not a guard. */
function errorIsNotAGuard(helper: FnDecl | undefined): boolean {
  const returnType = helper?.returnType?.replace(/\s+/g, '');
  const result = returnType ? /^(?:\w+::)*Result<(.*)>$/.exec(returnType) : null;
  if (!result) return false;
  const [, error] = splitTypeList(result[1]);
  return error !== undefined && !/Guard\b|^Ref(Mut)?\b/.test(error);
}

/** `Session.registry.closed` → `Registry.closed`: each leading field replaced by its declared type. */
function throughFieldTypes(crate: CrateFacts, key: string): string {
  const parts = key.split('.');
  for (let depth = 0; parts.length > 2 && depth < 4; depth++) {
    const type = crate.index.struct(parts[0])?.fields.get(parts[1]);
    const struct = type ? typeMeaning(type, new Map()).struct : undefined;
    if (!struct) break;
    parts.splice(0, 2, struct);
  }
  return parts.join('.');
}

/**
 * The types whose `Drop` runs, and the crate's functions whose declared result owns one of them
 * (`fn ticket(&self) -> Ticket`, `-> Self` in `impl Ticket`, `-> Option<Ticket>`).
 */
function droppedValue(all: readonly FunctionFacts[], types: readonly string[]): DroppedValue {
  const wanted = new Set(types);
  const makers = new Set<string>();
  for (const { fn } of all) {
    if (!fn.returnType) continue;
    const owned = ownedTypeNames(fn.returnType).map((name) => (name === 'Self' ? fn.ownerType : name));
    if (owned.some((name) => name !== undefined && wanted.has(name))) makers.add(fn.name);
  }
  return { types: [...wanted].sort(byText), makers: [...makers].sort(byText) };
}

/** Std types with compound-assignment operators (`+=` on `String`, `Duration`, `Instant`, …). */
const STD_ASSIGNABLE = /^(?:String|Duration|Instant|SystemTime|Wrapping|Saturating)$/;
const ASSIGN_METHODS = ['add_assign', 'sub_assign', 'mul_assign', 'div_assign', 'rem_assign', 'bitand_assign', 'bitor_assign', 'bitxor_assign', 'shl_assign', 'shr_assign'];

/**
 * Whether the lock `Owner.field` guards a value that a compound assignment updates through a
 * trait call (not a primitive, and a type with such an operator: a std one, or one the crate
 * implements `AddAssign` and kin for). Other values take no compound assignment at all, so their
 * holds need no such context (each costs Semgrep ten patterns per callee).
 */
function compoundAssignsInPlace(crate: CrateFacts, key: string): boolean {
  const m = /^(\w+)\.(\w+)$/.exec(key);
  const declared = m ? crate.index.struct(m[1])?.fields.get(m[2]) : undefined;
  const data = declared ? guardedData(declared) : undefined;
  if (data === undefined || isPrimitiveType(data)) return false;
  const head = typeHeadName(data);
  return head !== undefined && (STD_ASSIGNABLE.test(head) || ASSIGN_METHODS.some((method) => crate.index.methods(head, method).length > 0));
}

/** Every hold of the crate with the calls that conflict with it. */
export function cratesHolds(crate: CrateFacts): Hold[] {
  const all = crate.summariseEverything();
  const makers = new Map<string, { maker: Hold['maker']; owner?: string; held: Acquisition; optional: boolean; whileRunningClosure: boolean; heldBySelf?: string; attempt: boolean; errHoldsNothing: boolean; letInits: Set<string>; tupleLets: Map<string, { elements: string; init: string }>; consumedBy: string[]; groups: Map<string, GroupBuilder>; keys: Set<string>; droppedTypes: Set<string>; formatted: Set<'Display' | 'Debug'> }>();
  const guardMaker = new Map<number, string>();
  for (const facts of all) {
    for (const guard of facts.guards) {
      const a = guard.acquisition;
      const attempt = !a.blocking && a.api.startsWith('try_');
      if (!a.blocking && !attempt) continue;
      const maker = guard.heldBySelf ? { semgrep: guard.heldBySelf, astGrep: guard.heldBySelf, text: guard.heldBySelf } : makerOf(facts, guard);
      if (!maker) continue;
      const owner = maker.semgrep.startsWith('self.') ? facts.fn.ownerType : undefined;
      const makerKey = `${owner ?? ''}|${guard.heldBySelf ? 'field ' : ''}${maker.semgrep}`;
      // A wrapper returning a DashMap `get`'s `Option<Ref>` holds nothing in `None`, as `get` does.
      const optional = isOptional(guard.returnedBy?.inner ?? a);
      const helper = guardHelper(all, facts, guard);
      const entry = makers.get(makerKey) ?? { maker, owner, held: a, optional, whileRunningClosure: guard.returnedBy?.whileRunningClosure === true, heldBySelf: guard.heldBySelf, attempt, errHoldsNothing: errorIsNotAGuard(helper), letInits: new Set<string>(), tupleLets: new Map(), consumedBy: consumingMethods(crate, all, helper, optional), groups: new Map(), keys: new Set<string>(), droppedTypes: new Set<string>(), formatted: new Set<'Display' | 'Debug'>() };
      makers.set(makerKey, entry);
      entry.keys.add(`${a.lock.key}|${a.mode}|${a.api}`);
      guardMaker.set(guard.id, makerKey);
      const init = letInitOf(facts, guard);
      if (init) entry.letInits.add(init);
      const tuple = tupleLetOf(facts, guard);
      if (tuple) entry.tupleLets.set(`${tuple.elements}|${tuple.init}`, tuple);
    }
  }

  const decided = decidedCalls(all, guardMaker, crate);
  // The calls that the analysis found conflicting, in the forms the code wrote them.
  for (const c of findConflicts(crate)) {
    const key = guardMaker.get(c.held.guard.id);
    if (key === undefined) continue;
    // A function where a call of this name still conflicts is not one the checks decided.
    const calleeName = c.event.kind === 'call' ? c.event.calleeName : c.event.kind === 'acquire' ? c.event.guard?.returnedBy?.fnName : undefined;
    if (calleeName) decided.get(key)?.get(calleeName.replace(/^.*::/, ''))?.delete(c.facts.fn.name);
    const entry = makers.get(key)!;
    const event = c.event;
    if (event.kind === 'await') continue;
    const site = event.kind === 'call' ? event.span : event.acquisition.span;
    const node = nodeAt(c.facts.fn.file, site);
    let form = formAt(c.facts.fn.file, site);
    if (!form || !node) continue;
    const local = isObjectRooted(c.held.guard.acquisition.lock.key);
    // `bump(&self.hits)` locks what it is given, `update(handle, 1)` the object it is given: only
    // that argument conflicts (`update(other, 1)` is another object's lock).
    const givesTheLock = event.kind === 'call' && (event.argumentLocks.some((l) => l !== undefined) || (local && event.argumentPaths.some((p) => p !== undefined)));
    const args = node.childForFieldName('arguments');
    if (givesTheLock && form.args === undefined) {
      // In a macro's tokens the argument that names the lock is not read: no form rather than every call.
      if (!args) continue;
      form = { ...form, args: args.text.slice(1, -1) };
    }
    // A lock under a local names another object in another function (`r2` cloned from `r1` here,
    // from another reader there); so does a call of a function declared in this body.
    const nested = event.kind === 'call' && event.callees().some((f) => f.enclosing !== undefined);
    if ((local && !entry.maker.semgrep.startsWith(form.prefix)) || nested) form = { ...form, within: c.facts.fn.name };
    if (event.kind === 'acquire' && isAsyncLock(event.acquisition)) form = { ...form, suffix: '.await' };
    // `drop(x)` conflicts through the `Drop` of x's type only: not every `drop` does.
    if (event.kind === 'call' && form.args === undefined) {
      const dropping = event.callees();
      if (dropping.length > 0 && dropping.every((f) => f.name === 'drop' && f.traitName === 'Drop' && f.ownerType !== undefined)) form = { ...form, dropped: droppedValue(all, dropping.map((f) => f.ownerType!)) };
    }
    // Calling an `async fn` only builds its future: its body, and its locks, run at the `.await`.
    if (event.kind === 'call' && event.callees().some((f) => f.isAsync)) form = { ...form, suffix: '.await' };
    addForm(entry.groups, form, c.chain.length, chainText(form.name, c.chain.slice(1), c.requested), c.requested.mode);
  }

  // Every function whose summary reaches a conflicting acquisition, and every conflicting
  // acquisition written with the same receiver: new code calling them is flagged too.
  for (const entry of makers.values()) {
    const helds = [...entry.keys].map((k) => k.split('|'));
    const heldAcquisitions = helds.map(([key, mode, api]) => ({ ...entry.held, lock: { key, display: entry.held.lock.display }, mode: mode as AccessMode, api }));
    const conflictsWithHeld = (r: Acquisition): Acquisition | undefined => heldAcquisitions.find((h) => conflicts(h, r));
    for (const facts of all) {
      for (const event of facts.events) {
        if (event.kind !== 'acquire' || !conflictsWithHeld(event.acquisition)) continue;
        if (entry.owner !== undefined && facts.fn.ownerType !== entry.owner) continue;
        const form = formAt(facts.fn.file, event.acquisition.span);
        if (form && entry.maker.semgrep.startsWith(form.prefix) && form.prefix !== '') {
          addForm(entry.groups, isAsyncLock(event.acquisition) ? { ...form, suffix: '.await' } : form, 0, chainText(form.name, [], event.acquisition), event.acquisition.mode);
        }
      }
      const owner = facts.fn.ownerType;
      // A callee's lock under its own parameter or local is whatever object a call passes: only
      // the calls the analysis saw (above) say which.
      const hits: ReachedAcquisition[] = [...crate.summary(facts.fn).values()].filter((r) => !isObjectRooted(r.acquisition.lock.key) && conflictsWithHeld(r.acquisition) !== undefined);
      // A `Drop` impl's locks are its own fields' (`Session.registry.closed`): through the field's
      // type they are the held lock's (`Registry.closed`) when the dropped value points back at it.
      if (owner !== undefined && facts.fn.name === 'drop' && facts.fn.traitName === 'Drop') {
        const reached = [...crate.summary(facts.fn).values()].map((r) => ({ ...r.acquisition, lock: { ...r.acquisition.lock, key: throughFieldTypes(crate, r.acquisition.lock.key) } }));
        if (reached.some((a) => conflictsWithHeld(a) !== undefined)) entry.droppedTypes.add(owner);
        continue;
      }
      if (hits.length === 0) continue;
      // Drop glue and formatting run these impls without a call written at the site.
      if (owner !== undefined && owner === entry.owner && facts.fn.name === 'fmt' && (facts.fn.traitName === 'Display' || facts.fn.traitName === 'Debug')) entry.formatted.add(facts.fn.traitName);
      hits.sort((a, b) => a.chain.length - b.chain.length || byText(formatSpan(a.acquisition.span), formatSpan(b.acquisition.span)));
      const best = hits[0];
      const lockOwner = /^(\w+)\./.exec(best.acquisition.lock.key)?.[1];
      const chain = chainText(facts.fn.name, best.chain, best.acquisition);
      const suffix = facts.fn.isAsync ? { suffix: '.await' } : {};
      const add = (form: ConflictForm): void => addForm(entry.groups, form, best.chain.length + 1, chain, best.acquisition.mode);
      // A function declared in a body is called by name from that body only.
      if (owner === undefined) add({ prefix: '', name: facts.fn.name, ...suffix, ...(facts.fn.enclosing ? { within: facts.fn.enclosing.name } : {}) });
      else if (lockOwner === owner || best.acquisition.lock.key.startsWith('static ')) {
        // `self.f()`, `Self::f()` and `Owner::f()` reach a trait's `f` only when the type has no
        // inherent `f` (inherent items come first); otherwise only `Trait::f(self)` does.
        if (facts.fn.isTraitDefault || crate.index.methods(owner, facts.fn.name).some((f) => f.key === facts.fn.key)) for (const prefix of ['self.', 'Self::', `${owner}::`]) add({ prefix, name: facts.fn.name, ...suffix });
        else if (facts.fn.traitName) add({ prefix: `${facts.fn.traitName}::`, name: facts.fn.name, ...suffix });
      }
    }
  }

  const lockOf = (k: string): string => k.split('|')[0];
  const holds: Hold[] = [];
  for (const key of [...makers.keys()].sort(byText)) {
    const entry = makers.get(key)!;
    const decidedIn = (name: string): { decidedIn?: string[] } => {
      const fns = [...(decided.get(key)?.get(name.replace(/^r#/, '')) ?? [])].sort(byText);
      return fns.length > 0 ? { decidedIn: fns } : {};
    };
    const locks = new Set([...entry.keys].map(lockOf));
    const sameLockMakers = entry.attempt ? [...makers.values()].filter((m) => !m.attempt && m.owner === entry.owner && [...m.keys].some((k) => locks.has(lockOf(k)))).map((m) => m.maker) : [];
    if (entry.groups.size === 0 && entry.droppedTypes.size === 0 && entry.formatted.size === 0) continue;
    const root = /^(\w+)\./.exec(entry.maker.semgrep)?.[1];
    const localRoot = root !== undefined && [...locks].some((lock) => new RegExp(`::${root}@\\d+$`).test(lock)) ? root : undefined;
    holds.push({
      owner: entry.owner,
      maker: entry.maker,
      lockDisplay: entry.held.lock.display,
      held: entry.held,
      optional: entry.optional,
      whileRunningClosure: entry.whileRunningClosure,
      ...(entry.heldBySelf ? { heldBySelf: entry.heldBySelf } : {}),
      placeFirst: compoundAssignsInPlace(crate, entry.held.lock.key),
      attempt: entry.attempt,
      errHoldsNothing: entry.errHoldsNothing,
      letInits: [...entry.letInits].sort(byText),
      tupleLets: [...entry.tupleLets.entries()].sort(([a], [b]) => byText(a, b)).map(([, t]) => t),
      consumedBy: entry.consumedBy,
      droppedTypes: [...entry.droppedTypes].sort(byText),
      formatted: [...entry.formatted].sort(byText),
      sameLockMakers,
      ...(localRoot ? { localRoot } : {}),
      groups: [...entry.groups.entries()]
        .sort(([a], [b]) => byText(a, b))
        .map(([name, g]) => ({ name, forms: [...g.forms.values()].sort((a, b) => byText(a.prefix, b.prefix)), chain: g.chain!.text, requested: g.chain!.mode, ...decidedIn(name) })),
    });
  }
  return holds;
}

/** Holds whose guard blocks the thread (std, parking_lot, spin, RefCell), bound or temporary: held at an `.await`. */
export function threadBlockingHolds(crate: CrateFacts): Hold[] {
  const out = new Map<string, Hold>();
  for (const facts of crate.summariseEverything()) {
    for (const guard of facts.guards) {
      // A guard held while a helper runs a closure is released before any `.await` of the caller's.
      // A scrutinee's `try_*` guard is alive in its success arms only: not expressed here.
      if (!guard.acquisition.flavor.blocksThread || (guard.origin === 'scrutinee' && !guard.acquisition.blocking) || guard.returnedBy?.whileRunningClosure) continue;
      const maker = makerOf(facts, guard);
      if (!maker) continue;
      const init = letInitOf(facts, guard);
      const owner = maker.semgrep.startsWith('self.') ? facts.fn.ownerType : undefined;
      const key = `${owner ?? ''}|${maker.semgrep}`;
      const known = out.get(key);
      const letInits = new Set(known?.letInits ?? []);
      if (init) letInits.add(init);
      const scrutineeInAsync = (known?.scrutineeInAsync ?? false) || (guard.origin === 'scrutinee' && facts.fn.isAsync);
      out.set(key, { owner, maker, lockDisplay: guard.acquisition.lock.display, held: guard.acquisition, optional: (known?.optional ?? true) && isOptional(guard.returnedBy?.inner ?? guard.acquisition), whileRunningClosure: false, placeFirst: false, scrutineeInAsync, attempt: false, errHoldsNothing: false, letInits: [...letInits].sort(byText), tupleLets: [], consumedBy: [], groups: [], droppedTypes: [], formatted: [], sameLockMakers: [] });
    }
  }
  return [...out.entries()].sort(([a], [b]) => byText(a, b)).map(([, hold]) => hold);
}

/**
 * A closure argument that the callee does not run during the call: it calls it only on a thread
 * or task it spawns and does not wait for (`spawn_with_cleanup(id, move |id| …)`), or only keeps
 * it, in the value it returns or a field (`defer(f)` → `DeferGuard(Some(f))`), so it runs when
 * that value does, after the caller has moved on, and holds none of the caller's guards. `index`
 * counts the call's written arguments; `method` says the callee takes `self` (called as
 * `x.name(…)`, or as `Type::name(x, …)` one argument later).
 */
export interface ClosureRunElsewhere {
  readonly name: string;
  readonly index: number;
  readonly method: boolean;
}

/** Every closure parameter of the crate's functions that the analysis finds not run during the call, for every function of that name. */
export function closuresRunElsewhere(crate: CrateFacts): ClosureRunElsewhere[] {
  const all = crate.summariseEverything();
  const out = new Map<string, ClosureRunElsewhere>();
  for (const facts of all) {
    facts.fn.params.forEach((_, index) => {
      if (!takesClosureAt(facts.fn, index)) return;
      const method = facts.fn.selfParam !== undefined;
      // Like the analysis (runPassedClosures), only when every function a call of that name may
      // reach runs it elsewhere, or every one only keeps it.
      const namesakes = all.filter((f) => f.fn.name === facts.fn.name && (f.fn.selfParam !== undefined) === method && takesClosureAt(f.fn, index));
      if (namesakes.some((f) => f.closureCalls.has(index))) return;
      if (namesakes.every((f) => f.closureCallsLater.has(index)) || namesakes.every((f) => neverRunsDuringCall(f.fn, index))) out.set(`${facts.fn.name}|${index}|${method}`, { name: facts.fn.name, index, method });
    });
  }
  return [...out.entries()].sort(([a], [b]) => byText(a, b)).map(([, c]) => c);
}
