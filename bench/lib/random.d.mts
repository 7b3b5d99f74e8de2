// Types for random.mjs, used by the kill test (TypeScript) as well as the bench scripts.

export function createRandom(seed: number): () => number;
export function randomInt(random: () => number, min: number, max: number): number;
export function pick<T>(random: () => number, items: readonly T[]): T;
