// Lock analysis of one linted TS/JS file: its facts, the summaries of everything it calls (across
// files when types are available), and the queries the rules ask. Computed once per parsed
// Program and shared by every rule.
import ts from 'typescript';
import { parseForESLint } from '@typescript-eslint/parser';
import type { ParserServicesWithTypeInformation, TSESLint, TSESTree } from '@typescript-eslint/utils';
import { conflicts, type Acquisition, type ReachedAcquisition } from '../core/model.js';
import { computeLockSummaries, type LockSummary, type SummaryEdge, type SummaryNode } from '../core/summaries.js';
import { buildFileFacts, lockFamily, rerootKey, type AcquireSite, type CallSite, type CallTarget, type FileFacts, type FunctionFacts, type Site } from './fileFacts.js';
import type { ReleaseLeak } from './releasePaths.js';
import { forgetReports } from './reports.js';

/** A held guard and a site in its flow that takes the same lock again (directly or by calls). */
export interface GuardConflict {
  readonly kind: 'nested' | 'upgrade';
  readonly guard: AcquireSite;
  readonly site: Site;
  /** The conflicting acquisition, with the chain of calls from `site` down to it. */
  readonly reached: ReachedAcquisition;
}

/** `outer` is held while `reached` (another lock) is taken: one observed lock order. */
export interface LockOrderEdge {
  readonly outer: AcquireSite;
  readonly site: Site;
  readonly reached: ReachedAcquisition;
}

interface ProjectState {
  /** Facts of the other files of a typed program, parsed on demand and shared between lints. */
  readonly files: Map<string, FileFacts | undefined>;
  readonly program?: ts.Program;
}

const typedPrograms = new WeakMap<ts.Program, ProjectState>();
const analyses = new WeakMap<TSESTree.Program, LockAnalysis>();

export interface AnalysisInput {
  readonly file: string;
  readonly ast: TSESTree.Program;
  readonly scopeManager: TSESLint.Scope.ScopeManager | null;
  readonly parserServices?: Partial<ParserServicesWithTypeInformation> | null;
}

/** The analysis of one parsed file, cached by its AST so every rule shares it. */
export function lockAnalysisOf(input: AnalysisInput): LockAnalysis {
  const cached = analyses.get(input.ast);
  if (cached) return cached;
  const typed = input.parserServices?.program ? (input.parserServices as ParserServicesWithTypeInformation) : undefined;
  let project: ProjectState = { files: new Map() };
  if (typed) {
    project = typedPrograms.get(typed.program) ?? { files: new Map(), program: typed.program };
    typedPrograms.set(typed.program, project);
  }
  // Name the file as the program does, so lock and function keys agree across files.
  const sourceFile = typed?.esTreeNodeToTSNodeMap.get(input.ast) as ts.SourceFile | undefined;
  const facts = buildFileFacts({ file: sourceFile?.fileName ?? input.file, ast: input.ast, scopeManager: input.scopeManager, typed });
  forgetReports(facts.file);
  const analysis = new LockAnalysis(facts, project);
  analyses.set(input.ast, analysis);
  return analysis;
}

