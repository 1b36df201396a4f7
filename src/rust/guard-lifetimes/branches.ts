// Branches and loops: which guards each arm of an `if` / `match` / loop holds, and what is alive
// after the construct. A scrutinee's temporaries live through its arms (edition 2024 drops an
// `if let`'s before `else`); a guard dropped on some paths only is still alive after the construct
// on the paths that kept it (Reference: "Destructors", drop flags).
import type { GuardOrigin, ScrutineeConstruct } from '../facts.js';
import type { SyntaxNode } from '../syntax.js';
import { diverges, holdsNoGuard, patternNames } from '../syntax-shapes.js';
import { TemporaryScopes } from './temporary-scopes.js';
import { elementType, isReference } from './drop-types.js';
import { letPlaceTest, placeTest, unwrapped, type PlaceTest } from './option-tests.js';
import { NOTHING, eitherLock, guardIdMark, type Binding, type BlockScope, type BranchSet, type LiveGuard, type LockPlace, type NoneTest, type Value } from './values.js';

export abstract class Branches extends TemporaryScopes {
  /** `Option` fields of `self` known `Some` (true) or `None` (false) on the path being walked. */
  protected readonly knownPlaces = new Map<string, boolean>();

  /** The field a plain condition tests (`self.f.is_some()`, a getter of it, a `bool` bound to one). */
  protected conditionTest(condition: SyntaxNode): PlaceTest | undefined {
    const { node, negated } = unwrapped(condition);
    const test = node.type === 'identifier' ? this.lookup(node.text)?.test : placeTest(node, this.fn, this.ctx.index);
    return test && { place: test.place, whenSome: test.whenSome !== negated };
  }

  /** Whether a test is known true or false on this path. */
  private outcome(test: PlaceTest | undefined): boolean | undefined {
    const some = test && this.knownPlaces.get(test.place);
    return some === undefined ? undefined : some === test!.whenSome;
  }

  /**
   * `walk` of a branch where `test` is `holds`: the field's state is known inside. Without a test,
   * `walk` itself (a deeply nested `if` must not cost stack frames for nothing).
   */
  private knowing<T>(test: PlaceTest | undefined, holds: boolean, walk: () => T): () => T {
    if (!test) return walk;
    return () => {
      const before = this.knownPlaces.get(test.place);
      this.knownPlaces.set(test.place, test.whenSome === holds);
      try {
        return walk();
      } finally {
        if (before === undefined) this.knownPlaces.delete(test.place);
        else this.knownPlaces.set(test.place, before);
      }
    };
  }

  /**
   * Binds a pattern's names in `block`. A single name bound by value takes the value: the guards
   * it carries (`Some(worker)` of `map.get(k)`: `drop(worker)` releases the shard) and, if it
   * owns data of a type with `Drop`, the duty to drop it at the end of the block.
   */
  protected bindPattern(block: BlockScope, pattern: SyntaxNode | null, value: Value): void {
    const names = pattern ? patternNames(pattern) : [];
    const single = names.length === 1 && !/\bref\b/.test(pattern?.text ?? '');
    for (const name of names) {
      const binding: Binding = { guards: [], lock: value.lock, struct: value.struct };
      if (single) {
        binding.content = value.content;
        if (!value.borrowed) {
          binding.guards = value.guards.filter((g) => g.live);
          if (value.content && value.guards.length === 0 && !value.lock) (block.locals ??= []).push({ name, binding, mark: guardIdMark() });
        }
      }
      block.bindings.set(name, binding);
    }
  }

  /** Guards created since `mark` (by a scrutinee), tagged with their construct. */
  protected markScrutinee(mark: number, construct: ScrutineeConstruct): LiveGuard[] {
    const created = this.live.filter((g) => g.fact.id >= mark);
    for (const g of created) {
      if (g.fact.origin === 'temporary') {
        g.fact.origin = 'scrutinee' satisfies GuardOrigin;
        g.fact.construct = construct;
      }
    }
    return created;
  }

