import { where, chainLocations, heldUntil, helperPath, pathPhrase, wrapperChain } from '../ts/describe.js';
import { functionName } from '../ts/syntax.js';
import { isDomainless, isTimed } from '../ts/lockApis.js';
import { createRule } from './utils/createRule.js';
import { lockAnalysisFor } from './utils/lockAnalysis.js';
import { reportFinding } from './utils/report.js';

export const RULE_ID = 'no-nested-lock';
export type MessageIds = 'nestedLock';

export default createRule<[], MessageIds>({
  name: RULE_ID,
  meta: {
    type: 'problem',
    docs: {
      description: 'Disallow acquiring a non-reentrant lock again while it is held in the same async flow',
      recommended: true,
    },
    messages: { nestedLock: '{{description}}' },
    schema: [],
  },
  defaultOptions: [],
  create(context) {
    return {
      Program() {
        for (const conflict of lockAnalysisFor(context).guardConflicts()) {
          if (conflict.kind !== 'nested') continue;
          const { guard, reached, injected } = conflict;
          const lock = guard.acquisition.lock.display;
          const sharedPair = guard.acquisition.mode === 'shared' && reached.acquisition.mode === 'shared';
          const flavor = guard.acquisition.flavor;
          const why = sharedPair
            ? `the second ${reached.acquisition.mode} request queues behind any waiting exclusive request, which waits for this holder (deadlock under contention)`
            : isTimed(reached.acquisition.flavor)
              ? 'the inner acquisition waits for the outer one until the lock\'s timeout and then rejects (a timeout error, not a hang), so this section always fails'
              : isDomainless(flavor)
                ? 'domainReentrant re-enters only inside the holder\'s node:domain (process.domain) and this file creates none, so the inner acquisition waits for the outer one, which waits for it (deadlock)'
                : 'the inner acquisition waits for the outer one, which waits for it (deadlock)';
          const helper = helperPath(guard, context.cwd);
          const chain = wrapperChain(guard, reached, functionName(guard.owner));
          reportFinding(context, RULE_ID, {
            messageId: 'nestedLock',
            span: guard.span,
            description:
              `${lock} is held by ${guard.acquisition.api} here ${heldUntil(guard)}${helper ? ` (${helper})` : ''}, and ${pathPhrase(reached, context.cwd)} takes it again in the same flow` +
              (injected ? ` (as ${reached.acquisition.lock.display}: ${where(injected, context.cwd)} passes one lock into both)` : '') +
              `: ${why}. ` +
              (chain ? `Chain: ${chain}. ` : '') +
              `Move the work that needs no lock into a helper that does not take ${lock} and call that, or release ${lock} before the call.`,
            related: [
              ...(guard.through ?? []).map((step) => ({ span: step.span, message: step.note })),
              ...chainLocations(reached, `takes ${lock} again (${reached.acquisition.mode}) while ${where(guard.span, context.cwd)} holds it`),
              ...(injected ? [{ span: injected, message: `builds the object with one lock for ${lock} and ${reached.acquisition.lock.display}` }] : []),
            ],
            lowConfidence: guard.acquisition.confidence === 'low' || reached.acquisition.confidence === 'low',
          });
        }
      },
    };
  },
});
