import type { TSESLint } from '@typescript-eslint/utils';
import { loadLazily } from '../../core/load-lazily.js';
import type { LockAnalysis } from '../../ts/analysis.js';
import type { ExtraTsLockApis } from '../../ts/lockApis.js';

/** The TS/JS analysis (and TypeScript with it), loaded when the first TS/JS file is linted. */
const tsAnalysis = loadLazily<typeof import('../../ts/analysis.js')>('../../ts/analysis.js', import.meta.url);

/** The shared analysis of the file being linted (computed by the first rule that asks). */
export function lockAnalysisFor(context: Readonly<TSESLint.RuleContext<string, readonly unknown[]>>): LockAnalysis {
  const sourceCode = context.sourceCode;
  return tsAnalysis().lockAnalysisOf({
    file: context.filename,
    ast: sourceCode.ast,
    scopeManager: sourceCode.scopeManager,
    parserServices: sourceCode.parserServices as never,
    // `settings: { lockscope: { extraLockApis: { ts: … } } }`, as `lockscope.config.json` declares it.
    extra: (context.settings as { lockscope?: { extraLockApis?: { ts?: ExtraTsLockApis } } }).lockscope?.extraLockApis?.ts,
  });
}
