// What the code around an expression says must hold wherever it runs: the `if` and `match` it sits
// in, and the checks before it in its blocks that leave when they fail (`if i == j { return; }`,
// `assert_ne!(i, j)`). Two questions are asked of them: which of two objects or indices a
// comparison puts first (`if self.id < to.id { lock self, then to } else { lock to, then self }`:
// the order no longer depends on which object is the receiver), and whether two indices are known
// to differ (`v[i]` and `v[j]` are then two locks). Pure functions of the tree.
import { escapeRegex } from '../core/regex.js';
import type { SyntaxNode } from './syntax.js';

/** A condition on the path: known true, known false, or deciding the path with no known outcome (a `match` scrutinee). */
interface PathCondition {
  readonly node: SyntaxNode;
  readonly holds: boolean | undefined;
}

const DIVERGING_MACROS = new Set(['panic', 'unreachable', 'todo', 'unimplemented', 'bail']);
const ASSERTIONS = new Set(['assert', 'debug_assert']);
const INEQUALITY_ASSERTIONS = new Set(['assert_ne', 'debug_assert_ne']);
const ORDERING_OPERATORS = new Set(['<', '>', '<=', '>=']);
const ORDERING_METHODS = new Set(['cmp', 'partial_cmp', 'lt', 'le', 'gt', 'ge']);

export function innerExpression(statement: SyntaxNode): SyntaxNode {
  return statement.type === 'expression_statement' ? (statement.namedChildren[0] ?? statement) : statement;
}

export function macroName(node: SyntaxNode): string {
  return node.childForFieldName('macro')?.text.split('::').at(-1) ?? node.namedChildren[0]?.text ?? '';
}

/** A block that never completes normally: its last statement returns, breaks, continues or panics. */
/** A block's statements and tail expression, without comments and attributes. */
export function statementsOf(block: SyntaxNode): SyntaxNode[] {
  return block.namedChildren.filter((c) => !c.type.endsWith('comment') && c.type !== 'attribute_item');
}

export function diverges(block: SyntaxNode | null): boolean {
  const last = block?.namedChildren.filter((c) => !c.type.endsWith('comment')).at(-1);
  if (!last) return false;
  const expression = innerExpression(last);
  if (expression.type === 'return_expression' || expression.type === 'break_expression' || expression.type === 'continue_expression') return true;
  return expression.type === 'macro_invocation' && DIVERGING_MACROS.has(macroName(expression));
}

/** A statement before the expression that leaves unless its condition is false, or an assertion. */
function checkBefore(statement: SyntaxNode): PathCondition | undefined {
  const expression = innerExpression(statement);
  if (expression.type === 'if_expression' && !expression.childForFieldName('alternative') && diverges(expression.childForFieldName('consequence'))) {
    const condition = expression.childForFieldName('condition');
    return condition && condition.type !== 'let_condition' && condition.type !== 'let_chain' ? { node: condition, holds: false } : undefined;
  }
  if (expression.type === 'macro_invocation') {
    const name = macroName(expression);
    if (ASSERTIONS.has(name) || INEQUALITY_ASSERTIONS.has(name)) return { node: expression, holds: true };
  }
  return undefined;
}

/** Each statement before `node` in its blocks, nearest first, up to its function or closure. */
function* statementsBefore(node: SyntaxNode): Generator<SyntaxNode> {
  for (let child = node, parent = node.parent; parent; child = parent, parent = parent.parent) {
    if (parent.type === 'function_item' || parent.type === 'closure_expression') return;
    if (parent.type !== 'block') continue;
    const siblings = parent.namedChildren;
    for (let i = siblings.indexOf(child) - 1; i >= 0; i--) yield siblings[i];
  }
}

/** The conditions that hold wherever `node` runs, innermost first, up to its function or closure. */
function conditionsOnPath(node: SyntaxNode): PathCondition[] {
  const found: PathCondition[] = [];
  for (let child = node, parent = node.parent; parent; child = parent, parent = parent.parent) {
    if (parent.type === 'function_item' || parent.type === 'closure_expression') break;
    if (parent.type === 'if_expression' || parent.type === 'while_expression') {
      const condition = parent.childForFieldName('condition');
      if (!condition || condition === child || condition.type === 'let_condition' || condition.type === 'let_chain') continue;
      found.push({ node: condition, holds: child.type !== 'else_clause' });
    } else if (parent.type === 'match_arm' && child === parent.childForFieldName('value')) {
      const scrutinee = parent.parent?.parent?.childForFieldName('value');
      if (scrutinee) found.push({ node: scrutinee, holds: undefined });
      const guard = parent.childForFieldName('pattern')?.childForFieldName('condition');
      if (guard) found.push({ node: guard, holds: true });
    }
  }
  for (const statement of statementsBefore(node)) {
    const check = checkBefore(statement);
    if (check) found.push(check);
  }
  return found;
}

