// The Rust pipeline: files → crates → (pre-filtered, lazy) parse → facts → summaries → rules.
import { relative, resolve } from 'node:path';
import { RULES } from '../core/catalogue.js';
import { lineCount, readSourceFile, type SourceOverrides } from '../core/discover.js';
import type { AnalysisNote, Diagnostic, Edition, RuleSetting, Suggestion } from '../core/model.js';
import type { RustExtraLockApis } from '../core/config.js';
import { PhaseClock, RUST_PHASES, type RustPhase } from '../core/phase-clock.js';
import { findConflicts, findLockOrderEdges } from './conflicts.js';
import { findLockOrderCycles } from './lock-order-cycles.js';
import { CrateIndex, fileModule, libLayout, SharedDependencyFiles, type ModulePath } from './crate-index.js';
import { groupIntoCrates, type CrateInfo } from './crates.js';
import { linkDependencies, NO_DEPENDENCIES, type LinkedDependencies, type PathDependency } from './dependencies.js';
import type { FunctionFacts } from './facts.js';
import { suggestionFor } from './rewrites.js';
import { RUST_RULES } from './rules/index.js';
import type { RustFinding } from './rules/rule.js';
import { GUARD_TYPE_NAMES, MAY_LOCK, mayLockInCode, ZERO_ARG_LOCK_METHODS } from './lock-apis.js';
import { escapeRegex } from '../core/regex.js';
import { ParseAhead } from './parse-ahead.js';
import { CrateFacts } from './summaries.js';
import { typeHeadName, type Tree } from './syntax.js';
import { appendAll } from '../core/append.js';

export interface RustAnalysisOptions {
  readonly cwd: string;
  readonly edition?: Edition;
  /** Effective setting per rule id; rules absent here use their catalogue default. */
  readonly rules: Readonly<Record<string, RuleSetting>>;
  /** Keep every crate's facts in the result (Semgrep project pack, ESLint); costs memory. */
  readonly keepFacts?: boolean;
  /** In-house lock and guard types (`lockscope.config.json` `extraLockApis.rust`). */
  readonly extraLockApis?: RustExtraLockApis;
  /** Text to analyse instead of the file on disk (`--staged`: the staged content). */
  readonly sourceOverrides?: SourceOverrides;
  /**
   * Leave rewrites unspelled, for outputs that do not show them (JSON, SARIF, GitHub): spelling
   * one re-parses the finding's file, which on finding-dense code is a real share of the run.
   */
  readonly withoutSuggestions?: boolean;
  /**
   * Check only the crates whose roots (Cargo.toml directories) are listed; the others are read
   * only as dependencies. A worker thread gets every file of the run and checks the crates it is
   * handed.
   */
  readonly onlyCrates?: readonly string[];
  /**
   * Parse a large crate's lock files on a worker thread too (parse-ahead.ts): for a run whose
   * crates are not already spread over worker threads, one per core.
   */
  readonly parseAhead?: boolean;
}


export interface RustAnalysis {
  readonly diagnostics: Diagnostic[];
  readonly notes: AnalysisNote[];
  readonly files: number;
  readonly lines: number;
  readonly bytes: number;
  /** Files actually parsed (pre-filter hits and the callees they led to). */
  readonly parsedFiles: number;
  readonly phases: Readonly<Record<RustPhase, number>>;
  /** Per-crate facts and summaries, for the Semgrep project pack and the ESLint language. */
  readonly crates: readonly { facts: CrateFacts; edition: Edition }[];
}

/**
 * What the crates of one run share: how the files group into crates, and the dependency files and
 * manifests read (and parsed) once for all their dependants. A worker thread keeps one for every
 * crate it is handed.
 */
export interface RustRunContext {
  readonly crates: readonly CrateInfo[];
  readonly shared: SharedDependencyFiles;
  readonly manifests: Map<string, PathDependency[]>;
}

export function rustRunContext(files: readonly string[], options: RustAnalysisOptions): RustRunContext {
  return { crates: groupIntoCrates(files, options.edition), shared: new SharedDependencyFiles(), manifests: new Map() };
}

