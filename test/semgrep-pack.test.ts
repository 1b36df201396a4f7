// The committed `semgrep/` pack: current, valid against Semgrep's rule schema and the registry's
// metadata schema, every pattern real Rust / TypeScript, every target annotated enough.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import Ajv from 'ajv';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { packageRoot } from '../src/core/package-root.js';
import { firstSyntaxError, parseRust } from '../src/rust/syntax.js';
import { runSemgrepCommand } from '../src/semgrep/command.js';
import { GENERIC_RULES, semgrepId } from '../src/semgrep/generic-rules.js';
import { genericPackFiles } from '../src/semgrep/pack.js';
import { annotatedLines } from './support/semgrep-annotations.js';

const root = packageRoot();
const SHARED = join(root, 'schemas/semgrep');
const committed = (): string => join(root, 'semgrep');

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

function memoryIo(cwd: string) {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (t: string) => void out.push(t), stderr: (t: string) => void err.push(t), isTty: false, env: {}, cwd }, out, err };
}

/** Every `pattern*` string in a Semgrep rule, with the rule's languages. */
function patternsOf(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) patternsOf(item, found);
  else if (value !== null && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (/^pattern(-inside|-not|-not-inside)?$/.test(key) && typeof inner === 'string') found.push(inner);
      else patternsOf(inner, found);
    }
  }
  return found;
}

/** Semgrep's operators replaced by code of the same syntactic role, so the language parser decides. */
function placeholderCode(pattern: string): string {
  return pattern
    .replace(/<\.\.\. /g, '(')
    .replace(/ \.\.\.>/g, ')')
    .replace(/^(\s*)\.\.\.,$/gm, '$1_ => {},')
    .replace(/^(\s*)\.\.\.$/gm, '$1ellipsis_statement();')
    .replace(/\(\.\.\.\)/g, '(ellipsis_argument)')
    .replace(/\.\.\., /g, 'ellipsis_argument, ')
    .replace(/, \.\.\./g, ', ellipsis_argument')
    .replace(/\$([A-Z_][A-Z0-9_]*)/g, (_, name: string) => `mv_${name.toLowerCase()}`);
}

