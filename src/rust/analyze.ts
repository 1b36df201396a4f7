// The Rust pipeline: files → crates → (pre-filtered, lazy) parse → facts → summaries → rules.
import { relative } from 'node:path';
import { RULES } from '../core/catalogue.js';
import { readSourceFile } from '../core/discover.js';
import type { AnalysisNote, Diagnostic, RuleSetting } from '../core/model.js';
import { findConflicts, findLockOrderEdges } from './conflicts.js';
import { CrateIndex } from './crate-index.js';
import { groupIntoCrates, type Edition } from './crates.js';
import type { FunctionFacts } from './facts.js';
import { RUST_RULES } from './rules/index.js';
import type { RustFinding } from './rules/rule.js';
import { CrateFacts } from './summaries.js';

export interface RustAnalysisOptions {
  readonly cwd: string;
  readonly edition?: Edition;
  /** Effective setting per rule id; rules absent here use their catalogue default. */
  readonly rules: Readonly<Record<string, RuleSetting>>;
}

export interface PhaseTimes {
  read: number;
  parse: number;
  index: number;
  facts: number;
  summaries: number;
  checks: number;
}

export interface RustAnalysis {
  readonly diagnostics: Diagnostic[];
  readonly notes: AnalysisNote[];
  readonly files: number;
  readonly lines: number;
  readonly bytes: number;
  /** Files actually parsed (pre-filter hits and the callees they led to). */
  readonly parsedFiles: number;
  readonly phases: PhaseTimes;
  /** Per-crate facts and summaries, for the Semgrep project pack and the ESLint language. */
  readonly crates: readonly { facts: CrateFacts; edition: Edition }[];
}

// A file that names a lock type, a guard type, or calls a zero-argument lock method may create a
// guard; every other file matters only if a guard holder calls into it, and is parsed lazily.
const MAY_LOCK = /\b(?:Mutex|RwLock|RefCell|DashMap|DashSet|ReentrantMutex|[A-Za-z]*Guard|Spinlock)\b|\.(?:lock|read|write|borrow|borrow_mut)\(\s*\)/;

