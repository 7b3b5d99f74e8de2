// For any attribute, operator and value, the filter line shows exactly what is sent (its value
// reads back as the same JSON value) and no character that could drive a terminal or break the
// PR comment's table reaches either sink.

import fc from 'fast-check';
import { expect, it } from 'vitest';
import type { WatiPayload } from '../../src/core/model.js';
import { computePlan } from '../../src/plan/compute.js';
import { describeCondition } from '../../src/render/filter.js';
import { renderPlanMarkdown } from '../../src/render/markdown.js';
import { renderPlanText } from '../../src/render/text.js';
import { definition, stateOf } from '../helpers/builders.js';

const UNSAFE_CHARACTER =
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

const text = fc.string({ unit: 'binary', maxLength: 30 });
const value = fc.oneof(
  text,
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
);

function planFor(attribute: string, operator: string, conditionValue: string | number | boolean) {
  const payload: WatiPayload = {
    name: 'Property',
    refreshType: 2,
    groups: [{ conditions: [{ attribute, operator, value: conditionValue }] }],
  };
  return computePlan({
    segments: [definition(payload)],
    validationDiagnostics: [],
    state: stateOf(),
  });
}

it('shows the value as the JSON that is sent', () => {
  fc.assert(
    fc.property(value, (conditionValue) => {
      const line = describeCondition({ attribute: 'a', operator: '==', value: conditionValue });
      expect(line.startsWith('a == ')).toBe(true);
      expect(JSON.parse(line.slice('a == '.length))).toStrictEqual(
        JSON.parse(JSON.stringify(conditionValue)),
      );
    }),
    { numRuns: 1000 },
  );
});

it('lets no unsafe character into the text plan or the PR comment, and keeps the table whole', () => {
  fc.assert(
    fc.property(text, text, value, (attribute, operator, conditionValue) => {
      const plan = planFor(attribute, operator, conditionValue);
      const filterLines = renderPlanText(plan)
        .split('\n')
        .filter((line) => line.startsWith('        '));
      expect(filterLines).toHaveLength(1);
      for (const line of filterLines) expect(line).not.toMatch(UNSAFE_CHARACTER);
      const row = renderPlanMarkdown(plan)
        .split('\n')
        .find((line) => line.startsWith('| Property |'));
      expect(row).toBeDefined();
      expect(row).not.toMatch(UNSAFE_CHARACTER);
      expect(row?.replace(/\\\|/g, '').split('|')).toHaveLength(5);
    }),
    { numRuns: 500 },
  );
});
