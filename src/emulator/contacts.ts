// The emulator's contact dataset in the documented v3 shape, and the one set of rules a dataset
// must follow wherever it comes from (a JSON file, a CSV file, code). Problems are collected with
// their place so a broken file is fixed in one pass; values are never quoted back (contacts are
// personal data).

import type { V3Contact } from '../wati/evaluate-fields.js';
import { OWN_FIELDS } from './matching.js';

export type { V3Contact } from '../wati/evaluate-fields.js';

/** Documented: contact ids are 24-hex-character MongoDB ObjectIds. */
const OBJECT_ID = /^[0-9a-f]{24}$/i;

/** More problems than this are summarised as "and N more". */
const MAX_LISTED_PROBLEMS = 10;

/** Collects located problems and says them as one message. */
export class ProblemList {
  private readonly problems: string[] = [];
  private unlisted = 0;

  add(where: string, problem: string): void {
    if (this.problems.length < MAX_LISTED_PROBLEMS) this.problems.push(`${where}: ${problem}`);
    else this.unlisted += 1;
  }

  get empty(): boolean {
    return this.problems.length === 0;
  }

  /** The problems, one per line, with the count of those not listed. */
  describe(): string {
    const more = this.unlisted > 0 ? [`… and ${this.unlisted} more`] : [];
    return [...this.problems, ...more].map((line) => `  ${line}`).join('\n');
  }
}

/** Where contact `index` is: `at` locates a problem, `ref` names it inside a message. */
export interface ContactPlaces {
  at: (index: number) => string;
  ref: (index: number) => string;
}

/**
 * Checks the rules that hold across a dataset and for each contact's identity and params:
 * a valid ObjectId, unique ids, custom param names that are non-empty, not repeated in one
 * contact and not one of the contact's own fields (which a condition names directly).
 */
export function checkContactRules(
  contacts: readonly V3Contact[],
  places: ContactPlaces,
  problems: ProblemList,
): void {
  const place = places.at;
  const firstIndexOfId = new Map<string, number>();
  contacts.forEach((contact, index) => {
    if (!OBJECT_ID.test(contact.id)) {
      problems.add(place(index), 'id must be a 24-hex-character ObjectId');
    } else {
      const key = contact.id.toLowerCase();
      const first = firstIndexOfId.get(key);
      if (first === undefined) firstIndexOfId.set(key, index);
      else problems.add(place(index), `id repeats the id of ${places.ref(first)}`);
    }
    const seen = new Set<string>();
    for (const { name } of contact.custom_params) {
      if (name === '') problems.add(place(index), 'a custom param has an empty name');
      else if ((OWN_FIELDS as readonly string[]).includes(name)) {
        problems.add(
          place(index),
          `custom param "${name}" has the name of a contact field (${OWN_FIELDS.join(', ')})`,
        );
      } else if (seen.has(name)) problems.add(place(index), `custom param "${name}" is repeated`);
      seen.add(name);
    }
  });
}

const CONTACT_KEYS = [...OWN_FIELDS, 'custom_params'];

/** Contacts located by their index in an array (a JSON file, code). */
export const INDEX_PLACES: ContactPlaces = {
  at: (index) => `contact [${index}]`,
  ref: (index) => `contact [${index}]`,
};

/**
 * Reads contacts from parsed JSON (an array of v3 contacts), adding each problem to `problems`
 * located by index and key. Returns the contacts (meaningful only when no problem was added).
 */
export function contactsFromJson(input: unknown, problems: ProblemList): V3Contact[] {
  const place = INDEX_PLACES.at;
  if (!Array.isArray(input)) {
    problems.add('top level', 'must be a JSON array of contacts');
    return [];
  }
  const contacts = input.map((item: unknown, index) => {
    const where = place(index);
    const contact: V3Contact = { id: '', wa_id: '', name: '', phone: '', custom_params: [] };
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      problems.add(where, 'must be an object { id, wa_id, name, phone, custom_params }');
      return contact;
    }
    const fields = item as Record<string, unknown>;
    for (const key of Object.keys(fields)) {
      if (!CONTACT_KEYS.includes(key)) {
        problems.add(where, `"${key}" is not a contact field (known: ${CONTACT_KEYS.join(', ')})`);
      }
    }
    for (const key of OWN_FIELDS) {
      const value = fields[key];
      if (typeof value === 'string') contact[key] = value;
      else problems.add(where, `"${key}" must be a string`);
    }
    const params = fields.custom_params ?? [];
    if (!Array.isArray(params)) {
      problems.add(where, '"custom_params" must be an array of { name, value }');
      return contact;
    }
    params.forEach((param: unknown, paramIndex) => {
      const at = `${where}.custom_params[${paramIndex}]`;
      const { name, value } = (param ?? {}) as Record<string, unknown>;
      if (typeof name !== 'string') problems.add(at, '"name" must be a string');
      else if (typeof value !== 'string') {
        // Documented: v3 custom param values are strings.
        problems.add(at, '"value" must be a string (write 10 as "10", true as "true")');
      } else contact.custom_params.push({ name, value });
    });
    return contact;
  });
  checkContactRules(contacts, INDEX_PLACES, problems);
  return contacts;
}
