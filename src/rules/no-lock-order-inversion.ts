import { where, chainLocations, chainText } from '../ts/describe.js';
import type { LockOrderEdge } from '../ts/analysis.js';
import { createRule } from './utils/createRule.js';
import { lockAnalysisFor } from './utils/lockAnalysis.js';
import { reportFinding } from './utils/report.js';

export const RULE_ID = 'no-lock-order-inversion';
export type MessageIds = 'orderInversion';

export default createRule<[], MessageIds>({
  name: RULE_ID,
  meta: {
    type: 'problem',
    docs: {
      description: 'Disallow taking the same two locks in opposite orders',
      recommended: true,
    },
    messages: { orderInversion: '{{description}}' },
    schema: [],
  },
  defaultOptions: [],
  create(context) {
    return {
      Program() {
        const { local, all } = lockAnalysisFor(context).lockOrderEdges();
        const reported = new Set<string>();
        for (const edge of local) {
          const first = edge.outer.acquisition.lock;
          const second = edge.reached.acquisition.lock;
          const opposite = all.find(
            (other: LockOrderEdge) => other.outer.acquisition.lock.key === second.key && other.reached.acquisition.lock.key === first.key,
          );
          const id = `${edge.outer.span.line}:${edge.outer.span.column}:${second.key}`;
          if (!opposite || reported.has(id)) continue;
          reported.add(id);
          reportFinding(context, RULE_ID, {
            messageId: 'orderInversion',
            span: edge.outer.span,
            description:
              `${first.display} is held here while ${second.display} is taken (${chainText(edge.reached)}), but ${where(opposite.outer.span)} holds ${second.display} while taking ${first.display} (${chainText(opposite.reached)}): ` +
              `two flows running both can each wait for the other (deadlock). Take ${first.display} and ${second.display} in one fixed order everywhere.`,
            related: [
              ...chainLocations(edge.reached, `takes ${second.display} while ${first.display} is held`),
              { span: opposite.outer.span, message: `${second.display} is held here…` },
              ...chainLocations(opposite.reached, `…while ${first.display} is taken`),
            ],
          });
        }
      },
    };
  },
});
