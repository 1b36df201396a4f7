// Which files below the given paths get analysed: source extensions, `.gitignore` honoured,
// `target/` and `node_modules/` skipped, symlinks never followed out of the given roots.
import { lstatSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, join, relative, resolve, sep } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { describeIoError } from './io-errors.js';
import type { AnalysisNote } from './model.js';

export const RUST_EXTENSIONS = ['.rs'];
export const TS_EXTENSIONS = ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.mts', '.cts'];
const SKIPPED_DIRS = new Set(['target', 'node_modules', '.git']);

export interface DiscoveredFiles {
  readonly rust: string[];
  readonly ts: string[];
  readonly notes: AnalysisNote[];
  /** Paths that do not exist or cannot be read at all: a usage error. */
  readonly missing: string[];
}

interface IgnoreLayer {
  readonly dir: string;
  readonly rules: Ignore;
}

function readIgnoreFile(dir: string): IgnoreLayer | undefined {
  try {
    const text = readFileSync(join(dir, '.gitignore'), 'utf8');
    return { dir, rules: ignore().add(text) };
  } catch {
    return undefined;
  }
}

function isIgnored(layers: readonly IgnoreLayer[], path: string, isDir: boolean): boolean {
  for (const layer of layers) {
    const rel = relative(layer.dir, path).split(sep).join('/');
    if (rel === '' || rel.startsWith('..')) continue;
    if (layer.rules.ignores(isDir ? `${rel}/` : rel)) return true;
  }
  return false;
}

/** `.gitignore` files from the filesystem root's side down to `dir`, nearest last. */
function ancestorIgnoreLayers(dir: string): IgnoreLayer[] {
  const layers: IgnoreLayer[] = [];
  let current = dir;
  for (;;) {
    const layer = readIgnoreFile(current);
    if (layer) layers.unshift(layer);
    try {
      statSync(join(current, '.git'));
      break; // the repository root: no .gitignore above it applies
    } catch {
      // keep climbing
    }
    const parent = resolve(current, '..');
    if (parent === current) break;
    current = parent;
  }
  return layers;
}

export function discoverFiles(paths: readonly string[], cwd: string): DiscoveredFiles {
  const found: DiscoveredFiles = { rust: [], ts: [], notes: [], missing: [] };
  // A file is known by its real path: through a symlinked directory (or two given paths that
  // overlap) the same file would otherwise be analysed, and reported, more than once.
  const seen = new Set<string>();
  const visited = new Set<string>();
  const classify = (file: string, real: string): void => {
    if (seen.has(real)) return;
    seen.add(real);
    if (RUST_EXTENSIONS.some((ext) => file.endsWith(ext))) found.rust.push(file);
    else if (TS_EXTENSIONS.some((ext) => file.endsWith(ext)) && !file.endsWith('.d.ts')) found.ts.push(file);
  };
  for (const given of paths) {
    const root = resolve(cwd, given);
    let stat;
    let rootReal: string;
    try {
      stat = statSync(root);
      rootReal = realpathSync(root);
    } catch {
      found.missing.push(given);
      continue;
    }
    if (stat.isFile()) {
      classify(root, rootReal);
      continue;
    }
    walkDirectory(root, rootReal, ancestorIgnoreLayers(root), found, classify, visited);
  }
  found.rust.sort();
  found.ts.sort();
  return found;
}

interface PendingDir {
  readonly dir: string;
  readonly real: string;
  readonly layers: IgnoreLayer[];
}

// Iterative, so a deep tree cannot overflow the stack. Each real directory is walked once;
// symbolic links are followed only when they stay inside the root, and only after every plain
// entry, so a file reached both ways is reported under its own path, not the link's.
function walkDirectory(
  root: string,
  rootReal: string,
  baseLayers: IgnoreLayer[],
  found: DiscoveredFiles,
  classify: (file: string, real: string) => void,
  visited: Set<string>,
): void {
  if (visited.has(rootReal)) return;
  visited.add(rootReal);
  const stack: PendingDir[] = [{ dir: root, real: rootReal, layers: baseLayers }];
  const links: { path: string; layers: IgnoreLayer[] }[] = [];
  const enter = (dir: string, real: string, layers: IgnoreLayer[]): void => {
    if (visited.has(real)) return;
    visited.add(real);
    stack.push({ dir, real, layers });
  };
  while (stack.length > 0 || links.length > 0) {
    if (stack.length === 0) {
      const { path, layers } = links.shift()!;
      let real: string;
      try {
        real = realpathSync(path);
      } catch {
        found.notes.push({ file: path, message: 'skipped a broken or looping symbolic link' });
        continue;
      }
      if (real !== rootReal && !real.startsWith(rootReal + sep)) {
        found.notes.push({ file: path, message: 'skipped a symbolic link that leads outside the analysed paths' });
        continue;
      }
      const target = lstatSync(real);
      const name = basename(path);
      if (target.isDirectory()) {
        if (!SKIPPED_DIRS.has(name) && !isIgnored(layers, path, true)) enter(path, real, layers);
      } else if (target.isFile() && !isIgnored(layers, path, false)) {
        classify(path, real);
      }
      continue;
    }
    const { dir, real: dirReal, layers: parentLayers } = stack.pop()!;
    const own = dir === root ? undefined : readIgnoreFile(dir);
    const layers = own ? [...parentLayers, own] : parentLayers;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (error) {
      found.notes.push({ file: dir, message: `could not read directory: ${(error as Error).message}` });
      continue;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isSymbolicLink()) {
        links.push({ path, layers });
      } else if (entry.isDirectory()) {
        if (SKIPPED_DIRS.has(entry.name) || isIgnored(layers, path, true)) continue;
        enter(path, join(dirReal, entry.name), layers);
      } else if (entry.isFile() && !isIgnored(layers, path, false)) {
        classify(path, join(dirReal, entry.name));
      }
    }
  }
}

export type ReadResult = { ok: true; text: string } | { ok: false; reason: string };

/** Text to analyse instead of a file's bytes on disk, by absolute path (`--staged`: the index's). */
export type SourceOverrides = Readonly<Record<string, string>>;

/** Lines of a source text, as `wc -l` counts them (the `stats.lines` of every language). */
export function lineCount(text: string): number {
  let lines = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines++;
  return lines;
}

/** Reads a source file; binary and non-UTF-8 files are refused with a reason, never thrown. */
export function readSourceFile(file: string, overrides?: SourceOverrides): ReadResult {
  if (overrides && Object.hasOwn(overrides, file)) return { ok: true, text: overrides[file] };
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    return { ok: false, reason: `could not read the file: ${describeIoError(error)}` };
  }
  if (bytes.includes(0)) return { ok: false, reason: 'skipped a binary file (it contains NUL bytes)' };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { ok: false, reason: 'skipped a file that is not valid UTF-8' };
  }
  // A byte-order mark is not part of the code; dropping it keeps columns as editors show them.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return { ok: true, text };
}
