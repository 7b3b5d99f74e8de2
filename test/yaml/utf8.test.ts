// Strict UTF-8: the hand-written scan that locates the first bad byte must agree with the
// platform decoder about what is valid, byte for byte.

import { describe, expect, it } from 'vitest';
import { decodeUtf8, firstInvalidUtf8Offset } from '../../src/yaml/utf8.js';

const bytes = (...values: number[]) => Uint8Array.from(values);

describe('firstInvalidUtf8Offset', () => {
  it.each([
    ['a lone continuation byte', bytes(0x41, 0x80), 1],
    ['a lead byte followed by ASCII', bytes(0x41, 0xc3, 0x28), 1],
    ['an overlong two-byte form', bytes(0xc0, 0xaf), 0],
    ['an overlong three-byte form', bytes(0xe0, 0x80, 0xaf), 0],
    ['a UTF-16 surrogate', bytes(0x41, 0x42, 0xed, 0xa0, 0x80), 2],
    ['a code point above U+10FFFF', bytes(0xf4, 0x90, 0x80, 0x80), 0],
    ['a sequence cut off at the end', bytes(0x41, 0xe2, 0x82), 1],
    ['a byte that never occurs in UTF-8', bytes(0x41, 0xff), 1],
  ])('finds %s', (_label, input, expected) => {
    expect(firstInvalidUtf8Offset(input)).toBe(expected);
  });

  it('accepts ASCII, multi-byte and four-byte characters', () => {
    expect(firstInvalidUtf8Offset(new TextEncoder().encode('name: café ～ 😀\n'))).toBe(-1);
  });

  it('agrees with the fatal TextDecoder on random bytes', () => {
    // A fixed-seed generator: the same bytes on every run.
    let seed = 0x2545f491;
    const next = () => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) & 0xff;
    };
    const decoder = new TextDecoder('utf-8', { fatal: true });
    const outcomes = { valid: 0, invalid: 0 };
    for (let sample = 0; sample < 2000; sample++) {
      // Mostly ASCII with some high bytes, so that valid multi-byte sequences also occur.
      const input = Uint8Array.from({ length: 1 + (next() % 12) }, () => {
        const byte = next();
        return byte < 128 ? byte : 0x80 | (byte & 0x7f) | (next() < 64 ? 0x40 : 0);
      });
      let decoderAccepts = true;
      try {
        decoder.decode(input);
      } catch {
        decoderAccepts = false;
      }
      expect(firstInvalidUtf8Offset(input) === -1, Buffer.from(input).toString('hex')).toBe(
        decoderAccepts,
      );
      outcomes[decoderAccepts ? 'valid' : 'invalid']++;
    }
    // Both kinds of input were exercised, not just one.
    expect(outcomes.valid).toBeGreaterThan(200);
    expect(outcomes.invalid).toBeGreaterThan(200);
  });
});

describe('decodeUtf8', () => {
  it('drops a leading byte order mark', () => {
    expect(decodeUtf8(bytes(0xef, 0xbb, 0xbf, 0x61))).toEqual({ ok: true, text: 'a' });
  });

  it('locates the first bad byte by line and column, counting characters', () => {
    const input = Buffer.concat([Buffer.from('a: 1\nb: é', 'utf8'), bytes(0xc3, 0x28)]);
    expect(decodeUtf8(input)).toEqual({ ok: false, line: 2, column: 5, utf16: false });
  });
});
