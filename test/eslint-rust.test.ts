// The Rust checks through ESLint's Node API give the CLI's findings line for line; ESLint's own
// disable comments work in Rust comments; the language's SourceCode is traversable.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ESLint, type Linter } from 'eslint';
import { describe, expect, it } from 'vitest';
import { RULES, docsUrl } from '../src/core/catalogue.js';
import { discoverFiles } from '../src/core/discover.js';
import { parseRustAst, type RustNode } from '../src/eslint-rust/ast.js';
import type { RustSourceCode } from '../src/eslint-rust/source-code.js';
import plugin from '../src/plugin.js';

const root = join(import.meta.dirname, '..');
const fixturesDir = join(root, 'fixtures/rust');
function rustFilesOf(fixture: string): string[] {
  return discoverFiles([join(fixturesDir, fixture)], root).rust;
}

// A case is a .rs file or a directory holding a crate (not, say, a snapshot directory).
const cases = readdirSync(fixturesDir)
  .filter((name) => name.endsWith('.rs') || (statSync(join(fixturesDir, name)).isDirectory() && rustFilesOf(name).length > 0))
  .sort();

const recommended = plugin.configs.recommended as Linter.Config[];
const strict = plugin.configs.strict as Linter.Config[];
/** The part of a config that sets the Rust language and rules. */
const rustPart = (config: Linter.Config[]): Linter.Config => config.find((part) => part.name?.endsWith('/rust'))!;

function eslintWith(overrideConfig: Linter.Config[]): ESLint {
  return new ESLint({ cwd: root, overrideConfigFile: true, overrideConfig });
}

interface CliDiagnostic {
  rule: string;
  severity: 'error' | 'warn';
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  message: string;
  related: { file: string; line: number; column: number; message: string }[];
}

/** `lockscope check <case> --format json`, the built CLI (`npm test` builds first). */
function cliFindings(fixture: string, extraArgs: string[] = []): CliDiagnostic[] {
  const run = spawnSync(process.execPath, ['bin/lockscope.js', 'check', fixture, '--format', 'json', ...extraArgs], { cwd: root, encoding: 'utf8' });
  if (run.status !== 0 && run.status !== 1) throw new Error(`lockscope check ${fixture} exited ${run.status}: ${run.stderr}`);
  return (JSON.parse(run.stdout) as { diagnostics: CliDiagnostic[] }).diagnostics;
}

/** One line per finding, as ESLint shows it: where, which rule, and the whole message. */
function cliLine(d: CliDiagnostic): string {
  const related = d.related.map((r) => `${r.file}:${r.line}:${r.column} ${r.message}`).join('; ');
  const message = related ? `${d.message} (related: ${related})` : d.message;
  return `${d.file}:${d.line}:${d.column}-${d.endLine}:${d.endColumn} lockscope/${d.rule} ${message}`;
}

function eslintLines(results: ESLint.LintResult[]): string[] {
  return results.flatMap((result) => {
    const file = result.filePath.slice(root.length + 1);
    return result.messages.map((m) => `${file}:${m.line}:${m.column}-${m.endLine}:${m.endColumn} ${m.ruleId} ${m.message}`);
  });
}

describe('Rust fixtures through ESLint', () => {
  const eslint = eslintWith(recommended);

  for (const fixture of cases) {
    it(`${fixture}: lintFiles and lintText give the CLI's findings`, async () => {
      const cli = cliFindings(`fixtures/rust/${fixture}`);
      const expected = cli.map(cliLine).sort();

      const fromFiles = await eslint.lintFiles(rustFilesOf(fixture));
      expect(fromFiles.every((r) => r.messages.every((m) => !m.fatal))).toBe(true);
      expect(eslintLines(fromFiles).sort()).toEqual(expected);

      const fromText = await Promise.all(
        rustFilesOf(fixture).map(async (file) => (await eslint.lintText(readFileSync(file, 'utf8'), { filePath: file }))[0]),
      );
      expect(eslintLines(fromText).sort()).toEqual(expected);

      // ESLint takes severity from its config; the CLI caps uncertain findings at warn.
      for (const message of fromFiles.flatMap((r) => r.messages)) {
        const setting = rustPart(recommended).rules?.[message.ruleId!];
        expect(message.severity).toBe(setting === 'error' ? 2 : 1);
      }
    });
  }

  it('reports every fixture finding of the six rules with configs.strict (scrutinee-guard on)', async () => {
    const strictEslint = eslintWith(strict);
    for (const fixture of ['scrutinee_guard_no_conflict.rs', 'seed_proxy', 'guard_across_branch_match.rs']) {
      const cli = cliFindings(`fixtures/rust/${fixture}`, ['--rule', 'scrutinee-guard=warn']);
      if (fixture === 'scrutinee_guard_no_conflict.rs') expect(cli.map((d) => d.rule)).toContain('scrutinee-guard');
      const results = await strictEslint.lintFiles(rustFilesOf(fixture));
      expect(eslintLines(results).sort()).toEqual(cli.map(cliLine).sort());
    }
  });
});

