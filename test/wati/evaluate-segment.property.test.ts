// Property: for random contact sets and filters, the preview's count over real HTTP against the
// emulator equals the reference matcher's count (test/emulator/reference-matcher.ts) while it is
// below the page budget, and is the budget, marked inexact, when at least that many match.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Group } from '../../src/core/model.js';
import { systemTiming } from '../../src/core/timing.js';
import { startEmulator } from '../../src/emulator/server.js';
import { createWatiApi } from '../../src/wati/api.js';
import {
  contactsArbitrary,
  groupsArbitrary,
  referenceSelects,
} from '../emulator/reference-matcher.js';
import type { Rules } from '../emulator/reference-matcher.js';

/** The emulator's default rules: AND within a group, OR between groups, case-sensitive. */
const DEFAULT_RULES: Rules = { conditions: 'and', groups: 'or', caseInsensitive: false };
/** 2 pages of 100: small enough for random datasets to cross it often. */
const PAGE_BUDGET = 2;
const BUDGET = PAGE_BUDGET * 100;

/** One negative condition, which selects most contacts: so the budget is crossed often. */
const broadGroups = fc
  .record({
    attribute: fc.constantFrom('country', 'plan', 'name', 'missing'),
    operator: fc.constantFrom('!=', 'notContain', 'notExist'),
    value: fc.constantFrom('India', 'IND', ''),
  })
  .map((condition) => [[condition]]);
const filters = fc.oneof(
  { arbitrary: groupsArbitrary, weight: 2 },
  { arbitrary: broadGroups, weight: 1 },
);

describe('the preview count agrees with the reference matcher', () => {
  it('exact below the budget, "at least the budget" from it on', async () => {
    let crossed = 0;
    await fc.assert(
      fc.asyncProperty(contactsArbitrary(320, 'max'), filters, async (contacts, groups) => {
        const dataset = await startEmulator({ seed: 1, contacts });
        const api = createWatiApi({
          endpoint: `${dataset.url}/123456`,
          token: dataset.token,
          timing: { ...systemTiming, random: () => 0 },
        });
        try {
          const wire: Group[] = groups.map((conditions) => ({ conditions }));
          const expected = contacts.filter((contact) =>
            referenceSelects(contact, groups, DEFAULT_RULES),
          ).length;
          const result = await api.evaluateSegment(wire, { pageBudget: PAGE_BUDGET });
          if (expected < BUDGET) {
            expect(result).toMatchObject({ ok: true, count: expected, exact: true });
          } else {
            crossed++;
            expect(result).toMatchObject({ ok: true, count: BUDGET, exact: false });
          }
          expect(dataset.snapshot().requests.total).toBe(0);
        } finally {
          api.close();
          await dataset.close();
        }
      }),
      { numRuns: 60 },
    );
    // Both sides of the budget were met, or the property proved little.
    expect(crossed).toBeGreaterThan(0);
    expect(crossed).toBeLessThan(60);
  });
});
