// guard-across-await: a guard that blocks the thread (std, parking_lot, spin) or a RefCell borrow
// is alive at an `.await`. The task may be suspended with the lock held; another task on the same
// thread that wants it blocks the executor (or the borrow panics).
import { describeGuard, describeRelease } from '../describe.js';
import { dropBefore, type RustFinding, type RustRule } from './rule.js';

export const guardAcrossAwait: RustRule = {
  id: 'guard-across-await',
  check({ crate }) {
    const findings: RustFinding[] = [];
    const reported = new Set<number>();
    for (const facts of crate.allFacts()) {
      for (const event of facts.events) {
        if (event.kind !== 'await') continue;
        for (const { guard } of event.held) {
          if (reported.has(guard.id) || !guard.acquisition.flavor.blocksThread) continue;
          reported.add(guard.id);
          const isRefCell = guard.acquisition.flavor.outcome === 'panic';
          findings.push({
            rule: 'guard-across-await',
            span: guard.acquisition.span,
            message:
              `${describeGuard(guard)} is held across the \`.await\` on line ${event.span.line}. ` +
              (isRefCell
                ? 'Another task that borrows the same RefCell while this one is suspended panics (already borrowed). '
                : `A task suspended while holding a ${guard.acquisition.flavor.name} blocks every other task and thread that wants it, and can deadlock the executor. `) +
              `The guard ${describeRelease(guard)}. Fix: end the guard's scope (or \`drop\` it) before the \`.await\`` +
              (isRefCell ? '.' : ', or use an async-aware lock such as `tokio::sync::Mutex`.'),
            related: [{ span: event.span, message: 'the task may be suspended here with the guard held' }],
            certain: guard.acquisition.confidence === 'high',
            ...dropBefore(guard, event.span, 'the task holds no lock while it is suspended'),
          });
        }
      }
    }
    return findings;
  },
};
