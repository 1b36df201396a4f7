// The facts of the other files a file's calls reach: in a typed program, its other source files
// (parsed on demand, shared by every lint of that program); untyped, the files a relative
// `require`/`import` names, resolved as Node and bundlers do and kept while their text is unchanged.
// In a typed program, a file linted before a call reaches it lends the facts of its lint instead,
// so that a project linted callees first parses each file once.
import fs from 'node:fs';
import type ts from 'typescript';
import { parseForESLint } from '@typescript-eslint/parser';
import type { ParserServicesWithTypeInformation, TSESTree } from '@typescript-eslint/utils';
import { buildFileFacts } from './fileFacts.js';
import type { FileFacts } from './facts.js';
import type { ExtraTsLockApis } from './lockApis.js';

export interface ProjectState {
  /**
   * Facts of the other files of a typed program, parsed on demand or lent by their lint, shared
   * between lints; the least recently used first (see `PROGRAM_FILES_KEPT`).
   */
  readonly files: Map<string, FileFacts | undefined>;
  readonly program?: ts.Program;
  readonly extra?: ExtraTsLockApis;
}

/**
 * How many files' facts a typed program keeps for later lints. Each holds its file's syntax tree
 * and scopes, so keeping every file's kept every tree of the project alive to the end of the run.
 * A lint of files linted callees first reaches files linted just before it, and a file many
 * others call stays recently used; one that was let go is parsed again if a call reaches it.
 */
const PROGRAM_FILES_KEPT = 64;

function keep(project: ProjectState, fileName: string, facts: FileFacts | undefined): void {
  project.files.delete(fileName);
  project.files.set(fileName, facts);
  if (project.files.size > PROGRAM_FILES_KEPT) project.files.delete(project.files.keys().next().value!);
}

/** Parses another file of the program (typed) so calls into it can be summarised. */
export function factsOfProgramFile(project: ProjectState, fileName: string): FileFacts | undefined {
  if (project.files.has(fileName)) {
    const known = project.files.get(fileName);
    keep(project, fileName, known);
    return known;
  }
  let facts: FileFacts | undefined;
  const sourceFile = project.program?.getSourceFile(fileName);
  if (sourceFile && project.program) {
    try {
      const parsed = parseForESLint(sourceFile.text, {
        programs: [project.program],
        filePath: fileName,
        range: true,
        loc: true,
        tokens: false,
        comment: false,
        ecmaVersion: 'latest',
        sourceType: 'module',
      });
      const services = parsed.services.program ? (parsed.services as ParserServicesWithTypeInformation) : undefined;
      facts = buildFileFacts({ file: fileName, ast: parsed.ast as TSESTree.Program, scopeManager: parsed.scopeManager as never, typed: services, extra: project.extra });
    } catch {
      facts = undefined;
    }
  }
  keep(project, fileName, facts);
  return facts;
}

/** Files whose facts a lint lends to later lookups (see `lendLintedFacts`); none unless the CLI names them. */
let lendingFiles: ReadonlySet<string> = new Set();

/**
 * Names the files other files of this run import: a typed lint of one of them keeps its facts
 * for the lints after it. Any other file's facts are dropped with its lint, as a lint in an
 * editor drops them, so memory holds only what a later lookup may ask for.
 */
export function lendFactsOf(files: ReadonlySet<string>): void {
  lendingFiles = files;
}

/**
 * Keeps the facts of the file being linted for later lints of the same program whose calls reach
 * it, when its parse is the one `factsOfProgramFile` would make: an ES module typed by that
 * program (ESLint parses CommonJS as a script with a global `return`). Untyped lookups still parse
 * the file: most untyped imports are never called through, and keeping every imported file's
 * facts would only cost memory.
 */
export function lendLintedFacts(project: ProjectState, facts: FileFacts, ast: TSESTree.Program): void {
  if (!project.program || ast.sourceType !== 'module' || !lendingFiles.has(facts.file) || project.files.has(facts.file)) return;
  keep(project, facts.file, facts);
}

// Extensions Node's and bundlers' resolution tries for a relative specifier, in that order.
const MODULE_CANDIDATES = ['', '.js', '.cjs', '.mjs', '.ts', '.tsx', '.mts', '.cts', '/index.js', '/index.ts'];

/** The files a relative specifier (already resolved to a path) may name, in the order they are tried. */
export function moduleCandidates(base: string): string[] {
  // TypeScript's ES module imports name the emitted file: `./db.js` is `./db.ts` in the sources.
  const sources = /\.[cm]?js$/.test(base) ? [base.replace(/js$/, 'ts')] : [];
  return [...MODULE_CANDIDATES.map((suffix) => base + suffix), ...sources];
}

/** The file a relative specifier (already resolved to a path) names, if one exists. */
export function resolveModule(base: string): string | undefined {
  for (const file of moduleCandidates(base)) {
    try {
      if (fs.statSync(file).isFile()) return file;
    } catch {
      // not this one
    }
  }
  return undefined;
}

/** Facts of a file reached untyped through `require`/`import`, kept while its text is unchanged. */
const moduleFacts = new Map<string, { readonly text: string; readonly facts: FileFacts | undefined }>();

export function factsOfModule(file: string, extra: ExtraTsLockApis | undefined): FileFacts | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const cached = moduleFacts.get(file);
  if (cached?.text === text) return cached.facts;
  let facts: FileFacts | undefined;
  // A CommonJS file may use what a module may not (`return` at the top, `with`): try both.
  for (const sourceType of file.endsWith('.cjs') ? (['script', 'module'] as const) : (['module', 'script'] as const)) {
    try {
      const parsed = parseForESLint(text, { filePath: file, range: true, loc: true, tokens: false, comment: false, ecmaVersion: 'latest', sourceType });
      facts = buildFileFacts({ file, ast: parsed.ast as TSESTree.Program, scopeManager: parsed.scopeManager as never, extra });
      break;
    } catch {
      facts = undefined;
    }
  }
  moduleFacts.set(file, { text, facts });
  return facts;
}