export function analyzeRust(files: readonly string[], options: RustAnalysisOptions, context: RustRunContext = rustRunContext(files, options)): RustAnalysis {
  const clock = new PhaseClock(RUST_PHASES);
  const notes: AnalysisNote[] = [];
  const diagnostics: Diagnostic[] = [];
  const crates: { facts: CrateFacts; edition: Edition }[] = [];
  let lines = 0;
  let bytes = 0;
  let parsedFiles = 0;

  const { crates: allCrates, shared, manifests } = context;
  const byRoot = new Map(allCrates.filter((c) => c.hasManifest).map((c) => [c.root, c]));
  const only = options.onlyCrates ? new Set(options.onlyCrates) : undefined;
  for (const crate of allCrates) {
    if (only && !only.has(crate.root)) continue;
    const { texts, absolute, bytes: crateBytes, lines: crateLines } = clock.run('read', () => readCrateTexts(crate.files, options.cwd, notes, options.sourceOverrides));
    bytes += crateBytes;
    lines += crateLines;
    const dependencies = clock.run('read', () => readDependencies(crate, (root) => byRoot.get(root), options, shared, manifests));
    const ahead = options.parseAhead ? ParseAhead.start(lockTexts(texts, extraNamesPattern(options.extraLockApis))) : undefined;
    const analysis = new CrateAnalysis(crate, texts, absolute, clock, options.extraLockApis, dependencies, shared, ahead && ((file, text) => ahead.tree(file, text)));
    try {
      appendAll(diagnostics, analysis.check(options.rules).map((finding) => toDiagnostic(finding, options.rules, options.withoutSuggestions ? () => undefined : (file) => analysis.source(file))));
    } finally {
      ahead?.close();
    }
    const index = analysis.index;
    parsedFiles += index.parsedCount;
    // A dependency's notes are its own analysis's to give.
    appendAll(notes, index.notes.filter((n) => index.isOwnFile(n.file)));
    if (options.keepFacts) crates.push({ facts: analysis.facts, edition: crate.edition });
  }

  return {
    diagnostics: dedupe(diagnostics),
    notes,
    files: files.length,
    lines,
    bytes,
    parsedFiles,
    phases: clock.totals,
    crates,
  };
}

/** A crate's dependencies of the run, with the texts of their library files. */
export interface DependencyTexts {
  readonly linked: LinkedDependencies;
  readonly texts: ReadonlyMap<string, string>;
  readonly absolute: ReadonlyMap<string, string>;
}

/**
 * The library files of the run's crates that `crate` depends on (transitively). Their binaries,
 * tests and examples are not part of what a dependant calls. Unreadable files are the note of
 * their own crate's analysis, not of every dependant's.
 */
export function readDependencies(crate: CrateInfo, crateAt: (root: string) => CrateInfo | undefined, options: Pick<RustAnalysisOptions, 'cwd' | 'sourceOverrides'>, shared: SharedDependencyFiles, manifests: Map<string, PathDependency[]>): DependencyTexts | undefined {
  const linked = linkDependencies(crate, crateAt, manifests);
  if (linked.crates.length === 0) return undefined;
  const libraryFiles = linked.crates.flatMap(({ crate: dep }) =>
    dep.files.filter((file) => {
      const inCrate = libLayout(relative(dep.root, resolve(file)), dep.libPath);
      return fileModule(inCrate).root === '' && inCrate !== 'src/main.rs';
    }),
  );
  const texts = new Map<string, string>();
  const absolute = new Map<string, string>();
  for (const file of libraryFiles) {
    const shown = relative(options.cwd, file) || file;
    if (!shared.texts.has(shown)) shared.texts.set(shown, readCrateTexts([file], options.cwd, [], options.sourceOverrides).texts.get(shown));
    const text = shared.texts.get(shown);
    if (text === undefined) continue;
    texts.set(shown, text);
    absolute.set(shown, file);
  }
  return { linked, texts, absolute };
}

/** Reads a crate's files, keyed by the path users see (relative to `cwd`); failures become notes. */
export function readCrateTexts(
  files: readonly string[],
  cwd: string,
  notes: AnalysisNote[],
  overrides?: SourceOverrides,
): { texts: Map<string, string>; absolute: Map<string, string>; bytes: number; lines: number } {
  const texts = new Map<string, string>();
  const absolute = new Map<string, string>();
  let bytes = 0;
  let lines = 0;
  for (const file of files) {
    const result = readSourceFile(file, overrides);
    const shown = relative(cwd, file) || file;
    if (!result.ok) {
      notes.push({ file: shown, message: result.reason });
      continue;
    }
    texts.set(shown, result.text);
    absolute.set(shown, file);
    bytes += result.text.length;
    lines += lineCount(result.text);
  }
  return { texts, absolute, bytes, lines };
}

