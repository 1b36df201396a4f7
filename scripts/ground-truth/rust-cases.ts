// Which functions of fixtures/rust are ground-truth cases, what each is expected to do, and how
// it is called. The convention (fixtures/rust/GROUND_TRUTH.md, "How a case is run"):
//
// - A case is a function named `should_trigger_*` / `should_not_trigger_*`, or any function that
//   carries a `// ground-truth:` directive (the crate fixtures keep their own names).
// - A case is positive when an `expect:` or `miss:` mark lies inside it: running it must hang or
//   panic in at least one scenario. Any other case must complete in every scenario. A mark outside
//   every case is a disagreement: the harness cannot tell which code it is about.
// - Directives are `// ground-truth: <word> …` comments in the lines directly above the function
//   (among its comments and attributes) or trailing on its first line:
//     `case`                  a case with the generated call (only needed off the naming convention);
//     `repeat`                also run each scenario in a loop for the concurrency budget (a race
//                             inside the case, e.g. a thread it spawns, may need many tries);
//     `run <statements>`      a scenario replacing the generated call (repeatable);
//     `receiver <expr>`       builds the receiver instead of `<Type>::default()`;
//     `concurrently <stmts>`  another path run in a loop on a thread of its own against each
//                             scenario, on one shared receiver (repeatable: two paths for a lock
//                             order, three for a ring, a writer queued between two reads);
//     `skip -- <why>`         not run (counted and listed as skipped);
//   and a file whose leading comment says `// ground-truth: not compiled -- <why>` is not built.
//   In every scenario `s` is the receiver (`&Type`, `&mut Type` or `Type`, as the method takes
//   `self`); other parameters get `Default::default()` (`&`/`&mut` of one, `""` for `&str`).
// - Async cases run on a current-thread tokio runtime, alone and (for `&self`/free functions) twice
//   joined with `tokio::join!` on that one thread.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseRust, type SyntaxNode } from '../../src/rust/syntax.js';
import { type Mark, readMarks } from '../../test/support/expectations.js';

export type Receiver = 'ref' | 'mut' | 'value' | 'none';

export interface RustCase {
  /** Path under fixtures/rust, e.g. `dashmap_shards.rs` or `seed_proxy/src/proxy.rs`. */
  readonly file: string;
  readonly name: string;
  /** The impl's type (`Bank`), or undefined for a free function. */
  readonly owner?: string;
  readonly line: number;
  readonly endLine: number;
  readonly isAsync: boolean;
  readonly receiver: Receiver;
  readonly paramTypes: readonly string[];
  readonly runs: readonly string[];
  readonly receiverExpr?: string;
  /** Other paths, each run on a thread of its own against the case. */
  readonly concurrently: readonly string[];
  readonly repeat: boolean;
  readonly skip?: string;
  readonly marks: readonly Mark[];
  readonly positive: boolean;
}

export interface RustFixture {
  /** A single file (`x.rs`) or a crate directory (`seed_proxy`). */
  readonly name: string;
  readonly kind: 'file' | 'crate';
  /** A file or crate built from elsewhere than `fixtures/rust/<name>` (a rewritten copy). */
  readonly path?: string;
  /** For a crate: its package name as a Rust identifier. */
  readonly crateIdent?: string;
  readonly notCompiled?: string;
  readonly cases: readonly RustCase[];
  /** Marks that lie in no case. */
  readonly strayMarks: readonly Mark[];
}

const CASE_NAME = /^should_(not_)?trigger_/;
const DIRECTIVE = /\/\/\s*ground-truth:\s*(case|run|receiver|concurrently|repeat|skip|not compiled)\b\s*(.*)$/;

interface Directive {
  readonly word: string;
  readonly rest: string;
}

function directiveOf(text: string, where: string): Directive | undefined {
  const m = DIRECTIVE.exec(text);
  if (!m) {
    if (/\/\/\s*ground-truth:/.test(text)) throw new Error(`${where}: unknown ground-truth directive: ${text.trim()}`);
    return undefined;
  }
  const rest = m[2].trim();
  if ((m[1] === 'skip' || m[1] === 'not compiled') && !/^--\s*\S/.test(rest)) throw new Error(`${where}: \`${m[1]}\` needs a reason after \`--\``);
  if ((m[1] === 'run' || m[1] === 'receiver' || m[1] === 'concurrently') && rest === '') throw new Error(`${where}: \`${m[1]}\` needs code`);
  const reasoned = m[1] === 'skip' || m[1] === 'not compiled';
  return { word: m[1], rest: reasoned ? rest.replace(/^--\s*/, '') : rest };
}

