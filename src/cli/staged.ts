// `lockscope check --staged`: what to analyse so that calls still resolve, and what to report.
// A staged `.rs` file brings in its whole crate (calls are resolved within a crate; for a change
// in src/, the crate's src/); a staged
// TS/JS file is analysed itself, its typed program reaching the files it imports. Staged files are
// read from the index, the rest of their crate from the working tree.
import { execFileSync } from 'node:child_process';
import { join, resolve, sep } from 'node:path';
import { RUST_EXTENSIONS, TS_EXTENSIONS } from '../core/discover.js';
import { groupIntoCrates, readCrateManifest } from '../rust/crates.js';
import { appendAll } from '../core/append.js';

/** No git repository, or git failed: the CLI prints it and exits 2. */
export class StagedError extends Error {}

export interface StagedSelection {
  /** Absolute paths to give to discovery: crate roots and TS/JS files. */
  readonly analyse: string[];
  /** Absolute paths of the staged source files: only their findings are reported. */
  readonly staged: ReadonlySet<string>;
  /** Crate roots whose own files (not nested crates') are analysed. */
  readonly crateRoots: ReadonlySet<string>;
  /**
   * The staged content of each staged source file, by absolute path: what is being committed, which
   * is not the working tree when a fix (or a bug) is only in unstaged changes.
   */
  readonly contents: Readonly<Record<string, string>>;
  /** Staged files left out, with the reason (symbolic links, binary or non-UTF-8 blobs). */
  readonly notes: { file: string; message: string }[];
}

function git(args: string[], cwd: string): string;
function git(args: string[], cwd: string, binary: true): Buffer;
function git(args: string[], cwd: string, binary = false): string | Buffer {
  try {
    return execFileSync('git', args, { cwd, encoding: binary ? 'buffer' : 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim();
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new StagedError('--staged needs git, which was not found on PATH');
    throw new StagedError(`--staged needs a git repository: \`git ${args.join(' ')}\` failed${stderr ? ` (${stderr.split('\n')[0]})` : ''}`);
  }
}

export function stagedSelection(cwd: string): StagedSelection {
  const top = git(['rev-parse', '--show-toplevel'], cwd).trim();
  // Added, copied, modified, renamed: deleted files have nothing left to analyse.
  const names = git(['diff', '--cached', '--name-only', '--diff-filter=ACMR', '-z'], cwd).split('\0').filter((n) => n.length > 0);
  const sources = names.filter((name) => [...RUST_EXTENSIONS, ...TS_EXTENSIONS].some((ext) => name.endsWith(ext)));
  const { contents, notes } = stagedContents(sources, top);
  const staged = sources.map((name) => resolve(top, name)).filter((file) => Object.hasOwn(contents, file));
  const rust = staged.filter((file) => RUST_EXTENSIONS.some((ext) => file.endsWith(ext)));
  const ts = staged.filter((file) => TS_EXTENSIONS.some((ext) => file.endsWith(ext)) && !file.endsWith('.d.ts'));
  const crateRoots = new Set<string>();
  const analyse: string[] = [...ts];
  for (const crate of groupIntoCrates(rust)) {
    // Without a Cargo.toml there is no crate to widen to: the staged files alone.
    if (readCrateManifest(crate.root)) {
      crateRoots.add(crate.root);
      // Cargo's library and binary targets live in src/ and cannot call into tests/, benches/ or
      // examples/, so a change confined to src/ needs only src/; other targets use the library.
      const src = join(crate.root, 'src');
      analyse.push(crate.files.every((file) => resolve(file).startsWith(`${src}${sep}`)) ? src : crate.root);
    } else {
      appendAll(analyse, crate.files);
    }
  }
  return { analyse, staged: new Set([...rust, ...ts]), crateRoots, contents, notes };
}

/**
 * The index's blob of each staged file (`git show :path`). A staged symbolic link is never
 * followed: its blob is the link's target path, and the working-tree link may lead anywhere.
 */
function stagedContents(names: readonly string[], top: string): { contents: Record<string, string>; notes: { file: string; message: string }[] } {
  const contents: Record<string, string> = {};
  const notes: { file: string; message: string }[] = [];
  if (names.length === 0) return { contents, notes };
  // `<mode> <object> <stage>\t<path>` per entry.
  const entries = git(['ls-files', '--stage', '-z', '--', ...names.map((name) => `:(literal)${name}`)], top).split('\0').filter((e) => e.length > 0);
  for (const entry of entries) {
    const tab = entry.indexOf('\t');
    const [mode, object] = entry.slice(0, tab).split(' ');
    const file = resolve(top, entry.slice(tab + 1));
    if (mode === '120000') {
      notes.push({ file, message: 'skipped a staged symbolic link (it is not followed)' });
      continue;
    }
    if (mode !== '100644' && mode !== '100755') continue;
    const bytes = git(['cat-file', 'blob', object], top, true);
    if (bytes.includes(0)) {
      notes.push({ file, message: 'skipped a binary file (it contains NUL bytes)' });
      continue;
    }
    try {
      const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      contents[file] = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    } catch {
      notes.push({ file, message: 'skipped a file that is not valid UTF-8' });
    }
  }
  return { contents, notes };
}

/** Keeps the Rust files of the selected crates (not of crates nested in them) and the staged files. */
export function ownFilesOfCrates(files: readonly string[], selection: StagedSelection): string[] {
  const kept = new Set<string>();
  for (const crate of groupIntoCrates(files)) if (selection.crateRoots.has(crate.root)) for (const f of crate.files) kept.add(f);
  return files.filter((f) => kept.has(f) || selection.staged.has(resolve(f)));
}