/** One crate's index, facts and checks; reusable across edits (the ESLint face keeps it warm). */
export class CrateAnalysis {
  readonly index: CrateIndex;
  readonly facts: CrateFacts;

  private readonly dependencyTexts: ReadonlyMap<string, string>;

  constructor(
    readonly crate: CrateInfo,
    private readonly texts: Map<string, string>,
    absolute: ReadonlyMap<string, string>,
    private readonly clock: PhaseClock<RustPhase>,
    extraLockApis?: RustExtraLockApis,
    dependencies?: DependencyTexts,
    shared?: SharedDependencyFiles,
    parse?: (file: string, text: string) => Tree,
  ) {
    // A dependency's library file is a module under that crate's module root.
    const crateOfFile = new Map((dependencies?.linked.crates ?? []).flatMap((c) => c.crate.files.map((f) => [f, c] as const)));
    const dependencyOf = new Map<string, { crate: CrateInfo; moduleRoot: string }>();
    for (const [file, given] of dependencies?.absolute ?? []) {
      const linked = crateOfFile.get(given);
      if (linked) dependencyOf.set(file, linked);
    }
    // Asked for every file on most lookups; a file's module never changes while its crate is analysed.
    const modules = new Map<string, ModulePath>();
    const moduleOf = (file: string): ModulePath => {
      let module = modules.get(file);
      if (!module) {
        module = placeOf(file);
        Object.freeze(module.path);
        modules.set(file, module);
      }
      return module;
    };
    const placeOf = (file: string): ModulePath => {
      const dependency = dependencyOf.get(file);
      if (dependency) {
        const inDependency = relative(dependency.crate.root, resolve(dependencies!.absolute.get(file)!));
        return { root: dependency.moduleRoot, path: fileModule(libLayout(inDependency, dependency.crate.libPath)).path };
      }
      const inCrate = relative(crate.root, absolute.get(file) ?? file);
      // Files no Cargo.toml owns are read as one crate laid out like `src/`.
      return fileModule(crate.hasManifest ? libLayout(inCrate, crate.libPath) : `src/${inCrate}`);
    };
    this.dependencyTexts = new Map([...(dependencies?.texts ?? [])].filter(([file]) => !texts.has(file) && dependencyOf.has(file)));
    const indexed = this.dependencyTexts.size > 0 ? new Map([...texts, ...this.dependencyTexts]) : texts;
    this.index = new CrateIndex(crate, indexed, clock, moduleOf, extraLockApis, dependencies?.linked ?? NO_DEPENDENCIES, shared, parse);
    this.facts = new CrateFacts(this.index);
  }

  text(file: string): string | undefined {
    return this.texts.get(file);
  }

  /** A file's text and the index's parse of it, to spell rewrites without parsing again. */
  source(file: string): { text: string; tree?: Tree } | undefined {
    const text = this.texts.get(file);
    return text === undefined ? undefined : { text, tree: this.index.file(file)?.tree };
  }

  /** A file's text changed: re-index it alone and forget what was derived from it. */
  update(file: string, text: string): void {
    this.texts.set(file, text);
    this.index.updateFile(file, text);
    this.facts.forgetFile(file);
  }

  check(rules: Readonly<Record<string, RuleSetting>>): RustFinding[] {
    const findings: RustFinding[] = [];
    this.facts.summarise(guardHolders(this.index, this.facts, this.texts, this.dependencyTexts));
    this.clock.run('checks', () => {
      const conflicts = findConflicts(this.facts);
      const { edges: lockOrderEdges, argumentOrder: argumentOrderEdges } = findLockOrderEdges(this.facts);
      const lockOrderCycles = findLockOrderCycles(lockOrderEdges);
      for (const rule of RUST_RULES) {
        if (settingOf(rule.id, rules) === 'off') continue;
        appendAll(findings, rule.check({ crate: this.facts, edition: this.crate.edition, conflicts, lockOrderEdges, argumentOrderEdges, lockOrderCycles }));
      }
    });
    // A finding in a dependency is its own crate's analysis's to report.
    return findings.filter((f) => this.index.isOwnFile(f.span.file));
  }
}