/** Directives in the comment/attribute lines directly above `fnLine` (0-based) and on it. */
function directivesAbove(lines: readonly string[], fnLine: number, where: string): Directive[] {
  const found: Directive[] = [];
  const own = directiveOf(lines[fnLine], where);
  if (own) found.push(own);
  for (let i = fnLine - 1; i >= 0 && /^\s*(\/\/|#\[)/.test(lines[i]); i--) {
    const d = directiveOf(lines[i], `${where} (line ${i + 1})`);
    if (d) found.unshift(d);
  }
  return found;
}

function functions(root: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const visit = (node: SyntaxNode): void => {
    if (node.type === 'function_item') out.push(node);
    for (const child of node.namedChildren) visit(child);
  };
  visit(root);
  return out;
}

function ownerOf(fn: SyntaxNode): string | undefined {
  for (let n = fn.parent; n; n = n.parent) {
    if (n.type === 'function_item') return undefined;
    if (n.type === 'impl_item') {
      const type = n.childForFieldName('type');
      return type ? type.text.replace(/<.*$/s, '') : undefined;
    }
  }
  return undefined;
}

function signature(fn: SyntaxNode): { isAsync: boolean; receiver: Receiver; paramTypes: string[] } {
  const modifiers = fn.namedChildren.find((c) => c.type === 'function_modifiers');
  const isAsync = modifiers ? /\basync\b/.test(modifiers.text) : false;
  let receiver: Receiver = 'none';
  const paramTypes: string[] = [];
  for (const p of fn.childForFieldName('parameters')?.namedChildren ?? []) {
    if (p.type === 'self_parameter') receiver = p.text.startsWith('&') ? (/\bmut\b/.test(p.text) ? 'mut' : 'ref') : 'value';
    else if (p.type === 'parameter') paramTypes.push(p.childForFieldName('type')?.text ?? '_');
  }
  return { isAsync, receiver, paramTypes };
}

function casesOf(file: string, shownAs: string): { cases: RustCase[]; stray: Mark[]; notCompiled?: string } {
  const text = readFileSync(file, 'utf8');
  const lines = text.split(/\r?\n/);
  const marks = readMarks(file, shownAs);
  let notCompiled: string | undefined;
  for (let i = 0; i < lines.length && /^\s*(\/\/|$)/.test(lines[i]); i++) {
    const d = directiveOf(lines[i], `${shownAs}:${i + 1}`);
    if (d?.word === 'not compiled') notCompiled = d.rest;
  }
  const cases: RustCase[] = [];
  for (const fn of functions(parseRust(text).rootNode)) {
    const name = fn.childForFieldName('name')?.text ?? '';
    const row = fn.startPosition.row;
    const directives = directivesAbove(lines, row, `${shownAs}:${row + 1}`);
    if (!CASE_NAME.test(name) && directives.length === 0) continue;
    const line = row + 1;
    const endLine = fn.endPosition.row + 1;
    const inside = marks.filter((m) => m.line >= line && m.line <= endLine);
    const all = (word: string) => directives.filter((d) => d.word === word).map((d) => d.rest);
    cases.push({
      file: shownAs,
      name,
      owner: ownerOf(fn),
      line,
      endLine,
      ...signature(fn),
      runs: all('run'),
      receiverExpr: all('receiver')[0],
      concurrently: all('concurrently'),
      repeat: all('repeat').length > 0,
      skip: all('skip')[0],
      marks: inside,
      positive: inside.some((m) => m.kind === 'expect' || m.kind === 'miss'),
    });
  }
  // Nested case functions would make "the case of a mark" ambiguous: the innermost wins.
  const caseOf = (m: Mark) => cases.filter((c) => m.line >= c.line && m.line <= c.endLine);
  const stray = notCompiled ? [] : marks.filter((m) => caseOf(m).length === 0);
  return { cases, stray, notCompiled };
}

function crateIdent(cargoToml: string): string {
  const m = /^\s*name\s*=\s*"([^"]+)"/m.exec(readFileSync(cargoToml, 'utf8'));
  if (!m) throw new Error(`${cargoToml}: no package name`);
  return m[1].replace(/-/g, '_');
}

function rustFilesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? (e.name === 'target' ? [] : rustFilesUnder(join(dir, e.name))) : e.name.endsWith('.rs') ? [join(dir, e.name)] : []))
    .sort();
}

/** Every fixture under `fixturesDir`: the `.rs` files and the directories holding a Cargo.toml. */
export function rustFixtures(fixturesDir: string): RustFixture[] {
  const out: RustFixture[] = [];
  for (const name of readdirSync(fixturesDir).sort()) {
    const full = join(fixturesDir, name);
    if (name.endsWith('.rs')) {
      const { cases, stray, notCompiled } = casesOf(full, name);
      out.push({ name, kind: 'file', notCompiled, cases, strayMarks: stray });
    } else if (statSync(full).isDirectory()) {
      let manifest: string | undefined = join(full, 'Cargo.toml');
      try {
        statSync(manifest);
      } catch {
        manifest = undefined;
      }
      if (!manifest) continue;
      const parts = rustFilesUnder(full).map((f) => casesOf(f, relative(fixturesDir, f)));
      out.push({
        name,
        kind: 'crate',
        crateIdent: crateIdent(manifest),
        notCompiled: parts.find((p) => p.notCompiled)?.notCompiled,
        cases: parts.flatMap((p) => p.cases),
        strayMarks: parts.flatMap((p) => p.stray),
      });
    }
  }
  return out;
}
