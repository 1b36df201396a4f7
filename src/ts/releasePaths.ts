// Where a releaser-scoped guard (`const release = await m.acquire()`) is still held when its
// function is left: the fact behind `release-on-every-path`. A structured may-analysis over the
// statements after the acquisition: `held` means some path reaches this point without a release.
import type { TSESTree } from '@typescript-eslint/utils';
import { contains, isFunction, type Node } from './syntax.js';

export type LeakKind = 'return' | 'throw' | 'await-throw' | 'end' | 'discarded' | 'break' | 'continue' | 'reject' | 'fulfil';

/** One way out of the function that leaves the lock held. */
export interface ReleaseLeak {
  readonly kind: LeakKind;
  readonly node: Node;
}

/** How the analysis recognises this guard's release. */
export interface ReleaseOracle {
  /** `release();`, `await release();`, `m.release();` as a whole statement. */
  isReleaseStatement(statement: Node): boolean;
  /** Some release call (or a hand-over of the releaser) lies inside `node`. */
  releasesWithin(node: Node): boolean;
  /**
   * Where the releaser binding is declared, if the guard has one: a `break` out of a statement
   * that declares it leaves nothing that could still call it.
   */
  readonly releaserDeclaration?: Node;
}

type State = 'held' | 'released' | 'dead';

function join(a: State, b: State): State {
  if (a === 'held' || b === 'held') return 'held';
  if (a === 'released' || b === 'released') return 'released';
  return 'dead';
}

type StatementList = TSESTree.Program | TSESTree.BlockStatement | TSESTree.SwitchCase | TSESTree.StaticBlock;

function statementsOf(list: StatementList): readonly Node[] {
  return list.type === 'SwitchCase' ? list.consequent : list.body;
}

function isStatementList(node: Node | undefined): node is StatementList {
  return !!node && (node.type === 'Program' || node.type === 'BlockStatement' || node.type === 'SwitchCase' || node.type === 'StaticBlock');
}

/** The first `await`/`yield` evaluated by `node`, outside nested functions. */
function firstAwait(node: Node | null | undefined): Node | undefined {
  if (!node) return undefined;
  let found: Node | undefined;
  const visit = (current: Node): void => {
    if (found) return;
    if (current.type === 'AwaitExpression' || current.type === 'YieldExpression') {
      found = current;
      return;
    }
    if (current !== node && isFunction(current)) return;
    for (const key of Object.keys(current)) {
      if (key === 'parent') continue;
      const value = (current as unknown as Record<string, unknown>)[key];
      const children = Array.isArray(value) ? value : [value];
      for (const child of children) {
        if (child && typeof child === 'object' && typeof (child as Node).type === 'string' && Array.isArray((child as Node).range)) visit(child as Node);
      }
    }
  };
  visit(node);
  return found;
}

/**
 * How a promise chain settles with respect to the lock: the paths on which it fulfils, and those
 * on which it rejects, that leave the lock held (each a leak that names where the path leaves it
 * held). Empty: every such path releases (or there is none).
 */
interface Settlement {
  readonly fulfilled: readonly ReleaseLeak[];
  readonly rejected: readonly ReleaseLeak[];
}

const SETTLED: Settlement = { fulfilled: [], rejected: [] };

/** `p.then(…)`, `p.catch(…)`, `p.finally(…)`: the link and the promise it is attached to. */
function chainLink(node: Node): { base: Node; method: 'then' | 'catch' | 'finally'; args: readonly Node[] } | undefined {
  const expression = unwrapValue(node);
  if (expression.type !== 'CallExpression') return undefined;
  const callee = unwrapValue(expression.callee);
  if (callee.type !== 'MemberExpression' || callee.computed || callee.property.type !== 'Identifier') return undefined;
  const method = callee.property.name;
  if (method !== 'then' && method !== 'catch' && method !== 'finally') return undefined;
  return { base: callee.object, method, args: expression.arguments };
}

function unwrapValue(node: Node): Node {
  let current = node;
  while (['TSAsExpression', 'TSNonNullExpression', 'TSSatisfiesExpression', 'ChainExpression'].includes(current.type)) {
    current = (current as TSESTree.TSAsExpression).expression;
  }
  return current;
}

