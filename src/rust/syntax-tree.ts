// The Rust syntax tree as plain JS objects, made by one TreeCursor walk per parse. tree-sitter's
// Node binding hands out a fresh node object for every access and crosses into C++ for every
// property (`type`, `childForFieldName`, `namedChildren`): on lock-dense code that marshalling and
// the garbage it leaves were over half of the analysis' CPU. The walk reads each node's kind and
// field as numbers, names them from tables filled once per kind, and lets the native tree go.
// The nodes answer the part of tree-sitter's SyntaxNode interface the front end uses, with the
// same meaning, so the code above this module reads them as it read tree-sitter's.
import type Parser from 'tree-sitter';
import { LineMap } from './line-map.js';

const NO_CHILDREN: readonly SyntaxNode[] = Object.freeze([]);
const NAMED = 1;
const MISSING = 2;
const ERROR = 4;

export class Tree {
  readonly rootNode: SyntaxNode;
  private lineMap: LineMap | undefined;

  constructor(
    readonly text: string,
    native: Parser.Tree,
  ) {
    this.rootNode = mirror(this, native);
  }

  /** Lines of the text, for `startPosition`/`endPosition` (rarely asked, so made on first use). */
  get lines(): LineMap {
    return (this.lineMap ??= new LineMap(this.text));
  }
}

/** A row and column, 0-based, as tree-sitter's; columns count UTF-16 units of the line. */
export interface Point {
  readonly row: number;
  readonly column: number;
}

export class SyntaxNode {
  parent: SyntaxNode | null = null;
  children: readonly SyntaxNode[] = NO_CHILDREN;
  /** The field of the parent this node fills (`condition`, `body`), if any. */
  fieldName: string | undefined = undefined;
  /** `isNamed`, `isMissing` and `hasError` as bits: one field instead of three, on every node of every tree. */
  private flags: number;
  private named: readonly SyntaxNode[] | undefined = undefined;

  constructor(
    readonly tree: Tree,
    readonly type: string,
    isNamed: boolean,
    isMissing: boolean,
    /** UTF-16 offsets into the text, end exclusive. */
    readonly startIndex: number,
    readonly endIndex: number,
  ) {
    this.flags = (isNamed ? NAMED : 0) | (isMissing ? MISSING | ERROR : 0);
  }

  get isNamed(): boolean {
    return (this.flags & NAMED) !== 0;
  }

  get isMissing(): boolean {
    return (this.flags & MISSING) !== 0;
  }

  /** This node or a descendant is an `ERROR` or a missing token. */
  get hasError(): boolean {
    return (this.flags & ERROR) !== 0;
  }

  set hasError(value: boolean) {
    this.flags = value ? this.flags | ERROR : this.flags & ~ERROR;
  }

  get text(): string {
    return this.tree.text.slice(this.startIndex, this.endIndex);
  }

  get namedChildren(): readonly SyntaxNode[] {
    if (this.named === undefined) {
      // Most nodes' children are all named: share their array rather than copy it.
      const children = this.children;
      this.named = children.every((c) => c.isNamed) ? children : children.filter((c) => c.isNamed);
    }
    return this.named;
  }

  get childCount(): number {
    return this.children.length;
  }

  get namedChildCount(): number {
    return this.namedChildren.length;
  }

  child(index: number): SyntaxNode | null {
    return this.children[index] ?? null;
  }

  namedChild(index: number): SyntaxNode | null {
    return this.namedChildren[index] ?? null;
  }

  /** The first child in the field, named or not, as `ts_node_child_by_field_name`. */
  childForFieldName(field: string): SyntaxNode | null {
    for (const c of this.children) if (c.fieldName === field) return c;
    return null;
  }

  get startPosition(): Point {
    const { line, column } = this.tree.lines.position(this.startIndex);
    return { row: line - 1, column: column - 1 };
  }

  get endPosition(): Point {
    const { line, column } = this.tree.lines.position(this.endIndex);
    return { row: line - 1, column: column - 1 };
  }

