// Where every guard of a Rust function is alive. This is the one place that decides guard
// lifetimes, following the Rust reference ("Destructors", "Temporary scopes", "Temporary lifetime
// extension") and the edition 2024 changes (if-let rescope, tail-expression temporary scope).
//
// The walk visits expressions in evaluation order. A guard is born in the innermost temporary
// scope; a `let` moves it into the block; a call argument moves it into the callee; a scope's end
// drops what it still holds. Every acquisition, call and `.await` is recorded with the guards
// alive at that moment.
import type { Acquisition, AnalysisNote, LockId, SourceSpan } from '../core/model.js';
import type { CrateIndex, FnDecl, ParsedFile } from './crate-index.js';
import type { Edition } from './crates.js';
import {
  acquisitionAtCall,
  displayOfPath,
  lockAtCall,
  type FactEvent,
  type FunctionFacts,
  type GuardFact,
  type GuardOrigin,
  type CallSite,
  type GuardRelease,
  type HeldGuard,
  type ScrutineeConstruct,
} from './facts.js';
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
  GUARD_PASSTHROUGH_METHODS,
  lockFlavor,
  lockMethod,
  type LockMethod,
} from './lock-apis.js';
import { parseRust, typeHeadName, type SyntaxNode } from './syntax.js';
import {
  aggregateParts,
  diverges,
  extendedTemporaries,
  guardOwners,
  isAwaited,
  isNonePattern,
  patternNames,
  placePath,
  selfRooted,
} from './syntax-shapes.js';
import { constructedTypePath, typeMeaning, type LockType, type TypeMeaning } from './types.js';

/** A lock reached by a place expression (`self.load`, `CACHE`, a local `m`). */
interface LockPlace {
  readonly id: LockId;
  readonly type: LockType;
  readonly confidence: 'high' | 'low';
}

interface LiveGuard {
  readonly fact: GuardFact;
  live: boolean;
  /** >0 while the guard is known to hold nothing (the `None` of an optional guard). */
  suspended: number;
  optional: boolean;
  region?: string;
  /** The variable holding it, so that a branch that did not move it can hand it back. */
  binding?: Binding;
}

/** What evaluating an expression produced, as far as locks are concerned. */
interface Value {
  /** Guards the value itself carries (a `MutexGuard`, `Option<Ref>`); moved with the value. */
  readonly guards: LiveGuard[];
  readonly lock?: LockPlace;
  readonly struct?: string;
  /** The binding the value was read from, so that a move empties it. */
  readonly binding?: Binding;
  /** An object that cannot be `self`'s: freshly constructed, or reached through `&mut`. */
  readonly distinct?: boolean;
  /** An async lock's future (`m.lock()` not yet awaited): the lock is taken at its `.await`. */
  readonly pending?: PendingAcquisition;
  /** `&guard`: the guards are lent, not moved, by whoever takes this value. */
  readonly borrowed?: boolean;
  /**
   * The place as a field path from `self` (`Proxy`, `Proxy.inner`): locks under it are named by
   * that path, so `self.a.m` and `self.b.m` of one field type are two locks.
   */
  readonly path?: string;
}

interface PendingAcquisition {
  readonly acquisition: Acquisition;
  readonly api: LockMethod;
}

interface Binding {
  guards: LiveGuard[];
  /** `let f = |..| …`: calling `f` runs this body here. */
  closure?: SyntaxNode;
  /** A parameter of the function, by position (closure parameters are called through it). */
  paramIndex?: number;
  /** `thread::scope(|s| …)`'s `s`: threads it spawns are joined before `scope` returns. */
  scopeHandle?: boolean;
  lock?: LockPlace;
  struct?: string;
  distinct?: boolean;
  pending?: PendingAcquisition;
  path?: string;
}

/** A test that tells, per branch, whether an `Option<Guard>` variable is `None`. */
interface NoneTest {
  readonly binding: Binding;
  readonly noneIn: 'then' | 'else';
}

/** The branches of one `if` / `match` as the walk goes through them. */
interface BranchSet {
  /** Guards alive before the construct. */
  readonly before: LiveGuard[];
  /** Guards a branch left alive (tail temporaries, yielded guards): not held in its siblings. */
  readonly survivors: LiveGuard[];
  /** Of `before`, those some falling-through branch ends with alive. */
  readonly keptAlive: Set<LiveGuard>;
  /** Where a falling-through branch released a guard of `before`. */
  readonly releases: Map<LiveGuard, GuardRelease>;
  /** Guards of `before` that a branch released: the next branch starts with them alive again. */
  readonly releasedByBranch: Set<LiveGuard>;
  fallThrough: number;
}

interface TempScope {
  readonly guards: LiveGuard[];
  readonly endNote: string;
}

interface BlockScope {
  readonly bindings: Map<string, Binding>;
  /** Guards owned by bindings of this block, dropped at its end in reverse order. */
  readonly owned: LiveGuard[];
}

const NOTHING: Value = { guards: [] };

interface DeferredClosure {
  readonly closure: SyntaxNode;
  readonly index: number;
}


/** Iterator adapters that only store their closure; it runs when the iterator is consumed. */
const LAZY_ADAPTERS = new Set(['map', 'filter', 'filter_map', 'flat_map', 'take_while', 'skip_while', 'map_while', 'inspect', 'scan']);

/** Guard ids are unique per process, so facts of different functions never share one. */
let nextGuardId = 0;

/** Beyond this depth the walk stops descending (with a note) instead of exhausting the stack. */
const MAX_DEPTH = 400;

/** Macros that await the futures they are given (tokio, futures). */
const AWAITING_MACROS = new Set(['select', 'join', 'try_join', 'select_biased', 'pending']);

/** Macros whose arguments are ordinary expressions (formatting, assertions, logging). */
const EXPRESSION_MACROS = new Set([
  'println', 'print', 'eprintln', 'eprint', 'format', 'format_args', 'write', 'writeln', 'panic',
  'assert', 'assert_eq', 'assert_ne', 'debug_assert', 'debug_assert_eq', 'debug_assert_ne',
  'dbg', 'vec', 'info', 'debug', 'warn', 'error', 'trace', 'log', 'event', 'unreachable',
  'todo', 'unimplemented', 'matches', 'anyhow', 'bail', 'ensure', 'span', 'info_span',
  'debug_span', 'trace_span', 'warn_span', 'error_span',
]);

export interface WalkContext {
  readonly index: CrateIndex;
  /** Guards a resolved callee returns (guard-returning helpers); computed on demand. */
  returnedGuards(fn: FnDecl): readonly GuardFact[];
  /** The lock a callee returns a reference to, if any. */
  returnedLock(fn: FnDecl): FunctionFacts['returnedLock'];
  /** Guards a callee holds where it calls its closure parameters. */
  closureCalls(fn: FnDecl): ReadonlyMap<number, readonly GuardFact[]>;
  readonly notes: AnalysisNote[];
}

