// Shapes of Rust syntax the guard-lifetime walk asks about: names a pattern binds, whether a
// `let` extends its temporaries, the path a receiver names. Pure functions of the tree.
import type { SourceSpan } from '../core/model.js';
import type { ParsedFile } from './crate-index.js';
import { GUARD_PASSTHROUGH_METHODS } from './lock-apis.js';
import type { SyntaxNode } from './syntax.js';

/** Names bound by a pattern (identifiers, `ref`/`mut` bindings, struct shorthand). */
export function patternNames(pattern: SyntaxNode): string[] {
  const names: string[] = [];
  const stack = [pattern];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.type === 'identifier') {
      const parent = node.parent;
      // `Some(x)`: `Some` is the constructor, `x` the binding; constructors are capitalised.
      if (!/^[A-Z]/.test(node.text) && parent?.type !== 'scoped_identifier' && parent?.type !== 'field_pattern' || parent?.type === 'field_pattern' && node === parent.childForFieldName('pattern')) {
        names.push(node.text);
      } else if (parent?.type === 'field_pattern' && !parent.childForFieldName('pattern')) {
        names.push(node.text);
      }
      continue;
    }
    if (node.type === 'shorthand_field_identifier') {
      names.push(node.text);
      continue;
    }
    if (node.type === 'type_identifier' || node.type === 'scoped_type_identifier' || node.type.endsWith('_type')) continue;
    for (let i = node.namedChildCount - 1; i >= 0; i--) stack.push(node.namedChild(i)!);
  }
  return names.filter((n) => n !== '_');
}

/**
 * Which bound name owns a guard: `let (a, b) = (m.read(), n.read());` gives each element's guard
 * to its own name; any other pattern gives every guard to its first name.
 */
export function guardOwners(
  pattern: SyntaxNode | null,
  init: SyntaxNode | null,
  names: readonly string[],
): (span: SourceSpan, lines: ParsedFile['lines'], shift: number) => string {
  const first = (): string => names[0];
  if (pattern?.type !== 'tuple_pattern' || init?.type !== 'tuple_expression') return first;
  const patterns = pattern.namedChildren;
  const values = init.namedChildren.filter((c) => !c.type.endsWith('comment'));
  if (patterns.length !== values.length) return first;
  return (span, lines, shift) => {
    const i = values.findIndex((v) => {
      const start = lines.position(v.startIndex + shift);
      const end = lines.position(v.endIndex + shift);
      const after = span.line > start.line || (span.line === start.line && span.column >= start.column);
      const before = span.line < end.line || (span.line === end.line && span.column <= end.column);
      return after && before;
    });
    return (i >= 0 ? patternNames(patterns[i])[0] : undefined) ?? names[0];
  };
}

/**
 * A pattern that matches only the variants of an optional guard that hold none: `None` of an
 * `Option<Guard>` (parking_lot's and spin's `try_lock`, a DashMap `get`), `Err(..)` of a failed
 * `try_*` (tokio's and `try_borrow`'s errors carry no guard, std's `WouldBlock` neither), dashmap's
 * `TryResult::Absent` / `Locked`. The one failure that carries a guard is std's
 * `Err(TryLockError::Poisoned(p))`, after another thread panicked holding the lock; like every
 * `lock().unwrap()`, the model follows the unpoisoned path, so an `Err` pattern holds nothing
 * unless it names `Poisoned` (or is an or-pattern that may).
 */
export function holdsNoGuard(pattern: SyntaxNode | null): boolean {
  if (!pattern) return false;
  const text = pattern.text.replace(/\s+/g, '');
  if (text === 'None' || text === '_' || text === 'Option::None') return true;
  const err = /^(?:Result::)?Err\((.*)\)$/.exec(text);
  if (err) return !/\bPoisoned\b|\|/.test(err[1]);
  return /^(?:(?:[A-Za-z_][A-Za-z0-9_]*::)*TryResult::)?(?:Absent|Locked)$/.test(text);
}

/**
 * `let x = &temp…;` and `let x = Struct { f: &temp }`: temporaries extended to the block. The
 * calls whose results are extended (through field, index and deref places on them), or undefined
 * when nothing is: the arguments of those calls are not extended (Reference: "Temporary lifetime
 * extension").
 */
