// "Did you mean": one rule for every suggestion segsync makes (schema keys and values, attributes,
// environments, segment names): a slip of a few edits is found, case ignored, a swap counted once.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { closest, nearMisses } from '../../src/core/suggest.js';

/** One typing slip in `word` at `index`: a letter dropped, doubled, replaced, or two swapped. */
function slip(word: string, index: number, kind: number): string {
  const i = index % word.length;
  const at = (n: number) => word.slice(0, n);
  switch (kind % 4) {
    case 0:
      return at(i) + word.slice(i + 1);
    case 1:
      return at(i) + word[i]! + word.slice(i);
    case 2:
      return at(i) + (word[i] === 'x' ? 'y' : 'x') + word.slice(i + 1);
    default:
      return i + 1 < word.length ? at(i) + word[i + 1]! + word[i]! + word.slice(i + 2) : word;
  }
}

const word = fc.string({ unit: fc.constantFrom(...'abcdefghij'), minLength: 3, maxLength: 20 });

describe('nearMisses', () => {
  it('ranks closer names first (ties in code unit order) and keeps at most three', () => {
    expect(nearMisses('promo', ['Promo', 'promo1', 'promo12', 'prom', 'unrelated'])).toEqual([
      'Promo',
      'prom',
      'promo1',
    ]);
    expect(nearMisses('Segment 004', ['Segment 003', 'Segment 001', 'Segment 002'], 2)).toEqual([
      'Segment 001',
      'Segment 002',
    ]);
  });

  it('ignores case and counts a swap of two neighbours as one edit', () => {
    expect(nearMisses('customers from india', ['Customers from India'])).toEqual([
      'Customers from India',
    ]);
    expect(nearMisses('nmae', ['name', 'phone'])).toEqual(['name']);
    expect(nearMisses('stagign', ['production', 'staging'])).toEqual(['staging']);
  });

  it('allows a third of the length, at least one edit and at most three', () => {
    expect(nearMisses('ab', ['xy'])).toEqual([]);
    expect(nearMisses('abcde', ['abcxx'])).toEqual([]); // 2 edits in 5 letters: another word
    expect(nearMisses('abcdef', ['abcdxx'])).toEqual(['abcdxx']);
    expect(nearMisses('a'.repeat(30), [`${'a'.repeat(27)}bbb`])).toHaveLength(1);
    expect(nearMisses('a'.repeat(30), [`${'a'.repeat(26)}bbbb`])).toEqual([]);
    expect(nearMisses('a'.repeat(30), ['a'.repeat(34)])).toEqual([]);
  });

  it('finds any single slip of a known word, and never suggests the word itself', () => {
    fc.assert(
      fc.property(word, fc.nat(), fc.nat(), (known, index, kind) => {
        const typed = slip(known, index, kind);
        fc.pre(typed !== known);
        expect(nearMisses(typed, [known, typed])).toEqual([known]);
      }),
    );
  });

  it('suggests only candidates, at most `most`, each within the tolerance', () => {
    fc.assert(
      fc.property(
        word,
        fc.array(word, { maxLength: 8 }),
        fc.integer({ min: 1, max: 4 }),
        (typed, candidates, most) => {
          const found = nearMisses(typed, candidates, most);
          expect(found.length).toBeLessThanOrEqual(most);
          for (const candidate of found) {
            expect(candidates).toContain(candidate);
            expect(candidate).not.toBe(typed);
            expect(Math.abs(candidate.length - typed.length)).toBeLessThanOrEqual(3);
          }
        },
      ),
    );
  });
});

describe('closest', () => {
  it('is the first near miss, or undefined when nothing is close', () => {
    expect(closest('dinamic', ['static', 'dynamic', '1', '2'])).toBe('dynamic');
    expect(closest('loyaltyTier', ['name', 'phone', 'country'])).toBeUndefined();
  });
});
