// The one place that turns schemas/*.schema.json into validation functions. The built CLI uses
// validators generated at build time (precompiled-validators.ts); from src, each is compiled once,
// on first use, and cached: compiling costs tens of milliseconds, validating a document
// microseconds.

import { readFileSync } from 'node:fs';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import { loadCompiler, precompiled } from './precompiled-validators.js';

/** The schemas segsync validates against at run time (the files in schemas/). */
export type SchemaName = 'segment' | 'config' | 'state';

/** A JSON Schema as parsed from its file; walked by the error translator for titles and rules. */
export type JsonSchema = Record<string, unknown>;

export interface SchemaValidator {
  /** The schema the validator was compiled from (the file's content, untouched). */
  schema: JsonSchema;
  /** True when `data` is valid; otherwise `errors` lists every violation (allErrors). */
  validate: ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };
}

/** Where a schema file lives, both from src/yaml (tests) and dist/yaml or dist/bundle (built). */
export function schemaFileUrl(name: SchemaName): URL {
  return new URL(`../../schemas/${name}.schema.json`, import.meta.url);
}

/** The schema file's text exactly as shipped (what `segsync schema` prints). */
export function readSchemaText(name: SchemaName): string {
  return readFileSync(schemaFileUrl(name), 'utf8');
}

const cache = new Map<SchemaName, SchemaValidator>();

export function getSchemaValidator(name: 'segment' | 'config'): SchemaValidator {
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

function compile(name: 'segment' | 'config'): SchemaValidator {
  const schema = JSON.parse(readSchemaText(name)) as JsonSchema;
  return { schema, validate: precompiled[name] ?? compileAtRunTime(schema) };
}

/** Only where no precompiled validator exists (from src, in tests). */
function compileAtRunTime(schema: JsonSchema): SchemaValidator['validate'] {
  const Ajv = loadCompiler();
  // Checking the schema against the draft 2020-12 meta-schema costs ~100 ms per run; the test
  // suite does it once instead (test/definitions/schema.test.ts).
  const ajv = new Ajv({
    ...ajvOptions,
    keywords: [...ajvOptions.keywords],
    validateSchema: false,
    meta: false,
  });
  return ajv.compile(schema);
}

// ---------------------------------------------------------------------------------------------
// The state file's schema: JSON segsync writes itself, so no source positions and no `verbose`
// error details are needed; a date-time format and a validator for a single entry are.

export interface StateValidators {
  /** A whole state file. */
  state: ValidateFunction;
  /** One entry read back from the journal (`$defs/entry`). */
  entry: ValidateFunction;
}

let stateValidators: StateValidators | undefined;

/** Formats the state schema uses, also given to the build-time compilation. */
export const STATE_FORMATS = {
  // RFC 3339 date-time, which is what `new Date().toISOString()` produces. Registered by hand
  // because ajv-formats is not a dependency and ajv rejects unknown formats in strict mode.
  'date-time': /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/i,
};

export function getStateValidators(): StateValidators {
  if (!stateValidators && precompiled.state && precompiled.stateEntry) {
    stateValidators = { state: precompiled.state, entry: precompiled.stateEntry };
  }
  if (!stateValidators) {
    const schema = JSON.parse(readSchemaText('state')) as object;
    const Ajv = loadCompiler();
    const ajv = new Ajv({ allErrors: true });
    for (const [name, format] of Object.entries(STATE_FORMATS)) ajv.addFormat(name, format);
    ajv.addSchema(schema, 'state');
    stateValidators = {
      state: ajv.compile({ $ref: 'state' }),
      entry: ajv.compile({ $ref: 'state#/$defs/entry' }),
    };
  }
  return stateValidators;
}
