// Lock classes of the analysed code itself (not a library's): a class is taken for a lock by its
// name and its methods, at low confidence, in this file (ESTree) or in another file of a typed
// program (TypeScript's declaration).
import ts from 'typescript';
import type { TSESTree } from '@typescript-eslint/utils';
import { homeMadeLockKind, type LockKind } from './lockApis.js';
import type { ClassNode } from './facts.js';
import { isFunction, keyName, unwrap, visitAll, type FunctionNode } from './syntax.js';

/**
 * A lock-shaped class is taken for a lock only when its name says so (`KeyedMutex`, `AsyncLock`,
 * `Semaphore`): a `TaskQueue` or a connection `Pool` has the same methods and is not one.
 */
function isLockName(name: string | undefined): boolean {
  const words = (name ?? '').split(/(?<=[a-z0-9])(?=[A-Z])|[_\W]+/).map((word) => word.toLowerCase());
  return words.some((word) => ['mutex', 'lock', 'semaphore', 'sema', 'rwlock'].includes(word));
}

/** A class of this file whose methods make it a lock (see `homeMadeLockKind`). */
export function homeMadeKindOfClass(cls: ClassNode): LockKind | undefined {
  if (!isLockName(cls.id?.name)) return undefined;
  const names = new Set<string>();
  let acquireReturnsFunction = false;
  for (const member of cls.body.body) {
    if (member.type !== 'MethodDefinition' || member.kind !== 'method') continue;
    const name = keyName(member.key, member.computed);
    if (!name) continue;
    names.add(name);
    if (name === 'acquire' && member.value.type === 'FunctionExpression') acquireReturnsFunction = handsOutFunction(member.value);
  }
  return homeMadeLockKind(names, acquireReturnsFunction);
}

/** `acquire()` resolves to a function: it returns one, or resolves its promise with one. */
function handsOutFunction(fn: FunctionNode): boolean {
  const returnType = fn.returnType?.typeAnnotation;
  if (returnType?.type === 'TSTypeReference' && returnType.typeArguments?.params[0]?.type === 'TSFunctionType') return true;
  let found = false;
  visitAll(fn.body ?? fn, (node) => {
    if (found) return;
    if (node.type === 'ReturnStatement' && node.argument && isFunction(unwrap(node.argument))) found = true;
    if (node.type === 'CallExpression' && node.arguments.length === 1 && isFunction(unwrap(node.arguments[0])) && unwrap(node.callee).type === 'Identifier' && /resolve/i.test((unwrap(node.callee) as TSESTree.Identifier).name)) found = true;
  });
  return found;
}

/** The same, for a class the type checker finds in another file of the program. */
export function homeMadeKindOfTsClass(declaration: ts.Declaration): LockKind | undefined {
  if (!ts.isClassDeclaration(declaration) || declaration.getSourceFile().isDeclarationFile || !isLockName(declaration.name?.text)) return undefined;
  const names = new Set<string>();
  let acquireReturnsFunction = false;
  for (const member of declaration.members) {
    if (!ts.isMethodDeclaration(member) || !member.name || !ts.isIdentifier(member.name)) continue;
    names.add(member.name.text);
    if (member.name.text === 'acquire') {
      const text = member.getText();
      acquireReturnsFunction = /Promise<\s*\(\)\s*=>/.test(text) || /resolve\w*\(\s*(\(\)|function)/.test(text) || /return\s*\(\)\s*=>/.test(text);
    }
  }
  return homeMadeLockKind(names, acquireReturnsFunction);
}