export function extendedTemporaries(init: SyntaxNode): SyntaxNode[] | undefined {
  let node: SyntaxNode | null = init;
  while (node && (node.type === 'parenthesized_expression' || node.type === 'type_cast_expression')) node = node.namedChildren[0];
  if (!node) return undefined;
  if (node.type === 'reference_expression') {
    // The extended operand is the place or value the `&` borrows; a method call on a
    // temporary is not a place based on it, so `&m.lock().unwrap().get(k)` is not extended.
    let operand = node.childForFieldName('value');
    while (operand && (operand.type === 'field_expression' || operand.type === 'index_expression')) {
      operand = operand.type === 'field_expression' ? operand.childForFieldName('value') : operand.namedChildren[0];
    }
    if (!operand || operand.type !== 'call_expression') return undefined;
    const fn = operand.childForFieldName('function');
    const method = fn?.type === 'field_expression' ? fn.childForFieldName('field')?.text : undefined;
    const extended = method === undefined || GUARD_PASSTHROUGH_METHODS.has(method) || /^(lock|read|write|borrow|borrow_mut|get|get_mut|entry)$/.test(method);
    return extended ? [operand] : undefined;
  }
  if (node.type === 'struct_expression' || node.type === 'tuple_expression' || node.type === 'array_expression') {
    const calls = aggregateParts(node).flatMap((part) => (part.type === 'reference_expression' ? (extendedTemporaries(part) ?? []) : []));
    return calls.length > 0 ? calls : undefined;
  }
  return undefined;
}

export function aggregateParts(node: SyntaxNode): SyntaxNode[] {
  if (node.type !== 'struct_expression') return node.namedChildren.filter((c) => !c.type.endsWith('comment') && c.type !== 'attribute_item');
  const body = node.childForFieldName('body');
  const parts: SyntaxNode[] = [];
  for (const field of body?.namedChildren ?? []) {
    if (field.type === 'field_initializer') {
      const value = field.childForFieldName('value');
      if (value) parts.push(value);
    } else if (field.type === 'shorthand_field_initializer') {
      parts.push(field.namedChildren[0] ?? field);
    } else if (field.type === 'base_field_initializer') {
      if (field.namedChildren[0]) parts.push(field.namedChildren[0]);
    }
  }
  return parts;
}

/** The place a borrow or parenthesis wraps: `&self.pool` → `self.pool`, `(&x)` → `x`. */
export function referent(node: SyntaxNode): SyntaxNode {
  let current = node;
  while ((current.type === 'reference_expression' || current.type === 'parenthesized_expression') && current.namedChildren.length > 0) {
    current = current.namedChildren[current.namedChildren.length - 1];
  }
  return current;
}

export function selfRooted(node: SyntaxNode): boolean {
  let current: SyntaxNode | null = node;
  while (current?.type === 'field_expression') current = current.childForFieldName('value');
  return current?.type === 'self';
}

/** `self.a.b` / `x.y` as a stable path for low-confidence lock identity; calls have none. */
export function placePath(node: SyntaxNode, ownerType: string | undefined): string | undefined {
  const parts: string[] = [];
  let current: SyntaxNode | null = node;
  while (current) {
    if (current.type === 'field_expression') {
      parts.unshift(current.childForFieldName('field')?.text ?? '?');
      current = current.childForFieldName('value');
    } else if (current.type === 'self') {
      parts.unshift(ownerType ?? 'self');
      break;
    } else if (current.type === 'identifier' || current.type === 'scoped_identifier') {
      parts.unshift(current.text);
      break;
    } else if (current.type === 'reference_expression' || current.type === 'parenthesized_expression') {
      current = current.namedChildren[current.namedChildren.length - 1] ?? null;
    } else {
      return undefined;
    }
  }
  return parts.length > 0 ? parts.join('.') : undefined;
}

/**
 * `m.lock().await`: only async locks return futures, so an awaited acquisition is an async lock
 * even when the type came through a crate-local re-export (`use crate::sync::Mutex`).
 */
const DIVERGING_MACROS = new Set(['panic', 'unreachable', 'todo', 'unimplemented']);

/** A branch whose end is never reached from inside it: it returns, breaks, continues or panics. */
export function diverges(node: SyntaxNode): boolean {
  let last: SyntaxNode | null = node;
  for (let depth = 0; last && depth < 8; depth++) {
    if (last.type === 'block') {
      const children: SyntaxNode[] = last.namedChildren.filter((c) => !c.type.endsWith("comment"));
      last = children[children.length - 1] ?? null;
    } else if (last.type === 'expression_statement') {
      last = last.namedChildren[0] ?? null;
    } else {
      break;
    }
  }
  if (!last) return false;
  if (last.type === 'return_expression' || last.type === 'break_expression' || last.type === 'continue_expression') return true;
  if (last.type === 'macro_invocation') return DIVERGING_MACROS.has((last.childForFieldName('macro')?.text ?? '').split('::').pop() ?? '');
  if (last.type === 'call_expression') return /(^|::)exit$/.test(last.childForFieldName('function')?.text ?? '');
  return false;
}

export function isAwaited(call: SyntaxNode): boolean {
  let parent = call.parent;
  while (parent?.type === 'parenthesized_expression') parent = parent.parent;
  return parent?.type === 'await_expression';
}
