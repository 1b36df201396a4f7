// The rewrites the Rust rules offer: ESLint suggestions and the rewritten code under the text
// output's `help:`, never autofixes (they change when a guard is released). A rule decides which
// rewrite removes its conflict (RustFinding.rewrite); this module finds the code the rewrite edits
// and spells the edit, or declines where the edit would not be the same program but for the guard.
import type { SourceSpan, Suggestion, TextEdit } from '../core/model.js';
import { LineMap } from './line-map.js';
import { parseRust } from './syntax.js';
import type { SyntaxNode } from './syntax-tree.js';

/**
 * - `else-after-if-let`: every conflict is in the `else` block of an `if let` statement whose
 *   scrutinee guard lives through it (edition ≤ 2021); ending the `if let` before the `else` code
 *   runs drops the guard first, since a `let` statement's temporaries end with it.
 * - `drop-before`: the guard is a `let` binding of its own, and the conflict is at `site`, in a
 *   later statement of the binding's block that no later code needs the guard for; `so` ends the
 *   suggestion's message (`the lock is free when it is taken again`).
 */
export type RewriteHint =
  | { readonly kind: 'else-after-if-let' }
  | { readonly kind: 'drop-before'; readonly binding: string; readonly site: SourceSpan; readonly so: string };

export function suggestionFor(text: string, hint: RewriteHint, guard: SourceSpan): Suggestion | undefined {
  const root = parseRust(text).rootNode;
  const lines = new LineMap(text);
  const guardRange: [number, number] = [lines.offset(guard.line, guard.column), lines.offset(guard.endLine, guard.endColumn)];
  if (hint.kind === 'else-after-if-let') {
    const edits = elseAfterIfLet(root, text, guardRange);
    return edits && { message: 'End the `if let` before the `else` code runs (`let matched = if let … { …; true } else { false }; if !matched { … }`), so the guard is dropped first', edits };
  }
  const edits = dropBefore(root, text, guardRange, hint.binding, lines.offset(hint.site.line, hint.site.column));
  return edits && { message: `Call \`drop(${hint.binding})\` before line ${hint.site.line}, so ${hint.so}`, edits };
}

/** Kinds that end a block as statements; anything else last in a block is its tail expression. */
const STATEMENT_KINDS = /(_statement|_declaration|_item|_comment|^attribute_item|^macro_definition)$/;

const isComment = (node: SyntaxNode): boolean => node.type.endsWith('_comment');

/** The innermost node on the path from `root` to `offset` that satisfies `test`. */
function innermost(root: SyntaxNode, offset: number, test: (node: SyntaxNode) => boolean): SyntaxNode | undefined {
  let found: SyntaxNode | undefined;
  for (let node: SyntaxNode | undefined = root; node; node = node.children.find((c) => c.startIndex <= offset && offset < c.endIndex)) {
    if (test(node)) found = node;
  }
  return found;
}

function indentOf(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))![0];
}

/** The text names the local `name` (a field `.name` or a path `::name` is something else). */
const mentions = (text: string, name: string): boolean => new RegExp(`(?<![\\w$.:])(?:r#)?${name}(?![\\w$])`, 'u').test(text);

/** `matched`, or `matched_2`, … when the function (the file, outside one) already uses that name. */
function freshName(text: string): string {
  for (let n = 1; ; n++) {
    const name = n === 1 ? 'matched' : `matched_${n}`;
    if (!mentions(text, name)) return name;
  }
}

/**
 * `if let P = E { A } else { B }` → `let matched = if let P = E { A; true } else { false };
 * if !matched { B }`. Offered only where that is the same program but for the guard: the `if let`
 * is a statement followed by another (so its value is `()` and A's is too), its `else` is a plain
 * block, and the guard is made in the scrutinee.
 */