class PathWalk {
  readonly leaks: ReleaseLeak[] = [];
  /** Inside a `try` whose `catch` or `finally` takes over a throw. */
  private caught = 0;
  /** Inside a `try` whose `finally` releases: no exit from here leaks. */
  private finallyReleases = 0;

  constructor(
    private readonly oracle: ReleaseOracle,
    private readonly acquisition: Node,
  ) {}

  fallsOffEnd(body: Node): void {
    this.leak('end', body);
  }

  private leak(kind: LeakKind, node: Node): void {
    if (this.finallyReleases > 0) return;
    if ((kind === 'throw' || kind === 'await-throw') && this.caught > 0) return;
    this.leaks.push({ kind, node });
  }

  private awaits(node: Node | null | undefined): void {
    const awaited = firstAwait(node);
    if (awaited) this.leak('await-throw', awaited);
  }

  list(statements: readonly Node[], from: number, state: State): State {
    let current = state;
    for (let i = from; i < statements.length && current === 'held'; i++) current = this.statement(statements[i], current);
    return current;
  }

  statement(statement: Node, state: State): State {
    if (state !== 'held') return state;
    if (this.oracle.isReleaseStatement(statement)) return 'released';
    switch (statement.type) {
      case 'BlockStatement':
      case 'StaticBlock':
        return this.list(statement.body, 0, state);
      case 'ReturnStatement':
        return this.returns(statement.argument, statement);
      case 'ThrowStatement':
        this.leak('throw', statement);
        return 'dead';
      case 'IfStatement': {
        this.awaits(statement.test);
        const consequent = this.statement(statement.consequent, state);
        const alternate = statement.alternate ? this.statement(statement.alternate, state) : state;
        return join(consequent, alternate);
      }
      case 'TryStatement':
        return this.tryStatement(statement, state);
      case 'ForStatement':
      case 'ForInStatement':
      case 'ForOfStatement':
      case 'WhileStatement': {
        this.awaits(statement.type === 'ForInStatement' || statement.type === 'ForOfStatement' ? statement.right : statement.type === 'ForStatement' ? statement.init : statement.test);
        if (statement.type === 'ForOfStatement' && statement.await) this.leak('await-throw', statement);
        return join(state, this.statement(statement.body, state));
      }
      case 'DoWhileStatement':
        return this.statement(statement.body, state);
      case 'SwitchStatement': {
        this.awaits(statement.discriminant);
        let result: State = statement.cases.some((c) => c.test === null) ? 'dead' : state;
        for (const switchCase of statement.cases) result = join(result, this.list(switchCase.consequent, 0, state));
        return result;
      }
      case 'LabeledStatement':
        return this.statement(statement.body, state);
      case 'FunctionDeclaration':
      case 'ClassDeclaration':
        return state;
      case 'BreakStatement':
      case 'ContinueStatement': {
        // A jump out of a loop (or labelled statement) around the acquisition leaves the held
        // region: `continue` re-runs the acquisition with the lock still held, `break` drops the
        // releaser with its block. A jump inside the region falls through, as before.
        const target = jumpTarget(statement);
        if (!target || !contains(target, this.acquisition)) return state;
        const declaration = this.oracle.releaserDeclaration;
        if (statement.type === 'ContinueStatement' || (declaration && contains(target, declaration))) {
          this.leak(statement.type === 'ContinueStatement' ? 'continue' : 'break', statement);
        }
        return 'dead';
      }
      default: {
        const value = statement.type === 'ExpressionStatement' ? statement.expression : undefined;
        if (value && chainLink(awaitedValue(value)) && this.oracle.releasesWithin(value)) return this.chainStatement(value);
        // A release tucked into an expression (`done && release()`) is taken as a release:
        // the rule prefers a missed leak to a false alarm.
        if (this.oracle.releasesWithin(statement)) return 'released';
        this.awaits(statement);
        return state;
      }
    }
  }