describe('what a user sees', () => {
  it("renders the seed incident through ESLint's stylish formatter", async () => {
    const eslint = eslintWith(recommended);
    const results = await eslint.lintFiles(rustFilesOf('seed_proxy'));
    const formatter = await eslint.loadFormatter('stylish');
    const text = (await formatter.format(results)).replaceAll(root, '<root>').replace(/\u001b\[\d+m/g, '');
    expect(text).toMatchInlineSnapshot(`
      "
      <root>/fixtures/rust/seed_proxy/src/proxy.rs
        15:43  error  the read guard of \`Proxy.load\` is created in the \`if let\` scrutinee and is still held in the else block, which calls \`init_for\` → \`ensure_slot\` → \`register\`, which takes \`Proxy.load\` (write, \`write()\`): this deadlocks. The guard lives until line 21 (at the end of the function); in edition 2021, an \`if let\` scrutinee's temporaries live through the then block AND the else block. Fix: bind what you need first (\`let v = lock.read().get(k).cloned();\`) so the guard drops before the branch, or move the crate to edition 2024, where \`if let\` drops scrutinee temporaries before \`else\`. (related: fixtures/rust/seed_proxy/src/proxy.rs:18:13 the else block calls \`init_for\`; fixtures/rust/seed_proxy/src/load.rs:14:9 calls \`ensure_slot\`; fixtures/rust/seed_proxy/src/load.rs:19:13 calls \`register\`; fixtures/rust/seed_proxy/src/load.rs:24:9 \`Proxy.load\` (write, \`write()\`) requested here while the guard is held; fixtures/rust/seed_proxy/src/proxy.rs:21:5 guard released here (at the end of the function))  lockscope/guard-across-branch

      ✖ 1 problem (1 error, 0 warnings)
      "
    `);
  });
});

describe('the edited buffer, not the file on disk', () => {
  const eslint = eslintWith(recommended);
  const file = join(fixturesDir, 'double_lock_let.rs');
  const text = readFileSync(file, 'utf8');

  it('lintText of an edited buffer reports against the buffer', async () => {
    const onDisk = (await eslint.lintText(text, { filePath: file }))[0].messages.map((m) => m.line);
    const edited = (await eslint.lintText(`// a new first line\n${text}`, { filePath: file }))[0].messages.map((m) => m.line);
    expect(onDisk).toEqual([17, 40, 53]);
    expect(edited).toEqual([18, 41, 54]);
    // And back: the workspace does not keep the edited buffer as the file's text.
    expect((await eslint.lintText(text, { filePath: file }))[0].messages.map((m) => m.line)).toEqual([17, 40, 53]);
  });

  it('finds a deadlock the moment the else arm gains the conflicting call (seed crate)', async () => {
    const proxy = join(fixturesDir, 'seed_proxy/src/proxy.rs');
    const proxyText = readFileSync(proxy, 'utf8');
    expect((await eslint.lintText(proxyText, { filePath: proxy }))[0].messages.map((m) => m.ruleId)).toEqual(['lockscope/guard-across-branch']);
    const withoutCall = proxyText.replace(/self\.init_for\([^)]*\);/, '();');
    expect(withoutCall).not.toBe(proxyText);
    expect((await eslint.lintText(withoutCall, { filePath: proxy }))[0].messages).toEqual([]);
  });
});

