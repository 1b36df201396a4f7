// lock-upgrade: a shared guard (read, borrow, upgradable read) is alive when exclusive access to
// the same lock is requested. RwLocks cannot be upgraded in place; RefCell panics.
import { conflictIsCertain, conflictRule } from '../conflicts.js';
import { conflictRelated, describeChain, describeGuard, describeRelease, outcomeWord } from '../describe.js';
import { conflictSite, dropBefore, firstPerGuard, storedCallbackCondition, storedCallbackFix, type RustFinding, type RustRule } from './rule.js';

export const lockUpgrade: RustRule = {
  id: 'lock-upgrade',
  check({ conflicts }) {
    const mine = firstPerGuard(conflicts.filter((c) => conflictRule(c) === 'lock-upgrade'));
    return mine.map((c): RustFinding => {
      const guard = c.held.guard;
      const isRefCell = c.requested.flavor.outcome === 'panic';
      const callback = c.event.kind === 'call' ? c.event.storedCallback : undefined;
      const fix = callback
        ? storedCallbackFix
        : isRefCell
        ? 'end the `borrow()` (clone what you need, or scope it) before `borrow_mut()`'
        : guard.acquisition.mode === 'upgradable'
          ? 'use `RwLockUpgradableReadGuard::upgrade(guard)` instead of a second `write()`'
          : `drop the read guard${guard.binding ? ` (\`drop(${guard.binding})\`)` : ''} before asking for write access, and re-check what you read, or take the write lock from the start`;
      return {
        rule: 'lock-upgrade',
        span: guard.acquisition.span,
        message:
          `${describeGuard(guard)} is still held when the code ${describeChain(c.chain, c.requested)}: ` +
          `${c.maybeSameElement ? 'both are elements of one row of locks, and nothing on the path says the two indices differ: when they are equal, ' : ''}asking for exclusive access while holding shared access ${outcomeWord(c.requested)}${callback ? ` ${storedCallbackCondition}` : ''}. ` +
          `The guard ${describeRelease(guard)}. Fix: ${fix}.`,
        related: conflictRelated(c),
        certain: conflictIsCertain(c),
        // An upgradable guard's fix is `upgrade`, not a drop.
        ...(guard.acquisition.mode === 'upgradable' ? {} : dropBefore(guard, conflictSite(c))),
      };
    });
  },
};
