// The state file's schema check: schemas/state.schema.json (compiled by the one validator
// module, src/yaml/schema-validator.ts) plus the rule a schema cannot express (an entry's payload
// name equals its key), worded as "<json path>: <what is wrong>".
import type { ErrorObject } from 'ajv/dist/2020.js';
import type { State, StateEntry } from '../core/model.js';
import { isRecord } from '../core/guards.js';
import { getStateValidators } from '../yaml/schema-validator.js';
import { segmentIdProblem } from '../core/segment-id.js';

/** Readable problems ("<json path>: <what is wrong>") of a parsed state file; empty when valid. */
export function schemaProblems(data: unknown): string[] {
  const validate = getStateValidators().state;
  if (!validate(data)) return describeErrors(validate.errors ?? [], data, '$');
  const problems: string[] = [];
  for (const [name, entry] of Object.entries((data as State).segments)) {
    if (entry.payload.name !== name) {
      problems.push(
        `${jsonPath('$', ['segments', name, 'payload', 'name'])}: must equal the segment's key ${JSON.stringify(name)}`,
      );
    }
  }
  return problems;
}

/** Problems of one entry about to be recorded under `name`; empty when valid. */
export function entryProblems(name: string, entry: unknown): string[] {
  const validate = getStateValidators().entry;
  const base = jsonPath('$', ['segments', name]);
  if (!validate(entry)) return describeErrors(validate.errors ?? [], entry, base);
  const payloadName = (entry as StateEntry).payload.name;
  return payloadName === name ? [] : [`${base}.payload.name: must equal the segment's key`];
}

function describeErrors(errors: ErrorObject[], data: unknown, root: string): string[] {
  const seen = new Set<string>();
  const problems: string[] = [];
  for (const error of errors) {
    // "must match "then" schema" only repeats the problems already reported inside `then`.
    if (error.keyword === 'if') continue;
    const segments = pointerSegments(error.instancePath, data);
    const problem = `${jsonPath(root, segments)}: ${describeError(error, () => valueAt(data, segments))}`;
    if (seen.has(problem)) continue;
    seen.add(problem);
    problems.push(problem);
  }
  return problems;
}

function describeError(error: ErrorObject, value: () => unknown): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return `missing required property ${JSON.stringify(params.missingProperty)}`;
    case 'additionalProperties':
      return `unknown property ${JSON.stringify(params.additionalProperty)}`;
    case 'const':
      return `must be ${JSON.stringify(params.allowedValue)}`;
    case 'enum':
      return `must be one of ${(params.allowedValues as unknown[]).map((value) => JSON.stringify(value)).join(', ')}`;
    case 'type':
      return `must be ${article(String(params.type))}`;
    case 'format':
      return `must be a ${String(params.format)} such as 2026-01-31T09:00:00.000Z`;
    case 'minLength':
      return params.limit === 1 ? 'must not be empty' : (error.message ?? 'is invalid');
    case 'pattern': {
      if (error.instancePath.endsWith('/digest')) {
        return 'must be "sha256:" followed by 64 lowercase hex digits';
      }
      const id = value();
      // The id itself is never quoted: it is what failed the check for being unsafe to show.
      if (error.instancePath.endsWith('/id') && typeof id === 'string') {
        return `is not a usable segment id: ${segmentIdProblem(id) ?? 'it does not match the id rule'}`;
      }
      return `must match ${String(params.pattern)}`;
    }
    default:
      return error.message ?? 'is invalid';
  }
}

function valueAt(data: unknown, segments: readonly (string | number)[]): unknown {
  let node = data;
  for (const segment of segments) {
    node =
      isRecord(node) || Array.isArray(node)
        ? (node as Record<string, unknown>)[String(segment)]
        : undefined;
  }
  return node;
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/** Splits an ajv instancePath (a JSON Pointer) into keys and array indexes, guided by the data. */
function pointerSegments(pointer: string, data: unknown): (string | number)[] {
  if (pointer === '') return [];
  const segments: (string | number)[] = [];
  let node: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const segment = Array.isArray(node) ? Number(key) : key;
    segments.push(segment);
    node =
      isRecord(node) || Array.isArray(node) ? (node as Record<string, unknown>)[key] : undefined;
  }
  return segments;
}

/** `$.segments["VIP Customers"].payload.groups[0]`: readable, and unambiguous for any name. */
function jsonPath(root: string, segments: (string | number)[]): string {
  let path = root;
  for (const segment of segments) {
    if (typeof segment === 'number') path += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(segment)) path += `.${segment}`;
    else path += `[${JSON.stringify(segment)}]`;
  }
  return path;
}
