// A tree whose function bodies are built when first read (syntax-tree.ts) is the tree built whole:
// same nodes, kinds, fields, offsets and error marks over every Rust fixture, whether the bodies
// are reached by walking children or found by `descendantsOfType` (which asks tree-sitter before
// it builds a body).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type Parser from 'tree-sitter';
import { discoverFiles } from '../src/core/discover.js';
import { describe, expect, it, vi } from 'vitest';
import { encodeTree, Tree, type BodyDeferral, type SyntaxNode } from '../src/rust/syntax-tree.js';

const require = createRequire(import.meta.url);
const parser = new (require('tree-sitter') as typeof Parser)();
parser.setLanguage(require('tree-sitter-rust') as Parser.Language);

/** A fresh tree each time (the front end's parses are cached by text): whole, or with `defer`'s bodies left for later. */
function treeOf(text: string, defer?: BodyDeferral): Tree {
  const native = text.length < 32 * 1024 ? parser.parse(text) : parser.parse((i: number) => text.slice(i, i + 16 * 1024), undefined, { bufferSize: 64 * 1024 });
  return defer ? new Tree(text, encodeTree(native, defer), native) : new Tree(text, encodeTree(native));
}

/** The Rust files below `dir`, as a run of lockscope finds them. */
const rustFiles = (dir: string): string[] => discoverFiles([dir], process.cwd()).rust;

function shape(node: SyntaxNode): string {
  const own = `${node.fieldName ?? ''}:${node.type}@${node.startIndex}-${node.endIndex}${node.isNamed ? '' : '~'}${node.isMissing ? '!' : ''}${node.hasError ? '?' : ''}`;
  return node.childCount === 0 ? own : `${own}(${node.children.map(shape).join(' ')})`;
}

const KINDS = ['struct_expression', 'closure_expression', 'static_item', 'call_expression', 'function_item'];
const found = (root: SyntaxNode): string[] => root.descendantsOfType(KINDS).map((n) => `${n.type}@${n.startIndex}`);

describe('function bodies built when first read', () => {
  const files = rustFiles('fixtures');

  it('searching by kind finds what the whole tree holds, before any body is built', () => {
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      expect(found(treeOf(text, () => true).rootNode), file).toEqual(found(treeOf(text).rootNode));
    }
  });

  it('gives the whole tree once every body is read, whichever bodies were left for later', () => {
    const built = vi.spyOn(Tree.prototype, 'bodyChildren');
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const whole = shape(treeOf(text).rootNode);
      expect(shape(treeOf(text, () => true).rootNode), file).toBe(whole);
      // Some bodies built at once, the others later: a choice by offset, as the index makes by text.
      expect(shape(treeOf(text, (start, end) => (start + end) % 3 === 0).rootNode), file).toBe(whole);
    }
    // Bodies were left for later and built when read (a tree with a syntax error is built whole).
    expect(built.mock.calls.length).toBeGreaterThan(100);
    built.mockRestore();
  });
});
