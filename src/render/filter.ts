// What a create selects, condition by condition, so a reviewer approves the filter itself and not
// a count of conditions. Pure and sink-neutral: lines of plain text that each renderer escapes for
// its own sink. Values appear in their JSON form, exactly as they are sent (`"India"`, `10`,
// `true`), with invisible characters as `\uXXXX` escapes (the JSON sink's inline form). Groups are numbered, never joined with "and"/"or": how Wati combines groups, or the
// conditions of a group, is not documented.

import type { Condition, WatiPayload } from '../core/model.js';
import { jsonInline } from './sinks/json.js';

export interface FilterOptions {
  /** List contact IDs; by default only their count is shown (they are personal data). */
  showContactIds?: boolean;
}

export interface FilterLine {
  /** 0: a heading (`group 1`, `contact IDs: 2`); 1: a condition under its group. */
  depth: 0 | 1;
  text: string;
}

/** Above this many lines a renderer may fold the filter (the PR comment uses `<details>`). */
export const LONG_FILTER_LINES = 8;

export function describeFilter(payload: WatiPayload, options: FilterOptions = {}): FilterLine[] {
  const lines: FilterLine[] = [];
  payload.groups?.forEach((group, index) => {
    lines.push({ depth: 0, text: `group ${index + 1}` });
    for (const condition of group.conditions) {
      lines.push({ depth: 1, text: describeCondition(condition) });
    }
  });
  if (payload.contactIds) {
    const ids = payload.contactIds;
    lines.push({
      depth: 0,
      text: options.showContactIds
        ? `contact IDs (${ids.length}): ${ids.map((id) => jsonInline(id)).join(', ')}`
        : `contact IDs: ${ids.length}, values masked (--show-contact-ids lists them)`,
    });
  }
  if (payload.useUploadedContact) lines.push({ depth: 0, text: 'useUploadedContact: true' });
  return lines;
}

/** `attribute operator value`, the value as sent; attribute and operator quoted when unclear. */
export function describeCondition(condition: Condition): string {
  return [
    asWord(condition.attribute),
    asWord(condition.operator),
    jsonInline(condition.value),
  ].join(' ');
}

/**
 * Shown bare when it reads unambiguously as one word (`country`, `==`, `>=`), else as JSON, so
 * spaces, quotes and invisible characters cannot blur where it starts and ends.
 */
function asWord(text: string): string {
  return /^[\p{L}\p{N}_.]+$/u.test(text) || /^[=!<>~^$*]{1,3}$/.test(text)
    ? text
    : jsonInline(text);
}
