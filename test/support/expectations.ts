// Reads the expectations fixtures carry beside the code, for Rust and TS/JS alike:
//   `// expect: rule-a, warn rule-b`  reported on this line's primary span: `rule-a` as an error,
//                                     `rule-b` as a warning (the severity is part of the key);
//   `// miss: rule -- why`            a real bug (observed when run) that the analysis does not
//                                     report yet: it must stay unreported, so fixing it forces the
//                                     mark to become `expect`;
//   `// fp: [warn] rule -- why`       a known false positive: it must still be reported (with that
//                                     severity), so fixing it forces the mark to be removed.
// Each kind takes a `-typed` suffix (`// expect-typed:`) for a TS/JS mark that holds only when the
// project's types are available. A `miss:` or `fp:` without a reason after ` -- ` is malformed,
// and so is a mark naming a rule the catalogue does not know: `readMarks` throws on both, so the
// fixture test fails instead of silently ignoring the line.
import { readFileSync } from 'node:fs';
import { RULES } from '../../src/core/catalogue.js';
import type { Severity } from '../../src/core/model.js';

export type MarkKind = 'expect' | 'miss' | 'fp';

export interface Mark {
  readonly kind: MarkKind;
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  readonly rule: string;
  readonly severity: Severity;
  /** Only in typed TS/JS analysis (`expect-typed:` and the like). */
  readonly typedOnly: boolean;
  /** The text after ` -- ` (required for `miss` and `fp`). */
  readonly reason: string;
}

const KNOWN_RULES = new Set(RULES.map((r) => r.id));
// A mark runs to the end of the line or to the next mark on it.
const MARK_RE = /(?<![`\w])\/\/\s*(expect|miss|fp)(-typed)?:(.*?)(?=\/\/\s*(?:expect|miss|fp)(?:-typed)?:|$)/g;
const ITEM_RE = /^(?:(warn|error)\s+)?([a-z][a-z-]*)$/;

export class MalformedMarkError extends Error {}

function parseLine(text: string, file: string, line: number): Mark[] {
  const marks: Mark[] = [];
  for (const m of text.matchAll(MARK_RE)) {
    const kind = m[1] as MarkKind;
    const body = m[3].trim();
    const where = `${file}:${line}: \`// ${m[1]}${m[2] ?? ''}:${m[3]}\``;
    const dash = body.indexOf(' -- ');
    const list = (dash < 0 ? body : body.slice(0, dash)).trim();
    const reason = dash < 0 ? '' : body.slice(dash + 4).trim();
    if (kind !== 'expect' && reason === '') throw new MalformedMarkError(`${where} needs a reason: \`// ${kind}: rule -- why\``);
    for (const item of list.split(',')) {
      const parsed = ITEM_RE.exec(item.trim());
      if (!parsed) throw new MalformedMarkError(`${where}: \`${item.trim()}\` is not \`rule\` or \`warn rule\``);
      const rule = parsed[2];
      if (!KNOWN_RULES.has(rule)) throw new MalformedMarkError(`${where}: no rule is called \`${rule}\``);
      if (kind === 'miss' && parsed[1]) throw new MalformedMarkError(`${where}: a miss has no severity (nothing is reported)`);
      marks.push({ kind, file, line, rule, severity: parsed[1] === 'warn' ? 'warn' : 'error', typedOnly: m[2] !== undefined, reason });
    }
  }
  return marks;
}

/** Every mark in the file; `shownAs` is the path diagnostics use for it. Throws on a malformed mark. */
export function readMarks(file: string, shownAs: string = file): Mark[] {
  return readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .flatMap((text, i) => parseLine(text, shownAs, i + 1));
}

export function readExpectations(file: string, shownAs: string = file): Mark[] {
  return readMarks(file, shownAs).filter((m) => m.kind === 'expect');
}

export function readKnownMisses(file: string, shownAs: string = file): Mark[] {
  return readMarks(file, shownAs).filter((m) => m.kind === 'miss');
}

/** What a reported finding is compared by: place, rule and severity. */
export function findingKey(f: { readonly file: string; readonly line: number; readonly rule: string; readonly severity: Severity }): string {
  return `${f.file}:${f.line} ${f.severity === 'warn' ? 'warn ' : ''}${f.rule}`;
}

/** A miss is compared by place and rule only: any report of it, at any severity, ends the miss. */
export function placeKey(f: { readonly file: string; readonly line: number; readonly rule: string }): string {
  return `${f.file}:${f.line} ${f.rule}`;
}

export interface Comparison {
  /** What must be reported, exactly: `expect` and `fp` marks, as finding keys. */
  readonly expected: string[];
  readonly actual: string[];
  /** Misses that are reported now: each must become an `expect` mark. */
  readonly missesReported: string[];
}

/** The two sides of a fixture test: the marks that apply against the findings, both sorted. */
export function compareMarks(marks: readonly Mark[], findings: readonly { file: string; line: number; rule: string; severity: Severity }[]): Comparison {
  const expected = marks.filter((m) => m.kind !== 'miss').map(findingKey).sort();
  const actual = findings.map(findingKey).sort();
  const reported = new Set(findings.map(placeKey));
  const missesReported = marks.filter((m) => m.kind === 'miss' && reported.has(placeKey(m))).map(placeKey);
  return { expected, actual, missesReported };
}
