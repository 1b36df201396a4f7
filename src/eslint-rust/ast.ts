// The AST ESLint traverses for a Rust file: a plain-object mirror of tree-sitter's named nodes.
// tree-sitter's own SyntaxNode objects are made afresh on every access, so they have no identity
// for ESLint's parent maps and selector ancestry; the mirror does, and costs one cursor walk.
import { createRequire } from 'node:module';
import type { SourceLocation } from '@eslint/core';
import type { TreeCursor } from 'tree-sitter';
import { LineMap, walkRust } from '../rust/syntax.js';

export interface RustNode {
  /** tree-sitter's node kind: `source_file`, `if_expression`, `line_comment`, `ERROR`, … */
  readonly type: string;
  /** UTF-16 offsets into the text, end exclusive. */
  readonly range: [number, number];
  /** 1-based lines and columns (the language's lineStart and columnStart), end column exclusive. */
  readonly loc: SourceLocation;
  readonly children: RustNode[];
}

export interface RustComment extends RustNode {
  readonly type: 'line_comment' | 'block_comment';
  /** The text between `//` and the end of the line, or between `/*` and `*\/`. */
  readonly value: string;
}

export interface RustParse {
  readonly ast: RustNode;
  readonly comments: readonly RustComment[];
  readonly parents: WeakMap<RustNode, RustNode>;
}

const require = createRequire(import.meta.url);
const nodeTypeInfo = (require('tree-sitter-rust') as { nodeTypeInfo: { type: string; named: boolean }[] }).nodeTypeInfo;

/** Every named node kind of tree-sitter-rust (and `ERROR`) has its children under `children`. */
export const visitorKeys: Record<string, string[]> = Object.fromEntries(
  [...nodeTypeInfo.filter((info) => info.named).map((info) => info.type), 'ERROR'].map((type) => [type, ['children']]),
);

// Reading a kind's name or named-ness through the binding costs a native call and a string per
// node, and is fixed per kind id: read once per id, then looked up.
const kindNames: string[] = [];
const kindIsNamed: boolean[] = [];

function isNamed(cursor: TreeCursor): boolean {
  const id = cursor.nodeTypeId;
  let named = kindIsNamed[id];
  if (named === undefined) {
    named = kindIsNamed[id] = cursor.nodeIsNamed;
    kindNames[id] = cursor.nodeType;
  }
  return named;
}

/**
 * Below this depth, descendants are mirrored as children of the node at this depth. ESLint's
 * traversal keeps the ancestry in an array it shifts per node, so its cost grows with depth times
 * nodes: a generated file nested 100,000 blocks deep would take seconds per lint. Real code is
 * nowhere near this deep, and the rules read the analysis, not the tree.
 */
const MAX_DEPTH = 1000;

export function parseRustAst(text: string): RustParse {
  const cursor = walkRust(text);
  const parents = new WeakMap<RustNode, RustNode>();
  const comments: RustComment[] = [];

  const lines = new LineMap(text);
  const mirror = (): RustNode => {
    const type = kindNames[cursor.nodeTypeId];
    const range: [number, number] = [cursor.startIndex, cursor.endIndex];
    // From offsets, not tree-sitter's row/column: the binding builds an object per position read.
    const loc = { start: lines.position(range[0]), end: lines.position(range[1]) };
    if (type === 'line_comment' || type === 'block_comment') {
      const body = text.slice(range[0] + 2, type === 'block_comment' ? range[1] - 2 : range[1]);
      const comment: RustComment = { type, range, loc, children: [], value: body };
      comments.push(comment);
      return comment;
    }
    return { type, range, loc, children: [] };
  };

  // The root spans the whole text (tree-sitter's starts at the first token) and is always a
  // `source_file`, as JS's is always a Program: when tree-sitter cannot fit the file into one, its
  // root is an `ERROR` node, which becomes the root's only child.
  isNamed(cursor);
  const treeRoot = mirror();
  const root: RustNode = { type: 'source_file', range: [0, text.length], loc: wholeText(text), children: [] };
  const stack: RustNode[] = [root];
  if (treeRoot.type !== 'source_file') {
    root.children.push(treeRoot);
    parents.set(treeRoot, root);
    stack.push(treeRoot);
  }
  // An explicit stack, not recursion: half-written code can nest deeper than the call stack.
  if (!cursor.gotoFirstChild()) return { ast: root, comments, parents };
  // The top of the stack is the named node that owns the cursor's current node.
  for (;;) {
    const parent = stack[stack.length - 1];
    let descended = false;
    if (isNamed(cursor)) {
      const node = mirror();
      parent.children.push(node);
      parents.set(node, parent);
      if (!isComment(node) && cursor.gotoFirstChild()) {
        stack.push(stack.length < MAX_DEPTH ? node : parent);
        descended = true;
      }
    } else if (cursor.gotoFirstChild()) {
      // Anonymous nodes (keywords, punctuation) are left out; named nodes below one (a macro's
      // token tree) belong to the nearest named ancestor.
      stack.push(parent);
      descended = true;
    }
    if (descended) continue;
    while (!cursor.gotoNextSibling()) {
      if (!cursor.gotoParent()) return { ast: root, comments, parents };
      stack.pop();
    }
  }
}

function wholeText(text: string): SourceLocation {
  let lines = 1;
  let lastLineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) {
    lines++;
    lastLineStart = i + 1;
  }
  return { start: { line: 1, column: 1 }, end: { line: lines, column: text.length - lastLineStart + 1 } };
}

function isComment(node: RustNode): boolean {
  return node.type === 'line_comment' || node.type === 'block_comment';
}
