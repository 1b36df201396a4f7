// One lock injected into two objects: a construction that passes one value into two field locks
// (`new Service(lock, new Repo(lock))` for `this.lock` and `this.repo.lock`) makes them one lock
// on the instances built that way. Constructor parameter properties and `this.f = param` count.
import type { TSESTree } from '@typescript-eslint/utils';
import type { SourceSpan } from '../core/model.js';
import type { ClassNode, Owner, Variable } from './facts.js';
import { isSingleAssignment, type FileIndex } from './fileIndex.js';
import type { LockIdentities } from './lockIdentity.js';
import { THIS_ROOT, lockFamily, lockRoot } from './lockKeys.js';
import { className, contains, enclosingClass, propertyName, spanOf, unwrap, visitAll, type Node } from './syntax.js';

export class InjectedLocks {
  constructor(
    private readonly index: FileIndex,
    private readonly identities: LockIdentities,
  ) {}

  sharedInjection(owner: Owner, a: string, b: string): SourceSpan | undefined {
    const cls = owner.type === 'Program' ? undefined : enclosingClass(owner);
    const pathA = cls && injectionPath(a);
    const pathB = cls && injectionPath(b);
    if (!cls || !pathA || !pathB) return undefined;
    for (const construction of this.index.constructions) {
      if (this.index.classOf(construction.callee) !== cls) continue;
      const valueA = this.injectedValue(construction, cls, pathA.fields, pathA.cls, 0);
      if (valueA !== undefined && valueA === this.injectedValue(construction, cls, pathB.fields, pathB.cls, 0)) return spanOf(this.index.file, construction);
    }
    return undefined;
  }

  /**
   * The value a construction puts at a field path of the new object: `lock` of `new Service(lock,
   * …)` when the constructor stores its first parameter in `this.lock`, and through an argument
   * that is itself built here (`repo.lock` of `new Service(…, new Repo(lock))`).
   */
  private injectedValue(construction: TSESTree.NewExpression, cls: ClassNode, fields: readonly string[], lastClass: string, depth: number): string | undefined {
    const index = injectedParameter(cls, fields[0], (identifier) => this.index.variables.get(identifier));
    const argument = index === undefined ? undefined : construction.arguments[index];
    if (!argument || argument.type === 'SpreadElement' || depth > 4) return undefined;
    if (fields.length === 1) return className(cls) === lastClass ? this.identities.valueIdentity(argument, this.index.flow.ownerOf(construction)) : undefined;
    let inner = unwrap(argument);
    if (inner.type === 'Identifier') {
      const variable = this.index.variables.get(inner);
      const definition = variable?.defs[0];
      const init = definition?.type === 'Variable' && isSingleAssignment(variable!) ? (definition.node as TSESTree.VariableDeclarator).init : undefined;
      inner = init ? unwrap(init) : inner;
    }
    const innerClass = inner.type === 'NewExpression' ? this.index.classOf(inner.callee) : undefined;
    return innerClass && this.injectedValue(inner as TSESTree.NewExpression, innerClass, fields.slice(1), lastClass, depth + 1);
  }
}

/** The field path from `this` of a class-field lock key (`this.repo` + `Repo.lock` → `repo.lock`), and the class that declares its last field. */
function injectionPath(key: string): { fields: string[]; cls: string } | undefined {
  const root = lockRoot(key);
  const family = /#([^#.[\]]+)\.([^#.[\]]+)$/.exec(lockFamily(key));
  if (!family || (root !== THIS_ROOT && !root?.startsWith(`${THIS_ROOT}.`))) return undefined;
  return { fields: [...root.split('.').slice(1), family[2]], cls: family[1] };
}

/** The constructor parameter a class stores in field `field`: a parameter property, or `this.field = param`. */
function injectedParameter(cls: ClassNode, field: string, variableOf: (identifier: TSESTree.Identifier) => Variable | undefined): number | undefined {
  const constructor = cls.body.body.find((member): member is TSESTree.MethodDefinition => member.type === 'MethodDefinition' && member.kind === 'constructor');
  if (!constructor) return undefined;
  const params = constructor.value.params;
  const property = params.findIndex((param) => {
    const inner = param.type === 'TSParameterProperty' ? (param.parameter.type === 'AssignmentPattern' ? param.parameter.left : param.parameter) : undefined;
    return inner?.type === 'Identifier' && inner.name === field;
  });
  if (property >= 0) return property;
  let index: number | undefined;
  visitAll(constructor.value.body ?? constructor.value, (node) => {
    if (index !== undefined || node.type !== 'AssignmentExpression' || node.left.type !== 'MemberExpression' || node.left.object.type !== 'ThisExpression') return;
    if (propertyName(node.left) !== field || node.right.type !== 'Identifier') return;
    const definition = variableOf(node.right)?.defs[0];
    if (definition?.type !== 'Parameter' || definition.node !== constructor.value) return;
    const at = params.findIndex((param) => contains(param, definition.name as Node));
    if (at >= 0) index = at;
  });
  return index;
}
