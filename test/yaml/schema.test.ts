// The JSON Schemas are the single source of truth users and editors consume: they must be valid
// draft 2020-12, self-documenting, and agree with their own examples.

import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import type { JsonSchema, SchemaName } from '../../src/yaml/schema-validator.js';
import { ajvOptions, getSchemaValidator, readSchemaText } from '../../src/yaml/schema-validator.js';
import { RULE_HINTS } from '../../src/yaml/schema-errors.js';

const names: SchemaName[] = ['segment', 'config'];

function schemaOf(name: SchemaName): JsonSchema {
  return JSON.parse(readSchemaText(name)) as JsonSchema;
}

/** Every schema that describes a property or a list item, with where it is. */
function documentedSchemas(schema: JsonSchema, at = '#'): Array<[string, JsonSchema]> {
  const found: Array<[string, JsonSchema]> = [];
  const visit = (node: unknown, where: string, describesValue: boolean) => {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return;
    const object = node as JsonSchema;
    if (describesValue) found.push([where, object]);
    for (const [key, child] of Object.entries(object.properties ?? {})) {
      visit(child, `${where}/properties/${key}`, true);
    }
    visit(object.items, `${where}/items`, true);
    for (const [key, child] of Object.entries(object.$defs ?? {}))
      visit(child, `${where}/$defs/${key}`, false);
  };
  visit(schema, at, false);
  return found;
}

describe.each(names)('schemas/%s.schema.json', (name) => {
  const schema = schemaOf(name);

  it('is valid against the draft 2020-12 meta-schema (checked here, skipped at run time)', () => {
    const ajv = new Ajv2020({ ...ajvOptions, keywords: [...ajvOptions.keywords] });
    expect(ajv.validateSchema(schema), JSON.stringify(ajv.errors)).toBe(true);
    expect(() => ajv.compile(schema)).not.toThrow();
  });

  it('has a stable $id and a title and description everywhere editors show help', () => {
    expect(schema.$id).toBe(`https://segsync.dev/schemas/${name}.schema.json`);
    expect(schema.title).toEqual(expect.any(String));
    for (const [where, property] of documentedSchemas(schema)) {
      if (property.$ref !== undefined && Object.keys(property).length === 1) continue;
      expect(property.title, `${where} title`).toEqual(expect.any(String));
      expect(property.description, `${where} description`).toEqual(expect.any(String));
    }
  });

  it('accepts its own examples', () => {
    const ajv = new Ajv2020({ ...ajvOptions, keywords: [...ajvOptions.keywords] });
    ajv.addSchema(schema);
    const withExamples = [
      ['#', schema] as [string, JsonSchema],
      ...documentedSchemas(schema),
    ].filter(([, property]) => Array.isArray(property.examples));
    expect(withExamples.length).toBeGreaterThan(3);
    for (const [where, property] of withExamples) {
      // A JSON-pointer fragment validates against that part of the schema only.
      const check = ajv.getSchema(`${String(schema.$id)}${where}`);
      for (const example of property.examples as unknown[]) {
        expect(check?.(example), `${where} example ${JSON.stringify(example)}`).toBe(true);
      }
    }
  });

  it('names each of its rules with a diagnostic code that has a hint (DiagnosticCode)', () => {
    // A rule's `$anchor` becomes its diagnostic's code; one the code does not know would be
    // reported as the anonymous `schema-rule`, without a hint.
    const anchors = [...readSchemaText(name).matchAll(/"\$anchor":\s*"([^"]+)"/g)].map(
      (match) => match[1],
    );
    for (const anchor of anchors) expect(Object.keys(RULE_HINTS)).toContain(anchor);
  });
});

describe('the segment schema', () => {
  it('documents the canonical form sent to Wati', () => {
    const description = String(schemaOf('segment').description);
    expect(description).toContain('static becomes 1 and dynamic becomes 2');
    expect(description).toContain('`useUploadedContact` is sent only when true');
    expect(description).toContain('keep the order written');
  });

  it('is compiled once and reused', () => {
    expect(getSchemaValidator('segment')).toBe(getSchemaValidator('segment'));
    const { validate } = getSchemaValidator('segment');
    expect(validate({ name: 'VIP', refreshType: 'static', contactIds: ['1'] })).toBe(true);
    expect(validate({ name: 'VIP', refreshType: 'static' })).toBe(false);
  });
});