function elseAfterIfLet(root: SyntaxNode, text: string, [guardStart]: [number, number]): TextEdit[] | undefined {
  const ifLet = innermost(root, guardStart, (node) => node.type === 'if_expression' && node.childForFieldName('condition')?.type === 'let_condition');
  const condition = ifLet?.childForFieldName('condition');
  if (!ifLet || !condition || guardStart < condition.startIndex || guardStart >= condition.endIndex) return undefined;
  const then = ifLet.childForFieldName('consequence');
  const elseClause = ifLet.childForFieldName('alternative');
  const elseBlock = elseClause?.children.find((c) => c.isNamed && !isComment(c));
  if (then?.type !== 'block' || elseClause?.type !== 'else_clause' || elseBlock?.type !== 'block') return undefined;
  const statement = ifLet.parent;
  if (statement?.type !== 'expression_statement' || statement.endIndex !== ifLet.endIndex) return undefined;
  const siblings = statement.parent?.namedChildren.filter((c) => !isComment(c)) ?? [];
  if (siblings.at(-1) === statement) return undefined;

  const indent = indentOf(text, ifLet.startIndex);
  const fn = innermost(root, guardStart, (node) => node.type === 'function_item' || node.type === 'closure_expression');
  const name = freshName(fn ? fn.text : text);
  const edits: TextEdit[] = [{ range: [ifLet.startIndex, ifLet.startIndex], text: `let ${name} = ` }];
  const inner = then.namedChildren.filter((c) => !isComment(c));
  const last = inner.at(-1);
  if (last && !STATEMENT_KINDS.test(last.type)) edits.push({ range: [last.endIndex, last.endIndex], text: ';' });
  const close = then.endIndex - 1;
  const closeOnOwnLine = /^[ \t]*$/.test(text.slice(text.lastIndexOf('\n', close - 1) + 1, close));
  edits.push({ range: [close, close], text: closeOnOwnLine ? `    true\n${indent}` : ' true ' });
  edits.push({
    range: [elseClause.startIndex, elseClause.endIndex],
    text: `else {\n${indent}    false\n${indent}};\n${indent}if !${name} ${elseBlock.text}`,
  });
  return edits;
}

/** What may follow a lock call in a `let` whose variable is then the guard itself. */
const GUARD_UNWRAPPING =
  /^(?:\s*(?:\?|\.\s*await\b|\.\s*unwrap\s*\(\s*\)|\.\s*expect\s*\(\s*"(?:[^"\\]|\\.)*"\s*\)|\.\s*unwrap_or_else\s*\(\s*(?:std::sync::)?PoisonError::into_inner\s*\)))*$/;

/** A value that owns its data whatever it was computed from: a copy, a clone, a count, a test. */
const OWNED_VALUE = /(?:\.\s*(?:clone|cloned|copied|to_owned|to_string|to_vec|len|is_empty|is_some|is_none)\s*\(\s*\)|\bas\s+(?:[iu](?:8|16|32|64|128|size)|f32|f64|bool|char))\s*$/;

/**
 * `let g = m.lock(); …; conflict; …` → `let g = m.lock(); …; drop(g); conflict; …`. Offered only
 * where the binding is the guard itself (not a reference into a temporary guard, which `drop`
 * would not release), the conflict is in a later statement of the same block, and nothing from
 * there on names the guard or a value bound from it (that code would no longer compile, or would
 * need the lock again).
 */
function dropBefore(root: SyntaxNode, text: string, [guardStart, guardEnd]: [number, number], binding: string, site: number): TextEdit[] | undefined {
  const letDecl = innermost(root, guardStart, (node) => node.type === 'let_declaration');
  const value = letDecl?.childForFieldName('value');
  const pattern = letDecl?.childForFieldName('pattern');
  if (!letDecl || !value || value.startIndex !== guardStart || !GUARD_UNWRAPPING.test(text.slice(guardEnd, value.endIndex))) return undefined;
  if (pattern?.type !== 'identifier' || pattern.text.replace(/^r#/, '') !== binding.replace(/^r#/, '') || letDecl.childForFieldName('alternative')) return undefined;
  const block = letDecl.parent;
  if (block?.type !== 'block') return undefined;
  const statements = block.namedChildren.filter((c) => !isComment(c));
  const at = statements.findIndex((s) => s.startIndex <= site && site < s.endIndex);
  if (at <= statements.indexOf(letDecl)) return undefined;
  // Values bound from the guard between the two (`let v = &g.items;`) may borrow from it and
  // must not be needed later, unless they are plainly owned (`g.len()`, `g.get(k).cloned()`).
  const needed = [binding];
  for (const between of statements.slice(statements.indexOf(letDecl) + 1, at)) {
    const boundValue = between.type === 'let_declaration' ? between.childForFieldName('value') : undefined;
    if (boundValue && mentions(boundValue.text, binding) && !OWNED_VALUE.test(boundValue.text)) {
      needed.push(...(between.childForFieldName('pattern')?.descendantsOfType('identifier').map((id) => id.text) ?? []));
    }
  }
  const rest = text.slice(statements[at].startIndex, block.endIndex - 1);
  if (needed.some((name) => mentions(rest, name))) return undefined;
  const start = statements[at].startIndex;
  return [{ range: [start, start], text: `drop(${binding});\n${indentOf(text, start)}` }];
}