  protected setRegion(guards: readonly LiveGuard[], region: string | undefined): void {
    for (const g of guards) if (g.fact.origin === 'scrutinee') g.region = region;
  }

  protected ifExpression(node: SyntaxNode): Value {
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
      return this.branches(consequence, elseBody, this.noneTest(condition), this.conditionTest(condition));
    }

    const mark = guardIdMark();
    const lets = condition.type === 'let_chain' ? condition.namedChildren : [condition];
    const isChain = condition.type === 'let_chain';
    // Edition 2024 (and every let chain) drops the scrutinee's temporaries before `else`;
    // earlier editions keep them to the end of the enclosing statement.
    const rescoped = this.edition >= 2024 || isChain;
    if (rescoped) this.pushTemp('before the `else` block (edition 2024 if-let rescope)');
    const valueGuards: LiveGuard[] = [];
    const absentInThen: LiveGuard[] = [];
    const bindingBlock: BlockScope = { bindings: new Map(), owned: [] };
    // `if let Some(p) = &self.pool { … } else { … }`: `self.pool` is `None` in the else block.
    const test = isChain ? undefined : letPlaceTest(condition.childForFieldName('pattern'), condition.childForFieldName('value'), this.fn);
    for (const part of lets) {
      if (part.type === 'let_condition') {
        const value = part.childForFieldName('value');
        const v = value ? this.expr(value) : NOTHING;
        const pattern = part.childForFieldName('pattern');
        // `if let Err(WouldBlock) = m.try_lock()`, `if let None = map.get(k)`: the then block runs
        // on the value that holds nothing, the else block on the one that holds the guard.
        if (holdsNoGuard(pattern)) absentInThen.push(...v.guards.filter((g) => g.optional));
        else valueGuards.push(...v.guards);
        this.bindPattern(bindingBlock, pattern, v);
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
    const thenValue = suspendedWhile(absentInThen, () => this.exclusiveBranch(branches, consequence, this.knowing(test, true, () => {
      this.blocks.push(bindingBlock);
      const value = consequence ? this.bodyBlock(consequence, 'at the end of the `if let` block') : NOTHING;
      this.endBlock(this.endOf(consequence ?? condition), 'at the end of the `if let` block');
      return value;
    })));
    if (rescoped) {
      this.endTemp(consequence ? this.endOf(consequence) : this.endOf(condition));
      // Dropped before `else` whatever the then block did with them: not alive again there.
      for (const g of scrutineeGuards) branches.releasedByBranch.delete(g);
    }
    let elseValue: Value = NOTHING;
    if (elseBody) {
      // The refuted value of an `Option<Guard>` scrutinee is `None`: it holds nothing.
      this.setRegion(scrutineeGuards, 'else block');
      elseValue = suspendedWhile(valueGuards.filter((g) => g.optional), () => this.exclusiveBranch(branches, elseBody, this.knowing(test, false, () => this.elseBody(elseBody))));
    } else {
      this.exclusiveBranch(branches, null, () => NOTHING);
    }
    this.closeBranches(branches);
    this.setRegion(scrutineeGuards, undefined);
    return { guards: [...thenValue.guards, ...elseValue.guards], lock: elseBody ? eitherLock([thenValue.lock, elseValue.lock]) : undefined };
  }

  protected branches(consequence: SyntaxNode | null, elseBody: SyntaxNode | undefined, none?: NoneTest, test?: PlaceTest): Value {
    const branches = this.openBranches();
    // Where the test says an `Option<Guard>` variable is `None`, it holds nothing.
    const absentIn = (branch: 'then' | 'else'): LiveGuard[] => (none && none.noneIn === branch ? none.binding.guards.filter((g) => g.live) : []);
    // A test of a field this path already decided runs one branch only.
    const outcome = this.outcome(test);
    const thenValue =
      consequence && outcome !== false
        ? this.exclusiveBranch(branches, consequence, this.knowing(test, true, () => suspendedWhile(absentIn('then'), () => this.bodyBlock(consequence, 'at the end of the `if` block'))))
        : NOTHING;
    // An `if` without `else` has an empty else branch: it keeps what was alive.
    const elseValue =
      outcome === true
        ? NOTHING
        : this.exclusiveBranch(
            branches,
            elseBody ?? null,
            this.knowing(test, false, () => suspendedWhile(absentIn('else'), () => (elseBody ? this.elseBody(elseBody) : NOTHING))),
          );
    this.closeBranches(branches);
    return { guards: [...thenValue.guards, ...elseValue.guards], lock: elseBody && outcome === undefined ? eitherLock([thenValue.lock, elseValue.lock]) : (outcome === true ? thenValue.lock : outcome === false ? elseValue.lock : undefined) };
  }

  /** `x.is_none()` / `x.is_some()` / `!x.is_some()` on a variable holding guards. */
  protected noneTest(condition: SyntaxNode): NoneTest | undefined {
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

  protected elseBody(node: SyntaxNode): Value {
    return node.type === 'block' ? this.bodyBlock(node, 'at the end of the `else` block') : this.expr(node);
  }

  /**
   * Walks one of several mutually exclusive branches (then/else, match arms). Guards an earlier
   * sibling left alive (2021 tail temporaries, a guard the branch yields) are not held here;
   * after the construct, all of them are (each might have run).
   */
  protected exclusiveBranch(branches: BranchSet, node: SyntaxNode | null, walk: () => Value): Value {
    // Each branch starts from what was alive before the construct: a guard an earlier branch
    // dropped (`if c { drop(g) }`) is still held on this branch's path.
    for (const g of branches.releasedByBranch) if (!g.live) this.revive(g, branches.owners.get(g));
    const liveAtStart = branches.before.filter((g) => g.live);
    const mark = guardIdMark();
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

  protected openBranches(): BranchSet {
    const before = this.live.filter((g) => g.live);
    const owners = new Map<LiveGuard, LiveGuard[]>();
    for (const g of before) {
      const owner = this.ownerOf(g);
      if (owner) owners.set(g, owner);
    }
    return {
      before,
      owners,
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
  protected closeBranches(branches: BranchSet): void {
    if (branches.fallThrough === 0) return;
    // Only what the branches themselves released is merged: a guard the construct drops between
    // branches (edition 2024's `if let` rescope) stays dropped.
    for (const g of branches.releasedByBranch) {
      if (branches.keptAlive.has(g)) {
        if (!g.live) this.revive(g, branches.owners.get(g));
      } else if (g.live) {
        const release = branches.releases.get(g);
        this.release(g, release?.span ?? this.endOf(this.fn.node), release?.note ?? 'in every branch');
      }
    }
  }

  protected matchExpression(node: SyntaxNode): Value {
    const scrutinee = node.childForFieldName('value');
    const body = node.childForFieldName('body');
    const mark = guardIdMark();
    // Scrutinee temporaries live to the end of the enclosing statement, through every arm.
    const value = scrutinee ? this.expr(scrutinee) : NOTHING;
    const scrutineeGuards = this.markScrutinee(mark, 'match');
    const carried: LiveGuard[] = [];
    const armLocks: (LockPlace | undefined)[] = [];
    const branches = this.openBranches();
    for (const arm of body?.namedChildren ?? []) {
      if (arm.type !== 'match_arm') continue;
      const pattern = arm.childForFieldName('pattern');
      const armValue = arm.childForFieldName('value');
      const patternText = (pattern?.text ?? '').replace(/\s+/g, ' ');
      this.setRegion(scrutineeGuards, `arm \`${truncate(patternText, 40)} =>\``);
      const absent = holdsNoGuard(pattern) ? value.guards.filter((g) => g.optional) : [];
      suspendedWhile(absent, () => this.exclusiveBranch(branches, armValue, () => {
        const armBlock: BlockScope = { bindings: new Map(), owned: [] };
        this.blocks.push(armBlock);
        this.bindPattern(armBlock, pattern, value);
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
          armLocks.push(v.lock);
          this.endTemp(this.endOf(armValue));
        }
        this.endBlock(this.endOf(arm), 'at the end of the match arm');
        return NOTHING;
      }));
    }
    this.closeBranches(branches);
    this.setRegion(scrutineeGuards, undefined);
    for (const g of carried) this.temps[this.temps.length - 1].guards.push(g);
    return { guards: carried, lock: eitherLock(armLocks) };
  }

  protected whileExpression(node: SyntaxNode): void {
    const condition = node.childForFieldName('condition');
    const body = node.childForFieldName('body');
    if (!condition) return;
    const isLet = condition.type === 'let_condition' || condition.type === 'let_chain';
    // `while let`: the scrutinee's temporaries live through each iteration's body and are dropped
    // before the next test; a plain `while` condition drops them before the body.
    this.pushTemp(isLet ? 'at the end of each iteration of the `while let`' : 'at the end of the `while` condition');
    const mark = guardIdMark();
    this.blocks.push({ bindings: new Map(), owned: [] });
    const lets = condition.type === 'let_chain' ? condition.namedChildren : [condition];
    for (const part of lets) {
      if (part.type === 'let_condition') {
        const value = part.childForFieldName('value');
        const v = value ? this.expr(value) : NOTHING;
        const pattern = part.childForFieldName('pattern');
        for (const name of pattern ? patternNames(pattern) : []) this.bind(name, { guards: [], lock: v.lock, struct: v.struct, content: v.content });
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

  protected forExpression(node: SyntaxNode): void {
    const iterable = node.childForFieldName('value');
    const pattern = node.childForFieldName('pattern');
    const body = node.childForFieldName('body');
    // The iterator expression's temporaries, and the iterator itself, live through the loop.
    this.pushTemp('at the end of the `for` loop');
    const mark = guardIdMark();
    const items = iterable ? this.expr(iterable) : NOTHING;
    const scrutineeGuards = this.markScrutinee(mark, 'for');
    this.setRegion(scrutineeGuards, 'loop body');
    // `for x in v` moves `v`; each `x` is an element, dropped at the end of its iteration.
    // `for x in v.iter()` / `for x in &v` / `for x in v` where `v: &[T]`: each `x` borrows an
    // element (whose type is kept, for the methods called on it); the loop drops none.
    const borrowed = items.borrowed || (items.content !== undefined && isReference(items.content.text));
    const element = items.content && !borrowed ? elementType(items.content.text) : undefined;
    if (!borrowed && items.binding) items.binding.moved = true;
    const accessor = iterable?.type === 'call_expression' ? iterable.childForFieldName('function') : null;
    const byAccessor = accessor?.type === 'field_expression' && /^(?:iter|iter_mut|values|values_mut)$/.test(accessor.childForFieldName('field')?.text ?? '');
    const lent = items.content && borrowed ? (byAccessor && items.borrowed ? items.content.text : elementType(items.content.text)) : undefined;
    const itemBlock: BlockScope = { bindings: new Map(), owned: [] };
    this.blocks.push(itemBlock);
    const item: Value = element
      ? { guards: [], content: { text: element, file: items.content!.file } }
      : lent
        ? { guards: [], content: { text: lent, file: items.content!.file }, borrowed: true }
        : NOTHING;
    this.bindPattern(itemBlock, pattern, item);
    if (body) this.bodyBlock(body, 'at the end of the loop body');
    this.endBlock(body ? this.endOf(body) : this.endOf(node), 'at the end of the loop body');
    this.setRegion(scrutineeGuards, undefined);
    this.endTemp(body ? this.endOf(body) : this.endOf(node));
  }
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Runs `walk` on a path where these guards are not held (a branch on their absent variant). */
function suspendedWhile<T>(guards: readonly LiveGuard[], walk: () => T): T {
  for (const g of guards) g.suspended++;
  try {
    return walk();
  } finally {
    for (const g of guards) g.suspended--;
  }
}
