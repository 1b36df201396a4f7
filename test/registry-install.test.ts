// The install path users take (issue 12 item 5): the packed package is published to a local npm
// registry (Verdaccio, pinned in test/local-registry, on loopback, storage in a temporary
// directory), then installed by name into a fresh project with the README's command, and the
// README's ESLint config and `npx lockscope check` run there. Verdaccio serves the package itself
// and passes every other package through to the registry npm is configured with, so npm resolves
// the dependencies, the peers and the `bin` link as it does for users.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from './cli-support.js';
import { preCommitOrNotice } from './support/pre-commit.js';
import { LOCKSCOPE_FINDINGS, MINIMAL_CONFIG, PROJECT_FILES } from './support/readme-project.js';

/** The README's pre-commit config for a project that has lockscope in its devDependencies, as written. */
function readmeLocalHookConfig(): string {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const after = readme.slice(readme.indexOf('Or, in a repository that already has lockscope in its `devDependencies`'));
  const block = /```yaml\n([\s\S]*?)```/.exec(after)?.[1];
  if (!block?.includes('repo: local')) throw new Error("README.md: the local pre-commit hook's YAML block was not found");
  return block;
}

const VERDACCIO = join(repoRoot, 'test/local-registry/node_modules/verdaccio/bin/verdaccio');
const installed = existsSync(VERDACCIO);
if (!installed) {
  if (process.env.CI) throw new Error('test/local-registry is not installed: .ci/run must run `npm ci --prefix test/local-registry`');
  console.warn('NOTICE: skipping the local-registry install test: run `npm ci --prefix test/local-registry` to install Verdaccio');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function untilUp(url: string, registry: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (registry.exitCode !== null) throw new Error(`Verdaccio exited (${registry.exitCode}): ${log()}`);
    try {
      if ((await fetch(`${url}/-/ping`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`Verdaccio did not answer on ${url} within 60 s: ${log()}`);
}

let registry: ChildProcess | undefined;
let url = '';
let npmrc = '';
/** Why the registry could not be used on a machine without CI; the tests then skip and say so. */
let unavailable: string | undefined;

beforeAll(async () => {
  if (!installed) return;
  const work = realpathSync(mkdtempSync(join(tmpdir(), 'lockscope-registry-')));
  const upstream = execFileSync('npm', ['config', 'get', 'registry'], { encoding: 'utf8' }).trim();
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  writeFileSync(
    join(work, 'config.yaml'),
    [
      `storage: ${join(work, 'storage')}`,
      'auth:',
      '  htpasswd:',
      `    file: ${join(work, 'htpasswd')}`,
      'uplinks:',
      '  upstream:',
      `    url: ${upstream}`,
      'packages:',
      "  'eslint-plugin-lockscope':",
      '    access: $all',
      '    publish: $authenticated',
      "  '**':",
      '    access: $all',
      '    proxy: upstream',
      'log: { type: stdout, format: pretty, level: warn }',
      '',
    ].join('\n'),
  );
  let output = '';
  registry = spawn(process.execPath, [VERDACCIO, '--config', join(work, 'config.yaml'), '--listen', `127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  registry.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  registry.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  try {
    await untilUp(url, registry, () => output.slice(-2000));
  } catch (error) {
    if (process.env.CI) throw error;
    unavailable = (error as Error).message;
    console.warn(`NOTICE: skipping the local-registry install test: ${unavailable}`);
    return;
  }
  // A user for publishing, as `npm adduser` makes one (Verdaccio's htpasswd plugin).
  const user = await fetch(`${url}/-/user/org.couchdb.user:lockscope`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'lockscope', password: 'lockscope-test' }),
  });
  const { token } = (await user.json()) as { token: string };
  npmrc = join(work, '.npmrc');
  writeFileSync(npmrc, `registry=${url}/\n//127.0.0.1:${port}/:_authToken=${token}\n`);
  // `npm test` has just built dist/, so the pack needs no `prepack`.
  const packed = join(work, 'pack');
  mkdirSync(packed);
  const name = execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', packed], { cwd: repoRoot, encoding: 'utf8' }).trim().split('\n').pop()!;
  execFileSync('npm', ['publish', join(packed, name), '--userconfig', npmrc, '--registry', `${url}/`], { cwd: work, encoding: 'utf8', stdio: 'pipe' });
}, 300_000);

afterAll(() => {
  registry?.kill();
});

describe.skipIf(!installed)('published to a local registry and installed by name', () => {
  it("the README's install command, ESLint config and `npx lockscope check` work in a fresh project", (context) => {
    if (unavailable) return context.skip();
    const project = realpathSync(mkdtempSync(join(tmpdir(), 'lockscope-user-')));
    for (const [path, text] of Object.entries({ ...PROJECT_FILES, 'eslint.config.mjs': MINIMAL_CONFIG })) {
      mkdirSync(dirname(join(project, path)), { recursive: true });
      writeFileSync(join(project, path), text);
    }
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, npm_config_userconfig: npmrc };
    // The README's command, as written; npm installs the peer TypeScript by itself.
    const install = spawnSync('npm', ['install', '--save-dev', 'eslint', 'eslint-plugin-lockscope', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: project, encoding: 'utf8', env });
    expect(install.status, install.stderr).toBe(0);
    expect(existsSync(join(project, 'node_modules/typescript/package.json'))).toBe(true);
    const lock = JSON.parse(readFileSync(join(project, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version: string; resolved: string }> };
    const ours = lock.packages['node_modules/eslint-plugin-lockscope'];
    expect(ours.resolved.startsWith(`${url}/eslint-plugin-lockscope/-/`)).toBe(true);
    expect(ours.version).toBe((JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version);

    const eslint = spawnSync('npx', ['--no-install', 'eslint', '--format', 'json', '.'], { cwd: project, encoding: 'utf8', env });
    expect(eslint.stderr).toBe('');
    const results = JSON.parse(eslint.stdout) as { filePath: string; messages: { line: number; ruleId: string | null }[] }[];
    expect(results.flatMap((r) => r.messages.map((m) => `${r.filePath.slice(project.length + 1)}:${m.line} ${m.ruleId}`)).sort()).toEqual(LOCKSCOPE_FINDINGS);

    const check = spawnSync('npx', ['--no-install', 'lockscope', 'check', '--format', 'json'], { cwd: project, encoding: 'utf8', env });
    expect(check.status, check.stderr).toBe(1);
    const doc = JSON.parse(check.stdout) as { diagnostics: { file: string; line: number; rule: string }[] };
    expect(doc.diagnostics.map((d) => `${d.file}:${d.line} lockscope/${d.rule}`).sort()).toEqual(LOCKSCOPE_FINDINGS);

    // The README's pre-commit hook for such a project runs the installed package on the staged files.
    const preCommit = preCommitOrNotice('the pre-commit part of the local-registry test');
    if (!preCommit) return;
    writeFileSync(join(project, '.pre-commit-config.yaml'), readmeLocalHookConfig());
    writeFileSync(join(project, '.gitignore'), 'node_modules/\n');
    const git = { ...env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.invalid', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.invalid' };
    execFileSync('git', ['init', '-q'], { cwd: project, env: git });
    execFileSync('git', ['add', '-A'], { cwd: project, env: git });
    const hook = spawnSync(preCommit, ['run'], { cwd: project, encoding: 'utf8', env: { ...git, PRE_COMMIT_HOME: realpathSync(mkdtempSync(join(tmpdir(), 'lockscope-pre-commit-home-'))) } });
    const output = `${hook.stdout}${hook.stderr}`;
    expect(output).toMatch(/lockscope\.+Failed/);
    expect(output).toContain('error[guard-across-branch]');
    expect(hook.status, output).toBe(1);
  }, 600_000);
});
