// What a generic parameter stands for. `impl<B: Backend> Engine<B>` with a field `backend: B`, or
// `fn sync<S: Store>(s: &S)`, calls the methods of whatever type instantiates the parameter; when
// its trait bounds name crate traits that only one crate type implements, that is the type every
// instantiation inside the crate uses (as for a required method called on `self` in a default
// body, crate-index.ts `traitMethods`). Bounds are read where Rust lets them be written: the
// function's and its impl's `<…>` lists and `where` clauses, and `impl Trait` in argument position.
import type { CrateIndex, FnDecl } from './crate-index.js';
import type { SyntaxNode } from './syntax-tree.js';
import { splitTypeList } from './types.js';

const WRAPPERS = /^(?:(?:std::)?(?:sync::|rc::|boxed::)?(?:Arc|Rc|Box))\s*<(.*)>$/s;

/** `&B`, `&mut B`, `Arc<B>`, `Box<impl Store>` → `B`, `impl Store`: the type a method call auto-derefs to. */
function pointee(typeText: string): string {
  let text = typeText.trim();
  for (let depth = 0; depth < 4; depth++) {
    const reference = /^&\s*(?:'\w+\s+)?(?:mut\s+)?/.exec(text);
    if (reference && reference[0].length > 0) {
      text = text.slice(reference[0].length).trim();
      continue;
    }
    const wrapped = WRAPPERS.exec(text);
    if (!wrapped) break;
    text = wrapped[1].trim();
  }
  return text;
}

/** Trait names in a bound list (`Backend + Send + 'static`, `?Sized`), their generic arguments dropped. */
function traitNames(bounds: string): string[] {
  return bounds
    .split('+')
    .map((b) => b.trim().replace(/<.*$/s, '').split('::').pop()!.trim())
    .filter((b) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(b));
}

/** `B: Backend + Send` entries of `<…>` lists and `where` clauses on this function and its impl. */
function declaredBounds(fn: FnDecl, name: string): string[] {
  const found: string[] = [];
  const read = (item: SyntaxNode | null | undefined): void => {
    if (!item) return;
    const lists = [item.childForFieldName('type_parameters'), ...item.children.filter((c) => c.type === 'where_clause')];
    for (const list of lists) {
      if (!list) continue;
      const inner = list.type === 'where_clause' ? list.text.replace(/^where\b/, '') : list.text.slice(1, -1);
      for (const entry of splitTypeList(inner)) {
        const colon = entry.indexOf(':');
        if (colon > 0 && entry.slice(0, colon).trim() === name) found.push(...traitNames(entry.slice(colon + 1)));
      }
    }
  };
  read(fn.node);
  const impl = fn.node.parent?.type === 'declaration_list' ? fn.node.parent.parent : undefined;
  if (impl?.type === 'impl_item') read(impl);
  return found;
}

/** The one crate type implementing every crate trait among `traits`, if exactly one does. */
function soleImplementor(index: CrateIndex, traits: readonly string[]): string | undefined {
  const crateTraits = traits.filter((t) => index.isTrait(t));
  if (crateTraits.length === 0) return undefined;
  const implementors = index.implementorsOf(crateTraits);
  return implementors.length === 1 ? implementors[0] : undefined;
}

/**
 * The crate type a value of `typeText` has, written in `fn`, when the type is a generic parameter
 * (or `impl Trait`) bounded by crate traits that exactly one crate type implements.
 */
export function instantiatedType(index: CrateIndex, fn: FnDecl, typeText: string): string | undefined {
  const text = pointee(typeText);
  const opaque = /^impl\s+(.*)$/s.exec(text);
  if (opaque) return soleImplementor(index, traitNames(opaque[1]));
  if (!/^[A-Z][A-Za-z0-9_]*$/.test(text)) return undefined;
  const bounds = declaredBounds(fn, text);
  return bounds.length > 0 ? soleImplementor(index, bounds) : undefined;
}
