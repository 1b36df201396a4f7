// Which crates of the run a crate can name, and by which names: its path dependencies, read the way
// Cargo reads a manifest. A path in another crate (`storage::Registry`) then resolves into that
// crate's files, parsed lazily by the dependant's index like its own.
//
// Cargo reference, "Specifying Dependencies": `[dependencies]`, `[dev-dependencies]` and their
// `[target.'cfg(…)'.…]` forms; `foo = { package = "bar", path = … }` is crate `bar` named `foo`;
// `foo = { workspace = true }` takes `[workspace.dependencies] foo` of the workspace root. The name
// code uses is the dependency's key when renamed, else the dependency's library name (`[lib] name`,
// by default the package name), with `-` as `_` ("The Cargo Book", "Target auto-discovery").
import { dirname, join, resolve } from 'node:path';
import { readManifest, table, type CrateInfo } from './crates.js';

export interface PathDependency {
  /** The name the dependant's code uses for it (`store`, `lock_helpers`). */
  readonly externName: string;
  /** Directory of its Cargo.toml. */
  readonly root: string;
  /** Only for tests, examples, benches and `#[cfg(test)]` code. */
  readonly dev: boolean;
}

/** The root manifest of the workspace `crateDir` belongs to, with its directory. */
function workspaceRoot(crateDir: string): { dir: string; workspace: Record<string, unknown> } | undefined {
  for (let dir = crateDir; ; dir = dirname(dir)) {
    const workspace = table(readManifest(join(dir, 'Cargo.toml'))?.workspace);
    if (workspace) return { dir, workspace };
    if (dirname(dir) === dir) return undefined;
  }
}

/** The crate name code uses for a package without a rename: its library's name. */
export function libraryName(crateDir: string): string | undefined {
  const manifest = readManifest(join(crateDir, 'Cargo.toml'));
  const declared = table(manifest?.lib)?.name;
  const pkg = table(manifest?.package)?.name;
  const name = typeof declared === 'string' ? declared : typeof pkg === 'string' ? pkg : undefined;
  return name?.replace(/-/g, '_');
}

/**
 * A crate's path dependencies, as written in its manifest; git and registry dependencies are
 * not in the run and are left out. A manifest that does not parse, or an entry of the wrong
 * shape (a half-written line), gives nothing rather than an error.
 */
export function pathDependencies(crate: CrateInfo): PathDependency[] {
  if (!crate.hasManifest) return [];
  const manifest = readManifest(join(crate.root, 'Cargo.toml'));
  if (!manifest) return [];
  const sections: { deps: Record<string, unknown>; dev: boolean }[] = [];
  const addSections = (owner: Record<string, unknown> | undefined): void => {
    for (const [key, dev] of [['dependencies', false], ['dev-dependencies', true], ['dev_dependencies', true]] as const) {
      const deps = table(owner?.[key]);
      if (deps) sections.push({ deps, dev });
    }
  };
  addSections(manifest);
  for (const target of Object.values(table(manifest.target) ?? {})) addSections(table(target));
  let inherited: { dir: string; workspace: Record<string, unknown> } | undefined | null = null;
  const out: PathDependency[] = [];
  for (const { deps, dev } of sections) {
    for (const [key, value] of Object.entries(deps)) {
      const spec = table(value);
      if (!spec) continue;
      let path = typeof spec.path === 'string' ? resolve(crate.root, spec.path) : undefined;
      let renamed = typeof spec.package === 'string';
      if (spec.workspace === true) {
        if (inherited === null) inherited = workspaceRoot(crate.root);
        const shared = table(table(inherited?.workspace.dependencies)?.[key]);
        if (shared && typeof shared.path === 'string') path = resolve(inherited!.dir, shared.path);
        renamed ||= typeof shared?.package === 'string';
      }
      if (!path) continue;
      const externName = renamed ? key.replace(/-/g, '_') : (libraryName(path) ?? key.replace(/-/g, '_'));
      out.push({ externName, root: path, dev });
    }
  }
  return out;
}

/** A dependency crate as the dependant's index sees it. */
export interface LinkedCrate {
  readonly crate: CrateInfo;
  /** The module root its items live under in the dependant's index (`crate:<dir>`). */
  readonly moduleRoot: string;
  /** The names its own code uses for its dependencies, each to a module root. */
  readonly externs: ReadonlyMap<string, string>;
}

export interface LinkedDependencies {
  /** The analysed crate's names for its dependencies (dev ones included), to module roots. */
  readonly externs: ReadonlyMap<string, string>;
  /** Every crate reachable through path dependencies that is part of the run, transitively. */
  readonly crates: readonly LinkedCrate[];
}

export const NO_DEPENDENCIES: LinkedDependencies = { externs: new Map(), crates: [] };

/**
 * The crates of the run that `crate` can reach by name, transitively (a dependency's own
 * dependencies are what its functions call). Dev-dependencies count for the analysed crate only:
 * a dependency's tests are not compiled into its dependants. A dependency that names the analysed
 * crate back (a dev-dependency cycle) names its library, module root `""`.
 */
export function linkDependencies(
  crate: CrateInfo,
  crateAt: (root: string) => CrateInfo | undefined,
  /** Manifests read so far in the run, by crate root: every dependant reads its dependencies'. */
  known: Map<string, PathDependency[]> = new Map(),
): LinkedDependencies {
  const moduleRootOf = (root: string): string => (root === crate.root ? '' : `crate:${root}`);
  const linked = new Map<string, LinkedCrate>();
  const externsOf = (of: CrateInfo, withDev: boolean, queue: CrateInfo[]): Map<string, string> => {
    const externs = new Map<string, string>();
    let deps = known.get(of.root);
    if (!deps) {
      deps = pathDependencies(of);
      known.set(of.root, deps);
    }
    for (const dep of deps) {
      if (dep.dev && !withDev) continue;
      const target = crateAt(dep.root);
      if (!target) continue;
      externs.set(dep.externName, moduleRootOf(target.root));
      if (target.root !== crate.root && !linked.has(target.root)) queue.push(target);
    }
    return externs;
  };
  const queue: CrateInfo[] = [];
  const externs = externsOf(crate, true, queue);
  while (queue.length > 0) {
    const next = queue.shift()!;
    if (linked.has(next.root)) continue;
    // Set before its own dependencies are read: a cycle stops here.
    const entry = { crate: next, moduleRoot: moduleRootOf(next.root), externs: new Map<string, string>() };
    linked.set(next.root, entry);
    for (const [name, root] of externsOf(next, false, queue)) entry.externs.set(name, root);
  }
  return { externs, crates: [...linked.values()] };
}
