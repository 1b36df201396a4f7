// The executable ground truth (scripts/ground-truth, `npm run ground-truth`): every Rust fixture
// case built against the real crates and run, every TS/JS case run against the real npm
// libraries; a case with an `expect:`/`miss:` mark must hang or panic, any other must complete.
// Without rustc/cargo the Rust half is skipped with a visible notice, and fails when CI is set.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const script = join(root, 'dist/scripts/ground-truth/main.js');

function hasTool(tool: string): boolean {
  return spawnSync(tool, ['--version'], { stdio: 'ignore' }).status === 0;
}

function runGroundTruth(language: 'rust' | 'ts'): { status: number | null; output: string } {
  const run = spawnSync(process.execPath, [script, '--only', language, '--check-docs'], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26 });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

function summaryOf(output: string, language: string): string {
  return output.split('\n').find((l) => l.startsWith(`${language} ground truth:`)) ?? '';
}

describe('ground truth', () => {
  const rustTools = hasTool('cargo') && hasTool('rustc');
  if (!rustTools && process.env.CI) {
    it('needs rustc and cargo on CI', () => {
      expect.fail('rustc/cargo not found, and CI is set: install them with rustup (https://rustup.rs) so the Rust fixtures are built and run');
    });
  } else if (!rustTools) {
    console.warn('NOTICE: Rust ground truth SKIPPED: rustc/cargo not found (install with rustup: https://rustup.rs)');
  }

  it.skipIf(!rustTools)('Rust: every fixture case, run against the real crates, does what its marks say', () => {
    const { status, output } = runGroundTruth('rust');
    const summary = summaryOf(output, 'Rust');
    console.log(summary || output);
    expect(output.split('\n').filter((l) => l.includes('DISAGREEMENT') || l.includes('STALE'))).toEqual([]);
    expect(summary).toMatch(/ disagreements: 0 /);
    expect(status).toBe(0);
  }, 20 * 60_000);

  it('TS/JS: every fixture case, run against the real npm libraries, does what its marks say', () => {
    const { status, output } = runGroundTruth('ts');
    const summary = summaryOf(output, 'TS/JS');
    console.log(summary || output);
    expect(output.split('\n').filter((l) => l.includes('DISAGREEMENT') || l.includes('STALE'))).toEqual([]);
    expect(summary).toMatch(/ disagreements: 0;/);
    expect(status).toBe(0);
  }, 20 * 60_000);
});
