// Semgrep itself (from PyPI, pinned in .ci/run), run offline: no metrics, no version check, no
// registry rules (every config is a local file). Tests that need it fail with a clear message
// when CI is set and it is missing, and are skipped with a visible notice otherwise, so
// `npm ci && npm test` still works on a machine without Python.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import YAML from 'yaml';

export const SEMGREP_ENV = { ...process.env, SEMGREP_ENABLE_VERSION_CHECK: '0', SEMGREP_SEND_METRICS: 'off' };
const OFFLINE_FLAGS = ['--metrics=off', '--disable-version-check'];

function probe(): { version: string } | { missing: string } {
  const run = spawnSync('semgrep', ['--version'], { encoding: 'utf8', env: SEMGREP_ENV });
  if (run.error || run.status !== 0) return { missing: run.error ? run.error.message : run.stderr.trim() };
  return { version: run.stdout.trim() };
}

export const SEMGREP = probe();

/** `describe` for tests that run Semgrep. */
export function describeWithSemgrep(name: string, body: () => void): void {
  if ('version' in SEMGREP) {
    describe(`${name} (semgrep ${SEMGREP.version})`, body);
    return;
  }
  const reason = `semgrep is not on PATH (${SEMGREP.missing}); .ci/run installs the pinned version with pip`;
  if (process.env.CI) {
    describe(name, () => {
      it('needs semgrep', () => {
        throw new Error(`CI is set but ${reason}`);
      });
    });
    return;
  }
  console.warn(`NOTICE: skipping "${name}": ${reason}`);
  describe.skip(name, body);
}

export interface SemgrepResult {
  readonly checkId: string;
  readonly path: string;
  readonly line: number;
  readonly endLine: number;
  readonly message: string;
}

/** `semgrep scan --config <config> <targets>` from `cwd`, findings as JSON; throws on rule errors. */
export function semgrepScan(config: string, targets: readonly string[], cwd: string): SemgrepResult[] {
  // Not `--quiet`: it also hides Semgrep's warnings about the rules, which are checked below.
  const run = spawnSync('semgrep', ['scan', ...OFFLINE_FLAGS, '--json', '--no-git-ignore', '--config', config, ...targets], {
    cwd,
    encoding: 'utf8',
    env: SEMGREP_ENV,
    maxBuffer: 256 * 1024 * 1024,
  });
  if (run.status !== 0 && run.status !== 1) throw new Error(`semgrep failed (${run.status}): ${run.stderr}`);
  // A `paths` glob Semgrep is about to read differently (anchored at the project root).
  const reread = /^.*will soon be interpreted as.*$/m.exec(run.stderr);
  if (reread) throw new Error(`semgrep warned about a rule: ${reread[0]}`);
  const out = JSON.parse(run.stdout) as { results: { check_id: string; path: string; start: { line: number }; end: { line: number }; extra: { message: string } }[]; errors: { message?: string; level?: string }[] };
  const errors = out.errors.filter((e) => e.level !== 'warn');
  if (errors.length > 0) throw new Error(`semgrep reported errors: ${errors.map((e) => e.message).join('\n')}`);
  return out.results.map((r) => ({ checkId: r.check_id, path: r.path, line: r.start.line, endLine: r.end.line, message: r.extra.message }));
}

/**
 * Every rule of a pack directory's YAML files, written beside them as one JSON config. Semgrep
 * runs the same rules either way, but pysemgrep reads YAML in Python keeping every node's
 * position (measured: 12.5 s to load one 2 MB rule file that JSON loads in 0.8 s; many minutes
 * for a fixture crate's whole pack), and validates each config file in a semgrep-core process of
 * its own. The YAML files themselves are checked against Semgrep's rule schema, and run as
 * written, in semgrep-project.test.ts.
 */
export function packAsOneConfig(pack: string): string {
  const files = readdirSync(pack, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .sort();
  const rules = files.flatMap((file) => (YAML.parse(readFileSync(file, 'utf8'), { maxAliasCount: -1 }) as { rules: unknown[] }).rules);
  const config = join(pack, 'all-rules.json');
  writeFileSync(config, JSON.stringify({ rules }));
  return config;
}

/** `semgrep --test DIR`: the summary line and whether every test passed. */
export function semgrepTest(dir: string): { passed: boolean; summary: string; output: string } {
  const run = spawnSync('semgrep', ['--test', ...OFFLINE_FLAGS, dir], { encoding: 'utf8', env: SEMGREP_ENV });
  const output = `${run.stdout}\n${run.stderr}`;
  const summary = /^\s*\d+\/\d+: .*$/m.exec(output)?.[0].trim() ?? '(no summary line)';
  return { passed: run.status === 0, summary, output };
}
