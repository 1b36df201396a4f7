// Tests of whether an `Option` field of `self` holds a value, and what the walk knows of them on
// each path. In the `else` of `if let Some(pool) = &self.pool`, `self.pool` is `None`; there a
// `bool` computed as `self.pool.is_some()` (directly, or by a getter whose body is that test) is
// false, and a branch under it does not run. Only fields of `self` are followed, within one
// function's paths (and the closures it calls there); an assignment to the field forgets it.
import type { CrateIndex, FnDecl } from '../crate-index.js';
import type { SyntaxNode } from '../syntax.js';
import { placePath, referent, selfRooted } from '../syntax-shapes.js';

export interface PlaceTest {
  /** The field's path from `self` (`Handler.thread_pool`). */
  readonly place: string;
  /** Whether the test is true when the field is `Some`. */
  readonly whenSome: boolean;
}

export function unwrapped(node: SyntaxNode): { node: SyntaxNode; negated: boolean } {
  let current = node;
  let negated = false;
  for (;;) {
    if (current.type === 'parenthesized_expression' && current.namedChildren.length === 1) current = current.namedChildren[0];
    else if (current.type === 'unary_expression' && current.text.trimStart().startsWith('!') && current.namedChildren.length === 1) {
      negated = !negated;
      current = current.namedChildren[0];
    } else return { node: current, negated };
  }
}

function selfPlace(node: SyntaxNode, ownerType: string | undefined): string | undefined {
  const place = referent(node);
  return place.type === 'field_expression' && selfRooted(place) ? placePath(place, ownerType) : undefined;
}

const methodOf = (call: SyntaxNode): { method: string; receiver: SyntaxNode; args: number } | undefined => {
  const fn = call.childForFieldName('function');
  const receiver = fn?.type === 'field_expression' ? fn.childForFieldName('value') : null;
  const method = fn?.childForFieldName('field')?.text;
  if (!receiver || !method) return undefined;
  return { method, receiver, args: call.childForFieldName('arguments')?.namedChildren.filter((c) => !c.type.endsWith('comment')).length ?? 0 };
};

/**
 * `self.f.is_some()`, `!self.f.is_none()`, or `self.g()` where `g`'s body is such a test of
 * `self` (a getter of the same type): the field it tests and how.
 */
export function placeTest(node: SyntaxNode, fn: FnDecl, index: CrateIndex, depth = 0): PlaceTest | undefined {
  const { node: inner, negated } = unwrapped(node);
  if (inner.type !== 'call_expression') return undefined;
  const call = methodOf(inner);
  if (!call || call.args !== 0) return undefined;
  if (call.method === 'is_some' || call.method === 'is_none') {
    const place = selfPlace(call.receiver, fn.ownerType);
    return place ? { place, whenSome: (call.method === 'is_some') !== negated } : undefined;
  }
  if (call.receiver.type !== 'self' || !fn.ownerType || depth > 2) return undefined;
  const [getter, ...others] = index.methods(fn.ownerType, call.method);
  const body = getter?.node.childForFieldName('body');
  const statements = body?.namedChildren.filter((c) => !c.type.endsWith('comment')) ?? [];
  if (!getter || others.length > 0 || getter.ownerType !== fn.ownerType || statements.length !== 1) return undefined;
  const tail = statements[0].type === 'expression_statement' ? statements[0].namedChildren[0] : statements[0];
  const test = tail ? placeTest(tail, getter, index, depth + 1) : undefined;
  return test && { place: test.place, whenSome: test.whenSome !== negated };
}

/** `if let Some(x) = &self.f` (or `self.f.as_ref()`, `self.f`): `self.f` is `Some` in the then block. */
export function letPlaceTest(pattern: SyntaxNode | null, value: SyntaxNode | null, fn: FnDecl): PlaceTest | undefined {
  if (!pattern || !value) return undefined;
  const variant = pattern.type === 'tuple_struct_pattern' ? pattern.childForFieldName('type')?.text : pattern.type === 'identifier' ? pattern.text : undefined;
  if (variant !== 'Some' && variant !== 'None') return undefined;
  let place = selfPlace(value, fn.ownerType);
  if (!place && value.type === 'call_expression') {
    const call = methodOf(value);
    if (call && call.args === 0 && /^(as_ref|as_mut|as_deref|as_deref_mut|clone)$/.test(call.method)) place = selfPlace(call.receiver, fn.ownerType);
  }
  return place ? { place, whenSome: variant === 'Some' } : undefined;
}
