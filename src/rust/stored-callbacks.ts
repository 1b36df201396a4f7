// Callbacks kept in data: a closure handed to a registrar (`broker.on_event(Arc::new(move |e| …))`,
// `wheel.schedule(d, Box::new(move || …))`) is stored, and runs later wherever a value of that
// callback type is called (`for l in listeners.iter() { l(event) }`, `(timer.fire)()`). Which of
// the stored closures a given call runs is not known, so the call stands for all of them: every
// closure the crate stores under the same callback signature, each walked where it was written
// (its captures mean what they meant there).
import type { CrateIndex, FnDecl, ParsedFile } from './crate-index.js';
import { elementType, guardedData } from './guard-lifetimes/drop-types.js';
import { genericArgs, splitTypeList } from './types.js';
import type { SyntaxNode } from './syntax.js';

/** A closure stored as a callback: the function whose body writes it, and where. */
export interface StoredClosure {
  readonly fn: FnDecl;
  /** The closure expression's start offset in `fn`'s file. */
  readonly at: number;
}

// Owning pointers a callback is kept behind; calling through them calls the closure.
const CALLBACK_POINTERS = new Set(['Arc', 'Rc', 'Box', 'Pin']);
const CLOSURE_TRAIT = /^(?:dyn|impl)\s+(?:(?:std|core)::ops::)?(Fn|FnMut|FnOnce)\s*\(/;

/**
 * The callback signature a type is, through references, owning pointers and the crate's type
 * aliases: `Arc<dyn Fn(&Event) + Send + Sync>` and `type Listener = Arc<dyn Fn(&Event) + Send + Sync>`
 * are both `Fn(&Event)`. Auto-trait and lifetime bounds do not change which closures fit.
 */
export function callbackSignature(index: CrateIndex, type: string, scope: ParsedFile): string | undefined {
  let text = type;
  let file = scope;
  for (let depth = 0; depth < 6; depth++) {
    text = text.trim().replace(/^(?:&\s*(?:'\w+\s+)?(?:mut\s+)?)+/, '').trim();
    if (text.startsWith('(') && text.endsWith(')')) text = text.slice(1, -1).trim();
    const closure = CLOSURE_TRAIT.exec(text);
    if (closure) return normalised(closure[1], text.slice(closure[0].length - 1));
    const head = /^(?:[A-Za-z_][A-Za-z0-9_]*::)*([A-Za-z_][A-Za-z0-9_]*)\s*/.exec(text);
    if (!head) return undefined;
    const rest = text.slice(head[0].length);
    if (rest.startsWith('<') && CALLBACK_POINTERS.has(head[1])) {
      const args = genericArgs(text, head[0].length);
      const first = args === undefined ? undefined : splitTypeList(args)[0];
      if (first === undefined) return undefined;
      text = first;
      continue;
    }
    if (rest !== '') return undefined;
    const alias = index.typeAlias(head[1], file);
    if (!alias || alias.params) return undefined;
    text = alias.type;
    file = alias.file;
  }
  return undefined;
}

/** `Fn(&Event) + Send + 'static` → `Fn(&Event)`; `FnOnce() -> u64 + Send` → `FnOnce()->u64`. */
function normalised(kind: string, from: string): string | undefined {
  let depth = 0;
  let end = -1;
  for (let i = 0; i < from.length && end < 0; i++) {
    if (from[i] === '(') depth++;
    else if (from[i] === ')' && --depth === 0) end = i + 1;
  }
  if (end < 0) return undefined;
  const args = from.slice(0, end).replace(/\s+/g, '');
  const output = /^\s*->\s*([^+]+)/.exec(from.slice(end));
  const returned = output ? output[1].replace(/\s+/g, '') : '';
  return `${kind}${args}${returned && returned !== '()' ? `->${returned}` : ''}`;
}

const callees = new WeakMap<CrateIndex, Map<string, FnDecl>>();
/** Per index, for the generation (edits) it was found in. */
const storedBySignature = new WeakMap<CrateIndex, { generation: number; bySignature: Map<string, readonly StoredClosure[]> }>();

/** The callee a call of a `signature` callback value stands for: every closure stored as one. */
export function storedCallbackCallee(index: CrateIndex, signature: string, near: FnDecl): FnDecl {
  let bySignature = callees.get(index);
  if (!bySignature) callees.set(index, (bySignature = new Map()));
  let decl = bySignature.get(signature);
  if (!decl) {
    decl = {
      key: `stored-callback:${signature}`,
      name: signature,
      file: near.file,
      node: near.node,
      start: near.start,
      end: near.start,
      isTraitDefault: false,
      module: near.module,
      isAsync: false,
      params: [],
      storedCallback: signature,
    };
    bySignature.set(signature, decl);
  }
  return decl;
}

/**
 * Every closure the crate stores as a `signature` callback: written as the argument of a
 * registrar (a function with a parameter of that callback type), directly, behind `Arc::new` /
 * `Box::new` / `Some`, or through a `let` of the same function; or written straight into a field
 * that holds such callbacks (`Timer { fire: Box::new(…) }`, `self.on_close = Some(Box::new(…))`,
 * `self.hooks.lock().unwrap().push(Box::new(…))`).
 */
export function storedClosures(index: CrateIndex, signature: string): readonly StoredClosure[] {
  let memo = storedBySignature.get(index);
  if (memo?.generation !== index.generation) storedBySignature.set(index, (memo = { generation: index.generation, bySignature: new Map() }));
  const bySignature = memo.bySignature;
  const known = bySignature.get(signature);
  if (known) return known;
  const stored: StoredClosure[] = [];
  bySignature.set(signature, stored);
  // A closure of another arity is another callback type, whatever call or field it reaches.
  const arity = arityOf(signature);
  const add = (fn: FnDecl | undefined, closure: SyntaxNode | undefined): void => {
    if (!fn || !closure || closureArity(closure) !== arity) return;
    if (!stored.some((c) => c.fn === fn && c.at === closure.startIndex)) stored.push({ fn, at: closure.startIndex });
  };
  for (const { name, param } of registrars(index, signature)) {
    for (const path of index.filesMentioningCall(name)) {
      const file = index.file(path);
      if (!file) continue;
      for (const call of callsNamed(file.tree.rootNode, name)) {
        const args = call.childForFieldName('arguments')?.namedChildren.filter((a) => !/comment|attribute_item/.test(a.type)) ?? [];
        const arg = args[param];
        const fn = arg && enclosingFn(file, arg.startIndex);
        add(fn, fn && arg ? closureOf(arg, fn, call.startIndex) : undefined);
      }
    }
  }
  const fields = callbackFields(index, signature);
  const written = fields.size === 0 ? undefined : new RegExp(`(?:\\.\\s*(?:${[...fields.keys()].join('|')})\\b|\\b(?:${[...fields.keys()].join('|')})\\s*:)`);
  for (const path of written ? index.ownFiles : []) {
    if (!written!.test(index.text(path) ?? '')) continue;
    const file = index.file(path);
    for (const closure of file?.tree.rootNode.descendantsOfType('closure_expression') ?? []) {
      const field = destinationField(closure);
      if (field && fields.has(field.name) && (!field.struct || fields.get(field.name)!.has(field.struct))) add(enclosingFn(file!, closure.startIndex), closure);
    }
  }
  return stored;
}

/** `Fn(&Event, u8)` → 2: top-level commas of the argument list the signature starts with. */
function arityOf(signature: string): number {
  let depth = 0;
  let count = 0;
  let empty = true;
  for (const ch of signature.slice(signature.indexOf('(') + 1)) {
    if (ch === '(' || ch === '<' || ch === '[') depth++;
    else if (ch === ')' || ch === '>' || ch === ']') {
      if (depth-- === 0) break;
    } else if (ch === ',' && depth === 0) count++;
    if (!/\s/.test(ch)) empty = false;
  }
  return empty ? 0 : count + 1;
}

function closureArity(closure: SyntaxNode): number {
  // `_` is an unnamed node in the grammar: count every child but the bars, commas and comments.
  return closure.childForFieldName('parameters')?.children.filter((p) => !/^[|,]$|comment/.test(p.type)).length ?? 0;
}

/** The fields (name → the structs declaring it) that hold `signature` callbacks, behind locks, pointers and containers. */
function callbackFields(index: CrateIndex, signature: string): Map<string, Set<string>> {
  const fields = new Map<string, Set<string>>();
  for (const path of candidateFiles(index, signature)) {
    for (const struct of index.file(path)?.structs ?? []) {
      for (const [name, type] of struct.fields) {
        if (!holdsCallback(index, type, struct.file, signature)) continue;
        fields.set(name, (fields.get(name) ?? new Set()).add(struct.name));
      }
    }
  }
  return fields;
}

function holdsCallback(index: CrateIndex, type: string, file: ParsedFile, signature: string): boolean {
  let text: string | undefined = type;
  for (let depth = 0; depth < 5 && text !== undefined; depth++) {
    if (callbackSignature(index, text, file) === signature) return true;
    const pointee = /^(?:[A-Za-z_][A-Za-z0-9_]*::)*(?:Arc|Rc|Box)\s*</.exec(text.trim());
    text = guardedData(text) ?? elementType(text) ?? (pointee ? splitTypeList(genericArgs(text.trim(), pointee[0].length - 1) ?? '')[0] : undefined);
  }
  return false;
}

/**
 * The field a closure is written into, through owning constructors: a struct literal's field
 * (with the struct's name), an assignment to a field, or an insertion into a collection reached
 * through a field (`self.hooks.lock().unwrap().push(..)`).
 */
function destinationField(closure: SyntaxNode): { name: string; struct?: string } | undefined {
  let value = closure;
  for (let depth = 0; depth < 4; depth++) {
    const parent = value.parent;
    const call = parent?.type === 'arguments' ? parent.parent : null;
    const path = call?.type === 'call_expression' ? (call.childForFieldName('function')?.text.replace(/\s+/g, '') ?? '') : '';
    if (call && /^(?:(?:std::)?(?:sync::|rc::|boxed::)?(?:Arc|Rc|Box)::(?:new|pin)|Some)$/.test(path)) value = call;
    else if (parent?.type === 'parenthesized_expression' || parent?.type === 'type_cast_expression') value = parent;
    else break;
  }
  const parent = value.parent;
  if (parent?.type === 'field_initializer' && value.fieldName === 'value') {
    const name = parent.childForFieldName('field')?.text;
    const struct = parent.parent?.parent?.type === 'struct_expression' ? parent.parent.parent.childForFieldName('name')?.text.split('::').at(-1) : undefined;
    return name ? { name, struct: struct === 'Self' ? undefined : struct } : undefined;
  }
  if (parent?.type === 'assignment_expression' && value.fieldName === 'right') {
    const left = parent.childForFieldName('left');
    const name = left?.type === 'field_expression' ? left.childForFieldName('field')?.text : undefined;
    return name ? { name } : undefined;
  }
  const call = parent?.type === 'arguments' ? parent.parent : null;
  const callee = call?.type === 'call_expression' ? call.childForFieldName('function') : null;
  if (callee?.type === 'field_expression' && INSERTING_METHODS.has(callee.childForFieldName('field')?.text ?? '')) {
    const name = receiverField(callee.childForFieldName('value'))?.childForFieldName('field')?.text;
    return name ? { name } : undefined;
  }
  return undefined;
}

const INSERTING_METHODS = new Set(['push', 'push_back', 'push_front', 'insert', 'extend', 'replace', 'set', 'get_or_insert', 'get_or_insert_with']);

/** `self.hooks.lock().unwrap()` → `self.hooks`: the field under the calls that reach into it. */
function receiverField(node: SyntaxNode | null): SyntaxNode | undefined {
  let current = node;
  while (current?.type === 'call_expression' || current?.type === 'try_expression' || current?.type === 'await_expression') {
    const inner: SyntaxNode | null = current.type === 'call_expression' ? current.childForFieldName('function') : current.namedChild(0);
    current = current.type !== 'call_expression' ? inner : inner?.type === 'field_expression' ? inner.childForFieldName('value') : null;
  }
  return current?.type === 'field_expression' ? current : undefined;
}

/** Functions with a parameter of the callback type: `fn on_event(&self, l: Listener)`, `fn on<F: Fn(&Event)>(f: F)`. */
function registrars(index: CrateIndex, signature: string): { name: string; param: number }[] {
  const found: { name: string; param: number }[] = [];
  for (const path of candidateFiles(index, signature)) {
    const file = index.file(path);
    for (const fn of file?.fns ?? []) {
      fn.params.forEach((param, i) => {
        const type = genericBound(fn, param.type) ?? param.type;
        if (callbackSignature(index, type, fn.file) === signature) found.push({ name: fn.name, param: i });
      });
    }
  }
  return found;
}

/** Own files that may declare something of the callback type: they write a closure trait, or an alias of it. */
function candidateFiles(index: CrateIndex, signature: string): string[] {
  const files = index.ownFiles.filter((f) => /\bFn(?:Mut|Once)?\s*\(/.test(index.text(f) ?? ''));
  const aliases = new Set<string>();
  for (const path of files) {
    for (const alias of index.file(path)?.typeAliases ?? []) {
      if (callbackSignature(index, alias.type, alias.file) === signature) aliases.add(alias.name);
    }
  }
  const naming = aliases.size === 0 ? [] : index.ownFiles.filter((f) => !files.includes(f) && [...aliases].some((a) => new RegExp(`\\b${a}\\b`).test(index.text(f) ?? '')));
  return [...files, ...naming];
}

/** A generic parameter's closure bound (`F` with `F: Fn(&Event) + Send`) as `impl Fn(&Event)`. */
function genericBound(fn: FnDecl, type: string): string | undefined {
  const name = type.trim();
  if (!/^[A-Z][A-Za-z0-9_]*$/.test(name)) return undefined;
  const body = fn.node.childForFieldName('body');
  const signature = fn.node.text.slice(0, body ? body.startIndex - fn.node.startIndex : undefined);
  const bound = new RegExp(`[<,(\\s]${name}\\s*:[^,>{;]*?\\b(Fn(?:Once|Mut)?\\s*\\([^)]*\\)(?:\\s*->\\s*[^,>{;+]+)?)`).exec(signature);
  return bound ? `impl ${bound[1]}` : undefined;
}

function* callsNamed(root: SyntaxNode, name: string): Generator<SyntaxNode> {
  for (const call of root.descendantsOfType('call_expression')) {
    const callee = call.childForFieldName('function');
    const called = callee?.type === 'field_expression' ? callee.childForFieldName('field')?.text : callee?.text.split('::').at(-1);
    if (called === name || called === `r#${name}`) yield call;
  }
}

/** The innermost function of `file` whose body holds `offset`. */
function enclosingFn(file: ParsedFile, offset: number): FnDecl | undefined {
  let best: FnDecl | undefined;
  for (const fn of file.fns) {
    if (fn.start <= offset && offset < fn.end && (!best || fn.start >= best.start)) best = fn;
  }
  return best;
}

/** The closure an argument is, through owning constructors, casts and a `let` before the call. */
function closureOf(arg: SyntaxNode, fn: FnDecl, before: number, depth = 0): SyntaxNode | undefined {
  if (depth > 4) return undefined;
  switch (arg.type) {
    case 'closure_expression':
      return arg;
    case 'parenthesized_expression':
    case 'type_cast_expression': {
      const inner = arg.type === 'type_cast_expression' ? arg.childForFieldName('value') : arg.namedChild(0);
      return inner ? closureOf(inner, fn, before, depth + 1) : undefined;
    }
    case 'call_expression': {
      const path = arg.childForFieldName('function')?.text.replace(/\s+/g, '') ?? '';
      if (!/^(?:(?:std::)?(?:sync::|rc::|boxed::)?(?:Arc|Rc|Box)::(?:new|pin)|Some)$/.test(path)) return undefined;
      const first = arg.childForFieldName('arguments')?.namedChildren[0];
      return first ? closureOf(first, fn, before, depth + 1) : undefined;
    }
    case 'identifier': {
      let bound: SyntaxNode | undefined;
      for (const decl of fn.node.descendantsOfType('let_declaration')) {
        if (decl.startIndex >= before || decl.childForFieldName('pattern')?.text !== arg.text) continue;
        const value = decl.childForFieldName('value');
        if (value) bound = value;
      }
      return bound ? closureOf(bound, fn, before, depth + 1) : undefined;
    }
    default:
      return undefined;
  }
}
