import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_SEGMENT_ID_LENGTH,
  boundSegmentId,
  segmentIdProblem,
} from '../../src/wati/segment-id.js';

describe('boundSegmentId', () => {
  it('keeps an id that fits unchanged', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: MAX_SEGMENT_ID_LENGTH / 2, unit: 'binary' }), (id) => {
        // At most two UTF-16 units per code point: never longer than the bound.
        expect(boundSegmentId(id)).toBe(id);
      }),
    );
  });

  it('cuts a longer id to at most 256 characters: a prefix of it, then how much was elided', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: MAX_SEGMENT_ID_LENGTH + 1, maxLength: 5_000, unit: 'binary' }),
        (id) => {
          const bounded = boundSegmentId(id);
          expect(bounded.length).toBeLessThanOrEqual(MAX_SEGMENT_ID_LENGTH);
          const match = /… \((\d+) more characters elided\)$/.exec(bounded);
          expect(match).not.toBeNull();
          const kept = bounded.slice(0, match!.index);
          expect(id.startsWith(kept)).toBe(true);
          expect(kept.length + Number(match![1])).toBe(id.length);
          // A surrogate pair is never split at the cut.
          const last = kept.charCodeAt(kept.length - 1);
          const next = id.charCodeAt(kept.length);
          expect(last >= 0xd800 && last <= 0xdbff && next >= 0xdc00 && next <= 0xdfff).toBe(false);
        },
      ),
    );
  });
});

describe('segmentIdProblem', () => {
  it('accepts real-looking ids', () => {
    for (const id of ['seg-1', '6543a1b2c3d4e5f6a7b8c9d0', '123456', 'Ségment_ü']) {
      expect(segmentIdProblem(id)).toBeUndefined();
    }
  });

  it('refuses every id with a control, invisible or bidi character', () => {
    const hostile = fc.constantFrom(
      '\u0000',
      '\n',
      '\r',
      '\u001b',
      '\u007f',
      '\u009b',
      '\u200b',
      '\u200e',
      '\u202e',
      '\u2066',
      '\u2028',
      '\ufeff',
      '\ud800',
    );
    fc.assert(
      fc.property(
        fc.string({ maxLength: 20 }),
        hostile,
        fc.string({ maxLength: 20 }),
        (a, h, b) => {
          expect(segmentIdProblem(`x${a}${h}${b}x`)).toBeDefined();
        },
      ),
    );
  });
});