/** In-house lock and guard types name no standard lock: the pre-filter looks for them too. */
function extraNamesPattern(extraLockApis: RustExtraLockApis | undefined): RegExp | undefined {
  const extraNames = [...Object.keys(extraLockApis?.lockTypes ?? {}), ...Object.keys(extraLockApis?.guardTypes ?? {})];
  return extraNames.length > 0 ? new RegExp(`\\b(?:${extraNames.map(escapeRegex).join('|')})\\b`) : undefined;
}

/** The pre-filter's hits, in the crate's order: files that may create a guard, and their texts. */
function lockTexts(texts: ReadonlyMap<string, string>, extraPattern: RegExp | undefined): Map<string, string> {
  return new Map([...texts].filter(([, text]) => mayLockInCode(text) || (extraPattern?.test(text) ?? false)));
}

/**
 * Facts for every function that may hold a guard, found without parsing the whole crate:
 * 1. files that name a lock type or call a lock method (the pre-filter), function by function;
 * 2. impls, anywhere in the crate, of structs with lock-typed or guard-typed fields, for
 *    functions that touch such a field (`self.map.get(k)` on a DashMap names no lock), and uses of lock statics;
 * 3. callers of guard-returning helpers (`self.rl()`) and of helpers that run a closure under a
 *    guard (`self.with_state(|s| …)`), which hold guards without naming a lock.
 * Other functions get facts only when a check needs their summary.
 */
