// digestOf hashes the canonical JSON in pieces as it is produced (plan holds a 50,000-entry state
// without building its whole text): the pieces must add up to exactly the canonical text.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, digestOf, digestOfSmall } from '../../src/core/canonical-json.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('canonicalJson', () => {
  it('sorts keys, drops undefined members, keeps array order, writes undefined items as null', () => {
    expect(canonicalJson({ b: [3, undefined, 'x'], a: { d: undefined, c: true }, e: null })).toBe(
      '{"a":{"c":true},"b":[3,null,"x"],"e":null}',
    );
  });

  it('gives the same text whatever the key order', () => {
    expect(canonicalJson({ name: 'A', refreshType: 2, groups: [{ b: 1, a: 2 }] })).toBe(
      canonicalJson({ groups: [{ a: 2, b: 1 }], refreshType: 2, name: 'A' }),
    );
  });
});

describe('digestOf', () => {
  it('is the sha256 of the canonical JSON, for small values and for texts of many hash pieces', () => {
    const large: Record<string, unknown> = {};
    for (let i = 0; i < 5000; i++) {
      large[`segment ${5000 - i} "quoted" é`] = { id: `seg-${i}`, tags: [i, `t${i}`, null] };
    }
    const odd = { f: () => 1, u: undefined, list: [undefined, () => 1, 2], s: Symbol('x'), n: 1 };
    for (const value of [{ a: 1 }, 'text', 7, null, [], undefined, odd, large]) {
      const text = canonicalJson(value);
      expect(digestOf(value)).toBe(`sha256:${sha256(text)}`);
      expect(digestOfSmall(value)).toBe(digestOf(value));
    }
    // The large value's text spans several 64 KiB pieces.
    expect(canonicalJson(large).length).toBeGreaterThan(3 * 64 * 1024);
  });
});

describe('digestOfSmall', () => {
  it('equals digestOf for any JSON value, key order and integer-like keys included', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.dictionary(fc.string(), fc.jsonValue()), (value, record) => {
        for (const candidate of [value, record, { '10': record, '9': value }]) {
          expect(digestOfSmall(candidate)).toBe(digestOf(candidate));
          expect(digestOf(candidate)).toBe(`sha256:${sha256(canonicalJson(candidate))}`);
        }
      }),
    );
  });
});
