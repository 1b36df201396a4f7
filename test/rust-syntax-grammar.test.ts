// The cursor walk (syntax-tree.ts) skips two questions the grammar answers: it does not look for
// children under a token, nor for a field under a kind whose fields are empty. This checks those
// answers against tree-sitter's own trees, node by node, over every intact Rust fixture.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type Parser from 'tree-sitter';
import { discoverFiles } from '../src/core/discover.js';
import { describe, expect, it } from 'vitest';
import '../src/rust/syntax.js';
import { grammarFacts } from '../src/rust/syntax-tree.js';

const require = createRequire(import.meta.url);
const parser = new (require('tree-sitter') as typeof Parser)();
parser.setLanguage(require('tree-sitter-rust') as Parser.Language);

/** The Rust files below `dir`, as a run of lockscope finds them. */
const rustFiles = (dir: string): string[] => discoverFiles([dir], process.cwd()).rust;

describe("the grammar's answers the cursor walk relies on", () => {
  const { tokens, fieldless } = grammarFacts();

  it('are loaded: the tokens and the kinds without fields the walk skips questions for', () => {
    for (const token of ['named identifier', 'named field_identifier', 'anonymous let', 'anonymous =']) expect(tokens.has(token), token).toBe(true);
    for (const kind of ['block', 'arguments', 'token_tree', 'declaration_list']) expect(fieldless.has(kind), kind).toBe(true);
    for (const kind of ['function_item', 'call_expression', 'let_declaration']) expect(fieldless.has(kind), kind).toBe(false);
  });

  it("hold on tree-sitter's trees: a token has no children, no child of a fieldless kind is in a field", () => {
    let checked = 0;
    for (const file of rustFiles('fixtures')) {
      const tree = parser.parse(readFileSync(file, 'utf8'));
      // The walk trusts the grammar only in an intact tree.
      if (tree.rootNode.hasError) continue;
      const cursor = tree.walk();
      const parents: string[] = [];
      for (;;) {
        const kind = `${cursor.nodeIsNamed ? 'named' : 'anonymous'} ${cursor.nodeType}`;
        const parent = parents[parents.length - 1];
        if (parent !== undefined && fieldless.has(parent)) expect(cursor.currentFieldName ?? null, `${file}: ${cursor.nodeType} under ${parent} at ${cursor.startIndex}`).toBe(null);
        checked++;
        if (cursor.gotoFirstChild()) {
          expect(tokens.has(kind), `${file}: ${kind} at ${cursor.startIndex} has children`).toBe(false);
          parents.push(kind.startsWith('named ') ? kind.slice('named '.length) : `(anonymous ${kind})`);
          continue;
        }
        while (!cursor.gotoNextSibling()) {
          if (!cursor.gotoParent()) break;
          parents.pop();
        }
        if (parents.length === 0 && !cursor.gotoNextSibling()) break;
      }
    }
    expect(checked).toBeGreaterThan(100_000);
  });
});
