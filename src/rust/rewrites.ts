// The rewrites the Rust rules offer: ESLint suggestions and the rewritten code under the text
// output's `help:`, never autofixes (they change when a guard is released). A rule decides which
// rewrites remove its conflict (RustFinding.rewrites); this module finds the code a rewrite edits
// and spells the edit, or declines where the edit would not be the same program but for the guard.
import type { SourceSpan, Suggestion, TextEdit } from '../core/model.js';
import { parseRust } from './syntax.js';
import type { SyntaxNode, Tree } from './syntax-tree.js';

/**
 * - `else-after-if-let`: every conflict is in the `else` block of an `if let` statement whose
 *   scrutinee guard lives through it (edition ≤ 2021); ending the `if let` before the `else` code
 *   runs drops the guard first, since a `let` statement's temporaries end with it.
 * - `bind-first`: the guard is made in a `match` / `if let` scrutinee; binding what the scrutinee
 *   reads with a `let` before the construct drops the guard before any arm runs.
 * - `drop-before`: the guard is a `let` binding of its own, and the conflict is at `site`, in a
 *   later statement of the binding's block that no later code needs the guard for; `so` ends the
 *   suggestion's message (`the lock is free when it is taken again`).
 */
export type RewriteHint =
  | { readonly kind: 'else-after-if-let' }
  | { readonly kind: 'bind-first' }
  | { readonly kind: 'drop-before'; readonly binding: string; readonly site: SourceSpan; readonly so: string };

/**
 * The suggestion for `hint`, or undefined where its rewrite does not apply. `offered` is how many
 * suggestions the finding already has: a rewrite that may not compile (a clone of a type that may
 * not be `Clone`, as clippy's "maybe incorrect") is offered only where nothing surer is. `tree`,
 * the crate index's parse of `text` where it has one, saves parsing the file again.
 */
export function suggestionFor(text: string, hint: RewriteHint, guard: SourceSpan, offered = 0, tree?: Tree): Suggestion | undefined {
  const parsed = tree?.text === text ? tree : parseRust(text);
  const root = parsed.rootNode;
  // The tree's own line map: made once per file, not once per finding of it.
  const lines = parsed.lines;
  const guardRange: [number, number] = [lines.offset(guard.line, guard.column), lines.offset(guard.endLine, guard.endColumn)];
  if (hint.kind === 'else-after-if-let') {
    const ended = elseAfterIfLet(root, text, guardRange);
    const shape = ended?.isValue
      ? '`let matched = if let … { Some(…) } else { None }; match matched { Some(value) => value, None => … }`'
      : '`let matched = if let … { …; true } else { false }; if !matched { … }`';
    return ended && { message: `End the \`if let\` before the \`else\` code runs (${shape}), so the guard is dropped first`, edits: ended.edits };
  }
  if (hint.kind === 'bind-first') {
    const bound = bindFirst(root, text, guardRange, offered === 0);
    return bound && { message: `Bind what the scrutinee reads first (\`let ${bound.name} = ${bound.shownValue};\`), so the guard is dropped before ${bound.construct} runs${bound.cloned ? ' (the value must be `Clone`)' : ''}`, edits: bound.edits };
  }
  const edits = dropBefore(root, text, guardRange, hint.binding, lines.offset(hint.site.line, hint.site.column));
  // The statement the drop goes before may start above the conflict's line (a call inside `assert_eq!(`).
  const line = edits && lines.position(edits[0].range[0]).line;
  return edits && { message: `Call \`drop(${hint.binding})\` before line ${line}, so ${hint.so}`, edits };
}

/** Kinds that end a block as statements; anything else last in a block is its tail expression. */
const STATEMENT_KINDS = /(_statement|_declaration|_item|_comment|^attribute_item|^macro_definition)$/;

const isComment = (node: SyntaxNode): boolean => node.type.endsWith('_comment');

/** The innermost node around `offset` that satisfies `test`. */
function innermost(root: SyntaxNode, offset: number, test: (node: SyntaxNode) => boolean): SyntaxNode | undefined {
  for (let node: SyntaxNode | null = root.descendantForIndex(offset, offset + 1); node; node = node.parent) if (test(node)) return node;
  return undefined;
}