function mentioned(text: string, names: readonly string[]): string[] {
  return names.filter((name) => new RegExp(`(?<![\\w.])${escapeRegex(name)}\\b`).test(text));
}

/** Pairs of `names` that one ordering comparison relates: a name on each side. */
function comparedPairs(condition: SyntaxNode, names: readonly string[]): [string, string][] {
  const pairs: [string, string][] = [];
  const relate = (left: SyntaxNode | null | undefined, right: SyntaxNode | null | undefined): void => {
    if (!left || !right) return;
    for (const a of mentioned(left.text, names)) for (const b of mentioned(right.text, names)) if (a !== b) pairs.push([a, b]);
  };
  const stack = [condition];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.type === 'closure_expression') continue;
    if (node.type === 'binary_expression' && ORDERING_OPERATORS.has(node.childForFieldName('operator')?.text ?? '')) {
      relate(node.childForFieldName('left'), node.childForFieldName('right'));
    } else if (node.type === 'call_expression') {
      const callee = node.childForFieldName('function');
      if (callee?.type === 'field_expression' && ORDERING_METHODS.has(callee.childForFieldName('field')?.text ?? '')) {
        relate(callee.childForFieldName('value'), node.childForFieldName('arguments'));
      }
    }
    stack.push(...node.namedChildren);
  }
  return pairs;
}

/**
 * Two names bound by one `let` as the two values of a pair put in order: `let (lo, hi) = if i < j
 * { (i, j) } else { (j, i) };`, or `let lo = i.min(j); let hi = i.max(j);`. Returns the pair they
 * were taken from (`i`, `j`) and the `let` that made them.
 */
function sortedFrom(node: SyntaxNode, a: string, b: string): { from: [string, string]; at: SyntaxNode } | undefined {
  let min: { x: string; y: string; at: SyntaxNode } | undefined;
  let max: { x: string; y: string } | undefined;
  for (const statement of statementsBefore(node)) {
    if (statement.type !== 'let_declaration') continue;
    const pattern = statement.childForFieldName('pattern');
    const value = statement.childForFieldName('value');
    if (!pattern || !value) continue;
    const bound = pattern.type === 'tuple_pattern' ? pattern.namedChildren.map((p) => p.text) : [pattern.text];
    if (bound.length === 2 && bound.includes(a) && bound.includes(b) && value.type === 'if_expression') {
      const condition = value.childForFieldName('condition');
      const tails = [value.childForFieldName('consequence'), value.childForFieldName('alternative')?.namedChildren[0] ?? null].map((block) =>
        block?.namedChildren.filter((c) => !c.type.endsWith('comment')).at(-1),
      );
      const pairs = tails.map((t) => (t?.type === 'tuple_expression' && t.namedChildren.length === 2 ? t.namedChildren.map((c) => c.text.replace(/\s+/g, '')) : undefined));
      const [p, q] = pairs;
      if (condition && p && q && p[0] === q[1] && p[1] === q[0] && comparedPairs(condition, [p[0], p[1]]).length > 0) return { from: [p[0], p[1]], at: statement };
    }
    const call = /^(?:(\w+)\.(min|max)\((\w+)\)|(?:std::)?(?:cmp::)?(min|max)\((\w+),\s*(\w+)\))$/.exec(value.text.replace(/\s+/g, ' ').trim());
    if (bound.length === 1 && call && (bound[0] === a || bound[0] === b)) {
      const [x, kind, y] = call[1] ? [call[1], call[2], call[3]] : [call[5], call[4], call[6]];
      if (kind === 'min') min = { x, y, at: statement };
      else max = { x, y };
    }
  }
  if (min && max && ((min.x === max.x && min.y === max.y) || (min.x === max.y && min.y === max.x))) return { from: [min.x, min.y], at: min.at };
  return undefined;
}

/**
 * Pairs of `names` (`self` and parameters, or the variables two indices use) whose order a
 * comparison on the path to `node` decides: `if self.id < to.id`, `match a.key.cmp(&b.key)`,
 * `if addr_of!(*self) > addr_of!(*to) { return … }`, or a pair sorted by one (`let (lo, hi) =
 * if i < j { (i, j) } else { (j, i) }`). Which of the two is taken first then follows their
 * order, not which one is the receiver.
 */
export function orderedPairsAt(node: SyntaxNode, names: readonly string[]): [string, string][] {
  if (names.length < 2) return [];
  const pairs = conditionsOnPath(node).flatMap((condition) => comparedPairs(condition.node, names));
  for (const a of names) for (const b of names) if (a < b && sortedFrom(node, a, b)) pairs.push([a, b]);
  return pairs;
}

function unwrap(node: SyntaxNode): SyntaxNode {
  let current = node;
  while (current.type === 'parenthesized_expression' && current.namedChildren[0]) current = current.namedChildren[0];
  return current;
}

