// `lockscope/rust`: ESLint's language API for .rs files (as @eslint/json and @eslint/css do it),
// so any editor that runs ESLint shows the Rust findings.
import type { File, Language, OkParseResult } from '@eslint/core';
import { loadLazily } from '../core/load-lazily.js';
import type { RustNode, RustParse } from './ast.js';
import type { RustLanguageOptions, RustSourceCode } from './source-code.js';

/** The AST mirror, and tree-sitter with it, loaded when the first Rust file is parsed. */
const rustAst = loadLazily<typeof import('./ast.js')>('./ast.js', import.meta.url);
/** Its source code object (and @eslint/plugin-kit with it), loaded with the first Rust file too. */
const rustSourceCode = loadLazily<typeof import('./source-code.js')>('./source-code.js', import.meta.url);

const EDITIONS: readonly unknown[] = [2015, 2018, 2021, 2024];
const JS_LANGUAGE_OPTIONS = new Set(['parser', 'parserOptions', 'ecmaVersion', 'sourceType', 'globals']);

type RustParseResult = OkParseResult<RustNode> & { readonly parsed: RustParse };

export class RustLanguage
  implements Language<{ LangOptions: RustLanguageOptions; Code: RustSourceCode; RootNode: RustNode; Node: RustNode }>
{
  readonly fileType = 'text';
  // The mirror's locations are 1-based lines and columns, as the analysis's spans are, so a
  // finding's span is reported unchanged.
  readonly lineStart = 1;
  readonly columnStart = 1;
  readonly nodeTypeKey = 'type';
  readonly defaultLanguageOptions: RustLanguageOptions = {};

  /** Read by ESLint's traversal only, after a Rust file was parsed. */
  get visitorKeys(): Record<string, string[]> {
    return rustAst().visitorKeys;
  }

  validateLanguageOptions(options: RustLanguageOptions): void {
    for (const key of Object.keys(options)) {
      // Shared configs (js.configs.recommended, typescript-eslint's) spread JS language options over
      // every file; they mean nothing for Rust and are ignored, as @eslint/json and @eslint/css do.
      if (key !== 'edition' && !JS_LANGUAGE_OPTIONS.has(key)) {
        throw new TypeError(`Unknown Rust language option "${key}": the only option is "edition".`);
      }
    }
    if (options.edition !== undefined && !EDITIONS.includes(options.edition)) {
      throw new TypeError(`languageOptions.edition must be one of ${EDITIONS.join(', ')}, not ${JSON.stringify(options.edition)}.`);
    }
  }

  /** tree-sitter recovers from syntax errors, so every file parses; broken regions become ERROR nodes. */
  parse(file: File): RustParseResult {
    const text = typeof file.body === 'string' ? file.body : new TextDecoder().decode(file.body);
    const parsed = rustAst().parseRustAst(text);
    return { ok: true, ast: parsed.ast, parsed };
  }

  createSourceCode(file: File, input: RustParseResult): RustSourceCode {
    const text = typeof file.body === 'string' ? file.body : new TextDecoder().decode(file.body);
    return new (rustSourceCode().RustSourceCode)({ text, parsed: input.parsed });
  }
}
