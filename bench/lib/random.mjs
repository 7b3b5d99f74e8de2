// A seeded PRNG (mulberry32) so generated definitions and kill points are reproducible: the same
// seed gives the same files and the same kill delays, which turns a failure into a replayable one.

/** The emulator's mulberry32 (the bench runs against dist/, built by `npm ci`). */
export { createSeededRandom as createRandom } from '../../dist/emulator/random.js';

/** A whole number in [min, max], both included. */
export function randomInt(random, min, max) {
  return min + Math.floor(random() * (max - min + 1));
}

export function pick(random, items) {
  return items[Math.floor(random() * items.length)];
}