/** The top-level comma-separated arguments of a macro's token tree, as written. */
export function macroArguments(node: SyntaxNode): string[] {
  const tree = node.namedChildren.find((c) => c.type === 'token_tree')?.text ?? '';
  const inner = tree.slice(1, -1);
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(inner.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(inner.slice(start).trim());
  return parts.filter((p) => p !== '');
}

/** Pairs of expressions (as written, without spaces) that a condition with this outcome says differ. */
function inequalities(condition: SyntaxNode, holds: boolean | undefined): [string, string][] {
  if (holds === undefined) return [];
  const node = unwrap(condition);
  const bare = (n: SyntaxNode | null): string => (n ? unwrap(n).text.replace(/\s+/g, '') : '');
  if (node.type === 'macro_invocation') {
    const name = macroName(node);
    const args = macroArguments(node);
    if (INEQUALITY_ASSERTIONS.has(name) && args.length >= 2) return [[args[0].replace(/\s+/g, ''), args[1].replace(/\s+/g, '')]];
    const asserted = ASSERTIONS.has(name) ? /^(.+?)(!=|<=|>=|<|>)(.+)$/.exec((args[0] ?? '').replace(/\s+/g, '')) : null;
    return asserted && asserted[2] !== '<=' && asserted[2] !== '>=' ? [[asserted[1], asserted[3]]] : [];
  }
  if (node.type === 'unary_expression' && node.text.startsWith('!') && node.namedChildren[0]) return inequalities(node.namedChildren[0], !holds);
  if (node.type !== 'binary_expression') return [];
  const operator = node.childForFieldName('operator')?.text ?? '';
  const left = node.childForFieldName('left');
  const right = node.childForFieldName('right');
  if ((operator === '&&' && holds) || (operator === '||' && !holds)) return [...(left ? inequalities(left, holds) : []), ...(right ? inequalities(right, holds) : [])];
  const differ = holds ? operator === '!=' || operator === '<' || operator === '>' : operator === '==' || operator === '<=' || operator === '>=';
  return differ ? [[bare(left), bare(right)]] : [];
}

/**
 * Whether indices `a` and `b` (as written, without spaces) may pick the same element where `node`
 * runs: not when both are different literals, when a check on the path says they differ
 * (`if i == j { return; }`, `assert_ne!(i, j)`, `if i != j { … }`), or when they are a pair sorted
 * from two indices that differ.
 */
export function indicesMayMatch(node: SyntaxNode, a: string, b: string): boolean {
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) return a === b;
  for (const condition of conditionsOnPath(node)) {
    for (const [x, y] of inequalities(condition.node, condition.holds)) if ((x === a && y === b) || (x === b && y === a)) return false;
  }
  const sorted = sortedFrom(node, a, b);
  return sorted ? indicesMayMatch(sorted.at, sorted.from[0], sorted.from[1]) : true;
}

/** `ptr::eq(a, b)`, `Arc::ptr_eq(&a.x, &b.x)`, `a == b`, the way a condition tells one object from two. */
function samenessTests(condition: SyntaxNode, holds: boolean | undefined, names: readonly string[]): [string, string][] {
  if (holds === undefined) return [];
  const node = unwrap(condition);
  if (node.type === 'unary_expression' && node.text.startsWith('!') && node.namedChildren[0]) return samenessTests(node.namedChildren[0], !holds, names);
  const pairs = (left: string, right: string): [string, string][] =>
    mentioned(left, names).flatMap((a) => mentioned(right, names).filter((b) => b !== a).map((b): [string, string] => [a, b]));
  if (node.type === 'binary_expression') {
    const operator = node.childForFieldName('operator')?.text ?? '';
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    if ((operator === '&&' && holds) || (operator === '||' && !holds)) return [...(left ? samenessTests(left, holds, names) : []), ...(right ? samenessTests(right, holds, names) : [])];
    if ((operator === '==' && !holds) || (operator === '!=' && holds)) return left && right ? pairs(left.text, right.text) : [];
    return [];
  }
  const callee = node.type === 'call_expression' ? node.childForFieldName('function')?.text : undefined;
  if (!holds && callee && /(?:^|::)ptr_eq$|(?:^|::)ptr::eq$|^eq$/.test(callee)) {
    const args = node.childForFieldName('arguments')?.namedChildren ?? [];
    return args.length === 2 ? pairs(args[0].text, args[1].text) : [];
  }
  return [];
}

/**
 * Pairs of `names` that a check on the path to `node` says are two objects, not one: the `else`
 * of `if Arc::ptr_eq(&self.inner, &other.inner)`, after `if ptr::eq(self, other) { return; }`.
 */
export function distinctPairsAt(node: SyntaxNode, names: readonly string[]): [string, string][] {
  if (names.length < 2) return [];
  return conditionsOnPath(node).flatMap((condition) => samenessTests(condition.node, condition.holds, names));
}
