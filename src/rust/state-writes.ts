// What a statement writes, for the checks a call site decides (entry-checks.ts). A write of a
// constant (`*self.state.borrow_mut() = State::Draining`, `self.closed.set(true)`,
// `self.status.send_replace(Status::Stopping)`, or a call whose body ends with one) is a fact
// about that place until a statement that may write the place again. Places are compared as
// text in one value form: every way of reading a cell, lock or watch channel's value
// (`*p.borrow()`, `*p.lock().unwrap()`, `p.get()`) is written `p.get()`.
import { escapeRegex } from '../core/regex.js';
import type { FnDecl } from './crate-index.js';
import { ownedTypeNames } from './guard-lifetimes/drop-types.js';
import { statementsOf } from './path-conditions.js';
import type { SyntaxNode } from './syntax.js';

/** How the walk finds what a call written before the decided one runs. */
export interface CallResolver {
  /** The crate functions a call of the walked function resolves to; undefined when not walked as one. */
  callees(call: SyntaxNode): readonly FnDecl[] | undefined;
  /**
   * The crate's functions of a name, whatever their owner; with `owners`, only those the files
   * holding an impl of one of these types declare (the others are not parsed to be asked).
   */
  named(name: string, owners?: readonly string[]): readonly FnDecl[];
}

/**
 * A thread-local's value read through its accessor (`FLAG.with(|f| f.get())`, `FLAG.with(|f|
 * *f.borrow())`, `FLAG.with(Cell::get)`), spaces removed: the same read as `FLAG.get()`.
 */
const THREAD_LOCAL_READ = /\b([A-Za-z_]\w*)\s*\.\s*with\s*\(\s*(?:\|\s*(\w+)\s*\|\s*\{?\s*\*?\s*\2\s*\.\s*(?:get|borrow)\s*\(\s*\)\s*\}?|(?:(?:std::)?cell::)?(?:Cell|RefCell)::get)\s*\)/g;

const READ_OF_VALUE = /(\*?)((?:[A-Za-z_]\w*)(?:\.[A-Za-z_]\w*)*)\.(?:borrow|borrow_mut|lock|read|write)\(\)(?:\.unwrap\(\)|\.expect\("(?:[^"\\]|\\.)*"\)|\.await)?(?:\.clone\(\))?/g;

/**
 * The condition with every read of a place's value in one form, `p.get()`; parentheses around a
 * plain path or call chain (left by replacing `self` with a receiver) are dropped.
 */
export function valueForm(text: string): string {
  let t = text;
  for (let before = ''; before !== t; ) {
    before = t;
    t = t.replace(/(?<![\w)\]!])\(((?:[\w.:*]|\(\))+)\)/g, '$1');
  }
  return t.replace(THREAD_LOCAL_READ, '$1.get()').replace(READ_OF_VALUE, '$2.get()').replace(/\*((?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*\.get\(\))/g, '$1');
}

/** A constant operand: a literal, a path to a constant or variant (`Status::Stopping`, `LATEST`). */
export const CONSTANT = /^(?:-?\d[\w.]*|true|false|"(?:[^"\\]|\\.)*"|'.'|(?:[A-Za-z_]\w*::)*[A-Z][A-Za-z0-9_]*)$/;

/**
 * Two constants that cannot be equal: two integer literals, or two variants of one enum path
 * (camel case: `Limits::MAX` and `Limits::DEFAULT` are constants that may hold one value).
 */
export function distinctConstants(a: string, b: string): boolean {
  if (a === b || !CONSTANT.test(a) || !CONSTANT.test(b)) return false;
  const variant = /^((?:[A-Za-z_]\w*::)+)([A-Z][A-Za-z0-9]*[a-z][A-Za-z0-9]*)$/;
  const va = variant.exec(a);
  const vb = variant.exec(b);
  if (va && vb) return va[1] === vb[1];
  const literal = /^(?:-?\d[\w.]*|true|false|"(?:[^"\\]|\\.)*"|'.')$/;
  return literal.test(a) && literal.test(b) && !/[._a-z]/i.test(a.replace(/^-?\d+/, '') + b.replace(/^-?\d+/, ''));
}

