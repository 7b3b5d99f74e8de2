// Types for run-time-loads.mjs, used by scripts/build.mjs and by test/packaging.test.ts.

export interface MetafileOutputs {
  outputs: Record<string, { imports: { path: string; external?: boolean }[] }>;
}

export function runTimePackageLoads(
  metafile: MetafileOutputs,
  readOutput: (output: string) => string,
): string[];
