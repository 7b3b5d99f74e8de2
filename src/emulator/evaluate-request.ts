// The checks of a POST /api/ext/v3/segments/evaluate body. Wati documents `groups` (the create
// call's shape) and two paging integers; the field names of those and the 400 body for invalid
// input are not documented. The emulator is strict on purpose: both paging fields are required,
// so a client that misnames them is caught here rather than silently given a default.

import { isRecord } from '../core/guards.js';
import {
  EVALUATE_MAX_PAGE_SIZE,
  EVALUATE_MIN_PAGE_SIZE,
  EVALUATE_PAGE_FIELDS,
} from '../wati/evaluate-fields.js';
import { OPERATORS, VALUELESS_OPERATORS, valueAsText } from './matching.js';
import type { MatchCondition, MatchGroup, Operator } from './matching.js';

export interface EvaluateRequest {
  groups: MatchGroup[];
  pageNumber: number;
  pageSize: number;
}

export type EvaluateRequestCheck =
  { ok: true; request: EvaluateRequest } | { ok: false; message: string };

/** Parses and checks a raw request body, returning the request or the first rule it breaks. */
export function checkEvaluateRequest(rawBody: string): EvaluateRequestCheck {
  let body: unknown;
  try {
    body = JSON.parse(rawBody);
  } catch {
    return invalid('Request body is not valid JSON');
  }
  if (!isRecord(body)) return invalid('Request body must be a JSON object');

  const pageNumber = body[EVALUATE_PAGE_FIELDS.number];
  if (!Number.isSafeInteger(pageNumber) || (pageNumber as number) < 1) {
    return invalid(`${EVALUATE_PAGE_FIELDS.number} must be a whole number, 1 or more`);
  }
  const pageSize = body[EVALUATE_PAGE_FIELDS.size];
  if (
    !Number.isSafeInteger(pageSize) ||
    (pageSize as number) < EVALUATE_MIN_PAGE_SIZE ||
    (pageSize as number) > EVALUATE_MAX_PAGE_SIZE
  ) {
    return invalid(
      `${EVALUATE_PAGE_FIELDS.size} must be a whole number from ${EVALUATE_MIN_PAGE_SIZE} to ${EVALUATE_MAX_PAGE_SIZE}`,
    );
  }

  // Documented: empty or missing groups answer an empty page.
  const groups = body.groups ?? [];
  if (!Array.isArray(groups)) return invalid('groups must be an array of { conditions: [...] }');
  const checked: MatchGroup[] = [];
  for (const [groupIndex, group] of groups.entries()) {
    const where = `groups[${groupIndex}]`;
    if (!isRecord(group) || !Array.isArray(group.conditions)) {
      return invalid(`${where} must be an object with a conditions array`);
    }
    if (group.conditions.length === 0) return invalid(`${where}.conditions is empty`);
    const conditions: MatchCondition[] = [];
    for (const [conditionIndex, condition] of group.conditions.entries()) {
      const parsed = checkCondition(condition, `${where}.conditions[${conditionIndex}]`);
      if (typeof parsed === 'string') return invalid(parsed);
      conditions.push(parsed);
    }
    checked.push({ conditions });
  }
  return {
    ok: true,
    request: {
      groups: checked,
      pageNumber: pageNumber as number,
      pageSize: pageSize as number,
    },
  };
}

/** The condition as the matcher takes it, or the problem with it. */
function checkCondition(condition: unknown, where: string): MatchCondition | string {
  if (!isRecord(condition)) return `${where} must be an object { attribute, operator, value }`;
  const { attribute, operator, value } = condition;
  if (typeof attribute !== 'string' || attribute === '') {
    return `${where}.attribute must be a non-empty string`;
  }
  if (typeof operator !== 'string' || !(OPERATORS as readonly string[]).includes(operator)) {
    return `${where}.operator must be one of ${OPERATORS.join(', ')}`;
  }
  if (VALUELESS_OPERATORS.has(operator)) {
    return { attribute, operator: operator as Operator, value: '' };
  }
  if (typeof value !== 'string' && typeof value !== 'boolean' && !isFiniteNumber(value)) {
    return `${where}.value must be a string, a number or true/false`;
  }
  return { attribute, operator: operator as Operator, value: valueAsText(value) };
}

function invalid(message: string): EvaluateRequestCheck {
  return { ok: false, message };
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
