// The one segment id check, for ids from a server, from `--id` and from a state file: printable
// ones are kept as they are, anything carrying control, bidirectional or invisible characters, or
// longer than 256 code points, is refused without being echoed; the state schema says the same.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import {
  checkSegmentId,
  MAX_SEGMENT_ID_LENGTH,
  SEGMENT_ID_PATTERN,
  segmentIdProblem,
} from '../../src/core/segment-id.js';

/** Printable ASCII without the space: what Wati's ids are made of, and more. */
const printableId = fc.string({
  unit: fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code)),
  minLength: 1,
  maxLength: MAX_SEGMENT_ID_LENGTH,
});

// Written out here rather than derived from the module's pattern, so the test can disagree with it.
const HIDDEN = [
  ...Array.from({ length: 0x20 }, (_, code) => code), // C0 controls, tab and newline included
  0x7f, // DEL
  ...Array.from({ length: 0x20 }, (_, i) => 0x80 + i), // C1 controls
  0x00a0, // no-break space
  0x00ad, // soft hyphen
  0x061c, // Arabic letter mark
  0x200b, // zero-width space
  0x200d, // zero-width joiner
  0x200e, // left-to-right mark
  0x200f, // right-to-left mark
  0x2028, // line separator
  0x2029, // paragraph separator
  ...Array.from({ length: 5 }, (_, i) => 0x202a + i), // bidi embeddings and overrides
  ...Array.from({ length: 4 }, (_, i) => 0x2066 + i), // bidi isolates
  0xfeff, // byte order mark
  0xe000, // private use
  0xd800, // lone surrogate
  0x3164, // Hangul filler (renders as nothing)
  0x2003, // em space
  0x3000, // ideographic space
];

function refusal(id: string): UserError {
  try {
    checkSegmentId(id, 'VIP');
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return error as UserError;
  }
  throw new Error(`expected ${JSON.stringify(id)} to be refused`);
}

describe('checkSegmentId', () => {
  it('keeps every printable id as it is, whitespace around it removed', () => {
    fc.assert(
      fc.property(printableId, fc.constantFrom('', ' ', '\n', '\t '), (id, padding) => {
        expect(checkSegmentId(`${padding}${id}${padding}`, 'VIP')).toBe(id);
      }),
    );
  });

  it('keeps printable non-ASCII letters and inner spaces', () => {
    expect(checkSegmentId('Sëgment 42', 'VIP')).toBe('Sëgment 42');
  });

  it('refuses a hidden character anywhere inside, naming its code point and not echoing it', () => {
    fc.assert(
      fc.property(printableId, printableId, fc.constantFrom(...HIDDEN), (before, after, code) => {
        const hidden = String.fromCharCode(code);
        const error = refusal(`${before}${hidden}${after}`);
        const name = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
        expect(error.message).toContain(name);
        expect(error.message).toContain(`at character ${[...before].length + 1}`);
        expect(error.message).not.toContain(hidden);
      }),
    );
  });

  it('refuses an empty id and one longer than the limit, counted in code points', () => {
    expect(refusal('   ').message).toContain('it is empty');
    const long = refusal('a'.repeat(MAX_SEGMENT_ID_LENGTH + 1));
    expect(long.message).toContain(`${MAX_SEGMENT_ID_LENGTH + 1} characters long`);
    // 256 characters outside the BMP are 512 UTF-16 units, and still accepted.
    expect(checkSegmentId('😀'.repeat(MAX_SEGMENT_ID_LENGTH), 'VIP')).toHaveLength(
      2 * MAX_SEGMENT_ID_LENGTH,
    );
    expect(checkSegmentId('é'.repeat(MAX_SEGMENT_ID_LENGTH), 'VIP')).toHaveLength(
      MAX_SEGMENT_ID_LENGTH,
    );
  });
});

describe('one rule for every source', () => {
  const schema = JSON.parse(
    readFileSync(new URL('../../schemas/state.schema.json', import.meta.url), 'utf8'),
  ) as {
    $defs: { createdEntry: { properties: { id: { pattern: string } } } };
  };
  const pattern = new RegExp(SEGMENT_ID_PATTERN, 'u');

  it('the state schema describes ids with the same pattern', () => {
    expect(schema.$defs.createdEntry.properties.id.pattern).toBe(SEGMENT_ID_PATTERN);
  });

  it('the pattern and segmentIdProblem agree on any string', () => {
    const anyId = fc.oneof(
      fc.string({ maxLength: 300, unit: 'binary' }),
      fc.string({ maxLength: 300, unit: 'grapheme' }),
      fc
        .tuple(printableId, fc.constantFrom(...HIDDEN), printableId)
        .map(([a, code, b]) => `${a}${String.fromCharCode(code)}${b}`),
      fc.constantFrom(' x', 'x ', 'a b', '😀'.repeat(256), '😀'.repeat(257)),
    );
    fc.assert(
      fc.property(anyId, (id) => {
        expect(pattern.test(id)).toBe(segmentIdProblem(id) === undefined);
      }),
    );
  });
});