  /** Descendants of these kinds, this node included, in document order. */
  descendantsOfType(types: string | readonly string[]): SyntaxNode[] {
    const wanted = new Set(typeof types === 'string' ? [types] : types);
    const found: SyntaxNode[] = [];
    const stack: SyntaxNode[] = [this];
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (wanted.has(node.type)) found.push(node);
      for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]);
    }
    return found;
  }

  /**
   * The smallest node, named or not, that spans `start`..`end`: as `ts_node_descendant_for_byte_range`,
   * it starts at or before `start`, ends at or after `end` and after `start`.
   */
  descendantForIndex(start: number, end = start): SyntaxNode {
    let node: SyntaxNode = this;
    for (;;) {
      let next: SyntaxNode | undefined;
      for (const c of node.children) {
        if (c.endIndex < end || c.endIndex <= start) continue;
        if (start < c.startIndex) break;
        next = c;
        break;
      }
      if (!next) return node;
      node = next;
    }
  }
}

// Kind and field names, by the numbers the cursor reports: read through the binding once per id.
const kindNames: string[] = [];
const kindIsNamed: boolean[] = [];
const fieldNames: (string | undefined)[] = [];

/**
 * Punctuation no question of the front end is about: delimiters and separators outside macro
 * token trees (whose tokens are read one by one). A third of a tree's nodes; their parents' text
 * and offsets still cover them, and a missing one (a syntax error) is kept.
 */
const UNREAD_PUNCTUATION = new Set(['(', ')', '{', '}', '[', ']', ';', ',', '.', '::', ':']);
const unreadKind: boolean[] = [];

function mirror(tree: Tree, native: Parser.Tree): SyntaxNode {
  const cursor = native.walk();
  // Missing tokens only occur in a tree with errors; elsewhere the question costs a native call per node.
  const mayMiss = native.rootNode.hasError;
  const kindOf = (): number => {
    const id = cursor.nodeTypeId;
    if (kindNames[id] === undefined) {
      kindNames[id] = cursor.nodeType;
      kindIsNamed[id] = cursor.nodeIsNamed;
      unreadKind[id] = !kindIsNamed[id] && UNREAD_PUNCTUATION.has(kindNames[id]);
    }
    return id;
  };
  const make = (id: number): SyntaxNode => {
    const type = kindNames[id];
    const missing = mayMiss && cursor.nodeIsMissing;
    const node = new SyntaxNode(tree, type, kindIsNamed[id], missing, cursor.startIndex, cursor.endIndex);
    if (missing || type === 'ERROR') node.hasError = true;
    return node;
  };
  const root = make(kindOf());
  // An explicit stack, not recursion: half-written code can nest deeper than the call stack.
  // Children wait in one shared list until their parent is done, then get an array of their exact
  // number: an array grown by `push` keeps room for 17, 150 bytes, on most nodes of every tree.
  const stack: SyntaxNode[] = [root];
  const firstChildAt: number[] = [0];
  const pending: SyntaxNode[] = [];
  const finish = (): void => {
    const done = stack.pop()!;
    const from = firstChildAt.pop()!;
    if (pending.length > from) {
      done.children = pending.slice(from);
      pending.length = from;
    }
    if (done.hasError && done.parent) done.parent.hasError = true;
  };
  if (!cursor.gotoFirstChild()) return root;
  for (;;) {
    const parent = stack[stack.length - 1];
    const id = kindOf();
    // Punctuation tokens are leaves: skipping one skips nothing below it.
    if (!unreadKind[id] || parent.type === 'token_tree' || (mayMiss && cursor.nodeIsMissing)) {
      const node = make(id);
      node.parent = parent;
      const fieldId = cursor.currentFieldId;
      if (fieldId !== 0) node.fieldName = fieldNames[fieldId] ??= cursor.currentFieldName;
      pending.push(node);
      if (cursor.gotoFirstChild()) {
        stack.push(node);
        firstChildAt.push(pending.length);
        continue;
      }
      if (node.hasError) parent.hasError = true;
    }
    while (!cursor.gotoNextSibling()) {
      if (!cursor.gotoParent()) return root;
      finish();
    }
  }
}
