// Reading declared Rust types: is this a lock (which kind, from which crate), or which struct is it?
import type { LockKind } from '../core/model.js';
import { lockCrateOfPath, lockKindOfTypeName, type LockCrate } from './lock-apis.js';

export interface LockType {
  readonly kind: LockKind;
  readonly crate: LockCrate;
  /**
   * The crate type that is this lock through its `Deref` (`SaveOnDisk<T>` → `RwLock<T>`): its own
   * methods come before the lock's (`save_on_disk.write(|v| …)` is `SaveOnDisk::write`).
   */
  readonly newtype?: string;
}

/** A declared type seen through its smart-pointer and lazy-init wrappers. */
export type TypeMeaning =
  | { readonly lock: LockType; readonly struct?: undefined }
  | { readonly struct: string; readonly lock?: undefined }
  | { readonly lock?: undefined; readonly struct?: undefined };

/**
 * A primitive type, as written: a compound assignment on two primitives evaluates the right-hand
 * side first; on anything else it is a trait call (`AddAssign::add_assign(&mut place, rhs)`) that
 * evaluates the place first (Reference, "Compound assignment expressions").
 */
export function isPrimitiveType(text: string): boolean {
  return /^(?:[iu](?:8|16|32|64|128|size)|f32|f64|bool|char)$/.test(text.trim());
}

/**
 * `Arc<dyn Middleware + Send + Sync>`, `&mut dyn Handler`, `Box<dyn Sink>` → the trait's name:
 * a value of this type is a trait object, whose method calls are dispatched at run time.
 */