/** Parses another file of the program (typed) so calls into it can be summarised. */
function factsOfProgramFile(project: ProjectState, fileName: string): FileFacts | undefined {
  if (project.files.has(fileName)) return project.files.get(fileName);
  let facts: FileFacts | undefined;
  const sourceFile = project.program?.getSourceFile(fileName);
  if (sourceFile && project.program) {
    try {
      const parsed = parseForESLint(sourceFile.text, {
        programs: [project.program],
        filePath: fileName,
        range: true,
        loc: true,
        tokens: false,
        comment: false,
        ecmaVersion: 'latest',
        sourceType: 'module',
      });
      const services = parsed.services.program ? (parsed.services as ParserServicesWithTypeInformation) : undefined;
      facts = buildFileFacts({ file: fileName, ast: parsed.ast as TSESTree.Program, scopeManager: parsed.scopeManager as never, typed: services });
    } catch {
      facts = undefined;
    }
  }
  project.files.set(fileName, facts);
  return facts;
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

  private functionFor(target: CallTarget, fromFile: string): FunctionFacts | undefined {
    if (target.kind === 'function') {
      const facts = fromFile === this.facts.file ? this.facts : factsOfProgramFile(this.project, fromFile);
      return facts?.functions.get(target.fn);
    }
    const facts = factsOfProgramFile(this.project, target.declaration.getSourceFile().fileName);
    return facts?.functionOfDeclaration(target.declaration);
  }

  /** Rewrites a callee's parameter-relative lock (`param:0`) into the argument's lock. */
  private translate(site: CallSite): SummaryEdge<string>['translate'] {
    return (acquisition: Acquisition) => {
      const match = /^param:(\d+)(.*)$/s.exec(acquisition.lock.key);
      if (!match) {
        if (site.receiver === undefined) return acquisition;
        // The callee's `this` is the receiver: its instance fields are the receiver's.
        const key = rerootKey(acquisition.lock.key, site.receiver);
        return key === acquisition.lock.key ? acquisition : { ...acquisition, lock: { ...acquisition.lock, key } };
      }
      const argument = site.argumentLocks[Number(match[1])];
      if (!argument) return undefined;
      return { ...acquisition, lock: { key: argument.key + match[2], display: argument.display + match[2] } };
    };
  }

  private stepNote(site: CallSite): string {
    return site.runUnder ? `runs ${site.name} under the lock` : `calls ${site.name}`;
  }

  /** Summaries of every function of this file and everything they call, to a fixpoint. */
  private summarise(): void {
    const nodes = new Map<string, SummaryNode<string>>();
    const seen = new Set<string>();
    const queue = [...this.facts.functions.values()];
    while (queue.length > 0) {
      const fn = queue.pop()!;
      if (seen.has(fn.key)) continue;
      seen.add(fn.key);
      this.closure.push(fn);
      const direct: Acquisition[] = [];
      const edges: SummaryEdge<string>[] = [];
      for (const site of fn.sites) {
        const callees = site.kind === 'call' ? site.targets.map((target) => this.functionFor(target, fn.file)) : [];
        for (const callee of callees) if (callee && !seen.has(callee.key)) queue.push(callee);
        if (!site.inFlow) continue;
        if (site.kind === 'acquire') direct.push(site.acquisition);
        else {
          for (const callee of callees) {
            if (callee) edges.push({ callee: callee.key, step: { span: site.span, note: this.stepNote(site) }, translate: this.translate(site) });
          }
        }
      }
      nodes.set(fn.key, { direct, edges });
    }
    for (const [key, summary] of computeLockSummaries(nodes)) this.summaries.set(key, summary);
  }

  /** What a site may take, each with the chain of calls from the site down to the acquisition. */
  reachedAt(fn: FunctionFacts, site: Site): ReachedAcquisition[] {
    if (site.kind === 'acquire') return [{ acquisition: site.acquisition, chain: [] }];
    const reached: ReachedAcquisition[] = [];
    const translate = this.translate(site)!;
    for (const target of site.targets) {
      const callee = this.functionFor(target, fn.file);
      const summary = callee && this.summaries.get(callee.key);
      for (const entry of summary?.values() ?? []) {
        const acquisition = translate(entry.acquisition);
        if (acquisition) reached.push({ acquisition, chain: [{ span: site.span, note: this.stepNote(site) }, ...entry.chain] });
      }
    }
    return reached;
  }

  /** Guards of this file that are alive where the same lock is requested again. */
  guardConflicts(): readonly GuardConflict[] {
    if (this.conflictsMemo) return this.conflictsMemo;
    const found: GuardConflict[] = [];
    const reported = new Set<string>();
    for (const fn of this.facts.functions.values()) {
      for (const site of fn.sites) {
        const held = fn.guardsAt.get(site);
        if (!held) continue;
        const reachedList = this.reachedAt(fn, site);
        for (const guard of held) {
          for (const reached of reachedList) {
            if (!conflicts(guard.acquisition, reached.acquisition)) continue;
            const kind = guard.acquisition.mode !== 'exclusive' && reached.acquisition.mode === 'exclusive' ? 'upgrade' : 'nested';
            const id = `${guard.span.line}:${guard.span.column}:${guard.acquisition.lock.key}:${kind}`;
            if (reported.has(id)) continue;
            reported.add(id);
            found.push({ kind, guard, site, reached });
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
        const held = fn.guardsAt.get(site);
        if (!held) continue;
        for (const reached of this.reachedAt(fn, site)) {
          for (const outer of held) {
            const from = outer.acquisition.lock.key;
            const to = reached.acquisition.lock.key;
            if (from === to || !reached.acquisition.blocking || from.startsWith('param:') || to.startsWith('param:')) continue;
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

  releaseLeaks(): ReadonlyMap<AcquireSite, readonly ReleaseLeak[]> {
    return this.facts.releaseLeaks;
  }
}
