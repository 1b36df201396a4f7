// What a type, as written, says about drops: the data a lock guards, the element a container
// hands out or drops, and the crate types whose `Drop` runs when a value of it is dropped.
// Reading the written type is enough here: a type behind a shared pointer (`Arc`, `Rc`, `Weak`)
// or a reference is not dropped with the value that points to it.

import type { ParsedFile } from '../crate-index.js';
import type { SyntaxNode } from '../syntax.js';
import { genericArgs, splitTypeList } from '../types.js';
import type { TypeRef } from './values.js';

const LOCK_TYPE = /\b(?:Mutex|RwLock|RefCell|ReentrantMutex|FairMutex|SpinMutex)\s*</;

/** `Arc<Mutex<State>>` → `State`: the data a lock of this type guards. */
export function guardedData(lockType: string): string | undefined {
  const m = LOCK_TYPE.exec(lockType);
  if (!m) return undefined;
  const args = genericArgs(lockType, m.index + m[0].length - 1);
  return args === undefined ? undefined : splitTypeList(args)[0];
}

/**
 * `HashMap<K, V>` → `V`, `Vec<T>` / `Option<T>` / `VecDeque<T>` / `[T]` / `[T; N]` → `T`: what the
 * container hands out. Through a reference (`&[T]`, `&mut Vec<T>`) too, as methods auto-deref:
 * whether the elements are then only lent is `isReference`'s question.
 */
export function elementType(container: string): string | undefined {
  const text = container.trim().replace(REFERENCE_PREFIX, '').trim();
  if (text.startsWith('[') && text.endsWith(']')) return splitTypeList(text.slice(1, -1).replace(/;[^;]*$/, ''))[0];
  const m = /^(?:[A-Za-z_][A-Za-z0-9_]*::)*([A-Za-z_][A-Za-z0-9_]*)\s*</.exec(text);
  if (!m) return undefined;
  const args = genericArgs(text, m[0].length - 1);
  if (args === undefined) return undefined;
  const parts = splitTypeList(args);
  if (/^(?:HashMap|BTreeMap|IndexMap|LinkedHashMap|LruCache)$/.test(m[1])) return parts[1];
  if (/^(?:Vec|VecDeque|LinkedList|HashSet|BTreeSet|BinaryHeap|Option|Box|IndexSet|SmallVec)$/.test(m[1])) return parts[0];
  return undefined;
}

