// Validators for schemas/*.schema.json compiled ahead of time. Run from src (the tests), this
// stand-in holds none and the callers compile the schemas with ajv at run time. `npm run build`
// (scripts/build.mjs) writes ajv standalone code for the same schemas and options over its
// compiled form in dist/, so the CLI neither loads ajv's compiler nor compiles a schema at start.
import type { ValidateFunction } from 'ajv/dist/2020.js';

export interface PrecompiledValidators {
  segment: ValidateFunction;
  config: ValidateFunction;
  state: ValidateFunction;
  stateEntry: ValidateFunction;
}

export const precompiled: Partial<PrecompiledValidators> = {};
