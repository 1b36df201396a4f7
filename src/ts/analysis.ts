// Lock analysis of one linted TS/JS file: its facts, the summaries of everything it calls (across
// files when types are available), and the queries the rules ask. Computed once per parsed
// Program and shared by every rule.
import ts from 'typescript';
import type { ParserServicesWithTypeInformation, TSESLint, TSESTree } from '@typescript-eslint/utils';
import { conflicts, type Acquisition, type ReachedAcquisition, type SourceSpan, type WitnessStep } from '../core/model.js';
import { computeLockSummaries, reachedKey, type LockSummary, type SummaryEdge, type SummaryNode } from '../core/summaries.js';
import { buildFileFacts } from './fileFacts.js';
import type { AcquireSite, CallSite, CallTarget, FileFacts, FunctionFacts, Site } from './facts.js';
import { rerootKey } from './lockKeys.js';
import { factsOfModule, factsOfProgramFile, lendLintedFacts, resolveModule, type ProjectState } from './projectFacts.js';
import { PARAMETER_KIND, acquireMethodOf, type ExtraTsLockApis } from './lockApis.js';
import { spanOf } from './syntax.js';
import type { ReleaseLeak } from './releasePaths.js';
import { forgetReports } from './reports.js';

/** A held guard and a site in its flow that takes the same lock again (directly or by calls). */
export interface GuardConflict {
  readonly kind: 'nested' | 'upgrade';
  readonly guard: AcquireSite;
  readonly site: Site;
  /** The conflicting acquisition, with the chain of calls from `site` down to it. */
  readonly reached: ReachedAcquisition;
  /** Two field locks that are one because this construction passes one lock into both. */
  readonly injected?: SourceSpan;
}

/** `outer` is held while `reached` (another lock) is taken: one observed lock order. */
export interface LockOrderEdge {
  readonly outer: AcquireSite;
  readonly site: Site;
  readonly reached: ReachedAcquisition;
}

/** A lock a helper holds while it runs a parameter (or that it hands back), with the chain to where it is taken. */
interface HeldEntry {
  readonly acquisition: Acquisition;
  readonly chain: readonly WitnessStep[];
}

type HeldSet = Map<string, HeldEntry>;

const typedPrograms = new WeakMap<ts.Program, ProjectState>();
/**
 * The analysis of the file being linted, which all its rules share. Only the last one is kept: an
 * analysis holds the facts of every file its calls reach, and a file's facts hold its syntax tree,
 * so analyses kept by tree would keep every file a run ever reached.
 */
let lastAnalysis: { readonly ast: TSESTree.Program; readonly analysis: LockAnalysis } | undefined;

export interface AnalysisInput {
  readonly file: string;
  readonly ast: TSESTree.Program;
  readonly scopeManager: TSESLint.Scope.ScopeManager | null;
  readonly parserServices?: Partial<ParserServicesWithTypeInformation> | null;
  readonly extra?: ExtraTsLockApis;
}

/** The analysis of one parsed file, cached by its AST so every rule shares it. */
export function lockAnalysisOf(input: AnalysisInput): LockAnalysis {
  if (lastAnalysis?.ast === input.ast) return lastAnalysis.analysis;
  const typed = input.parserServices?.program ? (input.parserServices as ParserServicesWithTypeInformation) : undefined;
  let project: ProjectState = { files: new Map(), extra: input.extra };
  if (typed) {
    project = typedPrograms.get(typed.program) ?? { files: new Map(), program: typed.program, extra: input.extra };
    typedPrograms.set(typed.program, project);
  }
  // Name the file as the program does, so lock and function keys agree across files.
  const sourceFile = typed?.esTreeNodeToTSNodeMap.get(input.ast) as ts.SourceFile | undefined;
  const facts = buildFileFacts({ file: sourceFile?.fileName ?? input.file, ast: input.ast, scopeManager: input.scopeManager, typed, extra: input.extra });
  forgetReports(facts.file);
  lendLintedFacts(project, facts, input.ast);
  const analysis = new LockAnalysis(facts, project);
  lastAnalysis = { ast: input.ast, analysis };
  return analysis;
}

function isParameterRelative(key: string): boolean {
  return key.startsWith('param:') || key.includes('@param:');
}

function unwrapCallee(call: CallSite): TSESTree.Node {
  const node = call.node;
  return node.type === 'CallExpression' ? node.callee : node;
}

export class LockAnalysis {
  private readonly closure: FunctionFacts[] = [];
  /** Summaries of this file's functions and everything they reach, keyed by function key. */
  private readonly summaries = new Map<string, LockSummary>();
  private conflictsMemo?: GuardConflict[];
  private edgesMemo?: { local: LockOrderEdge[]; all: LockOrderEdge[] };

