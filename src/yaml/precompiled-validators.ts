// Validators for schemas/*.schema.json compiled ahead of time. Run from src (the tests), this
// stand-in holds none and the callers compile the schemas with ajv at run time, with the compiler
// it loads. `npm run build` (scripts/build.mjs) writes ajv standalone code for the same schemas
// and options over its compiled form in dist/, with every validator and no compiler, so the CLI
// neither loads ajv's compiler nor compiles a schema at start — and its bundle has no compiler
// to load (the published package has no node_modules to load one from).
import { createRequire } from 'node:module';
import type { Ajv2020, ValidateFunction } from 'ajv/dist/2020.js';

export interface PrecompiledValidators {
  segment: ValidateFunction;
  config: ValidateFunction;
  state: ValidateFunction;
  stateEntry: ValidateFunction;
}

export const precompiled: Partial<PrecompiledValidators> = {};

/** ajv's compiler, for the schemas `precompiled` lacks; loaded on first use. */
export function loadCompiler(): typeof Ajv2020 {
  const ajv = createRequire(import.meta.url)('ajv/dist/2020.js') as { Ajv2020: typeof Ajv2020 };
  return ajv.Ajv2020;
}
