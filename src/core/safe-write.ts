// Writes that a hostile checkout cannot redirect. lockscope writes only what the user names
// (`--write-baseline FILE`, `lockscope semgrep --out DIR`), and in CI it may run with write
// access over a stranger's pull request: a symbolic link planted at the target must not make it
// overwrite something outside the tree, and a bad target must end in one clear line, not a crash.
import { closeSync, fsyncSync, lstatSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { randomBytes } from 'node:crypto';
import { describeIoError } from './io-errors.js';

/** A target lockscope refuses to write, or an I/O failure while writing: exit status 2. */
export class WriteError extends Error {}

/**
 * `at` (absolute, `target` or an ancestor of it) as the user named it: relative to `shownAs`,
 * the name the user gave for `target`, so messages use the user's relative paths throughout.
 */
function shownPath(at: string, target: string, shownAs: string): string {
  return join(shownAs, relative(target, at)) || '.';
}

function kindOf(path: string, shownAs: string = path): 'missing' | 'file' | 'directory' | 'symlink' | 'other' {
  try {
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) return 'symlink';
    if (stat.isDirectory()) return 'directory';
    return stat.isFile() ? 'file' : 'other';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw new WriteError(`cannot inspect ${shownAs}: ${describeIoError(error)}`);
  }
}

/**
 * Replaces (or creates) the regular file `target` with `content`: written to a new temporary file
 * beside it and renamed into place, so a reader never sees half a file and a symbolic link at the
 * target is never followed. The parent directory must exist; nothing is created above it.
 */
export function writeFileSafely(target: string, content: string, shownAs: string = target): void {
  const kind = kindOf(target, shownAs);
  if (kind === 'symlink') throw new WriteError(`refusing to write ${shownAs}: it is a symbolic link`);
  if (kind === 'directory') throw new WriteError(`cannot write ${shownAs}: it is a directory`);
  if (kind === 'other') throw new WriteError(`refusing to write ${shownAs}: it is not a regular file`);
  const parent = dirname(target);
  const shownParent = shownPath(parent, target, shownAs);
  const parentKind = kindOf(parent, shownParent);
  if (parentKind === 'missing') throw new WriteError(`cannot write ${shownAs}: its directory ${shownParent} does not exist`);
  if (parentKind !== 'directory' && parentKind !== 'symlink') throw new WriteError(`cannot write ${shownAs}: ${shownParent} is not a directory`);
  const temporary = join(parent, `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    // 'wx' fails rather than follow anything already at the temporary name.
    fd = openSync(temporary, 'wx', 0o644);
    writeSync(fd, content);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temporary, target);
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    rmSync(temporary, { force: true });
    throw new WriteError(`cannot write ${shownAs}: ${describeIoError(error)}`);
  }
}

/**
 * Makes sure `dir` is a real directory that lockscope may fill: created when absent (missing
 * ancestors too, one level at a time, because Node's recursive mkdir spins forever on some paths,
 * e.g. below /proc); refused when `dir` itself is a symbolic link or not a directory. Existing
 * ancestors are the user's choice and are not questioned.
 */
export function ensureDirectory(dir: string, shownAs: string = dir): void {
  const kind = kindOf(dir, shownAs);
  if (kind === 'directory') return;
  if (kind === 'symlink') throw new WriteError(`refusing to write into ${shownAs}: it is a symbolic link`);
  if (kind !== 'missing') throw new WriteError(`cannot write into ${shownAs}: it is not a directory`);
  const missing: string[] = [];
  let current = dir;
  while (kindOf(current, shownPath(current, dir, shownAs)) === 'missing') {
    missing.unshift(current);
    const parent = dirname(current);
    if (parent === current) throw new WriteError(`cannot create ${shownAs}: no such directory`);
    current = parent;
  }
  let ancestor;
  try {
    ancestor = statSync(current);
  } catch (error) {
    throw new WriteError(`cannot create ${shownAs}: ${describeIoError(error)}`);
  }
  if (!ancestor.isDirectory()) throw new WriteError(`cannot create ${shownAs}: ${shownPath(current, dir, shownAs)} is not a directory`);
  for (const level of missing) {
    try {
      mkdirSync(level);
    } catch (error) {
      throw new WriteError(`cannot create ${shownAs}: ${describeIoError(error)}`);
    }
  }
}
