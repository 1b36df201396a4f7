// Wording shared by the TS/JS rules: what is held, until when, and the chain that reaches the
// conflicting acquisition. Messages name the lock, where it is held, the conflict and the fix.
import path from 'node:path';
import type { ReachedAcquisition, RelatedLocation, SourceSpan } from '../core/model.js';
import type { AcquireSite } from './facts.js';

/**
 * `src/store.ts:30`: relative to ESLint's working directory, as ESLint and the CLI name files (a
 * basename alone is ambiguous in a project with two `index.ts`).
 */
export function where(span: SourceSpan, cwd: string): string {
  return `${path.relative(cwd, span.file) || path.basename(span.file)}:${span.line}`;
}

/** `until its callback settles`, `until release()`. */
export function heldUntil(guard: AcquireSite): string {
  const scope = guard.guard;
  if (!scope || scope.kind === 'callback') return 'until its callback settles';
  if (scope.kind === 'disposable') return 'until the end of the `using` block';
  return `until ${scope.releaseText}`;
}

/** `this.refresh() → this.load() → this.mutex.runExclusive (store.ts:30)`. */
export function chainText(reached: ReachedAcquisition, cwd: string): string {
  const calls = reached.chain.map((step) => step.note.replace(/^calls /, '').replace(/^runs (.*) under the lock$/, '$1'));
  const final = `${reached.acquisition.api} (${where(reached.acquisition.span, cwd)})`;
  return [...calls, final].join(' → ');
}

/** The path as a phrase: `the nested locks.request` or `the call chain a() → b() → …`. */
export function pathPhrase(reached: ReachedAcquisition, cwd: string): string {
  return reached.chain.length === 0
    ? `the nested ${reached.acquisition.api} (${where(reached.acquisition.span, cwd)})`
    : `the call chain ${chainText(reached, cwd)}`;
}

function callName(note: string): string {
  return note.replace(/^calls /, '').replace(/^runs (.*) under the lock$/, '$1').replace(/\(\)$/, '').replace(/^this\./, '');
}

/**
 * How a helper holds the guard: `this.#withLock → acquire (store.ts:14)`; undefined for a lock
 * library's own acquisition.
 */
export function helperPath(guard: AcquireSite, cwd: string): string | undefined {
  if (!guard.through || guard.through.length === 0) return undefined;
  const calls = guard.through.map((step) => callName(step.note));
  return `${[...calls, guard.throughApi ?? 'acquire'].join(' → ')} (${where(guard.acquisition.span, cwd)})`;
}

/**
 * The whole chain of a nested acquisition through helpers, for the message: `addAccount →
 * #withLock → (callback) → addAccountFor → #withLock`.
 */
export function wrapperChain(guard: AcquireSite, reached: ReachedAcquisition, ownerName: string): string | undefined {
  if (!guard.through) return undefined;
  const held = guard.guard?.kind === 'callback' ? '(callback)' : '(holding)';
  const inner = reached.chain.map((step) => callName(step.note));
  return [ownerName, guard.acquisition.api.replace(/^this\./, ''), held, ...inner, reached.acquisition.api.replace(/^this\./, '')].join(' → ');
}

/** One related location per call of the chain, then the acquisition itself. */
export function chainLocations(reached: ReachedAcquisition, finalNote: string): RelatedLocation[] {
  return [
    ...reached.chain.map((step) => ({ span: step.span, message: step.note })),
    { span: reached.acquisition.span, message: finalNote },
  ];
}
