// Which JavaScript files are a build's output rather than source: minified or bundled code. Findings there
// point at lines nobody edits (the fix belongs in the sources the bundle came from, which are
// analysed themselves), and one bundle can cost more than the rest of a project. The CLI skips
// them with a note; `--include-generated` analyses them anyway.

/** Longer than any line people write or formatters leave; minifiers write whole modules on one. */
export const GENERATED_LINE_LENGTH = 5000;

const MINIFIED_NAME = /\.min\.[cm]?js$/i;
const JS_NAME = /\.[cm]?js$/i;
// A bundler's or compiler's last line: `//# sourceMappingURL=app.js.map` (or the old `//@`).
const SOURCE_MAP_TRAILER = /\/\/[#@]\s*sourceMappingURL=\S+\s*$/;

/** Why a file looks generated, for the note; undefined for a source file. */
export function generatedCodeReason(file: string, text: string): string | undefined {
  if (MINIFIED_NAME.test(file)) return 'a minified file (*.min.js)';
  // TypeScript is source: a long line there is a long literal someone wrote, not a minifier's.
  if (!JS_NAME.test(file)) return undefined;
  if (SOURCE_MAP_TRAILER.test(text.slice(-512))) return 'generated JavaScript (it ends with a sourceMappingURL comment)';
  let lineStart = 0;
  for (let i = text.indexOf('\n'); ; i = text.indexOf('\n', i + 1)) {
    const end = i < 0 ? text.length : i;
    if (end - lineStart > GENERATED_LINE_LENGTH) return `minified or generated code (a line of over ${GENERATED_LINE_LENGTH} characters)`;
    if (i < 0) return undefined;
    lineStart = i + 1;
  }
}
