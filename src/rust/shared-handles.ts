// Fields that hold a handle to another object's shared state, read from the struct literals that
// set them. A field set from `Arc::clone(&self.state)`, `self.state.clone()` or
// `Arc::downgrade(self)` in `impl Store` points at `Store.state` (or at the `Store`) whatever
// struct it is in; two fields of one literal set from the same local `Arc` (`Front { loader:
// Loader { table: Arc::clone(&table) }, table }`) are one object. A lock reached through such a
// field is keyed as the object it reaches, so `Front.loader.table` is `Front.table`, and a
// `Session`'s `store.upgrade()` is its `SessionStore.state`. Like every path-rooted key, a type's
// path stands for any instance of the type, so only what every literal of the lock files agrees
// on is kept: a field also set from a parameter or a call may point anywhere.
import type { CrateIndex, ParsedFile } from './crate-index.js';
import type { SyntaxNode } from './syntax-tree.js';
import { placePath, referent, selfRooted } from './syntax-shapes.js';
import { typeHeadName } from './syntax.js';

export interface SharedHandles {
  /** `Session.store` → `SessionStore.state`, `Plugin.host` → `Host`: the field reaches that object. */
  readonly crossType: ReadonlyMap<string, string>;
  /** `Front.loader.table` → `Front.table`: the same object inside one `Front`. */
  readonly sameObject: ReadonlyMap<string, string>;
}

export const NO_HANDLES: SharedHandles = { crossType: new Map(), sameObject: new Map() };

const SHARED_POINTER = /^(?:(?:std::)?(?:sync|rc)::)?(?:Arc|Rc|Weak)\s*</;
const SHARING_CALL = /^(?:(?:std::)?(?:sync|rc)::)?(?:Arc|Rc|Weak)::(?:clone|downgrade)$/;

/** `Arc::clone(&e)`, `Arc::downgrade(e)`, `e.clone()`: the `e` whose allocation is shared; else the value itself. */
function sharedOperand(value: SyntaxNode): { operand: SyntaxNode; shared: boolean } {
  if (value.type === 'call_expression') {
    const fn = value.childForFieldName('function');
    const args = value.childForFieldName('arguments')?.namedChildren.filter((c) => !c.type.endsWith('comment')) ?? [];
    if (fn && SHARING_CALL.test(fn.text.replace(/\s+/g, '')) && args.length === 1) return { operand: referent(args[0]), shared: true };
    if (fn?.type === 'field_expression' && fn.childForFieldName('field')?.text === 'clone' && args.length === 0) {
      const receiver = fn.childForFieldName('value');
      if (receiver) return { operand: referent(receiver), shared: true };
    }
  }
  return { operand: value, shared: false };
}

interface Collector {
  /** `S.f` → what each literal set it from: an owner path, or `undefined` for anything else. */
  readonly cross: Map<string, Set<string | undefined>>;
  /** A root type → the same-object pairs of each of its literals. */
  readonly same: Map<string, Map<string, string>[]>;
}

/** One struct literal (and the literals nested in its fields), built in a method of `ownerType`. */
function literal(index: CrateIndex, file: ParsedFile, node: SyntaxNode, ownerType: string | undefined, out: Collector): void {
  const locals = new Map<string, string[]>();
  const visit = (expr: SyntaxNode, path: string): void => {
    const written = expr.childForFieldName('name')?.text ?? '';
    const typeName = written === 'Self' ? ownerType : typeHeadName(written);
    if (!typeName) return;
    const decl = index.struct(typeName, file);
    for (const field of expr.childForFieldName('body')?.namedChildren ?? []) {
      let name: string | undefined;
      let value: SyntaxNode | null = null;
      if (field.type === 'field_initializer') {
        name = field.childForFieldName('field')?.text;
        value = field.childForFieldName('value');
      } else if (field.type === 'shorthand_field_initializer') {
        value = field.namedChildren[0] ?? null;
        name = value?.text;
      }
      if (!name || !value) continue;
      const fieldPath = `${path}.${name}`;
      if (value.type === 'struct_expression') {
        visit(value, fieldPath);
        continue;
      }
      if (!SHARED_POINTER.test(decl?.fields.get(name)?.trim() ?? '')) continue;
      const { operand, shared } = sharedOperand(value);
      if (operand.type === 'identifier') locals.set(operand.text, [...(locals.get(operand.text) ?? []), fieldPath]);
      const fromSelf = shared && ownerType && (operand.type === 'self' || selfRooted(operand));
      const target = fromSelf ? (operand.type === 'self' ? ownerType : placePath(operand, ownerType!)) : undefined;
      const key = `${typeName}.${name}`;
      out.cross.set(key, (out.cross.get(key) ?? new Set()).add(target));
    }
  };
  const root = typeHeadName(node.childForFieldName('name')?.text ?? '');
  const rootType = root === 'Self' ? ownerType : root;
  if (!rootType) return;
  visit(node, rootType);
  const pairs = new Map<string, string>();
  for (const paths of locals.values()) {
    if (paths.length < 2) continue;
    // The shortest path names the object; the others reach it through a field.
    const sorted = [...paths].sort((a, b) => a.split('.').length - b.split('.').length || (a < b ? -1 : 1));
    for (const p of sorted.slice(1)) pairs.set(p, sorted[0]);
  }
  // In place: a type built in every file would otherwise copy its list once per literal.
  const same = out.same.get(rootType);
  if (same) same.push(pairs);
  else out.same.set(rootType, [pairs]);
}

