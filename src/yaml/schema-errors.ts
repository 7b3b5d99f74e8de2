// ajv's errors → diagnostics a non-programmer understands, located in the YAML file.
// ajv reports one problem several ways (if/then + anyOf + required, two patterns on one empty
// value...); this module keeps one diagnostic per problem.

import type { ErrorObject } from 'ajv/dist/2020.js';
import { isRecord } from '../core/guards.js';
import type { Diagnostic, SchemaRuleCode } from '../core/model.js';
import { closest } from '../core/suggest.js';
import type { LocatableDocument } from './locate.js';
import { locate, locateKey, parseJsonPointer, scalarSourceAt } from './locate.js';
import type { JsonSchema } from './schema-validator.js';

export interface ExplainContext {
  loaded: LocatableDocument;
  /** The validated data (the document's `toJS()`). */
  data: unknown;
  /** What the whole document is, in words: "segment definition", "configuration". */
  subject: string;
  /** The segment name, when known, copied to every diagnostic. */
  segment?: string;
  /**
   * Whether messages may quote the offending value. Off for configuration, where a value in the
   * wrong place could be a pasted API token.
   */
  echoValues: boolean;
}

/**
 * What to suggest when a rule (an if/then in `$defs`) fails, keyed by the rule's name (its
 * `$anchor`, which is also the diagnostic's code): every named rule has one.
 */
export const RULE_HINTS: Record<Exclude<SchemaRuleCode, 'schema-rule'>, string> = {
  'dynamic-needs-groups':
    'Add `groups:` with at least one condition, or make it a static segment (`refreshType: static`) with `contactIds:`.',
  'static-needs-contacts-or-groups':
    'Add `contactIds:` (ids in quotes), `contactIdsFile:` (a CSV list) or `groups:` with at least one condition.',
};

/** Singular names for the items of lists and maps, to say "condition 2 in group 1". */
const ITEM_NAMES: Record<string, string> = {
  groups: 'group',
  conditions: 'condition',
  contactIds: 'contact id',
  operators: 'operator',
  attributes: 'attribute',
  include: 'include entry',
  environments: 'environment',
};

/** Keys whose values are maps of user-chosen names (`environments: { prod: ... }`). */
const NAMED_ENTRIES = new Set(['environments']);

/** Keywords that judge one value; only the most telling one per value is reported. */
const VALUE_KEYWORD_PRIORITY: Record<string, number> = {
  type: 0,
  const: 1,
  enum: 1,
  minLength: 1,
  minItems: 1,
  minimum: 1,
  maximum: 1,
  pattern: 2,
  maxLength: 3,
  maxItems: 3,
};

export function explainSchemaErrors(
  errors: readonly ErrorObject[],
  context: ExplainContext,
): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const explainedValues = new Set<string>();
  const ordered = errors
    .map((error, order) => ({ error, order }))
    .sort((a, b) => priorityOf(a.error) - priorityOf(b.error) || a.order - b.order);
  for (const { error } of ordered) {
    if (isInsideRule(error) || error.keyword === 'propertyNames') continue; // reported via `if`
    const isValueProblem = error.keyword in VALUE_KEYWORD_PRIORITY && !error.propertyName;
    if (isValueProblem) {
      if (explainedValues.has(error.instancePath)) continue;
      explainedValues.add(error.instancePath);
    }
    const diagnostic = explain(error, context);
    diagnostics.push(
      context.segment === undefined ? diagnostic : { ...diagnostic, segment: context.segment },
    );
  }
  return diagnostics;
}

function priorityOf(error: ErrorObject): number {
  return VALUE_KEYWORD_PRIORITY[error.keyword] ?? 0;
}

/** Errors from inside a rule's `then` repeat what the rule's own `if` error says. */
function isInsideRule(error: ErrorObject): boolean {
  return error.schemaPath.includes('/then/') || error.schemaPath.endsWith('/then');
}

type Explained = Omit<Diagnostic, 'severity'>;

function explain(error: ErrorObject, context: ExplainContext): Diagnostic {
  return { severity: 'error', ...explainOne(error, context) };
}

