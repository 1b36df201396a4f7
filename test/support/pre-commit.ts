// pre-commit from PyPI for the tests that run the hook as users do (.ci/run installs a pinned one
// and sets LOCKSCOPE_PRE_COMMIT). Without it those tests skip with a notice; with CI set they fail.
import { spawnSync } from 'node:child_process';

function findPreCommit(): string | undefined {
  for (const candidate of [process.env.LOCKSCOPE_PRE_COMMIT, 'pre-commit'].filter((c): c is string => Boolean(c))) {
    if (spawnSync(candidate, ['--version'], { encoding: 'utf8' }).status === 0) return candidate;
  }
  return undefined;
}

/** The pre-commit binary, or undefined after a skip notice naming `what` (an error when CI is set). */
export function preCommitOrNotice(what: string): string | undefined {
  const found = findPreCommit();
  if (!found) {
    if (process.env.CI) throw new Error('pre-commit is not installed: .ci/run must install it (pip install pre-commit==4.3.0)');
    console.warn(`NOTICE: skipping ${what}: pre-commit is not on PATH (pip install pre-commit==4.3.0)`);
  }
  return found;
}
