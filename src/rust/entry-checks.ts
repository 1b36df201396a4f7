// Checks at the top of a function that leave it before it does anything else (`if
// *self.status.borrow() == Status::Starting { return Err(..) }`, `assert!(!HELD.get(), "not
// re-entrant")`), and what a call site knows that decides them: the assertions and guard clauses
// just before the call, the `if` it sits in, and the thread-local flags that the helper whose
// guard is held left set. A callee that must leave at such a check takes none of the locks after
// it, so a conflict through those locks cannot happen at this call (the FP-3 class of
// docs/evaluation.md). The comparison is textual, after the callee's `self` and parameters are
// replaced by the call's receiver and arguments: equal text is the same value only while nothing
// writes it in between, so a call site's knowledge of a place stops at the first statement that
// may write that place (state-writes.ts), and constants written there are facts too.
import { escapeRegex } from '../core/regex.js';
import type { CrateIndex, FnDecl } from './crate-index.js';
import { diverges, innerExpression, macroArguments, macroName, statementsOf } from './path-conditions.js';
import { CONSTANT, distinctConstants, isStatic, mayWrite, namesOf, valueForm, writeFacts, type CallResolver, type Fact, type WriteContext } from './state-writes.js';
import { typeHeadName, type SyntaxNode } from './syntax.js';

/** Truth values of conditions (atoms, see `atomOf`) at a point of a function. */
export type Knowledge = Map<string, boolean>;

interface EntryExit {
  /** The condition, without spaces. */
  readonly condition: string;
  /** The function leaves when the condition has this value. */
  readonly leavesWhen: boolean;
}

export interface EntryChecks {
  readonly exits: readonly EntryExit[];
  /** Where the last check ends, as a file position: locks taken after it are cut off by an exit. */
  readonly end: { readonly line: number; readonly column: number };
}

/** Assertions that run in every build (`debug_assert!` is compiled out of release builds). */
const ASSERTION_EXITS = new Map<string, (args: readonly string[]) => EntryExit | undefined>([
  ['assert', ([c]) => (c ? { condition: bare(c), leavesWhen: false } : undefined)],
  ['assert_eq', ([a, b]) => (a && b ? { condition: `${bare(a)}==${bare(b)}`, leavesWhen: false } : undefined)],
  ['assert_ne', ([a, b]) => (a && b ? { condition: `${bare(a)}==${bare(b)}`, leavesWhen: true } : undefined)],
]);

/** Macros that only format or log their arguments: they write nothing a check reads. */
const FORMATTING_MACROS = /^(?:format|format_args|debug_assert(?:_eq|_ne)?|print|println|eprint|eprintln|dbg|trace|debug|info|warn|error|log|event)$/;

/** Methods that read their receiver and write nothing a check could look at. */
const READING_METHODS = new Set([
  'unwrap', 'unwrap_err', 'expect', 'expect_err', 'to_string', 'to_owned', 'clone', 'contains',
  'len', 'is_empty', 'is_some', 'is_none', 'is_ok', 'is_err', 'as_ref', 'as_str', 'starts_with',
  'ends_with', 'get', 'borrow',
]);

function bare(text: string): string {
  let t = text.replace(/\s+/g, '');
  while (t.startsWith('(') && t.endsWith(')') && closingOf(t, 0) === t.length - 1) t = t.slice(1, -1);
  return t;
}

/** The index of the bracket closing the one at `open`. */
function closingOf(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '"') i = stringEnd(text, i);
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

