// Phrases shared by the Rust rules' messages: what is held, where it is released, what
// conflicts, through which calls. Messages follow clippy's shape: what is wrong, why, the fix.
import type { Acquisition, RelatedLocation, SourceSpan, WitnessStep } from '../core/model.js';
import type { LockConflict } from './conflicts.js';
import type { GuardFact } from './facts.js';

function modeWord(a: Acquisition): string {
  if (a.flavor.outcome === 'panic') return a.mode === 'exclusive' ? 'mutable borrow' : 'borrow';
  if (a.mode === 'shared') return 'read';
  if (a.mode === 'upgradable') return 'upgradable read';
  return a.flavor.name.endsWith('RwLock') ? 'write' : 'lock';
}

/** `\`Proxy.load\` (read, via \`load.read()\`)` */
export function describeAcquisition(a: Acquisition): string {
  const api = a.api.endsWith('()') ? a.api : `${a.api}()`;
  return `\`${a.lock.display}\` (${modeWord(a)}, \`${api}\`)`;
}

export function describeGuard(guard: GuardFact): string {
  const a = guard.acquisition;
  const what = `${a.flavor.outcome === 'panic' ? 'RefCell ' : ''}${modeWord(a)} guard of \`${a.lock.display}\``;
  if (guard.returnedBy?.whileRunningClosure) return `the ${what} that \`${guard.returnedBy.fnName}()\` holds while it runs this closure`;
  if (guard.returnedBy) return `the ${what} returned by \`${guard.returnedBy.fnName}()\``;
  if (guard.heldBySelf) return `the ${what} that \`${guard.heldBySelf}\` holds`;
  if (guard.binding) return `the ${what} bound to \`${guard.binding}\``;
  return `the ${what}`;
}

/** The release is in the guard's own function, so its line says where; the related locations carry the full place. */
export function describeRelease(guard: GuardFact): string {
  if (!guard.release) return 'is never released in this function';
  return `lives until line ${guard.release.span.line} (${guard.release.note})`;
}

/** Why a scrutinee guard is alive where it is, by construct and edition. */
export function scrutineeLifetimeNote(guard: GuardFact, edition: number): string {
  switch (guard.construct) {
    case 'match':
      return 'a `match` scrutinee\'s temporaries live until the end of the whole `match` statement, through every arm';
    case 'if let':
      return edition >= 2024
        ? 'an `if let` scrutinee\'s temporaries live through the then block'
        : `in edition ${edition}, an \`if let\` scrutinee's temporaries live through the then block AND the else block`;
    case 'let chain':
      return 'a let chain\'s scrutinee temporaries live through the then block';
    case 'while let':
      return 'a `while let` scrutinee\'s temporaries live through each iteration\'s body';
    case 'for':
      return 'a `for` loop\'s iterator expression (and its temporaries) live through the whole loop';
    default:
      return '';
  }
}

/**
 * `calls \`f\` → \`g\`, which takes …`: names, not places, so the headline stays short; each call's
 * place and the acquisition's are related locations.
 */
export function describeChain(chain: readonly WitnessStep[], requested: Acquisition): string {
  const calls = chain.map((s) => s.note.replace(/^calls /, '')).join(' → ');
  const target = `takes ${describeAcquisition(requested)}`;
  return calls ? `calls ${calls}, which ${target}` : target;
}

export function outcomeWord(a: Acquisition): string {
  const word = a.flavor.outcome === 'panic' ? 'panics (already borrowed)' : 'deadlocks';
  // A lock a helper chose among several (`either(…)`, see values.ts `eitherLock`).
  return a.lock.key.startsWith('either(') ? `${word} when the helper chose the same lock both times` : word;
}

/** Related spans: each call of the chain, the conflicting acquisition, the guard's release. */
export function conflictRelated(conflict: LockConflict, where?: string): RelatedLocation[] {
  const related: RelatedLocation[] = [];
  conflict.chain.forEach((step, i) => {
    related.push({ span: step.span, message: i === 0 && where ? `${where} ${step.note}` : step.note });
  });
  related.push({
    span: conflict.requested.span,
    message: `${describeAcquisition(conflict.requested)} requested here while the guard is held`,
  });
  const guard = conflict.held.guard;
  if (guard.returnedBy) {
    related.push({ span: guard.returnedBy.inner.span, message: `\`${guard.returnedBy.fnName}\` acquires the guard here` });
  }
  if (guard.release) related.push({ span: guard.release.span, message: `guard released here (${guard.release.note})` });
  return related;
}

export function spanKey(span: SourceSpan): string {
  return `${span.file}:${span.line}:${span.column}`;
}
