// Property: for random contacts, filters and matching rules, the emulator's evaluate over HTTP
// (paged to the end) returns exactly the contacts, in dataset order, that the reference matcher
// (reference-matcher.ts) selects.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/server.js';
import {
  contactsArbitrary,
  groupsArbitrary,
  referenceSelects,
  rulesArbitrary,
} from './reference-matcher.js';
import { evaluate, evaluateAll } from './support.js';

describe('evaluate agrees with the reference matcher', () => {
  it('returns exactly the selected contacts, whatever the page size', async () => {
    await fc.assert(
      fc.asyncProperty(
        contactsArbitrary(60),
        groupsArbitrary,
        rulesArbitrary,
        fc.integer({ min: 1, max: 100 }),
        async (contacts, groups, rules, pageSize) => {
          const emulator = await startEmulator({
            contacts,
            matchConditions: rules.conditions,
            matchGroups: rules.groups,
            caseInsensitive: rules.caseInsensitive,
            evaluateTotal: true,
          });
          try {
            const wire = groups.map((conditions) => ({ conditions }));
            const expected = contacts.filter((contact) => referenceSelects(contact, groups, rules));
            const { contacts: answered } = await evaluateAll(emulator, wire, pageSize);
            expect(answered).toEqual(expected);

            const first = await evaluate(emulator, {
              groups: wire,
              page_number: 1,
              page_size: pageSize,
            });
            expect(first.body?.total).toBe(expected.length);
            expect(emulator.snapshot().segments).toEqual([]);
          } finally {
            await emulator.close();
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