function explainOne(error: ErrorObject, context: ExplainContext): Explained {
  const path = parseJsonPointer(error.instancePath);
  const value = valueAt(context.data, path);
  const where = (anchor: 'value' | 'key' | 'mapping' = 'value') =>
    locate(context.loaded, error.instancePath, anchor);
  const params = error.params as Record<string, unknown>;
  const subjectPhrase = phraseFor(path, context.subject);

  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const allowed = Object.keys(propertiesOf(error.parentSchema));
      const suggestion = closest(key, allowed);
      // A long key where values must not be echoed may be a pasted secret: do not repeat it.
      const shown = context.echoValues || key.length <= 32 ? ` \`${key}\`` : '';
      return {
        code: 'unknown-key',
        message: `${capitalise(subjectPhrase)} has an unknown key${shown}.`,
        ...locateKey(context.loaded, error.instancePath, key),
        hint: [
          suggestion ? `Did you mean \`${suggestion}\`?` : undefined,
          allowed.length > 0 ? `The keys allowed here are: ${allowed.join(', ')}.` : undefined,
        ]
          .filter(Boolean)
          .join(' '),
      };
    }
    case 'required': {
      const key = String(params.missingProperty);
      const propertySchema = propertiesOf(error.parentSchema)[key];
      const example = firstScalarExample(propertySchema);
      return {
        code: 'missing-key',
        message: `${capitalise(subjectPhrase)} is missing \`${key}\`.`,
        ...where('mapping'),
        hint:
          example === undefined
            ? `Add \`${key}:\` to it.`
            : `Add it, for example \`${key}: ${example}\`.`,
      };
    }
    case 'if':
      return explainRule(error, context);
    case 'type':
      return explainType(error, context, path, value, subjectPhrase);
    case 'enum':
    case 'const': {
      const allowed = (
        error.keyword === 'enum' ? (params.allowedValues as unknown[]) : [params.allowedValue]
      ).map((item) => String(item));
      const suggestion = typeof value === 'string' ? closest(value, allowed) : undefined;
      return {
        code: 'invalid-value',
        message: `${capitalise(subjectPhrase)} must be ${orList(allowed)}${
          context.echoValues && isScalarValue(value) ? `, not ${JSON.stringify(value)}` : ''
        }.`,
        ...where(),
        hint: suggestion ? `Did you mean \`${suggestion}\`?` : `Use one of: ${allowed.join(', ')}.`,
      };
    }
    case 'minLength':
      return {
        code: 'empty-value',
        message: `${capitalise(subjectPhrase)} is empty.`,
        ...where(),
        hint: isIndex(path.at(-1))
          ? 'Fill it in, or remove the list item.'
          : 'Write a value, or remove the key if it is optional.',
      };
    case 'maxLength':
      return {
        code: 'too-long',
        message: `${capitalise(subjectPhrase)} is ${[...String(value)].length} characters long; the limit is ${String(params.limit)}.`,
        ...where(),
        hint: 'Shorten it.',
      };
    case 'minItems':
      return {
        code: 'empty-list',
        message: `${capitalise(subjectPhrase)} is an empty list.`,
        ...where(),
        hint: 'List at least one item, or remove the key if it is optional.',
      };
    case 'minimum':
    case 'maximum':
      return {
        code: 'out-of-range',
        message: `${capitalise(subjectPhrase)} must be ${error.keyword === 'minimum' ? 'at least' : 'at most'} ${String(params.limit)}.`,
        ...where(),
      };
    case 'pattern': {
      const message = patternMessage(error.parentSchema);
      if (error.propertyName !== undefined) {
        return {
          code: 'invalid-format',
          message:
            message ?? `The name \`${error.propertyName}\` in ${subjectPhrase} is not allowed.`,
          ...locateKey(context.loaded, error.instancePath, error.propertyName),
        };
      }
      return {
        code: 'invalid-format',
        message: message ?? `${capitalise(subjectPhrase)} is not written in the expected form.`,
        ...where(),
      };
    }
    default:
      // Not used by segsync's schemas today; still worded for people, never raw ajv output.
      return {
        code: 'invalid-value',
        message: `${capitalise(subjectPhrase)} is not valid here.`,
        ...where(),
      };
  }
}

function explainType(
  error: ErrorObject,
  context: ExplainContext,
  path: readonly string[],
  value: unknown,
  subjectPhrase: string,
): Explained {
  const types = String((error.params as { type: unknown }).type).split(',');
  const expected = types.map((type) =>
    type === 'boolean' && types.length > 1 ? 'true/false' : describeType(type),
  );
  const where = locate(context.loaded, error.instancePath);
  if (path.length === 0) {
    return {
      code: 'not-a-mapping',
      message: `A ${context.subject} must be a mapping of keys (\`key: value\` lines), but this document is ${describeValue(value)}.`,
      ...where,
      hint: 'Write one `key: value` per line; separate several documents with a line `---`.',
    };
  }
  if (value === null) {
    const key = path.at(-1) ?? '';
    return {
      code: 'missing-value',
      message: `${capitalise(subjectPhrase)} has no value.`,
      ...where,
      hint: isIndex(key)
        ? 'Fill in the empty `-` list item, or remove it.'
        : `Write a value after \`${key}:\`, or remove the line if it is optional.`,
    };
  }
  // Numbers are shown as written (`012345`, `.inf`), text in quotes.
  const shown =
    typeof value === 'string'
      ? JSON.stringify(value)
      : (scalarSourceAt(context.loaded, error.instancePath) ?? JSON.stringify(value));
  return {
    code: 'wrong-type',
    message: `${capitalise(subjectPhrase)} must be ${orList(expected)}, but it is ${describeValue(value)}${
      context.echoValues && isScalarValue(value) ? ` (${shown})` : ''
    }.`,
    ...where,
    ...typeHint(types, value),
  };
}

