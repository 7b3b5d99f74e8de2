/**
 * `target.push(...items)` passes every item as an argument, and a few hundred thousand arguments
 * overflow the call stack (one file with 125,000 contact IDs made that many diagnostics). A loop
 * has no such limit.
 */
export function appendAll<T>(target: T[], items: Iterable<T>): void {
  for (const item of items) target.push(item);
}
