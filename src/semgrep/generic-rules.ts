// The generic pack: one Semgrep rule per lexical check, each tied to a catalogue rule (severity,
// docs). Rules that need the call graph or two functions (lock-order inversions) are not here;
// `lockscope semgrep --project` emits the call-graph part for one codebase.
import { docsUrl, findRule, type RuleLanguage } from '../core/catalogue.js';
import {
  ALL_INITS,
  MUTEX,
  REFCELL,
  REFCELL_MUT,
  RW_READ,
  RW_UPGRADABLE,
  RW_WRITE,
  SYNC_INITS,
  scrutineeShapes,
  type LockFamily,
  type RustShape,
  type TsShape,
} from './lexical-shapes.js';

export type Level = 'LOW' | 'MEDIUM' | 'HIGH';

export interface PackRule {
  /** File name and the last part of the Semgrep id: `lockscope.<language>.<name>`. */
  readonly name: string;
  /** The catalogue rule whose severity and documentation this rule carries. */
  readonly catalogueId: string;
  readonly language: RuleLanguage;
  readonly message: string;
  readonly confidence: Level;
  readonly likelihood: Level;
  readonly impact: Level;
  readonly cwe: string;
  readonly shapes: { readonly rust?: readonly RustShape[]; readonly ts?: readonly TsShape[] };
}

export const CWE_DEADLOCK = 'CWE-833: Deadlock';
export const CWE_IMPROPER_LOCKING = 'CWE-667: Improper Locking';

const letGuards = (families: readonly LockFamily[]): RustShape[] => families.map((family) => ({ kind: 'let-guard', family, inits: ALL_INITS }));