function indentOf(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))![0];
}

/** The text names the local `name` (a field `.name` or a path `::name` is something else). */
const mentions = (text: string, name: string): boolean => new RegExp(`(?<![\\w$.:])(?:r#)?${name}(?![\\w$])`, 'u').test(text);

/** `base`, or `base_2`, … when the function (the file, outside one) already uses that name. */
function freshName(text: string, base: string): string {
  for (let n = 1; ; n++) {
    const name = n === 1 ? base : `${base}_${n}`;
    if (!mentions(text, name)) return name;
  }
}

/**
 * `if let P = E { A } else { B }` → `let matched = if let P = E { A; true } else { false };
 * if !matched { B }`; where the `if let` is its block's value, `let matched = if let P = E {
 * Some(A) } else { None }; match matched { Some(value) => value, None => { B } }`. Offered only
 * where that is the same program but for the guard: the `if let` is a statement of a block (then
 * its value is `()`, and A's is too) or the block's tail (then A ends in a tail expression), its
 * `else` is a plain block, and the guard is made in the scrutinee.
 */
function elseAfterIfLet(root: SyntaxNode, text: string, [guardStart]: [number, number]): { edits: TextEdit[]; isValue: boolean } | undefined {
  const ifLet = innermost(root, guardStart, (node) => node.type === 'if_expression' && node.childForFieldName('condition')?.type === 'let_condition');
  const condition = ifLet?.childForFieldName('condition');
  if (!ifLet || !condition || guardStart < condition.startIndex || guardStart >= condition.endIndex) return undefined;
  const then = ifLet.childForFieldName('consequence');
  const elseClause = ifLet.childForFieldName('alternative');
  const elseBlock = elseClause?.children.find((c) => c.isNamed && !isComment(c));
  if (then?.type !== 'block' || elseClause?.type !== 'else_clause' || elseBlock?.type !== 'block') return undefined;
  // In a block, an `if` is an expression statement, its last one being the block's value.
  const statement = ifLet.parent;
  if (statement?.type !== 'expression_statement' || statement.endIndex !== ifLet.endIndex || statement.parent?.type !== 'block') return undefined;
  const isValue = statement.parent.namedChildren.filter((c) => !isComment(c)).at(-1) === statement;

  const indent = indentOf(text, ifLet.startIndex);
  const fn = innermost(root, guardStart, (node) => node.type === 'function_item' || node.type === 'closure_expression');
  const name = freshName(fn ? fn.text : text, 'matched');
  const edits: TextEdit[] = [{ range: [ifLet.startIndex, ifLet.startIndex], text: `let ${name} = ` }];
  const last = then.namedChildren.filter((c) => !isComment(c)).at(-1);
  const tail = last && !STATEMENT_KINDS.test(last.type) ? last : undefined;
  if (isValue) {
    if (!tail) return undefined;
    edits.push({ range: [tail.startIndex, tail.startIndex], text: 'Some(' }, { range: [tail.endIndex, tail.endIndex], text: ')' });
    const arm = elseBlock.text.replace(/\n/g, '\n    ');
    edits.push({
      range: [elseClause.startIndex, elseClause.endIndex],
      text: `else {\n${indent}    None\n${indent}};\n${indent}match ${name} {\n${indent}    Some(value) => value,\n${indent}    None => ${arm}\n${indent}}`,
    });
    return { edits, isValue };
  }
  if (tail) edits.push({ range: [tail.endIndex, tail.endIndex], text: ';' });
  const close = then.endIndex - 1;
  const closeOnOwnLine = /^[ \t]*$/.test(text.slice(text.lastIndexOf('\n', close - 1) + 1, close));
  edits.push({ range: [close, close], text: closeOnOwnLine ? `    true\n${indent}` : ' true ' });
  edits.push({
    range: [elseClause.startIndex, elseClause.endIndex],
    text: `else {\n${indent}    false\n${indent}};\n${indent}if !${name} ${elseBlock.text}`,
  });
  return { edits, isValue };
}

