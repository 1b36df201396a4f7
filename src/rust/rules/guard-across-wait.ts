// guard-across-wait: a guard is held while the thread blocks until another thread acts.
// - `Condvar::wait(guard)` releases that guard's lock only: any other lock held stays held
//   while the thread sleeps, and a notifier that takes it first never gets to notify.
// - `handle.join()` on a thread spawned here, or `rx.recv()` on a channel whose sender was
//   spawned here, while holding a lock that thread takes (before it sends): neither moves.
import { conflicts, type Acquisition, type WitnessStep } from '../../core/model.js';
import { acquisitionAtCall, type CallEvent, type FunctionFacts, type GuardFact } from '../facts.js';
import { describeAcquisition, describeChain, describeGuard, describeRelease } from '../describe.js';
import type { CrateFacts } from '../summaries.js';
import type { RustFinding, RustRule } from './rule.js';

/** A guard that blocks another thread: not a RefCell borrow (not shared across threads). */
function blocksOthers(guard: GuardFact): boolean {
  return guard.acquisition.flavor.outcome === 'deadlock' && guard.acquisition.flavor.blocksThread;
}

interface Reached {
  readonly acquisition: Acquisition;
  readonly chain: readonly WitnessStep[];
}

/** What the closure spawned as `thread` takes, directly or through calls, before `until` (if any). */
function threadTakes(facts: FunctionFacts, thread: number, crate: CrateFacts, until?: (e: CallEvent) => boolean): Reached[] {
  const out: Reached[] = [];
  for (const event of facts.events) {
    if (event.thread !== thread) continue;
    if (event.kind === 'call' && until?.(event)) break;
    if (event.kind === 'acquire') out.push({ acquisition: event.acquisition, chain: [] });
    if (event.kind !== 'call') continue;
    const step: WitnessStep = { span: event.span, note: `calls \`${event.calleeName}\`` };
    for (const callee of event.callees()) {
      for (const reached of crate.summary(callee).values()) {
        const acquisition = acquisitionAtCall(event, callee, reached.acquisition);
        if (acquisition) out.push({ acquisition, chain: [step, ...reached.chain] });
      }
    }
  }
  return out;
}

function condvarFindings(event: CallEvent): RustFinding[] {
  if (event.waitsFor?.kind !== 'condvar') return [];
  const released = new Set(event.argumentGuards.map((g) => g.acquisition.lock.key));
  return event.held
    .map((h) => h.guard)
    .filter((g) => blocksOthers(g) && !released.has(g.acquisition.lock.key))
    .map((guard) => ({
      rule: 'guard-across-wait',
      span: guard.acquisition.span,
      message:
        `${describeGuard(guard)} is still held while this thread waits on a condition variable on line ${event.span.line}; ` +
        `\`${event.calleeName}\` releases only the lock of the guard passed to it${event.argumentGuards.length > 0 ? ` (${event.argumentGuards.map((g) => `\`${g.acquisition.lock.display}\``).join(', ')})` : ''}. ` +
        `A thread that takes \`${guard.acquisition.lock.display}\` before it notifies blocks, and neither wakes: a deadlock. ` +
        `The guard ${describeRelease(guard)}. Fix: drop it before waiting, or wait on a condition of the lock you hold.`,
      related: [{ span: event.span, message: 'waits here, still holding the guard' }],
      certain: guard.acquisition.confidence === 'high',
    }));
}

function threadFindings(facts: FunctionFacts, event: CallEvent, crate: CrateFacts): RustFinding[] {
  const waits = event.waitsFor;
  if (!waits || waits.kind === 'condvar') return [];
  const threads =
    waits.kind === 'join'
      ? [waits.thread]
      : [...new Set(facts.events.filter((e) => e.kind === 'call' && e.sendsOn === waits.channel && e.thread !== undefined).map((e) => e.thread!))];
  const findings: RustFinding[] = [];
  for (const { guard } of event.held) {
    if (!blocksOthers(guard)) continue;
    for (const thread of threads) {
      const isSend = (e: CallEvent) => waits.kind === 'recv' && e.sendsOn === waits.channel;
      const taken = threadTakes(facts, thread, crate, isSend)
        .filter((r) => conflicts(guard.acquisition, r.acquisition))
        .sort((a, b) => a.chain.length - b.chain.length)[0];
      if (!taken) continue;
      const what = waits.kind === 'join' ? `for a spawned thread to finish (\`join()\`)` : `for a message from a spawned thread (\`recv()\`)`;
      const before = waits.kind === 'recv' ? ' before it sends' : '';
      findings.push({
        rule: 'guard-across-wait',
        span: guard.acquisition.span,
        message:
          `${describeGuard(guard)} is still held while this thread waits on line ${event.span.line} ${what}, ` +
          `and that thread ${describeChain(taken.chain, taken.acquisition)}${before}: it waits for this guard, this thread waits for it, a deadlock. ` +
          `The guard ${describeRelease(guard)}. Fix: drop the guard before waiting, or pass the thread what it needs instead of locking.`,
        related: [
          { span: event.span, message: 'waits here, still holding the guard' },
          ...taken.chain.map((s) => ({ span: s.span, message: `the spawned thread ${s.note}` })),
          { span: taken.acquisition.span, message: `the spawned thread takes ${describeAcquisition(taken.acquisition)} here` },
        ],
        certain: guard.acquisition.confidence === 'high' && taken.acquisition.confidence === 'high',
      });
      break;
    }
  }
  return findings;
}

export const guardAcrossWait: RustRule = {
  id: 'guard-across-wait',
  check({ crate }) {
    const findings: RustFinding[] = [];
    const reported = new Set<string>();
    for (const facts of crate.allFacts()) {
      for (const event of facts.events) {
        if (event.kind !== 'call' || event.held.length === 0) continue;
        for (const finding of [...condvarFindings(event), ...threadFindings(facts, event, crate)]) {
          const key = `${finding.span.file}:${finding.span.line}:${finding.span.column}`;
          if (reported.has(key)) continue;
          reported.add(key);
          findings.push(finding);
        }
      }
    }
    return findings;
  },
};
