// The floor for `segsync validate/plan`: the least work any tool must do to check the same
// files — list them, read each, parse it with `yaml`, run the compiled segment schema. Nothing
// else: no line/column tracking, no cross-file rules, no plan, no output beyond one line.
// Usage: node bench/lib/floor.mjs DIR

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
// The exact options segsync compiles the segment schema with (src/yaml/schema-validator.ts),
// imported rather than copied so the floor cannot drift from them.
import { ajvOptions } from '../../dist/yaml/schema-validator.js';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: node bench/lib/floor.mjs DIR\n');
  process.exit(2);
}
const schemaUrl = new URL('../../schemas/segment.schema.json', import.meta.url);
const schema = JSON.parse(readFileSync(schemaUrl, 'utf8'));
// validateSchema/meta off, as segsync's compile() does (the suite checks the schema itself).
const ajv = new Ajv2020({
  ...ajvOptions,
  keywords: [...ajvOptions.keywords],
  validateSchema: false,
  meta: false,
});
const validate = ajv.compile(schema);

let valid = 0;
let invalid = 0;
for (const name of readdirSync(dir).sort()) {
  if (!name.endsWith('.yaml') && !name.endsWith('.yml')) continue;
  const data = parse(readFileSync(path.join(dir, name), 'utf8'));
  if (validate(data)) valid++;
  else invalid++;
}
process.stdout.write(`${valid} valid, ${invalid} invalid\n`);
process.exitCode = invalid === 0 ? 0 : 1;
