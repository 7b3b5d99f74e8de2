// The emulator's matching rules, one by one (segsync's assumptions, not Wati's documentation).
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MATCH_RULES,
  describeMatchRules,
  matchesFilter,
  valueAsText,
} from '../../src/emulator/matching.js';
import type { MatchGroup, MatchRules, Operator } from '../../src/emulator/matching.js';
import type { V3Contact } from '../../src/wati/evaluate-fields.js';

const ANNA: V3Contact = {
  id: '507f1f77bcf86cd799439011',
  wa_id: '4915112345678',
  name: 'Anna Müller',
  phone: '+4915112345678',
  custom_params: [
    { name: 'country', value: 'Germany' },
    { name: 'orders', value: '10' },
    { name: 'newsletter_opt_in', value: 'true' },
    { name: 'nickname', value: '' },
  ],
};

const one = (attribute: string, operator: Operator, value = ''): MatchGroup[] => [
  { conditions: [{ attribute, operator, value }] },
];
const matches = (groups: MatchGroup[], rules: MatchRules = DEFAULT_MATCH_RULES) =>
  matchesFilter(ANNA, groups, rules);

describe('operators on a present attribute', () => {
  it.each([
    ['==', 'Germany', true],
    ['==', 'Germ', false],
    ['!=', 'Germany', false],
    ['!=', 'India', true],
    ['contain', 'erman', true],
    ['contain', 'India', false],
    ['notContain', 'erman', false],
    ['notContain', 'India', true],
    ['exist', '', true],
    ['notExist', '', false],
  ] as const)('country %s %j → %s', (operator, value, expected) => {
    expect(matches(one('country', operator, value))).toBe(expected);
  });
});

describe('a missing attribute', () => {
  it.each([
    ['==', ''],
    ['==', 'x'],
    ['contain', ''],
    ['exist', ''],
  ] as const)('does not match %s %j', (operator, value) => {
    expect(matches(one('city', operator, value))).toBe(false);
  });

  it.each([
    ['!=', 'x'],
    ['!=', ''],
    ['notContain', 'x'],
    ['notExist', ''],
  ] as const)('matches %s %j', (operator, value) => {
    expect(matches(one('city', operator, value))).toBe(true);
  });
});

describe('exist and notExist', () => {
  it('treat an empty value as not existing, whatever the condition value says', () => {
    expect(matches(one('nickname', 'exist', 'ignored'))).toBe(false);
    expect(matches(one('nickname', 'notExist', 'ignored'))).toBe(true);
    expect(matches(one('nickname', '==', ''))).toBe(true);
  });
});

describe("the contact's own fields", () => {
  it.each([
    ['name', 'Anna Müller'],
    ['phone', '+4915112345678'],
    ['wa_id', '4915112345678'],
    ['id', '507f1f77bcf86cd799439011'],
  ])('%s is an attribute', (attribute, value) => {
    expect(matches(one(attribute, '==', value))).toBe(true);
  });

  it('compares attribute names exactly', () => {
    expect(matches(one('Country', '==', 'Germany'))).toBe(false);
    expect(matches(one('Name', 'exist'))).toBe(false);
  });
});

describe('values as text', () => {
  it('writes a number or boolean as its JSON text', () => {
    expect([valueAsText(10), valueAsText(2.5), valueAsText(true), valueAsText('x')]).toEqual([
      '10',
      '2.5',
      'true',
      'x',
    ]);
    expect(matches(one('orders', '==', valueAsText(10)))).toBe(true);
    expect(matches(one('newsletter_opt_in', '==', valueAsText(true)))).toBe(true);
  });

  it('is case-sensitive unless told otherwise', () => {
    const lower = one('country', '==', 'germany');
    const part = one('name', 'contain', 'MÜLLER');
    expect([matches(lower), matches(part)]).toEqual([false, false]);
    const folding = { ...DEFAULT_MATCH_RULES, caseInsensitive: true };
    expect([matches(lower, folding), matches(part, folding)]).toEqual([true, true]);
  });
});

describe('combining conditions and groups', () => {
  const germany = { attribute: 'country', operator: '==' as const, value: 'Germany' };
  const india = { attribute: 'country', operator: '==' as const, value: 'India' };

  it('ANDs conditions and ORs groups by default', () => {
    expect(matches([{ conditions: [germany, india] }])).toBe(false);
    expect(matches([{ conditions: [india] }, { conditions: [germany] }])).toBe(true);
  });

  it('follows the switched rules', () => {
    const orConditions = { ...DEFAULT_MATCH_RULES, conditions: 'or' as const };
    const andGroups = { ...DEFAULT_MATCH_RULES, groups: 'and' as const };
    expect(matches([{ conditions: [germany, india] }], orConditions)).toBe(true);
    expect(matches([{ conditions: [india] }, { conditions: [germany] }], andGroups)).toBe(false);
    expect(matches([{ conditions: [germany] }, { conditions: [germany] }], andGroups)).toBe(true);
  });

  it('selects nobody without groups, whatever the rules', () => {
    expect(matches([])).toBe(false);
    expect(matches([], { conditions: 'or', groups: 'and', caseInsensitive: true })).toBe(false);
  });

  it('says the rules in words', () => {
    expect(describeMatchRules(DEFAULT_MATCH_RULES)).toBe(
      'conditions AND, groups OR, case-sensitive',
    );
  });
});
