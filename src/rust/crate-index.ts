// The crate index: declarations (structs and their field types, impls, traits, functions,
// statics, `use` imports) found lazily. A cheap text index of names says which files may declare
// a name; only those files are parsed, and only when a lookup needs them.
import type { AnalysisNote, Edition, LockKind } from '../core/model.js';
import { escapeRegex } from '../core/regex.js';
import type { PhaseClock, RustPhase } from '../core/phase-clock.js';
import type { CrateInfo } from './crates.js';
import { NO_DEPENDENCIES, type LinkedCrate, type LinkedDependencies } from './dependencies.js';
import { LOCK_TYPE_NAME_LIST, lockTypeNamesOf, MAY_LOCK, mayLockInCode } from './lock-apis.js';
import type { RustExtraLockApis } from '../core/config.js';
import { argumentsOfHead, splitTypeList, substituteTypeParameters, typeMeaning, type TypeMeaning } from './types.js';
import { recoverItems } from './item-recovery.js';
import { collectSharedHandles, type SharedHandles } from './shared-handles.js';
import { LineMap, firstSyntaxError, parseRustLazily, typeHeadName, unraw, type SyntaxNode, type Tree } from './syntax.js';
import { appendAll } from '../core/append.js';

export interface FnDecl {
  /** Unique within the analysis: file and offset. */
  readonly key: string;
  readonly name: string;
  readonly file: ParsedFile;
  readonly node: SyntaxNode;
  /** The node's offsets, for questions that need no syntax. */
  readonly start: number;
  readonly end: number;
  /** `impl Proxy { fn … }` → `Proxy`; trait default methods carry the trait name. */
  readonly ownerType?: string;
  /** The impl's self type as written (`RwLock<T>`, `Arc<Mutex<T>>`). */
  readonly ownerTypeText?: string;
  readonly traitName?: string;
  readonly isTraitDefault: boolean;
  /** The module the function is declared in, inline `mod` blocks included. */
  readonly module: ModulePath;
  /** The function whose body declares this one (`fn outer() { fn inner() {} }`): its name is scoped there. */
  readonly enclosing?: FnDecl;
  readonly isAsync: boolean;
  readonly returnType?: string;
  readonly params: readonly { name: string; type: string }[];
  /** `&self`, `&mut self`, `self`, or undefined for functions without a receiver. */
  readonly selfParam?: string;
  /** Not a function of the crate: the closures it stores under this callback signature (stored-callbacks.ts). */
  readonly storedCallback?: string;
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
  /** The module that declares it: two modules' statics of one name are two statics. */
  readonly module?: ModulePath;
  /** A generic type alias's parameters (`T` of `type Shared<T> = Arc<T>;`). */
  readonly params?: readonly string[];
}

export interface ParsedFile {
  readonly path: string;
  readonly text: string;
  readonly tree: Tree;
  readonly lines: LineMap;
  /** The module the file is (inline `mod` blocks inside it have their own). */
  readonly module: ModulePath;
  readonly edition: Edition;
  /** `use parking_lot::Mutex;` → `Mutex` ↦ `parking_lot::Mutex`. */
  readonly imports: ReadonlyMap<string, string>;
  /** The same, per module the file holds (itself and its inline `mod`s), for re-exports. */
  readonly moduleImports: Map<string, Map<string, string>>;
  readonly fns: FnDecl[];
  readonly structs: StructDecl[];
  readonly statics: StaticDecl[];
  /** `type Shared = Arc<Mutex<State>>;` */
  readonly typeAliases: StaticDecl[];
  /** `impl Trait for Type` pairs, to find trait default methods. */
  readonly traitImpls: { trait: string; type: string }[];
  /** `impl Deref for Type { type Target = T; }`: Type ↦ T, as written. */
  readonly derefTargets: Map<string, string>;
  /**
   * Per module the file holds: functions an item-position macro declares (`ocaml! { fn f(…); }`,
   * `cfg_if! { … fn f() … }`). Their bodies are not known, but they are items of the module, so
   * they shadow what a glob import would bring under the same name.
   */
  readonly macroFns: Map<string, Set<string>>;
  /** Modules the file declares (`mod a;`, `mod a { … }`, nested ones too), by module key. */
  readonly declaredModules: Set<string>;
}

/** Names a file may declare, found by regular expressions over its text (no parse). */
interface TextIndex {
  readonly fnFiles: Map<string, string[]>;
  /** Files declaring a type of this name (struct, enum, union, trait or alias). */
  readonly typeFiles: Map<string, string[]>;
  /** Files declaring a struct or union of this name: where field types come from. */
  readonly structFiles: Map<string, string[]>;
  /** Files declaring `type NAME = …`. */
  readonly aliasFiles: Map<string, string[]>;
  /** Files declaring `trait NAME`. */
  readonly traitFiles: Map<string, string[]>;
  readonly staticFiles: Map<string, string[]>;
  readonly implFiles: Map<string, string[]>;
  /** `impl Trait for Type` headers: the traits each type implements, read from the text. */
  readonly traitsOf: Map<string, Set<string>>;
}

