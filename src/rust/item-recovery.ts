// Half-written code: tree-sitter's error recovery can swallow everything after a broken spot (a
// missing `}` makes the following methods nested functions of the broken one; an unclosed `(`
// turns the rest of an `impl` into an ERROR node). Items do not nest that way in the text an
// editor shows, so the front end re-synchronises on item boundaries, as rustc's parser does after
// an error: each `fn` that starts a line is parsed again on its own, inside the `impl` or `trait`
// header that encloses it by indentation. The copy keeps every offset of the file (everything
// else is blanked), so the recovered nodes report the file's own lines and columns.
import { parseRustWithin, type SyntaxNode } from './syntax.js';

/** A re-parsed item: the `fn`, or the `impl`/`trait` block around it, in a blanked copy of the file. */
export interface RecoveredItem {
  /** `function_item`, `impl_item` or `trait_item`, holding exactly one function. */
  readonly item: SyntaxNode;
  /** Where the function starts in the file (its visibility or first qualifier). */
  readonly fnStart: number;
}

// A function item at the start of a line: `pub(crate) async unsafe fn name`.
const FN_LINE_RE = /^([ \t]*)((?:pub(?:\s*\([^)\n]*\))?\s+)?(?:(?:const|async|unsafe|default)\s+|extern\s+(?:"[^"\n]*"\s+)?)*fn\s+(?:r#)?[\p{XID_Start}_][\p{XID_Continue}]*)/gmu;
// An `impl`/`trait` header up to its opening brace, at the start of a line.
const HEADER_RE = /^([ \t]*)((?:pub(?:\s*\([^)\n]*\))?\s+)?(?:unsafe\s+)?(?:impl\b|trait\s)[^{};]*\{)/gmu;
// A line that closes a block at some indentation.
const CLOSE_RE = /^([ \t]*)(\})/gmu;

interface LineItem {
  readonly start: number;
  readonly indent: number;
  readonly end: number;
}

function lineItems(text: string, re: RegExp): LineItem[] {
  const out: LineItem[] = [];
  for (const m of text.matchAll(re)) {
    const start = m.index + m[1].length;
    out.push({ start, indent: m[1].replace(/\t/g, '    ').length, end: start + m[2].length });
  }
  return out;
}

/**
 * The text with everything outside `keep` blanked (newlines kept), followed by `suffix`; `blank`
 * is the whole text blanked, made once per file so that each item costs only slices of it.
 */
function blanked(text: string, blank: string, keep: readonly (readonly [number, number])[], suffix: string): string {
  let out = '';
  let at = 0;
  for (const [from, to] of keep) {
    out += blank.slice(at, from);
    out += text.slice(from, to);
    at = to;
  }
  return out + suffix;
}

/**
 * The functions of a broken file that its tree does not hold intact, each parsed again on its
 * own. `intactAt(offset)` says whether the tree already has an intact function starting there.
 */
export function recoverItems(text: string, intactAt: (start: number, end: number) => boolean): RecoveredItem[] {
  const fns = lineItems(text, FN_LINE_RE);
  const headers = lineItems(text, HEADER_RE);
  const closes = lineItems(text, CLOSE_RE);
  const recovered: RecoveredItem[] = [];
  let blank: string | undefined;
  fns.forEach((fn, i) => {
    if (intactAt(fn.start, fn.end)) return;
    // The function ends where the next item at its indentation or less begins, or where a line
    // closes its enclosing block.
    const nextFn = fns.slice(i + 1).find((f) => f.indent <= fn.indent)?.start ?? text.length;
    const nextHeader = headers.find((h) => h.start > fn.start && h.indent <= fn.indent)?.start ?? text.length;
    const close = closes.find((c) => c.start > fn.end && c.indent < fn.indent);
    const end = Math.min(nextFn, nextHeader, close ? text.lastIndexOf('\n', close.start) + 1 : text.length);
    // The enclosing header: the nearest one before it, less indented, not closed in between.
    const header = headers
      .filter((h) => h.start < fn.start && h.indent < fn.indent)
      .reverse()
      .find((h) => !closes.some((c) => c.start > h.end && c.start < fn.start && c.indent <= h.indent));
    const keep: [number, number][] = header ? [[header.start, header.end], [fn.start, end]] : [[fn.start, end]];
    const suffix = header ? '\n}' : '';
    blank ??= text.replace(/[^\n]/g, ' ');
    // Only the kept parts are parsed: the blanks between them are whitespace to the grammar anyway.
    const parsed = keep.map(([from, to]): [number, number] => [from, to === end ? end + suffix.length : to]);
    const tree = parseRustWithin(blanked(text, blank, keep, suffix), parsed);
    const item = tree.rootNode.namedChildren.find((n) => n.startIndex <= fn.start && n.endIndex > fn.start);
    if (!item) return;
    const fnNode = item.type === 'function_item' ? item : item.childForFieldName('body')?.namedChildren.find((n) => n.type === 'function_item');
    if (!fnNode || fnNode.hasError || fnNode.startIndex !== fn.start) return;
    if (item.type !== 'function_item' && item.type !== 'impl_item' && item.type !== 'trait_item') return;
    recovered.push({ item, fnStart: fn.start });
  });
  return recovered;
}
