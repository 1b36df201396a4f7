// `lockscope check`: discover files, run the Rust and TS/JS analyses, print, choose the exit code.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { discoverFiles } from '../core/discover.js';
import type { AnalysisNote, Diagnostic, RuleSetting } from '../core/model.js';
import { analyzeRustFiles } from '../rust/parallel.js';
import { checkTsFiles } from '../ts/check.js';
import type { Edition } from '../rust/crates.js';
import { formatJson } from './format-json.js';
import { formatNotes, formatSummary, formatText } from './format-text.js';
import type { Io } from './main.js';

export interface CheckOptions {
  readonly paths: readonly string[];
  readonly format: 'text' | 'json';
  readonly failOn: 'error' | 'warn' | 'off';
  readonly edition?: Edition;
  readonly rules: Readonly<Record<string, RuleSetting>>;
  readonly quiet: boolean;
  readonly color: boolean;
  readonly cwd: string;
}

export interface CheckResult {
  readonly diagnostics: Diagnostic[];
  readonly notes: AnalysisNote[];
  readonly files: number;
  readonly lines: number;
  readonly ms: number;
}

export async function analyzePaths(options: CheckOptions): Promise<CheckResult & { missing: string[] }> {
  const started = performance.now();
  const found = discoverFiles(options.paths, options.cwd);
  const rust = await analyzeRustFiles(found.rust, { cwd: options.cwd, edition: options.edition, rules: options.rules });
  const ts = found.ts.length > 0 ? await checkTsFiles(found.ts, { cwd: options.cwd, rules: { ...options.rules } }) : { diagnostics: [], notes: [] };
  const diagnostics = [...rust.diagnostics, ...ts.diagnostics];
  const notes = [...found.notes, ...rust.notes, ...ts.notes];
  return {
    diagnostics,
    notes,
    files: found.rust.length + found.ts.length,
    lines: rust.lines,
    ms: performance.now() - started,
    missing: found.missing,
  };
}

export async function runCheck(options: CheckOptions, io: Io): Promise<number> {
  const result = await analyzePaths(options);
  if (result.missing.length > 0) {
    io.stderr(`lockscope: cannot read ${result.missing.map((m) => `"${m}"`).join(', ')}: no such file or directory`);
    return 2;
  }
  if (options.format === 'json') {
    io.stdout(formatJson(result.diagnostics, result));
  } else {
    const sources = (file: string): string | undefined => {
      try {
        return readFileSync(resolve(options.cwd, file), 'utf8');
      } catch {
        return undefined;
      }
    };
    const text = formatText(result.diagnostics, sources, { color: options.color });
    if (text) io.stdout(text);
    if (!options.quiet) io.stderr(formatSummary(result.diagnostics, result.files, result.ms));
  }
  if (!options.quiet && result.notes.length > 0) io.stderr(formatNotes(result.notes));
  const failing = result.diagnostics.filter((d) =>
    options.failOn === 'off' ? false : options.failOn === 'warn' ? true : d.severity === 'error',
  );
  return failing.length > 0 ? 1 : 0;
}