function tsSyntaxErrors(code: string): string[] {
  const source = ts.createSourceFile('pattern.ts', code, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  return ((source as unknown as { parseDiagnostics: ts.Diagnostic[] }).parseDiagnostics ?? []).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

describe('semgrep/ (the generic pack)', () => {
  const committed = join(root, 'semgrep');

  it('is current: regenerating it gives the committed files, byte for byte', async () => {
    const out = mkdtempSync(join(tmpdir(), 'lockscope-semgrep-'));
    const { io } = memoryIo(root);
    expect(await runSemgrepCommand(['--out', out], io)).toBe(0);
    expect(listFiles(out)).toEqual(listFiles(committed));
    for (const file of listFiles(out)) expect(readFileSync(join(out, file), 'utf8'), `semgrep/${file} is stale: run \`lockscope semgrep\``).toBe(readFileSync(join(committed, file), 'utf8'));
  });

  it('is byte-identical on re-runs, for both engines', () => {
    for (const engine of ['semgrep', 'ast-grep'] as const) expect(genericPackFiles(root, engine)).toEqual(genericPackFiles(root, engine));
  });

  const ruleFiles = listFiles(committed).filter((f) => f.endsWith('.yaml'));

  it('validates against Semgrep\'s rule schema (rule_schema_v1.yaml) and the registry metadata schema', () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    const ruleSchema = YAML.parse(readFileSync(join(SHARED, 'rule_schema_v1.yaml'), 'utf8')) as Record<string, unknown>;
    const metadataSchema = (YAML.parse(readFileSync(join(SHARED, 'semgrep-rules.metadata-schema.yaml.schm'), 'utf8')) as { schema: object }).schema;
    const validateRule = ajv.compile({ ...ruleSchema, $schema: undefined });
    const validateMetadata = ajv.compile(metadataSchema);
    expect(ruleFiles.length).toBe(GENERIC_RULES.length);
    for (const file of ruleFiles) {
      const doc = YAML.parse(readFileSync(join(committed, file), 'utf8')) as { rules: { id: string; metadata: unknown; severity: string }[] };
      expect(validateRule(doc), `${file}: ${ajv.errorsText(validateRule.errors)}`).toBe(true);
      for (const rule of doc.rules) {
        expect(validateMetadata(rule.metadata), `${file}: ${ajv.errorsText(validateMetadata.errors)}`).toBe(true);
        expect(['ERROR', 'WARNING']).toContain(rule.severity);
        expect(rule.id).toBe(`lockscope.${file.replace(/\.yaml$/, '').replace('/', '.')}`);
      }
    }
  });

  it('has only patterns that parse as Rust (tree-sitter-rust) or TypeScript once operators become placeholders', () => {
    let checked = 0;
    for (const file of ruleFiles) {
      const doc = YAML.parse(readFileSync(join(committed, file), 'utf8')) as { rules: { languages: string[] }[] };
      for (const rule of doc.rules) {
        for (const pattern of patternsOf(rule)) {
          checked++;
          const code = placeholderCode(pattern);
          if (rule.languages.includes('rust')) {
            const error = firstSyntaxError(parseRust(`fn pattern() {\n${code}\n}\n`));
            expect(error, `${file}: pattern does not parse as Rust:\n${pattern}\n→\n${code}`).toBeUndefined();
          } else {
            expect(tsSyntaxErrors(`async function pattern() {\n${code}\n}\n`), `${file}: pattern does not parse as TypeScript:\n${pattern}`).toEqual([]);
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(50);
  });

  it('rejects a pattern that is not code (the parse check has teeth)', () => {
    expect(firstSyntaxError(parseRust(`fn pattern() {\n${placeholderCode('if let $P = <... $X.lock() ... {')}\n}\n`))).toBeDefined();
    expect(tsSyntaxErrors(`async function pattern() {\n${placeholderCode('$M.runExclusive(async () => {')}\n}\n`)).not.toEqual([]);
  });

  for (const rule of GENERIC_RULES) {
    const id = semgrepId(rule.language, rule.name);
    it(`${id}: the test target has at least two ruleid and two ok lines`, () => {
      const target = readFileSync(join(committed, `${rule.language}/${rule.name}.${rule.language === 'rust' ? 'rs' : 'ts'}`), 'utf8');
      const lines = annotatedLines(target, id);
      expect(lines.ruleid.length).toBeGreaterThanOrEqual(2);
      expect(lines.ok.length).toBeGreaterThanOrEqual(2);
      expect(target).not.toMatch(/\/\/ expect/);
    });
  }
});

describe('lockscope semgrep usage', () => {
  it('removes the files an earlier run wrote that this run does not, and nothing else', async () => {
    const out = mkdtempSync(join(tmpdir(), 'lockscope-semgrep-stale-'));
    mkdirSync(join(out, 'rust'), { recursive: true });
    writeFileSync(join(out, 'rust/renamed-lock.yaml'), '# Generated by `lockscope semgrep`: do not edit.\nrules: []\n');
    writeFileSync(join(out, 'rust/mine.yaml'), 'rules: []\n');
    const { io, out: said } = memoryIo(root);
    expect(await runSemgrepCommand(['--out', out], io)).toBe(0);
    expect(existsSync(join(out, 'rust/renamed-lock.yaml'))).toBe(false);
    expect(existsSync(join(out, 'rust/mine.yaml'))).toBe(true);
    expect(said.join('\n')).toContain('removed 1 stale file of an earlier run');
    expect(listFiles(out).filter((f) => f !== 'rust/mine.yaml')).toEqual(listFiles(committed()));
  });

  it('removes a project pack\'s rule file (JSON text) that a later run does not write', async () => {
    const out = mkdtempSync(join(tmpdir(), 'lockscope-semgrep-stale-project-'));
    expect(await runSemgrepCommand(['--project', 'examples/incident', '--out', out], memoryIo(root).io)).toBe(0);
    const written = listFiles(out);
    expect(readFileSync(join(out, written[0]), 'utf8')).toMatch(/^\{"\$comment": "Generated by `lockscope semgrep`/);
    writeFileSync(join(out, 'rust/examples-incident/renamed-lock.yaml'), readFileSync(join(out, written[0]), 'utf8'));
    const { io, out: said } = memoryIo(root);
    expect(await runSemgrepCommand(['--project', 'examples/incident', '--out', out], io)).toBe(0);
    expect(said.join('\n')).toContain('removed 1 stale file of an earlier run');
    expect(listFiles(out)).toEqual(written);
  });

  it('exits 2 with a sentence for bad options', async () => {
    for (const args of [['--engine', 'comby'], ['--project'], ['--frobnicate'], ['--project', 'no/such/dir'], ['stray']]) {
      const { io, err } = memoryIo(root);
      expect(await runSemgrepCommand(args, io), args.join(' ')).toBe(2);
      expect(err.join('\n')).toMatch(/^lockscope semgrep: .+\n\nUsage:/);
    }
  });

  it('prints its usage for --help and exits 0', async () => {
    const { io, out } = memoryIo(root);
    expect(await runSemgrepCommand(['--help'], io)).toBe(0);
    expect(out.join('\n')).toMatch(/lockscope semgrep \[--out DIR\]/);
  });
});
