// Temporary scopes and drop order (Reference: "Destructors", "Temporary scopes", "Temporary
// lifetime extension"; edition 2024's tail-expression scope, RFC 3606). A guard is born in the
// innermost temporary scope; a `let` moves it into the block, which drops what it owns in reverse
// order at its end. This layer holds the walk's state and records acquisitions and calls with the
// guards alive at that moment.
import type { Acquisition, SourceSpan } from '../../core/model.js';
import type { FnDecl, ParsedFile } from '../crate-index.js';
import type { Edition } from '../../core/model.js';
import type { CallEvent, FactEvent, FunctionFacts, GuardFact, HeldGuard } from '../facts.js';
import type { LockMethod } from '../lock-apis.js';
import type { SyntaxNode } from '../syntax.js';
import { extendedTemporaries, guardOwners, holdsNoGuard, patternNames } from '../syntax-shapes.js';
import { guardElementOf, type LockType, type TypeMeaning } from '../types.js';
import { fixedCallees } from './callees.js';
import { instantiatedType } from '../generic-bounds.js';
import { emptyContainerOf, firstElementPut, lockContent, ownedTypeNames, sharedOwnedTypeNames, sharedTarget } from './drop-types.js';
import { placeTest } from './option-tests.js';
import { distinctPairsAt, indicesMayMatch, orderedPairsAt } from '../path-conditions.js';
import {
  callSiteOf,
  NOTHING,
  guardIdMark,
  newGuardId,
  parameterLockKey,
  type Binding,
  type BlockScope,
  type DroppedLocal,
  type ElementOf,
  type LiveGuard,
  type LockPlace,
  type PendingFuture,
  type TempScope,
  type TypeRef,
  type Value,
  type WalkContext,
} from './values.js';

export abstract class TemporaryScopes {
  protected readonly file: ParsedFile;
  protected readonly edition: Edition;
  protected readonly events: FactEvent[] = [];
  protected readonly guards: GuardFact[] = [];
  protected readonly returned: GuardFact[] = [];
  protected readonly closureCalls = new Map<number, GuardFact[]>();
  /**
   * Per closure parameter: `here` if the function calls it in its own flow, else the spawned
   * threads (numbered; `undefined` for a task or a stored adapter) whose code calls it.
   */
  protected readonly closureParamCalls = new Map<number, 'here' | Set<number | undefined>>();
  protected returnedLock: FunctionFacts['returnedLock'];
  protected readonly temps: TempScope[] = [];
  protected readonly blocks: BlockScope[] = [];
  /** Per function, closure or async block being walked: the first of `blocks` a `return` leaves. */
  protected readonly exitFloors: number[] = [];
  protected live: LiveGuard[] = [];
  protected detached = false;
  /** The spawned closure being walked (numbered per function), for joins and channels. */
  protected thread: number | undefined;
  /** The start of the innermost closure being walked that runs later (stored or spawned): its events are that closure's. */
  protected laterClosure: number | undefined;
  protected spawnedCount = 0;
  /** Per open `thread::scope`: the threads spawned in it, each joined where it returns at the latest. */
  protected readonly scopedThreads: PendingFuture[][] = [];
  protected channelCount = 0;
  /** The number of the closure the last detaching call (`spawn`) handed away. */
  protected lastSpawned: number | undefined;
  protected depth = 0;
  protected depthNoted = false;
  /** Offset added to node positions while walking a re-parsed macro body. */
  protected shift = 0;

  constructor(
    protected readonly fn: FnDecl,
    protected readonly ctx: WalkContext,
  ) {
    this.file = fn.file;
    this.edition = fn.file.edition;
  }

  /** Evaluates an expression in order, recording what it acquires, calls and awaits. */
  protected abstract expr(node: SyntaxNode): Value;
  protected abstract selfValue(): Value;

  protected span(node: SyntaxNode): SourceSpan {
    return this.file.lines.span(this.file.path, node.startIndex + this.shift, node.endIndex + this.shift);
  }

  protected endOf(node: SyntaxNode): SourceSpan {
    const end = node.endIndex + this.shift;
    return this.file.lines.span(this.file.path, Math.max(end - 1, 0), end);
  }

