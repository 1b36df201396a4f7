import { where, chainLocations, heldUntil, pathPhrase } from '../ts/describe.js';
import { createRule } from './utils/createRule.js';
import { lockAnalysisFor } from './utils/lockAnalysis.js';
import { reportFinding } from './utils/report.js';

export const RULE_ID = 'no-lock-upgrade';
export type MessageIds = 'lockUpgrade';

export default createRule<[], MessageIds>({
  name: RULE_ID,
  meta: {
    type: 'problem',
    docs: {
      description: 'Disallow requesting exclusive access to a lock while shared access to it is held',
      recommended: true,
    },
    messages: { lockUpgrade: '{{description}}' },
    schema: [],
  },
  defaultOptions: [],
  create(context) {
    return {
      Program() {
        for (const conflict of lockAnalysisFor(context).guardConflicts()) {
          if (conflict.kind !== 'upgrade') continue;
          const { guard, reached } = conflict;
          const lock = guard.acquisition.lock.display;
          reportFinding(context, RULE_ID, {
            messageId: 'lockUpgrade',
            span: guard.span,
            description:
              `${lock} is held in ${guard.acquisition.mode} mode by ${guard.acquisition.api} here ${heldUntil(guard)}, and ${pathPhrase(reached, context.cwd)} asks for it in exclusive mode: ` +
              `exclusive access waits for every shared holder, this one included (deadlock). ` +
              `Finish the shared section before asking for exclusive access, or take ${lock} exclusively from the start.`,
            related: chainLocations(reached, `asks for ${lock} exclusively while ${where(guard.span, context.cwd)} holds it shared`),
            lowConfidence: guard.acquisition.confidence === 'low' || reached.acquisition.confidence === 'low',
          });
        }
      },
    };
  },
});