  constructor(
    readonly facts: FileFacts,
    private readonly project: ProjectState,
  ) {
    this.summarise();
  }

  /**
   * The facts of the other program files this analysis reached, held for its lifetime: the
   * program's own cache may let a file go while this analysis still walks it.
   */
  private readonly programFiles = new Map<string, FileFacts | undefined>();

  private programFile(fileName: string): FileFacts | undefined {
    if (this.programFiles.has(fileName)) return this.programFiles.get(fileName);
    const facts = factsOfProgramFile(this.project, fileName);
    this.programFiles.set(fileName, facts);
    return facts;
  }

  private functionFor(target: CallTarget, fromFile: string): FunctionFacts | undefined {
    if (target.kind === 'function') {
      const facts = fromFile === this.facts.file ? this.facts : (this.programFile(fromFile) ?? factsOfModule(fromFile, this.project.extra));
      return facts?.functions.get(target.fn);
    }
    if (target.kind === 'export') {
      const file = resolveModule(target.module);
      return file === undefined ? undefined : factsOfModule(file, this.project.extra)?.exportedFunction(target.name);
    }
    const facts = this.programFile(target.declaration.getSourceFile().fileName);
    return facts?.functionOfDeclaration(target.declaration);
  }

  /**
   * Rewrites a callee's acquisition into the caller's terms: a parameter's lock (`param:0`) and a
   * parameter used as a key (`@param:1`) become the arguments, the callee's `this` becomes the
   * receiver, and a lock the callee creates locally is a new lock for every call.
   */
  private translate(site: CallSite, callee?: FunctionFacts): (acquisition: Acquisition) => Acquisition | undefined {
    return (acquisition: Acquisition) => {
      const requires = this.translateRequires(site, acquisition.requires);
      if (requires === null) return undefined;
      const translated = this.translateLock(site, callee, acquisition);
      if (!translated) return undefined;
      const whenFree = translated.whenFree || site.freeLocks?.has(translated.lock.key);
      if (!whenFree && requires === acquisition.requires) return translated;
      const { requires: _dropped, ...rest } = translated;
      return { ...rest, ...(whenFree ? { whenFree: true } : {}), ...(requires ? { requires } : {}) };
    };
  }

  /**
   * The callee's conditions on its parameters, judged by this call's arguments: `null` when one is
   * contradicted (the acquisition is never reached from here), the rest in the caller's terms
   * together with the call's own conditions.
   */
  private translateRequires(site: CallSite, requires: Acquisition['requires']): Acquisition['requires'] | null {
    if (!requires && !site.requires) return undefined;
    const kept: { value: string; truthy: boolean }[] = [...(site.requires ?? [])];
    for (const condition of requires ?? []) {
      const match = /^@param:(\d+)(.*)$/s.exec(condition.value);
      if (!match) continue;
      const index = Number(match[1]);
      const parent = condition.value.slice(0, condition.value.lastIndexOf('.'));
      const known =
        site.argumentTruths?.get(condition.value) ??
        (index >= site.argumentKeys.length || (match[2] !== '' && site.closedArguments?.has(parent)) ? false : undefined);
      if (known !== undefined) {
        if (known !== condition.truthy) return null;
        continue;
      }
      const argument = site.argumentKeys[index];
      // Only a condition on the caller's own parameters can be judged further up.
      if (argument?.startsWith('@param:')) kept.push({ value: argument + match[2], truthy: condition.truthy });
    }
    return kept.length > 0 ? kept : undefined;
  }

