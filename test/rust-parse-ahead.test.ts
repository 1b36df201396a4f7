// The parse worker's trees are the trees this thread makes: same nodes, kinds, fields, offsets and
// error marks, over every Rust fixture (syntax errors included). Run against the build, where the
// worker's script exists (from the sources under test the worker is never started).
import { readFileSync } from 'node:fs';
import { discoverFiles } from '../src/core/discover.js';
import { describe, expect, it } from 'vitest';
import type { ParseAhead as ParseAheadClass } from '../src/rust/parse-ahead.js';
import type { SyntaxNode } from '../src/rust/syntax-tree.js';
import type { parseRust as parseRustFunction } from '../src/rust/syntax.js';

const { ParseAhead } = (await import('../dist/src/rust/parse-ahead.js')) as { ParseAhead: typeof ParseAheadClass };
const { parseRust } = (await import('../dist/src/rust/syntax.js')) as { parseRust: typeof parseRustFunction };

/** The Rust files below `dir`, as a run of lockscope finds them. */
const rustFiles = (dir: string): string[] => discoverFiles([dir], process.cwd()).rust;

function shape(node: SyntaxNode): string {
  const own = `${node.fieldName ?? ''}:${node.type}@${node.startIndex}-${node.endIndex}${node.isNamed ? '' : '~'}${node.isMissing ? '!' : ''}${node.hasError ? '?' : ''}`;
  return node.childCount === 0 ? own : `${own}(${node.children.map(shape).join(' ')})`;
}

describe('parse ahead', () => {
  // Every fixture twice over: enough text for the worker to be started, and both threads get some.
  const texts = new Map<string, string>();
  for (const round of [0, 1]) for (const file of rustFiles('fixtures')) texts.set(`${round}/${file}`, readFileSync(file, 'utf8'));

  it("gives the trees this thread's parser gives, whichever thread parsed them", () => {
    const ahead = ParseAhead.start(texts);
    expect(ahead).toBeDefined();
    try {
      for (const [file, text] of texts) expect(shape(ahead!.tree(file, text).rootNode), file).toBe(shape(parseRust(text).rootNode));
    } finally {
      ahead!.close();
    }
  });

  it('parses here a text other than the one the worker was given', () => {
    const ahead = ParseAhead.start(texts)!;
    const [file] = texts.keys();
    try {
      expect(ahead.tree(file, 'fn edited() {}').rootNode.text).toBe('fn edited() {}');
    } finally {
      ahead.close();
    }
  });
});