function stringEnd(text: string, open: number): number {
  for (let i = open + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  return text.length;
}

/** `text` split at `op` outside brackets and strings (`a==b` at `==`, not inside `f(a==b)`). */
function splitTop(text: string, op: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') i = stringEnd(text, i);
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (depth === 0 && text.startsWith(op, i)) {
      // `==` is not part of `!=`, `<=`, `>=` or `===`; `!=` is not the tail of another operator.
      if (op === '==' && (/[!<>=]/.test(text[i - 1] ?? '') || text[i + 2] === '=')) continue;
      parts.push(text.slice(start, i));
      start = i + op.length;
      i += op.length - 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** `a==b` and `b==a` are one atom. */
function equalityAtom(a: string, b: string): string {
  return [bare(a), bare(b)].sort().join('==');
}

/** `matches!(e, A::B | A::C)` as `(e==A::B||e==A::C)`, when every alternative is a constant. */
function matchesAsEqualities(t: string): string {
  const m = /^matches!\((.*)\)$/.exec(t);
  if (!m) return t;
  const [value, pattern, ...rest] = splitTop(m[1], ',');
  if (pattern === undefined || rest.some((r) => r !== '')) return t;
  const alternatives = splitTop(pattern, '|');
  if (!alternatives.every((p) => CONSTANT.test(p))) return t;
  return `(${alternatives.map((p) => `${value}==${p}`).join('||')})`;
}

/** A condition in the form facts are kept in: no spaces, one form for reading a place, `matches!` as equalities. */
function normalized(condition: string): string {
  return matchesAsEqualities(valueForm(bare(condition)));
}

/** The value of `condition` under `known`, where it decides one; `predicates` finds the methods a condition calls. */
export function evaluate(condition: string, known: Knowledge, predicates?: CallResolver['named'], depth = 2): boolean | undefined {
  const t = bare(normalized(condition));
  const any = splitTop(t, '||');
  if (any.length > 1) {
    const values = any.map((p) => evaluate(p, known, predicates, depth));
    return values.includes(true) ? true : values.every((v) => v === false) ? false : undefined;
  }
  const all = splitTop(t, '&&');
  if (all.length > 1) {
    const values = all.map((p) => evaluate(p, known, predicates, depth));
    return values.includes(false) ? false : values.every((v) => v === true) ? true : undefined;
  }
  if (t.startsWith('!') && !t.startsWith('!=')) {
    const inner = evaluate(t.slice(1), known, predicates, depth);
    return inner === undefined ? undefined : !inner;
  }
  const equal = splitTop(t, '==');
  if (equal.length === 2) return equality(equal[0], equal[1], known);
  const unequal = splitTop(t, '!=');
  if (unequal.length === 2) {
    const value = equality(unequal[0], unequal[1], known);
    return value === undefined ? undefined : !value;
  }
  return known.get(t) ?? (predicates && depth > 0 ? inlinedPredicate(t, known, predicates, depth - 1) : undefined);
}

/** `a==b` under `known`: known itself, or false when `a` is known equal to a constant other than `b`. */
function equality(a: string, b: string, known: Knowledge): boolean | undefined {
  const value = known.get(equalityAtom(a, b));
  if (value !== undefined) return value;
  for (const [place, constant] of [[bare(a), bare(b)], [bare(b), bare(a)]]) {
    if (!CONSTANT.test(constant)) continue;
    for (const [atom, holds] of known) {
      if (!holds) continue;
      const sides = splitTop(atom, '==');
      if (sides.length !== 2) continue;
      const other = sides[0] === place ? sides[1] : sides[1] === place ? sides[0] : undefined;
      if (other !== undefined && distinctConstants(other, constant)) return false;
    }
  }
  return undefined;
}

/**
 * A predicate call read as its body says: `value.is_draining()` (`self == State::Draining`), when
 * every crate method of that name takes only `self`; `in_handler()` (`IN_HANDLER.with(|f|
 * f.get())`), when every free crate function of that name takes nothing. The body must be one
 * expression that reads the same in each, once `self` is replaced.
 */
function inlinedPredicate(atom: string, known: Knowledge, predicates: CallResolver['named'], depth: number): boolean | undefined {
  const m = /^(?:(.+)\.)?([A-Za-z_]\w*)\(\)$/.exec(atom);
  if (!m) return undefined;
  const [, receiver, name] = m;
  const bodies = new Set<string>();
  const candidates = predicates(name).filter((fn) => (receiver === undefined ? fn.ownerType === undefined && !fn.traitName : fn.selfParam !== undefined));
  if (candidates.length === 0) return undefined;
  for (const fn of candidates) {
    const body = fn.node.childForFieldName('body');
    const parts = body ? statementsOf(body) : [];
    if (fn.params.length > 0 || fn.isAsync || parts.length !== 1 || parts[0].type === 'expression_statement' || parts[0].type === 'let_declaration') return undefined;
    bodies.add(receiver === undefined ? bare(parts[0].text) : bare(parts[0].text).replace(/(?<![\w.:])self\b/g, `(${receiver})`));
  }
  if (bodies.size !== 1) return undefined;
  return evaluate([...bodies][0], known, predicates, depth);
}

/** Records that `condition` has the value `holds`. */
export function learn(condition: string, holds: boolean, known: Knowledge): void {
  const t = bare(normalized(condition));
  const parts = splitTop(t, holds ? '&&' : '||');
  if (parts.length > 1) {
    for (const p of parts) learn(p, holds, known);
    return;
  }
  if (splitTop(t, holds ? '||' : '&&').length > 1) return;
  if (t.startsWith('!') && !t.startsWith('!=')) return learn(t.slice(1), !holds, known);
  const equal = splitTop(t, '==');
  if (equal.length === 2) return void known.set(equalityAtom(equal[0], equal[1]), holds);
  const unequal = splitTop(t, '!=');
  if (unequal.length === 2) return void known.set(equalityAtom(unequal[0], unequal[1]), !holds);
  known.set(t, holds);
}

/** What a statement that leaves unless its condition has a value says: `if C { return … }`, `assert!(C)`. */
function exitOf(statement: SyntaxNode): EntryExit | undefined {
  const expression = innerExpression(statement);
  if (expression.type === 'if_expression' && !expression.childForFieldName('alternative') && diverges(expression.childForFieldName('consequence'))) {
    const condition = expression.childForFieldName('condition');
    if (!condition || condition.type === 'let_condition' || condition.type === 'let_chain') return undefined;
    return { condition: bare(condition.text), leavesWhen: true };
  }
  if (expression.type === 'macro_invocation') return ASSERTION_EXITS.get(macroName(expression))?.(macroArguments(expression));
  return undefined;
}

const checksOf = new WeakMap<FnDecl, EntryChecks | null>();

/** The checks a function's body starts with, before anything else runs. */
export function entryChecks(fn: FnDecl): EntryChecks | undefined {
  const cached = checksOf.get(fn);
  if (cached !== undefined) return cached ?? undefined;
  const exits: EntryExit[] = [];
  let last: SyntaxNode | undefined;
  const body = fn.node.childForFieldName('body');
  for (const statement of body ? statementsOf(body) : []) {
    const exit = exitOf(statement);
    if (!exit) break;
    exits.push(exit);
    last = statement;
  }
  const end = last ? fn.file.lines.position(fn.start + (last.endIndex - fn.node.startIndex)) : undefined;
  const found = last && end ? { exits, end } : null;
  checksOf.set(fn, found);
  return found ?? undefined;
}

/** The node's statement in its block (the node itself when it is one), and that block. */
function statementOf(node: SyntaxNode): { statement: SyntaxNode; block: SyntaxNode } | undefined {
  for (let child = node, parent = node.parent; parent; child = parent, parent = parent.parent) {
    if (parent.type === 'block') return { statement: child, block: parent };
    if (parent.type === 'function_item' || parent.type === 'closure_expression') return undefined;
  }
  return undefined;
}

/** Whether every call written in `text` is a reading method or builds a value (`Some(x)`, `Status::Ready(..)`). */
function callsOnlyReaders(text: string): boolean {
  for (const m of text.matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*\(/g)) {
    if (!READING_METHODS.has(m[1]) && !/^[A-Z]/.test(m[1])) return false;
  }
  return true;
}

/**
 * A statement that writes nothing a check before it read: no assignment, no macro but an
 * assertion, formatting or logging, and only calls that read (`unwrap_err`, `to_string`) or that left at
 * their entry check (`exited`, decided where they were walked).
 */
function writesNothing(statement: SyntaxNode, exited: (call: SyntaxNode) => boolean): boolean {
  const stack = [statement];
  while (stack.length > 0) {
    const node = stack.pop()!;
    switch (node.type) {
      case 'assignment_expression':
      case 'compound_assignment_expr':
      case 'closure_expression':
      case 'unsafe_block':
        return false;
      case 'macro_invocation':
        if (!ASSERTION_EXITS.has(macroName(node)) && !FORMATTING_MACROS.test(macroName(node))) return false;
        // Its arguments are tokens to the parser: their calls are read from the text.
        if (!callsOnlyReaders(node.text)) return false;
        continue;
      case 'call_expression': {
        const callee = node.childForFieldName('function');
        const name = callee?.type === 'field_expression' ? callee.childForFieldName('field')?.text : undefined;
        if (!(name && READING_METHODS.has(name)) && !exited(node)) return false;
        break;
      }
    }
    stack.push(...node.namedChildren);
  }
  return true;
}

/**
 * What holds where `node` runs, from the code before it: assertions and guard clauses in its
 * block and the blocks around it, the condition of each `if` it sits in, the constants written
 * before it (state-writes.ts), through the loops and `match` arms it sits in, and `carried`: what
 * held when its function was entered. A fact counts until a statement between it and `node` may
 * change it: one about a local variable until a statement names it, one about a field or static
 * until a statement may write that place (itself or through the crate functions it calls); one
 * that reads through another call (`self.is_closed()`) only while nothing but statements that
 * write nothing stand between. A fact a scope value keeps (`let _scope = enter_handler();`) also
 * ends where that variable is named again (`drop(_scope)`).
 */
export function knownBefore(node: SyntaxNode, exited: (call: SyntaxNode) => boolean, resolver: CallResolver, carried?: Knowledge): Knowledge {
  const known: Knowledge = new Map();
  /** The statements that may write, passed on the way back: what they name may have changed. */
  const writers: SyntaxNode[] = [];
  // In a loop, the decided call itself runs before the next round: it leaves at its check (the
  // fact that decides it holds, by induction), so it writes nothing.
  const skip = (call: SyntaxNode): boolean => call.startIndex === node.startIndex || exited(call);
  const aliasesOf = localAliases(node);
  const context: WriteContext = {
    resolver,
    atCall: (condition, callee, call) => atCall(condition, callee, callTexts(call)),
    decide: (condition, facts) => {
      const assumed: Knowledge = new Map();
      for (const [c, holds] of facts) learn(c, holds, assumed);
      return evaluate(condition, assumed, resolver.named);
    },
  };
  const changed = (atom: string, holder: string | undefined): boolean => {
    const names = namesOf(atom);
    if (!names) return true;
    const aliases = aliasesOf(names.places);
    const watched = holder ? { ...names, locals: [...names.locals, holder] } : names;
    return writers.some((writer) => mayWrite(writer, watched, resolver, skip, aliases));
  };
  const record = (facts: readonly Fact[]): void => {
    for (const [condition, holds, holder] of facts) {
      const learnt: Knowledge = new Map();
      learn(condition, holds, learnt);
      for (const [atom, value] of learnt) {
        if (known.has(atom) || (writers.length > 0 && changed(atom, holder))) continue;
        known.set(atom, value);
      }
    }
  };
  const passed = (code: SyntaxNode): void => {
    if (!writesNothing(code, skip)) writers.push(code);
  };
  let at = statementOf(node);
  // A call in an arm of a `match` of its statement runs after the scrutinee.
  for (let up = node.parent; at && up && up !== at.statement; up = up.parent) {
    if (up.type === 'match_arm' && up.parent?.parent?.type === 'match_expression') {
      const value = up.parent.parent.childForFieldName('value');
      if (value) passed(value);
    }
  }
  while (at) {
    const siblings = statementsOf(at.block);
    for (let i = siblings.indexOf(at.statement) - 1; i >= 0; i--) {
      const statement = siblings[i];
      const exit = exitOf(statement);
      if (exit) record([[exit.condition, !exit.leavesWhen]]);
      record(writeFacts(statement, context));
      // A check that calls what may write (`assert!(self.reset())`) is a write for what came before it.
      passed(statement);
    }
    const parent = at.block.parent;
    const owner = parent?.type === 'else_clause' ? parent.parent : parent;
    if (owner && LOOPS.has(owner.type) && owner.childForFieldName('body') === at.block) {
      // A later round runs the whole body, and the loop's header, before the call again.
      for (const statement of siblings) passed(statement);
      const header = owner.childForFieldName(owner.type === 'for_expression' ? 'value' : 'condition');
      if (header) passed(header);
      at = statementOf(owner);
      continue;
    }
    if (owner?.type === 'if_expression') {
      // At the block's start: the `if` whose branch it is decided its condition just before.
      const condition = owner.childForFieldName('condition');
      if (!condition) break;
      if (condition.type !== 'let_condition' && condition.type !== 'let_chain') record([[condition.text, parent?.type !== 'else_clause'], ...writeFacts(condition, context)]);
      passed(condition);
      at = statementOf(owner);
      continue;
    }
    if (owner?.type === 'match_arm') {
      // An arm runs after the scrutinee (and the guards of the arms before it: they only read).
      const match = owner.parent?.parent;
      const value = match?.type === 'match_expression' ? match.childForFieldName('value') : null;
      if (!match || !value) break;
      passed(value);
      at = statementOf(match);
      continue;
    }
    // What held at the function's entry holds here unless passed code may have changed it.
    if (owner?.type === 'function_item') {
      if (carried) record([...carried]);
      break;
    }
    // A block run in place (`let x = { … };`, `unsafe { … }`); a closure's or an async block's runs elsewhere.
    if (!owner || !IN_PLACE_BLOCK_OWNERS.has(owner.type)) break;
    at = statementOf(owner);
  }
  return known;
}

/** Where a block's statements run when the code around it reaches the block. */
const IN_PLACE_BLOCK_OWNERS = new Set(['block', 'expression_statement', 'let_declaration', 'unsafe_block', 'assignment_expression', 'return_expression']);

const LOOPS = new Set(['for_expression', 'while_expression', 'loop_expression']);

/**
 * The local variables of `node`'s function bound to something that names one of `places`
 * (`let st = &self.state;`, a closure that sets it): a write through them writes the place.
 */
function localAliases(node: SyntaxNode): (places: readonly string[]) => string[] {
  let lets: readonly SyntaxNode[] | undefined;
  return (places) => {
    if (places.length === 0) return [];
    if (!lets) {
      let fnNode: SyntaxNode | null = node;
      while (fnNode && fnNode.type !== 'function_item') fnNode = fnNode.parent;
      lets = fnNode ? fnNode.descendantsOfType('let_declaration') : [];
    }
    const names: string[] = [];
    for (const declaration of lets) {
      const value = declaration.childForFieldName('value')?.text ?? '';
      if (!places.some((place) => new RegExp(`\\b${escapeRegex(place)}\\b`).test(value))) continue;
      const pattern = declaration.childForFieldName('pattern')?.text ?? '';
      names.push(...(pattern.match(/\b[a-z_]\w*\b/g) ?? []).filter((n) => n !== 'mut' && n !== 'ref'));
    }
    return names;
  };
}

const flagsOf = new WeakMap<FnDecl, Knowledge>();

/**
 * The thread-local flags a helper leaves set when it returns its guard (`HELD.set(true)` after it
 * locks): while that guard is alive the flag keeps the value, unless the code in between names it.
 * Only `Cell` statics, which only `thread_local!` can declare: no other thread writes them.
 */
export function flagsLeftSet(maker: FnDecl, index: CrateIndex): Knowledge {
  const cached = flagsOf.get(maker);
  if (cached) return cached;
  const known: Knowledge = new Map();
  flagsOf.set(maker, known);
  const body = maker.node.childForFieldName('body');
  const setsAtTop = new Map<string, number>();
  for (const statement of body ? statementsOf(body) : []) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*\.\s*set\s*\(\s*(true|false)\s*\)$/.exec(innerExpression(statement).text);
    if (!m) continue;
    const decl = index.staticDecl(m[1], maker.file, maker.module);
    if (!decl || typeHeadName(decl.type) !== 'Cell') continue;
    known.set(`${m[1]}.get()`, m[2] === 'true');
    setsAtTop.set(m[1], (setsAtTop.get(m[1]) ?? 0) + 1);
  }
  // A write inside a branch or a closure (`if failed { HELD.set(false) }`) leaves the value open.
  for (const [name, count] of setsAtTop) {
    const writes = body?.text.match(new RegExp(`\\b${name}\\s*\\.\\s*(?:set|replace|take|swap|with)\\b`, 'g'))?.length ?? 0;
    if (writes !== count) known.delete(`${name}.get()`);
  }
  return known;
}

/** What a call gives the callee: its receiver's and arguments' text. */
export interface CallTexts {
  readonly receiver?: string;
  readonly args: readonly string[];
  /** `Type::method(recv, …)`: the receiver is the first argument. */
  readonly qualified: boolean;
}

export function callTexts(call: SyntaxNode): CallTexts {
  const fnNode = call.childForFieldName('function');
  const args = (call.childForFieldName('arguments')?.namedChildren ?? []).filter((c) => !c.type.endsWith('comment')).map((c) => c.text);
  if (fnNode?.type === 'field_expression') return { receiver: fnNode.childForFieldName('value')?.text, args, qualified: false };
  return { args, qualified: true };
}

/** The callee's condition as the caller would write it: `self` and parameters replaced. */
function atCall(condition: string, callee: FnDecl, texts: CallTexts): string | undefined {
  const args = [...texts.args];
  const receiver = callee.selfParam !== undefined ? (texts.qualified ? args.shift() : texts.receiver) : undefined;
  const replacements = new Map<string, string>();
  if (receiver !== undefined) replacements.set('self', receiver);
  callee.params.forEach((p, i) => {
    if (args[i] !== undefined) replacements.set(p.name, args[i]);
  });
  let missing = false;
  const replaced = condition.replace(/(?<![\w.:])([A-Za-z_][A-Za-z0-9_]*)\b(?!\s*::)/g, (name: string) => {
    if (name === 'self' && callee.selfParam === undefined) return name;
    if (name !== 'self' && !callee.params.some((p) => p.name === name)) return name;
    const text = replacements.get(name);
    if (text === undefined) {
      missing = true;
      return name;
    }
    const plain = bare(text).replace(/^&(?:mut(?![\w]))?/, '');
    return /^[\w.:*]+(?:\([^()]*\))?$/.test(plain) ? plain : `(${plain})`;
  });
  return missing ? undefined : replaced;
}

/**
 * Where the callee's locks stop being reachable from this call: the end of its entry checks, when
 * one of them must leave under what the caller knows. `undefined`: every lock may be taken.
 */
export function leavesAtEntry(callee: FnDecl, texts: CallTexts, known: Knowledge, predicates?: CallResolver['named']): EntryChecks['end'] | undefined {
  if (known.size === 0) return undefined;
  const checks = entryChecks(callee);
  if (!checks) return undefined;
  for (const exit of checks.exits) {
    // An atomic exists to be written by other threads: what the caller read of it may have changed.
    if (/\.load\(/.test(exit.condition)) continue;
    const condition = atCall(exit.condition, callee, texts);
    if (condition !== undefined && evaluate(condition, known, predicates) === exit.leavesWhen) return checks.end;
  }
  return undefined;
}

/** What a call decides under what held when its function was entered (`CallEvent.decideUnder`). */
export interface CallDecision {
  /** Where a callee must leave at its entry check; `undefined`: every lock may be taken. */
  leaves(callee: FnDecl): EntryChecks['end'] | undefined;
  /**
   * What still holds when the callees start: facts about statics (a thread-local flag), which
   * mean the same in the callee. Facts about `self` or locals would need renaming, and are left.
   */
  readonly passed: Knowledge;
}

/** One text per knowledge, whatever order its facts were learnt in. */
export function knowledgeKey(known: Knowledge): string {
  return [...known].map(([atom, value]) => (value ? atom : `!(${atom})`)).sort().join('&&');
}

/** The facts of `known` about statics only (`IN_HANDLER.get()`), not atomics: another thread writes those. */
export function staticFacts(known: Knowledge): Knowledge {
  const out: Knowledge = new Map();
  for (const [atom, value] of known) {
    const names = namesOf(atom);
    if (!names || names.locals.length > 0 || names.places.length === 0 || /\bself\b|\.load\(/.test(atom)) continue;
    if (names.places.every(isStatic)) out.set(atom, value);
  }
  return out;
}

/** A span that starts after `end`: a lock the exit cuts off. */
export function startsAfter(span: { readonly line: number; readonly column: number }, end: EntryChecks['end']): boolean {
  return span.line > end.line || (span.line === end.line && span.column >= end.column);
}