/**
 * A fact as a condition and its value (`self.state.get()==State::Draining`, true). A fact left by
 * a value whose `Drop` writes the place again (`let _scope = enter_handler();`, whose drop
 * restores the flag) names that value's variable, its `holder`: it lasts while the variable does.
 */
export type Fact = readonly [condition: string, holds: boolean, holder?: string];

// Not `send`: a watch channel's `send` leaves the value as it was when no receiver is left.
const WRITE_METHODS = new Set(['set', 'replace', 'send_replace']);

/** What reading writes needs from the walk and from entry-checks.ts. */
export interface WriteContext {
  readonly resolver: CallResolver;
  /** A callee's condition in the caller's terms (`self` and parameters replaced); undefined when it cannot be. */
  atCall(condition: string, callee: FnDecl, call: SyntaxNode): string | undefined;
  /** A condition's value under facts, where they decide it. */
  decide(condition: string, facts: readonly Fact[]): boolean | undefined;
}

/**
 * The facts the writes of `node` leave, in the order they run: only the parts that always run
 * (not a closure, a branch, or the right operand of `&&`/`||`).
 */
export function writeFacts(node: SyntaxNode, context: WriteContext, depth = 2): Fact[] {
  const facts: Fact[] = [];
  const visit = (n: SyntaxNode): void => {
    switch (n.type) {
      case 'closure_expression':
      case 'if_expression':
      case 'match_expression':
      case 'while_expression':
      case 'loop_expression':
      case 'for_expression':
      case 'macro_invocation':
      case 'block':
        return;
      case 'binary_expression': {
        const left = n.childForFieldName('left');
        if (left) visit(left);
        const op = n.childForFieldName('operator')?.text;
        const right = n.childForFieldName('right');
        if (right && op !== '&&' && op !== '||') visit(right);
        return;
      }
      case 'assignment_expression': {
        const right = n.childForFieldName('right');
        if (right) visit(right);
        const place = n.childForFieldName('left')?.text.replace(/\s+/g, '');
        const value = right?.text.replace(/\s+/g, '');
        if (place && value && CONSTANT.test(value) && (place.startsWith('*') || place.includes('.'))) facts.push(...valueFact(valueForm(place), value));
        return;
      }
      case 'call_expression':
        for (const child of n.namedChildren) visit(child);
        facts.push(...callFacts(n, context, depth));
        return;
    }
    for (const child of n.namedChildren) visit(child);
  };
  visit(node);
  return facts;
}

/** `p.get()==V` as a fact; a boolean value is the place's own truth. */
function valueFact(place: string, value: string): Fact[] {
  if (value === 'true' || value === 'false') return [[place, value === 'true']];
  return [[`${place}==${value}`, true]];
}

function callFacts(call: SyntaxNode, context: WriteContext, depth: number): Fact[] {
  const fnNode = call.childForFieldName('function');
  const args = (call.childForFieldName('arguments')?.namedChildren ?? []).filter((c) => !c.type.endsWith('comment'));
  if (fnNode?.type === 'field_expression') {
    const method = fnNode.childForFieldName('field')?.text ?? '';
    const receiver = fnNode.childForFieldName('value')?.text.replace(/\s+/g, '');
    const value = args[0]?.text.replace(/\s+/g, '');
    if (WRITE_METHODS.has(method) && receiver && args.length === 1 && value && CONSTANT.test(value)) return valueFact(valueForm(`${receiver}.get()`), value);
    // `FLAG.with(|f| f.set(true))`: a thread-local's accessor runs the closure now.
    const local = method === 'with' && receiver && value ? /^\|(\w+)\|\{?\1\.(?:set|replace)\((.+?)\);?\}?$/.exec(value) : null;
    if (local && CONSTANT.test(local[2])) return valueFact(`${receiver}.get()`, local[2]);
  }
  if (depth === 0) return [];
  const callees = context.resolver.callees(call) ?? byName(call, context.resolver);
  if (callees.length === 0) return [];
  let common: Fact[] | undefined;
  for (const callee of callees) {
    const facts = calleeFacts(callee, context, depth - 1).flatMap(([condition, holds]): Fact[] => {
      // A fact about the callee's own locals says nothing here (a caller's variable may share the name).
      if (rootsOf(condition).some((root) => !callee.params.some((p) => p.name === root))) return [];
      const here = context.atCall(condition, callee, call);
      return here === undefined ? [] : [[valueForm(here), holds]];
    });
    // Several possible callees: only what each of them leaves.
    common = common ? common.filter(([c, h]) => facts.some(([c2, h2]) => c2 === c && h2 === h)) : facts;
  }
  return common ? whileResultLives(call, callees, common, context.resolver) : [];
}

