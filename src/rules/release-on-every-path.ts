import type { TSESLint } from '@typescript-eslint/utils';
import type { RelatedLocation } from '../core/model.js';
import type { ReleaseLeak } from '../ts/releasePaths.js';
import { tryFinallyFix } from '../ts/releaseFix.js';
import { helperPath } from '../ts/describe.js';
import { spanOf } from '../ts/syntax.js';
import { createRule } from './utils/createRule.js';
import { lockAnalysisFor } from './utils/lockAnalysis.js';
import { reportFinding } from './utils/report.js';

export const RULE_ID = 'release-on-every-path';
export type MessageIds = 'unreleasedPath' | 'discardedReleaser' | 'wrapInTryFinally';

function leakPhrase(leak: ReleaseLeak): string {
  const line = leak.node.loc.start.line;
  switch (leak.kind) {
    case 'return':
      return `the early return at line ${line}`;
    case 'throw':
      return `the throw at line ${line}`;
    case 'await-throw':
      return `a rejection of the await at line ${line}`;
    case 'continue':
      return `the continue at line ${line} (the next iteration waits for the lock it still holds)`;
    case 'break':
      return `the break at line ${line}`;
    case 'end':
      return `the path that reaches the end of the function (line ${leak.node.loc.end.line})`;
    case 'discarded':
      return 'the discarded releaser';
    case 'reject':
      return `a rejection of the promise at line ${line} (no handler of its chain releases)`;
    case 'fulfil':
      return `the promise at line ${line} fulfilling with no handler that releases`;
  }
}

export default createRule<[], MessageIds>({
  name: RULE_ID,
  meta: {
    type: 'problem',
    docs: {
      description: 'Require the releaser of a lock to be called on every path, including early returns and throws',
      recommended: true,
    },
    hasSuggestions: true,
    messages: {
      unreleasedPath: '{{description}}',
      discardedReleaser: '{{description}}',
      wrapInTryFinally: 'Wrap the code after the acquisition in try { … } finally { {{release}}; }.',
    },
    schema: [],
  },
  defaultOptions: [],
  create(context) {
    return {
      Program() {
        const analysis = lockAnalysisFor(context);
        for (const [guard, leaks] of analysis.releaseLeaks()) {
          if (leaks.length === 0) continue;
          const lock = guard.acquisition.lock.display;
          const scope = guard.guard!;
          const releaseText = scope.kind === 'releaser' ? scope.releaseText : 'release()';
          if (leaks[0].kind === 'discarded') {
            reportFinding(context, RULE_ID, {
              messageId: 'discardedReleaser',
              span: guard.span,
              description: `${guard.acquisition.api} on ${lock} returns a releaser that is discarded here, so nothing can release the lock and every later acquisition waits forever. Bind it (\`const release = await …\`) and call it in a finally block, or use a callback-scoped API.`,
              related: [],
              lowConfidence: guard.acquisition.confidence === 'low',
            });
            continue;
          }
          const first = leaks[0];
          const more = leaks.length > 1 ? ` (and ${leaks.length - 1} more exit${leaks.length > 2 ? 's' : ''})` : '';
          const related: RelatedLocation[] = leaks.map((leak) => ({
            span: spanOf(guard.span.file, leak.kind === 'end' ? { start: leak.node.loc.end, end: leak.node.loc.end } : leak.node.loc),
            message: `${leakPhrase(leak)} leaves ${lock} held`,
          }));
          // Held by a promise chain's handler, or lost on one of a chain's paths: the fix is the chain's.
          const inChain = (scope.kind === 'releaser' && scope.callback !== undefined) || leaks.some((leak) => leak.kind === 'reject' || leak.kind === 'fulfil');
          const fix = inChain ? undefined : tryFinallyFix(guard, context.sourceCode.text);
          const suggest: TSESLint.SuggestionReportDescriptor<MessageIds>[] = fix
            ? [{ messageId: 'wrapInTryFinally', data: { release: releaseText }, fix: (fixer) => fixer.replaceTextRange([fix.range[0], fix.range[1]], fix.text) }]
            : [];
          const helper = helperPath(guard, context.cwd);
          reportFinding(context, RULE_ID, {
            messageId: 'unreleasedPath',
            span: guard.span,
            lowConfidence: guard.acquisition.confidence === 'low',
            description:
              `${lock} is acquired here${helper ? ` (${helper})` : ''}, but ${leakPhrase(first)}${more} skips ${releaseText}: the lock stays held and every later acquisition waits forever. ` +
              (inChain
                ? `End the promise chain with .finally(() => ${releaseText}) so that it runs whether the chain fulfils or rejects.`
                : `Call ${releaseText} in a finally block (try { … } finally { ${releaseText}; }), or use a callback-scoped API such as runExclusive.`),
            related,
            suggest,
          });
        }
      },
    };
  },
});
