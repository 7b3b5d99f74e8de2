// Canonical JSON: the one key-sorted JSON writer, in a compact form (digests, checksums) and an
// indented one (the state file, payload diffs), and the digests built on it.
import type * as NodeCrypto from 'node:crypto';
import { createRequire } from 'node:module';

let crypto: typeof NodeCrypto | undefined;

/**
 * node:crypto, loaded on the first digest: `validate` makes none, and loading the module costs
 * every start ~2 ms.
 */
function nodeCrypto(): typeof NodeCrypto {
  crypto ??= createRequire(import.meta.url)('node:crypto') as typeof NodeCrypto;
  return crypto;
}

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
  return nodeCrypto().hash('sha256', text);
}

/**
 * The digest that identifies a value: sha256 of its canonical JSON, prefixed by the algorithm.
 * The compact canonical text is hashed in 64 KiB pieces as it is produced, never built whole:
 * for a 50,000-entry state it is ~40 MB, and building it (with every intermediate string)
 * doubled the peak memory of `plan`. Same text as `canonicalJson`, piece by piece.
 */
export function digestOf(value: unknown): string {
  const hash = nodeCrypto().createHash('sha256');
  let pending = '';
  const write = (text: string) => {
    pending += text;
    if (pending.length >= 64 * 1024) {
      hash.update(pending);
      pending = '';
    }
  };
  if (!writeCompact(value, write)) write('null');
  hash.update(pending);
  return `sha256:${hash.digest('hex')}`;
}

/**
 * `digestOf` for a value whose canonical text is small enough to build whole (a segment payload:
 * at most a few megabytes, even with a large contact list). Same digest; building the text with
 * `canonicalJson` and hashing it in one call measured 2–3× faster than the streaming writer
 * while the code is still cold, which is how `plan` meets its first thousand payloads.
 */
export function digestOfSmall(value: unknown): string {
  return `sha256:${sha256(canonicalJson(value))}`;
}

/** `writeSorted(value, undefined)` as a stream of pieces; false for a value JSON cannot hold. */
function writeCompact(value: unknown, write: (text: string) => void): boolean {
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value) as string | undefined;
    if (text === undefined) return false;
    write(text);
    return true;
  }
  if (Array.isArray(value)) {
    write('[');
    let first = true;
    for (const item of value as unknown[]) {
      if (!first) write(',');
      first = false;
      if (!writeCompact(item, write)) write('null');
    }
    write(']');
    return true;
  }
  const record = value as Record<string, unknown>;
  write('{');
  let first = true;
  for (const key of Object.keys(record).sort()) {
    const member = record[key];
    // Exactly the members JSON.stringify cannot write (writeSorted skips them too).
    if (member === undefined || typeof member === 'function' || typeof member === 'symbol')
      continue;
    write(first ? `${JSON.stringify(key)}:` : `,${JSON.stringify(key)}:`);
    first = false;
    writeCompact(member, write);
  }
  write('}');
  return true;
}
