// Which files below the given paths get analysed: source extensions, `.gitignore` honoured,
// `target/` and `node_modules/` skipped, symlinks never followed out of the given roots.
import { lstatSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import ignore, { type Ignore } from 'ignore';
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
  const seen = new Set<string>();
  const classify = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    if (RUST_EXTENSIONS.some((ext) => file.endsWith(ext))) found.rust.push(file);
    else if (TS_EXTENSIONS.some((ext) => file.endsWith(ext)) && !file.endsWith('.d.ts')) found.ts.push(file);
  };
  for (const given of paths) {
    const root = resolve(cwd, given);
    let stat;
    try {
      stat = statSync(root);
    } catch {
      found.missing.push(given);
      continue;
    }
    if (stat.isFile()) {
      classify(root);
      continue;
    }
    let rootReal: string;
    try {
      rootReal = realpathSync(root);
    } catch {
      found.missing.push(given);
      continue;
    }
    walkDirectory(root, rootReal, ancestorIgnoreLayers(root), found, classify);
  }
  found.rust.sort();
  found.ts.sort();
  return found;
}

// Iterative, so a deep tree cannot overflow the stack; symlinks are followed only when they stay
// inside the root, and a directory is entered once (symlink loops end there).
function walkDirectory(
  root: string,
  rootReal: string,
  baseLayers: IgnoreLayer[],
  found: DiscoveredFiles,
  classify: (file: string) => void,
): void {
  const visited = new Set<string>([rootReal]);
  const stack: { dir: string; layers: IgnoreLayer[] }[] = [{ dir: root, layers: baseLayers }];
  while (stack.length > 0) {
    const { dir, layers: parentLayers } = stack.pop()!;
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
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
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
        isDir = target.isDirectory();
        isFile = target.isFile();
        if (isDir && visited.has(real)) continue;
        if (isDir) visited.add(real);
      }
      if (isDir) {
        if (SKIPPED_DIRS.has(entry.name) || isIgnored(layers, path, true)) continue;
        stack.push({ dir: path, layers });
      } else if (isFile && !isIgnored(layers, path, false)) {
        classify(path);
      }
    }
  }
}

export type ReadResult = { ok: true; text: string } | { ok: false; reason: string };

/** Reads a source file; binary and non-UTF-8 files are refused with a reason, never thrown. */
export function readSourceFile(file: string): ReadResult {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { ok: false, reason: code === 'EACCES' ? 'permission denied' : `could not read file (${code ?? 'error'})` };
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
