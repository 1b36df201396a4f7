// Where a releaser-scoped guard (`const release = await m.acquire()`) is still held when its
// function is left: the fact behind `release-on-every-path`. A structured may-analysis over the
// statements after the acquisition: `held` means some path reaches this point without a release.
import type { TSESTree } from '@typescript-eslint/utils';
import { contains, isFunction, type Node } from './syntax.js';

export type LeakKind = 'return' | 'throw' | 'await-throw' | 'end' | 'discarded' | 'break' | 'continue';

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
        if (statement.argument && this.oracle.releasesWithin(statement.argument)) return 'released';
        this.awaits(statement.argument);
        this.leak('return', statement);
        return 'dead';
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
      default:
        // A release tucked into an expression (`done && release()`) is taken as a release:
        // the rule prefers a missed leak to a false alarm.
        if (this.oracle.releasesWithin(statement)) return 'released';
        this.awaits(statement);
        return state;
    }
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
  if (!isFunction(callback) || callback.body.type !== 'BlockStatement') return [];
  const walk = new PathWalk(oracle, callback);
  if (walk.list(callback.body.body, 0, 'held') === 'held') walk.fallsOffEnd(callback.body);
  return walk.leaks;
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
