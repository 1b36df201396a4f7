// guard-across-branch: a guard made in a match / if let / while let scrutinee or a for iterator
// is alive in an arm that takes a conflicting lock on the same lock. The seed incident's shape.
import { conflictIsCertain, conflictRule } from '../conflicts.js';
import { conflictRelated, describeChain, describeGuard, describeRelease, outcomeWord, scrutineeLifetimeNote } from '../describe.js';
import { firstPerGuard, type RustFinding, type RustRule } from './rule.js';

// Edition 2024 drops an `if let` scrutinee's temporaries before `else` only: it fixes a conflict
// in the then block of no crate, so it is offered only when every conflict of the guard is in `else`.
function fixFor(construct: string | undefined, edition: number, onlyInElse: boolean): string {
  const bind = 'bind what you need first (`let v = lock.read().get(k).cloned();`) so the guard drops before the branch';
  if (construct === 'if let' && edition < 2024 && onlyInElse) return `${bind}, or move the crate to edition 2024, where \`if let\` drops scrutinee temporaries before \`else\``;
  return `${bind}, or \`drop\` the guard before taking the lock again`;
}

export const guardAcrossBranch: RustRule = {
  id: 'guard-across-branch',
  check({ conflicts, edition }) {
    const all = conflicts.filter((c) => conflictRule(c) === 'guard-across-branch');
    return firstPerGuard(all).map((c): RustFinding => {
      const guard = c.held.guard;
      const onlyInElse = all.every((other) => other.held.guard.id !== guard.id || other.held.region === 'else block');
      const region = c.held.region ?? 'arm';
      const lifetime = scrutineeLifetimeNote(guard, edition);
      return {
        rule: 'guard-across-branch',
        span: guard.acquisition.span,
        message:
          `${describeGuard(guard)} is created in the \`${guard.construct}\` scrutinee and is still held in the ${region}, ` +
          `which ${describeChain(c.chain, c.requested)}: this ${outcomeWord(c.requested)}. ` +
          `The guard ${describeRelease(guard)}${lifetime ? `; ${lifetime}` : ''}. ` +
          `Fix: ${fixFor(guard.construct, edition, onlyInElse)}.`,
        related: conflictRelated(c, `the ${region}`),
        certain: conflictIsCertain(c),
        rewrites: [
          // Ending the `if let` early is the same program but for the guard; binding first may clone.
          ...(guard.construct === 'if let' && edition < 2024 && onlyInElse ? [{ kind: 'else-after-if-let' as const }] : []),
          ...(guard.construct === 'if let' || guard.construct === 'match' ? [{ kind: 'bind-first' as const }] : []),
        ],
      };
    });
  },
};
