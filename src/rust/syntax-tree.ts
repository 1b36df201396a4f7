// The Rust syntax tree as plain JS objects, made by one TreeCursor walk per parse. tree-sitter's
// Node binding hands out a fresh node object for every access and crosses into C++ for every
// property (`type`, `childForFieldName`, `namedChildren`): on lock-dense code that marshalling and
// the garbage it leaves were over half of the analysis' CPU. The walk reads each node's kind and
// field as numbers into a flat array (`encodeTree`), names them from tables filled once per kind,
// and lets the native tree go, unless it left function bodies to be walked when first read; the
// nodes are built from that array, possibly in another thread than the walk's (parse-ahead.ts).
// The nodes answer the part of tree-sitter's SyntaxNode
// interface the front end uses, with the same meaning, so the code above this module reads them
// as it read tree-sitter's.
import type Parser from 'tree-sitter';
import { LineMap } from './line-map.js';

const NO_CHILDREN: readonly SyntaxNode[] = Object.freeze([]);
/** The children of a function body the walk left for later (`Tree.bodyChildren`). */
const DEFERRED: readonly SyntaxNode[] = Object.freeze([]);
const NAMED = 1;
const MISSING = 2;
const ERROR = 4;

export class Tree {
  readonly rootNode: SyntaxNode;
  private lineMap: LineMap | undefined;

  constructor(
    readonly text: string,
    encoded: EncodedTree,
    /** tree-sitter's tree, kept when the walk left function bodies for later (`encodeTree`). */
    private native?: Parser.Tree,
  ) {
    this.rootNode = build(this, encoded);
  }

  /** The children of a function body left out of the walk: walked and built on first use. */
  bodyChildren(body: SyntaxNode): readonly SyntaxNode[] {
    return build(this, encodeWalk(this.nativeNode(body).walk(), false, undefined), body).children;
  }

  /** Whether a body not built yet has a node of one of these kinds, asked of tree-sitter's tree. */
  bodyHolds(body: SyntaxNode, types: readonly string[]): boolean {
    return this.nativeNode(body).descendantsOfType(types as string[]).length > 0;
  }

