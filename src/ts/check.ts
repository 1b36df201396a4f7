// The CLI's way into the TS/JS rules: runs them through ESLint's Node API (typed where a
// tsconfig.json covers the file, untyped otherwise) and maps the messages to `Diagnostic`s.
import fs from 'node:fs';
import path from 'node:path';
import { ESLint, type Linter } from 'eslint';
import tsParser from '@typescript-eslint/parser';
import { generatedCodeReason } from './generated.js';
import { importsFirst } from './lintOrder.js';
import { lendFactsOf } from './projectFacts.js';
import { recoverIntactCode } from './recover.js';
import { RULES } from '../core/catalogue.js';
import { lineCount, readSourceFile, type SourceOverrides } from '../core/discover.js';
import type { TsExtraLockApis } from '../core/config.js';
import type { AnalysisNote, Diagnostic, RuleSetting, SourceSpan } from '../core/model.js';
import plugin from '../plugin.js';
import { detailsOfReport } from './reports.js';
import type { LockAnalysis } from './analysis.js';
import { lockAnalysisFor } from '../rules/utils/lockAnalysis.js';
import { appendAll } from '../core/append.js';

export interface CheckTsOptions {
  readonly cwd: string;
  /** Rule id (without `lockscope/`) to setting; rules not named keep their catalogue default. */
  readonly rules: Record<string, RuleSetting>;
  /** Text to lint instead of the file on disk (`--staged`: the staged content). */
  readonly sourceOverrides?: SourceOverrides;
  /** `extraLockApis.ts` of the configuration, handed to the rules as ESLint settings. */
  readonly extraLockApis?: TsExtraLockApis;
  /** `--include-generated`: analyse minified and bundled JS too (see generated.ts). */
  readonly includeGenerated?: boolean;
}

export interface CheckTsResult {
  readonly diagnostics: Diagnostic[];
  readonly notes: AnalysisNote[];
  /** Lines of the files read (skipped ones not counted), as the Rust side counts them. */
  readonly lines: number;
}

function hasTsconfigAbove(file: string): boolean {
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'tsconfig.json'))) return true;
    if (path.dirname(dir) === dir) return false;
  }
}

function ruleSettings(options: CheckTsOptions): Linter.RulesRecord {
  const settings: Linter.RulesRecord = {};
  for (const rule of RULES) {
    if (rule.language !== 'ts') continue;
    settings[`lockscope/${rule.id}`] = options.rules[rule.id] ?? rule.defaultSetting;
  }
  return settings;
}

/**
 * The deepest directory holding `cwd` and every file: ESLint ignores files outside its base path
 * ("File ignored because outside of base path"), so `lockscope check ../other` needs a wider root.
 */
function commonRoot(cwd: string, files: readonly string[]): string {
  let root = path.resolve(cwd);
  for (const file of files) {
    while (path.relative(root, file).startsWith('..') || path.isAbsolute(path.relative(root, file))) {
      const parent = path.dirname(root);
      if (parent === root) break;
      root = parent;
    }
  }
  return root;
}

function eslintFor(options: CheckTsOptions, typed: boolean, root: string, rules?: Pick<Linter.Config, 'plugins' | 'rules'>): ESLint {
  const parserOptions: Linter.ParserOptions = typed ? { projectService: true, tsconfigRootDir: root } : {};
  const config: Linter.Config[] = [
    {
      files: ['**/*.{ts,tsx,mts,cts,js,jsx,mjs,cjs}'],
      languageOptions: { parser: tsParser as Linter.Parser, ecmaVersion: 'latest', sourceType: 'module', parserOptions },
      ...(rules ?? { plugins: { lockscope: plugin as never }, rules: ruleSettings(options) }),
      settings: { lockscope: { extraLockApis: { ts: options.extraLockApis ?? {} } } },
      linterOptions: { reportUnusedDisableDirectives: 'off', noInlineConfig: true },
    },
    { files: ['**/*.cjs'], languageOptions: { sourceType: 'commonjs' } },
  ];
  return new ESLint({ cwd: root, overrideConfigFile: true, overrideConfig: config, ignore: false, errorOnUnmatchedPattern: false });
}

/** A typed parse that failed only because no TypeScript project includes the file. */
function isProjectMiss(message: string): boolean {
  return /project service|parserOptions\.project|tsconfig|was not found by the project|not included in/i.test(message);
}

