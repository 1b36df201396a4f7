// The package as users get it (issue 13): `npm pack`, installed into a fresh project (CommonJS, as
// `npm init` makes it), then the README's ESLint configs and `npx lockscope check` run there. No
// network: the project's node_modules links the dependencies this repository already installed.
// With test/lowest-peers installed (.ci/run does it), the same runs under the lowest ESLint and
// TypeScript that package.json's peerDependencies accept.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from './cli-support.js';
import { FULL_CONFIG, LOCKSCOPE_FINDINGS, MINIMAL_CONFIG, PROJECT_FILES } from './support/readme-project.js';

let tarball = '';

beforeAll(() => {
  const out = realpathSync(mkdtempSync(join(tmpdir(), 'lockscope-pack-')));
  // `npm test` has just built dist/, so the pack needs no `prepack`.
  const name = execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', out], { cwd: repoRoot, encoding: 'utf8' }).trim().split('\n').pop()!;
  tarball = join(out, name);
}, 120_000);

/** Every package directory below a node_modules, scoped ones as `@scope/name`. */
function packagesIn(modules: string): string[] {
  return readdirSync(modules)
    .filter((entry) => !entry.startsWith('.'))
    .flatMap((entry) => (entry.startsWith('@') ? readdirSync(join(modules, entry)).map((inner) => `${entry}/${inner}`) : [entry]));
}

function link(target: string, at: string): void {
  mkdirSync(dirname(at), { recursive: true });
  rmSync(at, { force: true });
  symlinkSync(target, at);
}

/**
 * A fresh project with the packed lockscope installed and every other package linked from here. With
 * `peers`, that directory's packages (the lowest ESLint, TypeScript and what they depend on) win at
 * the top level, and lockscope's own dependencies that they displaced are nested under it, as npm
 * would place them.
 */
function freshProject(config: string, peers?: string): string {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'lockscope-app-')));
  const modules = join(root, 'node_modules');
  const repoModules = join(repoRoot, 'node_modules');
  for (const name of packagesIn(repoModules)) if (name !== 'eslint-plugin-lockscope') link(join(repoModules, name), join(modules, name));
  const displaced = new Set<string>();
  if (peers) {
    for (const name of packagesIn(join(peers, 'node_modules'))) {
      if (existsSync(join(modules, name))) displaced.add(name);
      link(join(peers, 'node_modules', name), join(modules, name));
    }
  }
  execFileSync('tar', ['-xzf', tarball, '-C', modules]);
  renameSync(join(modules, 'package'), join(modules, 'eslint-plugin-lockscope'));
  const own = JSON.parse(readFileSync(join(modules, 'eslint-plugin-lockscope/package.json'), 'utf8')) as { dependencies: Record<string, string> };
  for (const name of Object.keys(own.dependencies)) {
    if (displaced.has(name)) link(join(repoModules, name), join(modules, 'eslint-plugin-lockscope/node_modules', name));
  }
  // What npm does for a package's `bin` on install.
  link('../eslint-plugin-lockscope/bin/lockscope.js', join(modules, '.bin/lockscope'));
  const files: Record<string, string> = { ...PROJECT_FILES, 'eslint.config.mjs': config };
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

interface EslintFileResult {
  filePath: string;
  messages: { ruleId: string | null; line: number; fatal?: boolean; message: string }[];
}

function eslint(project: string, preserveSymlinks = false): string[] {
  const run = spawnSync(process.execPath, [join(project, 'node_modules/eslint/bin/eslint.js'), '--format', 'json', '.'], {
    cwd: project,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, ...(preserveSymlinks ? { NODE_PRESERVE_SYMLINKS: '1' } : {}) },
  });
  expect(run.stderr).toBe('');
  const results = JSON.parse(run.stdout) as EslintFileResult[];
  return results.flatMap((r) => r.messages.map((m) => `${r.filePath.slice(project.length + 1)}:${m.line} ${m.ruleId ?? `fatal: ${m.message}`}`)).sort();
}