/**
 * Facts a call leaves, given how long its result lives: a result whose type's `Drop` may write a
 * fact's place (a scope value that restores a flag) rewrites it when dropped, at the end of the
 * statement unless a `let` binds it to a name (`let _scope = …`; not `let _ = …`). Bound, the
 * fact lasts while that variable does: it is the fact's holder.
 */
function whileResultLives(call: SyntaxNode, callees: readonly FnDecl[], facts: readonly Fact[], resolver: CallResolver): Fact[] {
  const drops = callees.flatMap((callee) => dropsOf(callee, resolver));
  if (drops.length === 0) return [...facts];
  const binding = call.parent?.type === 'let_declaration' && call.parent.childForFieldName('value') === call ? call.parent.childForFieldName('pattern') : null;
  const holder = binding?.type === 'identifier' && binding.text !== '_' ? binding.text : undefined;
  return facts.flatMap((fact): Fact[] => {
    const names = namesOf(fact[0]);
    const rewritten = !names || drops.some((drop) => bodyMayWrite(drop, names.places, resolver, 3));
    if (!rewritten) return [fact];
    return holder ? [[fact[0], fact[1], holder]] : [];
  });
}

/**
 * The `Drop::drop` impls that run when a function's result is dropped: those of the crate types
 * the result owns (drop-types.ts `ownedTypeNames`, as a value dropped under a guard is read).
 */
function dropsOf(fn: FnDecl, resolver: CallResolver): readonly FnDecl[] {
  const returned = fn.returnType?.replace(/\bSelf\b/g, fn.ownerType ?? 'Self');
  if (!returned) return [];
  const owned = new Set(ownedTypeNames(returned));
  return owned.size === 0 ? [] : resolver.named('drop', [...owned]).filter((drop) => drop.traitName === 'Drop' && drop.ownerType !== undefined && owned.has(drop.ownerType));
}

/**
 * The crate functions a call the walk did not resolve may run, by its name and shape: a method
 * call's methods, a path call's functions of that owner, a bare call's free functions. The walk
 * resolves only calls on values it knows the type of (not `self.state.lock().begin_drain()`).
 */
function byName(call: SyntaxNode, resolver: CallResolver): readonly FnDecl[] {
  const fnNode = call.childForFieldName('function');
  switch (fnNode?.type) {
    case 'field_expression':
      return resolver.named(fnNode.childForFieldName('field')?.text ?? '').filter((fn) => fn.selfParam !== undefined);
    case 'identifier':
      return resolver.named(fnNode.text).filter((fn) => fn.ownerType === undefined && fn.selfParam === undefined);
    case 'scoped_identifier': {
      const owner = fnNode.childForFieldName('path')?.text;
      return resolver.named(fnNode.childForFieldName('name')?.text ?? '').filter((fn) => owner !== undefined && (fn.ownerType === owner || fn.traitName === owner));
    }
    default:
      return [];
  }
}

const calleeFactsOf = new WeakMap<FnDecl, Fact[]>();

/**
 * What a function leaves written when it returns, in its own terms, for a body that cannot leave
 * earlier (no `return`, no `?`): the writes of its statements that no later statement may write
 * again. A last statement `if C { p = V }` whose writes make `C` false leaves `C` false either way
 * (`if *self == Open { *self = Draining }`: afterwards the state is not `Open`). A fact whose
 * holder is a local of the function ends with it.
 */