  private translateLock(site: CallSite, callee: FunctionFacts | undefined, acquisition: Acquisition): Acquisition | undefined {
    let key = acquisition.lock.key;
    let display = acquisition.lock.display;
    if (key.includes('@param:')) {
      let unknown = false;
      key = key.replace(/@param:(\d+)/g, (_, index: string) => {
        const argument = site.argumentKeys[Number(index)];
        if (argument === undefined) unknown = true;
        return argument ?? '';
      });
      // A key the caller does not pin down is possibly any lock: it matches nothing.
      if (unknown) return undefined;
    }
    const match = /^param:(\d+)(.*)$/s.exec(key);
    if (match) {
      const argument = site.argumentLocks[Number(match[1])];
      if (!argument) return undefined;
      let result: Acquisition = { ...acquisition, lock: { key: argument.id.key + match[2], display: argument.id.display + match[2] } };
      if (acquisition.flavor === PARAMETER_KIND.flavor && argument.kind.cls !== 'parameter') {
        // What the untyped parameter's method does is now known from the argument's library.
        const how = acquireMethodOf(argument.kind, acquisition.api);
        if (!how) return undefined;
        result = {
          ...result,
          flavor: argument.kind.flavor,
          mode: how.mode ?? argument.kind.mode,
          blocking: acquisition.blocking && argument.kind.blocking,
          confidence: argument.kind.lowConfidence ? 'low' : acquisition.confidence,
        };
      }
      return result;
    }
    if (site.receiver !== undefined) {
      // The callee's `this` is the receiver: its instance fields are the receiver's.
      key = rerootKey(key, site.receiver).replace(/\[@this\b/g, `[@${site.receiver}`);
    }
    const local = /#[^#\u0001]*@(\d+)(?:\[.*)?$/s.exec(key);
    if (callee && local && !key.includes('\u0001') && !key.startsWith('weblock:')) {
      const offset = Number(local[1]);
      const node = callee.node;
      if (offset >= node.range[0] && offset < node.range[1]) key = `${key}~${site.span.file}:${site.span.line}:${site.span.column}`;
    }
    return key === acquisition.lock.key && display === acquisition.lock.display ? acquisition : { ...acquisition, lock: { key, display } };
  }

  private stepNote(site: CallSite): string {
    return site.runUnder || site.runBy ? `runs ${site.name} under the lock` : `calls ${site.name}`;
  }

  /** Summaries of every function of this file and everything they call, to a fixpoint. */
  private summarise(): void {
    const seen = new Set<string>();
    const queue = [...this.facts.functions.values()];
    while (queue.length > 0) {
      const fn = queue.pop()!;
      if (seen.has(fn.key)) continue;
      seen.add(fn.key);
      this.closure.push(fn);
      for (const site of fn.sites) {
        if (site.kind !== 'call') continue;
        for (const target of site.targets) {
          const callee = this.functionFor(target, fn.file);
          if (callee && !seen.has(callee.key)) queue.push(callee);
        }
      }
    }
    // Which helpers run which parameters decides whether a function passed by reference runs.
    this.summariseHelpers();
    const nodes = new Map<string, SummaryNode<string>>();
    for (const fn of this.closure) {
      const direct: Acquisition[] = [];
      const edges: SummaryEdge<string>[] = [];
      for (const site of fn.sites) {
        if (!site.inFlow) continue;
        if (site.kind === 'acquire') {
          direct.push(site.acquisition);
          continue;
        }
        if (site.runBy && !this.runsParameter(fn, site.runBy.call, site.runBy.index)) continue;
        for (const target of site.targets) {
          const callee = this.functionFor(target, fn.file);
          if (callee) edges.push({ callee: callee.key, step: { span: site.span, note: this.stepNote(site) }, translate: this.translate(site, callee) });
        }
      }
      nodes.set(fn.key, { direct, edges });
    }
    for (const [key, summary] of computeLockSummaries(nodes)) this.summaries.set(key, summary);
  }

  /** Some callee of `call` runs its parameter `index` in its own flow. */
  private runsParameter(fn: FunctionFacts, call: CallSite, index: number): boolean {
    return call.targets.some((target) => {
      const callee = this.functionFor(target, fn.file);
      return callee !== undefined && this.paramRuns.get(callee.key)?.has(index) === true;
    });
  }

  /** Locks a helper holds while it runs its parameter `index` (`#withLock(fn)`), by function key. */
  private readonly paramRuns = new Map<string, Map<number, HeldSet>>();
  /** Locks a helper hands back to its caller held (`acquireFor(key)` returning a releaser). */
  private readonly returnedGuards = new Map<string, HeldSet>();
  private helpersDone = false;

  /**
   * The helper summaries, to a fixpoint: a function runs its parameter under the locks held
   * where it calls it (directly, or where it passes it on to another such helper), and returns
   * the guards whose releaser (or disposable) leaves it through a `return`.
   */
  private summariseHelpers(): void {
    for (let changed = true, rounds = 0; changed && rounds < 32; rounds++) {
      changed = false;
      const add = (set: HeldSet, entry: HeldEntry): void => {
        const id = reachedKey(entry.acquisition);
        const current = set.get(id);
        if (current && current.chain.length <= entry.chain.length) return;
        set.set(id, entry);
        changed = true;
      };
      for (const fn of this.closure) {
        let runs = this.paramRuns.get(fn.key);
        if (!runs) this.paramRuns.set(fn.key, (runs = new Map()));
        let returned = this.returnedGuards.get(fn.key);
        if (!returned) this.returnedGuards.set(fn.key, (returned = new Map()));
        const runsOf = (index: number): HeldSet => {
          let set = runs!.get(index);
          if (!set) {
            runs!.set(index, (set = new Map()));
            changed = true;
          }
          return set;
        };
        for (const site of fn.sites) {
          if (site.kind === 'acquire') {
            if (site.returned && (site.guard?.kind !== 'callback' || site.guard.handedOut)) add(returned, { acquisition: site.acquisition, chain: [] });
            continue;
          }
          const held = this.heldEntries(fn, site);
          if (site.param !== undefined && (site.inFlow || held.length > 0)) {
            const set = runsOf(site.param);
            for (const entry of held) add(set, entry);
          }
          for (const target of site.targets) {
            const callee = this.functionFor(target, fn.file);
            if (!callee) continue;
            const translate = this.translate(site, callee);
            const step: WitnessStep = { span: site.span, note: this.stepNote(site) };
            if (site.returned) {
              for (const entry of this.returnedGuards.get(callee.key)?.values() ?? []) {
                const acquisition = translate(entry.acquisition);
                if (acquisition) add(returned, { acquisition, chain: [step, ...entry.chain] });
              }
            }
            site.argumentParams.forEach((param, index) => {
              const calleeRuns = param === undefined ? undefined : this.paramRuns.get(callee.key)?.get(index);
              if (param === undefined || !calleeRuns || (!site.inFlow && held.length === 0 && calleeRuns.size === 0)) return;
              const set = runsOf(param);
              for (const entry of held) add(set, entry);
              for (const entry of calleeRuns.values()) {
                const acquisition = translate(entry.acquisition);
                if (acquisition) add(set, { acquisition, chain: [step, ...entry.chain] });
              }
            });
          }
        }
      }
    }
    this.helpersDone = true;
  }

  /** The locks held at a site: its own function's guards and those held by helpers it is passed to. */
  private heldEntries(fn: FunctionFacts, site: Site): HeldEntry[] {
    const direct = (fn.guardsAt.get(site) ?? []).map((guard) => ({ acquisition: guard.acquisition, chain: [] }));
    const derived = this.helperGuards(fn, site).map((guard) => ({ acquisition: guard.acquisition, chain: guard.through ?? [] }));
    return [...direct, ...derived];
  }

  private readonly helperGuardMemo = new Map<string, AcquireSite[]>();

  /**
   * Guards held at `site` by calls of helpers: a callback argument that the helper runs under a
   * lock (`this.#withLock(async () => { … })`), or a releaser a helper handed back
   * (`const release = await this.acquireFor(key)`). Each is an acquisition at the helper's call.
   */
  helperGuards(fn: FunctionFacts, site: Site): AcquireSite[] {
    const guards: AcquireSite[] = [];
    for (const { call, index } of fn.callGuardsAt.get(site) ?? []) guards.push(...this.guardsOfCall(fn, call, index));
    if (site.kind === 'call' && site.runBy) guards.push(...this.guardsOfCall(fn, site.runBy.call, site.runBy.index));
    return guards;
  }

  private guardsOfCall(fn: FunctionFacts, call: CallSite, index: number | undefined): AcquireSite[] {
    const memoKey = `${fn.key}:${call.node.range[0]}:${index ?? 'result'}`;
    const memo = this.helpersDone ? this.helperGuardMemo.get(memoKey) : undefined;
    if (memo) return memo;
    const guards: AcquireSite[] = [];
    const callee = unwrapCallee(call);
    const span = spanOf(fn.file, { start: call.node.loc.start, end: callee.loc.end });
    const callback = index === undefined ? undefined : call.callbacks.find((argument) => argument.index === index)?.fn;
    for (const target of call.targets) {
      const calleeFacts = this.functionFor(target, fn.file);
      if (!calleeFacts) continue;
      const held = index === undefined ? this.returnedGuards.get(calleeFacts.key) : this.paramRuns.get(calleeFacts.key)?.get(index);
      const translate = this.translate(call, calleeFacts);
      for (const entry of held?.values() ?? []) {
        const acquisition = translate(entry.acquisition);
        if (!acquisition) continue;
        guards.push({
          kind: 'acquire',
          // Calls that hold through a callback or a returned releaser are call expressions.
          node: call.node as TSESTree.CallExpression,
          span,
          acquisition: { ...acquisition, api: call.name.replace(/\(\)$/, '') },
          guard: index !== undefined ? { kind: 'callback', callback } : call.resultScope,
          owner: fn.node,
          inFlow: call.inFlow,
          through: [{ span: call.span, note: this.stepNote(call) }, ...entry.chain],
          throughApi: entry.acquisition.api,
        });
      }
    }
    if (this.helpersDone) this.helperGuardMemo.set(memoKey, guards);
    return guards;
  }

  /** What a site may take, each with the chain of calls from the site down to the acquisition. */
  reachedAt(fn: FunctionFacts, site: Site): ReachedAcquisition[] {
    if (site.kind === 'acquire') return [{ acquisition: site.acquisition, chain: [] }];
    const reached: ReachedAcquisition[] = [];
    for (const target of site.targets) {
      const callee = this.functionFor(target, fn.file);
      const summary = callee && this.summaries.get(callee.key);
      const translate = this.translate(site, callee);
      for (const entry of summary?.values() ?? []) {
        const acquisition = translate(entry.acquisition);
        if (acquisition) reached.push({ acquisition, chain: [{ span: site.span, note: this.stepNote(site) }, ...entry.chain] });
      }
    }
    return reached;
  }

  /**
   * What `reached` asks of the lock `held` names, in `fn`: a lock injected into two objects is
   * one lock on the instances built that way (`injected`: the construction that passes it).
   */
  requestOf(fn: FunctionFacts, held: Acquisition, reached: Acquisition): { requested: Acquisition; injected?: SourceSpan } {
    const injected = held.lock.key === reached.lock.key ? undefined : this.facts.sharedInjection(fn.node, held.lock.key, reached.lock.key);
    return injected ? { requested: { ...reached, lock: held.lock }, injected } : { requested: reached };
  }

  /** Guards of this file that are alive where the same lock is requested again. */
  guardConflicts(): readonly GuardConflict[] {
    if (this.conflictsMemo) return this.conflictsMemo;
    const found: GuardConflict[] = [];
    const reported = new Set<string>();
    for (const fn of this.facts.functions.values()) {
      for (const site of fn.sites) {
        const held = [...(fn.guardsAt.get(site) ?? []), ...this.helperGuards(fn, site)];
        if (held.length === 0) continue;
        const reachedList = this.reachedAt(fn, site);
        for (const guard of held) {
          // An untyped parameter is a lock only where a caller passes one: its callers see it.
          if (guard.acquisition.flavor === PARAMETER_KIND.flavor) continue;
          for (const reached of reachedList) {
            const { requested, injected } = this.requestOf(fn, guard.acquisition, reached.acquisition);
            if (!conflicts(guard.acquisition, requested)) continue;
            const kind = guard.acquisition.mode !== 'exclusive' && requested.mode === 'exclusive' ? 'upgrade' : 'nested';
            const id = `${guard.span.line}:${guard.span.column}:${guard.acquisition.lock.key}:${kind}`;
            if (reported.has(id)) continue;
            reported.add(id);
            found.push({ kind, guard, site, reached, ...(injected ? { injected } : {}) });
          }
        }
      }
    }
    this.conflictsMemo = found;
    return found;
  }

  /** Lock orders observed in this file (`local`) and in everything it reaches (`all`). */
  lockOrderEdges(): { readonly local: readonly LockOrderEdge[]; readonly all: readonly LockOrderEdge[] } {
    if (this.edgesMemo) return this.edgesMemo;
    const local: LockOrderEdge[] = [];
    const all: LockOrderEdge[] = [];
    for (const fn of this.closure) {
      for (const site of fn.sites) {
        const held = [...(fn.guardsAt.get(site) ?? []), ...this.helperGuards(fn, site)];
        if (held.length === 0) continue;
        for (const reached of this.reachedAt(fn, site)) {
          for (const outer of held) {
            const from = outer.acquisition.lock.key;
            const to = reached.acquisition.lock.key;
            // Parameters (and keys that are parameters) name different values in different functions.
            if (from === to || !reached.acquisition.blocking || isParameterRelative(from) || isParameterRelative(to)) continue;
            const edge = { outer, site, reached };
            all.push(edge);
            if (fn.file === this.facts.file) local.push(edge);
          }
        }
      }
    }
    this.edgesMemo = { local, all };
    return this.edgesMemo;
  }

  /** Releaser guards of this file with the exits that leave them held, helpers' releasers included. */
  releaseLeaks(): ReadonlyMap<AcquireSite, readonly ReleaseLeak[]> {
    const leaks = new Map(this.facts.releaseLeaks);
    for (const fn of this.facts.functions.values()) {
      for (const site of fn.sites) {
        if (site.kind !== 'call' || site.resultScope?.kind !== 'releaser') continue;
        const guard = this.guardsOfCall(fn, site, undefined).find((held) => held.acquisition.flavor !== PARAMETER_KIND.flavor);
        if (guard) leaks.set(guard, this.facts.releaseLeaksOfResult(site));
      }
    }
    return leaks;
  }
}