export function traitObjectTrait(type: string): string | undefined {
  const m = /^(?:&\s*(?:'\w+\s+)?(?:mut\s+)?)?(?:(?:std::)?(?:sync::|rc::|boxed::)?(?:Arc|Rc|Box)\s*<\s*)?dyn\s+((?:[A-Za-z_][A-Za-z0-9_]*::)*[A-Za-z_][A-Za-z0-9_]*)/.exec(type.trim());
  return m ? m[1].split('::').pop() : undefined;
}

// Wrappers that deref (or are used as if they did) to their first type argument.
const TRANSPARENT_WRAPPERS = new Set([
  'Arc',
  'Rc',
  'Box',
  'Pin',
  'CachePadded',
  'ManuallyDrop',
  'LazyLock',
  'Lazy',
  'LazyCell',
  'AssertUnwindSafe',
  // Initialised once, then handed out by reference: `get_or_init` returns the lock.
  'OnceLock',
  'OnceCell',
  // Points at the allocation of the `Arc`/`Rc` it was made from: `upgrade()` hands out that
  // object (the compiler allows nothing else on it).
  'Weak',
]);

const PRIMITIVE_OR_STD = new Set([
  'Option',
  'Result',
  'Vec',
  'HashMap',
  'BTreeMap',
  'HashSet',
  'String',
  'str',
  'Self',
  'Cell',
  'Weak',
  'dyn',
  'impl',
]);

interface TypeHead {
  readonly path: string;
  readonly name: string;
  readonly args: string[];
}


function typeHead(typeText: string): TypeHead | undefined {
  const text = typeText
    .trim()
    .replace(/^(&\s*('\w+\s*)?(mut\s+)?|\*(const|mut)\s+)+/, '')
    .replace(/^(dyn|impl)\s+/, '')
    .trim();
  // Identifiers: ASCII, raw (`r#`), or with non-ASCII letters (XID; the parser has checked them).
  const m = /^((?:(?:r#)?[A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*::)*)((?:r#)?[A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*)/.exec(text);
  if (!m) return undefined;
  // `Arc::<Mutex<T>>` is `Arc<Mutex<T>>`: a turbofish is allowed in a type too.
  const rest = text.slice(m[0].length).trim().replace(/^::\s*(?=<)/, '');
  let args: string[] = [];
  if (rest.startsWith('<') && rest.endsWith('>')) {
    args = splitTypeList(rest.slice(1, -1)).filter((a) => !a.startsWith("'"));
  }
  return { path: m[1] + m[2], name: m[2], args };
}

/**
 * The full path a type's name stands for where it is written: `PlRwLock` imported as
 * `use parking_lot::RwLock as PlRwLock;` is `parking_lot::RwLock`; `sync::Mutex` after
 * `use std::sync;` is `std::sync::Mutex` (the first segment resolves through the imports).
 */
function importedPath(head: TypeHead, imports: ReadonlyMap<string, string>): string | undefined {
  const segments = head.path.split('::');
  if (segments.length === 1) return imports.get(head.name);
  const first = imports.get(segments[0]);
  return first ? [first, ...segments.slice(1)].join('::') : head.path;
}

function crateOf(head: TypeHead, kind: LockKind, imports: ReadonlyMap<string, string>): LockCrate {
  if (kind === 'DashMap' || kind === 'DashSet') return 'dashmap';
  if (kind === 'RefCell') return 'std';
  const qualified = importedPath(head, imports);
  // A path we do not know (`futures_locks::Mutex`, a crate-local re-export) is some lock whose
  // behaviour we cannot vouch for.
  if (qualified) return lockCrateOfPath(qualified) ?? 'unknown';
  let viaUnknownGlob = false;
  for (const [key, base] of imports) {
    if (!key.startsWith('*')) continue;
    const fromGlob = lockCrateOfPath(base);
    if (fromGlob && fromGlob !== 'std') return fromGlob;
    if (!fromGlob && !/^(crate|self|super)\b/.test(base)) viaUnknownGlob = true;
  }
  return viaUnknownGlob ? 'unknown' : 'std';
}

/** What a declared type is, looking through `Arc`, `Box`, `LazyLock`, references. */
export function typeMeaning(
  typeText: string,
  imports: ReadonlyMap<string, string>,
  /** In-house lock types from the configuration (`{ "TrackedMutex": "Mutex" }`). */
  extraLockTypes: Readonly<Record<string, LockKind>> = {},
): TypeMeaning {
  let current = typeHead(typeText);
  for (let depth = 0; current && depth < 8; depth++) {
    if (Object.hasOwn(extraLockTypes, current.name)) return { lock: { kind: extraLockTypes[current.name], crate: 'configured' } };
    // A renamed import (`use parking_lot::RwLock as PlRwLock;`) is the type it names.
    const imported = importedPath(current, imports);
    const importedName = imported?.split('::').pop();
    const kind = lockKindOfTypeName(current.name) ?? (imported && importedName !== current.name && lockCrateOfPath(imported) ? lockKindOfTypeName(importedName!) : undefined);
    if (kind) return { lock: { kind, crate: crateOf(current, kind, imports) } };
    if (TRANSPARENT_WRAPPERS.has(current.name) && current.args.length > 0) {
      current = typeHead(current.args[0]);
      continue;
    }
    if (PRIMITIVE_OR_STD.has(current.name) || /^\p{Ll}/u.test(current.name)) return {};
    return { struct: current.name };
  }
  return {};
}

/**
 * The generic arguments `name` is written with in `typeText`, where `typeMeaning` reads it: at its
 * head or inside transparent wrappers (`&Shared<State>`, `Arc<Shared<State>>` → `State`).
 */
export function argumentsOfHead(typeText: string, name: string): readonly string[] {
  let current = typeHead(typeText);
  for (let depth = 0; current && depth < 8; depth++) {
    if (current.name === name) return current.args;
    if (!TRANSPARENT_WRAPPERS.has(current.name) || current.args.length === 0) break;
    current = typeHead(current.args[0]);
  }
  return [];
}

/** `Arc<T>` of `type Shared<T> = Arc<T>;` used as `Shared<State>` → `Arc<State>`. */
export function substituteTypeParameters(aliased: string, params: readonly string[], args: readonly string[]): string {
  let text = aliased;
  params.forEach((param, i) => {
    if (args[i] !== undefined) text = text.replace(new RegExp(`\\b${param}\\b`, 'g'), args[i]);
  });
  return text;
}

/** `Arc::new(Mutex::new(x))`, `RwLock::default()`, `DashMap::with_capacity(n)`: the constructed type. */
export function constructedTypePath(calleeText: string): string | undefined {
  const m = /^((?:[A-Za-z_][A-Za-z0-9_]*::)*[A-Za-z_][A-Za-z0-9_]*)(?:::<[^>]*>)?::(new|default|with_capacity|with_hasher|with_capacity_and_hasher|with_shard_amount|const_new|from)$/.exec(
    calleeText.replace(/\s+/g, ''),
  );
  return m ? m[1] : undefined;
}

/** The text between the `<` at `open` and its matching `>`. */
export function genericArgs(text: string, open: number): string | undefined {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '<') depth++;
    else if (text[i] === '>' && text[i - 1] !== '-' && --depth === 0) return text.slice(open + 1, i);
  }
  return undefined;
}

/** `A, B<C, D>, (E, F)` → the three parts, trimmed, split at commas outside brackets. */
export function splitTypeList(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '<' || c === '(' || c === '[') depth++;
    else if ((c === '>' && text[i - 1] !== '-') || c === ')' || c === ']') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  const last = text.slice(start).trim();
  if (last) parts.push(last);
  return parts;
}

/**
 * Which element of a tuple result holds the guard: in `Result<(Vec<Seg>, Id, Guard<'a, H>)>`
 * destructured as `(a, b, c)`, the only element whose type can hold one (a guard, a `Ref`, a
 * borrow, a trait object). Seen through `Option` and `…Result` wrappers; undefined when the
 * type does not say.
 */
export function guardElementOf(type: string, arity: number): number | undefined {
  let text = type.trim();
  for (let unwrapped = /^(?:[A-Za-z_][A-Za-z0-9_]*::)*(?:Option|(?:[A-Za-z_][A-Za-z0-9_]*)?Result)\s*<([\s\S]*)>$/.exec(text); unwrapped; unwrapped = /^(?:[A-Za-z_][A-Za-z0-9_]*::)*(?:Option|(?:[A-Za-z_][A-Za-z0-9_]*)?Result)\s*<([\s\S]*)>$/.exec(text)) {
    text = (splitTypeList(unwrapped[1])[0] ?? '').trim();
  }
  if (!text.startsWith('(') || !text.endsWith(')')) return undefined;
  const elements = splitTypeList(text.slice(1, -1));
  if (elements.length !== arity) return undefined;
  const holding = elements.flatMap((e, i) => (/Guard|\bRef(?:Mut)?\b|'|\bdyn\b/.test(e) ? [i] : []));
  return holding.length === 1 ? holding[0] : undefined;
}
