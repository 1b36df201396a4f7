// `semgrep --test` targets generated from the annotated fixtures: the chosen cases are copied,
// their `// expect:` comments become `// ruleid:` (or `todoruleid:`) annotations on the line
// before, and the near misses get `// ok:` before the line that creates their guard.
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import ts from 'typescript';
import { parseRust, type SyntaxNode } from '../rust/syntax.js';
import type { FixtureCase, TargetSpec } from './target-cases.js';

interface FnRange {
  readonly name: string;
  /** 0-based, inclusive; `first` includes the comments and attributes above the function. */
  readonly first: number;
  readonly last: number;
}

const EXPECT_COMMENT = /\s*\/\/ expect(?:-typed)?: (?:warn )?[a-z-]+\s*$/;
/** How the executable ground truth calls a case (fixtures/rust/GROUND_TRUTH.md): not for a target. */
const GROUND_TRUTH_LINE = /^\s*\/\/ ground-truth:/;
const GROUND_TRUTH_TRAILER = /\s*\/\/ ground-truth:.*$/;

function withLeadingComments(lines: readonly string[], start: number): number {
  let first = start;
  while (first > 0 && /^\s*(\/\/|#\[)/.test(lines[first - 1])) first--;
  return first;
}

function rustFunctions(text: string, lines: readonly string[]): FnRange[] {
  const found: FnRange[] = [];
  const visit = (node: SyntaxNode): void => {
    if (node.type === 'function_item') {
      const name = node.childForFieldName('name')?.text ?? '';
      found.push({ name, first: withLeadingComments(lines, node.startPosition.row), last: node.endPosition.row });
      return;
    }
    for (const child of node.namedChildren) visit(child);
  };
  visit(parseRust(text).rootNode);
  return found;
}

function tsFunctions(file: string, text: string, lines: readonly string[]): FnRange[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: FnRange[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node)) && node.name && ts.isIdentifier(node.name)) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      found.push({ name: node.name.text, first: withLeadingComments(lines, start), last: end });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function annotationLine(lines: readonly string[], range: FnRange, testCase: FixtureCase, spec: TargetSpec, expectLines: ReadonlySet<number>): number {
  const wantsExpect = testCase.annotation === 'ruleid' || testCase.annotation === 'todoruleid';
  for (let i = range.first; i <= range.last; i++) {
    if (wantsExpect ? expectLines.has(i) : spec.guardLine.test(lines[i]) && !/^\s*(\/\/|(pub\s+)?(async\s+)?fn\b)/.test(lines[i])) return i;
  }
  throw new Error(
    wantsExpect
      ? `${testCase.file}: \`${testCase.fn}\` is listed as ${testCase.annotation} but carries no \`// expect:\` comment`
      : `${testCase.file}: no line of \`${testCase.fn}\` matches ${spec.guardLine} for its ${testCase.annotation} annotation`,
  );
}

/** One fixture file as target text: unselected `should_…` functions removed, cases annotated. */
function renderFixture(root: string, file: string, cases: readonly FixtureCase[], spec: TargetSpec, ruleId: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  const original = text.split('\n');
  const rust = file.endsWith('.rs');
  const functions = rust ? rustFunctions(text, original) : tsFunctions(file, text, original);
  const expectLines = new Set<number>();
  const lines = original.map((line, i) => {
    if (!GROUND_TRUTH_LINE.test(line)) line = line.replace(GROUND_TRUTH_TRAILER, '');
    if (!EXPECT_COMMENT.test(line)) return line;
    expectLines.add(i);
    return line.replace(EXPECT_COMMENT, '');
  });
  const before = new Map<number, string>();
  const dropped = new Set<number>(lines.flatMap((line, i) => (GROUND_TRUTH_LINE.test(line) ? [i] : [])));
  for (const testCase of cases) {
    const range = functions.find((f) => f.name === testCase.fn);
    if (!range) throw new Error(`${file}: no function \`${testCase.fn}\` for the ${ruleId} target`);
    const at = annotationLine(lines, range, testCase, spec, expectLines);
    const indent = /^\s*/.exec(lines[at])![0];
    before.set(at, `${indent}// ${testCase.annotation}: ${ruleId}`);
  }
  if (rust) {
    for (const f of functions) {
      if (!f.name.startsWith('should_') || cases.some((c) => c.fn === f.name)) continue;
      for (let i = f.first; i <= f.last; i++) dropped.add(i);
      if (f.last + 1 < lines.length && lines[f.last + 1].trim() === '') dropped.add(f.last + 1);
    }
  }
  const out: string[] = [];
  lines.forEach((line, i) => {
    if (dropped.has(i)) return;
    const annotation = before.get(i);
    if (annotation !== undefined) out.push(annotation);
    out.push(line);
  });
  while (out.length > 0 && out[out.length - 1].trim() === '') out.pop();
  return out;
}

function inModule(name: string, lines: readonly string[]): string[] {
  return [`mod ${name} {`, ...lines.map((line) => (line.trim() === '' ? '' : `    ${line}`)), '}'];
}

/** The target text for one pack rule (`rust/double-lock` → `double-lock.rs`). */
export function renderTarget(root: string, spec: TargetSpec, ruleId: string, language: 'rust' | 'ts'): string {
  const files = [...new Set(spec.cases.map((c) => c.file))];
  const sections: string[][] = [];
  for (const file of files) {
    const body = renderFixture(root, file, spec.cases.filter((c) => c.file === file), spec, ruleId);
    const stem = basename(file).replace(/\.(rs|ts)$/, '').replace(/[^A-Za-z0-9_]/g, '_');
    sections.push([`// From ${file}.`, ...(language === 'rust' ? inModule(stem, body) : body)]);
  }
  if (spec.extra) {
    const extra = spec.extra.map((line) => line.replaceAll('{id}', ruleId));
    sections.push(['// Lexical cases the fixtures lack, each beside its near miss.', ...(language === 'rust' ? inModule('lexical_cases', extra) : extra)]);
  }
  const header = [
    `// The \`semgrep --test\` target of ${ruleId}, generated by \`lockscope semgrep\`: do not edit.`,
    '// An annotation applies to the next line. todoruleid: lockscope finds it through calls, this',
    '// lexical rule cannot (`lockscope semgrep --project` can). todook: a near miss it still reports.',
  ];
  return `${[header, ...sections].map((s) => s.join('\n')).join('\n\n')}\n`;
}