/**
 * ESLint needs about 7 s and 0.7 GB per MB of TS/JS; past this size a file (a bundle, generated
 * code) is skipped with a note rather than stalling or exhausting the run.
 */
export const MAX_TS_FILE_BYTES = 2 * 1024 * 1024;

/** Lints the intact part of a file that does not parse (see recover.ts); undefined when none can be had. */
async function lintRecovered(eslint: ESLint, file: string, overrides?: SourceOverrides): Promise<{ messages: Linter.LintMessage[]; brokenLines: number[] } | undefined> {
  const read = readSourceFile(file, overrides);
  if (!read.ok) return undefined;
  let recovered;
  try {
    recovered = recoverIntactCode(read.text, file);
  } catch (error) {
    // TypeScript's parser and our walk recurse: absurdly deep nesting is left unanalysed, with the note.
    if (error instanceof RangeError) return undefined;
    throw error;
  }
  if (!recovered) return undefined;
  const [result] = await eslint.lintText(recovered.text, { filePath: file });
  if (!result || result.messages.some((message) => message.fatal)) return undefined;
  return { messages: result.messages, brokenLines: recovered.brokenLines };
}

/** What linting one file gave, kept until every file is linted so the output keeps the files' order. */
interface FileOutcome {
  readonly diagnostics: Diagnostic[];
  readonly notes: AnalysisNote[];
  /** Typed linting failed: lint the file again untyped. */
  retry: boolean;
}

export async function checkTsFiles(files: string[], options: CheckTsOptions): Promise<CheckTsResult> {
  const diagnostics: Diagnostic[] = [];
  const notes: AnalysisNote[] = [];
  let lines = 0;
  const relativeOf = (file: string): string => path.relative(options.cwd, file) || path.basename(file);
  // Read first, as the Rust side does: binary and non-UTF-8 files are skipped with the same notes.
  const texts = new Map<string, string>();
  const absolute = files
    .map((file) => path.resolve(options.cwd, file))
    .filter((file) => {
      const read = readSourceFile(file, options.sourceOverrides);
      if (!read.ok) {
        notes.push({ file: relativeOf(file), message: read.reason });
        return false;
      }
      if (read.text.length > MAX_TS_FILE_BYTES) {
        notes.push({ file: relativeOf(file), message: `skipped a file over ${MAX_TS_FILE_BYTES / 1024 / 1024} MB (bundled or generated code)` });
        return false;
      }
      const generated = options.includeGenerated ? undefined : generatedCodeReason(file, read.text);
      if (generated) {
        notes.push({ file: relativeOf(file), message: `skipped ${generated}; --include-generated analyses it` });
        return false;
      }
      lines += lineCount(read.text);
      texts.set(file, read.text);
      return true;
    });
  const typedFiles = absolute.filter(hasTsconfigAbove);
  const untypedFiles = absolute.filter((file) => !typedFiles.includes(file));
  const relative = (file: string): string => path.relative(options.cwd, file) || path.basename(file);

  const lintFile = async (eslint: ESLint, file: string, typed: boolean): Promise<FileOutcome> => {
    const outcome: FileOutcome = { diagnostics: [], notes: [], retry: false };
    const { diagnostics, notes } = outcome;
    let results: ESLint.LintResult[];
    try {
      // The text read above, handed over: `lintFiles` would read the file again and expand and
      // match its pattern on every call (about 4% of the CPU on the 360-file bench project).
      results = await eslint.lintText(options.sourceOverrides?.[file] ?? texts.get(file)!, { filePath: file });
    } catch (error) {
      if (typed) outcome.retry = true;
      else notes.push({ file: relative(file), message: `could not analyse this file: ${(error as Error).message.split('\n')[0]}` });
      return outcome;
    }
    for (const result of results) {
      const fatal = result.messages.find((message) => message.fatal);
      if (fatal && typed && isProjectMiss(fatal.message)) {
        outcome.retry = true;
        continue;
      }
      if (fatal) {
        const recovered = await lintRecovered(eslint, result.filePath, options.sourceOverrides);
        if (!recovered) {
          notes.push({ file: relative(result.filePath), line: fatal.line, message: `could not parse this file (${fatal.message.split('\n')[0]}); it was not analysed` });
          continue;
        }
        const lines = recovered.brokenLines.join(', ');
        notes.push({
          file: relative(result.filePath),
          line: fatal.line,
          message: `does not parse (${fatal.message.split('\n')[0]}); the statements around the syntax error${recovered.brokenLines.length === 1 ? '' : 's'} (line${recovered.brokenLines.length === 1 ? '' : 's'} ${lines}) were skipped and the rest analysed`,
        });
        result.messages = recovered.messages;
      }
      for (const message of result.messages) {
        if (message.ruleId === null && /ignored/i.test(message.message)) {
          notes.push({ file: relative(result.filePath), message: `not analysed: ESLint says "${message.message}"` });
          continue;
        }
        if (!message.ruleId?.startsWith('lockscope/')) continue;
        const rule = message.ruleId.slice('lockscope/'.length);
        const span: SourceSpan = {
          file: relative(result.filePath),
          line: message.line,
          column: message.column,
          endLine: message.endLine ?? message.line,
          endColumn: message.endColumn ?? message.column,
        };
        const details = detailsOfReport(result.filePath, rule, message.line, message.column, message.message);
        const related = (details?.related ?? []).map((location) => ({
          span: { ...location.span, file: relative(location.span.file) },
          message: location.message,
        }));
        // A lock known only by its shape is not worth failing a build over: at most a warning.
        // Offsets into recovered text would not fit the file: a file that needed recovery gets no rewrites.
        const suggestions = fatal ? [] : (message.suggestions ?? []).map((s) => ({ message: s.desc, edits: [{ range: s.fix.range, text: s.fix.text }] }));
        diagnostics.push({
          rule,
          severity: message.severity === 2 && !details?.lowConfidence ? 'error' : 'warn',
          span,
          message: details?.description ?? message.message,
          related,
          ...(suggestions.length > 0 ? { suggestions } : {}),
        });
      }
    }
    return outcome;
  };

  const lint = async (targets: string[], typed: boolean): Promise<string[]> => {
    if (targets.length === 0) return [];
    const eslint = eslintFor(options, typed, commonRoot(options.cwd, targets));
    const outcomes = new Map<string, FileOutcome>();
    const order = importsFirst(targets, (file) => texts.get(file));
    lendFactsOf(order.imported);
    try {
      for (const file of order.files) outcomes.set(file, await lintFile(eslint, file, typed));
    } finally {
      lendFactsOf(new Set());
    }
    const retry: string[] = [];
    for (const file of targets) {
      const outcome = outcomes.get(file)!;
      appendAll(diagnostics, outcome.diagnostics);
      appendAll(notes, outcome.notes);
      if (outcome.retry) retry.push(file);
    }
    return retry;
  };

  const untypedAfterAll = await lint(typedFiles, true);
  for (const file of untypedAfterAll) notes.push({ file: relative(file), message: 'no tsconfig.json includes this file: analysed without types' });
  await lint([...untypedFiles, ...untypedAfterAll], false);
  diagnostics.sort((a, b) => a.span.file.localeCompare(b.span.file) || a.span.line - b.span.line || a.span.column - b.span.column);
  return { diagnostics, notes, lines };
}

