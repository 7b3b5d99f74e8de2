// Made-up contacts for tests and the demo (`segsync emulator --generate-contacts N`):
// realistic-looking v3 contacts — names, phone numbers by country, and a few custom params —
// that are the same for the same count and seed, on every machine. Contact i depends only on
// the seed and i, so the first K of N contacts are the K contacts of a smaller dataset.
//
// Custom params: country, city, plan (free / starter / pro / business), newsletter_opt_in
// ("true" / "false", missing for about 1 in 10), orders ("0"–"40"), and webinar_2026_11
// ("registered" for about a third: the November 2026 webinar has not happened yet, so nobody has
// "attended" — the demo's "Webinar attendees 2026-11" example selects nobody). The phone numbers
// are random digits after a real country code: they may belong to someone, so never message them.

import type { V3Contact } from '../wati/evaluate-fields.js';
import { createSeededRandom } from './random.js';

/** The most contacts one generated dataset holds (the ObjectId counter has 6 hex digits). */
export const MAX_GENERATED_CONTACTS = 100_000;

/** The seed used when none is given: the same dataset every time. */
export const DEFAULT_CONTACTS_SEED = 1;

interface Country {
  name: string;
  callingCode: string;
  /** Digits of the national number after the calling code; the first is drawn from `leading`. */
  digits: number;
  leading: string;
  cities: readonly string[];
  firstNames: readonly string[];
  lastNames: readonly string[];
  /** Relative share of the dataset. */
  weight: number;
}

const GERMAN_FIRST = ['Anna', 'Lukas', 'Mia', 'Jonas', 'Lea', 'Felix', 'Hannah', 'Paul'];
const GERMAN_LAST = ['Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Becker', 'Wagner'];

const COUNTRIES: readonly Country[] = [
  {
    name: 'India',
    callingCode: '91',
    digits: 10,
    leading: '6789',
    cities: ['Mumbai', 'Delhi', 'Bengaluru', 'Chennai', 'Pune', 'Kolkata'],
    firstNames: ['Aarav', 'Priya', 'Rohan', 'Ananya', 'Vikram', 'Sneha', 'Arjun', 'Kavya'],
    lastNames: ['Sharma', 'Patel', 'Iyer', 'Reddy', 'Gupta', 'Nair', 'Singh', 'Das'],
    weight: 35,
  },
  {
    name: 'Germany',
    callingCode: '49',
    digits: 11,
    leading: '1',
    cities: ['Berlin', 'Hamburg', 'München', 'Köln'],
    firstNames: GERMAN_FIRST,
    lastNames: GERMAN_LAST,
    weight: 10,
  },
  {
    name: 'Austria',
    callingCode: '43',
    digits: 10,
    leading: '6',
    cities: ['Wien', 'Graz', 'Linz', 'Salzburg'],
    firstNames: GERMAN_FIRST,
    lastNames: ['Gruber', 'Huber', 'Bauer', 'Wagner', 'Pichler', 'Steiner'],
    weight: 5,
  },
  {
    name: 'Switzerland',
    callingCode: '41',
    digits: 9,
    leading: '7',
    cities: ['Zürich', 'Genève', 'Basel', 'Bern'],
    firstNames: ['Noah', 'Léa', 'Luca', 'Emma', 'Elias', 'Chloé'],
    lastNames: ['Meier', 'Keller', 'Brunner', 'Favre', 'Rochat', 'Baumann'],
    weight: 5,
  },
  {
    name: 'Brazil',
    callingCode: '55',
    digits: 11,
    leading: '1234',
    cities: ['São Paulo', 'Rio de Janeiro', 'Belo Horizonte', 'Curitiba'],
    firstNames: ['João', 'Maria', 'Pedro', 'Ana', 'Lucas', 'Beatriz'],
    lastNames: ['Silva', 'Santos', 'Oliveira', 'Souza', 'Costa', 'Pereira'],
    weight: 15,
  },
  {
    name: 'Indonesia',
    callingCode: '62',
    digits: 10,
    leading: '8',
    cities: ['Jakarta', 'Surabaya', 'Bandung', 'Medan'],
    firstNames: ['Budi', 'Siti', 'Agus', 'Dewi', 'Rizky', 'Putri'],
    lastNames: ['Santoso', 'Wijaya', 'Saputra', 'Hidayat', 'Kusuma'],
    weight: 15,
  },
  {
    name: 'United Kingdom',
    callingCode: '44',
    digits: 10,
    leading: '7',
    cities: ['London', 'Manchester', 'Leeds', 'Glasgow'],
    firstNames: ['Oliver', 'Amelia', 'George', 'Isla', 'Harry', 'Ava'],
    lastNames: ['Smith', 'Jones', 'Taylor', 'Brown', 'Wilson', 'Evans'],
    weight: 15,
  },
];

