// The domain shared by every front end (Rust, TS/JS) and every face (CLI, ESLint, Semgrep).
// Front ends produce facts in these terms; summaries and checks consume only these terms.

/** 1-based line and column, end exclusive column, as every face reports them. */
export interface SourceSpan {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly endLine: number;
  readonly endColumn: number;
}

/**
 * How an acquisition uses the lock. `upgradable` is parking_lot's upgradable read: it coexists
 * with readers but not with writers or another upgradable reader.
 */
export type AccessMode = 'shared' | 'upgradable' | 'exclusive';

/** A Rust edition: it decides how long `if let` and tail-expression temporaries live. */
export type Edition = 2015 | 2018 | 2021 | 2024;

/** Rust lock type constructors, by the last segment of their type path (the configuration names them too). */
export type LockKind = 'Mutex' | 'RwLock' | 'ReentrantMutex' | 'RefCell' | 'DashMap' | 'DashSet';

/** What happens when two acquisitions of one lock conflict. */
export type ConflictOutcome = 'deadlock' | 'panic';

/** The behaviour of one lock implementation, which decides whether two accesses conflict. */
export interface LockFlavor {
  /** Human name used in messages, e.g. `std::sync::RwLock`. */
  readonly name: string;
  /** `deadlock` for real locks, `panic` for RefCell ("already borrowed"). */
  readonly outcome: ConflictOutcome;
  /**
   * Fair or write-preferring: a second shared acquisition can block behind a queued writer,
   * so shared + shared on one thread or task may deadlock.
   */
  readonly fair: boolean;
  /** Blocks the OS thread (std, parking_lot, spin) rather than a task (tokio, futures). */
  readonly blocksThread: boolean;
  /** The same thread may take it again (ReentrantMutex). */
  readonly reentrant: boolean;
}

/**
 * Identity of a lock: a path relative to its owning type (`Proxy.load`), a static
 * (`static CACHE`), a function-local binding (`fn build: m`), a Web Locks name, a module binding.
 * Identity is by type and field, not by instance.
 */
export interface LockId {
  readonly key: string;
  readonly display: string;
}

export type Confidence = 'high' | 'low';

/** One place where a lock is requested. */
export interface Acquisition {
  readonly lock: LockId;
  readonly mode: AccessMode;
  readonly flavor: LockFlavor;
  /** The API used, e.g. `read`, `borrow_mut`, `runExclusive`, `insert`. */
  readonly api: string;
  readonly span: SourceSpan;
  /** `try_*` and `ifAvailable` never wait, so they never complete a deadlock. */
  readonly blocking: boolean;
  readonly confidence: Confidence;
  /**
   * Reached only where a branch condition says this lock is free (`if (!m.isLocked())`): it
   * never runs while its own flow holds the lock, so it cannot be a nested acquisition.
   */
  readonly whenFree?: boolean;
  /**
   * Branch conditions on the summarised function's parameters that must hold to reach it
   * (`@param:1.skipLock` falsy): a caller whose arguments contradict one never reaches it.
   */
  readonly requires?: readonly { readonly value: string; readonly truthy: boolean }[];
}

/** One step of a witness chain: a call, or the final acquisition. */
export interface WitnessStep {
  readonly span: SourceSpan;
  /** e.g. `calls init_for`, `takes Proxy.load (write)` */
  readonly note: string;
}

/** A lock a call may take, with one shortest chain of calls that leads to it. */
export interface ReachedAcquisition {
  readonly acquisition: Acquisition;
  /** Calls from the function that was summarised down to the acquisition; empty when direct. */
  readonly chain: readonly WitnessStep[];
}

export type Severity = 'error' | 'warn';
export type RuleSetting = Severity | 'off';

export interface RelatedLocation {
  readonly span: SourceSpan;
  readonly message: string;
}

export interface Diagnostic {
  readonly rule: string;
  readonly severity: Severity;
  /** Where the guard is created: that is what the fix changes. */
  readonly span: SourceSpan;
  readonly message: string;
  readonly related: readonly RelatedLocation[];
  /**
   * Rewrites known to remove the conflict: ESLint offers them as suggestions, the text output
   * shows the rewritten code. Never applied on their own: they change when a lock is released.
   */
  readonly suggestions?: readonly Suggestion[];
}

/** One replacement in the diagnostic's file: UTF-16 offsets into its text, end exclusive. */
export interface TextEdit {
  readonly range: readonly [number, number];
  readonly text: string;
}

export interface Suggestion {
  /** What the rewrite does, as an imperative: `Drop \`guard\` before the call`. */
  readonly message: string;
  readonly edits: readonly TextEdit[];
}

/** Something the analysis could not do for a file, reported but never fatal. */
export interface AnalysisNote {
  readonly file: string;
  readonly message: string;
  readonly line?: number;
}

/**
 * Two access modes that exclude each other on any lock, fair or not: exclusive against anything,
 * and two upgradable reads. (Two shared accesses only block behind a queued writer.)
 */
export function modesAlwaysConflict(held: AccessMode, requested: AccessMode): boolean {
  return held === 'exclusive' || requested === 'exclusive' || (held === 'upgradable' && requested === 'upgradable');
}

export function conflicts(held: Acquisition, requested: Acquisition): boolean {
  if (held.lock.key !== requested.lock.key) return false;
  if (requested.whenFree) return false;
  if (!requested.blocking && requested.flavor.outcome === 'deadlock') return false;
  if (held.flavor.reentrant || requested.flavor.reentrant) return false;
  return modesAlwaysConflict(held.mode, requested.mode) || sharedPairMayBlock(held, requested);
}

/**
 * shared + shared only blocks on fair locks, and not with a recursive read (parking_lot's
 * `read_recursive`, whose api name carries it), and never for RefCell.
 */
export function sharedPairMayBlock(held: Acquisition, requested: Acquisition): boolean {
  if (held.mode === 'exclusive' || requested.mode === 'exclusive') return false;
  if (requested.api.endsWith('_recursive')) return false;
  // A held upgradable read keeps writers from claiming the lock, so no writer can queue ahead
  // of a later plain read (parking_lot's RawRwLock: UPGRADABLE excludes WRITER).
  if (held.mode === 'upgradable' && requested.mode === 'shared') return false;
  return requested.flavor.fair && requested.flavor.outcome === 'deadlock';
}

export function formatSpan(span: SourceSpan): string {
  return `${span.file}:${span.line}:${span.column}`;
}

/**
 * An ESLint message has no related locations, so the text names them after the message, as the
 * CLI lists them below it: `… (related: src/a.rs:3:5 calls \`f\`; src/b.rs:9:1 takes …)`.
 */
export function messageWithRelated(message: string, related: readonly RelatedLocation[]): string {
  if (related.length === 0) return message;
  return `${message} (related: ${related.map((r) => `${formatSpan(r.span)} ${r.message}`).join('; ')})`;
}
