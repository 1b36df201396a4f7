// An operating-system I/O error as users read it: one short phrase, the same for every read and
// write lockscope does (a source file it cannot read, a baseline or rule pack it cannot write).

const REASONS: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a parent is not a directory',
  EISDIR: 'is a directory',
  EEXIST: 'already exists',
  ELOOP: 'too many levels of symbolic links',
  EMFILE: 'too many open files',
};

/** `permission denied`, or the error's code (`EIO`), or its message when it has no code. */
export function describeIoError(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  return (e.code && REASONS[e.code]) ?? e.code ?? e.message;
}