describe('eslint-disable comments in Rust', () => {
  const eslint = eslintWith(recommended);
  const file = join(fixturesDir, 'double_lock_let.rs');
  const lines = readFileSync(file, 'utf8').split('\n');
  const withLineBefore = (line: number, comment: string): string => [...lines.slice(0, line - 1), comment, ...lines.slice(line - 1)].join('\n');

  it('eslint-disable-next-line silences one finding', async () => {
    const text = withLineBefore(17, '        // eslint-disable-next-line lockscope/double-lock -- reviewed: test-only path');
    const [result] = await eslint.lintText(text, { filePath: file });
    expect(result.messages.map((m) => m.line)).toEqual([41, 54]);
    expect(result.suppressedMessages.map((m) => [m.line, m.ruleId, m.suppressions[0].justification])).toEqual([
      [18, 'lockscope/double-lock', 'reviewed: test-only path'],
    ]);
  });

  it('eslint-disable-line and block eslint-disable / eslint-enable', async () => {
    // Line 40 already ends in a `//` comment: a directive inside it would be part of that comment.
    const sameLine = lines.map((l, i) => (i === 39 ? l.replace('// expect: double-lock', '// eslint-disable-line lockscope/double-lock') : l)).join('\n');
    expect((await eslint.lintText(sameLine, { filePath: file }))[0].messages.map((m) => m.line)).toEqual([17, 53]);

    const block = [...lines.slice(0, 38), '    /* eslint-disable lockscope/double-lock */', ...lines.slice(38, 50), '    // eslint-enable lockscope/double-lock', ...lines.slice(50)].join('\n');
    expect((await eslint.lintText(block, { filePath: file }))[0].messages.map((m) => m.line)).toEqual([17, 55]);
  });

  it('a disable comment for another rule silences nothing, and unused ones are reported when asked', async () => {
    const text = withLineBefore(17, '        // eslint-disable-next-line lockscope/lock-upgrade');
    const strictUnused = eslintWith([...recommended, { linterOptions: { reportUnusedDisableDirectives: 'error' } }]);
    const [result] = await strictUnused.lintText(text, { filePath: file });
    expect(result.messages.map((m) => [m.line, m.ruleId])).toEqual([
      [17, null],
      [18, 'lockscope/double-lock'],
      [41, 'lockscope/double-lock'],
      [54, 'lockscope/double-lock'],
    ]);
  });

  it('an inline `eslint` config comment turns a rule off for the file', async () => {
    const text = `/* eslint lockscope/double-lock: "off" */\n${lines.join('\n')}`;
    expect((await eslint.lintText(text, { filePath: file }))[0].messages).toEqual([]);
  });

  it("the CLI's lockscope-ignore-next-line silences the finding in ESLint too", async () => {
    const text = withLineBefore(17, '        // lockscope-ignore-next-line double-lock -- reviewed: test-only path');
    expect((await eslint.lintText(text, { filePath: file }))[0].messages.map((m) => m.line)).toEqual([41, 54]);
  });

  it('doc comments are not directives', async () => {
    const text = withLineBefore(17, '        /// eslint-disable-next-line lockscope/double-lock');
    expect((await eslint.lintText(text, { filePath: file }))[0].messages.map((m) => m.line)).toEqual([18, 41, 54]);
  });
});