export function walkFunction(fn: FnDecl, ctx: WalkContext): FunctionFacts {
  return new GuardLifetimeWalk(fn, ctx).run();
}

class GuardLifetimeWalk {
  private readonly file: ParsedFile;
  private readonly edition: Edition;
  private readonly events: FactEvent[] = [];
  private readonly guards: GuardFact[] = [];
  private readonly returned: GuardFact[] = [];
  private readonly closureCalls = new Map<number, GuardFact[]>();
  private returnedLock: FunctionFacts['returnedLock'];
  private readonly temps: TempScope[] = [];
  private readonly blocks: BlockScope[] = [];
  private live: LiveGuard[] = [];
  private detached = false;
  private depth = 0;
  private depthNoted = false;
  /** Offset added to node positions while walking a re-parsed macro body. */
  private shift = 0;

  constructor(
    private readonly fn: FnDecl,
    private readonly ctx: WalkContext,
  ) {
    this.file = fn.file;
    this.edition = fn.file.edition;
  }

  run(): FunctionFacts {
    const body = this.fn.node.childForFieldName('body');
    if (body) {
      this.blocks.push({ bindings: new Map(), owned: [] });
      this.bindParameters();
      this.temps.push({ guards: [], endNote: 'at the end of the function' });
      const value = this.block(body, true);
      for (const g of value.guards) this.returned.push(g.fact);
      if (value.lock) this.returnedLock ??= { id: value.lock.id, type: value.lock.type };
      this.endTemp(this.endOf(body));
      this.endBlock(this.endOf(body), 'at the end of the function');
    }
    return {
      fn: this.fn,
      events: this.events,
      guards: this.guards,
      returnedGuards: this.returned,
      closureCalls: this.closureCalls,
      returnedLock: this.returnedLock,
    };
  }

  // ---- positions -------------------------------------------------------------------------

  private span(node: SyntaxNode): SourceSpan {
    return this.file.lines.span(this.file.path, node.startIndex + this.shift, node.endIndex + this.shift);
  }

  private endOf(node: SyntaxNode): SourceSpan {
    const end = node.endIndex + this.shift;
    return this.file.lines.span(this.file.path, Math.max(end - 1, 0), end);
  }

  // ---- bindings --------------------------------------------------------------------------