/** The shared handles the crate's struct literals show, in `files` (those that may lock). */
export function collectSharedHandles(index: CrateIndex, files: Iterable<string>): SharedHandles {
  const out: Collector = { cross: new Map(), same: new Map() };
  for (const path of files) {
    const file = index.file(path);
    if (!file) continue;
    for (const fn of file.fns) {
      for (const node of fn.node.descendantsOfType('struct_expression')) {
        // A literal nested in another's field is visited with it; in any other expression, alone.
        if (node.parent?.type === 'field_initializer' && node.parent.parent?.parent?.type === 'struct_expression') continue;
        literal(index, file, node, fn.ownerType, out);
      }
    }
  }
  // Only what every literal agrees on: a field also set from a parameter or a call may point
  // anywhere, and a struct built without the sharing does not share.
  const crossType = new Map<string, string>();
  for (const [key, targets] of out.cross) {
    const [only] = targets;
    if (targets.size === 1 && only !== undefined) crossType.set(key, only);
  }
  const sameObject = new Map<string, string>();
  for (const literals of out.same.values()) {
    for (const [from, to] of literals[0]) if (literals.every((pairs) => pairs.get(from) === to)) sameObject.set(from, to);
  }
  return crossType.size === 0 && sameObject.size === 0 ? NO_HANDLES : { crossType, sameObject };
}

const ROOTED_KEY = /^([A-Za-z_][A-Za-z0-9_]*)(@[A-Za-z_][A-Za-z0-9_]*)?((?:\.[^.]+)*)$/;

/**
 * The key of the object a path-rooted lock key reaches through shared handles: `Front@f.loader.table`
 * → `Front@f.table` (the same object), `Session.store` → `SessionStore.state` (`anyInstance`: a
 * handle another type's method made, so only the type is known, as for any path-less key). Other
 * keys are returned as they are.
 */
export function canonicalKey(handles: SharedHandles, key: string): { readonly key: string; readonly anyInstance: boolean } {
  const m = handles === NO_HANDLES ? null : ROOTED_KEY.exec(key);
  if (!m) return { key, anyInstance: false };
  let type = m[1];
  let at = m[2] ?? '';
  let fields = m[3] === '' ? [] : m[3].slice(1).split('.');
  let anyInstance = false;
  // Bounded: each step replaces a prefix, and a cycle of handles must not loop.
  for (let step = 0; step < 4; step++) {
    let changed = false;
    for (let n = fields.length; n >= 1 && !changed; n--) {
      const prefix = `${type}.${fields.slice(0, n).join('.')}`;
      const same = handles.sameObject.get(prefix);
      const cross = same === undefined ? handles.crossType.get(prefix) : undefined;
      const target = same ?? cross;
      if (target === undefined) continue;
      const [targetType, ...targetFields] = target.split('.');
      if (cross !== undefined) {
        at = '';
        anyInstance = true;
      }
      type = targetType;
      fields = [...targetFields, ...fields.slice(n)];
      changed = true;
    }
    if (!changed) break;
  }
  return { key: `${type}${at}${fields.length > 0 ? `.${fields.join('.')}` : ''}`, anyInstance };
}
