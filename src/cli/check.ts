// `lockscope check`: select files, run the Rust and TS/JS analyses, then — once, for both
// languages — apply suppressions, the staged-files filter and the baseline; print, choose the exit code.
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import ignore from 'ignore';
import { readBaseline, subtractBaseline, writeBaseline } from '../core/baseline.js';
import { findRule } from '../core/catalogue.js';
import { loadConfig, type LockscopeConfig } from '../core/config.js';
import { discoverFiles, readSourceFile, type DiscoveredFiles, type SourceOverrides } from '../core/discover.js';
import type { Io, ProgressWriter } from '../core/io.js';
import { compareByLocation, type SourceLookup } from '../core/fingerprint.js';
import type { AnalysisNote, Diagnostic, Edition, RuleSetting } from '../core/model.js';
import { applySuppressions, findSuppressionRule, parseSuppressions, type Suppression } from '../core/suppressions.js';
import type { RustAnalysisOptions } from '../rust/analyze.js';
import { analyzeRustFiles } from '../rust/parallel.js';
import { formatGithub } from './format-github.js';
import { formatJson } from './format-json.js';
import { formatSarif } from './format-sarif.js';
import { formatNotes, formatSummary, formatText } from './format-text.js';
import { Progress } from './progress.js';
import { ownFilesOfCrates, stagedSelection } from './staged.js';

export interface CheckOptions {
  readonly paths: readonly string[];
  readonly format: 'text' | 'json' | 'sarif' | 'github';
  readonly failOn: 'error' | 'warn' | 'off';
  /** `--edition`: wins over the configuration and Cargo.toml. */
  readonly edition?: Edition;
  /** `--rule` settings: win over the configuration's. */
  readonly rules: Readonly<Record<string, RuleSetting>>;
  readonly quiet: boolean;
  readonly color: boolean;
  readonly cwd: string;
  /** Analyse the crates/packages of the staged files, report only findings in staged files. */
  readonly staged?: boolean;
  /** Report only findings not in this baseline file. */
  readonly baseline?: string;
  /** Record the current findings in this file instead of reporting them. */
  readonly writeBaseline?: string;
  /** `--include-generated`: analyse minified and bundled JS too. */
  readonly includeGenerated?: boolean;
  /** Progress line writer; absent when stderr is not a terminal. */
  readonly progress?: ProgressWriter;
}

export interface CheckResult {
  readonly diagnostics: Diagnostic[];
  readonly notes: AnalysisNote[];
  readonly files: number;
  readonly lines: number;
  readonly ms: number;
  /** Findings silenced by `lockscope-ignore-next-line` comments. */
  readonly suppressed: number;
}

interface Selection extends DiscoveredFiles {
  /** Only findings and notes in these files are reported (`--staged`); all when absent. */
  readonly reportOnly?: ReadonlySet<string>;
  /** Staged content of the staged files, analysed instead of the working tree (`--staged`). */
  readonly contents?: SourceOverrides;
}

/** From this many files on, a run is expected to take long enough to show progress at once. */
const LONG_RUN_FILES = 200;

function selectFiles(options: CheckOptions, config: LockscopeConfig | undefined): Selection {
  let selection: Selection;
  if (options.staged) {
    const staged = stagedSelection(options.cwd);
    const found = staged.analyse.length > 0 ? discoverFiles(staged.analyse, options.cwd) : { rust: [], ts: [], notes: [], missing: [] };
    const notes = [...found.notes, ...staged.notes.map((n) => ({ ...n, file: relative(options.cwd, n.file) || n.file }))];
    selection = { ...found, notes, rust: ownFilesOfCrates(found.rust, staged), reportOnly: staged.staged, contents: staged.contents };
  } else {
    selection = discoverFiles(options.paths, options.cwd);
  }
  if (!config || config.ignore.length === 0) return selection;
  const base = dirname(config.file);
  const ignored = ignore().add([...config.ignore]);
  const kept = (file: string): boolean => {
    const rel = relative(base, file);
    return rel.startsWith('..') || !ignored.ignores(rel.split(sep).join('/'));
  };
  return { ...selection, rust: selection.rust.filter(kept), ts: selection.ts.filter(kept) };
}

function sourceLookup(cwd: string, overrides?: SourceOverrides): SourceLookup {
  const cache = new Map<string, string | undefined>();
  return (file) => {
    if (!cache.has(file)) {
      const absolute = resolve(cwd, file);
      try {
        cache.set(file, overrides && Object.hasOwn(overrides, absolute) ? overrides[absolute] : readFileSync(absolute, 'utf8'));
      } catch {
        cache.set(file, undefined);
      }
    }
    return cache.get(file);
  };
}

export function effectiveSetting(ruleId: string, rules: Readonly<Record<string, RuleSetting>>): RuleSetting {
  if (Object.hasOwn(rules, ruleId)) return rules[ruleId];
  return findRule(ruleId)?.defaultSetting ?? findSuppressionRule(ruleId)?.defaultSetting ?? 'off';
}