describe('installed from the packed tarball into a fresh project', () => {
  it("the README's minimal config lints TS and Rust", () => {
    expect(eslint(freshProject(MINIMAL_CONFIG))).toEqual(LOCKSCOPE_FINDINGS);
  });

  it("the README's full config (js + typescript-eslint + lockscope) lints TS and Rust, with JS rules kept off .rs files", () => {
    const found = eslint(freshProject(FULL_CONFIG));
    expect(found.filter((f) => f.includes('lockscope/'))).toEqual(LOCKSCOPE_FINDINGS);
    expect(found.filter((f) => f.includes('fatal'))).toEqual([]);
  });

  it('importing the plugin loads neither TypeScript nor tree-sitter; linting a TS and a Rust file loads them; the analyses are at /api', () => {
    const project = freshProject(MINIMAL_CONFIG);
    // CommonJS packages imported from ES modules are in require.cache too, by real path. The
    // plugin reads the parser's package.json for its version: a JSON file is no load of the parser.
    const script = `
      import { createRequire } from 'node:module';
      const cache = createRequire(process.cwd() + '/').cache;
      const heavy = () => [...new Set(Object.keys(cache).filter((k) => !k.endsWith('.json')).flatMap((k) => k.match(/node_modules\\/(typescript|tree-sitter|tree-sitter-rust|@typescript-eslint\\/(?:parser|typescript-estree|type-utils))\\//)?.[1] ?? []))].sort();
      const { default: lockscope } = await import('eslint-plugin-lockscope');
      const afterImport = heavy();
      const { ESLint } = await import('eslint');
      const results = await new ESLint({ overrideConfigFile: true, overrideConfig: lockscope.configs.recommended }).lintFiles(['src']);
      const findings = results.flatMap((r) => r.messages.map((m) => r.filePath.slice(process.cwd().length + 1) + ':' + m.line + ' ' + m.ruleId)).sort();
      const api = await import('eslint-plugin-lockscope/api');
      console.log(JSON.stringify({ afterImport, afterLint: heavy(), findings, api: [typeof api.analyzeRust, typeof api.RustWorkspace] }));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: project, encoding: 'utf8', env: { PATH: process.env.PATH } });
    expect(run.stderr).toBe('');
    const loaded = JSON.parse(run.stdout) as { afterImport: string[]; afterLint: string[]; findings: string[]; api: string[] };
    expect(loaded.afterImport).toEqual([]);
    expect(loaded.afterLint).toEqual(['@typescript-eslint/parser', '@typescript-eslint/typescript-estree', 'tree-sitter', 'tree-sitter-rust', 'typescript']);
    expect(loaded.findings).toEqual(LOCKSCOPE_FINDINGS);
    expect(loaded.api).toEqual(['function', 'function']);
  });

  it('npx lockscope check finds both and exits 1', () => {
    const project = freshProject(MINIMAL_CONFIG);
    const run = spawnSync('npx', ['--no-install', 'lockscope', 'check', '--format', 'json'], { cwd: project, encoding: 'utf8', env: { PATH: process.env.PATH } });
    expect(run.status).toBe(1);
    const doc = JSON.parse(run.stdout) as { diagnostics: { file: string; line: number; rule: string }[] };
    expect(doc.diagnostics.map((d) => `${d.file}:${d.line} lockscope/${d.rule}`).sort()).toEqual(LOCKSCOPE_FINDINGS);
  });

  it('runs no script of its own on install: the tarball ships built code (npm 11 lists install-time scripts for approval)', () => {
    const project = freshProject(MINIMAL_CONFIG);
    const own = JSON.parse(readFileSync(join(project, 'node_modules/eslint-plugin-lockscope/package.json'), 'utf8')) as { scripts?: Record<string, string> };
    const atInstall = ['preinstall', 'install', 'postinstall', 'prepare'].filter((name) => own.scripts?.[name] !== undefined);
    expect(atInstall).toEqual([]);
    expect(existsSync(join(project, 'node_modules/eslint-plugin-lockscope/dist/src/index.js'))).toBe(true);
  });

  it("the README's lockscope.config.json $schema path names the schema in the installed package", () => {
    const project = freshProject(MINIMAL_CONFIG);
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const schemaPath = /"\$schema": "([^"]+)"/.exec(readme.slice(readme.indexOf('### Configuration')))![1];
    const schema = JSON.parse(readFileSync(join(project, schemaPath), 'utf8')) as { title: string };
    expect(schema.title).toBe('lockscope.config.json');
    writeFileSync(join(project, 'lockscope.config.json'), JSON.stringify({ $schema: schemaPath, rules: { 'double-lock': 'warn' } }));
    const run = spawnSync('npx', ['--no-install', 'lockscope', 'check', '--format', 'json'], { cwd: project, encoding: 'utf8', env: { PATH: process.env.PATH } });
    // Accepted (a refused configuration exits 2 with its error): the findings are reported.
    expect(run.stderr).toMatch(/^lockscope: 2 errors, 0 warnings in 3 files/);
    expect(run.status).toBe(1);
  });
});

const LOWEST = join(repoRoot, 'test/lowest-peers');
const lowestInstalled = existsSync(join(LOWEST, 'node_modules/eslint')) && existsSync(join(LOWEST, 'node_modules/typescript'));
if (!lowestInstalled) {
  if (process.env.CI) throw new Error('test/lowest-peers is not installed: .ci/run must run `npm ci --prefix test/lowest-peers`');
  console.warn('NOTICE: skipping the lowest-peers test: run `npm ci --prefix test/lowest-peers` to install ESLint 9.22.0 and TypeScript 5.5.4');
}

describe.skipIf(!lowestInstalled)('under the lowest supported ESLint and TypeScript (test/lowest-peers)', () => {
  it('the minimal and the full config find the same', () => {
    const minimal = freshProject(MINIMAL_CONFIG, LOWEST);
    expect(eslint(minimal, true)).toEqual(LOCKSCOPE_FINDINGS);
    const full = eslint(freshProject(FULL_CONFIG, LOWEST), true);
    expect(full.filter((f) => f.includes('lockscope/'))).toEqual(LOCKSCOPE_FINDINGS);
    const versions = spawnSync(process.execPath, ['-e', "console.log(require('eslint/package.json').version, require('typescript').version)"], {
      cwd: minimal,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, NODE_PRESERVE_SYMLINKS: '1' },
    });
    expect(versions.stdout.trim()).toBe('9.22.0 5.5.4');
  });
});
