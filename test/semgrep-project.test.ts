// The project pack for examples/incident: specialised from the call graph, it names the chain
// init_for → refresh → store, is scoped to the edition-2021 crate, and its ast-grep twin flags
// the `else` arm's `self.init_for(key)` in the real engine.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { packageRoot } from '../src/core/package-root.js';
import { runSemgrepCommand } from '../src/semgrep/command.js';

const root = packageRoot();
const astGrep = join(root, 'node_modules/.bin/ast-grep');

async function writeProjectPack(engine: 'semgrep' | 'ast-grep'): Promise<string> {
  const out = mkdtempSync(join(tmpdir(), `lockscope-project-${engine}-`));
  const io = { stdout: () => undefined, stderr: () => undefined, isTty: false, env: {}, cwd: root };
  expect(await runSemgrepCommand(['--project', 'examples/incident', '--out', out, '--engine', engine], io)).toBe(0);
  return out;
}

function readAll(dir: string): Map<string, string> {
  const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
  return new Map(files.map((e) => [join(e.parentPath, e.name).slice(dir.length + 1), readFileSync(join(e.parentPath, e.name), 'utf8')]));
}

describe('lockscope semgrep --project examples/incident', () => {
  it('names the callee chain of the else arm and scopes the if-let-else rule to edition ≤ 2021 crates', async () => {
    const out = await writeProjectPack('semgrep');
    const doc = YAML.parse(readFileSync(join(out, 'rust/proxy-load-read.yaml'), 'utf8')) as {
      rules: { id: string; message: string; paths?: { include: string[] }; 'pattern-either': unknown[] }[];
    };
    const elseRule = doc.rules.find((r) => r.id === 'lockscope.rust.guard-across-branch-else.proxy-load-read')!;
    expect(elseRule.message).toContain('init_for → refresh → store takes Proxy.load (exclusive, `write()`) at examples/incident/src/load.rs:25:9');
    expect(elseRule.paths).toEqual({ include: ['examples/incident/**/*.rs'] });
    expect(JSON.stringify(elseRule['pattern-either'])).toContain('^(?:r#)?(init_for|refresh|route|route_fixed|store)$');
    const ajv = new Ajv({ strict: false });
    const schema = YAML.parse(readFileSync(join(root, 'schemas/semgrep/rule_schema_v1.yaml'), 'utf8')) as Record<string, unknown>;
    const validate = ajv.compile({ ...schema, $schema: undefined });
    for (const [file, text] of readAll(out)) expect(validate(YAML.parse(text)), `${file}: ${ajv.errorsText(validate.errors)}`).toBe(true);
  });

  it('is byte-identical on re-runs', async () => {
    for (const engine of ['semgrep', 'ast-grep'] as const) expect(readAll(await writeProjectPack(engine))).toEqual(readAll(await writeProjectPack(engine)));
  });

  it('flags `self.init_for(key)` in the else arm (ast-grep twin), and not the fixed version', async () => {
    const out = await writeProjectPack('ast-grep');
    const run = spawnSync(astGrep, ['scan', '-c', join(out, 'sgconfig.yml'), '--json=compact', 'examples/incident'], { cwd: root, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(1);
    const findings = (JSON.parse(run.stdout) as { ruleId: string; file: string; text: string; range: { start: { line: number } } }[]).map(
      (m) => `${m.ruleId} ${m.file}:${m.range.start.line + 1} ${m.text}`,
    );
    expect(findings).toEqual(['lockscope.rust.guard-across-branch-else.proxy-load-read examples/incident/src/proxy.rs:20 self.init_for(key)']);
  });
});