export async function analyzePaths(
  options: CheckOptions,
  config: LockscopeConfig | undefined = loadConfig(options.cwd),
  progress: Progress = new Progress(undefined),
): Promise<CheckResult & { missing: string[]; contents?: SourceOverrides }> {
  const started = performance.now();
  progress.phase('finding files');
  const found = selectFiles(options, config);
  if (found.missing.length > 0) {
    return { diagnostics: [], notes: found.notes, files: 0, lines: 0, ms: performance.now() - started, suppressed: 0, missing: found.missing };
  }
  const rules = { ...config?.rules, ...options.rules };
  const rustOptions: RustAnalysisOptions = {
    cwd: options.cwd,
    edition: options.edition ?? config?.edition,
    rules,
    extraLockApis: config?.extraLockApis.rust ?? { lockTypes: {}, guardTypes: {} },
    sourceOverrides: found.contents,
    withoutSuggestions: options.format !== 'text',
  };
  progress.phase(`Rust: analysing ${found.rust.length} files`, found.rust.length >= LONG_RUN_FILES);
  const rust = await analyzeRustFiles(found.rust, rustOptions);
  if (found.ts.length > 0) progress.phase(`TS/JS: analysing ${found.ts.length} files`, found.ts.length >= LONG_RUN_FILES);
  // Loaded only when needed: ESLint and TypeScript take half a second to load, which a
  // pre-commit run on Rust files should not pay.
  const ts = found.ts.length > 0 ? await (await import('../ts/check.js')).checkTsFiles(found.ts, { cwd: options.cwd, rules, sourceOverrides: found.contents, extraLockApis: config?.extraLockApis.ts, includeGenerated: options.includeGenerated }) : { diagnostics: [], notes: [], lines: 0 };

  const shown = (file: string): string => relative(options.cwd, file) || file;
  const reported = (file: string): boolean => !found.reportOnly || found.reportOnly.has(resolve(options.cwd, file));
  const suppressions: Suppression[] = [];
  for (const file of [...found.rust, ...found.ts]) {
    if (!reported(file)) continue;
    const read = readSourceFile(file, found.contents);
    if (!read.ok) continue; // the front end has already noted it
    suppressions.push(...parseSuppressions(shown(file), read.text));
  }
  const inScope = [...rust.diagnostics, ...ts.diagnostics].filter((d) => reported(d.span.file));
  const { kept, suppressed, problems } = applySuppressions(inScope, suppressions, (id) => effectiveSetting(id, rules));
  const diagnostics = [...kept, ...problems].sort(compareByLocation);
  return {
    diagnostics,
    notes: [...found.notes, ...rust.notes, ...ts.notes].filter((n) => reported(n.file)),
    files: found.rust.length + found.ts.length,
    lines: rust.lines + ts.lines,
    ms: performance.now() - started,
    suppressed,
    missing: found.missing,
    contents: found.contents,
  };
}

export async function runCheck(options: CheckOptions, io: Io): Promise<number> {
  const config = loadConfig(options.cwd);
  const baseline = options.baseline !== undefined ? readBaseline(options.baseline, options.cwd) : undefined;
  const progress = new Progress(options.quiet ? undefined : options.progress);
  let result: CheckResult & { missing: string[]; contents?: SourceOverrides };
  try {
    result = await analyzePaths(options, config, progress);
  } finally {
    progress.done();
  }
  if (result.missing.length > 0) {
    io.stderr(`lockscope: cannot read ${result.missing.map((m) => `"${m}"`).join(', ')}: no such file or directory`);
    return 2;
  }
  const sources = sourceLookup(options.cwd, result.contents);

  if (options.writeBaseline !== undefined) {
    const count = writeBaseline(options.writeBaseline, result.diagnostics, sources, options.cwd);
    if (!options.quiet) io.stderr(`lockscope: wrote ${count} finding${count === 1 ? '' : 's'} to the baseline ${options.writeBaseline}`);
    return 0;
  }

  let diagnostics = result.diagnostics;
  let known = 0;
  if (baseline && options.baseline !== undefined) {
    ({ fresh: diagnostics, known } = subtractBaseline(diagnostics, baseline, sources, options.baseline, options.cwd));
  }

  if (options.format === 'json') {
    io.stdout(formatJson(diagnostics, result));
  } else if (options.format === 'sarif') {
    io.stdout(formatSarif(diagnostics, sources, options.cwd));
  } else if (options.format === 'github') {
    const annotations = formatGithub(diagnostics);
    if (annotations) io.stdout(annotations);
  } else {
    const text = formatText(diagnostics, sources, { color: options.color });
    if (text) io.stdout(text);
  }
  if (!options.quiet) {
    if (result.notes.length > 0) io.stderr(formatNotes(result.notes));
    const hidden = [
      result.suppressed > 0 ? `${result.suppressed} suppressed by comments` : '',
      baseline ? `${known} known finding${known === 1 ? '' : 's'} hidden by the baseline ${options.baseline}` : '',
    ].filter((s) => s.length > 0);
    io.stderr(`${formatSummary(diagnostics, result.files, result.ms)}${hidden.length > 0 ? `; ${hidden.join('; ')}` : ''}`);
  }
  const failing = diagnostics.filter((d) =>
    options.failOn === 'off' ? false : options.failOn === 'warn' ? true : d.severity === 'error',
  );
  return failing.length > 0 ? 1 : 0;
}
