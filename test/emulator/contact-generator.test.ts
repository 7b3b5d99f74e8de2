// The seeded contact generator behind --generate-contacts and the demo.
import { describe, expect, it } from 'vitest';
import { generateContacts, MAX_GENERATED_CONTACTS } from '../../src/emulator/contact-generator.js';
import { checkContactRules, INDEX_PLACES, ProblemList } from '../../src/emulator/contacts.js';
import type { V3Contact } from '../../src/emulator/contacts.js';

const paramOf = (contact: V3Contact, name: string) =>
  contact.custom_params.find((param) => param.name === name)?.value;

describe('generateContacts', () => {
  it('gives the same contacts for the same count and seed, others for another seed', () => {
    const first = generateContacts(200, 7);
    expect(generateContacts(200, 7)).toEqual(first);
    expect(generateContacts(200, 8)).not.toEqual(first);
  });

  it('makes contact i independent of the count: a smaller dataset is a prefix', () => {
    expect(generateContacts(20, 7)).toEqual(generateContacts(200, 7).slice(0, 20));
  });

  it('keeps the dataset the demo and tests rely on (change it knowingly)', () => {
    // The first contact of the default seed; a change here changes every generated dataset.
    expect(generateContacts(1)).toEqual([
      {
        id: '66d2beb49ce429ccfb000000',
        wa_id: '436412946411',
        name: 'Lukas Gruber',
        phone: '+436412946411',
        custom_params: [
          { name: 'country', value: 'Austria' },
          { name: 'city', value: 'Wien' },
          { name: 'plan', value: 'starter' },
          { name: 'newsletter_opt_in', value: 'true' },
          { name: 'orders', value: '0' },
          { name: 'webinar_2026_11', value: 'registered' },
        ],
      },
    ]);
  });

  it('makes valid v3 contacts: unique ObjectIds, string values, the phone as +wa_id', () => {
    const contacts = generateContacts(500, 3);
    const problems = new ProblemList();
    checkContactRules(contacts, INDEX_PLACES, problems);

    expect(problems.describe()).toBe('');
    for (const contact of contacts) {
      expect(contact.id).toMatch(/^[0-9a-f]{24}$/);
      expect(contact.phone).toBe(`+${contact.wa_id}`);
      expect(contact.wa_id).toMatch(/^\d{10,13}$/);
      expect(contact.name).toMatch(/^\S+ \S+$/);
      for (const param of contact.custom_params) expect(typeof param.value).toBe('string');
    }
  });

  it('spreads realistic params, some missing, and nobody attended the November webinar', () => {
    const contacts = generateContacts(2_000, 3);
    const share = (test: (contact: V3Contact) => boolean) =>
      contacts.filter(test).length / contacts.length;
    const countries = new Set(contacts.map((contact) => paramOf(contact, 'country')));

    expect(countries).toEqual(
      new Set([
        'India',
        'Germany',
        'Austria',
        'Switzerland',
        'Brazil',
        'Indonesia',
        'United Kingdom',
      ]),
    );
    expect(share((contact) => paramOf(contact, 'country') === 'India')).toBeGreaterThan(0.25);
    expect(share((contact) => paramOf(contact, 'newsletter_opt_in') === undefined)).toBeLessThan(
      0.2,
    );
    expect(share((contact) => paramOf(contact, 'newsletter_opt_in') === 'true')).toBeGreaterThan(
      0.3,
    );
    expect(
      share((contact) => paramOf(contact, 'webinar_2026_11') === 'registered'),
    ).toBeGreaterThan(0.2);
    expect(contacts.some((contact) => paramOf(contact, 'webinar_2026_11') === 'attended')).toBe(
      false,
    );
    const orders = contacts.map((contact) => Number(paramOf(contact, 'orders')));
    expect(Math.min(...orders)).toBe(0);
    expect(Math.max(...orders)).toBeLessThanOrEqual(40);
  });

  it('refuses a count out of bounds', () => {
    expect(generateContacts(0)).toEqual([]);
    for (const count of [-1, 1.5, MAX_GENERATED_CONTACTS + 1]) {
      expect(() => generateContacts(count)).toThrow(RangeError);
    }
  });
});
