// A tiny seeded PRNG so fault injection is reproducible: the same seed and the same request
// order give the same faults, which turns a flaky-looking failure into a replayable one.

/** Returns a function yielding floats in [0, 1), driven by mulberry32 over a 32-bit seed. */
export function createSeededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