const REFERENCE_PREFIX = /^(?:&\s*(?:'\w+\s+)?(?:mut\s+)?)+/;

/** `&[T]`, `&'a mut Vec<T>`: a value that only borrows what it reaches (iterating it lends the elements). */
export function isReference(type: string): boolean {
  return REFERENCE_PREFIX.test(type.trim());
}

/**
 * The type names whose values a value of `type` owns (so drops with it): every name except those
 * behind `Arc`, `Rc`, `Weak` or a reference, and lifetimes.
 */
export function ownedTypeNames(type: string): string[] {
  let text = type;
  // Blank out what is only pointed to.
  for (;;) {
    const m = /\b(?:Arc|Rc|Weak)\s*</.exec(text);
    if (!m) break;
    const args = genericArgs(text, m.index + m[0].length - 1);
    const end = args === undefined ? text.length : m.index + m[0].length + args.length + 1;
    text = `${text.slice(0, m.index)}${' '.repeat(end - m.index)}${text.slice(end)}`;
  }
  text = text.replace(/&\s*('\w+\s*)?(mut\s+)?(dyn\s+)?[A-Za-z_][A-Za-z0-9_:]*(<[^<>]*>)?/g, ' ');
  return [...text.matchAll(/\b([A-Z][A-Za-z0-9_]*)\b/g)].map((m) => m[1]);
}

/**
 * The type names a value of `type` owns through an `Arc` or `Rc` (`Arc<Session>`, `Vec<Rc<Node>>`):
 * their `Drop` runs when the value drops the last reference. Not through a `Weak` or a reference,
 * which never drop what they point to.
 */
export function sharedOwnedTypeNames(type: string): string[] {
  let text = type.replace(/&\s*('\w+\s*)?(mut\s+)?(dyn\s+)?[A-Za-z_][A-Za-z0-9_:]*(<[^<>]*>)?/g, ' ');
  for (;;) {
    const m = /\bWeak\s*</.exec(text);
    if (!m) break;
    const args = genericArgs(text, m.index + m[0].length - 1);
    const end = args === undefined ? text.length : m.index + m[0].length + args.length + 1;
    text = `${text.slice(0, m.index)}${' '.repeat(end - m.index)}${text.slice(end)}`;
  }
  const names: string[] = [];
  for (const m of text.matchAll(/\b(?:Arc|Rc)\s*</g)) {
    const args = genericArgs(text, m.index + m[0].length - 1);
    if (args !== undefined) names.push(...ownedTypeNames(args));
  }
  return names;
}

/** `Arc<Pool>`, `&'a Registry`, `Weak<Inner>` → the pointed-to type's name; otherwise undefined. */
export function sharedTarget(fieldType: string): string | undefined {
  const t = fieldType.trim();
  const pointer = /^(?:(?:std::)?(?:sync|rc)::)?(?:Arc|Rc|Weak)\s*<\s*((?:[A-Za-z_][A-Za-z0-9_]*::)*[A-Za-z_][A-Za-z0-9_]*)/.exec(t);
  if (pointer) return pointer[1].split('::').pop();
  const reference = /^&\s*(?:'\w+\s+)?(?:mut\s+)?((?:[A-Za-z_][A-Za-z0-9_]*::)*[A-Za-z_][A-Za-z0-9_]*)/.exec(t);
  return reference ? reference[1].split('::').pop() : undefined;
}

/** The data a lock of this written type guards (`State` of `Arc<Mutex<State>>`), where it is written. */
export function lockContent(lockType: string, file: ParsedFile): TypeRef | undefined {
  const data = guardedData(lockType);
  return data ? { text: data, file } : undefined;
}

/**
 * `Vec<Mutex<T>>`, `[Mutex<T>; 16]`, `Box<[Mutex<T>]>`, `SmallVec<[T; 4]>` → the element type that
 * indexing (`v[i]`) reaches; undefined for types that are not indexed by position (maps).
 */
export function indexedElement(container: string): string | undefined {
  let text = container.trim();
  for (let depth = 0; depth < 4; depth++) {
    const reference = /^&\s*(?:'\w+\s+)?(?:mut\s+)?/.exec(text);
    if (reference && reference[0].length > 0) {
      text = text.slice(reference[0].length).trim();
      continue;
    }
    if (text.startsWith('[') && text.endsWith(']')) return splitTypeList(text.slice(1, -1).replace(/;[^;]*$/, ''))[0];
    const m = /^(?:[A-Za-z_][A-Za-z0-9_]*::)*(Vec|VecDeque|ArrayVec|SmallVec|Box|Arc|Rc)\s*</.exec(text);
    if (!m) return undefined;
    const args = genericArgs(text, m[0].length - 1);
    if (args === undefined) return undefined;
    const first = splitTypeList(args)[0];
    if (!first) return undefined;
    // `Box<[T]>` and `SmallVec<[T; 4]>` index their slice; `Vec<T>` its elements; `Arc<Vec<T>>` what it points to.
    if (m[1] === 'Vec' || m[1] === 'VecDeque' || m[1] === 'ArrayVec') return first;
    text = first.trim();
  }
  return undefined;
}

const EMPTY_CONTAINERS = /^(?:(?:std::)?collections::)?(Vec|VecDeque|LinkedList|HashMap|BTreeMap|HashSet|BTreeSet|BinaryHeap)::(?:new|with_capacity|default)$/;

/**
 * `Vec::new()`, `HashMap::with_capacity(n)`, `vec![]`, `None`: an empty std container whose
 * element type the code does not write; its head (`Vec`, `Option`), or undefined.
 */
export function emptyContainerOf(init: SyntaxNode): string | undefined {
  if (init.type === 'identifier' && init.text === 'None') return 'Option';
  if (init.type === 'macro_invocation') return /^vec!\s*[[(]\s*[\])]$/.test(init.text) ? 'Vec' : undefined;
  if (init.type !== 'call_expression') return undefined;
  let fn = init.childForFieldName('function');
  if (fn?.type === 'generic_function') fn = fn.childForFieldName('function');
  return fn ? EMPTY_CONTAINERS.exec(fn.text.replace(/\s+/g, ''))?.[1] : undefined;
}

/** Methods that put an element into a container, and which argument is the element. */
const ELEMENT_ARGUMENT: Readonly<Record<string, number>> = { push: 0, push_back: 0, push_front: 0, get_or_insert: 0, replace: 0 };

/**
 * Where the code first puts a value into the local `name` after `after` (byte offset) in `scope`:
 * `name.push(v)`, `name.insert(k, v)` (the value argument of a map's), `name = Some(v)`, `name.replace(v)`.
 * Rust infers the element type from such a use wherever it is, so a later one names it too.
 */
export function firstElementPut(name: string, container: string, scope: SyntaxNode, after: number): SyntaxNode | undefined {
  const map = /Map$/.test(container);
  let found: SyntaxNode | undefined;
  const visit = (node: SyntaxNode): void => {
    if (found || node.endIndex <= after) return;
    if (node.startIndex >= after) {
      if (node.type === 'call_expression') {
        const fn = node.childForFieldName('function');
        const receiver = fn?.type === 'field_expression' ? fn.childForFieldName('value') : null;
        const method = fn?.type === 'field_expression' ? fn.childForFieldName('field')?.text : undefined;
        if (receiver?.type === 'identifier' && receiver.text === name && method) {
          const at = method === 'insert' ? (map ? 1 : 0) : ELEMENT_ARGUMENT[method];
          const args = (node.childForFieldName('arguments')?.namedChildren ?? []).filter((a) => !a.type.endsWith('comment'));
          if (at !== undefined && args[at]) found = args[at];
        }
      } else if (node.type === 'assignment_expression' && container === 'Option' && node.childForFieldName('left')?.text === name) {
        const right = node.childForFieldName('right');
        const inner = right?.type === 'call_expression' && right.childForFieldName('function')?.text === 'Some' ? right.childForFieldName('arguments')?.namedChildren[0] : undefined;
        if (inner) found = inner;
      }
    }
    for (const child of node.namedChildren) if (!found) visit(child);
  };
  visit(scope);
  return found;
}