function calleeFacts(fn: FnDecl, context: WriteContext, depth: number): Fact[] {
  const cached = calleeFactsOf.get(fn);
  if (cached) return cached;
  calleeFactsOf.set(fn, []);
  const body = fn.node.childForFieldName('body');
  const statements = body ? statementsOf(body) : [];
  if (!body || statements.length === 0 || fn.isAsync || /\breturn\b|\?\s*[;.)]|\?\s*$/m.test(body.text)) return [];
  let facts: Fact[] = [];
  statements.forEach((statement, i) => {
    const later = statements.slice(i + 1);
    const inner = statement.type === 'expression_statement' ? (statement.namedChildren[0] ?? statement) : statement;
    let written: Fact[] = writeFacts(inner, context, depth);
    if (later.length === 0 && inner.type === 'if_expression' && !inner.childForFieldName('alternative')) {
      const condition = inner.childForFieldName('condition');
      const consequence = inner.childForFieldName('consequence');
      const writes = consequence ? consequence.namedChildren.flatMap((s) => writeFacts(s, context, depth)) : [];
      if (condition && condition.type !== 'let_condition' && condition.type !== 'let_chain' && context.decide(condition.text, writes) === false) written = [[condition.text, false]];
    }
    facts.push(...written.filter((fact) => fact[2] === undefined));
    if (later.length === 0) return;
    facts = facts.filter(([condition]) => {
      const names = namesOf(valueForm(condition.replace(/\s+/g, '')));
      return names !== undefined && !later.some((next) => mayWrite(next, names, context.resolver, () => false, []));
    });
  });
  calleeFactsOf.set(fn, facts);
  return facts;
}

/** The variables a condition starts its paths from, `self` aside (`s` of `s.x==A::B`). */
function rootsOf(condition: string): string[] {
  const roots: string[] = [];
  for (const m of condition.replace(/"(?:[^"\\]|\\.)*"/g, '""').matchAll(/(?<![\w.:])([a-z_]\w*)\b(?!\s*(?:::|\(|!))/g)) {
    if (m[1] !== 'self' && m[1] !== 'true' && m[1] !== 'false') roots.push(m[1]);
  }
  return roots;
}

// ---- what a statement may write ------------------------------------------------------------

/** Reads of a place that write nothing through it. */
const READ_AFTER = String.raw`(?!\w|\s*(?:\.\s*(?:borrow|get|read|load|clone|len|is_empty|is_some|is_none|contains|contains_key|iter|keys|values)\s*\(\s*\)?|==|!=))`;

/**
 * The names a fact is about, or undefined when it reads something no name stands for (a call
 * other than a read: `self.is_closed()` may read any state). `locals` are names of the function's
 * variables; `places` are fields and statics.
 */
