// Moves and consumption (Reference: "Destructors", moved values are not dropped at scope end):
// a guard passed by value, returned, reassigned over, or consumed by `drop` / an adapter leaves the
// scope that owned it and is released there, not at that scope's end.
import type { Acquisition, SourceSpan } from '../../core/model.js';
import type { ParsedFile } from '../crate-index.js';
import type { SyntaxNode } from '../syntax.js';
import { placePath } from '../syntax-shapes.js';
import { isPrimitiveType } from '../types.js';
import { Branches } from './branches.js';
import { guardedData } from './drop-types.js';
import { NOTHING, eitherLock, type Binding, type LiveGuard, type Value } from './values.js';

/** Calls between a lock and the place it guards: the acquisition and the unwrapping of its result. */
const LOCKING_METHODS = new Set(['lock', 'write', 'borrow_mut', 'blocking_lock', 'blocking_write']);
const PLACE_METHODS = new Set([...LOCKING_METHODS, 'unwrap', 'expect']);

export abstract class Moves extends Branches {
  /** Runs a closure's body here, with what is held here; returns what it yields. */
  protected abstract inlineClosure(closure: SyntaxNode, firstParam?: Omit<Binding, 'guards'>, keepsResult?: boolean): Value;
  /** Evaluates call arguments in order (closures run as the callee runs them). */
  protected abstract evaluateArguments(args: readonly SyntaxNode[], detaching: boolean): Value[];

  /** `return e`: what `e` holds leaves the function; code after the `return` is another path. */
  protected returnExpression(node: SyntaxNode): void {
    const inner = node.namedChildren[0];
    if (!inner) {
      this.dropLocalsOnExit(this.span(node));
      return;
    }
    const value = this.expr(inner);
    if (value.lock) this.returnedLock = this.returnedLock ? eitherLock([this.returnedLock, value.lock]) : value.lock;
    if (!value.borrowed && value.binding) value.binding.moved = true;
    this.dropLocalsOnExit(this.span(node));
    if (value.borrowed) return;
    this.detach(value.guards, value.binding);
    for (const g of value.guards) {
      this.returned.push(g.fact);
      this.release(g, this.span(node), 'when it is returned');
    }
  }

  /** `drop(g)`, `mem::drop(g)`: the argument is moved in and dropped there. */
  protected dropCall(node: SyntaxNode, args: readonly SyntaxNode[]): Value {
    const values = this.evaluateArguments(args, false);
    for (const v of values) {
      this.detach(v.guards, v.binding);
      for (const g of v.guards) this.release(g, this.span(node), 'by `drop`');
      // `drop(session)`: its type's `Drop` runs here, under what is still held.
      if (v.borrowed) continue;
      if (v.binding && !v.binding.moved && v.guards.length === 0 && !v.lock && v.content) this.dropValue(v.content, this.span(node));
      if (v.binding) v.binding.moved = true;
    }
    return NOTHING;
  }

  /** `get(k).map(|r| …)`: a method taking an `Option<Guard>` by value drops the guard inside. */
  protected consumedBy(node: SyntaxNode, method: string, receiver: Value, args: readonly SyntaxNode[]): Value {
    this.evaluateArguments(args, false);
    this.detach(receiver.guards, receiver.binding);
    for (const g of receiver.guards) this.release(g, this.endOf(node), `when \`${method}\` consumes it`);
    return NOTHING;
  }

  /** Moves guards passed by value into a callee: they are dropped there, at the latest. */
  protected moveIntoCall(values: readonly Value[], at: SourceSpan, calleeName: string): void {
    for (const v of values) {
      if (v.borrowed) continue;
      if (v.binding) v.binding.moved = true;
      if (v.guards.length === 0) continue;
      this.detach(v.guards, v.binding);
      for (const g of v.guards) this.release(g, at, `when it is moved into \`${calleeName}\``);
    }
  }

  protected assignment(node: SyntaxNode): Value {
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    if (node.type === 'compound_assignment_expr' && left && right && this.placeEvaluatedFirst(left, right)) {
      this.expr(left);
      this.expr(right);
      return NOTHING;
    }
    // The right-hand side is evaluated before the place (Reference: "Assignment expressions").
    const value = right ? this.expr(right) : NOTHING;
    // `self.pool = …`: what this path knew of the field no longer holds.
    const assigned = left ? placePath(left, this.fn.ownerType) : undefined;
    if (assigned) for (const place of this.knownPlaces.keys()) if (place === assigned || place.startsWith(`${assigned}.`)) this.knownPlaces.delete(place);
    if (left?.type === 'identifier') {
      const binding = this.lookup(left.text);
      if (binding) {
        // The old value is dropped after the new one exists.
        const old = binding.guards;
        const moved = value.guards.filter((g) => g.live);
        this.detach(moved, value.binding);
        for (const g of old) this.release(g, this.span(node), `when \`${left.text}\` is reassigned`);
        const block = this.blocks.find((b) => [...b.bindings.values()].includes(binding)) ?? this.blocks[this.blocks.length - 1];
        for (const g of moved) {
          g.fact.origin = 'let';
          g.fact.binding = left.text;
          block.owned.push(g);
        }
        binding.guards = moved;
        for (const g of moved) g.binding = binding;
        if (value.lock) binding.lock = value.lock;
        if (value.binding && !value.borrowed) value.binding.moved = true;
        // The old value, if it was not moved out, is dropped here.
        if (node.type === 'assignment_expression' && old.length === 0 && !binding.moved && binding.content && (this.blocks.some((b) => b.locals?.some((l) => l.binding === binding)))) {
          this.dropValue(binding.content, this.span(node));
        }
        binding.moved = false;
        return NOTHING;
      }
    }
    if (value.binding && !value.borrowed) value.binding.moved = true;
    const place = left ? this.expr(left) : NOTHING;
    // `*slot = fresh;`, `state.current = next;`: the old value of the place is dropped here, while
    // everything held here (the guard the place was reached through) is held.
    if (node.type === 'assignment_expression' && place.content && left?.type !== 'identifier') this.dropTakenValue(place.content, this.span(node));
    return NOTHING;
  }