describe('the lockscope/rust language', () => {
  const language = plugin.languages.rust;

  it('validates its options: only a known edition', () => {
    expect(() => language.validateLanguageOptions({ edition: 2024 })).not.toThrow();
    expect(() => language.validateLanguageOptions({ edition: 2022 as never })).toThrow(/edition must be one of/);
    expect(() => language.validateLanguageOptions({ editon: 2021 } as never)).toThrow(/Unknown Rust language option "editon"/);
  });

  it('languageOptions.edition overrides Cargo.toml: 2024 drops the if-let scrutinee before else', async () => {
    const files = rustFilesOf('edition_pair_2021');
    const as2021 = eslintLines(await eslintWith(recommended).lintFiles(files));
    // As the README writes it: an entry of its own after the recommended config.
    const as2024 = eslintLines(await eslintWith([...recommended, { files: ['**/*.rs'], languageOptions: { edition: 2024 } }]).lintFiles(files));
    expect(as2021.sort()).toEqual(cliFindings('fixtures/rust/edition_pair_2021').map(cliLine).sort());
    expect(as2024.sort()).toEqual(cliFindings('fixtures/rust/edition_pair_2021', ['--edition', '2024']).map(cliLine).sort());
    expect(as2024.length).toBeLessThan(as2021.length);
  });

  it('gives a traversable SourceCode: getLoc, getRange, getText, lines, getParent, getAncestors, traverse', () => {
    const text = 'fn f(m: &Mutex<u8>) {\n    // hi\n    if let Some(x) = m.lock().ok() { g(x); }\n}\n';
    const file = { path: '/virtual/f.rs', physicalPath: '/virtual/f.rs', bom: false, body: text };
    const parsed = language.parse(file);
    const code: RustSourceCode = language.createSourceCode(file, parsed);

    expect(code.ast.type).toBe('source_file');
    expect(code.lines).toEqual(['fn f(m: &Mutex<u8>) {', '    // hi', '    if let Some(x) = m.lock().ok() { g(x); }', '}', '']);
    const visited: RustNode[] = [];
    for (const step of code.traverse()) if (step.phase === 1) visited.push(step.target as RustNode);
    const ifLet = visited.find((n) => n.type === 'if_expression')!;
    expect(code.getText(ifLet)).toBe('if let Some(x) = m.lock().ok() { g(x); }');
    expect(code.getLoc(ifLet)).toEqual({ start: { line: 3, column: 5 }, end: { line: 3, column: 45 } });
    expect(code.getRange(ifLet)).toEqual([text.indexOf('if let'), text.indexOf('if let') + 40]);
    expect(code.getParent(ifLet)?.type).toBe('expression_statement');
    expect(code.getAncestors(ifLet).map((n) => n.type)).toEqual(['source_file', 'function_item', 'block', 'expression_statement']);
    expect(code.getParent(code.ast)).toBeUndefined();
    expect(code.comments.map((c) => c.value)).toEqual([' hi']);
    expect(code.getLocFromIndex(text.indexOf('m.lock'))).toEqual({ line: 3, column: 22 });
    // Every node is entered once and exited once, children between.
    const steps = [...code.traverse()];
    expect(steps.length).toBe(visited.length * 2);
    expect(steps[0].target).toBe(code.ast);
    expect(steps.at(-1)!.target).toBe(code.ast);
  });

  it('runs selector-based rules of other plugins over the tree', async () => {
    const seen: string[] = [];
    const probe = {
      meta: { languages: ['lockscope/rust'] },
      create(context: { sourceCode: RustSourceCode }) {
        return {
          'if_expression > let_condition call_expression'(node: RustNode) {
            seen.push(context.sourceCode.getText(node));
          },
        };
      },
    };
    const eslint = eslintWith([...recommended, { files: ['**/*.rs'], plugins: { probe: { rules: { calls: probe } } as never }, rules: { 'probe/calls': 'error' } }]);
    await eslint.lintText('fn f() { if let Some(x) = m.read().get(1) { } }\n', { filePath: join(root, 'probe.rs') });
    expect(seen).toEqual(['m.read().get(1)', 'm.read()']);
  });

  it('keeps analysing half-written code', async () => {
    const results = await eslintWith(recommended).lintFiles(rustFilesOf('half_written.rs'));
    expect(results[0].messages.every((m) => !m.fatal)).toBe(true);
    const unclosed = `fn f() { ${'('.repeat(5000)} }`;
    const [result] = await eslintWith(recommended).lintText(unclosed, { filePath: join(root, 'deep.rs') });
    expect(result.messages.every((m) => !m.fatal)).toBe(true);
  });

  it('keeps the tree at most 1,000 deep, so ESLint walks a 100,000-deep file in linear time', async () => {
    const deep = `fn f() ${'{'.repeat(50_000)}${'}'.repeat(50_000)}\n`;
    const { ast } = parseRustAst(deep);
    let depth = 0;
    let nodes = 0;
    const pending: [RustNode, number][] = [[ast, 0]];
    while (pending.length > 0) {
      const [node, at] = pending.pop()!;
      nodes++;
      depth = Math.max(depth, at);
      for (const child of node.children) pending.push([child, at + 1]);
    }
    expect(depth).toBeLessThanOrEqual(1000);
    expect(nodes).toBeGreaterThan(50_000);
    const [result] = await eslintWith(recommended).lintText(deep, { filePath: join(root, 'deep.rs') });
    expect(result.messages).toEqual([]);
  });
});