function guardHolders(index: CrateIndex, crateFacts: CrateFacts, texts: ReadonlyMap<string, string>, dependencyTexts: ReadonlyMap<string, string>): FunctionFacts[] {
  const analysed = new Set<string>();
  const holders: FunctionFacts[] = [];
  const analyseFunctions = (file: string, mayHold: (body: string) => boolean): void => {
    const parsed = index.file(file);
    for (const fn of parsed?.fns ?? []) {
      if (analysed.has(fn.key) || !mayHold(parsed!.text.slice(fn.start, fn.end))) continue;
      analysed.add(fn.key);
      const facts = crateFacts.facts(fn);
      if (facts) holders.push(facts);
    }
  };
  const extraPattern = extraNamesPattern(index.extraLockApis);
  const lockFiles = [...lockTexts(texts, extraPattern).keys()];
  const lockNames = new Set<string>();
  const lockTypeNames = new Set<string>();
  const implementors = new Set<string>();
  for (const file of lockFiles) {
    const parsed = index.file(file);
    for (const struct of parsed?.structs ?? []) {
      let holdsLock = false;
      for (const [field, type] of struct.fields) {
        // A guard kept in a field is held by the struct's methods.
        const guardField = GUARD_TYPE_NAMES.has(typeHeadName(type.replace(/^&\s*('\w+\s*)?(mut\s+)?/, '')));
        if (!guardField && !index.typeMeaning(type, parsed!).lock) continue;
        lockNames.add(`.${field}`);
        holdsLock = true;
      }
      if (holdsLock) for (const f of index.implFiles(struct.name)) if (index.isOwnFile(f)) implementors.add(f);
    }
    for (const decl of parsed?.statics ?? []) if (index.typeMeaning(decl.type, parsed!).lock) lockNames.add(decl.name);
    // Other names of lock types: `type Sessions = Arc<DashMap<…>>;`, `use parking_lot::Mutex as PlMutex;`.
    for (const alias of parsed?.typeAliases ?? []) if (index.typeMeaning(alias.type, parsed!).lock) lockTypeNames.add(alias.name);
    for (const [name, path] of parsed?.imports ?? []) if (!path.endsWith(`::${name}`) && index.typeMeaning(name, parsed!).lock) lockTypeNames.add(name);
  }
  const names = [...[...lockNames].map((n) => (n.startsWith('.') ? n.replace('.', '\\.') : `\\b${escapeRegex(n)}`)), ...[...lockTypeNames].map((n) => `\\b${escapeRegex(n)}`)];
  const touchesLock = names.length > 0 ? new RegExp(`(?:${names.join('|')})\\b`) : undefined;
  const mayHold = (body: string): boolean => MAY_LOCK.test(body) || (touchesLock?.test(body) ?? false) || (extraPattern?.test(body) ?? false);
  // A file that names a lock type only by another name (an alias declared elsewhere) may lock too.
  const otherNames = lockTypeNames.size > 0 ? new RegExp(`\\b(?:${[...lockTypeNames].map(escapeRegex).join('|')})\\b`) : undefined;
  const aliasUsers = otherNames ? [...texts].filter(([, text]) => otherNames.test(text)).map(([file]) => file) : [];
  const candidates = new Set([...lockFiles, ...implementors, ...aliasUsers]);

  // Dependencies' files are not searched for guard holders (their own analysis does that), but a
  // lookup that stays within lock files (does this callee return a guard?) must reach theirs.
  const dependencyLockFiles = [...dependencyTexts].filter(([, text]) => mayLockInCode(text) || (extraPattern?.test(text) ?? false)).map(([file]) => file);
  index.setLockFiles(dependencyLockFiles.length > 0 ? new Set([...candidates, ...dependencyLockFiles]) : candidates);
  for (const file of candidates) analyseFunctions(file, mayHold);
  const helperNames = new Set<string>();
  const analyseCallers = (name: string): void => {
    if (helperNames.has(name)) return;
    helperNames.add(name);
    const call = `${name}(`;
    for (const file of index.filesMentioningCall(name)) analyseFunctions(file, (body) => body.includes(call));
  };
  // Functions declared to return a configured guard type are acquisitions wherever they are called.
  const guardTypes = index.extraLockApis.guardTypes;
  if (Object.keys(guardTypes).length > 0) {
    for (const file of candidates) {
      for (const fn of index.file(file)?.fns ?? []) {
        if (fn.returnType && Object.hasOwn(guardTypes, typeHeadName(fn.returnType))) analyseCallers(fn.name);
      }
    }
  }
  // A dependency's function declared to return a guard (`pub fn guard(&self) -> MutexGuard<…>`):
  // its callers here hold the guard. Read from the text, so the dependency is not parsed for it.
  for (const file of dependencyLockFiles) {
    for (const m of dependencyTexts.get(file)!.matchAll(GUARD_RETURNING_FN)) if (!ZERO_ARG_LOCK_METHODS.has(m[1])) analyseCallers(m[1]);
  }
  // Callers of helpers that return a guard, a lock (`fn offsets(&self) -> &DashMap<…>`) or run a
  // closure under a guard hold or lock it without naming a lock.
  for (let i = 0; i < holders.length; i++) {
    const { fn, returnedGuards, closureCalls, returnedLock } = holders[i];
    // `.lock()`, `.read()` with no argument already pass the pre-filter wherever they are called.
    const preFiltered = fn.params.length === 0 && ZERO_ARG_LOCK_METHODS.has(fn.name);
    if ((returnedGuards.length > 0 || closureCalls.size > 0 || returnedLock) && !preFiltered) analyseCallers(fn.name);
  }
  return holders;
}

const GUARD_RETURNING_FN = new RegExp(String.raw`\bfn\s+(?:r#)?(\w+)\s*(?:<[^{;(]*>)?\s*\([^{;]*?\)\s*->[^{;]*?\b(?:${[...GUARD_TYPE_NAMES].join('|')})\b`, 'g');

export function settingOf(ruleId: string, rules: Readonly<Record<string, RuleSetting>>): RuleSetting {
  if (Object.hasOwn(rules, ruleId)) return rules[ruleId];
  return ruleDefaults.get(ruleId) ?? 'off';
}

const ruleDefaults = new Map(RULES.map((r) => [r.id, r.defaultSetting]));

/** `sourceOf` gives a file's text (and parse), to spell the finding's rewrites as edits of it. */
export function toDiagnostic(finding: RustFinding, rules: Readonly<Record<string, RuleSetting>>, sourceOf: (file: string) => { text: string; tree?: Tree } | undefined): Diagnostic {
  const setting = settingOf(finding.rule, rules);
  const severity = setting === 'error' && finding.certain ? 'error' : 'warn';
  const source = finding.rewrites?.length ? sourceOf(finding.span.file) : undefined;
  const suggestions: Suggestion[] = [];
  for (const hint of source === undefined ? [] : (finding.rewrites ?? [])) {
    const suggestion = suggestionFor(source!.text, hint, finding.span, suggestions.length, source!.tree);
    if (suggestion) suggestions.push(suggestion);
  }
  return { rule: finding.rule, severity, span: finding.span, message: finding.message, related: finding.related, ...(suggestions.length > 0 ? { suggestions } : {}) };
}

export function dedupe(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const d of diagnostics) {
    const key = `${d.rule}|${d.span.file}|${d.span.line}|${d.span.column}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(d);
  }
  return out.sort((a, b) => (a.span.file < b.span.file ? -1 : a.span.file > b.span.file ? 1 : a.span.line - b.span.line || a.span.column - b.span.column));
}