  /**
   * A compound assignment evaluates the place first unless both operands are primitives
   * (Reference: "Compound assignment expressions"): `*self.spent.lock().unwrap() += self.measure()`
   * on a `Mutex<Duration>` is `AddAssign::add_assign(&mut *guard, …)`, taking the lock before the
   * right-hand side runs; `+= &text` adds a reference, never a primitive. Where the place's type
   * is not known, the right-hand side is taken as first, as for primitives.
   */
  private placeEvaluatedFirst(left: SyntaxNode, right: SyntaxNode): boolean {
    if (right.type === 'reference_expression') return true;
    const data = this.lockedPlaceData(left);
    return data !== undefined && !isPrimitiveType(data);
  }

  /** `*self.spent.lock().unwrap()`: the data type the lock of a `self` field guards, as declared. */
  private lockedPlaceData(place: SyntaxNode): string | undefined {
    let node: SyntaxNode | null = place.type === 'unary_expression' && place.text.startsWith('*') ? place.namedChildren[0] : null;
    let locked = false;
    while (node?.type === 'call_expression') {
      const callee = node.childForFieldName('function');
      const method = callee?.type === 'field_expression' ? callee.childForFieldName('field')?.text : undefined;
      if (!method || !PLACE_METHODS.has(method)) return undefined;
      locked ||= LOCKING_METHODS.has(method);
      node = callee!.childForFieldName('value');
    }
    if (!locked || node?.type !== 'field_expression') return undefined;
    const fieldType = this.selfFieldType(node);
    return fieldType ? guardedData(fieldType.text) : undefined;
  }

  /** The declared type of a field path from `self` (`self.inner.spent`). */
  private selfFieldType(node: SyntaxNode): { text: string; file: ParsedFile } | undefined {
    const base = node.childForFieldName('value');
    const field = node.childForFieldName('field')?.text;
    if (!base || !field) return undefined;
    const owner = base.type === 'self' ? this.fn.ownerType : base.type === 'field_expression' ? this.selfFieldStruct(base) : undefined;
    const decl = owner ? this.ctx.index.struct(owner, this.file) : undefined;
    const text = decl?.fields.get(field);
    return decl && text ? { text, file: decl.file } : undefined;
  }

  private selfFieldStruct(node: SyntaxNode): string | undefined {
    const fieldType = this.selfFieldType(node);
    return fieldType ? this.meaningOf(fieldType.text, fieldType.file).struct : undefined;
  }

  /**
   * Associated functions of guard types (parking_lot's, std's `Ref`/`RefMut`):
   * `unlocked(&mut g, f)` releases the lock while `f` runs; `upgrade(g)` / `downgrade(g)` turn the
   * guard into one of another mode on the same lock; `map(g, f)` keeps holding it.
   */
  protected guardAdapter(node: SyntaxNode, name: string, args: readonly SyntaxNode[]): Value {
    const closures = args.filter((a) => a.type === 'closure_expression');
    const plain = args.filter((a) => a.type !== 'closure_expression');
    const first = plain[0] ? this.expr(plain[0]) : NOTHING;
    for (const other of plain.slice(1)) this.expr(other);
    const guards = first.guards.filter((g) => g.live);
    if (name === 'unlocked' || name === 'unlocked_fair') {
      for (const g of guards) g.suspended++;
      for (const closure of closures) this.inlineClosure(closure);
      for (const g of guards) g.suspended--;
      return NOTHING;
    }
    for (const closure of closures) this.inlineClosure(closure);
    const mode = /^(try_)?upgrade/.test(name) ? 'exclusive' : name === 'downgrade' ? 'shared' : name === 'downgrade_to_upgradable' ? 'upgradable' : undefined;
    if (!mode || first.borrowed || guards.length === 0) {
      if (!first.borrowed && guards.length > 0) {
        this.detach(guards, first.binding);
        for (const g of guards) this.temps[this.temps.length - 1].guards.push(g);
      }
      return { guards: first.borrowed ? [] : guards };
    }
    // The old guard is consumed; a guard of the new mode on the same lock takes its place.
    this.detach(guards, first.binding);
    const renewed: LiveGuard[] = [];
    for (const g of guards) {
      this.release(g, this.span(node), `when \`${name}\` turns it into a ${mode} guard`);
      const acquisition: Acquisition = { ...g.fact.acquisition, mode, api: name, span: this.span(node) };
      const next = this.acquire(acquisition, undefined);
      if (next) renewed.push(next);
    }
    return { guards: renewed };
  }
}
