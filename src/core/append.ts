// Appending a list that may be long.

/**
 * Appends `items` to `target` one by one. `target.push(...items)` passes every item as an
 * argument, and V8 throws "Maximum call stack size exceeded" past about 125,000 of them: a crate
 * of generated code can have that many findings of one rule, or notes, or functions in one impl.
 */
export function appendAll<T>(target: T[], items: Iterable<T>): void {
  for (const item of items) target.push(item);
}