export const GENERIC_RULES: readonly PackRule[] = [
  {
    name: 'guard-across-branch',
    catalogueId: 'guard-across-branch',
    language: 'rust',
    message:
      'The guard made in this scrutinee ($X.…) is a temporary of the scrutinee, so it lives through every `match` arm, the `if let` then-block, each `while let` iteration, or the whole `for` loop; locking $X again in there deadlocks (RefCell: panics). Bind the value with `let` first so the guard is dropped, or clone it out.',
    confidence: 'MEDIUM',
    likelihood: 'MEDIUM',
    impact: 'HIGH',
    cwe: CWE_DEADLOCK,
    shapes: { rust: scrutineeShapes(['match arms', 'if let then-block', 'while let body', 'for body']) },
  },
  {
    name: 'guard-across-branch-else',
    catalogueId: 'guard-across-branch',
    language: 'rust',
    message:
      'Before edition 2024, the temporaries of an `if let` scrutinee, here the guard of $X, live through the `else` block too; locking $X in `else` deadlocks (RefCell: panics). Bind the value with `let` before the `if let`, or move the crate to edition 2024 (then turn this rule off).',
    confidence: 'MEDIUM',
    likelihood: 'MEDIUM',
    impact: 'HIGH',
    cwe: CWE_DEADLOCK,
    shapes: { rust: scrutineeShapes(['if let else-block']) },
  },
  {
    name: 'double-lock',
    catalogueId: 'double-lock',
    language: 'rust',
    message:
      'The guard bound to $G is alive to the end of its block (NLL does not shorten it), so taking $X again here deadlocks (RefCell: panics). `drop($G)` first, or end its block before the second acquisition.',
    confidence: 'MEDIUM',
    likelihood: 'MEDIUM',
    impact: 'HIGH',
    cwe: CWE_DEADLOCK,
    shapes: { rust: letGuards([MUTEX, RW_WRITE, REFCELL_MUT, { ...RW_UPGRADABLE, conflicts: [RW_UPGRADABLE.held] }]) },
  },
  {
    name: 'lock-upgrade',
    catalogueId: 'lock-upgrade',
    language: 'rust',
    message:
      'The shared guard bound to $G (read / borrow) is alive while exclusive access to $X is requested; the request waits for $G forever (RefCell: panics). `drop($G)` before asking for write access, then re-check what you read.',
    confidence: 'MEDIUM',
    likelihood: 'MEDIUM',
    impact: 'HIGH',
    cwe: CWE_DEADLOCK,
    shapes: { rust: letGuards([RW_READ, REFCELL, { ...RW_UPGRADABLE, conflicts: [{ method: 'write', args: false }] }]) },
  },
  {
    name: 'guard-across-await',
    catalogueId: 'guard-across-await',
    language: 'rust',
    message:
      'The blocking guard (or RefCell borrow) bound to $G is alive at this `.await`: another task on the same thread that takes $X blocks the thread (or panics), and this task never resumes to release it. `drop($G)` before awaiting, or use an async lock (`tokio::sync::Mutex`).',
    confidence: 'MEDIUM',
    likelihood: 'MEDIUM',
    impact: 'MEDIUM',
    cwe: CWE_DEADLOCK,
    shapes: { rust: [MUTEX, RW_READ, RW_WRITE, REFCELL, REFCELL_MUT].map((family): RustShape => ({ kind: 'guard-at-await', family })) },
  },
  {
    name: 'no-nested-lock',
    catalogueId: 'no-nested-lock',
    language: 'ts',
    message:
      'This callback runs while $M is held, and it waits for $M again: async-mutex and async-lock are not reentrant, so the inner acquisition waits for the outer one forever. Call an unlocked helper inside the locked section.',
    confidence: 'MEDIUM',
    likelihood: 'MEDIUM',
    impact: 'HIGH',
    cwe: CWE_DEADLOCK,
    shapes: { ts: [{ kind: 'nested-callback', api: 'runExclusive' }, { kind: 'nested-callback', api: 'acquire-key' }] },
  },
  {
    name: 'no-lock-upgrade',
    catalogueId: 'no-lock-upgrade',
    language: 'ts',
    message:
      'Exclusive access to the lock is requested while shared access to it is held by this flow; the exclusive request waits for the shared holder, which waits for it. Release the shared lock first (let its callback settle, or call the releaser), then ask for exclusive access.',
    confidence: 'MEDIUM',
    likelihood: 'MEDIUM',
    impact: 'HIGH',
    cwe: CWE_DEADLOCK,
    shapes: { ts: [{ kind: 'web-locks-upgrade' }, { kind: 'mortice-upgrade' }] },
  },
  {
    name: 'release-on-every-path',
    catalogueId: 'release-on-every-path',
    language: 'ts',
    message:
      'The releaser $R is not called in a `finally` block, so an early return or a throw leaves $M locked for good. Wrap the locked section in `try { … } finally { $R(); }`, or use `runExclusive`.',
    confidence: 'MEDIUM',
    likelihood: 'MEDIUM',
    impact: 'HIGH',
    cwe: CWE_IMPROPER_LOCKING,
    shapes: { ts: [{ kind: 'releaser-without-finally' }] },
  },
];

export function semgrepId(language: RuleLanguage, name: string): string {
  return `lockscope.${language}.${name}`;
}

export function severityOf(catalogueId: string): 'ERROR' | 'WARNING' {
  const rule = findRule(catalogueId);
  if (!rule) throw new Error(`Semgrep pack rule refers to unknown catalogue rule "${catalogueId}"`);
  return rule.defaultSetting === 'error' ? 'ERROR' : 'WARNING';
}

/**
 * Registry metadata (semgrep-rules' metadata schema): correctness, not security, so no
 * `subcategory` (the registry uses it for security rules' `vuln` / `audit` only).
 */
export function registryMetadata(rule: Pick<PackRule, 'catalogueId' | 'language' | 'confidence' | 'likelihood' | 'impact' | 'cwe'>): Record<string, unknown> {
  return {
    category: 'correctness',
    technology: rule.language === 'rust' ? ['rust', 'concurrency'] : ['javascript', 'typescript', 'concurrency'],
    cwe: [rule.cwe],
    confidence: rule.confidence,
    likelihood: rule.likelihood,
    impact: rule.impact,
    references: [docsUrl(rule.catalogueId)],
    'source-rule-url': docsUrl(rule.catalogueId),
  };
}