describe('plugin metadata', () => {
  it('has one ESLint rule per Rust catalogue entry, for the rust language, with its docs URL', () => {
    for (const rule of RULES.filter((r) => r.language === 'rust')) {
      const definition = plugin.rules[rule.id as keyof typeof plugin.rules] as { meta: { languages: string[]; docs: { url: string } } };
      expect(definition.meta.languages).toEqual(['lockscope/rust']);
      expect(definition.meta.docs.url).toBe(docsUrl(rule.id));
    }
  });

  it('recommended and strict enable the Rust language on **/*.rs', () => {
    for (const config of [recommended, strict]) {
      const rust = config.find((c) => c.language === 'lockscope/rust')!;
      expect(rust.files).toEqual(['**/*.rs']);
    }
    expect(rustPart(recommended).rules).toEqual({
      'lockscope/guard-across-branch': 'error',
      'lockscope/double-lock': 'error',
      'lockscope/lock-upgrade': 'error',
      'lockscope/lock-order-inversion': 'warn',
      'lockscope/guard-across-await': 'warn',
      'lockscope/guard-across-wait': 'warn',
    });
    expect(rustPart(strict).rules?.['lockscope/scrutinee-guard']).toBe('error');
  });
});

describe('suggestions (issue 13 item 7)', () => {
  /** From `pub fn name(` to its closing `    }`, without the signature line and `// expect:` marks. */
  function body(source: string, name: string): string {
    const start = source.search(new RegExp(`pub (?:async )?fn ${name}\\(`));
    expect(start, name).toBeGreaterThan(-1);
    const end = source.indexOf('\n    }\n', start);
    return source
      .slice(source.indexOf('\n', start) + 1, end)
      .replace(/ *\/\/ expect: [\w -]+$/gm, '');
  }

  /** What ESLint suggests in `file`, each applied alone, by the case function it is in (in ESLint's order). */
  async function suggested(file: string): Promise<{ text: string; offered: Map<string, string[]> }> {
    const text = readFileSync(file, 'utf8');
    const [result] = await eslintWith(recommended).lintFiles([file]);
    const offered = new Map<string, string[]>();
    for (const message of result.messages) {
      if (!message.suggestions?.length) continue;
      const fn = [...text.split('\n').slice(0, message.line).join('\n').matchAll(/pub (?:async )?fn (\w+)\(/g)].at(-1)![1];
      offered.set(fn, message.suggestions.map(({ fix }) => text.slice(0, fix.range[0]) + fix.text + text.slice(fix.range[1])));
    }
    return { text, offered };
  }

  /** The twin of a case's n-th suggestion (0-based): `should_not_trigger_x_rewritten`, `…_rewritten_2`. */
  const twinOf = (fn: string, n: number): string => `${fn.replace('should_trigger_', 'should_not_trigger_')}_rewritten${n === 0 ? '' : `_${n + 1}`}`;

  // Each `*_suggestion.rs` fixture pairs every suggestion offered with a `_rewritten` twin (which
  // the ground truth runs to completion), and has cases where none may be offered.
  for (const name of ['guard_across_branch_suggestion.rs', 'double_lock_suggestion.rs']) {
    it(`${name}: a suggestion exactly where a \`_rewritten\` twin is, and its output is the twin`, async () => {
      const { text, offered } = await suggested(join(fixturesDir, name));
      const twins = [...text.matchAll(/pub (?:async )?fn (should_not_trigger_\w+_rewritten(?:_\d+)?)\(/g)].map((m) => m[1]);
      expect([...offered].flatMap(([fn, outputs]) => outputs.map((_, n) => twinOf(fn, n))).sort()).toEqual(twins.sort());
      for (const [fn, outputs] of offered) {
        outputs.forEach((output, n) => expect(body(output, fn), `${fn} suggestion ${n + 1}`).toBe(body(text, twinOf(fn, n))));
      }
      // The cases without a twin are still reported, only without a suggestion.
      expect(text.match(/\/\/ expect:/g)!.length).toBeGreaterThan(offered.size);
    });
  }

  it('guard-across-branch: ending the `if let` early only where the else block alone conflicts and the `if let` is a statement or its block\'s value; binding first only where a `let` can go before it and the scrutinee is an owned value, or a `get` to clone when nothing surer is offered', async () => {
    const { offered } = await suggested(join(fixturesDir, 'guard_across_branch_suggestion.rs'));
    const kinds = [...offered].map(([fn, outputs]) => `${fn}: ${outputs.map((o) => (body(o, fn).includes('let matched = ') ? 'end early' : 'bind first')).join(', ')}`);
    expect(kinds).toEqual([
      'should_trigger_register: end early',
      'should_trigger_name: end early',
      'should_trigger_both_blocks: bind first',
      'should_trigger_as_value: end early',
      'should_trigger_match_copied: bind first',
      'should_trigger_copied_else: end early, bind first',
    ]);
  });
});
