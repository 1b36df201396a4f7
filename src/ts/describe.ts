// Wording shared by the TS/JS rules: what is held, until when, and the chain that reaches the
// conflicting acquisition. Messages name the lock, where it is held, the conflict and the fix.
import path from 'node:path';
import type { ReachedAcquisition, RelatedLocation, SourceSpan } from '../core/model.js';
import type { AcquireSite } from './fileFacts.js';

export function where(span: SourceSpan): string {
  return `${path.basename(span.file)}:${span.line}`;
}

/** `until its callback settles`, `until release()`. */
export function heldUntil(guard: AcquireSite): string {
  const scope = guard.guard;
  if (!scope || scope.kind === 'callback') return 'until its callback settles';
  if (scope.kind === 'disposable') return 'until the end of the `using` block';
  return `until ${scope.releaseText}`;
}

/** `this.refresh() → this.load() → this.mutex.runExclusive (store.ts:30)`. */
export function chainText(reached: ReachedAcquisition): string {
  const calls = reached.chain.map((step) => step.note.replace(/^calls /, '').replace(/^runs (.*) under the lock$/, '$1'));
  const final = `${reached.acquisition.api} (${where(reached.acquisition.span)})`;
  return [...calls, final].join(' → ');
}

/** The path as a phrase: `the nested locks.request` or `the call chain a() → b() → …`. */
export function pathPhrase(reached: ReachedAcquisition): string {
  return reached.chain.length === 0
    ? `the nested ${reached.acquisition.api} (${where(reached.acquisition.span)})`
    : `the call chain ${chainText(reached)}`;
}

/** One related location per call of the chain, then the acquisition itself. */
export function chainLocations(reached: ReachedAcquisition, finalNote: string): RelatedLocation[] {
  return [
    ...reached.chain.map((step) => ({ span: step.span, message: step.note })),
    { span: reached.acquisition.span, message: finalNote },
  ];
}
