// The rewrites the Rust rules offer as ESLint suggestions (never autofixes: they change when a
// guard is released). The analysis decides that a rewrite removes the conflict (Diagnostic.rewrite);
// this module only finds the code it edits in the file's syntax tree and spells the edit.
import type { SourceSpan } from '../../core/model.js';
import type { RustNode } from '../ast.js';
import type { RustSourceCode } from '../source-code.js';

export interface TextEdit {
  readonly range: readonly [number, number];
  readonly text: string;
}

/** Kinds that end a block as statements; anything else last in a block is its tail expression. */
const STATEMENT_KINDS = /(_statement|_declaration|_item|_comment|^attribute_item|^macro_definition)$/;

function contains(node: RustNode, span: SourceSpan): boolean {
  const { start, end } = node.loc;
  const after = span.line > start.line || (span.line === start.line && span.column >= start.column);
  const before = span.line < end.line || (span.line === end.line && span.column < end.column);
  return after && before;
}

/** The innermost node on the path from the root to `span` that satisfies `test`. */
function innermost(root: RustNode, span: SourceSpan, test: (node: RustNode) => boolean): RustNode | undefined {
  let found: RustNode | undefined;
  for (let node: RustNode | undefined = root; node; node = node.children.find((child) => contains(child, span))) {
    if (test(node)) found = node;
  }
  return found;
}

function indentOf(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))![0];
}

/** `matched`, or `matched_2`, … when the function (the file, outside one) already uses that name. */
function freshName(text: string): string {
  for (let n = 1; ; n++) {
    const name = n === 1 ? 'matched' : `matched_${n}`;
    if (!new RegExp(`\\b${name}\\b`).test(text)) return name;
  }
}

/**
 * `if let P = E { A } else { B }` → `let matched = if let P = E { A; true } else { false };
 * if !matched { B }`. Offered only where that is the same program but for the guard: the `if let`
 * is a statement followed by another (so its value is `()` and A's is too), its `else` is a plain
 * block, and the guard is made in the scrutinee.
 */
export function elseAfterIfLet(sourceCode: RustSourceCode, guard: SourceSpan): TextEdit[] | undefined {
  const ifLet = innermost(sourceCode.ast, guard, (node) => node.type === 'if_expression' && node.children[0]?.type === 'let_condition');
  if (!ifLet || !contains(ifLet.children[0], guard)) return undefined;
  const [, then, elseClause] = ifLet.children;
  if (ifLet.children.length !== 3 || then.type !== 'block' || elseClause.type !== 'else_clause') return undefined;
  const elseBlock = elseClause.children.find((child) => !child.type.endsWith('_comment'));
  if (elseBlock?.type !== 'block') return undefined;
  const statement = sourceCode.getParent(ifLet);
  if (statement?.type !== 'expression_statement' || statement.range[1] !== ifLet.range[1]) return undefined;
  const enclosing = sourceCode.getParent(statement);
  const siblings = enclosing?.children.filter((child) => !child.type.endsWith('_comment')) ?? [];
  if (siblings.at(-1) === statement) return undefined;

  const text = sourceCode.text;
  const indent = indentOf(text, ifLet.range[0]);
  const fn = innermost(sourceCode.ast, guard, (node) => node.type === 'function_item' || node.type === 'closure_expression');
  const name = freshName(fn ? text.slice(fn.range[0], fn.range[1]) : text);
  const edits: TextEdit[] = [{ range: [ifLet.range[0], ifLet.range[0]], text: `let ${name} = ` }];
  const last = then.children.filter((child) => !child.type.endsWith('_comment')).at(-1);
  if (last && !STATEMENT_KINDS.test(last.type)) edits.push({ range: [last.range[1], last.range[1]], text: ';' });
  const close = then.range[1] - 1;
  const closeOnOwnLine = /^[ \t]*$/.test(text.slice(text.lastIndexOf('\n', close - 1) + 1, close));
  edits.push({ range: [close, close], text: closeOnOwnLine ? `    true\n${indent}` : ' true ' });
  edits.push({
    range: [elseClause.range[0], elseClause.range[1]],
    text: `else {\n${indent}    false\n${indent}};\n${indent}if !${name} ${text.slice(elseBlock.range[0], elseBlock.range[1])}`,
  });
  return edits;
}
