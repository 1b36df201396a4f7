// double-lock: a guard (bound with `let`, or a temporary of the current statement) is alive when
// the same lock is taken again, directly or through calls.
import { conflictIsCertain, conflictRule } from '../conflicts.js';
import { conflictRelated, describeChain, describeGuard, describeRelease, outcomeWord } from '../describe.js';
import { conflictSite, dropBefore, firstPerGuard, storedCallbackCondition, storedCallbackFix, type RustFinding, type RustRule } from './rule.js';

export const doubleLock: RustRule = {
  id: 'double-lock',
  check({ conflicts }) {
    const mine = firstPerGuard(conflicts.filter((c) => conflictRule(c) === 'double-lock'));
    return mine.map((c): RustFinding => {
      const guard = c.held.guard;
      const certain = conflictIsCertain(c);
      const dispatched = c.event.kind === 'call' ? c.event.dispatchedTrait : undefined;
      const lastReference = c.event.kind === 'call' && c.event.lastReference === true;
      const callback = c.event.kind === 'call' ? c.event.storedCallback : undefined;
      const lowConfidence = c.requested.lock.key.startsWith('?') || c.held.guard.acquisition.lock.key.startsWith('?')
        ? 'this deadlocks if the receiver is a lock (its type was not resolved)'
        : c.requested.lock.key.startsWith('either(')
          ? `this ${outcomeWord(c.requested)}`
          : lastReference
        ? `this ${outcomeWord(c.requested)} when the value taken out here held the last \`Arc\`/\`Rc\` to what it points to (another clone kept alive elsewhere puts its \`Drop\` off until that one goes)`
          : callback
        ? `this ${outcomeWord(c.requested)} ${storedCallbackCondition}`
          : dispatched
        ? `this ${outcomeWord(c.requested)} when the \`dyn ${dispatched}\` is an object whose implementation takes it (not every implementation does)`
        : `this ${outcomeWord(c.requested)} if both are the same object's lock (the second is reached through a shared pointer another object holds, so only its type and field are known)`;
      const outcome = certain
        ? `this ${outcomeWord(c.requested)}`
        : c.maybeSameElement
          ? `both are elements of one row of locks, and nothing on the path says the two indices differ: when they are equal, this is one lock taken twice and ${outcomeWord(c.requested)}`
          : c.requested.confidence === 'low' || c.held.guard.acquisition.confidence === 'low' ? lowConfidence : 'a second read can block behind a queued writer on this fair lock, which deadlocks';
      const fix = callback
        ? storedCallbackFix
        : lastReference
        ? 'bind the value taken out (`let removed = map.remove(&id);`) and let it drop after the guard is released'
        : c.maybeSameElement
        ? `handle equal indices first (\`if i == j { … return; }\`) and lock the lower index first, or take one element's lock at a time`
        : guard.heldBySelf
        ? `work on the data \`${guard.heldBySelf}\` guards instead of locking again, or call this where the struct holding the guard is gone`
        : guard.returnedBy?.whileRunningClosure
        ? `inside the closure, work on the data \`${guard.returnedBy.fnName}\` passes in instead of locking again, or call it after the closure returns`
        : guard.binding
          ? `\`drop(${guard.binding})\` before the second acquisition, or pass the guarded data down instead of re-locking`
          : 'take the lock once and pass the guarded data down, or end the statement (bind the value with `let`) before calling';
      return {
        rule: 'double-lock',
        span: guard.acquisition.span,
        message:
          `${describeGuard(guard)} is still held when the code ${describeChain(c.chain, c.requested)}: ${outcome}. ` +
          `The guard ${describeRelease(guard)}. Fix: ${fix}.`,
        related: conflictRelated(c),
        certain,
        ...dropBefore(guard, conflictSite(c)),
      };
    });
  },
};