/** What to do about a value of the wrong type, when there is an obvious fix. */
function typeHint(types: readonly string[], value: unknown): { hint?: string } {
  const accepts = (type: string) => types.includes(type);
  if (typeof value === 'number' && !Number.isFinite(value)) {
    return { hint: 'Write a finite number, or put the value in quotes to make it text.' };
  }
  if (accepts('boolean') && types.length === 1 && typeof value === 'string') {
    return { hint: 'Write true or false, without quotes (YAML reads yes/no/on/off as text).' };
  }
  const isNumber = typeof value === 'number' && !accepts('number') && !accepts('integer');
  const isBoolean = typeof value === 'boolean' && !accepts('boolean');
  if (accepts('string') && (isNumber || isBoolean)) {
    return { hint: 'Put the value in quotes to make it text.' };
  }
  if (accepts('integer') && typeof value === 'number') return { hint: 'Write a whole number.' };
  return {};
}

function explainRule(error: ErrorObject, context: ExplainContext): Explained {
  const rule = error.parentSchema;
  // Rules name themselves with `$anchor` (`segment.schema.json#dynamic-needs-groups`).
  const name = typeof rule?.$anchor === 'string' ? rule.$anchor : 'schema-rule';
  const code: SchemaRuleCode = Object.hasOwn(RULE_HINTS, name)
    ? (name as keyof typeof RULE_HINTS)
    : 'schema-rule';
  // Point at the property that makes the rule apply (refreshType), not at the whole document.
  const trigger = Object.keys(propertiesOf(asSchema(rule?.if)))[0];
  const location = trigger
    ? locate(context.loaded, `${error.instancePath}/${trigger}`)
    : locate(context.loaded, error.instancePath, 'mapping');
  const description = typeof rule?.description === 'string' ? rule.description : undefined;
  const hint = code === 'schema-rule' ? undefined : RULE_HINTS[code];
  return {
    code,
    message: description ?? `This ${context.subject} breaks the rule "${name}".`,
    ...location,
    ...(hint ? { hint } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Words.

/** "`operator` of condition 2 in group 1", "contact id 3", "the segment definition". */
export function phraseFor(path: readonly string[], subject: string): string {
  if (path.length === 0) return `the ${subject}`;
  const containers: string[] = [];
  for (let i = 0; i + 1 < path.length; i++) {
    const key = path[i] ?? '';
    const next = path[i + 1] ?? '';
    const item = ITEM_NAMES[key];
    if (item && NAMED_ENTRIES.has(key)) {
      containers.push(`${item} "${next}"`);
      i++;
    } else if (item && isIndex(next)) {
      containers.push(`${item} ${Number(next) + 1}`);
      i++;
    }
  }
  const last = path.at(-1) ?? '';
  const beforeLast = path.at(-2) ?? '';
  const lastIsItem =
    ITEM_NAMES[beforeLast] !== undefined && (NAMED_ENTRIES.has(beforeLast) || isIndex(last));
  const head = lastIsItem ? containers.pop() : `\`${last}\``;
  const context = containers.reverse();
  if (context.length === 0) return head ?? `\`${last}\``;
  return `${head} ${lastIsItem ? 'in' : 'of'} ${context.join(' in ')}`;
}

function isIndex(segment: string | undefined): boolean {
  return segment !== undefined && /^\d+$/.test(segment);
}

function describeType(type: string): string {
  switch (type) {
    case 'string':
      return 'text';
    case 'number':
      return 'a number';
    case 'integer':
      return 'a whole number';
    case 'boolean':
      return 'true or false';
    case 'array':
      return 'a list';
    case 'object':
      return 'a mapping (`key: value` lines)';
    default:
      return type;
  }
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'empty';
  if (typeof value === 'string') return 'text';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return 'not a finite number';
    return Number.isInteger(value) ? 'a number' : 'a number with decimals';
  }
  if (Array.isArray(value)) return 'a list';
  if (Object.getPrototypeOf(value) === Object.prototype) return 'a mapping';
  return 'a special YAML value (such as binary data or a set)';
}

function isScalarValue(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function orList(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

export function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

// ---------------------------------------------------------------------------------------------
// Data and schema lookups (error path only). Schema objects come from ajv's `parentSchema`
// (verbose errors), which stays right even where ajv compiled a `$ref` as a separate function
// and the error's schemaPath became relative to it.

function valueAt(data: unknown, path: readonly string[]): unknown {
  let current = data;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    if (!Object.prototype.hasOwnProperty.call(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

function asSchema(value: unknown): JsonSchema | undefined {
  return isRecord(value) ? value : undefined;
}

function propertiesOf(schema: unknown): Record<string, JsonSchema> {
  const properties = asSchema(asSchema(schema)?.properties);
  return (properties ?? {}) as Record<string, JsonSchema>;
}

function firstScalarExample(schema: JsonSchema | undefined): string | undefined {
  const examples = schema?.examples;
  const first: unknown = Array.isArray(examples) ? examples[0] : undefined;
  return typeof first === 'string' || typeof first === 'number' || typeof first === 'boolean'
    ? String(first)
    : undefined;
}

/** The schema's own words for a failed pattern (`patternErrorMessage`, also shown by editors). */
function patternMessage(schema: unknown): string | undefined {
  const message = asSchema(schema)?.patternErrorMessage;
  return typeof message === 'string' ? message : undefined;
}