/** Where a `let` can go before `construct` without changing what runs first. */
function hoistPoint(construct: SyntaxNode): SyntaxNode | undefined {
  const parent = construct.parent;
  if (parent?.type === 'block') return construct;
  if (parent?.type === 'expression_statement' && parent.parent?.type === 'block') return parent;
  if (parent?.type === 'let_declaration' && parent.childForFieldName('value') === construct && parent.parent?.type === 'block') return parent;
  return undefined;
}

/** `after` is `<unwraps>.get(…)` whose call ends `after`: the scrutinee borrows from the guard. */
function borrowingAccessor(after: string): boolean {
  const m = /^(?:\s*(?:\?|\.\s*unwrap\s*\(\s*\)|\.\s*expect\s*\(\s*"(?:[^"\\]|\\.)*"\s*\)))*\s*\.\s*(?:get|first|last)\s*\(/.exec(after);
  if (!m) return false;
  let depth = 1;
  for (let i = m[0].length; i < after.length; i++) {
    if (after[i] === '(') depth++;
    else if (after[i] === ')' && --depth === 0) return after.slice(i + 1).trim() === '';
  }
  return false;
}

/**
 * `if let P = [&]E.get(k) { … }` → `let found = E.get(k).cloned(); if let P = [&]found.as_ref() { … }`,
 * and `if let P = S` → `let found = S; if let P = found` when S's value is owned (`….copied()`,
 * `….len()`); the same for `match`. The guard is then a temporary of the `let` and ends with it,
 * while the scrutinee keeps its type, so the pattern binds what it bound before. The borrowed form
 * needs the value to be `Clone` (rustc says so where it is not), so it is offered only as the one
 * suggestion (`mayClone`). Offered where the `let` goes where
 * nothing else runs first: the construct is a statement of a block, its tail, or a `let`'s value.
 */
function bindFirst(root: SyntaxNode, text: string, [guardStart, guardEnd]: [number, number], mayClone: boolean): { edits: TextEdit[]; name: string; shownValue: string; construct: string; cloned: boolean } | undefined {
  const construct = innermost(
    root,
    guardStart,
    (node) => (node.type === 'if_expression' && node.childForFieldName('condition')?.type === 'let_condition') || node.type === 'match_expression',
  );
  if (!construct) return undefined;
  const holder = construct.type === 'match_expression' ? construct : construct.childForFieldName('condition')!;
  const scrutinee = holder.childForFieldName('value');
  if (!scrutinee || guardStart < scrutinee.startIndex || guardStart >= scrutinee.endIndex) return undefined;
  const borrowed = scrutinee.type === 'reference_expression' && !scrutinee.children.some((c) => c.type === 'mutable_specifier');
  const expression = borrowed ? scrutinee.childForFieldName('value') : scrutinee;
  if (!expression || expression.startIndex !== guardStart) return undefined;
  const fn = innermost(root, guardStart, (node) => node.type === 'function_item' || node.type === 'closure_expression');
  const name = freshName(fn ? fn.text : text, 'found');
  const owned = OWNED_VALUE.test(expression.text);
  if (!owned && !(mayClone && borrowingAccessor(text.slice(guardEnd, expression.endIndex)))) return undefined;
  const statement = hoistPoint(construct);
  if (!statement) return undefined;
  const value = owned ? expression.text : `${expression.text}.cloned()`;
  const indent = indentOf(text, statement.startIndex);
  return {
    edits: [
      { range: [statement.startIndex, statement.startIndex], text: `let ${name} = ${value};\n${indent}` },
      { range: [scrutinee.startIndex, scrutinee.endIndex], text: `${borrowed ? '&' : ''}${name}${owned ? '' : '.as_ref()'}` },
    ],
    name,
    shownValue: owned ? '…' : '….cloned()',
    construct: construct.type === 'match_expression' ? 'any arm of the `match`' : 'either block of the `if let`',
    cloned: !owned,
  };
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
