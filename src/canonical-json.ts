// Canonical JSON: the one key-sorted JSON writer, in a compact form (digests, checksums) and an
// indented one (the state file, payload diffs), and the digests built on it.
import { createHash } from 'node:crypto';

/**
 * Object keys sorted (UTF-16 code unit order) at every level, no insignificant whitespace,
 * `undefined` members dropped. Two payloads that mean the same thing to Wati produce the same
 * string whatever their key order.
 */
export function canonicalJson(value: unknown): string {
  return writeSorted(value, undefined) ?? 'null';
}

/**
 * The same order, indented by two spaces per level, as if every nested line started with
 * `indent`. Written by hand rather than by sorting keys and calling JSON.stringify, because
 * JavaScript objects always enumerate integer-like keys ("10", "9") first and in numeric order,
 * which would leave segment names like those unsorted in the state file.
 */
export function prettyCanonicalJson(value: unknown, indent = ''): string {
  return writeSorted(value, indent) ?? 'null';
}

/** `indent` undefined: compact. Returns undefined for a value JSON cannot hold (undefined). */
function writeSorted(value: unknown, indent: string | undefined): string | undefined {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const inner = indent === undefined ? undefined : `${indent}  `;
  const items: string[] = [];
  if (Array.isArray(value)) {
    for (const item of value as unknown[]) items.push(writeSorted(item, inner) ?? 'null');
    return wrap('[', items, ']', indent);
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record).sort()) {
    const member = writeSorted(record[key], inner);
    if (member === undefined) continue;
    items.push(
      indent === undefined
        ? `${JSON.stringify(key)}:${member}`
        : `${JSON.stringify(key)}: ${member}`,
    );
  }
  return wrap('{', items, '}', indent);
}

function wrap(open: string, items: string[], close: string, indent: string | undefined): string {
  if (indent === undefined) return `${open}${items.join(',')}${close}`;
  if (items.length === 0) return `${open}${close}`;
  const inner = `${indent}  `;
  return `${open}\n${inner}${items.join(`,\n${inner}`)}\n${indent}${close}`;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The digest that identifies a payload: sha256 of its canonical JSON, prefixed by the algorithm. */
export function digestOf(value: unknown): string {
  return `sha256:${sha256(canonicalJson(value))}`;
}