  private nativeNode(node: SyntaxNode): Parser.SyntaxNode {
    return this.native!.rootNode.descendantForIndex(node.startIndex, node.endIndex);
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
  /** `DEFERRED` for a function body not built yet: read through `children`. */
  private kids: readonly SyntaxNode[] = NO_CHILDREN;
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

  get children(): readonly SyntaxNode[] {
    const kids = this.kids;
    return kids !== DEFERRED ? kids : (this.kids = this.tree.bodyChildren(this));
  }

  set children(children: readonly SyntaxNode[]) {
    this.kids = children;
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

  /**
   * Descendants of these kinds, this node included, in document order. A body not built yet is
   * built only if tree-sitter finds one there: a search of a whole file for struct literals or
   * nested items would otherwise build every body of it.
   */
  descendantsOfType(types: string | readonly string[]): SyntaxNode[] {
    const list = typeof types === 'string' ? [types] : types;
    const wanted = new Set(list);
    const found: SyntaxNode[] = [];
    const stack: SyntaxNode[] = [this];
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (wanted.has(node.type)) found.push(node);
      const children = node.kids === DEFERRED && !node.tree.bodyHolds(node, list) ? NO_CHILDREN : node.children;
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
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
// A parse worker reads them on its side and sends them with its trees (`TreeNames`).
const kindNames: string[] = [];
const kindIsNamed: boolean[] = [];
const fieldNames: (string | undefined)[] = [];
let namesReadCount = 0;

/** Kind and field names by id, as `[id, name, isNamed]` and `[id, name]`. */
export interface TreeNames {
  readonly kinds: [number, string, boolean][];
  readonly fields: [number, string][];
}

/** How many kind and field names this thread has read: it grows when a parse meets a new id. */
export function namesRead(): number {
  return namesReadCount;
}

/** Every kind and field name this thread has read, for a thread that builds trees it encoded. */
export function readNames(): TreeNames {
  const kinds: [number, string, boolean][] = [];
  const fields: [number, string][] = [];
  kindNames.forEach((name, id) => kinds.push([id, name, kindIsNamed[id]]));
  fieldNames.forEach((name, id) => {
    if (name !== undefined) fields.push([id, name]);
  });
  return { kinds, fields };
}

/** Names another thread read, learned before its encoded trees are built here. */
export function learnNames(names: TreeNames): void {
  for (const [id, name, named] of names.kinds) learnKind(id, name, named);
  for (const [id, name] of names.fields) fieldNames[id] = name;
}

function learnKind(id: number, name: string, named: boolean): void {
  kindNames[id] = name;
  kindIsNamed[id] = named;
  unreadKind[id] = !named && UNREAD_PUNCTUATION.has(name);
  tokenKind[id] = grammar.tokens.has(`${named ? 'named' : 'anonymous'} ${name}`);
  fieldlessKind[id] = named && grammar.fieldless.has(name);
}

/** One of the grammar's node types, as its `node-types.json` lists them. */
export interface NodeTypeInfo {
  readonly type: string;
  readonly named: boolean;
  readonly fields?: Readonly<Record<string, unknown>>;
  readonly children?: unknown;
  readonly subtypes?: unknown;
}

/**
 * What the grammar says of its kinds, which spares the walk two native calls on most nodes:
 * a token (listed without `fields`) never has children, and no child of a kind whose `fields` are
 * empty (`block`, `arguments`, `token_tree`) is in a field. Without the grammar's list (the
 * binding loads it in a `try`), the walk asks tree-sitter, as it always may.
 */
const grammar = { tokens: new Set<string>(), fieldless: new Set<string>() };
const tokenKind: boolean[] = [];
const fieldlessKind: boolean[] = [];

/** What `learnGrammar` took from the grammar: tokens as `named x` / `anonymous x`, fieldless kinds by name. */
export function grammarFacts(): { readonly tokens: ReadonlySet<string>; readonly fieldless: ReadonlySet<string> } {
  return grammar;
}

export function learnGrammar(types: readonly NodeTypeInfo[] | undefined): void {
  for (const t of types ?? []) {
    if (t.subtypes !== undefined) continue;
    if (t.fields === undefined && t.children === undefined) grammar.tokens.add(`${t.named ? 'named' : 'anonymous'} ${t.type}`);
    else if (t.named && t.fields !== undefined && Object.keys(t.fields).length === 0) grammar.fieldless.add(t.type);
  }
  for (const [id, name] of kindNames.entries()) if (name !== undefined) learnKind(id, name, kindIsNamed[id]);
}

/**
 * Punctuation no question of the front end is about: delimiters and separators outside macro
 * token trees (whose tokens are read one by one). A third of a tree's nodes; their parents' text
 * and offsets still cover them, and a missing one (a syntax error) is kept.
 */
const UNREAD_PUNCTUATION = new Set(['(', ')', '{', '}', '[', ']', ';', ',', '.', '::', ':']);
const unreadKind: boolean[] = [];

/**
 * Nodes whose parts no question is about: a comment's markers and doc text (`//`, `/`,
 * `outer_doc_comment_marker`, `doc_comment`) are four nodes a doc line, a third of the nodes of a
 * well-documented file outside function bodies. The comment itself is kept.
 */
const UNREAD_INSIDE = new Set(['line_comment', 'block_comment']);

/**
 * A tree as numbers, so that it can be made in one thread and built into nodes in another (a
 * transferable buffer crosses for free; objects would be copied). Each kept node, in document
 * order, takes `STRIDE` slots: kind id, field id, start and end offsets, and its number of kept
 * children times four, plus two if its children were left for later (`DEFERRED_BIT`), plus one
 * if it is a missing token.
 */
export type EncodedTree = Int32Array<ArrayBuffer>;
const STRIDE = 5;
const MISSING_BIT = 1;
const DEFERRED_BIT = 2;
const CHILD_SHIFT = 2;
const CHILD_UNIT = 1 << CHILD_SHIFT;

/**
 * Walks tree-sitter's tree once with a cursor, reading each node's kind and field as numbers.
 * With `deferBody`, an intact tree's function bodies it chooses are left out: most functions of a
 * file read for its declarations are never walked, and their bodies are most of its nodes. The
 * caller then keeps the native tree for `Tree.bodyChildren`.
 */
export function encodeTree(native: Parser.Tree, deferBody?: BodyDeferral): EncodedTree {
  // Missing tokens only occur in a tree with errors; elsewhere the question costs a native call per node.
  const mayMiss = native.rootNode.hasError;
  return encodeWalk(native.walk(), mayMiss, mayMiss ? undefined : deferBody);
}

/** Whether the function body spanning these offsets is left out of the walk. */
export type BodyDeferral = (start: number, end: number) => boolean;

function encodeWalk(cursor: Parser.TreeCursor, mayMiss: boolean, deferBody: BodyDeferral | undefined): EncodedTree {
  let out = new Int32Array(STRIDE * 1024);
  let length = 0;
  const kindOf = (): number => {
    const id = cursor.nodeTypeId;
    if (kindNames[id] === undefined) {
      learnKind(id, cursor.nodeType, cursor.nodeIsNamed);
      namesReadCount++;
    }
    return id;
  };
  // In a tree with errors, a node may sit where the grammar puts none: ask tree-sitter everything.
  const trustGrammar = !mayMiss;
  const write = (id: number, inFieldlessParent: boolean): number => {
    if (length + STRIDE > out.length) {
      const grown = new Int32Array(out.length * 2);
      grown.set(out);
      out = grown;
    }
    const fieldId = inFieldlessParent ? 0 : cursor.currentFieldId;
    if (fieldId !== 0 && fieldNames[fieldId] === undefined) {
      fieldNames[fieldId] = cursor.currentFieldName;
      namesReadCount++;
    }
    const at = length;
    out[at] = id;
    out[at + 1] = fieldId;
    out[at + 2] = cursor.startIndex;
    out[at + 3] = cursor.endIndex;
    out[at + 4] = mayMiss && cursor.nodeIsMissing ? MISSING_BIT : 0;
    length += STRIDE;
    return at;
  };
  // An explicit stack, not recursion: half-written code can nest deeper than the call stack.
  const parents: number[] = [write(kindOf(), false)];
  const parentKinds: string[] = [kindNames[out[0]]];
  if (cursor.gotoFirstChild()) {
    for (;;) {
      const id = kindOf();
      // Punctuation tokens are leaves: skipping one skips nothing below it.
      if (!unreadKind[id] || parentKinds[parentKinds.length - 1] === 'token_tree' || (mayMiss && cursor.nodeIsMissing)) {
        const parent = parents[parents.length - 1];
        const at = write(id, trustGrammar && fieldlessKind[out[parent]]);
        out[parent + 4] += CHILD_UNIT;
        const kind = kindNames[id];
        if (deferBody && kind === 'block' && parentKinds[parentKinds.length - 1] === 'function_item' && fieldNames[out[at + 1]] === 'body' && deferBody(out[at + 2], out[at + 3])) {
          out[at + 4] |= DEFERRED_BIT;
        } else if (!(trustGrammar && tokenKind[id]) && !UNREAD_INSIDE.has(kind) && cursor.gotoFirstChild()) {
          parents.push(at);
          parentKinds.push(kind);
          continue;
        }
      }
      let done = false;
      while (!cursor.gotoNextSibling()) {
        if (!cursor.gotoParent()) {
          done = true;
          break;
        }
        parents.pop();
        parentKinds.pop();
      }
      if (done) break;
    }
  }
  return out.slice(0, length);
}

/**
 * The nodes of an encoded tree, children in arrays of their exact length. With `given`, the
 * encoded tree is that node's own subtree (a deferred body): its children are built under it.
 */
function build(tree: Tree, encoded: EncodedTree, given?: SyntaxNode): SyntaxNode {
  const make = (at: number): SyntaxNode => {
    const id = encoded[at];
    const type = kindNames[id];
    const flags = encoded[at + 4];
    const missing = (flags & MISSING_BIT) !== 0;
    const node = new SyntaxNode(tree, type, kindIsNamed[id], missing, encoded[at + 2], encoded[at + 3]);
    if (missing || type === 'ERROR') node.hasError = true;
    if ((flags & DEFERRED_BIT) !== 0) node.children = DEFERRED;
    const fieldId = encoded[at + 1];
    if (fieldId !== 0) node.fieldName = fieldNames[fieldId];
    return node;
  };
  const root = given ?? make(0);
  if (given) given.children = NO_CHILDREN;
  // Children wait in one shared list until their parent is done, then get an array of their exact
  // number: an array grown by `push` keeps room for 17, 150 bytes, on most nodes of every tree.
  const stack: SyntaxNode[] = [root];
  const childrenLeft: number[] = [encoded[4] >> CHILD_SHIFT];
  const firstChildAt: number[] = [0];
  const pending: SyntaxNode[] = [];
  const finish = (): void => {
    const done = stack.pop()!;
    childrenLeft.pop();
    const from = firstChildAt.pop()!;
    if (pending.length > from) {
      done.children = pending.slice(from);
      pending.length = from;
    }
    if (done.hasError && done.parent) done.parent.hasError = true;
  };
  for (let at = STRIDE; at < encoded.length; at += STRIDE) {
    while (childrenLeft[childrenLeft.length - 1] === 0) finish();
    const parent = stack[stack.length - 1];
    childrenLeft[childrenLeft.length - 1]--;
    const node = make(at);
    node.parent = parent;
    pending.push(node);
    const count = encoded[at + 4] >> CHILD_SHIFT;
    if (count > 0) {
      stack.push(node);
      childrenLeft.push(count);
      firstChildAt.push(pending.length);
    } else if (node.hasError) parent.hasError = true;
  }
  while (stack.length > 0) finish();
  return root;
}
