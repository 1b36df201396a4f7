// Valid Rust that tree-sitter-rust 0.24 does not accept, respelled for the parser only. Every
// respelling keeps the text's length, so offsets, lines and columns hold, and node texts are read
// from the real text (syntax-tree.ts), so names and spans are the user's. Without these, one such
// construct is an ERROR node and the rest of its item is lost to the analysis (seen in
// rust-lightning, wgpu, turso and neon).
import type Parser from 'tree-sitter';

/**
 * `raw` is a keyword only in `&raw const x` / `&raw mut x` (Reference: "Raw borrow operators"); as a
 * name (`&raw[..4]`, `f(&raw)`) it is an identifier, but the grammar reads `&raw` as the start of a
 * raw borrow. Respelled everywhere: `r_w` parses as the identifier it is.
 */
const RAW_NAME_BORROWED = /&(\s*)raw\b(?!\s*(?:const|mut)\b)/g;

export function withoutRawNameBorrows(text: string): string {
  return text.includes('raw') ? text.replace(RAW_NAME_BORROWED, '&$1r_w') : text;
}

/**
 * Constructs the grammar rejects, each with a same-length respelling the analysis reads the same:
 * - an outer attribute on a field of a struct pattern (`E::A { #[cfg(test)] ref code, .. }`) — the
 *   attribute says nothing about locks, so it is blanked;
 * - a trailing comma in a closure's parameter list (`|a: u8, b: u8,| …`) — blanked;
 * - a turbofish in a type (`type P<G> = Q::<G, u8>;`, a field `inner: Arc::<RwLock<i32>>`) — `::<`
 *   becomes `  <`, the type's own spelling.
 * Each can also be valid elsewhere in another meaning (an attribute on a statement, a comma before a
 * closure argument, an expression's turbofish), so a respelling is only tried next to a syntax
 * error and kept only when the parse has fewer errors with it.
 */
const REPAIRS: readonly { pattern: RegExp; respell: (match: string) => string }[] = [
  { pattern: /#\[[^\[\]]*(?:\[[^\[\]]*\][^\[\]]*)*\]/g, respell: blank },
  { pattern: /,(?=\s*\|)/g, respell: blank },
  { pattern: /(?<=[\w>])::</g, respell: () => '  <' },
];

/** Around each error; an error spanning more (recovery swallowing an item) is looked at from its start. */
const BEFORE_ERROR = 400;
const AFTER_ERROR = 40;
const LONGEST_ERROR = 2000;
/** A file with many errors is half-written, not a grammar gap: a bound on the extra parses. */
const MOST_REPARSES = 8;

function blank(match: string): string {
  return match.replace(/[^\n]/g, ' ');
}

/**
 * The text the parser should see: `text` with the repairs that lower the parse's error count, and
 * its tree. `parse` parses a text; `tree` is its parse of `text`.
 */
export function repairGrammarGaps(text: string, tree: Parser.Tree, parse: (text: string) => Parser.Tree): { text: string; tree: Parser.Tree } {
  if (!tree.rootNode.hasError) return { text, tree };
  let best = { text, tree, errors: errorRanges(tree) };
  let reparses = 0;
  for (const repair of REPAIRS) {
    for (const [from, to] of windows(best.errors, text.length)) {
      if (reparses >= MOST_REPARSES || best.errors.length === 0) return best;
      const candidate = respellIn(best.text, from, to, repair);
      if (candidate === best.text) continue;
      reparses++;
      const candidateTree = parse(candidate);
      const errors = errorRanges(candidateTree);
      if (errors.length < best.errors.length) best = { text: candidate, tree: candidateTree, errors };
    }
  }
  return best;
}

function windows(errors: readonly [number, number][], length: number): [number, number][] {
  return errors.map(([start, end]) => [Math.max(0, start - BEFORE_ERROR), Math.min(length, (end - start > LONGEST_ERROR ? start : end) + AFTER_ERROR)]);
}

function respellIn(text: string, from: number, to: number, repair: (typeof REPAIRS)[number]): string {
  const part = text.slice(from, to).replace(repair.pattern, repair.respell);
  return text.slice(0, from) + part + text.slice(to);
}

/**
 * The ranges of the tree's ERROR nodes and missing tokens, nested ones too: an ERROR that swallowed
 * an item (up to the whole file) holds the small ERROR at the construct that broke it.
 */
function errorRanges(tree: Parser.Tree): [number, number][] {
  const ranges: [number, number][] = [];
  const stack: Parser.SyntaxNode[] = [tree.rootNode];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.type === 'ERROR' || node.isMissing) ranges.push([node.startIndex, node.endIndex]);
    if (!node.hasError) continue;
    for (let i = node.childCount - 1; i >= 0; i--) stack.push(node.child(i)!);
  }
  return ranges;
}