export function namesOf(condition: string): { locals: string[]; places: string[] } | undefined {
  const raw = condition.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  // A local that may point at shared state (`st.get()` of `let st = &self.state`, `*st`), or
  // `self` itself: anything may write what it reaches.
  const outsideSelfPlaces = raw.replace(/\bself(?:\s*\.\s*[A-Za-z_]\w*)+/g, 'SELF_PLACE');
  if (/\bself\b/.test(outsideSelfPlaces) || /(?<![\w.:])(?:[a-z_]\w*\s*[.[]|\*\s*[a-z_])/.test(outsideSelfPlaces)) return undefined;
  const stripped = raw.replace(/\.(?:get|len|is_empty|is_some|is_none)\(\)/g, '');
  if (/(?<![\w])[a-z_]\w*\s*\(/.test(stripped)) return undefined;
  const locals: string[] = [];
  const places: string[] = [];
  for (const m of stripped.matchAll(/(::|\.)?\b([A-Za-z_]\w*)\b(?!\s*::)/g)) {
    const [, before, name] = m;
    if (before === '::' || name === 'self' || name === 'true' || name === 'false' || /^\d/.test(name)) continue;
    if (before === '.' || /^[A-Z][A-Z0-9_]*$/.test(name)) places.push(name);
    else if (!/^[A-Z]/.test(name)) locals.push(name);
  }
  return { locals, places };
}

/**
 * Whether `statement` may write what a fact about `names` reads: it names one of the locals, or
 * reaches one of the places other than to read it, itself or through the crate functions it calls
 * (their bodies, three calls deep). `skip` holds calls known to write nothing (the decided call
 * itself in a loop, calls that left at their entry check).
 */
export function mayWrite(statement: SyntaxNode, names: { locals: readonly string[]; places: readonly string[] }, resolver: CallResolver, skip: (call: SyntaxNode) => boolean, aliases: readonly string[]): boolean {
  const text = statement.text;
  if ([...names.locals, ...aliases].some((local) => new RegExp(`(?<![\\w.])${escapeRegex(local)}\\b`).test(text))) return true;
  // A local changes only where it is named (a call that may write it is given `&mut` of it).
  if (names.places.length === 0) return false;
  if (writesPlace(text, names.places)) return true;
  const stack = [statement];
  while (stack.length > 0) {
    const node = stack.pop()!;
    stack.push(...node.namedChildren);
    if (node.type === 'macro_invocation') {
      for (const m of node.text.matchAll(/([A-Za-z_]\w*)\s*\(/g)) {
        if (resolver.named(m[1]).some((fn) => bodyMayWrite(fn, names.places, resolver, 3))) return true;
      }
      continue;
    }
    if (node.type !== 'call_expression' || skip(node)) continue;
    const callees = resolver.callees(node) ?? byName(node, resolver);
    // Code outside the crate reaches the crate's state only through what it is given (`self`'s
    // fields, not a static: `self.plugins.read()` leaves a thread-local flag as it is); a closure
    // or function pointer called through a variable may hold a handle of its own to it.
    if (callees.length === 0 && ((/\bself\b/.test(node.text) && !names.places.every(isStatic)) || node.childForFieldName('function')?.type === 'identifier')) return true;
    if (callees.some((fn) => bodyMayWrite(fn, names.places, resolver, 3))) return true;
  }
  return false;
}

/** A place named as a static is (`IN_HANDLER`, `CONFIG`): upper case. */
export function isStatic(place: string): boolean {
  return /^[A-Z][A-Z0-9_]*$/.test(place);
}

/**
 * Whether the call of `name` at `at` in a body is bound to a variable of its own (`let _scope =
 * enter_handler();`, not `let _ = …`) that nothing names again: its value lives to the end of the
 * body's block, and no `drop`, `forget` or move ends it sooner or keeps it.
 */
function boundToTheEnd(text: string, at: number, name: string): boolean {
  const before = text.slice(0, at);
  const binding = /\blet\s+(?:mut\s+)?([a-z_]\w*)\s*(?::[^=;]+)?=\s*(?:[A-Za-z_]\w*::)*$/.exec(before);
  if (!binding || binding[1] === '_') return false;
  const rest = text.slice(at + name.length);
  return !new RegExp(`(?<![\\w.])${binding[1]}\\b`).test(rest) && /^\s*\([^()]*\)\s*;/.test(rest);
}

/**
 * A maker of a scope value that restores what it changes (`HandlerScope { prev:
 * IN_HANDLER.with(|f| f.replace(true)) }`, with a `Drop` that runs `IN_HANDLER.with(|f|
 * f.set(self.prev))`): its only writes of `places` swap a value in and keep the old one, and the
 * `Drop` of the type it returns only puts a field back. Once the value is dropped, the places
 * hold what they held before it was made.
 */
function restoresWhenDropped(maker: FnDecl, places: readonly string[], resolver: CallResolver): boolean {
  const drops = dropsOf(maker, resolver);
  if (drops.length === 0) return false;
  const makerText = maker.node.childForFieldName('body')?.text ?? '';
  const swapOf = (place: string): RegExp => new RegExp(`\\b${escapeRegex(place)}\\s*\\.\\s*(?:with\\s*\\(\\s*\\|\\s*(\\w+)\\s*\\|\\s*\\1\\s*\\.\\s*)?replace\\s*\\(`, 'g');
  // Nothing else the maker calls may write them.
  const rest = places.reduce((text, place) => text.replace(swapOf(place), '('), makerText);
  const calls = [...rest.matchAll(/(?<![\w])([a-z_]\w*)\s*\(/g)].map((m) => m[1]);
  if (calls.some((name) => resolver.named(name).some((fn) => fn !== maker && bodyMayWrite(fn, places, resolver, 2)))) return false;
  return places.every((place) => {
    const swap = swapOf(place);
    const putBack = new RegExp(`\\b${escapeRegex(place)}\\s*\\.\\s*(?:with\\s*\\(\\s*\\|\\s*(\\w+)\\s*\\|\\s*\\1\\s*\\.\\s*)?set\\s*\\(\\s*self\\s*\\.\\s*(\\w+)\\s*\\)`, 'g');
    const mentions = (text: string): number => text.match(new RegExp(`\\b${escapeRegex(place)}\\b`, 'g'))?.length ?? 0;
    const swaps = makerText.match(swap)?.length ?? 0;
    if (swaps === 0 || swaps !== mentions(makerText)) return false;
    // The field put back holds what the swap took out: `prev: P.replace(..)`, or `let prev = P.replace(..)`.
    const keptIn = (field: string): boolean => new RegExp(`(?:\\b${field}\\s*:|\\blet\\s+${field}\\s*=)\\s*${swap.source}`).test(makerText);
    return drops.every((drop) => {
      const dropText = drop.node.childForFieldName('body')?.text ?? '';
      const putBacks = [...dropText.matchAll(putBack)];
      return putBacks.length > 0 && putBacks.length === mentions(dropText) && putBacks.every((m) => keptIn(m[2]));
    });
  });
}

function writesPlace(text: string, places: readonly string[]): boolean {
  // A thread-local read through its accessor (`FLAG.with(|f| f.get())`) writes nothing.
  const reads = text.replace(THREAD_LOCAL_READ, '$1.get()');
  return places.some((place) => new RegExp(`(?<![\\w])${escapeRegex(place)}\\b${READ_AFTER}`).test(reads.replace(new RegExp(`(?<![\\w.])${escapeRegex(place)}\\s*:`, 'g'), '')));
}

const bodyWrites = new WeakMap<FnDecl, Map<string, boolean>>();
/** Functions being answered, and whether an answer assumed one of them writes nothing. */
const answering = new Set<FnDecl>();
let assumedUnfinished = false;

function bodyMayWrite(fn: FnDecl, places: readonly string[], resolver: CallResolver, depth: number): boolean {
  const key = places.join(',');
  let memo = bodyWrites.get(fn);
  if (!memo) bodyWrites.set(fn, (memo = new Map()));
  const known = memo.get(key);
  if (known !== undefined) return known;
  // A recursive call: what it adds is answered where it started.
  if (answering.has(fn)) {
    assumedUnfinished = true;
    return false;
  }
  answering.add(fn);
  const outer = assumedUnfinished;
  assumedUnfinished = false;
  const text = fn.node.childForFieldName('body')?.text ?? '';
  let writes = writesPlace(text, places);
  if (!writes) {
    for (const m of text.matchAll(/(?<![\w])(?:([A-Z]\w*)\s*::\s*)?([a-z_]\w*)\s*(?:::<[^>]*>)?\s*\(/g)) {
      const [, owner, name] = m;
      // `Type::f(..)` is one of that type's functions (`Self` is the function's own type).
      const ownerType = owner === 'Self' ? fn.ownerType : owner;
      const callees = resolver.named(name).filter((callee) => callee !== fn && (ownerType === undefined || callee.ownerType === ownerType || callee.traitName === ownerType));
      if (callees.length === 0) continue;
      // A scope the function opens and lets end puts back the value it found.
      if (boundToTheEnd(text, m.index + m[0].indexOf(name), name) && callees.every((callee) => restoresWhenDropped(callee, places, resolver))) continue;
      // Past the depth, any crate call may write.
      if (depth === 0 || callees.some((callee) => bodyMayWrite(callee, places, resolver, depth - 1))) {
        writes = true;
        break;
      }
    }
  }
  answering.delete(fn);
  // A "no" that assumed an unfinished caller writes nothing holds only inside that caller's answer.
  if (writes || !assumedUnfinished) memo.set(key, writes);
  assumedUnfinished = outer || assumedUnfinished;
  return writes;
}