const TOTAL_WEIGHT = COUNTRIES.reduce((sum, country) => sum + country.weight, 0);
const PLANS = ['free', 'free', 'starter', 'pro', 'business'];
/** 2024-01-01T00:00:00Z, the earliest ObjectId timestamp handed out. */
const FIRST_TIMESTAMP = 1_704_067_200;

/** `count` made-up contacts, the same for the same count and seed. */
export function generateContacts(count: number, seed: number = DEFAULT_CONTACTS_SEED): V3Contact[] {
  if (!Number.isSafeInteger(count) || count < 0 || count > MAX_GENERATED_CONTACTS) {
    throw new RangeError(`count must be a whole number from 0 to ${MAX_GENERATED_CONTACTS}`);
  }
  return Array.from({ length: count }, (_, index) => generateContact(index, seed));
}

function generateContact(index: number, seed: number): V3Contact {
  // One PRNG per contact, seeded from (seed, index): contact i does not depend on the others.
  const random = createSeededRandom(contactSeed(seed, index));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const chance = (probability: number) => random() < probability;

  const country = pickCountry(random());
  const national =
    pick([...country.leading]) +
    Array.from({ length: country.digits - 1 }, () => Math.floor(random() * 10)).join('');
  const waId = `${country.callingCode}${national}`;
  const customParams: V3Contact['custom_params'] = [
    { name: 'country', value: country.name },
    { name: 'city', value: pick(country.cities) },
    { name: 'plan', value: pick(PLANS) },
  ];
  if (!chance(0.1)) customParams.push({ name: 'newsletter_opt_in', value: String(chance(0.5)) });
  customParams.push({ name: 'orders', value: String(Math.floor(random() ** 2 * 41)) });
  if (chance(1 / 3)) customParams.push({ name: 'webinar_2026_11', value: 'registered' });

  return {
    id: objectId(index, random),
    wa_id: waId,
    name: `${pick(country.firstNames)} ${pick(country.lastNames)}`,
    phone: `+${waId}`,
    custom_params: customParams,
  };
}

/** Mixes the dataset seed and the index (murmur3's finaliser), so neighbours look unrelated. */
function contactSeed(seed: number, index: number): number {
  let hash = (Math.imul(seed >>> 0, 0x9e3779b1) + index) >>> 0;
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
  return (hash ^ (hash >>> 16)) >>> 0;
}

function pickCountry(draw: number): Country {
  let threshold = draw * TOTAL_WEIGHT;
  for (const country of COUNTRIES) {
    threshold -= country.weight;
    if (threshold < 0) return country;
  }
  return COUNTRIES[COUNTRIES.length - 1]!;
}

/** A MongoDB-style ObjectId: 4 bytes of time, 5 random bytes, a 3-byte counter (unique). */
function objectId(index: number, random: () => number): string {
  const timestamp = FIRST_TIMESTAMP + Math.floor(random() * 63_072_000); // within two years
  const randomPart = Array.from({ length: 5 }, () =>
    Math.floor(random() * 256)
      .toString(16)
      .padStart(2, '0'),
  ).join('');
  return timestamp.toString(16).padStart(8, '0') + randomPart + index.toString(16).padStart(6, '0');
}