  /** `return value;` (or an arrow's expression body): a promise chain returned settles the function's promise. */
  returns(value: Node | null | undefined, statement: Node): State {
    if (value && this.oracle.releasesWithin(value)) {
      if (!chainLink(awaitedValue(value))) return 'released';
      const settled = this.settle(awaitedValue(value));
      for (const leak of [...settled.fulfilled, ...settled.rejected]) this.leak(leak.kind, leak.node);
      return 'dead';
    }
    this.awaits(value);
    // An arrow's expression body settles its promise with the value: no `return` to point at.
    this.leak(statement === value ? 'fulfil' : 'return', statement);
    return 'dead';
  }

  /**
   * A promise chain as a statement: awaited, its rejections throw here and its fulfilments go
   * on; left floating, it releases later on the paths its handlers release, and the others leak.
   */
  private chainStatement(value: Node): State {
    const awaited = value.type === 'AwaitExpression';
    const settled = this.settle(awaitedValue(value));
    if (!(awaited && this.caught > 0)) for (const leak of settled.rejected) this.leak(leak.kind, leak.node);
    if (awaited) return settled.fulfilled.length > 0 ? 'held' : 'released';
    for (const leak of settled.fulfilled) this.leak(leak.kind, leak.node);
    return 'released';
  }

  /**
   * Promise semantics: `p.then(f, r)` runs `f` only when `p` fulfils and `r` only when it rejects;
   * `p.catch(r)` is `p.then(undefined, r)`; `p.finally(h)` runs `h` on both. A link whose input
   * path is already released stays released, whatever its handler does.
   */
  private settle(node: Node): Settlement {
    const link = chainLink(node);
    if (!link) {
      if (this.oracle.releasesWithin(node)) return SETTLED;
      const expression = unwrapValue(node);
      const mayReject = expression.type === 'CallExpression' || expression.type === 'NewExpression' || expression.type === 'AwaitExpression';
      return { fulfilled: [{ kind: 'fulfil', node: expression }], rejected: mayReject ? [{ kind: 'reject', node: expression }] : [] };
    }
    const base = this.settle(link.base);
    if (link.method === 'finally') return this.handlerReleases(link.args[0]) ? SETTLED : base;
    const [onFulfilled, onRejected] = link.method === 'then' ? [link.args[0], link.args[1]] : [undefined, link.args[0]];
    const fulfilled = onFulfilled ? this.handled(onFulfilled, base.fulfilled) : { fulfilled: base.fulfilled, rejected: [] };
    const rejected = onRejected ? this.handled(onRejected, base.rejected) : { fulfilled: [], rejected: base.rejected };
    return { fulfilled: [...fulfilled.fulfilled, ...rejected.fulfilled], rejected: [...fulfilled.rejected, ...rejected.rejected] };
  }

  /** What a handler makes of the held paths that reach it. */
  private handled(handler: Node, incoming: readonly ReleaseLeak[]): Settlement {
    if (incoming.length === 0) return SETTLED;
    const fn = unwrapValue(handler);
    if (!isFunction(fn)) return this.oracle.releasesWithin(fn) ? SETTLED : { fulfilled: [{ kind: 'fulfil', node: fn }], rejected: [] };
    const walk = new PathWalk(this.oracle, fn);
    if (fn.body.type !== 'BlockStatement') walk.returns(fn.body, fn.body);
    else if (walk.list(fn.body.body, 0, 'held') === 'held') walk.fallsOffEnd(fn.body);
    const rejects = (leak: ReleaseLeak): boolean => leak.kind === 'throw' || leak.kind === 'await-throw' || leak.kind === 'reject';
    return { fulfilled: walk.leaks.filter((leak) => !rejects(leak)), rejected: walk.leaks.filter(rejects) };
  }

  private handlerReleases(handler: Node | undefined): boolean {
    if (!handler) return false;
    const settled = this.handled(handler, [{ kind: 'fulfil', node: handler }]);
    return settled.fulfilled.length === 0 && settled.rejected.length === 0;
  }

