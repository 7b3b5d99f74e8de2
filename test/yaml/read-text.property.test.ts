// readYamlFile reads most files through Node's replacing UTF-8 decoder (fast) and falls back to
// the strict decoder only when the text holds U+FFFD. Whatever the bytes, the outcome must be the
// strict decoder's: the same text, or a not-utf8 error at the same place.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { parseYamlText, readYamlFile } from '../../src/yaml/read.js';
import { decodeUtf8 } from '../../src/yaml/utf8.js';

const dir = mkdtempSync(path.join(tmpdir(), 'segsync-read-text-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What the strict path alone says about `bytes` (decoded, then parsed like any file). */
function strictOutcome(bytes: Uint8Array, file: string) {
  const decoded = decodeUtf8(bytes);
  if (!decoded.ok) return { code: 'not-utf8', line: decoded.line, column: decoded.column };
  return parseYamlText(decoded.text, file).diagnostics.map(({ code, line, column }) => ({
    code,
    line,
    column,
  }));
}

function outcomeOf(file: string) {
  const parsed = readYamlFile(path.join(dir, file), file);
  const notUtf8 = parsed.diagnostics.find((diagnostic) => diagnostic.code === 'not-utf8');
  if (notUtf8) return { code: 'not-utf8', line: notUtf8.line, column: notUtf8.column };
  return parsed.diagnostics.map(({ code, line, column }) => ({ code, line, column }));
}

// Mostly text, with the bytes that matter: a BOM, U+FFFD written out, invalid and truncated
// sequences, UTF-16 byte order marks, newlines before and after.
const piece = fc.oneof(
  fc.string().map((text) => Buffer.from(text, 'utf8')),
  fc.constantFrom(
    Buffer.from([0xef, 0xbb, 0xbf]),
    Buffer.from('\uFFFD', 'utf8'),
    Buffer.from([0xff, 0xfe]),
    Buffer.from([0xc3]),
    Buffer.from([0xed, 0xa0, 0x80]),
    Buffer.from([0x80]),
    Buffer.from('\nname: x\n'),
  ),
);

describe('readYamlFile text decoding', () => {
  it('agrees with the strict decoder on any bytes', () => {
    let index = 0;
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), (pieces) => {
        const bytes = Buffer.concat(pieces);
        const file = `case-${index++}.yaml`;
        writeFileSync(path.join(dir, file), bytes);
        expect(outcomeOf(file)).toEqual(strictOutcome(bytes, file));
      }),
      { numRuns: 300 },
    );
  });

  it('keeps a U+FFFD that was really written', () => {
    writeFileSync(path.join(dir, 'replacement.yaml'), 'name: "a \uFFFD b"\n');
    const parsed = readYamlFile(path.join(dir, 'replacement.yaml'), 'replacement.yaml');
    expect(parsed.diagnostics).toEqual([]);
    expect(parsed.documents[0]?.document.toJS()).toEqual({ name: 'a \uFFFD b' });
  });
});
