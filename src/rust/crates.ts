// Crates: which Cargo.toml owns a file and which edition it is compiled with. Calls are resolved
// within a crate, and the edition decides how long `if let` and tail temporaries live.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import type { Edition } from '../core/model.js';
export const DEFAULT_EDITION: Edition = 2021;

export interface CrateInfo {
  /** Directory holding the crate's Cargo.toml, or the analysis root when there is none. */
  readonly root: string;
  readonly name: string;
  readonly edition: Edition;
  readonly files: string[];
  /** False for the implicit crate of files that no Cargo.toml owns. */
  readonly hasManifest: boolean;
  /** The library's root file relative to `root` when `[lib] path` names one (`lib.rs`, `src/turso.rs`). */
  readonly libPath?: string;
}

function asEdition(value: unknown): Edition | undefined {
  const n = typeof value === 'string' ? Number(value) : typeof value === 'number' ? value : NaN;
  return n === 2015 || n === 2018 || n === 2021 || n === 2024 ? n : undefined;
}

export function readManifest(path: string): Record<string, unknown> | undefined {
  try {
    return parseToml(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

export function table(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/**
 * The edition a workspace gives to members that say `edition.workspace = true`. The search starts
 * at the crate's own manifest: a workspace's root package inherits from its own
 * `[workspace.package]`, as Cargo does.
 */
function workspaceEdition(crateDir: string): Edition | undefined {
  let dir = crateDir;
  for (;;) {
    const manifest = readManifest(join(dir, 'Cargo.toml'));
    const workspace = table(manifest?.workspace);
    if (workspace) return asEdition(table(workspace.package)?.edition);
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Reads a crate's manifest; `undefined` when the directory has no Cargo.toml with a package. */
export function readCrateManifest(dir: string): { name: string; edition: Edition; libPath?: string } | undefined {
  const manifest = readManifest(join(dir, 'Cargo.toml'));
  const pkg = table(manifest?.package);
  if (!manifest || !pkg) return undefined;
  const name = typeof pkg.name === 'string' ? pkg.name : dir.split('/').pop() ?? 'crate';
  const declared = pkg.edition;
  const inherited = table(declared)?.workspace === true ? workspaceEdition(dir) : undefined;
  // Cargo's own default when `edition` is absent is 2015; an inherited edition that cannot be
  // found falls back to ours.
  const edition = asEdition(declared) ?? inherited ?? (declared === undefined ? 2015 : DEFAULT_EDITION);
  const libPath = table(manifest.lib)?.path;
  return { name, edition, libPath: typeof libPath === 'string' ? libPath.replace(/^\.\//, '') : undefined };
}

/**
 * Groups files into crates by their nearest Cargo.toml that declares a `[package]`.
 * Files with none belong to one implicit crate per analysis root.
 */
export function groupIntoCrates(files: readonly string[], editionOverride?: Edition): CrateInfo[] {
  const byRoot = new Map<string, CrateInfo>();
  const manifestCache = new Map<string, ReturnType<typeof readCrateManifest>>();
  const ownerOf = (file: string): string | undefined => {
    let dir = dirname(file);
    for (;;) {
      if (!manifestCache.has(dir)) manifestCache.set(dir, readCrateManifest(dir));
      if (manifestCache.get(dir)) return dir;
      const parent = dirname(dir);
      if (parent === dir) return undefined;
      dir = parent;
    }
  };
  for (const file of files) {
    const root = ownerOf(resolve(file));
    const key = root ?? '<no Cargo.toml>';
    let crate = byRoot.get(key);
    if (!crate) {
      const manifest = root ? manifestCache.get(root) : undefined;
      crate = {
        root: root ?? dirname(resolve(file)),
        name: manifest?.name ?? 'crate',
        edition: editionOverride ?? manifest?.edition ?? DEFAULT_EDITION,
        files: [],
        hasManifest: root !== undefined,
        libPath: manifest?.libPath,
      };
      byRoot.set(key, crate);
    }
    crate.files.push(file);
  }
  return [...byRoot.values()];
}
