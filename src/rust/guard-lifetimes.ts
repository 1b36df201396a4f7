// Where every guard of a Rust function is alive. This is the one place that decides guard
// lifetimes, following the Rust reference ("Destructors", "Temporary scopes", "Temporary lifetime
// extension") and the edition 2024 changes (if-let rescope, tail-expression temporary scope).
//
// The walk visits expressions in evaluation order. A guard is born in the innermost temporary
// scope; a `let` moves it into the block; a call argument moves it into the callee; a scope's end
// drops what it still holds. Every acquisition, call and `.await` is recorded with the guards
// alive at that moment.
//
// The walk is layered along those seams, each in its own file under guard-lifetimes/:
// temporary-scopes.ts (scopes and drop order), branches.ts (arms, loops, drop flags), moves.ts
// (moves and consumption), calls.ts (calls, closures and futures). This file evaluates
// expressions and names the places (locals, statics, fields) that locks live in.
import type { FnDecl, ParsedFile } from './crate-index.js';
import { displayOfPath, selfRoot, type FunctionFacts } from './facts.js';
import { typeHeadName, type SyntaxNode } from './syntax.js';
import { GUARD_TYPE_METHODS, lockFlavor, lockMethod } from './lock-apis.js';
import { splitTypeList, type LockType, type TypeMeaning } from './types.js';
import { aggregateParts } from './syntax-shapes.js';
import { Calls } from './guard-lifetimes/calls.js';
import { indexedElement, lockContent } from './guard-lifetimes/drop-types.js';
import { NOTHING, eitherLock, parameterLockKey, type LiveGuard, type LockPlace, type TypeRef, type Value, type WalkContext } from './guard-lifetimes/values.js';
import { canonicalKey } from './shared-handles.js';
import { instantiatedType } from './generic-bounds.js';

export { parameterLockKey, type WalkContext } from './guard-lifetimes/values.js';

/** Beyond this depth the walk stops descending (with a note) instead of exhausting the stack. */
const MAX_DEPTH = 400;

export function walkFunction(fn: FnDecl, ctx: WalkContext): FunctionFacts {
  return new GuardLifetimeWalk(fn, ctx).run();
}

class GuardLifetimeWalk extends Calls {
  run(): FunctionFacts {
    const body = this.fn.node.childForFieldName('body');
    if (body) {
      this.blocks.push({ bindings: new Map(), owned: [] });
      this.bindParameters();
      this.guardsHeldBySelf();
      this.temps.push({ guards: [], endNote: 'at the end of the function' });
      const value = this.block(body, true);
      for (const g of value.guards) this.returned.push(g.fact);
      if (value.lock) this.returnedLock = this.returnedLock ? eitherLock([this.returnedLock, value.lock]) : value.lock;
      // Edition ≤ 2021: the body's tail temporaries are dropped after its locals (Reference:
      // "Temporary scopes"; the case RFC 3606 changed), so a local's `Drop` runs under them.
      if (this.edition >= 2024) {
        this.endTemp(this.endOf(body));
        this.endBlock(this.endOf(body), 'at the end of the function');
      } else {
        this.endBlock(this.endOf(body), 'at the end of the function');
        this.endTemp(this.endOf(body));
      }
      this.walkUnpolledFutures();
    }
    return {
      fn: this.fn,
      events: this.events,
      guards: this.guards,
      returnedGuards: this.returned,
      closureCalls: this.closureCalls,
      closureCallsLater: this.closureParamsCalledLater(),
      returnedLock: this.returnedLock,
    };
  }

