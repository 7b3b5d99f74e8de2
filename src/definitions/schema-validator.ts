// The one place that turns schemas/*.schema.json into validation functions. Each validator is
// compiled once, on first use, and cached: compiling costs tens of milliseconds, validating a
// document microseconds. A precompiled (ajv standalone) validator can replace the body of
// `compile` without touching any caller.

import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject } from 'ajv/dist/2020.js';

export type SchemaName = 'segment' | 'config';

/** A JSON Schema as parsed from its file; walked by the error translator for titles and rules. */
export type JsonSchema = Record<string, unknown>;

export interface SchemaValidator {
  /** The schema the validator was compiled from (the file's content, untouched). */
  schema: JsonSchema;
  /** True when `data` is valid; otherwise `errors` lists every violation (allErrors). */
  validate: ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };
}

/** Where a schema file lives, both from src/definitions (tests) and dist/definitions (built). */
export function schemaFileUrl(name: SchemaName): URL {
  return new URL(`../../schemas/${name}.schema.json`, import.meta.url);
}

/** The schema file's text exactly as shipped (what `segsync schema` prints). */
export function readSchemaText(name: SchemaName): string {
  return readFileSync(schemaFileUrl(name), 'utf8');
}

const cache = new Map<SchemaName, SchemaValidator>();

export function getSchemaValidator(name: SchemaName): SchemaValidator {
  let validator = cache.get(name);
  if (!validator) {
    validator = compile(name);
    cache.set(name, validator);
  }
  return validator;
}

export function getSegmentValidator(): SchemaValidator {
  return getSchemaValidator('segment');
}

export function getConfigValidator(): SchemaValidator {
  return getSchemaValidator('config');
}

/** Options shared by the runtime validators and the test that checks the schemas themselves. */
export const ajvOptions = {
  // Report every problem of a document, not just the first.
  allErrors: true,
  // A condition's `value` is string | number | boolean.
  allowUnionTypes: true,
  // Errors carry the schema object that failed (`parentSchema`): titles, allowed keys, rules and
  // messages are read from it. Costs nothing while documents are valid.
  verbose: true,
  // Annotations ajv must accept: yaml-language-server's custom pattern message, and `$anchor`
  // (standard draft 2020-12, used to name rules, but reported unknown by ajv's strict mode).
  keywords: ['patternErrorMessage', 'markdownDescription', '$anchor'],
} as const;

function compile(name: SchemaName): SchemaValidator {
  const schema = JSON.parse(readSchemaText(name)) as JsonSchema;
  // Checking the schema against the draft 2020-12 meta-schema costs ~100 ms per run; the test
  // suite does it once instead (test/definitions/schema.test.ts).
  const ajv = new Ajv2020({
    ...ajvOptions,
    keywords: [...ajvOptions.keywords],
    validateSchema: false,
    meta: false,
  });
  return { schema, validate: ajv.compile(schema) };
}
