// `segsync emulator --contacts FILE`: JSON and CSV datasets, and every problem located.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readContactsFile } from '../../src/emulator/contacts-file.js';
import { FILE_KINDS } from '../../src/files/read.js';
import { UserError } from '../../src/core/errors.js';

let directory: string;
beforeEach(() => {
  directory = mkdtempSync(path.join(tmpdir(), 'segsync-contacts-'));
});
afterEach(() => rmSync(directory, { recursive: true, force: true }));

function file(name: string, content: string | Buffer): string {
  const where = path.join(directory, name);
  writeFileSync(where, content);
  return where;
}

/** The UserError message readContactsFile throws for `where`. */
function problemOf(where: string): string {
  try {
    readContactsFile(where);
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return (error as UserError).message;
  }
  throw new Error(`${where} was accepted`);
}

const ID_A = '507f1f77bcf86cd799439011';
const ID_B = '507f1f77bcf86cd799439012';
const ANNA = {
  id: ID_A,
  wa_id: '4915112345678',
  name: 'Anna Müller',
  phone: '+4915112345678',
  custom_params: [{ name: 'country', value: 'Germany' }],
};

describe('JSON contacts', () => {
  it('reads an array of v3 contacts, custom_params optional', () => {
    const where = file(
      'contacts.json',
      JSON.stringify([ANNA, { id: ID_B, wa_id: '91', name: '', phone: '+91' }]),
    );
    expect(readContactsFile(where)).toEqual([
      ANNA,
      { id: ID_B, wa_id: '91', name: '', phone: '+91', custom_params: [] },
    ]);
  });

  it('locates a syntax error by line and column', () => {
    const where = file('contacts.json', '[\n  {"id": "x",}\n]');
    expect(problemOf(where)).toMatch(/contacts\.json:2:\d+: not valid JSON/);
  });

  it('locates each broken contact by index and key, without quoting values', () => {
    const where = file(
      'contacts.json',
      JSON.stringify([
        ANNA,
        { ...ANNA, id: ID_B, phone: 4915112345678 },
        { ...ANNA, id: ID_A },
        { ...ANNA, id: 'not-an-object-id' },
        { ...ANNA, id: ID_B.replace('2', '3'), email: 'anna@example.com' },
        { ...ANNA, id: ID_B.replace('2', '4'), custom_params: [{ name: 'orders', value: 10 }] },
        { ...ANNA, id: ID_B.replace('2', '5'), custom_params: [{ name: 'phone', value: '1' }] },
        {
          ...ANNA,
          id: ID_B.replace('2', '6'),
          custom_params: [
            { name: 'plan', value: 'a' },
            { name: 'plan', value: 'b' },
          ],
        },
        'Anna',
      ]),
    );
    const message = problemOf(where);

    expect(message).toContain('contact [1]: "phone" must be a string');
    expect(message).toContain('contact [2]: id repeats the id of contact [0]');
    expect(message).toContain('contact [3]: id must be a 24-hex-character ObjectId');
    expect(message).toContain('contact [4]: "email" is not a contact field');
    expect(message).toContain(
      'contact [5].custom_params[0]: "value" must be a string (write 10 as "10"',
    );
    expect(message).toContain('contact [6]: custom param "phone" has the name of a contact field');
    expect(message).toContain('contact [7]: custom param "plan" is repeated');
    expect(message).toContain('contact [8]: must be an object');
    // Contacts are personal data: a problem names the place, never the value.
    expect(message).not.toMatch(/Anna|4915112345678|example\.com/);
  });

  it('refuses anything but an array', () => {
    expect(problemOf(file('contacts.json', JSON.stringify({ contacts: [ANNA] })))).toContain(
      'top level: must be a JSON array of contacts',
    );
  });

  it('lists ten problems and counts the rest', () => {
    const broken = Array.from({ length: 14 }, () => ({ ...ANNA, id: 'x' }));
    const message = problemOf(file('contacts.json', JSON.stringify(broken)));

    expect(message.match(/must be a 24-hex/g)).toHaveLength(10);
    expect(message).toContain('… and 4 more');
  });
});