// `name: Arc<RwLock<…>>` in a struct or a parameter: code that mentions `.name` may use that lock
// through any of its methods (`upgradable_read`, DashMap's `get`), wherever it is written.
const LOCK_FIELD = /\b([a-z_][a-z0-9_]*)\s*:\s*(?:&\s*(?:'\w+\s*)?(?:mut\s+)?)?(?:[A-Za-z_][\w:]*<\s*)*(?:[A-Za-z_]\w*::)*(?:Mutex|RwLock|RefCell|DashMap|DashSet|ReentrantMutex|FairMutex)\s*</g;

/** A test for text that may create a guard: the pre-filter, plus uses of lock-typed fields. */
function mayLockTest(lockTexts: Iterable<string>): (text: string) => boolean {
  const fields = new Set<string>();
  for (const text of lockTexts) for (const m of text.matchAll(LOCK_FIELD)) fields.add(m[1]);
  const fieldUse = fields.size > 0 ? new RegExp(`\\.(?:${[...fields].join('|')})\\b`) : undefined;
  return (text) => MAY_LOCK.test(text) || (fieldUse?.test(text) ?? false);
}

export function analyzeRust(files: readonly string[], options: RustAnalysisOptions): RustAnalysis {
  const phases: PhaseTimes = { read: 0, parse: 0, index: 0, facts: 0, summaries: 0, checks: 0 };
  const notes: AnalysisNote[] = [];
  const findings: { finding: RustFinding; crate: CrateFacts }[] = [];
  const crates: { facts: CrateFacts; edition: Edition }[] = [];
  let lines = 0;
  let bytes = 0;
  let parsedFiles = 0;

  for (const crate of groupIntoCrates(files, options.edition)) {
    let started = performance.now();
    const texts = new Map<string, string>();
    for (const file of crate.files) {
      const read = readSourceFile(file);
      // Spans carry the path as the user sees it: relative to the working directory.
      const shown = relative(options.cwd, file) || file;
      if (!read.ok) {
        notes.push({ file: shown, message: read.reason });
        continue;
      }
      texts.set(shown, read.text);
      bytes += read.text.length;
      for (let i = 0; i < read.text.length; i++) if (read.text.charCodeAt(i) === 10) lines++;
    }
    phases.read += performance.now() - started;

    const index = new CrateIndex(crate, texts);
    const crateFacts = new CrateFacts(index);
    const analysed = new Set<string>();
    const entries: FunctionFacts[] = [];
    // Functions that may hold a guard: those whose own text passes the pre-filter. The rest
    // get facts only when a check needs their summary.
    const analyseFunctions = (file: string, mayHold: (body: string) => boolean): void => {
      const parsed = index.file(file);
      for (const fn of parsed?.fns ?? []) {
        if (analysed.has(fn.key) || !mayHold(fn.node.text)) continue;
        analysed.add(fn.key);
        const facts = crateFacts.facts(fn);
        if (facts) entries.push(facts);
      }
    };
    const mayLock = mayLockTest([...texts.values()].filter((text) => MAY_LOCK.test(text)));
    const lockFiles = new Set([...texts].filter(([, text]) => mayLock(text)).map(([file]) => file));
    index.setLockFiles(lockFiles);
    for (const file of lockFiles) analyseFunctions(file, mayLock);
    // Callers of guard-returning helpers (`self.rl()`) hold guards without naming a lock type.
    const helperNames = new Set<string>();
    for (let i = 0; i < entries.length; i++) {
      const facts = entries[i];
      if (facts.returnedGuards.length > 0 && !helperNames.has(facts.fn.name)) {
        helperNames.add(facts.fn.name);
        const call = `${facts.fn.name}(`;
        for (const file of index.filesMentioningCall(facts.fn.name)) analyseFunctions(file, (body) => body.includes(call));
      }
    }
    crateFacts.summarise(entries);

    started = performance.now();
    const conflicts = findConflicts(crateFacts);
    const lockOrderEdges = findLockOrderEdges(crateFacts);
    for (const rule of RUST_RULES) {
      if (settingOf(rule.id, options.rules) === 'off') continue;
      for (const finding of rule.check({ crate: crateFacts, edition: crate.edition, conflicts, lockOrderEdges })) {
        findings.push({ finding, crate: crateFacts });
      }
    }
    phases.checks += performance.now() - started;
    phases.parse += index.parseMs;
    phases.index += index.indexMs;
    phases.facts += crateFacts.factsMs - index.parseMs;
    phases.summaries += crateFacts.summariesMs;
    parsedFiles += index.parsedCount;
    notes.push(...index.notes);
    crates.push({ facts: crateFacts, edition: crate.edition });
  }

  const diagnostics = dedupe(findings.map(({ finding }) => toDiagnostic(finding, options)));
  return {
    diagnostics,
    notes,
    files: files.length,
    lines,
    bytes,
    parsedFiles,
    phases,
    crates,
  };
}

export function settingOf(ruleId: string, rules: Readonly<Record<string, RuleSetting>>): RuleSetting {
  if (Object.hasOwn(rules, ruleId)) return rules[ruleId];
  return ruleDefaults.get(ruleId) ?? 'off';
}

const ruleDefaults = new Map(RULES.map((r) => [r.id, r.defaultSetting]));

function toDiagnostic(finding: RustFinding, options: RustAnalysisOptions): Diagnostic {
  const setting = settingOf(finding.rule, options.rules);
  const severity = setting === 'error' && finding.certain ? 'error' : 'warn';
  return { rule: finding.rule, severity, span: finding.span, message: finding.message, related: finding.related };
}

function dedupe(diagnostics: Diagnostic[]): Diagnostic[] {
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
