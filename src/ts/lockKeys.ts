// Lock keys as the front end writes them and the summaries rewrite them: a field lock's key is
// its instance root (`this`, `this.inbox`, a binding) and its family (`Class.field`), so another
// instance's field is another lock, and a callee's `this` becomes the caller's receiver.
/** Separates the instance root of a field lock's key from its family (`Class.field`). */
export const ROOT_SEPARATOR = '\u0001';

export const THIS_ROOT = 'this';

/** Field paths deeper than this from a root are one lock: keeps recursive structures finite. */
const MAX_ROOT_DEPTH = 3;

export function limitRoot(root: string): string {
  const parts = root.split('.');
  return parts.length > MAX_ROOT_DEPTH + 1 ? `${parts.slice(0, MAX_ROOT_DEPTH + 1).join('.')}.*` : root;
}

/** A lock key's family: the class field for instance-relative keys, the key itself otherwise. */
export function lockFamily(key: string): string {
  const at = key.indexOf(ROOT_SEPARATOR);
  return at < 0 ? key : key.slice(at + 1);
}

/** The instance root of a field lock's key (`this`, `this.inbox`, `v:…`), undefined for others. */
export function lockRoot(key: string): string | undefined {
  const at = key.indexOf(ROOT_SEPARATOR);
  return at < 0 ? undefined : key.slice(0, at);
}

export function isThisRooted(key: string): boolean {
  const root = lockRoot(key);
  return root === THIS_ROOT || !!root?.startsWith(`${THIS_ROOT}.`);
}

/**
 * A callee's lock key as its caller sees it when the callee's `this` is `receiver` (a root):
 * `this.mutex` of `other.deposit()` is `other`'s mutex, not the caller's.
 */
export function rerootKey(key: string, receiver: string): string {
  if (receiver === THIS_ROOT) return key;
  const at = key.indexOf(ROOT_SEPARATOR);
  if (at < 0) return key;
  const root = key.slice(0, at);
  if (root !== THIS_ROOT && !root.startsWith(`${THIS_ROOT}.`)) return key;
  return `${limitRoot(receiver + root.slice(THIS_ROOT.length))}${key.slice(at)}`;
}