describe('CSV contacts', () => {
  it('reads contact fields and custom param columns; an empty cell is no param', () => {
    const where = file(
      'contacts.csv',
      '\uFEFFid,wa_id,name,phone,country,city\r\n' +
        `${ID_A},4915112345678,"Müller, Anna",+4915112345678,Germany,\r\n` +
        '\r\n' +
        `${ID_B},919876543210,Priya Sharma,+919876543210,India,Pune\r\n`,
    );

    expect(readContactsFile(where)).toEqual([
      {
        id: ID_A,
        wa_id: '4915112345678',
        name: 'Müller, Anna',
        phone: '+4915112345678',
        custom_params: [{ name: 'country', value: 'Germany' }],
      },
      {
        id: ID_B,
        wa_id: '919876543210',
        name: 'Priya Sharma',
        phone: '+919876543210',
        custom_params: [
          { name: 'country', value: 'India' },
          { name: 'city', value: 'Pune' },
        ],
      },
    ]);
  });

  it('locates a header that lacks a contact field or repeats a column', () => {
    expect(problemOf(file('a.csv', 'id,name,phone,country\n'))).toMatch(
      /a\.csv:1: the header row lacks the column\(s\) wa_id/,
    );
    expect(problemOf(file('b.csv', 'id,wa_id,name,phone,plan,plan\n'))).toMatch(
      /b\.csv:1: column "plan" is repeated/,
    );
    expect(problemOf(file('c.csv', ''))).toMatch(/is empty/);
  });

  it('locates bad rows by file:line', () => {
    const where = file(
      'contacts.csv',
      [
        'id,wa_id,name,phone,country',
        `${ID_A},49,Anna,+49,Germany`,
        `${ID_A},49,Anna again,+49,Germany`,
        `${ID_B},91,Priya`,
        `12345,91,Someone,+91,India`,
      ].join('\n'),
    );
    const message = problemOf(where);

    expect(message).toContain('contacts.csv:3: id repeats the id of line 2');
    expect(message).toContain('contacts.csv:4: has 3 cells where the header has 5');
    expect(message).toContain('contacts.csv:5: id must be a 24-hex-character ObjectId');
  });

  it('locates a CSV syntax error', () => {
    const where = file('contacts.csv', `id,wa_id,name,phone\n${ID_A},49,"Anna,+49\n`);
    expect(problemOf(where)).toMatch(/contacts\.csv:\d+: not valid CSV/);
  });
});

describe('reading the file', () => {
  it('refuses a file over the size bound without reading it', () => {
    const where = file('big.json', '[]');
    truncateSync(where, FILE_KINDS.emulatorContacts.maxBytes + 1);
    expect(problemOf(where)).toMatch(/over the 16 MiB limit/);
  });

  it('accepts a file of exactly the bound', () => {
    // `[]` and spaces up to the bound: read in full, not refused as too large.
    const where = file('edge.json', '[]'.padEnd(FILE_KINDS.emulatorContacts.maxBytes, ' '));
    expect(readContactsFile(where)).toEqual([]);
  });

  it('refuses text that is not UTF-8, a missing file, a directory and an unknown format', () => {
    expect(problemOf(file('latin1.csv', Buffer.from('id,name\n\xe9', 'latin1')))).toMatch(
      /not UTF-8/,
    );
    expect(problemOf(path.join(directory, 'missing.json'))).toMatch(/does not exist/);
    mkdirSync(path.join(directory, 'folder.json'));
    expect(problemOf(path.join(directory, 'folder.json'))).toMatch(/not a regular file/);
    expect(problemOf(file('contacts.txt', '[]'))).toMatch(/Cannot tell the format/);
  });

  it('does not hang on a FIFO', () => {
    const fifo = path.join(directory, 'pipe.json');
    execFileSync('mkfifo', [fifo]);
    expect(problemOf(fifo)).toMatch(/not a regular file/);
  });
});
