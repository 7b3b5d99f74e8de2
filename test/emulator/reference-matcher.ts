// A reference matcher for the emulator's evaluate, written from the rules as stated in the README,
// independently of src/emulator/matching.ts, as plainly as possible; and generators of contacts and
// filters for property tests (test/emulator/evaluate.property.test.ts, and the preview count in
// test/wati/evaluate-segment.property.test.ts).
import fc from 'fast-check';
import type { V3Contact } from '../../src/emulator/server.js';

type Value = string | number | boolean;
export interface Condition {
  attribute: string;
  operator: string;
  value: Value;
}
export interface Rules {
  conditions: 'and' | 'or';
  groups: 'and' | 'or';
  caseInsensitive: boolean;
}

// ---------------------------------------------------------------------------------------------
// The reference matcher.

/** What each operator says when the contact has no such attribute. */
const WHEN_MISSING: Record<string, boolean> = {
  '==': false,
  '!=': true,
  contain: false,
  notContain: true,
  exist: false,
  notExist: true,
};

export function referenceSelects(contact: V3Contact, groups: Condition[][], rules: Rules): boolean {
  if (groups.length === 0) return false;
  const groupResults = groups.map((group) => {
    const results = group.map((condition) => referenceCondition(contact, condition, rules));
    return rules.conditions === 'and' ? !results.includes(false) : results.includes(true);
  });
  return rules.groups === 'and' ? !groupResults.includes(false) : groupResults.includes(true);
}

function referenceCondition(contact: V3Contact, condition: Condition, rules: Rules): boolean {
  let actual: string | undefined;
  if (['id', 'wa_id', 'name', 'phone'].includes(condition.attribute)) {
    actual = contact[condition.attribute as 'id' | 'wa_id' | 'name' | 'phone'];
  } else {
    for (const param of contact.custom_params) {
      if (param.name === condition.attribute) actual = param.value;
    }
  }
  if (actual === undefined) return WHEN_MISSING[condition.operator]!;
  let wanted = String(condition.value); // String(10) === "10", String(true) === "true"
  if (rules.caseInsensitive) {
    actual = actual.toLowerCase();
    wanted = wanted.toLowerCase();
  }
  if (condition.operator === '==') return actual === wanted;
  if (condition.operator === '!=') return actual !== wanted;
  if (condition.operator === 'contain') return actual.includes(wanted);
  if (condition.operator === 'notContain') return !actual.includes(wanted);
  if (condition.operator === 'exist') return actual.length > 0;
  return actual.length === 0; // notExist
}

// ---------------------------------------------------------------------------------------------
// Generators: small pools, so that conditions often hit, miss, and differ only by case.

const TEXTS = ['India', 'india', 'IND', 'Ind', '', '10', 'true', '+49'];
const PARAM_NAMES = ['country', 'plan', 'orders', 'Country'];
// Custom params twice over: they carry most of the interesting values.
const ATTRIBUTES = [...PARAM_NAMES, ...PARAM_NAMES, 'name', 'phone', 'wa_id', 'id', 'missing'];
const OPERATORS = Object.keys(WHEN_MISSING);

/**
 * Up to `maxLength` contacts with ids in dataset order; `size: 'max'` spreads the lengths over the
 * whole range instead of fast-check's default bias towards short arrays.
 */
export const contactsArbitrary = (maxLength: number, size?: fc.SizeForArbitrary) =>
  fc
    .array(
      fc.record({
        name: fc.constantFrom(...TEXTS),
        phone: fc.constantFrom('+49', '+4910', '', '+91'),
        params: fc.uniqueArray(
          fc.record({ name: fc.constantFrom(...PARAM_NAMES), value: fc.constantFrom(...TEXTS) }),
          { selector: (param) => param.name, maxLength: PARAM_NAMES.length },
        ),
      }),
      { maxLength, ...(size === undefined ? {} : { size }) },
    )
    .map((people) =>
      people.map((person, index): V3Contact => ({
        id: index.toString(16).padStart(24, '0'),
        wa_id: person.phone.slice(1),
        name: person.name,
        phone: person.phone,
        custom_params: person.params,
      })),
    );

const conditionArbitrary: fc.Arbitrary<Condition> = fc.record({
  attribute: fc.constantFrom(...ATTRIBUTES),
  operator: fc.constantFrom(...OPERATORS),
  value: fc.oneof(
    { arbitrary: fc.constantFrom(...TEXTS), weight: 4 },
    fc.constantFrom(10, 0, 49),
    fc.boolean(),
  ),
});

// Half the filters are one condition, so each operator's own answer decides often.
export const groupsArbitrary = fc.oneof(
  conditionArbitrary.map((condition) => [[condition]]),
  fc.array(fc.array(conditionArbitrary, { minLength: 1, maxLength: 3 }), { maxLength: 3 }),
);

export const rulesArbitrary: fc.Arbitrary<Rules> = fc.record({
  conditions: fc.constantFrom('and' as const, 'or' as const),
  groups: fc.constantFrom('and' as const, 'or' as const),
  caseInsensitive: fc.boolean(),
});
