// tree-sitter access for the Rust front end: one parser per process, positions as SourceSpans.
import { createRequire } from 'node:module';
import type Parser from 'tree-sitter';
import type { SourceSpan } from '../core/model.js';

const require = createRequire(import.meta.url);
const TreeSitter = require('tree-sitter') as typeof Parser;
const RustLanguage = require('tree-sitter-rust') as unknown;

export type SyntaxNode = Parser.SyntaxNode;
export type Tree = Parser.Tree;

let parser: Parser | undefined;
/** The last parse: an editor's buffer is parsed by the ESLint language and again by the index. */
let last: { text: string; tree: Tree } | undefined;

export function parseRust(text: string): Tree {
  if (last?.text === text) return last.tree;
  const tree = parseFresh(text);
  last = { text, tree };
  return tree;
}

function parseFresh(text: string): Tree {
  if (!parser) {
    parser = new TreeSitter();
    parser.setLanguage(RustLanguage as Parser.Language);
  }
  // The node binding reads long inputs through a callback in chunks; a string over its default
  // buffer must go through the callback form with an explicit size.
  return text.length < 32 * 1024
    ? parser.parse(text)
    : parser.parse((index: number) => text.slice(index, index + 16 * 1024), undefined, {
        bufferSize: 64 * 1024,
      });
}

/** Maps string offsets of one file to 1-based lines and columns. */
export class LineMap {
  private readonly starts: number[] = [0];

  constructor(text: string) {
    for (let i = 0; i < text.length; i++) {
      if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
    }
  }

  position(offset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.starts[lo] + 1 };
  }

  span(file: string, start: number, end: number): SourceSpan {
    const a = this.position(start);
    const b = this.position(end);
    return { file, line: a.line, column: a.column, endLine: b.line, endColumn: b.column };
  }

  get lineCount(): number {
    return this.starts.length;
  }
}

export function childOfField(node: SyntaxNode, field: string): SyntaxNode | null {
  return node.childForFieldName(field);
}

export function namedChildren(node: SyntaxNode): SyntaxNode[] {
  return node.namedChildren;
}

/** The identifier that names a type: `Arc<Mutex<T>>` → `Arc`, `crate::a::Proxy<T>` → `Proxy`. */
export function typeHeadName(typeText: string): string {
  const withoutRefs = typeText.replace(/^(&\s*('\w+\s*)?(mut\s+)?|\*(const|mut)\s+)+/, '').trim();
  const head = withoutRefs.split('<')[0].trim();
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
