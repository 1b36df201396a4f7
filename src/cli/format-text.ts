// rustc-style text output: headline, code frame with a caret under the guard, then the chain.
import type { AnalysisNote, Diagnostic, Suggestion } from '../core/model.js';
import { visible, visibleSourceLine } from './terminal-text.js';

export interface TextStyle {
  readonly color: boolean;
}

const paint = (on: boolean, code: string, text: string): string => (on ? `\u001b[${code}m${text}\u001b[0m` : text);

/** Splits a message into its headline, the lifetime note and the fix. */
function messageParts(message: string): { headline: string; note?: string; help?: string } {
  let rest = message;
  let help: string | undefined;
  const fixAt = rest.indexOf(' Fix: ');
  if (fixAt >= 0) {
    help = rest.slice(fixAt + ' Fix: '.length);
    rest = rest.slice(0, fixAt);
  }
  let note: string | undefined;
  const guardAt = rest.indexOf(' The guard ');
  if (guardAt >= 0) {
    note = rest.slice(guardAt + 1);
    rest = rest.slice(0, guardAt);
  }
  return { headline: rest, note, help };
}

export function formatText(
  diagnostics: readonly Diagnostic[],
  sources: (file: string) => string | undefined,
  style: TextStyle,
): string {
  const out: string[] = [];
  for (const d of diagnostics) {
    const level = d.severity === 'error' ? paint(style.color, '1;31', 'error') : paint(style.color, '1;33', 'warning');
    const { headline, note, help } = messageParts(d.message);
    out.push(`${level}${paint(style.color, '1', `[${d.rule}]: ${visible(headline)}`)}`);
    const gutter = ' '.repeat(String(d.span.line).length);
    out.push(`${gutter}${paint(style.color, '1;34', '-->')} ${visible(d.span.file)}:${d.span.line}:${d.span.column}`);
    const line = sources(d.span.file)?.split(/\r?\n/)[d.span.line - 1];
    if (line !== undefined) {
      const start = d.span.column - 1;
      const end = d.span.endLine === d.span.line ? Math.max(d.span.endColumn - 1, start + 1) : line.length;
      // The caret is measured on the escaped text, so it stays under the guard after escaping.
      const before = visibleSourceLine(line.slice(0, start));
      const width = Math.max(1, visibleSourceLine(line.slice(start, end)).length);
      out.push(`${gutter} ${paint(style.color, '1;34', '|')}`);
      out.push(`${paint(style.color, '1;34', `${d.span.line} |`)} ${visibleSourceLine(line)}`);
      out.push(`${gutter} ${paint(style.color, '1;34', '|')} ${before.replace(/[^\t]/g, ' ')}${paint(style.color, d.severity === 'error' ? '1;31' : '1;33', '^'.repeat(width))} guard created here`);
    }
    for (const r of d.related) {
      out.push(`${gutter} ${paint(style.color, '1;34', '=')} ${visible(r.span.file)}:${r.span.line}:${r.span.column}: ${visible(r.message)}`);
    }
    if (note) out.push(`${gutter} ${paint(style.color, '1;34', '=')} ${paint(style.color, '1', 'note')}: ${visible(note)}`);
    if (help) out.push(`${gutter} ${paint(style.color, '1;34', '=')} ${paint(style.color, '1', 'help')}: ${visible(help)}`);
    const text = d.suggestions?.length ? sources(d.span.file) : undefined;
    for (const suggestion of text === undefined ? [] : (d.suggestions ?? [])) out.push(...suggestionLines(text!, suggestion, gutter.length, style));
    out.push('');
  }
  return out.join('\n');
}

/** Rewritten lines shown at most; a longer rewrite ends with `…` (ESLint's suggestion has it all). */
const MAX_REWRITTEN_LINES = 12;

/**
 * A suggestion as clippy shows one: `help:` with its message, then the rewritten lines, numbered
 * from the first line the edits touch and marked `~`.
 */
function suggestionLines(text: string, suggestion: Suggestion, gutterWidth: number, style: TextStyle): string[] {
  const edits = [...suggestion.edits].sort((a, b) => b.range[0] - a.range[0]);
  if (edits.length === 0) return [];
  const first = Math.min(...edits.map((e) => e.range[0]));
  const last = Math.max(...edits.map((e) => e.range[1]));
  const from = text.lastIndexOf('\n', first - 1) + 1;
  const lineEnd = text.indexOf('\n', last);
  const to = lineEnd < 0 ? text.length : lineEnd;
  let region = text.slice(from, to);
  for (const e of edits) region = region.slice(0, e.range[0] - from) + e.text + region.slice(e.range[1] - from);
  const firstLine = text.slice(0, from).split('\n').length;
  const lines = region.split(/\r?\n/);
  const shown = lines.length > MAX_REWRITTEN_LINES ? lines.slice(0, MAX_REWRITTEN_LINES - 1) : lines;
  const width = Math.max(gutterWidth, String(firstLine + shown.length - 1).length);
  const pad = ' '.repeat(width);
  const blue = (t: string): string => paint(style.color, '1;34', t);
  return [
    `${pad} ${blue('=')} ${paint(style.color, '1', 'help')}: ${visible(suggestion.message.replace(/\.$/, ''))}:`,
    `${pad} ${blue('|')}`,
    ...shown.map((line, i) => `${blue(`${String(firstLine + i).padStart(width)} ~`)} ${visibleSourceLine(line)}`),
    ...(shown.length < lines.length ? [`${pad} ${blue('|')} … (${lines.length - shown.length} more lines)`] : []),
  ];
}

export function formatNotes(notes: readonly AnalysisNote[]): string {
  return notes.map((n) => `note: ${visible(n.file)}${n.line ? `:${n.line}` : ''}: ${visible(n.message)}`).join('\n');
}

export function formatSummary(diagnostics: readonly Diagnostic[], files: number, ms: number): string {
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  const perRule = new Map<string, number>();
  for (const d of diagnostics) perRule.set(d.rule, (perRule.get(d.rule) ?? 0) + 1);
  const rules = [...perRule].map(([rule, n]) => `${rule}: ${n}`).join(', ');
  return `lockscope: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'} (${Math.round(ms)} ms)${rules ? ` — ${rules}` : ''}`;
}
