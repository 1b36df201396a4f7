import { where, chainLocations, chainText } from '../ts/describe.js';
import type { LockOrderEdge } from '../ts/analysis.js';
import { isThisRooted, lockFamily } from '../ts/lockKeys.js';
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
          const family = lockFamily(first.key);
          const id = `${edge.outer.span.line}:${edge.outer.span.column}:${second.key}`;
          if (reported.has(id)) continue;
          const swapped = (other: LockOrderEdge): boolean => other.outer.acquisition.lock.key === second.key && other.reached.acquisition.lock.key === first.key;
          if (family === lockFamily(second.key) && (!isThisRooted(first.key) || isThisRooted(second.key))) {
            // Two instances named by fields of `this` (`this.inbox`, `this.outbox`) are two
            // locks: report only an opposite order somewhere. Two instances picked by bindings
            // (`first`, `second`) are an order the code chose: nothing to say.
            const opposite = isThisRooted(first.key) ? all.find(swapped) : undefined;
            if (!opposite) continue;
            reported.add(id);
            reportFinding(context, RULE_ID, {
              messageId: 'orderInversion',
              span: edge.outer.span,
              lowConfidence: edge.outer.acquisition.confidence === 'low' || edge.reached.acquisition.confidence === 'low',
              description:
                `${first.display} is held here while another ${second.display} is taken (${chainText(edge.reached, context.cwd)}), but ${where(opposite.outer.span, context.cwd)} takes the two in the opposite order (${chainText(opposite.reached, context.cwd)}): ` +
                `two flows running both can each wait for the other (deadlock). Take them in one fixed order everywhere.`,
              related: [
                ...chainLocations(edge.reached, `takes the other ${second.display} while this one is held`),
                { span: opposite.outer.span, message: `the other ${second.display} is held here…` },
                ...chainLocations(opposite.reached, `…while this one is taken`),
              ],
            });
            continue;
          }
          if (family === lockFamily(second.key)) {
            // This instance's lock held while a peer's lock of the same field is taken
            // (`this.mutex` → `other.deposit()`): the same code with the instances swapped
            // takes them in the opposite order, unless this function also takes them the other
            // way round (it orders them itself, e.g. by id).
            if (local.some((other) => other.outer.owner === edge.outer.owner && swapped(other))) continue;
            reported.add(id);
            reportFinding(context, RULE_ID, {
              messageId: 'orderInversion',
              span: edge.outer.span,
              lowConfidence: edge.outer.acquisition.confidence === 'low' || edge.reached.acquisition.confidence === 'low',
              description:
                `${first.display} of one instance is held here while ${second.display} of another instance is taken (${chainText(edge.reached, context.cwd)}): ` +
                `two flows doing this with the instances swapped (a with b, b with a) each wait for the other (deadlock), and with the same instance it never returns. ` +
                `Take the two instances' locks in one fixed order (e.g. by id), or release this one first.`,
              related: chainLocations(edge.reached, `takes ${second.display} of another instance while this one is held`),
            });
            continue;
          }
          const opposite = all.find(
            (other: LockOrderEdge) => lockFamily(other.outer.acquisition.lock.key) === lockFamily(second.key) && lockFamily(other.reached.acquisition.lock.key) === family,
          );
          if (!opposite) continue;
          reported.add(id);
          reportFinding(context, RULE_ID, {
            messageId: 'orderInversion',
            span: edge.outer.span,
            lowConfidence: edge.outer.acquisition.confidence === 'low' || edge.reached.acquisition.confidence === 'low',
            description:
              `${first.display} is held here while ${second.display} is taken (${chainText(edge.reached, context.cwd)}), but ${where(opposite.outer.span, context.cwd)} holds ${second.display} while taking ${first.display} (${chainText(opposite.reached, context.cwd)}): ` +
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
