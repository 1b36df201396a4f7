// Loading a module on first use. ESLint imports the plugin at every start, in every project, but
// only a project with TS files needs TypeScript and only one with Rust files needs tree-sitter:
// each costs a second or more to load. ESLint's hooks (a rule's `create`, a language's `parse`) are
// synchronous, so the module is required synchronously: Node ≥ 20.19 loads ES modules through
// `require`, and returns the same instance an `import` of it made.
import { createRequire } from 'node:module';

/** `() => module`, loading `specifier` (resolved from the module at `from`) on the first call. */
export function loadLazily<Module>(specifier: string, from: string): () => Module {
  const require = createRequire(from);
  let loaded: Module | undefined;
  return () => (loaded ??= require(specifier) as Module);
}
