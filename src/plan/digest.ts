import { createHash } from 'node:crypto';

/**
 * Canonical JSON: object keys sorted, no insignificant whitespace, `undefined` members dropped.
 * Two payloads that mean the same thing to Wati produce the same string whatever their key order.
 */
export function canonicalJson(value: unknown): string {
  const parts: string[] = [];
  writeCanonical(value, (text) => parts.push(text));
  return parts.join('');
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * The digest that identifies a value: sha256 of its canonical JSON, prefixed by the algorithm.
 * The canonical text is hashed in pieces as it is produced, never built whole: for a 50,000-entry
 * state that text is ~40 MB, and building it (with its intermediate strings) doubled the peak
 * memory of `plan`.
 */
export function digestOf(value: unknown): string {
  const hash = createHash('sha256');
  let pending = '';
  writeCanonical(value, (text) => {
    pending += text;
    if (pending.length >= 64 * 1024) {
      hash.update(pending);
      pending = '';
    }
  });
  hash.update(pending);
  return `sha256:${hash.digest('hex')}`;
}

function writeCanonical(value: unknown, write: (text: string) => void): void {
  if (value === null || typeof value !== 'object') {
    write(JSON.stringify(value) ?? 'null');
    return;
  }
  if (Array.isArray(value)) {
    write('[');
    for (let index = 0; index < value.length; index++) {
      if (index > 0) write(',');
      writeCanonical((value[index] as unknown) ?? null, write);
    }
    write(']');
    return;
  }
  const record = value as Record<string, unknown>;
  write('{');
  let first = true;
  for (const key of Object.keys(record).sort()) {
    const member = record[key];
    if (member === undefined) continue;
    if (!first) write(',');
    first = false;
    write(`${JSON.stringify(key)}:`);
    writeCanonical(member, write);
  }
  write('}');
}
