// Which contacts a filter selects, for the emulator's evaluate endpoint. Pure: no I/O.
//
// EVERY RULE HERE IS segsync's ASSUMPTION, NOT DOCUMENTED BY WATI. Wati documents the shape of a
// filter ({ groups: [{ conditions: [{ attribute, operator, value }] }] }) and the `==` operator;
// how conditions and groups combine, the other operators and how values compare are not
// documented. The assumptions (the common convention; the operator names are those of Wati's
// older contact filter API), each switchable where the issue asked:
// - conditions in a group combine with AND, groups with OR (`conditions` / `groups` rules);
// - operators `==`, `!=`, `contain`, `notContain`, `exist`, `notExist`; any other is invalid
//   input (the request checker refuses it before matching);
// - an attribute is a custom param (by its exact name) or one of the contact's own fields
//   (`id`, `wa_id`, `name`, `phone`); attribute names are compared exactly;
// - values are compared as text: a number or boolean by its JSON text (10 → "10", true → "true"),
//   case-sensitive unless `caseInsensitive`;
// - a missing attribute matches `!=`, `notContain` and `notExist` only;
// - `exist` means present and non-empty (its `value` is ignored); `notExist` is its opposite.
// The README's emulator section and `segsync emulator --help` repeat this list: keep them in step.

import type { V3Contact } from '../wati/evaluate-fields.js';

export const OPERATORS = ['==', '!=', 'contain', 'notContain', 'exist', 'notExist'] as const;
export type Operator = (typeof OPERATORS)[number];

/** Operators whose `value` is ignored (and may be left out). */
export const VALUELESS_OPERATORS: ReadonlySet<string> = new Set<Operator>(['exist', 'notExist']);

/** The contact's own fields that a condition may name, beside its custom params. */
export const OWN_FIELDS = ['id', 'wa_id', 'name', 'phone'] as const;

export type Combination = 'and' | 'or';

export interface MatchRules {
  /** How the conditions of one group combine. */
  conditions: Combination;
  /** How the groups of a filter combine. */
  groups: Combination;
  caseInsensitive: boolean;
}

export const DEFAULT_MATCH_RULES: MatchRules = {
  conditions: 'and',
  groups: 'or',
  caseInsensitive: false,
};

export interface MatchCondition {
  attribute: string;
  operator: Operator;
  /** The value as text (see valueAsText); ignored by exist / notExist. */
  value: string;
}

export interface MatchGroup {
  conditions: MatchCondition[];
}

/** A condition's value as the text it is compared as: 10 → "10", true → "true". */
export function valueAsText(value: string | number | boolean): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The contact's value of an attribute as text, or undefined when it has none. */
export function attributeOf(contact: V3Contact, attribute: string): string | undefined {
  if ((OWN_FIELDS as readonly string[]).includes(attribute)) {
    return contact[attribute as (typeof OWN_FIELDS)[number]];
  }
  return contact.custom_params.find((param) => param.name === attribute)?.value;
}

/** Whether a contact is selected by the filter. No groups selects nobody (documented). */
export function matchesFilter(
  contact: V3Contact,
  groups: readonly MatchGroup[],
  rules: MatchRules,
): boolean {
  if (groups.length === 0) return false;
  const groupMatches = (group: MatchGroup) =>
    combine(group.conditions, rules.conditions, (condition) =>
      matchesCondition(attributeOf(contact, condition.attribute), condition, rules),
    );
  return combine(groups, rules.groups, groupMatches);
}

function combine<T>(items: readonly T[], how: Combination, test: (item: T) => boolean): boolean {
  return how === 'and' ? items.every(test) : items.some(test);
}

function matchesCondition(
  actual: string | undefined,
  condition: MatchCondition,
  rules: MatchRules,
): boolean {
  const present = actual !== undefined;
  const fold = (text: string) => (rules.caseInsensitive ? text.toLowerCase() : text);
  const have = present ? fold(actual) : '';
  const want = fold(condition.value);
  switch (condition.operator) {
    case '==':
      return present && have === want;
    case '!=':
      return !present || have !== want;
    case 'contain':
      return present && have.includes(want);
    case 'notContain':
      return !present || !have.includes(want);
    case 'exist':
      return present && actual !== '';
    case 'notExist':
      return !present || actual === '';
  }
}

/** The rules in words, e.g. "conditions AND, groups OR, case-sensitive". */
export function describeMatchRules(rules: MatchRules): string {
  const sensitivity = rules.caseInsensitive ? 'case-insensitive' : 'case-sensitive';
  return `conditions ${rules.conditions.toUpperCase()}, groups ${rules.groups.toUpperCase()}, ${sensitivity}`;
}
