// Types for definitions.mjs, used by the --push-state tests (TypeScript).

export function generateDefinitions(dir: string, count: number, seed?: number): Promise<string[]>;