  private tryStatement(statement: TSESTree.TryStatement, state: State): State {
    if (statement.finalizer && this.oracle.releasesWithin(statement.finalizer)) {
      this.finallyReleases++;
      this.statement(statement.block, state);
      if (statement.handler) this.statement(statement.handler.body, state);
      this.finallyReleases--;
      return 'released';
    }
    let result: State;
    if (statement.handler) {
      this.caught++;
      const block = this.statement(statement.block, state);
      this.caught--;
      result = join(block, this.statement(statement.handler.body, state));
    } else {
      result = this.statement(statement.block, state);
    }
    return statement.finalizer && result === 'held' ? this.statement(statement.finalizer, result) : result;
  }

  /** Enters the `try` blocks around the acquisition; false when a `finally` releases anyway. */
  enterEnclosingTries(acquisition: Node, fn: Node): boolean {
    for (let node: Node | undefined = acquisition; node && node !== fn; node = node.parent) {
      const parent: Node | undefined = node.parent;
      if (parent?.type !== 'TryStatement' || parent.block !== node) continue;
      if (parent.finalizer && this.oracle.releasesWithin(parent.finalizer)) return false;
      if (parent.handler) this.caught++;
    }
    return true;
  }
}

/**
 * Follows every path from `acquisition` (a statement directly in a block) to the exits of `fn`
 * and returns those that leave the lock held.
 */
export function findReleaseLeaks(acquisition: Node, fn: Node, oracle: ReleaseOracle): ReleaseLeak[] {
  const walk = new PathWalk(oracle, acquisition);
  if (!walk.enterEnclosingTries(acquisition, fn)) return [];
  let statement: Node = acquisition;
  let state: State = 'held';
  for (;;) {
    const list = statement.parent;
    if (!isStatementList(list)) return walk.leaks;
    const statements = statementsOf(list);
    state = walk.list(statements, statements.indexOf(statement) + 1, state);
    if (state !== 'held') return walk.leaks;
    if (list.type === 'Program' || (list.parent && isFunction(list.parent))) {
      walk.fallsOffEnd(list);
      return walk.leaks;
    }
    // Leave the enclosing statement (an `if`, a loop, a `try`) and go on after it.
    let outer: Node | undefined = list;
    while (outer && !isStatementList(outer.parent)) {
      const parent: Node | undefined = outer.parent;
      if (!parent || isFunction(parent)) return walk.leaks;
      if (parent.type === 'TryStatement' && parent.block === outer && parent.finalizer && oracle.releasesWithin(parent.finalizer)) return walk.leaks;
      outer = parent;
    }
    if (!outer) return walk.leaks;
    statement = outer;
  }
}

/**
 * The exits of a callback that holds the releaser (it was captured: `(err) => { if (err) return;
 * release(); }`) and leave without calling it. Called once for the callback's body.
 */
export function findReleaseLeaksInCallback(callback: Node, oracle: ReleaseOracle): ReleaseLeak[] {
  if (!isFunction(callback)) return [];
  const walk = new PathWalk(oracle, callback);
  if (callback.body.type !== 'BlockStatement') walk.returns(callback.body, callback.body);
  else if (walk.list(callback.body.body, 0, 'held') === 'held') walk.fallsOffEnd(callback.body);
  return walk.leaks;
}

function awaitedValue(node: Node): Node {
  const value = unwrapValue(node);
  return value.type === 'AwaitExpression' ? unwrapValue(value.argument) : value;
}

function isLoop(node: Node): boolean {
  return node.type === 'ForStatement' || node.type === 'ForInStatement' || node.type === 'ForOfStatement' || node.type === 'WhileStatement' || node.type === 'DoWhileStatement';
}

/** The statement a `break`/`continue` leaves: its label's statement, or the nearest loop (or `switch`). */
function jumpTarget(jump: TSESTree.BreakStatement | TSESTree.ContinueStatement): Node | undefined {
  for (let node: Node | undefined = jump.parent; node && !isFunction(node); node = node.parent) {
    if (jump.label) {
      if (node.type === 'LabeledStatement' && node.label.name === jump.label.name) return node;
    } else if (isLoop(node) || (jump.type === 'BreakStatement' && node.type === 'SwitchStatement')) {
      return node;
    }
  }
  return undefined;
}