// Identifiers as Rust writes them (Reference: "Identifiers"): Unicode XID, and raw `r#name`,
// which is the same name as `name`. The text index takes any non-ASCII letter as XID (a superset
// the parser then checks): Unicode property classes would slow the scan of every file.
const IDENT = String.raw`(?:r#)?([A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*)`;
const FN_RE = new RegExp(String.raw`\bfn\s+${IDENT}`, 'g');
const TYPE_RE = new RegExp(String.raw`\b(struct|enum|union|trait|type)\s+${IDENT}`, 'g');
const STATIC_RE = new RegExp(String.raw`\bstatic\s+(?:ref\s+|mut\s+)?${IDENT}\s*:`, 'g');
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
    /^(?:&\s*(?:'\w+\s*)?(?:mut\s+)?)?(?:dyn\s+|!)?(?:(?:r#)?[A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*::)*(?:r#)?([A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*)/.exec(t.trim())?.[1];
  const forAt = text.search(/\sfor\s/);
  if (forAt < 0) {
    const target = head(text);
    return target ? { target } : undefined;
  }
  const target = head(text.slice(forAt + 5));
  return target ? { target, trait: head(text.slice(0, forAt)) } : undefined;
}

/**
 * Where an item lives: the crate root it belongs to (`""` for src/lib.rs and src/main.rs,
 * `tests/x` for an integration test, `bin/x` for a binary) and its module path inside it.
 */
export interface ModulePath {
  readonly root: string;
  readonly path: readonly string[];
}

function moduleKey(module: ModulePath): string {
  return `${module.root}|${module.path.join('::')}`;
}

function sameModule(a: ModulePath, b: ModulePath): boolean {
  return a.root === b.root && a.path.length === b.path.length && a.path.every((s, i) => s === b.path[i]);
}

/** `crate::a::b`, `self::a`, `super::super::a` → a module path; other prefixes are not paths we know. */
function modulePathOf(prefix: readonly string[], from: ModulePath): ModulePath | undefined {
  if (prefix[0] === 'crate') return { root: from.root, path: prefix.slice(1) };
  if (prefix[0] === 'self') return { root: from.root, path: [...from.path, ...prefix.slice(1)] };
  if (prefix[0] === 'super') {
    let path = [...from.path];
    let i = 0;
    while (prefix[i] === 'super') {
      path = path.slice(0, -1);
      i++;
    }
    return { root: from.root, path: [...path, ...prefix.slice(i)] };
  }
  return undefined;
}

/** The module a file is, from its place in the crate (`src/a/b.rs`, `src/a/mod.rs` → `a::b`, `a`). */
export function fileModule(relativePath: string): ModulePath {
  const parts = relativePath.split(/[\\/]/);
  const file = parts.pop()!.replace(/\.rs$/, '');
  if (parts[0] === 'src' && parts[1] !== 'bin') {
    const path = parts.slice(1);
    if (file !== 'lib' && file !== 'main' && file !== 'mod') path.push(file);
    return { root: '', path };
  }
  // Integration tests, examples, benches, binaries and build scripts are crate roots of their own;
  // a directory (`tests/common/mod.rs`) is a module of the root beside it.
  const rootParts = parts.length > 0 && parts[0] === 'src' ? parts.slice(1) : parts;
  if (file === 'mod' && rootParts.length > 1) return { root: rootParts.slice(0, -1).join('/'), path: rootParts.slice(-1) };
  return { root: [...rootParts, file === 'main' || file === 'mod' ? '' : file].filter(Boolean).join('/'), path: [] };
}

/**
 * A file's path inside its crate as Cargo's default layout would have it. `[lib] path = "lib.rs"`
 * (or `"core/turso.rs"`) roots the library's module tree at that file: `mod storage;` in it is
 * `storage.rs` or `storage/mod.rs` beside it (Reference: "Modules", module source filenames).
 */
export function libLayout(inCrate: string, libPath: string | undefined): string {
  const file = inCrate.replace(/\\/g, '/');
  if (!libPath || libPath === 'src/lib.rs') return file;
  if (file === libPath) return 'src/lib.rs';
  const dir = libPath.includes('/') ? libPath.slice(0, libPath.lastIndexOf('/') + 1) : '';
  if (dir === 'src/' || !file.startsWith(dir)) return file;
  const rest = file.slice(dir.length);
  // Beside a root-level `lib.rs`, Cargo's other targets keep their own directories.
  if (dir === '' && /^(?:src|tests|examples|benches)\//.test(rest)) return file;
  return `src/${rest}`;
}

/**
 * A crate file's tree. The functions whose bodies name a lock are walked, so those bodies are
 * built at once (one at a time they cost more); any other body is built when first read: a file
 * parsed for the declarations a lookup needs has most of its nodes in bodies nobody walks.
 */
export function parseForIndex(text: string): Tree {
  return parseRustLazily(text, mayLockInCode(text) ? (start, end) => MAY_LOCK.test(text.slice(start, end)) : undefined);
}

/** What the text index takes from one file's text. */
interface TextScan {
  readonly fns: readonly string[];
  readonly types: readonly (readonly [kind: string, name: string])[];
  readonly statics: readonly string[];
  readonly impls: readonly { target: string; trait?: string }[];
}

function scanText(text: string): TextScan {
  return {
    fns: [...text.matchAll(FN_RE)].map((m) => m[1]),
    types: [...text.matchAll(TYPE_RE)].map((m) => [m[1], m[2]] as const),
    statics: [...text.matchAll(STATIC_RE)].map((m) => m[1]),
    impls: [...text.matchAll(IMPL_RE)].flatMap((m) => implHeader(m[1]) ?? []),
  };
}

/**
 * Dependency files as every dependant in one run sees them (the same module root, the same
 * edition): scanned and parsed once for all of them, however many crates depend on one.
 */
export class SharedDependencyFiles {
  readonly scans = new Map<string, TextScan>();
  readonly parsed = new Map<string, ParsedFile | null>();
  readonly texts = new Map<string, string | undefined>();
}

function addTo(map: Map<string, string[]>, key: string, file: string): void {
  const list = map.get(key);
  if (!list) map.set(key, [file]);
  else if (list[list.length - 1] !== file) list.push(file);
}

export class CrateIndex {
  readonly notes: AnalysisNote[] = [];
  private readonly texts = new Map<string, string>();
  /** Whether some file of the crate declares `mod NAME`, by name. */
  private readonly moduleNames = new Map<string, boolean>();
  /** Whether a path's first segment can be a module of this crate, by that segment. */
  private readonly localModuleHeads = new Map<string, boolean>();
  /** Whether a module declares a child module of a name, by `parent::name`. */
  private readonly childModules = new Map<string, boolean>();
  private readonly parsed = new Map<string, ParsedFile | null>();
  private readonly textIndex: TextIndex = {
    fnFiles: new Map(),
    typeFiles: new Map(),
    structFiles: new Map(),
    aliasFiles: new Map(),
    traitFiles: new Map(),
    staticFiles: new Map(),
    implFiles: new Map(),
    traitsOf: new Map(),
  };
  /** Re-exported type paths by file and name (`undefined`: none); forgotten when a file changes. */
  private reexportedTypes = new WeakMap<ParsedFile, Map<string, string | undefined>>();
  /** `implFiles` as sets, built on first use; forgotten when a file changes. */
  private readonly implFileSets = new Map<string, Set<string>>();
  /** `fnFiles` as sets, built on first use; forgotten when a file changes. */
  private readonly fnFileSets = new Map<string, Set<string>>();
  /** `methods()` answers, by scope, type and method name; forgotten when a file changes. */
  private readonly methodCache = new Map<string, FnDecl[]>();
  /** Files with `use` items and the module each one is, computed once. */
  private fileModules: { file: string; module: ModulePath }[] | undefined;
  private rootFiles: Map<string, { f: string; m: ModulePath }[]> | undefined;
  /** Files that are a module or may hold it inline, by module: where its `use` items can be. */
  private readonly moduleHolders = new Map<string, string[]>();
  /** While set, lookups only consider these files (see `withinLockFiles`). */
  private scope: ReadonlySet<string> | undefined;
  private lockFiles: ReadonlySet<string> = new Set();
  /** Shared handles of the lock files' struct literals, collected on first use. */
  private handles: SharedHandles | undefined;

  constructor(
    readonly crate: CrateInfo,
    texts: ReadonlyMap<string, string>,
    readonly clock: PhaseClock<RustPhase>,
    /** The module each file is, from its path inside the crate. */
    private readonly moduleOf: (file: string) => ModulePath = () => ({ root: '', path: [] }),
    /** In-house lock and guard types from the configuration. */
    readonly extraLockApis: RustExtraLockApis = { lockTypes: {}, guardTypes: {} },
    /**
     * The run's crates this one depends on. Their library files are among `texts`, and `moduleOf`
     * puts them under each one's module root: lookups reach them as they reach modules.
     */
    readonly dependencies: LinkedDependencies = NO_DEPENDENCIES,
    private readonly shared: SharedDependencyFiles = new SharedDependencyFiles(),
    /** Where trees come from: this thread's parser, or a parse worker's (parse-ahead.ts). */
    private readonly parseTree: (file: string, text: string) => Tree = (_file, text) => parseForIndex(text),
  ) {
    this.linkedByRoot = new Map(dependencies.crates.map((c) => [c.moduleRoot, c]));
    clock.run('index', () => this.indexTexts(texts));
  }

  private readonly linkedByRoot: ReadonlyMap<string, LinkedCrate>;

  /** The dependency crate a module root belongs to; undefined for the analysed crate's own. */
  private linkedCrate(root: string): LinkedCrate | undefined {
    return root.startsWith('crate:') ? this.linkedByRoot.get(root) : undefined;
  }

  /** Whether a file is the analysed crate's (not a dependency's, read for its declarations). */
  isOwnFile(file: string): boolean {
    let own = this.ownership.get(file);
    if (own === undefined) {
      own = this.linkedCrate(this.moduleOf(file).root) === undefined;
      this.ownership.set(file, own);
    }
    return own;
  }

  private readonly ownership = new Map<string, boolean>();

  /**
   * The module root of the crate `name` stands for at the start of a path written in `from`
   * (Reference: "Paths", the extern prelude; a module of that name declared here wins, as the
   * path then starts in the module).
   */
  private readonly externRoot = (name: string, from: ModulePath): string | undefined => {
    const externs = this.linkedCrate(from.root)?.externs ?? this.dependencies.externs;
    const root = externs.get(unraw(name));
    if (root === undefined) return undefined;
    return this.linkedCrate(from.root) || !this.declaresCrateModule(name) ? root : undefined;
  };

  /**
   * Bumped by every `updateFile`: lazily resolved callees remember the generation they were
   * resolved in and resolve again after an edit.
   */
  generation = 0;

  /** Replaces one file's text (an editor buffer, a changed file): only that file is re-indexed. */
  updateFile(file: string, text: string): void {
    const { fnFiles, typeFiles, structFiles, aliasFiles, traitFiles, staticFiles, implFiles } = this.textIndex;
    for (const map of [fnFiles, typeFiles, structFiles, aliasFiles, traitFiles, staticFiles, implFiles]) {
      for (const [name, files] of map) {
        const i = files.indexOf(file);
        if (i < 0) continue;
        files.splice(i, 1);
        if (files.length === 0) map.delete(name);
      }
    }
    this.parsed.delete(file);
    this.moduleHolders.clear();
    this.childModules.clear();
    this.localModuleHeads.clear();
    this.fileModules = undefined;
    this.rootFiles = undefined;
    this.reexportedTypes = new WeakMap();
    this.implFileSets.clear();
    this.fnFileSets.clear();
    this.methodCache.clear();
    this.handles = undefined;
    const kept = this.notes.filter((n) => n.file !== file);
    this.notes.length = 0;
    appendAll(this.notes, kept);
    this.clock.run('index', () => this.indexTexts(new Map([[file, text]])));
    this.generation++;
  }

  private indexTexts(texts: ReadonlyMap<string, string>): void {
    for (const [file, text] of texts) {
      this.texts.set(file, text);
      let scan = this.isOwnFile(file) ? undefined : this.shared.scans.get(file);
      if (!scan) {
        scan = scanText(text);
        if (!this.isOwnFile(file)) this.shared.scans.set(file, scan);
      }
      for (const name of scan.fns) addTo(this.textIndex.fnFiles, name, file);
      for (const [kind, name] of scan.types) {
        addTo(this.textIndex.typeFiles, name, file);
        if (kind === 'struct' || kind === 'union') addTo(this.textIndex.structFiles, name, file);
        else if (kind === 'type') addTo(this.textIndex.aliasFiles, name, file);
        else if (kind === 'trait') addTo(this.textIndex.traitFiles, name, file);
      }
      for (const name of scan.statics) addTo(this.textIndex.staticFiles, name, file);
      for (const header of scan.impls) {
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
    this.methodCache.clear();
    this.handles = undefined;
  }

  /** Which struct fields reach another object's shared state (see shared-handles.ts). */
  sharedHandles(): SharedHandles {
    // From the crate's own struct literals: a dependency's are read only where a lookup needs them.
    this.handles ??= this.withinLockFiles(() => collectSharedHandles(this, new Set([...this.lockFiles].filter((f) => this.isOwnFile(f)))));
    return this.handles;
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

  /** The analysed crate's files, without the dependencies' read for their declarations. */
  get ownFiles(): string[] {
    return this.files.filter((f) => this.isOwnFile(f));
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
    const dependency = !this.isOwnFile(path);
    const known = dependency ? this.shared.parsed.get(path) : undefined;
    if (known !== undefined) {
      this.parsed.set(path, known);
      return known ?? undefined;
    }
    const parsedFile = this.parse(path, text);
    this.parsed.set(path, parsedFile ?? null);
    if (dependency) this.shared.parsed.set(path, parsedFile ?? null);
    return parsedFile;
  }

  private parse(path: string, text: string): ParsedFile | undefined {
    let tree: Tree;
    try {
      tree = this.clock.run('parse', () => this.parseTree(path, text));
    } catch (error) {
      this.notes.push({ file: path, message: `could not parse: ${(error as Error).message}` });
      return undefined;
    }
    const module = this.moduleOf(path);
    const owner = this.linkedCrate(module.root);
    // A dependency's files are compiled with its own edition.
    const parsedFile = this.clock.run('index', () => collectDeclarations(path, text, tree, owner?.crate.edition ?? this.crate.edition, module));
    // A crate that declares its own `RwLock` (spin, lock_api users) means that one when a file
    // names it without importing another: it is not std's.
    const imports = parsedFile.imports as Map<string, string>;
    const sameCrate = (file: string): boolean => this.linkedCrate(this.moduleOf(file).root) === owner;
    for (const name of LOCK_TYPE_NAME_LIST) {
      if (!imports.has(name) && (this.textIndex.typeFiles.get(name) ?? []).some(sameCrate)) imports.set(name, `crate::${name}`);
    }
    const broken = firstSyntaxError(tree);
    if (broken) {
      const at = parsedFile.lines.position(broken.startIndex);
      this.notes.push({
        file: path,
        line: at.line,
        message: 'syntax error; the intact parts of the file were analysed',
      });
    }
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

  /**
   * Candidate files for a type name used in `near`, in the order Rust's name resolution makes
   * likely: `near` itself, then the module its `use` names. A name `near` imports from another
   * crate has no candidates: parsing same-named types of this crate would only find the wrong one.
   */
  private *lazily(files: readonly string[], near?: ParsedFile, name?: string, strict = false): Generator<ParsedFile> {
    if (near && files.includes(near.path)) yield near;
    const imported = near && name ? near.imports.get(name) : undefined;
    if (imported && !/^(crate|self|super)::/.test(imported) && !imported.startsWith('*')) {
      const head = imported.split('::')[0];
      if (!this.moduleNamesLocal(head) && this.externRoot(head, near!.module) === undefined) return;
    }
    let rest = this.inScope(files).filter((f) => f !== near?.path);
    if (near) {
      // The modules `near` can see the name from: the one its `use` names, and its globs'.
      const targets: ModulePath[] = [];
      const fromImport = imported ? this.modulePath(imported.split('::').slice(0, -1), near.module) : undefined;
      if (fromImport) targets.push(fromImport);
      for (const [key, base] of near.imports) {
        const glob = key.startsWith('*') ? this.modulePath(base.split('::'), near.module) : undefined;
        if (glob) targets.push(glob);
      }
      const visible = (f: string): boolean => targets.some((t) => sameModule(this.moduleOf(f), t));
      // Strict: a name written in `near` resolves only through what `near` can see.
      if (strict) rest = rest.filter(visible);
      else rest.sort((a, b) => Number(!visible(a)) - Number(!visible(b)));
    }
    for (const f of rest) {
      const parsed = this.file(f);
      if (parsed) yield parsed;
    }
  }

  /**
   * The module a path prefix names, as written in `from`. Beyond `crate::`/`self::`/`super::`, a
   * path whose first segment is a module declared in `from` (`mod storage;` beside `use
   * storage::wal::WalFile;`) names that module (Reference: "Use declarations", 2018 uniform paths;
   * in expressions the module's items shadow the extern prelude too); in edition 2015 a path is
   * relative to the crate root. Any other first segment is another crate (or not a module we know).
   */
  private modulePath(prefix: readonly string[], from: ModulePath): ModulePath | undefined {
    const written = modulePathOf(prefix, from);
    if (written || prefix.length === 0) return written;
    const child: ModulePath = { root: from.root, path: [...from.path, ...prefix] };
    if (this.declaresModule(from, prefix[0])) return child;
    // A crate of the run this one depends on: its root module.
    const external = this.externRoot(prefix[0], from);
    if (external !== undefined) return { root: external, path: prefix.slice(1) };
    if (this.crate.edition === 2015 && this.declaresModule({ root: from.root, path: [] }, prefix[0])) return { root: from.root, path: [...prefix] };
    return undefined;
  }

  /** Whether module `parent` declares `mod name` (a file of that module, or one inline). */
  private declaresModule(parent: ModulePath, rawName: string): boolean {
    const path = [...parent.path, unraw(rawName)];
    const key = moduleKey({ root: parent.root, path });
    let known = this.childModules.get(key);
    if (known === undefined) {
      const fileModules = this.filesUnderRoot(parent.root);
      // A `mod` item spells `mod name`: a file without those words is not parsed to be asked.
      const declaration = new RegExp(`\\bmod\\s+(?:r#)?${escapeRegex(path[path.length - 1])}(?![\\w\\u0080-\\uffff])`, 'u');
      // A file that is the module or one inside it; else a `mod` item in a file that is `parent`
      // or holds it inline.
      known =
        fileModules.some(({ m }) => m.path.length >= path.length && path.every((s, i) => s === m.path[i])) ||
        fileModules.some(({ f, m }) => m.path.length <= parent.path.length && m.path.every((s, i) => s === parent.path[i]) && declaration.test(this.texts.get(f) ?? '') && (this.file(f)?.declaredModules.has(key) ?? false));
      this.childModules.set(key, known);
    }
    return known;
  }

  /** The files of one module root with their modules, grouped once: asked for every new `parent::name`. */
  private filesUnderRoot(root: string): readonly { f: string; m: ModulePath }[] {
    if (!this.rootFiles) {
      this.rootFiles = new Map();
      for (const f of this.files) {
        const m = this.moduleOf(f);
        const list = this.rootFiles.get(m.root);
        if (list) list.push({ f, m });
        else this.rootFiles.set(m.root, [{ f, m }]);
      }
    }
    return this.rootFiles.get(root) ?? [];
  }

  /** Whether a path's first segment can be a module of this crate (2015-style `use a::B`). */
  private moduleNamesLocal(head: string): boolean {
    // Asked at every lookup of an imported name: a scan of every file of a large workspace's crate each time.
    let local = this.localModuleHeads.get(head);
    if (local === undefined) {
      local = this.files.some((f) => this.moduleOf(f).path.includes(head) || f === `${head}.rs` || f.endsWith(`/${head}.rs`) || f.startsWith(`${head}/`) || f.includes(`/${head}/`));
      this.localModuleHeads.set(head, local);
    }
    return local;
  }

  /** `strict` when `name` was written in `near` (not carried over from another file's type). */
  struct(name: string, near?: ParsedFile, strict = false): StructDecl | undefined {
    for (const file of this.lazily(this.textIndex.structFiles.get(name) ?? [], near, name, strict)) {
      const found = file.structs.find((s) => s.name === name);
      if (found) return found;
    }
    return undefined;
  }

  /**
   * What a type written in `scope` means, through the crate's `type` aliases (`type Shared =
   * Arc<Mutex<T>>`). An alias is looked for only where Rust would find it: declared in `scope`,
   * or imported into it; a bare `Result` with neither is the prelude's.
   */
  typeMeaning(typeText: string, scope: ParsedFile): TypeMeaning {
    const extra = this.extraLockApis.lockTypes;
    let meaning = typeMeaning(typeText, scope.imports, extra);
    // A name the crate does not declare may be another crate's type re-exported by one of its
    // modules (`pub use parking_lot::RwLock as Lock;` in a prelude that `scope` glob-imports).
    const foreign = meaning.struct && !this.textIndex.typeFiles.has(meaning.struct) ? meaning.struct : undefined;
    const reexported = foreign ? this.reexportedTypePath(foreign, scope) : undefined;
    if (foreign && reexported) meaning = typeMeaning(typeText, new Map([...scope.imports, [foreign, reexported]]), extra);
    let current = scope;
    let written = typeText;
    for (let depth = 0; depth < 4 && meaning.struct && this.textIndex.aliasFiles.has(meaning.struct); depth++) {
      const name = meaning.struct;
      if (current.structs.some((s) => s.name === name)) break;
      const alias = this.typeAlias(name, current);
      if (!alias) break;
      // A generic alias (`type Shared<T> = Arc<T>;`) means its type with the arguments written.
      written = alias.params ? substituteTypeParameters(alias.type, alias.params, argumentsOfHead(written, name)) : alias.type;
      meaning = typeMeaning(written, alias.file.imports, extra);
      current = alias.file;
    }
    // A newtype whose `Deref` target is a lock is locked through auto-deref (`self.idle.lock()`).
    if (meaning.struct && this.textIndex.traitsOf.get(meaning.struct)?.has('Deref')) {
      for (const file of this.parsedFiles(this.inScope(this.implFiles(meaning.struct)))) {
        const target = file.derefTargets.get(meaning.struct);
        const derefed = target ? typeMeaning(target, file.imports, extra) : undefined;
        if (derefed?.lock) return { lock: { ...derefed.lock, newtype: meaning.struct } };
      }
    }
    return meaning;
  }

  /**
   * The full path of a type name that `scope` imports from a module of this crate which itself
   * re-exports it (explicitly or through its own globs): `Lock` ↦ `parking_lot::RwLock`.
   */
  private reexportedTypePath(name: string, scope: ParsedFile): string | undefined {
    // By scope object: an inline module's scope shares its file's path but has its own imports.
    let known = this.reexportedTypes.get(scope);
    if (!known) {
      known = new Map();
      this.reexportedTypes.set(scope, known);
    }
    if (known.has(name)) return known.get(name);
    const sources: ModulePath[] = [];
    const imported = scope.imports.get(name);
    const fromImport = imported ? this.modulePath(imported.split('::').slice(0, -1), scope.module) : undefined;
    if (fromImport) sources.push(fromImport);
    for (const [key, base] of scope.imports) {
      const glob = key.startsWith('*') ? this.modulePath(base.split('::'), scope.module) : undefined;
      if (glob) sources.push(glob);
    }
    const exportedName = imported ? (imported.split('::').pop() ?? name) : name;
    let found: string | undefined;
    for (const module of sources) {
      found = this.exportedPath(module, fromImport === module ? exportedName : name, 0);
      if (found) break;
    }
    known.set(name, found);
    return found;
  }

  /** What `module` exports under `name` through its `use` items, as a path outside this crate. */
  private exportedPath(module: ModulePath, name: string, depth: number): string | undefined {
    if (depth > 4) return undefined;
    for (const holder of this.parsedFiles(this.moduleHolderFiles(module))) {
      const imports = holder.moduleImports.get(moduleKey(module));
      if (!imports) continue;
      const target = imports.get(name);
      if (target) {
        const local = this.modulePath(target.split('::').slice(0, -1), module);
        if (!local) return target;
        const deeper = this.exportedPath(local, target.split('::').pop()!, depth + 1);
        if (deeper) return deeper;
      }
      for (const [key, base] of imports) {
        const glob = key.startsWith('*') ? this.modulePath(base.split('::'), module) : undefined;
        const deeper = glob ? this.exportedPath(glob, name, depth + 1) : undefined;
        if (deeper) return deeper;
      }
    }
    return undefined;
  }

  typeAlias(name: string, near?: ParsedFile): StaticDecl | undefined {
    for (const file of this.lazily(this.textIndex.aliasFiles.get(name) ?? [], near, name, true)) {
      const found = file.typeAliases.find((a) => a.name === name);
      if (found) return found;
    }
    return undefined;
  }

  /** `from`: the module the name is written in; its own static of that name comes first. */
  staticDecl(name: string, near?: ParsedFile, from?: ModulePath, prefix: readonly string[] = []): StaticDecl | undefined {
    // A path names its module (`crate::REGISTRY`, `store::REGISTRY`): the static declared there,
    // looked for only in files of that module's crate root.
    const named = prefix.length > 0 && from ? this.modulePath(prefix, from) : undefined;
    if (named) {
      const declaring = this.inScope(this.textIndex.staticFiles.get(name) ?? []).filter((f) => this.moduleOf(f).root === named.root);
      for (const file of this.parsedFiles(declaring)) {
        const found = file.statics.find((s) => s.name === name && s.module && sameModule(s.module, named));
        if (found) return found;
      }
    }
    for (const file of this.lazily(this.textIndex.staticFiles.get(name) ?? [], near)) {
      const named = file.statics.filter((s) => s.name === name);
      const found = named.find((s) => from && s.module && sameModule(s.module, from)) ?? named[0] ?? this.localStatic(file, name);
      if (found) return found;
    }
    return undefined;
  }

  /** A `static` declared inside a function body (`fn registry() { static R: OnceLock<…> … }`). */
  private localStatic(file: ParsedFile, name: string): StaticDecl | undefined {
    for (const item of file.tree.rootNode.descendantsOfType('static_item')) {
      if (item.childForFieldName('name')?.text !== name) continue;
      const type = item.childForFieldName('type')?.text;
      if (!type) continue;
      const decl: StaticDecl = { name, file, type };
      file.statics.push(decl);
      return decl;
    }
    return undefined;
  }

  /** Methods named `method` of `typeName`: inherent and trait impls, then trait defaults. */
  methods(typeName: string, rawMethod: string): FnDecl[] {
    const method = unraw(rawMethod);
    // The walk asks once to decide a call's shape and again to resolve it: remember the answer.
    const found = this.implMethods(typeName, method);
    // Inherent associated items come before trait items (Reference: "Method-call expressions";
    // path resolution of `Type::name` alike): `Self::active(&states)` is the inherent `active`
    // even when a trait implemented for the type has one too.
    const inherent = found.filter((fn) => !fn.traitName);
    return inherent.length > 0 ? inherent : found;
  }

  /** Every method named `method` of `typeName`'s impls, inherent and trait ones, then trait defaults. */
  private implMethods(typeName: string, method: string): FnDecl[] {
    const key = `${this.scope ? 'lock files' : 'crate'}|${typeName}|${method}`;
    const known = this.methodCache.get(key);
    if (known) return known;
    const found = this.lookUpMethods(typeName, method);
    this.methodCache.set(key, found);
    return found;
  }

  private lookUpMethods(typeName: string, method: string): FnDecl[] {
    const direct: FnDecl[] = [];
    let implementing = this.implFileSets.get(typeName);
    if (!implementing) {
      implementing = new Set(this.textIndex.implFiles.get(typeName) ?? []);
      this.implFileSets.set(typeName, implementing);
    }
    for (const file of this.parsedFiles(this.inScope(this.declaringAmong(method, implementing)))) {
      for (const fn of fnsNamed(file, method)) {
        if (fn.ownerType === typeName && !fn.isTraitDefault) direct.push(fn);
      }
    }
    if (direct.length > 0) return direct;
    const traits = this.textIndex.traitsOf.get(typeName);
    return traits ? this.traitDefaults(traits, method) : [];
  }

  /**
   * The files of `among` that declare a function `name`, in the text index's order. Read from the
   * smaller side: a method name every file declares (`new`, `get`) would otherwise be a scan of
   * the whole crate per type it is asked of. Every list of the text index is in one order (files
   * are appended as they are indexed, a changed file is taken out of all and appended again), so
   * both sides give the same sequence.
   */
  private declaringAmong(name: string, among: ReadonlySet<string>): string[] {
    const declaring = this.textIndex.fnFiles.get(name) ?? [];
    if (declaring.length <= among.size) return declaring.filter((f) => among.has(f));
    let declaringSet = this.fnFileSets.get(name);
    if (!declaringSet) {
      declaringSet = new Set(declaring);
      this.fnFileSets.set(name, declaringSet);
    }
    return [...among].filter((f) => declaringSet.has(f));
  }

  /**
   * Crate methods callable on a lock of `kind`: those of impls whose self type is that lock, or a
   * smart pointer to it (`impl<T> LockExt<T> for RwLock<T>`, `impl MutexExt for Arc<Mutex<T>>`),
   * the way method lookup auto-derefs a receiver.
   */
  lockTypeMethods(kind: LockKind, rawMethod: string): FnDecl[] {
    const method = unraw(rawMethod);
    const out: FnDecl[] = [];
    for (const owner of [...lockTypeNamesOf(kind), 'Arc', 'Rc', 'Box']) {
      if (!this.textIndex.implFiles.has(owner)) continue;
      for (const fn of this.implMethods(owner, method)) {
        if (fn.ownerTypeText && this.typeMeaning(fn.ownerTypeText, fn.file).lock?.kind === kind) out.push(fn);
      }
    }
    return out;
  }

  /**
   * Whether a path's first segment names another crate (Reference: "Paths", the extern prelude):
   * not `crate`/`self`/`super`/`Self`, not this package's own library (as its tests and examples
   * name it), not a name the file imports, not a module of this crate.
   * `libp2p_core::Transport::poll(..)` is then the other crate's `Transport`, whatever this crate
   * names its own types.
   */
  namesOtherCrate(first: string, file: ParsedFile): boolean {
    if (['crate', 'self', 'super', 'Self', this.crate.name.replace(/-/g, '_')].includes(first) || file.imports.has(first)) return false;
    // A crate of the run that this one depends on is resolved like a module.
    if (this.externRoot(first, file.module) !== undefined) return false;
    return !this.declaresCrateModule(first);
  }

  /** Whether some file of the analysed crate declares `mod NAME`. */
  private declaresCrateModule(first: string): boolean {
    let declared = this.moduleNames.get(first);
    if (declared === undefined) {
      // Only a name can be a module of this crate: anything else (`<T as Trait>`, a segment with
      // generics) is not one, and is not made into a pattern.
      if (!/^(?:r#)?[\p{L}_][\p{L}\p{N}_]*$/u.test(first)) return false;
      const mod = new RegExp(String.raw`\bmod\s+(?:r#)?${first.replace(/^r#/, '')}\b`, 'u');
      declared = [...this.texts].some(([file, text]) => this.isOwnFile(file) && mod.test(text));
      this.moduleNames.set(first, declared);
    }
    return declared;
  }

  /** Whether the crate declares a trait of this name (and no struct, enum or alias of it). */
  isTrait(name: string): boolean {
    const declaring = this.textIndex.traitFiles.get(unraw(name));
    return declaring !== undefined && (this.textIndex.typeFiles.get(unraw(name)) ?? []).every((f) => declaring.includes(f));
  }

  /** The crate types that implement every one of `traits` (by their `impl Trait for Type` headers). */
  implementorsOf(traits: readonly string[]): string[] {
    return [...this.textIndex.traitsOf].filter(([, own]) => traits.every((t) => own.has(t))).map(([type]) => type);
  }

  /**
   * The crate struct a type's `Deref` impl hands out (`impl Deref for Registry { type Target =
   * RegistryInner; }`): auto-deref reaches its fields and methods through a value of the type.
   */
  derefStruct(typeName: string): string | undefined {
    if (!this.textIndex.traitsOf.get(typeName)?.has('Deref')) return undefined;
    for (const file of this.parsedFiles(this.inScope(this.implFiles(typeName)))) {
      const target = file.derefTargets.get(typeName);
      const struct = target ? this.typeMeaning(target, file).struct : undefined;
      if (struct && struct !== typeName) return struct;
    }
    return undefined;
  }

  /**
   * A trait's method as a fully qualified call names it (`<S as Registry>::insert`,
   * `Registry::insert(s, …)`): the implementation for the self type when it is known (a struct or
   * a lock), else the only implementation in the crate, and the trait's default body without one.
   */
  traitMethods(trait: string, rawMethod: string, self: { struct?: string; lock?: LockKind }): FnDecl[] {
    const method = unraw(rawMethod);
    const ofTrait = (fns: readonly FnDecl[]): FnDecl[] => fns.filter((fn) => fn.traitName === trait);
    let implemented: FnDecl[] = [];
    // A generic parameter (`<T as Trait>`, `x: &T`) names no type with impls: it is unknown.
    if (self.struct && this.textIndex.implFiles.has(self.struct)) implemented = ofTrait(this.implMethods(self.struct, unraw(method)));
    else if (self.lock) implemented = ofTrait(this.lockTypeMethods(self.lock, method));
    else {
      const implementors = [...this.textIndex.traitsOf].filter(([, traits]) => traits.has(trait)).map(([type]) => type);
      if (implementors.length === 1) implemented = ofTrait(this.implMethods(implementors[0], method));
    }
    return implemented.length > 0 ? implemented : this.traitDefaults(new Set([trait]), method);
  }

  /**
   * What a method call on a `dyn Trait` may run (Reference: "Trait objects", dynamic dispatch):
   * the method of each of the crate's impls of the trait, and the trait's default body for an
   * implementor that does not override it. Only the trait's own method counts.
   */
  traitObjectMethods(trait: string, rawMethod: string): FnDecl[] {
    const method = unraw(rawMethod);
    const implementors = [...this.textIndex.traitsOf].filter(([, traits]) => traits.has(trait)).map(([type]) => type);
    const out: FnDecl[] = [];
    let defaulted = false;
    for (const type of implementors) {
      const own = this.implMethods(type, method).filter((fn) => fn.traitName === trait);
      if (own.length > 0) out.push(...own);
      else defaulted = true;
    }
    if (defaulted) out.push(...this.traitDefaults(new Set([trait]), method));
    return out;
  }

  /** Default method bodies named `method` in the given traits. */
  traitDefaults(traits: ReadonlySet<string>, rawMethod: string): FnDecl[] {
    const method = unraw(rawMethod);
    const out: FnDecl[] = [];
    const declaringTrait = new Set([...traits].flatMap((t) => this.textIndex.typeFiles.get(t) ?? []));
    const declaring = (this.textIndex.fnFiles.get(method) ?? []).filter((f) => declaringTrait.has(f));
    for (const file of this.parsedFiles(this.inScope(declaring))) {
      for (const fn of fnsNamed(file, method)) {
        if (fn.isTraitDefault && fn.traitName && traits.has(fn.traitName)) out.push(fn);
      }
    }
    return out;
  }

  /**
   * Free functions a path call names, resolved as Rust does: an unqualified name in the caller's
   * module or through its `use` imports (globs included); `crate::`, `self::`, `super::` and
   * imported prefixes by module path. A name that resolves nowhere in the crate (another
   * crate's function) is unresolved: it takes no locks.
   */
  freeFunctions(segments: readonly string[], from: FnDecl): FnDecl[] {
    // A function declared in a body is seen from that body (and bodies nested in it) first:
    // block items shadow the module's.
    if (segments.length === 1) {
      for (let scope: FnDecl | undefined = from; scope; scope = scope.enclosing) {
        const nested = fnsNamed(from.file, segments[0]).filter((fn) => fn.enclosing === scope && fn.ownerType === undefined && !fn.traitName);
        if (nested.length > 0) return nested;
      }
    }
    return this.resolveFree(segments, from.module, from.file, 0);
  }

  private resolveFree(segments: readonly string[], from: ModulePath, file: ParsedFile, depth: number): FnDecl[] {
    if (depth > 4 || segments.length === 0) return [];
    const name = unraw(segments[segments.length - 1]);
    const inModule = (module: ModulePath): FnDecl[] => {
      const out: FnDecl[] = [];
      // A module's items are in files of its crate root (inline modules included): the path says
      // which without a parse, so same-named functions of other crates' files are not parsed.
      const declaring = this.inScope(this.textIndex.fnFiles.get(name) ?? []).filter((f) => this.moduleOf(f).root === module.root);
      for (const candidate of this.parsedFiles(declaring)) {
        for (const fn of fnsNamed(candidate, name)) {
          if (fn.ownerType === undefined && !fn.traitName && !fn.enclosing && sameModule(fn.module, module)) out.push(fn);
        }
      }
      if (out.length > 0) return out;
      // A function a macro declares in the module is its item: no glob import reaches past it.
      return this.declaredByMacro(module, name) ? [] : this.reexported(module, name, depth);
    };
    if (segments.length === 1) {
      const local = inModule(from);
      if (local.length > 0 || this.declaredByMacro(from, name)) return local;
      const imported = file.imports.get(name);
      if (imported) return this.resolveFree(imported.split('::'), from, file, depth + 1);
      for (const [key, base] of file.imports) {
        if (!key.startsWith('*')) continue;
        const module = this.modulePath(base.split('::'), from);
        if (module) {
          const found = inModule(module);
          if (found.length > 0) return found;
        }
      }
      return [];
    }
    const prefix = segments.slice(0, -1);
    const direct = this.modulePath(prefix, from);
    if (direct) return inModule(direct);
    const imported = file.imports.get(prefix[0]);
    if (imported) return this.resolveFree([...imported.split('::'), ...prefix.slice(1), name], from, file, depth + 1);
    // A module a glob import brings into scope (`use super::*;` in a test module, then
    // `test::with_features()` for the parent's `mod test`).
    for (const [key, base] of file.imports) {
      if (!key.startsWith('*')) continue;
      const module = this.modulePath(base.split('::'), from);
      if (module && this.declaresModule(module, prefix[0])) return inModule({ root: module.root, path: [...module.path, ...prefix] });
    }
    // A relative path to a child module (`load::init()`), or an edition 2015 absolute path; from
    // 2018 on, a root module is not in scope in another module without a `use`.
    const child = inModule({ root: from.root, path: [...from.path, ...prefix] });
    return child.length > 0 || (this.crate.edition !== 2015 && from.path.length > 0) ? child : inModule({ root: from.root, path: prefix });
  }

  /**
   * A function a module re-exports (`pub use inner::helper;`, `pub use codec::decode_into as
   * decode;`, `pub use crate::config::*;` in a prelude): the name resolved where that `use` is
   * written. Only files that are the module, or hold it inline, can declare its imports.
   */
  private reexported(module: ModulePath, name: string, depth: number): FnDecl[] {
    if (depth > 4) return [];
    const key = moduleKey(module);
    // A re-export names the function, or is a glob.
    const mentioning = this.moduleHolderFiles(module).filter((f) => {
      const text = this.texts.get(f)!;
      return text.includes(name) || text.includes('::*');
    });
    for (const holder of this.parsedFiles(this.inScope(mentioning))) {
      const imports = holder.moduleImports.get(key);
      if (!imports) continue;
      const target = imports.get(name);
      if (target) {
        const found = this.resolveFree(target.split('::'), module, holder, depth + 1);
        if (found.length > 0) return found;
      }
      for (const [key, base] of imports) {
        if (!key.startsWith('*')) continue;
        const found = this.resolveFree([...base.split('::'), name], module, holder, depth + 1);
        if (found.length > 0) return found;
      }
    }
    return [];
  }

  private declaredByMacro(module: ModulePath, name: string): boolean {
    const key = moduleKey(module);
    const holders = this.moduleHolderFiles(module).filter((f) => this.texts.get(f)?.includes(name));
    return this.parsedFiles(this.inScope(holders)).some((holder) => holder.macroFns.get(key)?.has(name) ?? false);
  }

  /** Files that are `module` or may hold it inline: where its `use` items can be. */
  private moduleHolderFiles(module: ModulePath): string[] {
    const key = moduleKey(module);
    let holders = this.moduleHolders.get(key);
    if (!holders) {
      this.fileModules ??= this.files.filter((f) => /\buse\b/.test(this.texts.get(f)!)).map((f) => ({ file: f, module: this.moduleOf(f) }));
      holders = this.fileModules
        .filter(({ module: m }) => m.root === module.root && m.path.length <= module.path.length && m.path.every((s, i) => s === module.path[i]))
        .map(({ file }) => file);
      this.moduleHolders.set(key, holders);
    }
    return holders;
  }

  /**
   * Every function of the crate's own files named `name`, whatever its owner: what a call by that
   * name may run when nothing better resolves it (entry-checks.ts asks what such a call may write).
   * With `owners`, only files with an impl of one of those types are read (as `lookUpMethods`).
   */
  functionsNamed(rawName: string, owners?: readonly string[]): readonly FnDecl[] {
    const name = unraw(rawName);
    let files = (this.textIndex.fnFiles.get(name) ?? []).filter((f) => this.isOwnFile(f));
    if (owners) {
      const implementing = new Set(owners.flatMap((owner) => this.textIndex.implFiles.get(owner) ?? []));
      files = files.filter((f) => implementing.has(f));
    }
    return this.parsedFiles(files).flatMap((file) => fnsNamed(file, name));
  }

  /** Files whose text mentions `.name(`, for finding callers of guard-returning helpers. */
  filesMentioningCall(name: string): string[] {
    const needle = `${name}(`;
    return this.ownFiles.filter((f) => this.texts.get(f)!.includes(needle));
  }
}

// ---- declarations ------------------------------------------------------------------------

// A file's functions by name, built on first lookup: resolving every call by scanning all of a
// file's functions is quadratic in a generated file with tens of thousands of them.
const fnsByName = new WeakMap<ParsedFile, Map<string, FnDecl[]>>();

function fnsNamed(file: ParsedFile, rawName: string): readonly FnDecl[] {
  const name = unraw(rawName);
  let byName = fnsByName.get(file);
  if (!byName) {
    byName = new Map();
    for (const fn of file.fns) {
      const list = byName.get(fn.name);
      if (list) list.push(fn);
      else byName.set(fn.name, [fn]);
    }
    fnsByName.set(file, byName);
  }
  return byName.get(name) ?? [];
}

function collectDeclarations(path: string, text: string, tree: Tree, edition: Edition, module: ModulePath): ParsedFile {
  const rootScope: ParsedFile = {
    path,
    module,
    text,
    tree,
    // Made when a position is first asked (most files read for a lookup never report one).
    get lines() {
      return tree.lines;
    },
    edition,
    imports: new Map(),
    moduleImports: new Map(),
    macroFns: new Map(),
    declaredModules: new Set(),
    fns: [],
    structs: [],
    statics: [],
    typeAliases: [],
    traitImpls: [],
    derefTargets: new Map(),
  };
  // Items nest through `mod { … }` and through function bodies (Reference: "Items", items in a
  // block are items like any other; only their names are scoped to the block). An explicit stack
  // of item lists: `items` is the list, `enclosing` the function whose body holds it. An inline
  // module has its own `use` declarations (Reference: "Use declarations"; a child module does
  // not inherit its parent's): its items get a scope of their own, the file with other imports.
  const stack: NestedItems[] = [{ items: tree.rootNode.namedChildren, module, scope: rootScope }];
  const moduleScopes: { scope: ParsedFile; parent: ParsedFile }[] = [];
  while (stack.length > 0) {
    const { items, module: current, scope, enclosing } = stack.pop()!;
    const file = scope;
    for (const item of items) {
      switch (item.type) {
        case 'use_declaration': {
          collectImports(item, file.imports as Map<string, string>);
          const key = moduleKey(current);
          const own = file.moduleImports.get(key) ?? new Map<string, string>();
          collectImports(item, own);
          file.moduleImports.set(key, own);
          break;
        }
        case 'function_item': {
          const fn = fnDecl(file, item, current, undefined, undefined, false, enclosing);
          file.fns.push(fn);
          pushNestedItems(stack, item, current, fn);
          break;
        }
        case 'extern_crate_declaration': {
          // `extern crate lock_helpers as lh;`: `lh::reset()` is `lock_helpers::reset()`.
          const name = item.childForFieldName('name')?.text;
          const alias = item.childForFieldName('alias')?.text;
          if (!name || !alias || name === 'self') break;
          (file.imports as Map<string, string>).set(alias, name);
          const key = moduleKey(current);
          file.moduleImports.set(key, (file.moduleImports.get(key) ?? new Map<string, string>()).set(alias, name));
          break;
        }
        case 'struct_item':
          collectStruct(file, item);
          break;
        case 'static_item':
          collectStatic(file, item, current);
          break;
        case 'type_item': {
          const name = item.childForFieldName('name')?.text;
          const type = item.childForFieldName('type')?.text;
          const list = item.childForFieldName('type_parameters')?.text;
          const params = list ? splitTypeList(list.slice(1, -1)).map((p) => p.replace(/[:=].*$/s, '').trim()).filter((p) => /^[A-Za-z_]\w*$/.test(p)) : [];
          if (name && type) file.typeAliases.push({ name, file, type, ...(params.length > 0 ? { params } : {}) });
          break;
        }
        case 'macro_invocation':
          collectLazyStatics(file, item, current);
          collectMacroFns(file, item, current);
          break;
        case 'impl_item':
          for (const fn of collectImpl(file, item, current)) pushNestedItems(stack, fn.node, current, fn);
          break;
        case 'trait_item':
          for (const fn of collectTrait(file, item, current)) pushNestedItems(stack, fn.node, current, fn);
          break;
        case 'mod_item': {
          const body = item.childForFieldName('body');
          const name = item.childForFieldName('name')?.text;
          if (name) file.declaredModules.add(moduleKey({ root: current.root, path: [...current.path, unraw(name)] }));
          if (!body || !name) break;
          const inner = Object.create(file, { imports: { value: new Map<string, string>() } }) as ParsedFile;
          moduleScopes.push({ scope: inner, parent: file });
          stack.push({ items: body.namedChildren, module: { root: current.root, path: [...current.path, name] }, scope: inner });
          break;
        }
        default:
          break;
      }
    }
  }
  // `use super::*;` (a test module's usual first line) brings in what the parent module imports.
  for (const { scope, parent } of moduleScopes) {
    if (!scope.imports.has('*super')) continue;
    for (const [name, path] of parent.imports) if (!scope.imports.has(name)) (scope.imports as Map<string, string>).set(name, path);
  }
  if (tree.rootNode.hasError) recoverBrokenFunctions(rootScope);
  return rootScope;
}

/**
 * A function node the parser kept whole: no error in it, nor around it. A function the tree nests
 * in another one that starts at its column or further right was swallowed by a missing `}`: the
 * text says they are siblings.
 */
function parsedIntact(node: SyntaxNode): boolean {
  if (node.hasError) return false;
  for (let up = node.parent; up; up = up.parent) {
    if (up.type === 'ERROR') return false;
    if (up.type === 'function_item' && (up.hasError || up.startPosition.column >= node.startPosition.column)) return false;
  }
  return true;
}

/**
 * Functions that a syntax error swallowed, re-parsed on their own (see item-recovery.ts); they
 * replace the swallowed copies, which have the wrong owner or none.
 */
function recoverBrokenFunctions(file: ParsedFile): void {
  const intactStarts = new Set(file.fns.filter((fn) => parsedIntact(fn.node)).map((fn) => fn.node.startIndex));
  for (const { item, fnStart } of recoverItems(file.text, (start) => intactStarts.has(start))) {
    const module = moduleAt(file, fnStart);
    const recovered =
      item.type === 'impl_item'
        ? collectImpl(file, item, module)
        : item.type === 'trait_item'
          ? collectTrait(file, item, module)
          : [fnDecl(file, item, module, undefined, undefined, false)];
    if (item.type === 'function_item') file.fns.push(...recovered);
    for (const fn of recovered) {
      const swallowed = file.fns.findIndex((other) => other !== fn && other.node.startIndex === fn.node.startIndex);
      if (swallowed >= 0) file.fns.splice(swallowed, 1);
    }
  }
}

/** The inline module an offset sits in, as far as the (possibly broken) tree still shows it. */
function moduleAt(file: ParsedFile, offset: number): ModulePath {
  const names: string[] = [];
  for (let node: SyntaxNode | null = file.tree.rootNode.descendantForIndex(offset); node; node = node.parent) {
    const name = node.type === 'mod_item' ? node.childForFieldName('name')?.text : undefined;
    if (name) names.unshift(name);
  }
  return { root: file.module.root, path: [...file.module.path, ...names] };
}

const NESTED_ITEM_TEXT = /(?:^|[\s;{}])(?:fn|impl|trait|struct|static|type|use|mod)\s/;
const NESTABLE_ITEMS = new Set(['function_item', 'impl_item', 'trait_item', 'struct_item', 'static_item', 'type_item', 'use_declaration', 'mod_item']);

/**
 * Items declared anywhere inside a function's body (`fn outer() { fn inner() {…} impl S {…} }`),
 * not those of items nested deeper, which their own function hands on in turn.
 */
/** A list of items still to collect, where they are and whose body holds them. */
interface NestedItems {
  readonly items: readonly SyntaxNode[];
  readonly module: ModulePath;
  /** The file as the items see it: an inline module's own imports. */
  readonly scope: ParsedFile;
  readonly enclosing?: FnDecl;
}

function pushNestedItems(stack: NestedItems[], fnNode: SyntaxNode, module: ModulePath, enclosing: FnDecl): void {
  const body = fnNode.childForFieldName('body');
  if (!body || !NESTED_ITEM_TEXT.test(enclosing.file.text.slice(body.startIndex, body.endIndex))) return;
  // Items nested in an item nested here are that item's to hand on.
  const items = body.descendantsOfType([...NESTABLE_ITEMS]).filter((node) => {
    for (let up = node.parent; up && up !== body; up = up.parent) if (NESTABLE_ITEMS.has(up.type)) return false;
    return true;
  });
  if (items.length > 0) stack.push({ items, module, scope: enclosing.file, enclosing });
}

/** The signature of a function, read when first needed: most indexed functions never are. */
interface Signature {
  readonly returnType?: string;
  readonly params: readonly { name: string; type: string }[];
  readonly selfParam?: string;
  readonly isAsync: boolean;
}

function readSignature(node: SyntaxNode): Signature {
  const params: { name: string; type: string }[] = [];
  const paramList = node.childForFieldName('parameters');
  let selfParam: string | undefined;
  for (const p of paramList?.namedChildren ?? []) {
    if (p.type === 'self_parameter') selfParam = p.text.replace(/\s+/g, ' ');
    if (p.type !== 'parameter') continue;
    const pattern = p.childForFieldName('pattern');
    const type = p.childForFieldName('type');
    if (pattern && type) params.push(parameterBinding(pattern, type));
  }
  const header = node.text.slice(0, Math.max(0, (paramList?.startIndex ?? node.startIndex) - node.startIndex));
  return { returnType: node.childForFieldName('return_type')?.text, params, selfParam, isAsync: /\basync\b/.test(header) };
}

/**
 * The name a parameter binds and its type. A newtype pattern (`State(sessions): State<Arc<…>>`,
 * axum's extractors, `Json(body): Json<T>`) binds its one field, the wrapper's type argument.
 */
function parameterBinding(pattern: SyntaxNode, type: SyntaxNode): { name: string; type: string } {
  if (pattern.type === 'tuple_struct_pattern' && type.type === 'generic_type') {
    const fields = pattern.namedChildren.slice(1);
    const args = type.childForFieldName('type_arguments')?.namedChildren.filter((a) => a.type !== 'lifetime') ?? [];
    const field = fields.length === 1 ? fields[0] : undefined;
    const binding = field?.type === 'identifier' ? field : field?.type === 'mut_pattern' ? field.namedChildren.find((c) => c.type === 'identifier') : undefined;
    if (binding?.type === 'identifier' && args.length === 1) return { name: binding.text, type: args[0].text };
  }
  return { name: pattern.text.replace(/^mut\s+/, ''), type: type.text };
}

function fnDecl(
  file: ParsedFile,
  node: SyntaxNode,
  module: ModulePath,
  ownerType: string | undefined,
  traitName: string | undefined,
  isTraitDefault: boolean,
  enclosing?: FnDecl,
  ownerTypeText?: string,
): FnDecl {
  return new IndexedFn(file, node, module, ownerType, traitName, isTraitDefault, enclosing, ownerTypeText);
}

/**
 * A function of the index, its signature read when first needed. A class, not an object literal
 * with getters: a literal makes its four getters and their closure again for every function.
 */
class IndexedFn implements FnDecl {
  readonly key: string;
  readonly name: string;
  readonly start: number;
  readonly end: number;
  private signature: Signature | undefined = undefined;

  constructor(
    readonly file: ParsedFile,
    readonly node: SyntaxNode,
    readonly module: ModulePath,
    readonly ownerType: string | undefined,
    readonly traitName: string | undefined,
    readonly isTraitDefault: boolean,
    readonly enclosing: FnDecl | undefined,
    readonly ownerTypeText: string | undefined,
  ) {
    this.key = `${file.path}#${node.startIndex}`;
    this.name = unraw(node.childForFieldName('name')?.text ?? '<anonymous>');
    this.start = node.startIndex;
    this.end = node.endIndex;
  }

  private sig(): Signature {
    return (this.signature ??= readSignature(this.node));
  }

  get selfParam(): string | undefined {
    return this.sig().selfParam;
  }

  get isAsync(): boolean {
    return this.sig().isAsync;
  }

  get returnType(): string | undefined {
    return this.sig().returnType;
  }

  get params(): readonly { name: string; type: string }[] {
    return this.sig().params;
  }
}

function collectStruct(file: ParsedFile, item: SyntaxNode): void {
  const rawName = item.childForFieldName('name')?.text;
  const name = rawName === undefined ? undefined : unraw(rawName);
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

function collectStatic(file: ParsedFile, item: SyntaxNode, module: ModulePath): void {
  const name = item.childForFieldName('name')?.text;
  const type = item.childForFieldName('type')?.text;
  if (name && type) file.statics.push({ name, file, type, module });
}

// `lazy_static! { static ref NAME: Type = …; }` and `thread_local! { static NAME: Type = …; }`
// are token trees to tree-sitter; their declarations are regular enough for a pattern. The macro
// is named as any other path (`lazy_static::lazy_static!`, `std::thread_local!`): its last segment
// says which one it is.
const MACRO_STATIC_RE = /\bstatic\s+(?:ref\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*:\s*([^=;]+?)\s*=/g;

function collectLazyStatics(file: ParsedFile, item: SyntaxNode, module: ModulePath): void {
  const macro = (item.childForFieldName('macro')?.text ?? '').split('::').pop()!.trim();
  if (macro !== 'lazy_static' && macro !== 'thread_local') return;
  for (const m of item.text.matchAll(MACRO_STATIC_RE)) file.statics.push({ name: m[1], file, type: m[2], module });
}

const MACRO_FN_RE = /\bfn\s+(?:r#)?([\p{L}_][\p{L}\p{N}_]*)/gu;

function collectMacroFns(file: ParsedFile, item: SyntaxNode, module: ModulePath): void {
  const names = [...item.text.matchAll(MACRO_FN_RE)].map((m) => m[1]);
  if (names.length === 0) return;
  const key = moduleKey(module);
  const own = file.macroFns.get(key) ?? new Set<string>();
  for (const name of names) own.add(name);
  file.macroFns.set(key, own);
}

function collectImpl(file: ParsedFile, item: SyntaxNode, module: ModulePath): FnDecl[] {
  const typeNode = item.childForFieldName('type');
  if (!typeNode) return [];
  const ownerType = typeHeadName(typeNode.text);
  const traitNode = item.childForFieldName('trait');
  const traitName = traitNode ? typeHeadName(traitNode.text) : undefined;
  if (traitName) file.traitImpls.push({ trait: traitName, type: ownerType });
  const body = item.childForFieldName('body');
  if (traitName === 'Deref') {
    const target = body?.namedChildren.find((m) => m.type === 'type_item' && m.childForFieldName('name')?.text === 'Target');
    const type = target?.childForFieldName('type')?.text;
    if (type) file.derefTargets.set(ownerType, type);
  }
  const fns: FnDecl[] = [];
  for (const member of body?.namedChildren ?? []) {
    if (member.type === 'function_item') fns.push(fnDecl(file, member, module, ownerType, traitName, false, undefined, typeNode.text));
  }
  appendAll(file.fns, fns);
  return fns;
}

function collectTrait(file: ParsedFile, item: SyntaxNode, module: ModulePath): FnDecl[] {
  const traitName = item.childForFieldName('name')?.text;
  const body = item.childForFieldName('body');
  if (!traitName) return [];
  const fns: FnDecl[] = [];
  for (const member of body?.namedChildren ?? []) {
    if (member.type === 'function_item') fns.push(fnDecl(file, member, module, undefined, traitName, true));
  }
  appendAll(file.fns, fns);
  return fns;
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
      case 'self': {
        // `use storage::pager::{self, Pager};` imports the module `pager` itself.
        const module = prefix.replace(/::$/, '');
        if (module) imports.set(module.split('::').pop()!, module);
        break;
      }
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
