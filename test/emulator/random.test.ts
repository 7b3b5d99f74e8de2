import { describe, expect, it } from 'vitest';
import { createSeededRandom } from '../../src/emulator/random.js';

function draw(seed: number, count: number): number[] {
  const random = createSeededRandom(seed);
  return Array.from({ length: count }, () => random());
}

describe('createSeededRandom', () => {
  it('repeats its sequence for a seed', () => {
    expect(draw(123, 50)).toEqual(draw(123, 50));
  });

  it('gives another sequence for another seed', () => {
    expect(draw(123, 10)).not.toEqual(draw(124, 10));
  });

  it('stays in [0, 1) and spreads over the range', () => {
    const values = draw(9, 2000);
    expect(values.every((value) => value >= 0 && value < 1)).toBe(true);
    expect(values.filter((value) => value < 0.5).length).toBeGreaterThan(800);
    expect(values.filter((value) => value >= 0.5).length).toBeGreaterThan(800);
  });
});
