// The crate index: declarations (structs and their field types, impls, traits, functions,
// statics, `use` imports) found lazily. A cheap text index of names says which files may declare
// a name; only those files are parsed, and only when a lookup needs them.
import type { AnalysisNote } from '../core/model.js';
import type { PhaseClock, RustPhase } from '../core/phase-clock.js';
import type { CrateInfo, Edition } from './crates.js';
import { LineMap, firstSyntaxError, parseRust, typeHeadName, type SyntaxNode, type Tree } from './syntax.js';

export interface FnDecl {
  /** Unique within the analysis: file and offset. */
  readonly key: string;
  readonly name: string;
  readonly file: ParsedFile;
  readonly node: SyntaxNode;
  /** `impl Proxy { fn … }` → `Proxy`; trait default methods carry the trait name. */
  readonly ownerType?: string;
  readonly traitName?: string;
  readonly isTraitDefault: boolean;
  readonly isAsync: boolean;
  readonly returnType?: string;
  readonly params: readonly { name: string; type: string }[];
}

export interface StructDecl {
  readonly name: string;
  readonly file: ParsedFile;
  readonly fields: ReadonlyMap<string, string>;
}

export interface StaticDecl {
  readonly name: string;
  readonly file: ParsedFile;
  readonly type: string;
}

export interface ParsedFile {
  readonly path: string;
  readonly text: string;
  readonly tree: Tree;
  readonly lines: LineMap;
  readonly edition: Edition;
  /** `use parking_lot::Mutex;` → `Mutex` ↦ `parking_lot::Mutex`. */
  readonly imports: ReadonlyMap<string, string>;
  readonly fns: FnDecl[];
  readonly structs: StructDecl[];
  readonly statics: StaticDecl[];
  /** `impl Trait for Type` pairs, to find trait default methods. */
  readonly traitImpls: { trait: string; type: string }[];
}

/** Names a file may declare, found by regular expressions over its text (no parse). */
interface TextIndex {
  readonly fnFiles: Map<string, string[]>;
  readonly typeFiles: Map<string, string[]>;
  readonly staticFiles: Map<string, string[]>;
  readonly implFiles: Map<string, string[]>;
  /** `impl Trait for Type` headers: the traits each type implements, read from the text. */
  readonly traitsOf: Map<string, Set<string>>;
}