  private bindParameters(): void {
    const imports = this.file.imports;
    const mutSelf = this.fn.selfParam?.includes('mut') ?? false;
    this.fn.params.forEach((p, i) => {
      const meaning = this.meaningOf(p.type, this.file);
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
        lock,
        struct,
        distinct,
        path: struct ? `${struct}@${p.name}` : undefined,
      });
    });
  }

  /** What a type written in `scope` means there (its imports, its crate's aliases). */
  private meaningOf(typeText: string, scope: ParsedFile): TypeMeaning {
    return this.ctx.index.typeMeaning(typeText, scope);
  }

  private localLock(name: string, type: LockType, display = name): LockPlace {
    const owner = this.fn.ownerType ? `${this.fn.ownerType}::${this.fn.name}` : this.fn.name;
    return { id: { key: `${this.file.path}#${owner}::${name}`, display }, type, confidence: 'high' };
  }

  private isConstructed(lock: LockPlace | undefined): boolean {
    return lock?.id.key.includes('::<new ') ?? false;
  }

  private bind(name: string, binding: Binding): void {
    this.blocks[this.blocks.length - 1].bindings.set(name, binding);
  }

  private lookup(name: string): Binding | undefined {
    for (let i = this.blocks.length - 1; i >= 0; i--) {
      const b = this.blocks[i].bindings.get(name);
      if (b) return b;
    }
    return undefined;
  }

  // ---- scopes ----------------------------------------------------------------------------

  private pushTemp(endNote: string): void {
    this.temps.push({ guards: [], endNote });
  }

  private endTemp(at: SourceSpan): void {
    const scope = this.temps.pop();
    if (!scope) return;
    for (let i = scope.guards.length - 1; i >= 0; i--) this.release(scope.guards[i], at, scope.endNote);
  }

  private endBlock(at: SourceSpan, note: string): void {
    const block = this.blocks.pop();
    if (!block) return;
    for (let i = block.owned.length - 1; i >= 0; i--) this.release(block.owned[i], at, note);
  }

  private release(guard: LiveGuard, at: SourceSpan, note: string): void {
    if (!guard.live) return;
    guard.live = false;
    guard.fact.release ??= { span: at, note };
    this.live = this.live.filter((g) => g !== guard);
  }

  /** Takes guards out of the temporary scope or binding that held them: they now move with a value. */
  private detach(guards: readonly LiveGuard[], from?: Binding): void {
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

  private held(): HeldGuard[] {
    return this.live
      .filter((g) => g.live && g.suspended === 0)
      .map((g) => (g.region ? { guard: g.fact, region: g.region } : { guard: g.fact }));
  }

  // ---- events ----------------------------------------------------------------------------

  private acquire(acquisition: Acquisition, method: LockMethod | undefined, returnedBy?: GuardFact['returnedBy']): LiveGuard | undefined {
    const held = this.held();
    if (method && method.holds === 'momentary') {
      this.events.push({ kind: 'acquire', acquisition, held, detached: this.detached });
      return undefined;
    }
    const fact: GuardFact = { id: nextGuardId++, acquisition, origin: 'temporary' };
    if (returnedBy) fact.returnedBy = returnedBy;
    this.guards.push(fact);
    this.events.push({ kind: 'acquire', acquisition, held, detached: this.detached, guard: fact });
    const guard: LiveGuard = { fact, live: true, suspended: 0, optional: method?.optional ?? false };
    this.live.push(guard);
    this.temps[this.temps.length - 1].guards.push(guard);
    return guard;
  }

  private call(callees: () => readonly FnDecl[], name: string, node: SyntaxNode, receiver: Value | undefined, args: readonly Value[]): void {
    this.events.push({
      kind: 'call',
      callees,
      calleeName: name,
      distinctReceiver: receiver?.distinct ?? false,
      receiverPath: receiver?.path,
      argumentLocks: args.map((a) => a.lock?.id),
      argumentPaths: args.map((a) => a.path),
      span: this.span(node),
      held: this.held(),
      detached: this.detached,
    });
  }

  // ---- statements and blocks -------------------------------------------------------------

  /** Walks a block; `isBody` marks a function body, whose tail temporaries die with the call. */
  private block(node: SyntaxNode, isBody = false): Value {
    if (!isBody) this.blocks.push({ bindings: new Map(), owned: [] });
    const children = node.namedChildren.filter((c) => c.type !== 'line_comment' && c.type !== 'block_comment');
    let value: Value = NOTHING;
    for (let i = 0; i < children.length; i++) {
      const child = children[i];
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
      } else {
        this.statement(child);
      }
    }
    if (!isBody) this.endBlock(this.endOf(node), 'at the end of the block');
    return value;
  }

  // Edition ≤ 2021: the tail expression's temporaries outlive the block's locals and are dropped
  // with the enclosing statement. Edition 2024 drops them before the locals (Reference:
  // "Temporary scopes", tail expression rule; RFC 3606).
  private tail(node: SyntaxNode, isBody: boolean): Value {
    if (this.edition >= 2024 && !isBody) {
      this.pushTemp('at the end of the block (edition 2024 drops tail temporaries first)');
      const value = this.expr(node);
      this.detach(value.guards);
      this.endTemp(this.endOf(node));
      return value;
    }
    return this.expr(node);
  }

  private statement(node: SyntaxNode): void {
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

  private letDeclaration(node: SyntaxNode): void {
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
    const extended = init ? extendedTemporaries(init) : false;
    const moved = bindsValue && !value.borrowed ? value.guards.filter((g) => g.live) : [];
    if (moved.length > 0) this.detach(moved, value.binding);
    let extendedGuards: LiveGuard[] = [];
    if (extended && bindsValue) {
      extendedGuards = this.temps[this.temps.length - 1].guards.slice();
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
    for (const g of owned) {
      const name = ownerOf(g.fact.acquisition.span, this.file.lines, this.shift);
      g.fact.origin = 'let';
      g.fact.binding = name;
      g.optional = false;
      block.owned.push(g);
      guardsOf.set(name, [...(guardsOf.get(name) ?? []), g]);
    }
    const declared = typeNode ? this.meaningOf(typeNode.text, this.file) : {};
    for (const name of names) {
      // Shadowing does not drop the shadowed guard: it stays owned by the block.
      const guards = guardsOf.get(name) ?? [];
      const binding: Binding = {
        guards,
        lock: names.length !== 1 ? undefined : declared.lock ? this.localLock(name, declared.lock) : value.lock && this.isConstructed(value.lock) ? this.localLock(name, value.lock.type) : value.lock,
        struct: names.length === 1 ? (declared.struct ?? value.struct) : undefined,
        distinct: names.length === 1 ? value.distinct : undefined,
        pending: names.length === 1 ? value.pending : undefined,
        path: names.length === 1 ? value.path : undefined,
      };
      for (const g of guards) g.binding = binding;
      if (init?.type === 'closure_expression' && names.length === 1) binding.closure = init;
      this.bind(name, binding);
    }
  }

  // ---- expressions -----------------------------------------------------------------------

  private expr(node: SyntaxNode): Value {
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

  private exprInner(node: SyntaxNode): Value {
    switch (node.type) {
      case 'call_expression':
        return this.callExpression(node);
      case 'await_expression': {
        const inner = node.namedChildren[0];
        // `async { … }.await` runs the block right here, with everything held here.
        const value = inner?.type === 'async_block' ? this.awaitedAsyncBlock(inner) : inner ? this.expr(inner) : NOTHING;
        this.events.push({ kind: 'await', span: this.span(node), held: this.held(), detached: this.detached });
        if (value.pending) {
          // Awaiting an async lock's future is the acquisition.
          if (value.binding) value.binding.pending = undefined;
          const guard = this.acquire(value.pending.acquisition, value.pending.api);
          return guard ? { guards: [guard] } : NOTHING;
        }
        return value;
      }
      case 'try_expression':
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
        return value.guards.length > 0 ? { ...value, borrowed: true, binding: undefined } : value;
      }
      case 'unary_expression': {
        // `*guard` reads through the guard; the guard itself stays a temporary.
        const inner = node.namedChildren[0];
        const value = inner ? this.expr(inner) : NOTHING;
        return { guards: [], lock: value.lock, struct: value.struct };
      }
      case 'identifier':
        return this.identifier(node);
      case 'self':
        return { guards: [], struct: this.fn.ownerType, path: this.fn.ownerType };
      case 'field_expression':
        return this.fieldExpression(node);
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
      case 'return_expression': {
        const inner = node.namedChildren[0];
        if (inner) {
          const value = this.expr(inner);
          if (value.lock) this.returnedLock ??= { id: value.lock.id, type: value.lock.type };
          if (!value.borrowed) {
            this.detach(value.guards, value.binding);
            for (const g of value.guards) {
              this.returned.push(g.fact);
              // It leaves the function: code after the `return` is another path.
              this.release(g, this.span(node), 'when it is returned');
            }
          }
        }
        return NOTHING;
      }
      case 'macro_invocation':
        return this.macro(node);
      case 'tuple_expression':
      case 'array_expression':
      case 'struct_expression': {
        const carried: LiveGuard[] = [];
        for (const part of aggregateParts(node)) carried.push(...this.expr(part).guards);
        return { guards: carried };
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

  private children(node: SyntaxNode): void {
    for (const child of node.namedChildren) {
      if (child.type.endsWith('_item') || child.type === 'type_identifier' || child.type.endsWith('_type')) continue;
      this.expr(child);
    }
  }

  private identifier(node: SyntaxNode): Value {
    const binding = this.lookup(node.text);
    if (binding) {
      return {
        guards: binding.guards.filter((g) => g.live),
        lock: binding.lock,
        struct: binding.struct,
        binding,
        distinct: binding.distinct,
        pending: binding.pending,
        path: binding.path,
      };
    }
    return this.staticPlace(node.text);
  }

  private staticPlace(path: string): Value {
    const name = path.split('::').pop()!;
    if (!/^[A-Z][A-Z0-9_]*$/.test(name)) return NOTHING;
    const decl = this.ctx.index.staticDecl(name, this.file);
    if (!decl) return NOTHING;
    const meaning = this.meaningOf(decl.type, decl.file);
    if (meaning.lock) {
      return { guards: [], lock: { id: { key: `static ${name}`, display: name }, type: meaning.lock, confidence: 'high' } };
    }
    return { guards: [], struct: meaning.struct };
  }

  /** `self.load`, `self.inner.load`, `p.load`: a lock named by its owning type and field. */
  private fieldExpression(node: SyntaxNode): Value {
    const base = node.childForFieldName('value');
    const field = node.childForFieldName('field')?.text;
    const baseValue = base ? this.expr(base) : NOTHING;
    if (!field || !baseValue.struct) return NOTHING;
    const decl = this.ctx.index.struct(baseValue.struct, this.file);
    const fieldType = decl?.fields.get(field);
    if (!decl || !fieldType) return NOTHING;
    const meaning = this.meaningOf(fieldType, decl.file);
    // From `self`, the field path names the lock; from anything else, the type and field do.
    const path = baseValue.path ? `${baseValue.path}.${field}` : undefined;
    if (meaning.lock) {
      const key = path ?? `${decl.name}.${field}`;
      return { guards: [], lock: { id: { key, display: displayOfPath(key) }, type: meaning.lock, confidence: 'high' } };
    }
    return { guards: [], struct: meaning.struct, path: meaning.struct ? path : undefined };
  }

  // ---- calls -----------------------------------------------------------------------------

  private callExpression(node: SyntaxNode): Value {
    let fnNode = node.childForFieldName('function');
    const args = node.childForFieldName('arguments');
    if (fnNode?.type === 'generic_function') fnNode = fnNode.childForFieldName('function');
    if (!fnNode) return NOTHING;
    if (fnNode.type === 'field_expression') return this.methodCall(node, fnNode, args);
    return this.pathCall(node, fnNode, args);
  }

  private argumentNodes(args: SyntaxNode | null): SyntaxNode[] {
    return (args?.namedChildren ?? []).filter((a) => a.type !== 'line_comment' && a.type !== 'block_comment' && a.type !== 'attribute_item');
  }

  /**
   * Arguments in order; closures run inside the call (at the call site) unless the callee
   * hands them to another thread or task. Guards passed by value move into the callee.
   */
  private evaluateArguments(args: readonly SyntaxNode[], detaching: boolean, onClosure?: (closure: SyntaxNode, index: number) => void): Value[] {
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
      if (detaching) this.detachedBody(closure);
      else if (onClosure) onClosure(closure, index);
      else this.inlineClosure(closure);
    }
    return values;
  }

  private inlineClosure(closure: SyntaxNode, firstParam: Omit<Binding, 'guards'> = {}): void {
    const body = closure.childForFieldName('body');
    if (!body) return;
    this.blocks.push({ bindings: new Map(), owned: [] });
    const params = closure.childForFieldName('parameters');
    const names = params ? patternNames(params) : [];
    names.forEach((name, i) => this.bind(name, i === 0 ? { guards: [], ...firstParam } : { guards: [] }));
    this.pushTemp('at the end of the closure');
    const value = this.expr(body);
    this.detach(value.guards);
    this.endTemp(this.endOf(body));
    this.endBlock(this.endOf(body), 'at the end of the closure');
  }

  private awaitedAsyncBlock(node: SyntaxNode): Value {
    const body = node.namedChildren.find((c) => c.type === 'block');
    return body ? this.bodyBlock(body, 'at the end of the async block') : NOTHING;
  }

  /** A closure or async block that runs later or elsewhere: nothing held here is held there. */
  private detachedBody(node: SyntaxNode): void {
    const savedLive = this.live;
    const savedDetached = this.detached;
    this.live = [];
    this.detached = true;
    if (node.type === 'closure_expression') {
      this.inlineClosure(node);
    } else {
      const body = node.namedChildren.find((c) => c.type === 'block');
      if (body) {
        this.pushTemp('at the end of the async block');
        this.block(body);
        this.endTemp(this.endOf(body));
      }
    }
    this.live = savedLive;
    this.detached = savedDetached;
  }

  /** Moves guards passed by value into a callee: they are dropped there, at the latest. */
  private moveIntoCall(values: readonly Value[], at: SourceSpan, calleeName: string): void {
    for (const v of values) {
      if (v.guards.length === 0 || v.borrowed) continue;
      this.detach(v.guards, v.binding);
      for (const g of v.guards) this.release(g, at, `when it is moved into \`${calleeName}\``);
    }
  }

  private methodCall(node: SyntaxNode, fnNode: SyntaxNode, argsNode: SyntaxNode | null): Value {
    const receiverNode = fnNode.childForFieldName('value');
    const method = fnNode.childForFieldName('field')?.text ?? '';
    const receiver = receiverNode ? this.expr(receiverNode) : NOTHING;
    const args = this.argumentNodes(argsNode);

    // A method of the lock itself.
    if (receiver.lock) {
      const api = lockMethod(receiver.lock.type.kind, method);
      if (api) return this.lockCall(node, receiver.lock, method, api, args);
      if (method === 'with') {
        // thread_local! `KEY.with(|cell| …)`: the closure's parameter is the lock.
        this.evaluateArguments(args, false, (closure) => this.inlineClosure(closure, { lock: receiver.lock }));
        return NOTHING;
      }
      if (['clone', 'as_ref', 'deref', 'get_ref', 'get_or_init', 'get_or_try_init', 'force', 'wait'].includes(method)) {
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
        return { guards: receiver.guards, binding: receiver.binding, borrowed: receiver.borrowed };
      }
      if (GUARD_CONSUMING_METHODS.has(method) && receiver.guards.some((g) => g.optional)) {
        this.evaluateArguments(args, false);
        this.detach(receiver.guards, receiver.binding);
        for (const g of receiver.guards) this.release(g, this.endOf(node), `when \`${method}\` consumes it`);
        return NOTHING;
      }
    }

    // `cvar.wait(guard)`: the guard is handed in and handed back, locked.
    if (CONDVAR_WAIT_METHODS.has(method)) {
      const values = this.evaluateArguments(args, false);
      const handed = values.find((v) => v.guards.length > 0 && !v.borrowed);
      if (handed) {
        for (const g of handed.guards) g.optional = false;
        return { guards: handed.guards, binding: handed.binding };
      }
      return NOTHING;
    }

    const struct = receiver.struct;
    const callees = struct
      ? () => this.ctx.index.methods(struct, method)
      : () => this.unqualifiedSelfMethods(receiverNode, method);
    if (!struct && args.length === 0 && receiverNode && (receiverNode.type !== 'self' || !this.fn.traitName)) {
      const lowConfidence = this.unknownReceiverLock(receiverNode, method);
      if (lowConfidence) {
        const api = lockMethod(lowConfidence.type.kind, method)!;
        return this.lockCall(node, lowConfidence, method, api, args);
      }
    }
    // A lazy iterator adapter bound with `let` runs its closure later, where it is consumed.
    // A scoped thread is joined before its scope returns: while the caller still holds its guards.
    const scoped = method === 'spawn' && receiver.binding?.scopeHandle === true;
    const stored = (!scoped && DETACHING_CALLS.has(method)) || (LAZY_ADAPTERS.has(method) && node.parent?.type === 'let_declaration');
    const deferred: DeferredClosure[] = [];
    const values = this.evaluateArguments(args, stored, (closure, index) => deferred.push({ closure, index }));
    return this.resolvedCall(node, callees, method, values, receiver, deferred);
  }

  /** In a trait default method, `self.f()` reaches the trait's own default `f`. */
  private unqualifiedSelfMethods(receiverNode: SyntaxNode | null, method: string): FnDecl[] {
    if (receiverNode?.type !== 'self' || !this.fn.traitName) return [];
    return this.ctx.index.traitDefaults(new Set([this.fn.traitName]), method);
  }

  /**
   * `x.lock()` / `x.read()` / `x.write()` with no arguments on a receiver whose type is unknown:
   * probably a lock, with low confidence. `io::Read::read(&mut buf)` takes an argument and never
   * gets here. The identity is the receiver's path, so only the same path conflicts.
   */
  private unknownReceiverLock(receiverNode: SyntaxNode, method: string): LockPlace | undefined {
    const kind = method === 'lock' ? 'Mutex' : method === 'read' || method === 'write' ? 'RwLock' : undefined;
    if (!kind) return undefined;
    // Only fields of `self`: a bare `ptr.read()` or `stdout().lock()` is far more often not a lock.
    if (receiverNode.type !== 'field_expression') return undefined;
    const path = placePath(receiverNode, this.fn.ownerType ?? this.fn.traitName);
    if (!path || !selfRooted(receiverNode)) return undefined;
    return { id: { key: `?${path}`, display: path }, type: { kind, crate: 'std' }, confidence: 'low' };
  }

  private lockCall(node: SyntaxNode, lock: LockPlace, method: string, api: LockMethod, args: readonly SyntaxNode[]): Value {
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
      return { guards: [], pending: { acquisition, api } };
    }
    if (api.holds === 'momentary') {
      if (api.runsClosuresLocked) {
        // The closure runs while the shard is locked: hold a guard for its duration.
        this.pushTemp(`when \`${method}\` returns`);
        this.acquire(acquisition, { ...api, holds: 'guard' });
        for (const closure of args.filter((a) => a.type === 'closure_expression')) this.inlineClosure(closure);
        this.endTemp(this.endOf(node));
      } else {
        this.acquire(acquisition, api);
      }
      return NOTHING;
    }
    const guard = this.acquire(acquisition, api)!;
    for (const closure of args.filter((a) => a.type === 'closure_expression')) this.inlineClosure(closure);
    return { guards: [guard] };
  }

  private pathCall(node: SyntaxNode, fnNode: SyntaxNode, argsNode: SyntaxNode | null): Value {
    const path = fnNode.text.replace(/\s+/g, '');
    const segments = path.split('::');
    const name = segments[segments.length - 1];
    const args = this.argumentNodes(argsNode);

    if (DROP_FUNCTIONS.has(path)) {
      const values = this.evaluateArguments(args, false);
      for (const v of values) {
        this.detach(v.guards, v.binding);
        for (const g of v.guards) this.release(g, this.span(node), 'by `drop`');
      }
      return NOTHING;
    }

    // Constructors: `Mutex::new(..)`, `Arc::new(RwLock::new(..))` produce a lock value.
    const constructed = constructedTypePath(path);
    if (constructed) {
      // `Box::new(move || …)`, `Foo::new(callback)`: a closure given to a constructor is stored.
      const values = this.evaluateArguments(args, true);
      const meaning = this.meaningOf(constructed, this.file);
      // Every constructor call makes a distinct lock; a `let` renames it after its binding.
      if (meaning.lock) return { guards: [], lock: this.localLock(`<new ${constructed}>@${node.startIndex + this.shift}`, meaning.lock, `new ${constructed}`) };
      if (/^(Arc|Rc|Box|Pin)$/.test(constructed.split('::').pop()!) && values[0]) return { guards: [], lock: values[0].lock, struct: values[0].struct, distinct: values[0].distinct };
      const struct = constructed === 'Self' ? this.fn.ownerType : meaning.struct;
      if (!struct) return NOTHING;
      // A crate type's constructor is a call too (its body may lock), made once.
      const result = this.ctx.index.struct(struct, this.file, true) ? this.resolvedCall(node, () => this.ctx.index.methods(struct, name), name, values) : NOTHING;
      return { guards: result.guards, struct, distinct: true };
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

    // `thread::scope(|s| …)` runs its closure here and joins every thread `s` spawns.
    if (name === 'scope' && segments.length >= 2 && /^(thread|crossbeam|crossbeam_utils|rayon)$/.test(qualifier)) {
      this.evaluateArguments(args, false, (closure) => this.inlineClosure(closure, { scopeHandle: true }));
      return NOTHING;
    }

    // `Arc::clone(&self.m)` is `self.m.clone()`: the same lock.
    if ((qualifier === 'Arc' || qualifier === 'Rc') && name === 'clone' && args.length === 1) {
      const value = this.expr(args[0]);
      return { guards: [], lock: value.lock, struct: value.struct, path: value.path, distinct: value.distinct };
    }

    // `Some(guard)`, `Ok(guard)`, `Wrapper(guard)`: a variant or tuple struct holds its arguments.
    if (/^[A-Z]/.test(name) && (segments.length === 1 || /^[A-Z]/.test(qualifier))) {
      const values = this.evaluateArguments(args, false);
      return { guards: values.filter((v) => !v.borrowed).flatMap((v) => v.guards) };
    }

    const index = this.ctx.index;
    const owner = qualifier === 'Self' ? this.fn.ownerType : /^[A-Z]/.test(qualifier) ? qualifier : undefined;
    const callees =
      segments.length === 1
        ? () => index.freeFunctions(segments, this.fn)
        : owner
          ? () => index.methods(owner, name)
          : () => index.freeFunctions(segments, this.fn);
    // Calling a closure: a `let`-bound one runs here; a closure parameter runs whatever the
    // caller passed, under the guards held now (recorded for the callers' sake).
    const local = segments.length === 1 ? this.lookup(name) : undefined;
    if (local?.closure || local?.paramIndex !== undefined) {
      this.evaluateArguments(args, false);
      if (local.closure) this.inlineClosure(local.closure);
      else this.recordClosureCall(local.paramIndex!);
      return NOTHING;
    }
    const deferred: DeferredClosure[] = [];
    const values = this.evaluateArguments(args, DETACHING_CALLS.has(name), (closure, index) => deferred.push({ closure, index }));
    return this.resolvedCall(node, callees, name, values, undefined, deferred);
  }

  private recordClosureCall(param: number): void {
    const held = this.held().map((h) => h.guard);
    if (held.length === 0 || this.detached) return;
    const known = this.closureCalls.get(param) ?? [];
    for (const g of held) if (!known.includes(g)) known.push(g);
    this.closureCalls.set(param, known);
  }

  /**
   * Closures passed to a resolved callee run inside it: under the guards the callee holds where
   * it calls that parameter (`self.with_state(|s| self.count())`), otherwise as if at the call.
   */
  private runPassedClosures(deferred: readonly DeferredClosure[], callees: readonly FnDecl[], node: SyntaxNode, name: string, site: CallSite): void {
    for (const { closure, index } of deferred) {
      // Only a parameter typed as a closure (`impl FnOnce(..)`, a generic `F`) can be called.
      const holder = callees.find((fn) => takesClosureAt(fn, index) && this.ctx.closureCalls(fn).has(index));
      if (!holder) {
        this.inlineClosure(closure);
        continue;
      }
      this.pushTemp(`when \`${name}\` returns`);
      // One guard per lock: how the helper's own guards relate is the helper's finding.
      const seen = new Set<string>();
      for (const inner of this.ctx.closureCalls(holder).get(index)!) {
        const mapped = acquisitionAtCall(site, holder, inner.acquisition);
        if (!mapped || seen.has(mapped.lock.key)) continue;
        seen.add(mapped.lock.key);
        this.acquire({ ...mapped, span: this.span(node), api: `${name}()` }, undefined, { fnName: name, inner: inner.acquisition, whileRunningClosure: true });
      }
      this.inlineClosure(closure);
      this.endTemp(this.endOf(node));
    }
  }

  /**
   * Associated functions of guard types (parking_lot's, std's `Ref`/`RefMut`):
   * `unlocked(&mut g, f)` releases the lock while `f` runs; `upgrade(g)` / `downgrade(g)` turn the
   * guard into one of another mode on the same lock; `map(g, f)` keeps holding it.
   */
  private guardAdapter(node: SyntaxNode, name: string, args: readonly SyntaxNode[]): Value {
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

  /** A call to crate functions: guards returned by the callee are acquisitions here. */
  private resolvedCall(
    node: SyntaxNode,
    resolve: () => readonly FnDecl[],
    name: string,
    args: readonly Value[],
    receiver?: Value,
    deferred: readonly DeferredClosure[] = [],
  ): Value {
    const span = this.span(node);
    this.moveIntoCall(args, span, name);
    // A callee that returns a guard, or the struct it returns, can only come from a file that
    // names a lock; the full resolution waits until a check needs this call's summary.
    const nearby = this.ctx.index.withinLockFiles(resolve);
    if (deferred.length > 0) {
      const site: CallSite = {
        distinctReceiver: receiver?.distinct ?? false,
        receiverPath: receiver?.path,
        argumentLocks: args.map((a) => a.lock?.id),
        argumentPaths: args.map((a) => a.path),
      };
      this.runPassedClosures(deferred, nearby, node, name, site);
    }
    const returned: GuardFact[] = [];
    for (const callee of nearby) if (mayReturnGuard(callee)) returned.push(...this.ctx.returnedGuards(callee));
    const configured = returned.length === 0 ? this.configuredGuard(nearby, span, name, receiver, args) : undefined;
    if (configured) return configured;
    if (returned.length === 0) {
      let resolved: readonly FnDecl[] = [];
      let generation = -1;
      const index = this.ctx.index;
      const callees = (): readonly FnDecl[] => {
        if (generation !== index.generation) {
          resolved = resolve();
          generation = index.generation;
        }
        return resolved;
      };
      this.call(callees, name, node, receiver, args);
      // An accessor returning `&self.conns` hands back that lock, as seen from here.
      const accessor = nearby.find((fn) => LOCK_TYPE_MENTION.test(fn.returnType ?? '') && this.ctx.returnedLock(fn));
      if (accessor) {
        const returnedLock = this.ctx.returnedLock(accessor)!;
        const site: CallSite = { distinctReceiver: receiver?.distinct ?? false, receiverPath: receiver?.path, argumentLocks: args.map((a) => a.lock?.id), argumentPaths: args.map((a) => a.path) };
        const id = lockAtCall(site, accessor, returnedLock.id);
        if (id) return { guards: [], lock: { id, type: returnedLock.type, confidence: 'high' } };
      }
      const first = nearby[0];
      const returnsStruct = first?.returnType;
      const meaning = returnsStruct ? this.meaningOf(returnsStruct === 'Self' ? (first.ownerType ?? '') : returnsStruct, first.file) : {};
      return { guards: [], struct: meaning.struct };
    }
    const guards: LiveGuard[] = [];
    const site: CallSite = {
      distinctReceiver: receiver?.distinct ?? false,
      receiverPath: receiver?.path,
      argumentLocks: args.map((a) => a.lock?.id),
      argumentPaths: args.map((a) => a.path),
    };
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
      const guard = this.acquire(acquisition, undefined, { fnName: name, inner: innerAcquisition });
      if (guard) guards.push(guard);
    }
    return { guards };
  }

  /**
   * `fn locked(&self) -> Guard` where the configuration names `Guard` a guard type: the call is an
   * acquisition of the lock `Owner.locked` in the configured mode, whatever the body does.
   */
  private configuredGuard(callees: readonly FnDecl[], span: SourceSpan, name: string, receiver: Value | undefined, args: readonly Value[]): Value | undefined {
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
    const site: CallSite = { distinctReceiver: receiver?.distinct ?? false, receiverPath: receiver?.path, argumentLocks: args.map((a) => a.lock?.id), argumentPaths: args.map((a) => a.path) };
    const acquisition = acquisitionAtCall(site, callee, declared);
    if (!acquisition) return undefined;
    const guard = this.acquire(acquisition, undefined, { fnName: name, inner: declared });
    return guard ? { guards: [guard] } : NOTHING;
  }

  // ---- control flow ----------------------------------------------------------------------

  /** Guards created since `mark` (by a scrutinee), tagged with their construct. */
  private markScrutinee(mark: number, construct: ScrutineeConstruct): LiveGuard[] {
    const created = this.live.filter((g) => g.fact.id >= mark);
    for (const g of created) {
      if (g.fact.origin === 'temporary') {
        g.fact.origin = 'scrutinee' satisfies GuardOrigin;
        g.fact.construct = construct;
      }
    }
    return created;
  }

  private setRegion(guards: readonly LiveGuard[], region: string | undefined): void {
    for (const g of guards) if (g.fact.origin === 'scrutinee') g.region = region;
  }

  private ifExpression(node: SyntaxNode): Value {
    const condition = node.childForFieldName('condition');
    const consequence = node.childForFieldName('consequence');
    const alternative = node.childForFieldName('alternative');
    const elseBody = alternative?.namedChildren.find((c) => c.type === 'block' || c.type === 'if_expression');
    if (!condition) return NOTHING;

    if (condition.type !== 'let_condition' && condition.type !== 'let_chain') {
      // A plain `if` condition is a temporary scope of its own: dropped before either branch.
      this.pushTemp('at the end of the `if` condition');
      this.expr(condition);
      this.endTemp(this.endOf(condition));
      return this.branches(consequence, elseBody, this.noneTest(condition));
    }

    const mark = nextGuardId;
    const lets = condition.type === 'let_chain' ? condition.namedChildren : [condition];
    const isChain = condition.type === 'let_chain';
    // Edition 2024 (and every let chain) drops the scrutinee's temporaries before `else`;
    // earlier editions keep them to the end of the enclosing statement.
    const rescoped = this.edition >= 2024 || isChain;
    if (rescoped) this.pushTemp('before the `else` block (edition 2024 if-let rescope)');
    const valueGuards: LiveGuard[] = [];
    const bindingBlock: BlockScope = { bindings: new Map(), owned: [] };
    for (const part of lets) {
      if (part.type === 'let_condition') {
        const value = part.childForFieldName('value');
        const v = value ? this.expr(value) : NOTHING;
        valueGuards.push(...v.guards);
        const pattern = part.childForFieldName('pattern');
        for (const name of pattern ? patternNames(pattern) : []) {
          bindingBlock.bindings.set(name, { guards: [], lock: v.lock, struct: v.struct });
        }
      } else {
        // A plain `&&` operand of a chain: its temporaries are dropped at once.
        this.pushTemp('at the end of the condition operand');
        this.expr(part);
        this.endTemp(this.endOf(part));
      }
    }
    const scrutineeGuards = this.markScrutinee(mark, isChain ? 'let chain' : 'if let');
    this.setRegion(scrutineeGuards, 'then block');
    const branches = this.openBranches();
    const thenValue = this.exclusiveBranch(branches, consequence, () => {
      this.blocks.push(bindingBlock);
      const value = consequence ? this.bodyBlock(consequence, 'at the end of the `if let` block') : NOTHING;
      this.blocks.pop();
      return value;
    });
    if (rescoped) this.endTemp(consequence ? this.endOf(consequence) : this.endOf(condition));
    let elseValue: Value = NOTHING;
    if (elseBody) {
      // The refuted value of an `Option<Guard>` scrutinee is `None`: it holds nothing.
      const absent = valueGuards.filter((g) => g.optional);
      for (const g of absent) g.suspended++;
      this.setRegion(scrutineeGuards, 'else block');
      elseValue = this.exclusiveBranch(branches, elseBody, () => this.elseBody(elseBody));
      for (const g of absent) g.suspended--;
    } else {
      this.exclusiveBranch(branches, null, () => NOTHING);
    }
    this.closeBranches(branches);
    this.setRegion(scrutineeGuards, undefined);
    return { guards: [...thenValue.guards, ...elseValue.guards] };
  }

  private branches(consequence: SyntaxNode | null, elseBody: SyntaxNode | undefined, none?: NoneTest): Value {
    const branches = this.openBranches();
    // Where the test says an `Option<Guard>` variable is `None`, it holds nothing.
    const absentIn = (branch: 'then' | 'else'): LiveGuard[] => (none && none.noneIn === branch ? none.binding.guards.filter((g) => g.live) : []);
    const suspendedWhile = <T>(guards: LiveGuard[], walk: () => T): T => {
      for (const g of guards) g.suspended++;
      try {
        return walk();
      } finally {
        for (const g of guards) g.suspended--;
      }
    };
    const thenValue = consequence
      ? this.exclusiveBranch(branches, consequence, () => suspendedWhile(absentIn('then'), () => this.bodyBlock(consequence, 'at the end of the `if` block')))
      : NOTHING;
    // An `if` without `else` has an empty else branch: it keeps what was alive.
    const elseValue = this.exclusiveBranch(branches, elseBody ?? null, () =>
      suspendedWhile(absentIn('else'), () => (elseBody ? this.elseBody(elseBody) : NOTHING)),
    );
    this.closeBranches(branches);
    return { guards: [...thenValue.guards, ...elseValue.guards] };
  }

  /** `x.is_none()` / `x.is_some()` / `!x.is_some()` on a variable holding guards. */
  private noneTest(condition: SyntaxNode): NoneTest | undefined {
    let node: SyntaxNode | null = condition;
    let negated = false;
    while (node?.type === 'parenthesized_expression' || (node?.type === 'unary_expression' && node.text.trimStart().startsWith('!'))) {
      if (node.type === 'unary_expression') negated = !negated;
      node = node.namedChildren[0] ?? null;
    }
    if (node?.type !== 'call_expression') return undefined;
    const fn = node.childForFieldName('function');
    const method = fn?.type === 'field_expression' ? fn.childForFieldName('field')?.text : undefined;
    const receiver = fn?.childForFieldName('value');
    if ((method !== 'is_none' && method !== 'is_some') || receiver?.type !== 'identifier') return undefined;
    const binding = this.lookup(receiver.text);
    if (!binding || binding.guards.length === 0) return undefined;
    const noneInThen = (method === 'is_none') !== negated;
    return { binding, noneIn: noneInThen ? 'then' : 'else' };
  }

  /**
   * The body of an `if`, `else`, `while` or `loop` is a temporary scope in every edition
   * (Reference: "Temporary scopes"): its tail expression's temporaries die with it, unlike a
   * plain block's in edition 2021. What the body yields moves out with the value.
   */
  private bodyBlock(node: SyntaxNode, endNote: string): Value {
    this.pushTemp(endNote);
    const value = this.block(node);
    this.detach(value.guards);
    this.endTemp(this.endOf(node));
    return value;
  }

  private elseBody(node: SyntaxNode): Value {
    return node.type === 'block' ? this.bodyBlock(node, 'at the end of the `else` block') : this.expr(node);
  }

  /**
   * Walks one of several mutually exclusive branches (then/else, match arms). Guards an earlier
   * sibling left alive (2021 tail temporaries, a guard the branch yields) are not held here;
   * after the construct, all of them are (each might have run).
   */
  private exclusiveBranch(branches: BranchSet, node: SyntaxNode | null, walk: () => Value): Value {
    // Each branch starts from what was alive before the construct: a guard an earlier branch
    // dropped (`if c { drop(g) }`) is still held on this branch's path.
    for (const g of branches.releasedByBranch) if (!g.live) this.revive(g);
    const liveAtStart = branches.before.filter((g) => g.live);
    const mark = nextGuardId;
    for (const g of branches.survivors) g.suspended++;
    const value = walk();
    for (const g of branches.survivors) g.suspended--;
    branches.survivors.push(...this.live.filter((g) => g.fact.id >= mark));
    for (const g of liveAtStart) if (!g.live) branches.releasedByBranch.add(g);
    if (!node || !diverges(node)) {
      branches.fallThrough++;
      for (const g of branches.before) if (g.live) branches.keptAlive.add(g);
      for (const g of branches.before) if (!g.live && g.fact.release) branches.releases.set(g, g.fact.release);
    }
    return value;
  }

  private openBranches(): BranchSet {
    return {
      before: this.live.filter((g) => g.live),
      survivors: [],
      keptAlive: new Set(),
      releases: new Map(),
      releasedByBranch: new Set(),
      fallThrough: 0,
    };
  }

  /**
   * After the construct, a guard alive before it is alive if some branch that falls through
   * (does not `return`, `break`, `continue` or panic) kept it (Reference: "Destructors", drop
   * flags: a conditionally moved value is still dropped on the paths that did not move it).
   */
  private closeBranches(branches: BranchSet): void {
    if (branches.fallThrough === 0) return;
    // Only what the branches themselves released is merged: a guard the construct drops between
    // branches (edition 2024's `if let` rescope) stays dropped.
    for (const g of branches.releasedByBranch) {
      if (branches.keptAlive.has(g)) {
        if (!g.live) this.revive(g);
      } else if (g.live) {
        const release = branches.releases.get(g);
        this.release(g, release?.span ?? this.endOf(this.fn.node), release?.note ?? 'in every branch');
      }
    }
  }

  private revive(guard: LiveGuard): void {
    guard.live = true;
    guard.fact.release = undefined;
    if (!this.live.includes(guard)) this.live.push(guard);
    if (guard.binding && !guard.binding.guards.includes(guard)) guard.binding.guards.push(guard);
    const owned = this.temps.some((t) => t.guards.includes(guard)) || this.blocks.some((b) => b.owned.includes(guard));
    if (!owned) this.blocks[this.blocks.length - 1].owned.push(guard);
  }

  private matchExpression(node: SyntaxNode): Value {
    const scrutinee = node.childForFieldName('value');
    const body = node.childForFieldName('body');
    const mark = nextGuardId;
    // Scrutinee temporaries live to the end of the enclosing statement, through every arm.
    const value = scrutinee ? this.expr(scrutinee) : NOTHING;
    const scrutineeGuards = this.markScrutinee(mark, 'match');
    const carried: LiveGuard[] = [];
    const branches = this.openBranches();
    for (const arm of body?.namedChildren ?? []) {
      if (arm.type !== 'match_arm') continue;
      const pattern = arm.childForFieldName('pattern');
      const armValue = arm.childForFieldName('value');
      const patternText = (pattern?.text ?? '').replace(/\s+/g, ' ');
      const absent = isNonePattern(pattern) ? value.guards.filter((g) => g.optional) : [];
      for (const g of absent) g.suspended++;
      this.setRegion(scrutineeGuards, `arm \`${truncate(patternText, 40)} =>\``);
      this.exclusiveBranch(branches, armValue, () => {
      this.blocks.push({ bindings: new Map(), owned: [] });
      for (const name of pattern ? patternNames(pattern) : []) this.bind(name, { guards: [], lock: value.lock, struct: value.struct });
      const guardCondition = pattern?.childForFieldName('condition');
      if (guardCondition) {
        this.pushTemp('at the end of the match guard');
        this.expr(guardCondition);
        this.endTemp(this.endOf(guardCondition));
      }
      if (armValue) {
        this.pushTemp('at the end of the match arm');
        const v = this.expr(armValue);
        this.detach(v.guards);
        carried.push(...v.guards);
        this.endTemp(this.endOf(armValue));
      }
      this.endBlock(this.endOf(arm), 'at the end of the match arm');
      return NOTHING;
      });
      for (const g of absent) g.suspended--;
    }
    this.closeBranches(branches);
    this.setRegion(scrutineeGuards, undefined);
    for (const g of carried) this.temps[this.temps.length - 1].guards.push(g);
    return { guards: carried };
  }

  private whileExpression(node: SyntaxNode): void {
    const condition = node.childForFieldName('condition');
    const body = node.childForFieldName('body');
    if (!condition) return;
    const isLet = condition.type === 'let_condition' || condition.type === 'let_chain';
    // `while let`: the scrutinee's temporaries live through each iteration's body and are dropped
    // before the next test; a plain `while` condition drops them before the body.
    this.pushTemp(isLet ? 'at the end of each iteration of the `while let`' : 'at the end of the `while` condition');
    const mark = nextGuardId;
    this.blocks.push({ bindings: new Map(), owned: [] });
    const lets = condition.type === 'let_chain' ? condition.namedChildren : [condition];
    for (const part of lets) {
      if (part.type === 'let_condition') {
        const value = part.childForFieldName('value');
        const v = value ? this.expr(value) : NOTHING;
        const pattern = part.childForFieldName('pattern');
        for (const name of pattern ? patternNames(pattern) : []) this.bind(name, { guards: [], lock: v.lock, struct: v.struct });
      } else {
        this.expr(part);
      }
    }
    if (!isLet) this.endTemp(this.endOf(condition));
    const scrutineeGuards = isLet ? this.markScrutinee(mark, 'while let') : [];
    this.setRegion(scrutineeGuards, 'loop body');
    if (body) this.bodyBlock(body, 'at the end of the loop body');
    this.setRegion(scrutineeGuards, undefined);
    this.blocks.pop();
    if (isLet) this.endTemp(body ? this.endOf(body) : this.endOf(condition));
  }

  private forExpression(node: SyntaxNode): void {
    const iterable = node.childForFieldName('value');
    const pattern = node.childForFieldName('pattern');
    const body = node.childForFieldName('body');
    // The iterator expression's temporaries, and the iterator itself, live through the loop.
    this.pushTemp('at the end of the `for` loop');
    const mark = nextGuardId;
    if (iterable) this.expr(iterable);
    const scrutineeGuards = this.markScrutinee(mark, 'for');
    this.setRegion(scrutineeGuards, 'loop body');
    this.blocks.push({ bindings: new Map(), owned: [] });
    for (const name of pattern ? patternNames(pattern) : []) this.bind(name, { guards: [] });
    if (body) this.bodyBlock(body, 'at the end of the loop body');
    this.blocks.pop();
    this.setRegion(scrutineeGuards, undefined);
    this.endTemp(body ? this.endOf(body) : this.endOf(node));
  }

  private assignment(node: SyntaxNode): Value {
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    // The right-hand side is evaluated before the place (Reference: "Assignment expressions").
    const value = right ? this.expr(right) : NOTHING;
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
        return NOTHING;
      }
    }
    if (left) this.expr(left);
    return NOTHING;
  }

  private binary(node: SyntaxNode): Value {
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

  // ---- macros ----------------------------------------------------------------------------

  /**
   * Formatting, assertion and logging macros take ordinary expressions; their token trees are
   * re-parsed as call arguments so that a `.lock()` inside `println!` counts. Other macros are
   * parsed the same way when that parse is clean, and skipped otherwise.
   */
  private macro(node: SyntaxNode): Value {
    const name = (node.childForFieldName('macro')?.text ?? '').split('::').pop() ?? '';
    if (AWAITING_MACROS.has(name)) {
      // `select!` / `join!` await their futures: the task may be suspended here.
      this.events.push({ kind: 'await', span: this.span(node), held: this.held(), detached: this.detached });
      return NOTHING;
    }
    const tokens = node.namedChildren.find((c) => c.type === 'token_tree');
    if (!tokens || tokens.text.length < 3) return NOTHING;
    const inner = tokens.text.slice(1, -1);
    const prefix = 'fn __lockscope_macro() { __m(';
    const tree = parseRust(`${prefix}${inner});}`);
    if (tree.rootNode.hasError && !EXPRESSION_MACROS.has(name)) return NOTHING;
    const call = tree.rootNode.namedChildren[0]?.childForFieldName('body')?.namedChildren[0];
    const callNode = call?.type === 'expression_statement' ? call.namedChildren[0] : call;
    const args = callNode?.type === 'call_expression' ? callNode.childForFieldName('arguments') : null;
    if (!args) return NOTHING;
    const savedShift = this.shift;
    this.shift = savedShift + tokens.startIndex + 1 - prefix.length;
    try {
      // `matches!(e, Pattern)`: only the first argument is an expression.
      const parts = this.argumentNodes(args);
      for (const arg of name === 'matches' ? parts.slice(0, 1) : parts) this.expr(arg);
    } finally {
      this.shift = savedShift;
    }
    return NOTHING;
  }
}

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

function takesClosureAt(fn: FnDecl, index: number): boolean {
  const type = fn.params[index]?.type;
  return type !== undefined && (/\bFn(?:Once|Mut)?\b/.test(type) || /^[A-Z][A-Za-z0-9_]*$/.test(type.trim()));
}

/** The identity of a function's lock-typed parameter, replaced by the argument at each call. */
export function parameterLockKey(fn: FnDecl, index: number): string {
  return `param:${fn.key}:${index}`;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
