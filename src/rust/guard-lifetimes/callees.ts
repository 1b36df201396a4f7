// The lazy callee lists of call events. A call event outlives its walk (it is part of the
// function's facts), and a closure keeps alive the whole scope it was made in: one made inside the
// walk kept the walk itself (its scopes, bindings and values) and the call's syntax nodes for the
// whole analysis. These are made here, outside the walk, from names and declarations only.
import type { LockKind } from '../../core/model.js';
import type { CrateIndex, FnDecl } from '../crate-index.js';

export type Callees = () => readonly FnDecl[];

export const noCallees: Callees = () => [];

export function fixedCallees(fns: readonly FnDecl[]): Callees {
  return () => fns;
}

/** A method call's callees: the type's own methods, else (auto-deref) those of its `Deref` target. */
export function methodCallees(index: CrateIndex, typeName: string, method: string): Callees {
  return () => {
    const own = index.methods(typeName, method);
    if (own.length > 0) return own;
    const target = index.derefStruct(typeName);
    return target ? index.methods(target, method) : own;
  };
}

/** `typeName`'s methods named `method` from its impls of `trait`. */
export function traitImplCallees(index: CrateIndex, typeName: string, method: string, trait: string): Callees {
  return () => index.methods(typeName, method).filter((fn) => fn.traitName === trait);
}

export function lockTypeMethodCallees(index: CrateIndex, kind: LockKind, method: string): Callees {
  return () => index.lockTypeMethods(kind, method);
}

export function traitMethodCallees(index: CrateIndex, trait: string, method: string, self: { struct?: string; lock?: LockKind }): Callees {
  return () => index.traitMethods(trait, method, self);
}

export function freeFunctionCallees(index: CrateIndex, segments: readonly string[], from: FnDecl): Callees {
  return () => index.freeFunctions(segments, from);
}

/** Resolved once, and again after an edit re-indexed a file (`index.generation`). */
export function memoisedCallees(index: CrateIndex, resolve: Callees): Callees {
  let resolved: readonly FnDecl[] = [];
  let generation = -1;
  return () => {
    if (generation !== index.generation) {
      resolved = resolve();
      generation = index.generation;
    }
    return resolved;
  };
}

/** The `async fn` callees (whose body runs where the future is polled), or the others. */
export function calleesByAsync(callees: Callees, isAsync: boolean): Callees {
  return () => callees().filter((fn) => fn.isAsync === isAsync);
}
