// The order `check` lints TS/JS files in: each file after the files it imports, so that the facts
// of a callee's file are already there (lent by its lint, see projectFacts.ts) when a caller's
// lint reaches it, instead of being parsed a second time. Only the order changes: `check` reports
// every file's findings and notes in the order the files were given.
import path from 'node:path';
import { moduleCandidates } from './projectFacts.js';

// Relative specifiers of `import … from`, `export … from`, `import('…')`, `require('…')` and bare
// `import '…'`. A match inside a comment or a string only moves a file earlier, which is harmless.
const RELATIVE_IMPORT = /(?:\bfrom|\bimport|\brequire\s*\()\s*\(?\s*['"](\.{1,2}\/[^'"\n]*)['"]/g;

/** The relative specifiers a file's text imports. */
function relativeImports(text: string): string[] {
  return [...text.matchAll(RELATIVE_IMPORT)].map((match) => match[1]);
}

/** The order to lint files in, and the files among them that another of them imports. */
export interface LintOrder {
  readonly files: readonly string[];
  readonly imported: ReadonlySet<string>;
}

/**
 * `files` (absolute paths) ordered so that a file comes after the files among them it imports;
 * an import cycle is entered at the file given first. `textOf` gives a file's text.
 */
export function importsFirst(files: readonly string[], textOf: (file: string) => string | undefined): LintOrder {
  const given = new Set(files);
  const ordered: string[] = [];
  const imported = new Set<string>();
  const seen = new Set<string>();
  // Depth-first, post-order, with an explicit stack: an import chain may be thousands of files long.
  for (const start of files) {
    if (seen.has(start)) continue;
    seen.add(start);
    const stack: { file: string; imports: string[] }[] = [{ file: start, imports: importedFiles(start) }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const next = top.imports.shift();
      if (next === undefined) {
        ordered.push(top.file);
        stack.pop();
      } else if (!seen.has(next)) {
        seen.add(next);
        stack.push({ file: next, imports: importedFiles(next) });
      }
    }
  }
  return { files: ordered, imported };

  function importedFiles(file: string): string[] {
    const text = textOf(file);
    if (text === undefined) return [];
    const targets: string[] = [];
    for (const specifier of relativeImports(text)) {
      // Among the files being linted only: no need to ask the disk.
      const target = moduleCandidates(path.resolve(path.dirname(file), specifier)).find((candidate) => given.has(candidate));
      if (target === undefined || target === file) continue;
      targets.push(target);
      imported.add(target);
    }
    return targets;
  }
}
