// tree-sitter access for the Rust front end: one parser per process, the tree as plain JS objects
// (syntax-tree.ts), positions as SourceSpans.
import { createRequire } from 'node:module';
import type Parser from 'tree-sitter';
import { repairGrammarGaps, withoutRawNameBorrows } from './grammar-gaps.js';
import { LineMap } from './line-map.js';
import { encodeTree, learnGrammar, SyntaxNode, Tree, type EncodedTree, type NodeTypeInfo } from './syntax-tree.js';

export { LineMap } from './line-map.js';
export { SyntaxNode, Tree };

const require = createRequire(import.meta.url);
const TreeSitter = require('tree-sitter') as typeof Parser;
const RustLanguage = require('tree-sitter-rust') as { nodeTypeInfo?: readonly NodeTypeInfo[] };
learnGrammar(RustLanguage.nodeTypeInfo);

let parser: Parser | undefined;
/**
 * The last parse: an editor's buffer is parsed by the ESLint language (which walks tree-sitter's
 * own tree) and again by the index (which reads the mirror), one native parse between them.
 */
let last: { text: string; native: Parser.Tree; tree?: Tree; lazy?: Tree } | undefined;

function parseNative(text: string): Parser.Tree {
  if (last?.text === text) return last.native;
  last = { text, native: parseFresh(text) };
  return last.native;
}

export function parseRust(text: string): Tree {
  const native = parseNative(text);
  return (last!.tree ??= new Tree(text, encodeTree(native)));
}

/**
 * A file's parse whose function bodies are built when first read, but for those `eager` picks
 * (by their offsets): a file parsed for the declarations a lookup needs has most of its nodes in
 * bodies nobody walks. Keeps tree-sitter's tree for them.
 */
export function parseRustLazily(text: string, eager?: (start: number, end: number) => boolean): Tree {
  const native = parseNative(text);
  return (last!.lazy ??= new Tree(text, encodeTree(native, eager ? (start, end) => !eager(start, end) : () => true), native));
}

/**
 * A parse of the parts `ranges` of `text` only, the rest skipped as if blank: offsets stay the
 * file's. The parser reads just those parts, so re-parsing one item of a long file costs the item.
 */
export function parseRustWithin(text: string, ranges: readonly (readonly [number, number])[]): Tree {
  const lines = new LineMap(text);
  const point = (offset: number) => {
    const { line, column } = lines.position(offset);
    return { row: line - 1, column: column - 1 };
  };
  const included = ranges.map(([start, end]) => ({ startIndex: start, endIndex: end, startPosition: point(start), endPosition: point(end) }));
  return new Tree(text, encodeTree(parseFresh(text, included)));
}

/** A parse as numbers, for a parse worker to hand to the thread that builds its nodes. */
export function parseRustEncoded(text: string): EncodedTree {
  return encodeTree(parseFresh(text));
}

/** A cursor over tree-sitter's own tree, for walks that build another mirror (the ESLint AST). */
export function walkRust(text: string): Parser.TreeCursor {
  return parseNative(text).walk();
}

function parseFresh(source: string, includedRanges?: Parser.Range[]): Parser.Tree {
  const text = withoutRawNameBorrows(source);
  const parse = (candidate: string) => parseText(candidate, includedRanges);
  return repairGrammarGaps(text, parse(text), parse).tree;
}

function parseText(text: string, includedRanges?: Parser.Range[]): Parser.Tree {
  if (!parser) {
    parser = new TreeSitter();
    parser.setLanguage(RustLanguage as Parser.Language);
  }
  // The node binding reads long inputs through a callback in chunks; a string over its default
  // buffer must go through the callback form with an explicit size.
  return text.length < 32 * 1024 && !includedRanges
    ? parser.parse(text)
    : parser.parse((index: number) => text.slice(index, index + 16 * 1024), undefined, {
        bufferSize: 64 * 1024,
        includedRanges,
      });
}

export function childOfField(node: SyntaxNode, field: string): SyntaxNode | null {
  return node.childForFieldName(field);
}

export function namedChildren(node: SyntaxNode): readonly SyntaxNode[] {
  return node.namedChildren;
}

/** The identifier that names a type: `Arc<Mutex<T>>` → `Arc`, `crate::a::Proxy<T>` → `Proxy`. */
export function typeHeadName(typeText: string): string {
  const withoutRefs = typeText.replace(/^(&\s*('\w+\s*)?(mut\s+)?|\*(const|mut)\s+)+/, '').trim();
  const head = withoutRefs.replace(/::\s*</g, '<').split('<')[0].trim();
  const segments = head.split('::');
  return unraw(segments[segments.length - 1].trim());
}

/** A raw identifier is the same name without its prefix (Reference: "Raw identifiers"): `r#match` is `match`. */
export function unraw(name: string): string {
  return name.startsWith('r#') ? name.slice(2) : name;
}

/** The first syntax error of a tree, for a note; `undefined` when the tree is intact. */
export function firstSyntaxError(tree: Tree): SyntaxNode | undefined {
  if (!tree.rootNode.hasError) return undefined;
  const stack: SyntaxNode[] = [tree.rootNode];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.type === 'ERROR' || node.isMissing) return node;
    if (!node.hasError) continue;
    for (let i = node.childCount - 1; i >= 0; i--) stack.push(node.child(i)!);
  }
  return undefined;
}
