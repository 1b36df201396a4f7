// A finding's identity that survives unrelated edits: no line numbers, only the rule, the file
// and the code at the guard. SARIF's partialFingerprints and the baseline both use it.
import { createHash } from 'node:crypto';
import type { Diagnostic, SourceSpan } from './model.js';

/** Source text of the analysed files by the path diagnostics carry; `undefined` when unreadable. */
export type SourceLookup = (file: string) => string | undefined;

/** Whitespace is not identity: reindenting or rewrapping a line keeps its findings. */
function normalize(text: string): string {
  return text.replace(/\s+/g, '');
}

/** The text a span covers (the guard's creation, which names the lock), on its first line. */
function spanText(lines: readonly string[], span: SourceSpan): string {
  const line = lines[span.line - 1] ?? '';
  const end = span.endLine === span.line ? span.endColumn - 1 : line.length;
  return line.slice(span.column - 1, end);
}

/** File, then line, then column: the order findings are printed in and ordinals are counted in. */
export function compareByLocation(a: Diagnostic, b: Diagnostic): number {
  return a.span.file < b.span.file ? -1 : a.span.file > b.span.file ? 1 : a.span.line - b.span.line || a.span.column - b.span.column;
}

export interface FingerprintedDiagnostic {
  readonly diagnostic: Diagnostic;
  /** Hex digest of rule, file, the primary line's text and the guard's text, plus an ordinal. */
  readonly fingerprint: string;
}

/**
 * Fingerprints each diagnostic. Findings whose code is identical in one file (a copied line) are
 * told apart by their order in the file, so each still has its own fingerprint.
 * `fileKey` maps the diagnostic's file to the path that is hashed (the baseline hashes paths
 * relative to its own location so that it works from any directory).
 */
export function fingerprintDiagnostics(
  diagnostics: readonly Diagnostic[],
  sources: SourceLookup,
  fileKey: (file: string) => string = (file) => file,
): FingerprintedDiagnostic[] {
  const linesOf = new Map<string, readonly string[]>();
  const seen = new Map<string, number>();
  const ordered = [...diagnostics].sort(compareByLocation);
  const byDiagnostic = new Map<Diagnostic, string>();
  for (const d of ordered) {
    let lines = linesOf.get(d.span.file);
    if (!lines) {
      lines = (sources(d.span.file) ?? '').split(/\r?\n/);
      linesOf.set(d.span.file, lines);
    }
    const basis = [d.rule, fileKey(d.span.file), normalize(lines[d.span.line - 1] ?? ''), normalize(spanText(lines, d.span))].join('\0');
    const ordinal = seen.get(basis) ?? 0;
    seen.set(basis, ordinal + 1);
    byDiagnostic.set(d, createHash('sha256').update(`${basis}\0${ordinal}`).digest('hex').slice(0, 32));
  }
  return diagnostics.map((diagnostic) => ({ diagnostic, fingerprint: byDiagnostic.get(diagnostic)! }));
}