  protected bindParameters(): void {
    const mutSelf = this.fn.selfParam?.includes('mut') ?? false;
    this.fn.params.forEach((p, i) => {
      const written = this.meaningOf(p.type, this.file);
      // `s: &S` with `S: Store`, `s: &impl Store`: the crate's one implementation of the bound.
      const known = written.lock !== undefined || (written.struct !== undefined && this.ctx.index.struct(written.struct, this.file) !== undefined);
      const instance = known ? undefined : instantiatedType(this.ctx.index, this.fn, p.type);
      const meaning = instance ? { struct: instance } : written;
      // Borrowck: a `&mut` parameter aliases nothing else, and nothing aliases `&mut self`.
      const distinct = this.fn.selfParam !== undefined && (/^&\s*('\w+\s*)?mut\b/.test(p.type) || mutSelf);
      // A lock parameter is whatever lock the caller passes: summaries substitute it per call.
      const lock: LockPlace | undefined = meaning.lock
        ? { id: { key: parameterLockKey(this.fn, i), display: p.name }, type: meaning.lock, confidence: 'high' }
        : undefined;
      // A struct parameter is its own root: `other.conns` (other: &Pool) is not `self.conns`.
      const struct = meaning.struct === undefined && /\bSelf\b/.test(p.type) ? this.fn.ownerType : meaning.struct;
      this.bind(p.name, {
        guards: [],
        paramIndex: i,
        lock: lock && { ...lock, content: lockContent(p.type, this.file) },
        struct,
        distinct,
        path: struct ? `${struct}@${p.name}` : undefined,
        content: { text: p.type, file: this.file },
      });
    });
  }

  /** What a type written in `scope` means there (its imports, its crate's aliases). */
  protected meaningOf(typeText: string, scope: ParsedFile): TypeMeaning {
    return this.ctx.index.typeMeaning(typeText, scope);
  }

  protected localLock(name: string, type: LockType, display = name): LockPlace {
    const owner = this.fn.ownerType ? `${this.fn.ownerType}::${this.fn.name}` : this.fn.name;
    return { id: { key: `${this.file.path}#${owner}::${name}`, display }, type, confidence: 'high' };
  }

  protected isConstructed(lock: LockPlace | undefined): boolean {
    return lock?.id.key.includes('::<new ') ?? false;
  }

  protected bind(name: string, binding: Binding): void {
    this.blocks[this.blocks.length - 1].bindings.set(name, binding);
  }

  protected lookup(name: string): Binding | undefined {
    for (let i = this.blocks.length - 1; i >= 0; i--) {
      const b = this.blocks[i].bindings.get(name);
      if (b) return b;
    }
    return undefined;
  }

  protected pushTemp(endNote: string): void {
    this.temps.push({ guards: [], endNote });
  }

  protected endTemp(at: SourceSpan): void {
    const scope = this.temps.pop();
    if (!scope) return;
    for (let i = scope.guards.length - 1; i >= 0; i--) this.release(scope.guards[i], at, scope.endNote);
  }

  /**
   * A block's end drops its locals in reverse declaration order (Reference: "Destructors", drop
   * scopes): a local declared after a guard is dropped while that guard is still held, so the
   * `Drop` code its type runs, runs under the guard.
   */
  protected endBlock(at: SourceSpan, note: string): void {
    const block = this.blocks.pop();
    if (!block) return;
    const locals = block.locals ?? [];
    let next = locals.length - 1;
    for (let i = block.owned.length - 1; i >= 0; i--) {
      const guard = block.owned[i];
      while (next >= 0 && locals[next].mark > guard.fact.id) this.dropLocal(locals[next--], at);
      this.release(guard, at, note);
    }
    while (next >= 0) this.dropLocal(locals[next--], at);
  }

  protected dropLocal(local: DroppedLocal, at: SourceSpan): void {
    if (!local.binding.moved && local.binding.content) this.dropValue(local.binding.content, at);
  }

  /**
   * `return` and `?` leave every block up to the function's (or closure's, or async block's) body:
   * their locals are dropped there, innermost block first and each in reverse declaration order
   * (Reference: "Destructors", drop scopes), so a local declared after a guard is dropped while
   * that guard is held. The walk goes on after the exit, so nothing is marked moved.
   */
  protected dropLocalsOnExit(at: SourceSpan): void {
    const floor = this.exitFloors[this.exitFloors.length - 1] ?? 0;
    for (let b = this.blocks.length - 1; b >= floor; b--) {
      const locals = this.blocks[b].locals ?? [];
      for (let i = locals.length - 1; i >= 0; i--) {
        const local = locals[i];
        if (local.binding.moved || !local.binding.content) continue;
        // Guards made after the local are dropped before it.
        this.dropValue(local.binding.content, at, (g) => g.id < local.mark);
      }
    }
  }

  /**
   * `let mut held = Vec::new();` with a later `held.push(Hold { .. })`: a `Vec<Hold>`, as Rust
   * infers it from that use. The element's type is read from what is put in: a struct literal, or
   * a call of the crate whose declared return type names it (`Hold::new(..)`, `make_hold(..)`).
   */
  private inferredContainer(name: string, declaration: SyntaxNode, init: SyntaxNode): TypeRef | undefined {
    const container = emptyContainerOf(init);
    const scope = declaration.parent;
    if (!container || !scope) return undefined;
    const element = firstElementPut(name, container, scope, declaration.endIndex);
    const type = element ? this.writtenValueType(element) : undefined;
    if (!type) return undefined;
    return { text: /Map$/.test(container) ? `${container}<_, ${type}>` : `${container}<${type}>`, file: this.file };
  }

  /** The type a struct literal or a call of the crate's makes, as written, without walking it. */
  private writtenValueType(node: SyntaxNode): string | undefined {
    if (node.type === 'struct_expression') {
      const name = node.childForFieldName('name')?.text;
      return name === 'Self' ? this.fn.ownerType : name ? this.meaningOf(name, this.file).struct : undefined;
    }
    if (node.type !== 'call_expression') return undefined;
    let fn = node.childForFieldName('function');
    if (fn?.type === 'generic_function') fn = fn.childForFieldName('function');
    if (!fn || (fn.type !== 'identifier' && fn.type !== 'scoped_identifier')) return undefined;
    const segments = fn.text.replace(/\s+/g, '').split('::');
    const last = segments[segments.length - 1];
    const owner = segments.length >= 2 ? segments[segments.length - 2] : undefined;
    const typeName = owner === 'Self' ? this.fn.ownerType : owner && /^[A-Z]/.test(owner) ? this.meaningOf(owner, this.file).struct : undefined;
    const callees = typeName ? this.ctx.index.methods(typeName, last) : owner && /^[A-Z]/.test(owner) ? [] : this.ctx.index.freeFunctions(segments, this.fn);
    const returned = callees[0]?.returnType?.trim();
    if (!returned || /^(?:&|impl\b|dyn\b)/.test(returned)) return undefined;
    const head = returned.replace(/<.*$/s, '').trim();
    return head === 'Self' ? typeName : this.meaningOf(head, callees[0].file).struct;
  }

  /** Registers a local whose value is dropped at the end of the current block. */
  protected declareLocal(name: string, binding: Binding): void {
    if (!binding.content) return;
    const block = this.blocks[this.blocks.length - 1];
    (block.locals ??= []).push({ name, binding, mark: guardIdMark() });
  }

  /**
   * A value of `type` is dropped here: each crate type it owns that implements `Drop` runs its
   * `drop`, with whatever is held here. Recorded as a call of those `drop` methods on an object
   * that is not `self`'s; only worth asking while something is held.
   */
  protected dropValue(type: TypeRef, at: SourceSpan, heldHere: (guard: GuardFact) => boolean = () => true): void {
    this.dropOf(ownedTypeNames(type.text), at, heldHere, false);
  }

  /**
   * A value taken out of its place and dropped (`map.remove(&id);`, `*slot = fresh;`): besides
   * what it owns, what it holds through an `Arc`/`Rc` (`Arc<Session>`) is dropped when it was the
   * last reference, which nothing here can rule out; the place no longer keeps it alive.
   */
  protected dropTakenValue(type: TypeRef, at: SourceSpan): void {
    this.dropValue(type, at);
    this.dropOf(sharedOwnedTypeNames(type.text), at, () => true, true);
  }

  private dropOf(names: readonly string[], at: SourceSpan, heldHere: (guard: GuardFact) => boolean, lastReference: boolean): void {
    const held = this.held().filter((h) => heldHere(h.guard));
    if (held.length === 0) return;
    const index = this.ctx.index;
    const dropping: FnDecl[] = [];
    for (const name of new Set(names)) {
      for (const fn of index.methods(name, 'drop')) if (fn.traitName === 'Drop') dropping.push(fn);
    }
    if (dropping.length === 0) return;
    const sharedRoots = new Map<string, string>();
    for (const fn of dropping) {
      const owner = fn.ownerType ? index.struct(fn.ownerType, fn.file) : undefined;
      for (const [field, fieldType] of owner?.fields ?? []) {
        const target = sharedTarget(fieldType);
        if (target && index.struct(target, owner!.file)) sharedRoots.set(`${owner!.name}.${field}`, target);
      }
    }
    this.events.push({
      kind: 'call',
      callees: fixedCallees(dropping),
      // Read as "calls `drop` of `Session`".
      calleeName: `drop\` of \`${[...new Set(dropping.map((fn) => fn.ownerType))].join('`/`')}`,
      distinctReceiver: true,
      argumentLocks: [],
      argumentPaths: [],
      argumentGuards: [],
      sharedRoots,
      lastReference: lastReference || undefined,
      handles: index.sharedHandles(),
      span: at,
      held,
      detached: this.detached,
      closure: this.laterClosure,
    });
  }

  protected release(guard: LiveGuard, at: SourceSpan, note: string): void {
    if (!guard.live) return;
    guard.live = false;
    guard.fact.release ??= { span: at, note };
    this.live = this.live.filter((g) => g !== guard);
  }

  /** Takes guards out of the temporary scope or binding that held them: they now move with a value. */
  protected detach(guards: readonly LiveGuard[], from?: Binding): void {
    for (const scope of this.temps) {
      for (const g of guards) {
        const i = scope.guards.indexOf(g);
        if (i >= 0) scope.guards.splice(i, 1);
      }
    }
    for (const block of this.blocks) {
      for (const g of guards) {
        const i = block.owned.indexOf(g);
        if (i >= 0) block.owned.splice(i, 1);
      }
    }
    if (from) from.guards = from.guards.filter((g) => !guards.includes(g));
  }

  protected held(): HeldGuard[] {
    return this.live
      .filter((g) => g.live && g.suspended === 0)
      .map((g) => (g.region ? { guard: g.fact, region: g.region } : { guard: g.fact }));
  }

  protected revive(guard: LiveGuard, owner?: LiveGuard[]): void {
    guard.live = true;
    guard.fact.release = undefined;
    if (!this.live.includes(guard)) this.live.push(guard);
    if (guard.binding && !guard.binding.guards.includes(guard)) guard.binding.guards.push(guard);
    if (!this.ownerOf(guard)) (owner ?? this.blocks[this.blocks.length - 1].owned).push(guard);
  }

  /** The open scope that drops this guard: a statement's temporaries or a block's locals. */
  protected ownerOf(guard: LiveGuard): LiveGuard[] | undefined {
    return this.temps.find((t) => t.guards.includes(guard))?.guards ?? this.blocks.find((b) => b.owned.includes(guard))?.owned;
  }

  /** Held guards of other elements of `element`'s row that its index may pick too. */
  private maybeSameElement(held: readonly HeldGuard[], acquisition: Acquisition, element: ElementOf): GuardFact[] {
    return held
      .map((h) => h.guard)
      .filter((g) => g.element?.row === element.row && g.acquisition.lock.key !== acquisition.lock.key && indicesMayMatch(element.indexNode, g.element.index, element.index));
  }

  /**
   * A guard the function holds from its start without taking it (one `self` holds in a field):
   * alive at every event, owned by the function's body, with no acquisition of its own.
   */
  protected holdFromEntry(acquisition: Acquisition, field: string, droppedHere: boolean): void {
    const fact: GuardFact = { id: newGuardId(), acquisition, origin: 'temporary', heldBySelf: field };
    this.guards.push(fact);
    const guard: LiveGuard = { fact, live: true, suspended: 0, optional: false };
    this.live.push(guard);
    // A method taking `self` drops it, and the guard, at its end; a borrowed `self` keeps both.
    if (droppedHere) this.blocks[0].owned.push(guard);
  }

  /**
   * `at` is the expression that takes the lock, for what the conditions around it say (the order
   * of two objects, whether two indices differ); `element` says which element of a row it is.
   */
  protected acquire(
    acquisition: Acquisition,
    method: LockMethod | undefined,
    { returnedBy, at, element }: { returnedBy?: GuardFact['returnedBy']; at?: SyntaxNode; element?: ElementOf } = {},
  ): LiveGuard | undefined {
    const held = this.held();
    const maybeSameElement = element ? this.maybeSameElement(held, acquisition, element) : [];
    const elementEvent = maybeSameElement.length > 0 ? { maybeSameElement } : {};
    if (method && method.holds === 'momentary') {
      this.events.push({ kind: 'acquire', acquisition, held, detached: this.detached, thread: this.thread, closure: this.laterClosure, ...elementEvent });
      return undefined;
    }
    const fact: GuardFact = { id: newGuardId(), acquisition, origin: 'temporary' };
    if (returnedBy) fact.returnedBy = returnedBy;
    if (at) {
      fact.orderedBy = (names) => orderedPairsAt(at, names);
      fact.distinctBy = (names) => distinctPairsAt(at, names);
    }
    if (element) fact.element = { row: element.row, index: element.index };
    this.guards.push(fact);
    this.events.push({ kind: 'acquire', acquisition, held, detached: this.detached, thread: this.thread, closure: this.laterClosure, guard: fact, ...elementEvent });
    const guard: LiveGuard = { fact, live: true, suspended: 0, optional: method?.optional ?? false };
    this.live.push(guard);
    this.temps[this.temps.length - 1].guards.push(guard);
    return guard;
  }

  protected call(
    callees: () => readonly FnDecl[],
    name: string,
    node: SyntaxNode,
    receiver: Value | undefined,
    args: readonly Value[],
    waitsFor: CallEvent['waitsFor'] = waitedThread(name, receiver),
    leavesAtEntry?: CallEvent['leavesAtEntry'],
    decideUnder?: CallEvent['decideUnder'],
    storedCallback?: string,
  ): void {
    this.events.push({
      kind: 'call',
      callees,
      calleeName: name,
      ...(storedCallback ? { storedCallback } : {}),
      ...(leavesAtEntry ? { leavesAtEntry } : {}),
      ...(decideUnder ? { decideUnder } : {}),
      ...callSiteOf(receiver, args, this.ctx.index.sharedHandles()),
      argumentGuards: args.flatMap((a) => a.guards.map((g) => g.fact)),
      waitsFor,
      sendsOn: name === 'send' ? receiver?.binding?.channel : undefined,
      span: this.span(node),
      held: this.held(),
      detached: this.detached,
      thread: this.thread,
      closure: this.laterClosure,
    });
  }

  /** Walks a block; `isBody` marks a function body, whose tail temporaries die with the call. */
  protected block(node: SyntaxNode, isBody = false): Value {
    if (!isBody) this.blocks.push({ bindings: new Map(), owned: [] });
    const children = node.namedChildren.filter((c) => c.type !== 'line_comment' && c.type !== 'block_comment');
    let value: Value = NOTHING;
    // `#[cfg(P)]` and `#[cfg(not(P))]` statements are never compiled together (Reference:
    // "Conditional compilation"): when the second runs, the guards the first made do not exist.
    // What follows both is walked with the second's.
    const alternatives = new Map<string, { readonly negated: boolean; readonly from: number; readonly to: number }>();
    let cfg: { readonly predicate: string; readonly negated: boolean } | undefined;
    for (let i = 0; i < children.length; i++) {
      const child = children[i];
      if (child.type === 'attribute_item') {
        cfg = cfgOf(child.text) ?? cfg;
        continue;
      }
      const own = cfg;
      cfg = undefined;
      const other = own ? alternatives.get(own.predicate) : undefined;
      if (own && other && other.negated !== own.negated) {
        for (const g of this.live) if (g.fact.id >= other.from && g.fact.id < other.to) g.suspended++;
      }
      const from = guardIdMark();
      // `if`/`match`/blocks at the end of a block parse as statements, but without a `;` they
      // are its tail expression.
      const isTail =
        i === children.length - 1 &&
        child.type !== 'let_declaration' &&
        !child.type.endsWith('_item') &&
        (child.type !== 'expression_statement' || !child.text.trimEnd().endsWith(';'));
      if (isTail) {
        const expression = child.type === 'expression_statement' ? child.namedChildren[0] : child;
        if (expression) value = this.tail(expression, isBody);
        // The block's value leaves it: a local it names is moved out, not dropped here.
        if (value.binding && !value.borrowed) value.binding.moved = true;
      } else {
        this.statement(child);
      }
      if (own) alternatives.set(own.predicate, { negated: own.negated, from, to: guardIdMark() });
    }
    if (!isBody) this.endBlock(this.endOf(node), 'at the end of the block');
    return value;
  }

  // Edition ≤ 2021: the tail expression's temporaries outlive the block's locals and are dropped
  // with the enclosing statement. Edition 2024 drops them before the locals (Reference:
  // "Temporary scopes", tail expression rule; RFC 3606).
  protected tail(node: SyntaxNode, isBody: boolean): Value {
    if (this.edition >= 2024 && !isBody) {
      this.pushTemp('at the end of the block (edition 2024 drops tail temporaries first)');
      const value = this.expr(node);
      this.detach(value.guards);
      this.endTemp(this.endOf(node));
      return value;
    }
    return this.expr(node);
  }

  protected statement(node: SyntaxNode): void {
    switch (node.type) {
      case 'let_declaration':
        this.letDeclaration(node);
        return;
      case 'expression_statement': {
        this.pushTemp('at the end of the statement');
        const inner = node.namedChildren[0];
        if (inner) this.expr(inner);
        this.endTemp(this.endOf(node));
        return;
      }
      case 'empty_statement':
      case 'attribute_item':
      case 'inner_attribute_item':
        return;
      default:
        if (node.type.endsWith('_item') || node.type === 'macro_definition') return;
        this.pushTemp('at the end of the statement');
        this.expr(node);
        this.endTemp(this.endOf(node));
    }
  }

  protected letDeclaration(node: SyntaxNode): void {
    const pattern = node.childForFieldName('pattern');
    const typeNode = node.childForFieldName('type');
    const init = node.childForFieldName('value');
    const elseBlock = node.namedChildren.find((c) => c.type === 'block' && c !== init);
    this.pushTemp('at the end of the `let` statement');
    const value = init ? this.expr(init) : NOTHING;
    const patternText = pattern?.text ?? '_';
    const names = pattern ? patternNames(pattern) : [];
    // `let _ = e;` binds nothing: the value (and a guard it is) is dropped at once.
    const bindsValue = patternText !== '_' && names.length > 0;
    // Temporary lifetime extension: `let r = &temp;` extends `temp` to the enclosing block
    // (Reference: "Temporary lifetime extension", extending based on expressions).
    const extendedCalls = init ? extendedTemporaries(init) : undefined;
    // `let Err(permit) = f() else { … }` on a `Result<Guard, Permit>`: where the pattern matches,
    // the value holds no guard; it dies with the statement's temporaries.
    const absent = (g: LiveGuard) => g.optional && holdsNoGuard(pattern);
    const moved = bindsValue && !value.borrowed ? value.guards.filter((g) => g.live && !absent(g)) : [];
    if (moved.length > 0) this.detach(moved, value.binding);
    let extendedGuards: LiveGuard[] = [];
    if (extendedCalls && bindsValue) {
      // The borrowed place lives on with its base (`&m.read()[0]` keeps the guard), and so does
      // what the extended value owns (`&Holder::new(guard)`); other temporaries made for an
      // argument of the extended call (`&Ctx::new(self.meta().url())`) die with the statement.
      const argumentLists = extendedCalls.flatMap((call) => call.childForFieldName('arguments') ?? []).map((args) => this.span(args));
      extendedGuards = this.temps[this.temps.length - 1].guards.filter(
        (g) => value.guards.includes(g) || !argumentLists.some((args) => spanWithin(g.fact.acquisition.span, args)),
      );
      this.detach(extendedGuards);
    }
    if (elseBlock) {
      // let-else: the initializer's temporaries are dropped before the else block runs, and a
      // refuted value holds nothing there.
      this.endTemp(this.endOf(init ?? node));
      for (const g of moved) g.suspended++;
      this.expr(elseBlock);
      for (const g of moved) g.suspended--;
    } else {
      this.endTemp(this.endOf(node));
    }
    const owned = [...moved, ...extendedGuards];
    const block = this.blocks[this.blocks.length - 1];
    const ownerOf = guardOwners(pattern, init, names);
    const guardsOf = new Map<string, LiveGuard[]>();
    const tupleElements = pattern?.type === 'tuple_pattern' && init?.type !== 'tuple_expression' ? pattern.namedChildren : [];
    for (const g of owned) {
      // `let (proxies, id, lock) = proxy_all(guard)?;`: the declared result says which element holds it.
      const element = g.carrier && tupleElements.length > 0 ? guardElementOf(g.carrier, tupleElements.length) : undefined;
      const name = (element !== undefined ? patternNames(tupleElements[element])[0] : undefined) ?? ownerOf(g.fact.acquisition.span, this.file.lines, this.shift);
      g.fact.origin = 'let';
      g.fact.binding = name;
      // `let r = map.get(k);` keeps the `Option`: r may still be `None`. A pattern unwraps it.
      if (pattern?.type !== 'identifier') g.optional = false;
      block.owned.push(g);
      guardsOf.set(name, [...(guardsOf.get(name) ?? []), g]);
    }
    const declared = typeNode ? this.meaningOf(typeNode.text, this.file) : {};
    for (const name of names) {
      // Shadowing does not drop the shadowed guard: it stays owned by the block.
      const guards = guardsOf.get(name) ?? [];
      // Each `let` makes its own local lock: a shadowing `let m = Mutex::new(..)` is another lock
      // than the `m` it shadows, whose guard may still be alive.
      const local = `${name}@${node.startIndex + this.shift}`;
      const binding: Binding = {
        guards,
        lock:
          names.length !== 1
            ? undefined
            : declared.lock
              ? this.localLock(local, declared.lock, name)
              : value.lock && this.isConstructed(value.lock)
                ? this.localLock(local, value.lock.type, name)
                : value.lock,
        struct: names.length === 1 ? (declared.struct ?? value.struct) : undefined,
        distinct: names.length === 1 ? value.distinct : undefined,
        future: names.length === 1 ? value.future : undefined,
        path: names.length === 1 ? value.path : undefined,
        spawned: names.length === 1 ? value.spawned : undefined,
        joins: names.length === 1 ? value.joins : undefined,
        // `let (tx, rx) = mpsc::channel();`: both ends name the one channel.
        channel: value.channel,
        test: names.length === 1 && init ? placeTest(init, this.fn, this.ctx.index) : undefined,
        // `let replaced: Option<Sub>;`: nothing to drop until a value is assigned.
        moved: init ? undefined : true,
      };
      // A struct value of its own (built here) is a root, as a struct parameter is: its locks
      // are `S@name.field`, neither `self`'s nor another local's.
      if (names.length === 1 && binding.struct && !binding.path && !binding.lock && value.distinct && !value.borrowed) {
        binding.path = `${binding.struct}@${name}`;
        binding.distinct = false;
      }
      for (const g of guards) g.binding = binding;
      if (init?.type === 'closure_expression' && names.length === 1) {
        binding.closure = init;
        binding.closureShift = this.shift;
      }
      if (names.length === 1) binding.content = typeNode ? { text: typeNode.text, file: this.file } : value.content;
      else if (typeNode) binding.content = tupleElementType(pattern, typeNode, name, this.file);
      if (names.length === 1 && !binding.content && init) binding.content = this.inferredContainer(name, node, init);
      this.bind(name, binding);
      // An owned value that is not a guard: its `Drop` (if its type has one) runs at the block's end.
      if (names.length === 1 && bindsValue && !value.borrowed && value.guards.length === 0 && !value.lock) this.declareLocal(name, binding);
    }
    // `let b = a;` moves `a`: its end of scope drops nothing.
    if (bindsValue && !value.borrowed && value.binding) value.binding.moved = true;
  }

  /**
   * The body of an `if`, `else`, `while` or `loop` is a temporary scope in every edition
   * (Reference: "Temporary scopes"): its tail expression's temporaries die with it, unlike a
   * plain block's in edition 2021. What the body yields moves out with the value.
   */
  protected bodyBlock(node: SyntaxNode, endNote: string): Value {
    this.pushTemp(endNote);
    const value = this.block(node);
    this.detach(value.guards);
    this.endTemp(this.endOf(node));
    return value;
  }

  protected binary(node: SyntaxNode): Value {
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    const operator = node.childForFieldName('operator')?.text ?? node.children.find((c) => !c.isNamed)?.text;
    // Both operands of `&&` / `||` are terminating scopes in rustc (region resolution treats
    // lazy operands so; observed with rustc 1.95, edition 2021): each drops its temporaries
    // before the other runs.
    const lazy = operator === '&&' || operator === '||';
    for (const operand of [left, right]) {
      if (!operand) continue;
      if (lazy) this.pushTemp('at the end of the `&&`/`||` operand');
      this.expr(operand);
      if (lazy) this.endTemp(this.endOf(operand));
    }
    return NOTHING;
  }
}

/** `let (due, later): (Vec<Timer>, Vec<Timer>) = …`: the type declared for the element `name` binds. */
function tupleElementType(pattern: SyntaxNode | null, type: SyntaxNode, name: string, file: ParsedFile): TypeRef | undefined {
  if (pattern?.type !== 'tuple_pattern' || type.type !== 'tuple_type') return undefined;
  const elements = pattern.namedChildren;
  const types = type.namedChildren;
  if (elements.length !== types.length) return undefined;
  const i = elements.findIndex((e) => (e.type === 'identifier' || e.type === 'mut_pattern') && patternNames(e)[0] === name);
  return i < 0 ? undefined : { text: types[i].text, file };
}

/** `handle.join()` on a handle from a `spawn` here; `rx.recv()` on a channel made here. */
function waitedThread(name: string, receiver: Value | undefined): CallEvent['waitsFor'] {
  const binding = receiver?.binding;
  // `thread::spawn(..).join()` joins the handle without binding it.
  const spawned = binding?.spawned ?? receiver?.spawned;
  if (name === 'join' && spawned !== undefined) return { kind: 'join', thread: spawned };
  if (name === 'recv' && binding?.channel !== undefined) return { kind: 'recv', channel: binding.channel };
  return undefined;
}

/** `#[cfg(P)]` / `#[cfg(not(P))]`: the predicate, spaces removed, and whether it is negated. */
function cfgOf(attribute: string): { predicate: string; negated: boolean } | undefined {
  const inner = /^#\[\s*cfg\s*\(([\s\S]*)\)\s*\]$/.exec(attribute.trim())?.[1].replace(/\s+/g, '');
  if (!inner) return undefined;
  const negated = /^not\(([\s\S]*)\)$/.exec(inner);
  return negated ? { predicate: negated[1], negated: true } : { predicate: inner, negated: false };
}

/** Whether `inner` starts inside `outer`. */
function spanWithin(inner: SourceSpan, outer: SourceSpan): boolean {
  const afterStart = inner.line > outer.line || (inner.line === outer.line && inner.column >= outer.column);
  const beforeEnd = inner.line < outer.endLine || (inner.line === outer.endLine && inner.column < outer.endColumn);
  return inner.file === outer.file && afterStart && beforeEnd;
}