/** A file's lock analysis and the text its ranges index. */
export interface TsFileAnalysis {
  readonly analysis: LockAnalysis;
  readonly text: string;
}

/**
 * The lock analysis of every file as `check` lints it (typed where a tsconfig.json covers the
 * file, untyped otherwise): the Semgrep project pack is generated from the same facts. Files
 * that do not parse are left out.
 */
export async function tsLockAnalyses(files: readonly string[], options: CheckTsOptions): Promise<TsFileAnalysis[]> {
  const collected: TsFileAnalysis[] = [];
  const collector = {
    meta: { type: 'problem' as const, schema: [] },
    create(context: Parameters<typeof lockAnalysisFor>[0]) {
      return { Program: () => void collected.push({ analysis: lockAnalysisFor(context), text: context.sourceCode.text }) };
    },
  };
  const rules = { plugins: { 'lockscope-facts': { rules: { collect: collector } } as never }, rules: { 'lockscope-facts/collect': 'error' as const } };
  const absolute = files.map((file) => path.resolve(options.cwd, file));
  const root = commonRoot(options.cwd, absolute);
  const typedEslint = eslintFor(options, true, root, rules);
  const untypedEslint = eslintFor(options, false, root, rules);
  for (const file of absolute) {
    const attempts = hasTsconfigAbove(file) ? [typedEslint, untypedEslint] : [untypedEslint];
    for (const eslint of attempts) {
      const results = await eslint.lintFiles([file]).catch(() => []);
      if (results.length > 0 && !results.some((r) => r.messages.some((m) => m.fatal))) break;
    }
  }
  return collected;
}