  /**
   * A struct holding a guard in a field (`Txn { guard: MutexGuard<'a, Data>, store: &'a TxStore }`)
   * holds that lock for as long as it lives: through the whole of each of its methods taking
   * `&self` / `&mut self`, and of one taking `self` that only reads fields of it (a method that
   * moves `self` or the guard field hands the guard on). The lock is the one of that data reached
   * through the struct's own fields (`self.store.data`) when exactly one is; otherwise which lock it
   * is cannot be told and nothing is assumed.
   */
  private guardsHeldBySelf(): void {
    const owner = this.fn.ownerType;
    const selfParam = this.fn.node.childForFieldName('parameters')?.namedChildren.find((p) => p.type === 'self_parameter');
    if (!owner || !selfParam) return;
    const decl = this.ctx.index.struct(owner, this.file);
    if (!decl) return;
    const body = this.fn.node.childForFieldName('body');
    const byValue = !/&/.test(selfParam.text);
    for (const [field, type] of decl.fields) {
      const guardName = typeHeadName(type.replace(/^&\s*('\w+\s*)?(mut\s+)?/, ''));
      const method = GUARD_TYPE_METHODS.get(guardName);
      if (!method) continue;
      // `self` or `self.guard` used as a value moves the guard out of this method's keeping.
      if (byValue && body && movesSelfOrField(body, field)) continue;
      const data = dataOfGuard(type);
      if (!data) continue;
      const places: { path: string; lock: LockType }[] = [];
      for (const [via, viaType] of decl.fields) {
        if (via === field) continue;
        const target = this.meaningOf(viaType, decl.file).struct;
        const targetDecl = target ? this.ctx.index.struct(target, decl.file) : undefined;
        if (!targetDecl) continue;
        for (const [lockField, lockType] of targetDecl.fields) {
          const lock = this.meaningOf(lockType, targetDecl.file).lock;
          const content = lockContent(lockType, targetDecl.file)?.text;
          if (lock && content && typeHeadName(content) === typeHeadName(data)) places.push({ path: `${owner}.${via}.${lockField}`, lock });
        }
      }
      if (places.length !== 1) continue;
      const [{ path, lock }] = places;
      const api = lockMethod(lock.kind, method);
      if (!api) continue;
      this.holdFromEntry(
        {
          lock: { key: path, display: displayOfPath(path) },
          mode: api.mode,
          flavor: lockFlavor(lock.kind, lock.crate),
          api: method,
          span: this.span(selfParam),
          blocking: api.blocking,
          confidence: 'high',
        },
        `self.${field}`,
        byValue,
      );
    }
  }

  /**
   * Closure parameters called only on threads or tasks this function does not wait for: a
   * thread it joins (or any channel it receives from) runs them while it waits, as if here.
   */
  private closureParamsCalledLater(): Set<number> {
    const waited = new Set<number>();
    let receives = false;
    for (const e of this.events) {
      if (e.kind !== 'call') continue;
      if (e.waitsFor?.kind === 'join') waited.add(e.waitsFor.thread);
      if (e.waitsFor?.kind === 'recv') receives = true;
    }
    const later = new Set<number>();
    for (const [param, where] of this.closureParamCalls) {
      if (where !== 'here' && !receives && ![...where].some((t) => t !== undefined && waited.has(t))) later.add(param);
    }
    return later;
  }

  protected expr(node: SyntaxNode): Value {
    if (this.depth >= MAX_DEPTH) {
      if (!this.depthNoted) {
        this.depthNoted = true;
        const at = this.span(node);
        this.ctx.notes.push({
          file: at.file,
          line: at.line,
          message: `expressions nested deeper than ${MAX_DEPTH} levels in \`${this.fn.name}\` were not analysed`,
        });
      }
      return NOTHING;
    }
    this.depth++;
    try {
      return this.exprInner(node);
    } finally {
      this.depth--;
    }
  }

  protected exprInner(node: SyntaxNode): Value {
    switch (node.type) {
      case 'call_expression':
        return this.callExpression(node);
      case 'await_expression':
        return this.awaitExpression(node);
      case 'try_expression': {
        // `e?` yields what is inside the `Option` / `Result`: a guard, not an optional one.
        const inner = node.namedChildren[0];
        const value = inner ? this.expr(inner) : NOTHING;
        for (const g of value.guards) g.optional = false;
        // On `Err` / `None` the function returns here.
        this.dropLocalsOnExit(this.span(node));
        return value;
      }
      case 'parenthesized_expression':
      case 'type_cast_expression': {
        const inner = node.namedChildren[0];
        return inner ? this.expr(inner) : NOTHING;
      }
      case 'reference_expression': {
        // A borrow moves nothing (Reference: "Borrow operators"): `total(&guard)` leaves the
        // guard held. The guards stay visible for `if let` / `match` on a borrowed Option.
        const inner = node.childForFieldName('value');
        const value = inner ? this.expr(inner) : NOTHING;
        return { ...value, borrowed: true, binding: undefined };
      }
      case 'unary_expression': {
        // `*guard` reads through the guard; the guard itself stays a temporary.
        const inner = node.namedChildren[0];
        const value = inner ? this.expr(inner) : NOTHING;
        return { guards: [], lock: value.lock, struct: value.struct, content: value.content };
      }
      case 'identifier':
        return this.identifier(node);
      case 'self':
        return this.selfValue();
      case 'field_expression':
        return this.fieldExpression(node);
      case 'index_expression':
        return this.indexExpression(node);
      case 'scoped_identifier':
        return this.staticPlace(node.text);
      case 'block':
        return this.block(node);
      case 'unsafe_block':
      case 'const_block': {
        const inner = node.namedChildren.find((c) => c.type === 'block');
        return inner ? this.block(inner) : NOTHING;
      }
      case 'async_block':
        return this.asyncBlockFuture(node);
      case 'closure_expression':
        this.detachedBody(node);
        return NOTHING;
      case 'if_expression':
        return this.ifExpression(node);
      case 'match_expression':
        return this.matchExpression(node);
      case 'while_expression':
        this.whileExpression(node);
        return NOTHING;
      case 'for_expression':
        this.forExpression(node);
        return NOTHING;
      case 'loop_expression': {
        const body = node.childForFieldName('body');
        if (body) this.bodyBlock(body, 'at the end of the loop body');
        return NOTHING;
      }
      case 'assignment_expression':
      case 'compound_assignment_expr':
        return this.assignment(node);
      case 'binary_expression':
        return this.binary(node);
      case 'return_expression':
        this.returnExpression(node);
        return NOTHING;
      case 'macro_invocation':
        return this.macro(node);
      case 'tuple_expression':
      case 'array_expression':
      case 'struct_expression': {
        const carried: LiveGuard[] = [];
        for (const part of aggregateParts(node)) {
          const value = this.expr(part);
          // The aggregate carries the guards; the binding keeps them listed, so that a sibling
          // branch that drops that binding instead (`Err(..) => drop(g)`) still releases them.
          if (!value.borrowed && value.binding) value.binding.moved = true;
          carried.push(...value.guards);
        }
        // A struct literal is a fresh value of its type (`let s = State { m: … };`).
        const name = node.type === 'struct_expression' ? node.childForFieldName('name')?.text : undefined;
        const struct = name === 'Self' ? this.fn.ownerType : name ? this.meaningOf(name, this.file).struct : undefined;
        return struct ? { guards: carried, struct, distinct: true, content: { text: struct, file: this.file } } : { guards: carried };
      }
      case 'let_condition':
      case 'let_chain':
        // Conditions are walked by their `if` / `while`; reaching one here means broken code.
        this.children(node);
        return NOTHING;
      case 'line_comment':
      case 'block_comment':
      case 'string_literal':
      case 'raw_string_literal':
      case 'integer_literal':
      case 'float_literal':
      case 'boolean_literal':
      case 'char_literal':
        return NOTHING;
      default:
        this.children(node);
        return NOTHING;
    }
  }

  protected children(node: SyntaxNode): void {
    for (const child of node.namedChildren) {
      if (child.type.endsWith('_item') || child.type === 'type_identifier' || child.type.endsWith('_type')) continue;
      this.expr(child);
    }
  }

  protected identifier(node: SyntaxNode): Value {
    const binding = this.lookup(node.text);
    if (binding) {
      return {
        guards: binding.guards.filter((g) => g.live),
        lock: binding.lock,
        struct: binding.struct,
        binding,
        distinct: binding.distinct,
        future: binding.future,
        path: binding.path,
        content: binding.content,
      };
    }
    return this.staticPlace(node.text);
  }

  protected staticPlace(path: string): Value {
    const segments = path.replace(/\s+/g, '').split('::');
    const name = segments.pop()!;
    if (!/^[A-Z][A-Z0-9_]*$/.test(name)) return NOTHING;
    const decl = this.ctx.index.staticDecl(name, this.file, this.fn.module, segments);
    if (!decl) return NOTHING;
    const meaning = this.meaningOf(decl.type, decl.file);
    if (meaning.lock) {
      const content = lockContent(decl.type, decl.file);
      // Statics of one name in two modules are two locks (`os::…::SERIAL`, `local::…::SERIAL`), and
      // so are those of two crates' root modules (a dependency's module root is its own).
      const module = decl.module && (decl.module.path.length > 0 || decl.module.root !== '') ? `${decl.module.root}|${decl.module.path.join('::')}::` : '';
      return { guards: [], lock: { id: { key: `static ${module}${name}`, display: name }, type: meaning.lock, confidence: 'high', content } };
    }
    return { guards: [], struct: meaning.struct };
  }

  /**
   * `self`: the root of the owner's field paths; in a method of a lock type itself (`impl<T>
   * LockExt<T> for RwLock<T>`), the lock the caller calls it on.
   */
  protected selfValue(): Value {
    const lock = this.fn.ownerTypeText ? this.meaningOf(this.fn.ownerTypeText, this.file).lock : undefined;
    if (lock) return { guards: [], lock: { id: { key: parameterLockKey(this.fn, 'self'), display: 'self' }, type: lock, confidence: 'high' } };
    return { guards: [], struct: this.fn.ownerType, path: selfRoot(this.fn) };
  }

  /** `self.load`, `self.inner.load`, `p.load`: a lock named by its owning type and field. */
  protected fieldExpression(node: SyntaxNode): Value {
    const base = node.childForFieldName('value');
    const field = node.childForFieldName('field')?.text;
    const baseValue = base ? this.expr(base) : NOTHING;
    if (!field) return NOTHING;
    // A field of the data a guard (or reference) reaches: only its type is followed.
    if (!baseValue.struct) return baseValue.content ? this.fieldOfContent(baseValue.content, field) : NOTHING;
    const own = this.ctx.index.struct(baseValue.struct, this.file);
    // Auto-deref: a field the type lacks is its `Deref` target's (`self.families` on a `Registry`
    // newtype over `Arc<RegistryInner>`), named from the same root.
    const target = own && !own.fields.has(field) ? this.ctx.index.derefStruct(own.name) : undefined;
    const decl = target ? this.ctx.index.struct(target, own!.file) : own;
    const fieldType = decl?.fields.get(field);
    if (!decl || !fieldType) return NOTHING;
    const meaning = this.fieldMeaning(fieldType, decl.file);
    // From `self`, the field path names the lock; from anything else, the type and field do.
    const path = baseValue.path ? `${baseValue.path}.${field}` : undefined;
    if (meaning.lock) {
      // Reached through a handle to another object's state (shared-handles.ts): keyed as that object.
      const { key, anyInstance } = canonicalKey(this.ctx.index.sharedHandles(), path ?? `${decl.name}.${field}`);
      const content = lockContent(fieldType, decl.file);
      return { guards: [], lock: { id: { key, display: displayOfPath(key) }, type: meaning.lock, confidence: anyInstance ? 'low' : 'high', content } };
    }
    return { guards: [], struct: meaning.struct, path: meaning.struct ? path : undefined, content: { text: fieldType, file: decl.file }, elements: path ? this.rowOfLocks(path, fieldType, decl.file) : undefined };
  }

  /** What a field's declared type means; a generic parameter (`backend: B`) is what instantiates it here. */
  private fieldMeaning(fieldType: string, file: ParsedFile): TypeMeaning {
    const meaning = this.meaningOf(fieldType, file);
    if (meaning.lock || (meaning.struct && this.ctx.index.struct(meaning.struct, file))) return meaning;
    const instance = instantiatedType(this.ctx.index, this.fn, fieldType);
    return instance ? { struct: instance } : meaning;
  }

  /** A field holding a row of locks (`stripes: Vec<Mutex<u64>>`): its elements' lock, keyed by the field. */
  private rowOfLocks(path: string, fieldType: string, file: ParsedFile): LockPlace | undefined {
    const element = indexedElement(fieldType);
    const lock = element ? this.meaningOf(element, file).lock : undefined;
    return lock && { id: { key: path, display: displayOfPath(path) }, type: lock, confidence: 'high', content: lockContent(element!, file) };
  }

  /**
   * `self.stripes[i]`: one element of a row of locks. A literal index names the same element
   * everywhere; any other index is a value of this function, so its text names the element only
   * here (another function's `i` is another value).
   */
  protected indexExpression(node: SyntaxNode): Value {
    const [base, index] = node.namedChildren;
    const row = base ? this.expr(base) : NOTHING;
    if (index) this.expr(index);
    if (!index) return NOTHING;
    if (!row.elements) {
      // `buffers[i]` of a `&[Buffer]`: a place in the container, whose type the methods called on it need.
      const element = row.content && indexedElement(row.content.text);
      return element ? { guards: [], content: { text: element, file: row.content!.file }, borrowed: true } : NOTHING;
    }
    const written = index.text.replace(/\s+/g, '');
    const literal = /^(\d+)(?:usize)?$/.exec(written)?.[1];
    const key = `${row.elements.id.key}[${literal ?? `${written}@${this.fn.key}`}]`;
    const element = { row: row.elements.id.key, index: literal ?? written, indexNode: index };
    return { guards: [], lock: { ...row.elements, id: { key, display: `${row.elements.id.display}[${index.text}]` }, element } };
  }

  /** `guard.sessions` where the guard holds a `StoreState`: the field's declared type. */
  private fieldOfContent(content: TypeRef, field: string): Value {
    const decl = this.ctx.index.struct(typeHeadName(content.text), content.file);
    const fieldType = decl?.fields.get(field);
    return decl && fieldType ? { guards: [], content: { text: fieldType, file: decl.file } } : NOTHING;
  }
}

/** `MutexGuard<'a, Data>` → `Data`: the guarded data, its lifetimes skipped. */
function dataOfGuard(type: string): string | undefined {
  const open = type.indexOf('<');
  if (open < 0 || !type.trimEnd().endsWith('>')) return undefined;
  return splitTypeList(type.slice(open + 1, type.lastIndexOf('>'))).find((a) => !a.startsWith("'"));
}

/** Whether `body` uses `self`, or its field `field`, as a value (a move), not only through a place. */
function movesSelfOrField(body: SyntaxNode, field: string): boolean {
  const places = new Set(['field_expression', 'unary_expression', 'reference_expression', 'index_expression']);
  const visit = (node: SyntaxNode): boolean => {
    if (node.type === 'self') {
      const access = node.parent;
      if (access?.type !== 'field_expression') return true;
      if (access.childForFieldName('field')?.text !== field) return false;
      return !places.has(access.parent?.type ?? '') && access.parent?.type !== 'compound_assignment_expr';
    }
    return node.namedChildren.some(visit);
  };
  return visit(body);
}
