// Small type guards for data from outside (parsed JSON and YAML, server answers): one definition
// of "a plain object" for every layer.

/** A non-null object that is not an array: what JSON calls an object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
