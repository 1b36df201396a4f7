// What the text face prints comes partly from the analysed code (lock names, file names, the
// guard's line): a stranger's pull request must not be able to clear the terminal, forge a
// diagnostic line, or reorder what is shown with a bidi override. Like rustc, every control,
// format (bidi, zero-width) and line-separator character is shown as a visible escape instead.

// Cc: C0/C1 controls and DEL; Cf: bidi embeddings/overrides/isolates, zero-width and other
// invisible format characters; Zl/Zp: U+2028/U+2029, which some terminals treat as newlines.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

const escaped = (ch: string): string => `\\u{${ch.codePointAt(0)!.toString(16).toUpperCase()}}`;

/** One line of safe terminal text: every invisible or controlling character escaped. */
export function visible(text: string): string {
  return text.replace(INVISIBLE, escaped);
}

/** A source line for a code frame: tabs are kept (they align as in the editor), the rest as `visible`. */
export function visibleSourceLine(text: string): string {
  return text.replace(INVISIBLE, (ch) => (ch === '\t' ? ch : escaped(ch)));
}