const FN_RE = /\bfn\s+([A-Za-z_][A-Za-z0-9_]*)/g;
const TYPE_RE = /\b(?:struct|enum|union|trait)\s+([A-Za-z_][A-Za-z0-9_]*)/g;
const STATIC_RE = /\bstatic\s+(?:ref\s+|mut\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*:/g;
// `impl<T> Trait<T> for path::Type<T> where … {` / `impl Type {`: the header up to its brace.
const IMPL_RE = /\bimpl\b([^{};]*)\{/g;

/** The self type (and trait) an impl header names, by their last path segments. */
function implHeader(header: string): { target: string; trait?: string } | undefined {
  let text = header.replace(/\bwhere\b[\s\S]*$/, '').trim();
  if (text.startsWith('<')) {
    let depth = 0;
    let i = 0;
    for (; i < text.length; i++) {
      if (text[i] === '<') depth++;
      else if (text[i] === '>' && --depth === 0) break;
    }
    text = text.slice(i + 1).trim();
  }
  const head = (t: string): string | undefined =>
    /^(?:&\s*(?:'\w+\s*)?(?:mut\s+)?)?(?:dyn\s+|!)?(?:[A-Za-z_][A-Za-z0-9_]*::)*([A-Za-z_][A-Za-z0-9_]*)/.exec(t.trim())?.[1];
  const forAt = text.search(/\sfor\s/);
  if (forAt < 0) {
    const target = head(text);
    return target ? { target } : undefined;
  }
  const target = head(text.slice(forAt + 5));
  return target ? { target, trait: head(text.slice(0, forAt)) } : undefined;
}

/** Above this many candidate files, an unqualified free-function name is too common to guess. */
const MAX_FREE_FN_CANDIDATES = 6;

function addTo(map: Map<string, string[]>, key: string, file: string): void {
  const list = map.get(key);
  if (!list) map.set(key, [file]);
  else if (list[list.length - 1] !== file) list.push(file);
}

export class CrateIndex {
  readonly notes: AnalysisNote[] = [];
  private readonly texts = new Map<string, string>();
  private readonly parsed = new Map<string, ParsedFile | null>();
  private readonly textIndex: TextIndex = {
    fnFiles: new Map(),
    typeFiles: new Map(),
    staticFiles: new Map(),
    implFiles: new Map(),
    traitsOf: new Map(),
  };
  /** While set, lookups only consider these files (see `withinLockFiles`). */
  private scope: ReadonlySet<string> | undefined;
  private lockFiles: ReadonlySet<string> = new Set();

  constructor(
    readonly crate: CrateInfo,
    texts: ReadonlyMap<string, string>,
    readonly clock: PhaseClock<RustPhase>,
  ) {
    clock.run('index', () => this.indexTexts(texts));
  }

  private indexTexts(texts: ReadonlyMap<string, string>): void {
    for (const [file, text] of texts) {
      this.texts.set(file, text);
      for (const m of text.matchAll(FN_RE)) addTo(this.textIndex.fnFiles, m[1], file);
      for (const m of text.matchAll(TYPE_RE)) addTo(this.textIndex.typeFiles, m[1], file);
      for (const m of text.matchAll(STATIC_RE)) addTo(this.textIndex.staticFiles, m[1], file);
      for (const m of text.matchAll(IMPL_RE)) {
        const header = implHeader(m[1]);
        if (!header) continue;
        addTo(this.textIndex.implFiles, header.target, file);
        if (header.trait) {
          const traits = this.textIndex.traitsOf.get(header.target) ?? new Set<string>();
          traits.add(header.trait);
          this.textIndex.traitsOf.set(header.target, traits);
        }
      }
    }
  }

  /** The files the pre-filter says may create guards; eager lookups stay within them. */
  setLockFiles(files: ReadonlySet<string>): void {
    this.lockFiles = files;
  }

  /**
   * Runs a lookup that only needs declarations from lock files: whether a callee returns a
   * guard (its body must name a lock) or which struct it returns. Keeps the walk from parsing
   * every file that declares a common function name.
   */
  withinLockFiles<T>(lookup: () => T): T {
    const saved = this.scope;
    this.scope = this.lockFiles;
    try {
      return lookup();
    } finally {
      this.scope = saved;
    }
  }

  private inScope(files: readonly string[]): readonly string[] {
    const scope = this.scope;
    return scope ? files.filter((f) => scope.has(f)) : files;
  }

  /** Files whose text has an `impl` block for `typeName`. */
  implFiles(typeName: string): readonly string[] {
    return this.textIndex.implFiles.get(typeName) ?? [];
  }

  /** How many files were parsed so far (pre-filter hits plus lazily reached declarations). */
  get parsedCount(): number {
    return this.parsed.size;
  }

  get files(): string[] {
    return [...this.texts.keys()];
  }

  text(file: string): string | undefined {
    return this.texts.get(file);
  }

  /** Parses a file once and collects its declarations. */
  file(path: string): ParsedFile | undefined {
    const cached = this.parsed.get(path);
    if (cached !== undefined) return cached ?? undefined;
    const text = this.texts.get(path);
    if (text === undefined) return undefined;
    let tree: Tree;
    try {
      tree = this.clock.run('parse', () => parseRust(text));
    } catch (error) {
      this.notes.push({ file: path, message: `could not parse: ${(error as Error).message}` });
      this.parsed.set(path, null);
      return undefined;
    }
    const parsedFile = this.clock.run('index', () => collectDeclarations(path, text, tree, this.crate.edition));
    const broken = firstSyntaxError(tree);
    if (broken) {
      const at = parsedFile.lines.position(broken.startIndex);
      this.notes.push({
        file: path,
        line: at.line,
        message: 'syntax error; the intact parts of the file were analysed',
      });
    }
    this.parsed.set(path, parsedFile);
    return parsedFile;
  }

  private parsedFiles(files: readonly string[]): ParsedFile[] {
    const out: ParsedFile[] = [];
    for (const f of files) {
      const p = this.file(f);
      if (p) out.push(p);
    }
    return out;
  }

  /** Candidate files, the asking file first: a name is most often declared where it is used. */
  private *lazily(files: readonly string[], near?: ParsedFile): Generator<ParsedFile> {
    if (near && files.includes(near.path)) yield near;
    for (const f of this.inScope(files)) {
      if (f === near?.path) continue;
      const parsed = this.file(f);
      if (parsed) yield parsed;
    }
  }

  struct(name: string, near?: ParsedFile): StructDecl | undefined {
    for (const file of this.lazily(this.textIndex.typeFiles.get(name) ?? [], near)) {
      const found = file.structs.find((s) => s.name === name);
      if (found) return found;
    }
    return undefined;
  }

  staticDecl(name: string, near?: ParsedFile): StaticDecl | undefined {
    for (const file of this.lazily(this.textIndex.staticFiles.get(name) ?? [], near)) {
      const found = file.statics.find((s) => s.name === name);
      if (found) return found;
    }
    return undefined;
  }

  /** Methods named `method` of `typeName`: inherent and trait impls, then trait defaults. */
  methods(typeName: string, method: string): FnDecl[] {
    const direct: FnDecl[] = [];
    const implementing = new Set(this.textIndex.implFiles.get(typeName) ?? []);
    const declaring = (this.textIndex.fnFiles.get(method) ?? []).filter((f) => implementing.has(f));
    for (const file of this.parsedFiles(this.inScope(declaring))) {
      for (const fn of file.fns) {
        if (fn.name === method && fn.ownerType === typeName && !fn.isTraitDefault) direct.push(fn);
      }
    }
    if (direct.length > 0) return direct;
    const traits = this.textIndex.traitsOf.get(typeName);
    return traits ? this.traitDefaults(traits, method) : [];
  }

  /** Default method bodies named `method` in the given traits. */
  traitDefaults(traits: ReadonlySet<string>, method: string): FnDecl[] {
    const out: FnDecl[] = [];
    const declaringTrait = new Set([...traits].flatMap((t) => this.textIndex.typeFiles.get(t) ?? []));
    const declaring = (this.textIndex.fnFiles.get(method) ?? []).filter((f) => declaringTrait.has(f));
    for (const file of this.parsedFiles(this.inScope(declaring))) {
      for (const fn of file.fns) {
        if (fn.name === method && fn.isTraitDefault && fn.traitName && traits.has(fn.traitName)) out.push(fn);
      }
    }
    return out;
  }

  /**
   * Free functions named `name`, called from `fromFile`; `modulePath` (e.g. `load::init`)
   * narrows by file or module. A function of the calling file wins; a name declared in many
   * files with no path to choose between them stays unresolved.
   */
  freeFunctions(name: string, modulePath: readonly string[], fromFile?: ParsedFile): FnDecl[] {
    if (fromFile && modulePath.length === 0) {
      const local = fromFile.fns.filter((fn) => fn.name === name && fn.ownerType === undefined && !fn.traitName);
      if (local.length > 0) return local;
      const imported = fromFile.imports.get(name);
      if (imported) modulePath = imported.split('::').slice(0, -1);
    }
    const declaring = this.textIndex.fnFiles.get(name) ?? [];
    if (declaring.length > MAX_FREE_FN_CANDIDATES && modulePath.length === 0) return [];
    const all: FnDecl[] = [];
    for (const file of this.parsedFiles(this.inScope(declaring))) {
      for (const fn of file.fns) if (fn.name === name && fn.ownerType === undefined && !fn.traitName) all.push(fn);
    }
    const qualifier = modulePath.filter((s) => s !== 'crate' && s !== 'self' && s !== 'super');
    if (all.length <= 1 || qualifier.length === 0) return all;
    const last = qualifier[qualifier.length - 1];
    const narrowed = all.filter((fn) => fn.file.path.includes(`/${last}.rs`) || fn.file.path.includes(`/${last}/`));
    return narrowed.length > 0 ? narrowed : all;
  }

  /** Files whose text mentions `.name(`, for finding callers of guard-returning helpers. */
  filesMentioningCall(name: string): string[] {
    const needle = `${name}(`;
    return this.files.filter((f) => this.texts.get(f)!.includes(needle));
  }
}

// ---- declarations ------------------------------------------------------------------------

function collectDeclarations(path: string, text: string, tree: Tree, edition: Edition): ParsedFile {
  const file: ParsedFile = {
    path,
    text,
    tree,
    lines: new LineMap(text),
    edition,
    imports: new Map(),
    fns: [],
    structs: [],
    statics: [],
    traitImpls: [],
  };
  // Items nest only through `mod { … }`, so an explicit stack of item lists suffices.
  const stack: SyntaxNode[] = [tree.rootNode];
  while (stack.length > 0) {
    const container = stack.pop()!;
    for (const item of container.namedChildren) {
      switch (item.type) {
        case 'use_declaration':
          collectImports(item, file.imports as Map<string, string>);
          break;
        case 'function_item':
          file.fns.push(fnDecl(file, item, undefined, undefined, false));
          break;
        case 'struct_item':
          collectStruct(file, item);
          break;
        case 'static_item':
          collectStatic(file, item);
          break;
        case 'macro_invocation':
          collectLazyStatics(file, item);
          break;
        case 'impl_item':
          collectImpl(file, item);
          break;
        case 'trait_item':
          collectTrait(file, item);
          break;
        case 'mod_item': {
          const body = item.childForFieldName('body');
          if (body) stack.push(body);
          break;
        }
        default:
          break;
      }
    }
  }
  return file;
}

function fnDecl(
  file: ParsedFile,
  node: SyntaxNode,
  ownerType: string | undefined,
  traitName: string | undefined,
  isTraitDefault: boolean,
): FnDecl {
  const name = node.childForFieldName('name')?.text ?? '<anonymous>';
  const returnType = node.childForFieldName('return_type')?.text;
  const params: { name: string; type: string }[] = [];
  const paramList = node.childForFieldName('parameters');
  for (const p of paramList?.namedChildren ?? []) {
    if (p.type === 'parameter') {
      const pattern = p.childForFieldName('pattern');
      const type = p.childForFieldName('type');
      if (pattern && type) params.push({ name: pattern.text.replace(/^mut\s+/, ''), type: type.text });
    }
  }
  const modifiers = node.namedChildren.find((c) => c.type === 'function_modifiers');
  return {
    key: `${file.path}#${node.startIndex}`,
    name,
    file,
    node,
    ownerType,
    traitName,
    isTraitDefault,
    isAsync: modifiers?.text.includes('async') ?? false,
    returnType,
    params,
  };
}

function collectStruct(file: ParsedFile, item: SyntaxNode): void {
  const name = item.childForFieldName('name')?.text;
  if (!name) return;
  const fields = new Map<string, string>();
  const body = item.childForFieldName('body');
  if (body?.type === 'field_declaration_list') {
    for (const field of body.namedChildren) {
      if (field.type !== 'field_declaration') continue;
      const fieldName = field.childForFieldName('name')?.text;
      const type = field.childForFieldName('type')?.text;
      if (fieldName && type) fields.set(fieldName, type);
    }
  } else if (body?.type === 'ordered_field_declaration_list') {
    let i = 0;
    for (const child of body.namedChildren) {
      if (child.type === 'visibility_modifier' || child.type === 'attribute_item') continue;
      fields.set(String(i++), child.text);
    }
  }
  file.structs.push({ name, file, fields });
}

function collectStatic(file: ParsedFile, item: SyntaxNode): void {
  const name = item.childForFieldName('name')?.text;
  const type = item.childForFieldName('type')?.text;
  if (name && type) file.statics.push({ name, file, type });
}

// `lazy_static! { static ref NAME: Type = …; }` and `thread_local! { static NAME: Type = …; }`
// are token trees to tree-sitter; their declarations are regular enough for a pattern.
const MACRO_STATIC_RE = /\bstatic\s+(?:ref\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*:\s*([^=;]+?)\s*=/g;

function collectLazyStatics(file: ParsedFile, item: SyntaxNode): void {
  const macro = item.childForFieldName('macro')?.text ?? '';
  if (macro !== 'lazy_static' && macro !== 'thread_local') return;
  for (const m of item.text.matchAll(MACRO_STATIC_RE)) file.statics.push({ name: m[1], file, type: m[2] });
}

function collectImpl(file: ParsedFile, item: SyntaxNode): void {
  const typeNode = item.childForFieldName('type');
  if (!typeNode) return;
  const ownerType = typeHeadName(typeNode.text);
  const traitNode = item.childForFieldName('trait');
  const traitName = traitNode ? typeHeadName(traitNode.text) : undefined;
  if (traitName) file.traitImpls.push({ trait: traitName, type: ownerType });
  const body = item.childForFieldName('body');
  for (const member of body?.namedChildren ?? []) {
    if (member.type === 'function_item') file.fns.push(fnDecl(file, member, ownerType, traitName, false));
  }
}

function collectTrait(file: ParsedFile, item: SyntaxNode): void {
  const traitName = item.childForFieldName('name')?.text;
  const body = item.childForFieldName('body');
  if (!traitName) return;
  for (const member of body?.namedChildren ?? []) {
    if (member.type === 'function_item') file.fns.push(fnDecl(file, member, undefined, traitName, true));
  }
}

/** Flattens `use a::{b, c::{d as e}};` into name ↦ full path. */
function collectImports(item: SyntaxNode, imports: Map<string, string>): void {
  const argument = item.childForFieldName('argument');
  if (!argument) return;
  const visit = (node: SyntaxNode, prefix: string): void => {
    switch (node.type) {
      case 'identifier':
      case 'scoped_identifier': {
        const full = prefix + node.text;
        imports.set(full.split('::').pop()!, full);
        break;
      }
      case 'use_as_clause': {
        const path = node.childForFieldName('path');
        const alias = node.childForFieldName('alias');
        if (path && alias) imports.set(alias.text, prefix + path.text);
        break;
      }
      case 'scoped_use_list': {
        const path = node.childForFieldName('path');
        const list = node.childForFieldName('list');
        const next = path ? `${prefix}${path.text}::` : prefix;
        for (const child of list?.namedChildren ?? []) visit(child, next);
        break;
      }
      case 'use_list':
        for (const child of node.namedChildren) visit(child, prefix);
        break;
      case 'use_wildcard': {
        // `use parking_lot::*;` — remember the crate for lock types named by it.
        const base = node.text.replace(/::\*$/, '');
        imports.set(`*${base}`, base);
        break;
      }
      default:
        break;
    }
  };
  visit(argument, '');
}
