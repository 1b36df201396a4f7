// Half-written TS/JS, as an editor buffer or a work-in-progress commit has it. typescript-eslint's
// parser gives up on the first syntax error; TypeScript's own parser recovers and says where each
// error is. From that we build a text that parses: the broken statements blanked out (every
// character but line breaks replaced by a space, so every line and column of the intact code stays
// where it was) and missing closers appended at the end. An unfinished statement in one function
// then no longer hides a finding in the next one.
import ts from 'typescript';

export interface Recovered {
  readonly text: string;
  /** 1-based lines of the syntax errors whose statements were skipped. */
  readonly brokenLines: number[];
}

const MAX_REPAIRS = 50;

function scriptKindOf(file: string): ts.ScriptKind {
  if (/\.tsx$/.test(file)) return ts.ScriptKind.TSX;
  if (/\.(?:jsx)$/.test(file)) return ts.ScriptKind.JSX;
  if (/\.(?:js|mjs|cjs)$/.test(file)) return ts.ScriptKind.JS;
  return ts.ScriptKind.TS;
}

function parseDiagnostics(source: ts.SourceFile): readonly ts.DiagnosticWithLocation[] {
  // Not in the public typings, but stable since TypeScript 2: the parser's own error list.
  return (source as unknown as { parseDiagnostics: ts.DiagnosticWithLocation[] }).parseDiagnostics ?? [];
}

/** Statement-like nodes that can be removed without breaking the list that holds them. */
function isRemovable(node: ts.Node): boolean {
  const parent = node.parent;
  if (!parent) return false;
  if (ts.isClassElement(node) || ts.isTypeElement(node) || ts.isEnumMember(node)) return true;
  return ts.isStatement(node) && (ts.isBlock(parent) || ts.isSourceFile(parent) || ts.isModuleBlock(parent) || ts.isCaseOrDefaultClause(parent));
}

/** The smallest removable node around `position`. */
function removableAround(source: ts.SourceFile, position: number): ts.Node | undefined {
  let found: ts.Node | undefined;
  const visit = (node: ts.Node): void => {
    if (position < node.getFullStart() || position > node.end) return;
    if (isRemovable(node) && node.getStart(source) <= position) found = node;
    node.forEachChild(visit);
  };
  source.forEachChild(visit);
  return found;
}

const blank = (text: string, start: number, end: number): string =>
  text.slice(0, start) + text.slice(start, end).replace(/[^\r\n]/g, ' ') + text.slice(end);

/** A parseable version of `text`, or undefined when it already parses or cannot be repaired. */
export function recoverIntactCode(text: string, file: string): Recovered | undefined {
  let current = text;
  const brokenLines = new Set<number>();
  for (let repair = 0; repair < MAX_REPAIRS; repair++) {
    const source = ts.createSourceFile(file, current, ts.ScriptTarget.Latest, true, scriptKindOf(file));
    const diagnostic = parseDiagnostics(source)[0];
    if (!diagnostic) return repair === 0 ? undefined : { text: current, brokenLines: [...brokenLines].sort((a, b) => a - b) };
    brokenLines.add(source.getLineAndCharacterOfPosition(diagnostic.start).line + 1);
    const expected = /^'([)}\]])' expected\.?$/.exec(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    if (expected && diagnostic.start >= current.trimEnd().length) {
      // A closer missing at the very end: appending it moves nothing that came before.
      current += expected[1];
      continue;
    }
    const node = removableAround(source, diagnostic.start);
    const start = node ? node.getStart(source) : diagnostic.start;
    const end = node ? node.end : Math.min(current.length, diagnostic.start + Math.max(1, diagnostic.length));
    if (start >= end) return undefined;
    const next = blank(current, start, end);
    if (next === current) return undefined;
    current = next;
  }
  return undefined;
}
