// scrutinee-guard (pedantic, off by default): a guard created in a scrutinee is still held where
// an arm calls a function, takes another lock or awaits (an event of the arm), although no
// conflict was found; a later edit there can turn it into a deadlock. Arms with no event (values,
// prints) are not reported: nothing in them can take a lock.
import { describeGuard, describeRelease, scrutineeLifetimeNote } from '../describe.js';
import type { RustFinding, RustRule } from './rule.js';

export const scrutineeGuard: RustRule = {
  id: 'scrutinee-guard',
  check({ crate, conflicts, edition }) {
    const conflicted = new Set(conflicts.map((c) => c.held.guard.id));
    const findings: RustFinding[] = [];
    const reported = new Set<number>();
    for (const facts of crate.allFacts()) {
      for (const event of facts.events) {
        for (const { guard, region } of event.held) {
          if (guard.origin !== 'scrutinee' || !region || conflicted.has(guard.id) || reported.has(guard.id)) continue;
          reported.add(guard.id);
          findings.push({
            rule: 'scrutinee-guard',
            span: guard.acquisition.span,
            message:
              `${describeGuard(guard)} is created in a \`${guard.construct}\` scrutinee and stays held in the ${region} (${scrutineeLifetimeNote(guard, edition)}). ` +
              `No conflict was found, but any lock taken there later will deadlock. The guard ${describeRelease(guard)}. ` +
              'Fix: bind the value you need with `let` before the branch.',
            related: [],
            certain: true,
          });
        }
      }
    }
    return findings;
  },
};
