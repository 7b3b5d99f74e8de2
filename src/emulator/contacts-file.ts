// `segsync emulator --contacts FILE`: a contact dataset from a JSON array of v3 contacts
// (`*.json`) or a CSV with a header row (`*.csv`: columns id, wa_id, name, phone are the contact's
// fields, every other column a custom param; an empty cell is a param the contact does not have).
// The read is segsync's one bounded read (files/read.ts: a regular UTF-8 file of at most 16 MiB,
// never a device or a FIFO); every problem is one message naming the file and the place
// (file:line for CSV, index and key for JSON).

import { parse } from 'csv-parse/sync';
import { UserError } from '../core/errors.js';
import { readTextFileOrThrow } from '../files/read.js';
import { OWN_FIELDS } from './matching.js';
import { checkContactRules, contactsFromJson, ProblemList } from './contacts.js';
import type { V3Contact } from './contacts.js';

/** Reads and checks a contacts file; throws one UserError listing every problem found. */
export function readContactsFile(path: string): V3Contact[] {
  const format = /\.json$/i.test(path) ? 'json' : /\.csv$/i.test(path) ? 'csv' : undefined;
  if (format === undefined) {
    throw new UserError(
      `Cannot tell the format of the contacts file ${path}.`,
      'Name it *.json (an array of v3 contacts) or *.csv (a header row: id, wa_id, name, phone, then custom params).',
    );
  }
  // Larger files than the bound are refused unread: a test or demo dataset is far smaller.
  const text = readTextFileOrThrow(
    path,
    'emulatorContacts',
    path,
    'Give --contacts a JSON or CSV file saved as UTF-8 ("CSV UTF-8" in a spreadsheet), or use ' +
      '--generate-contacts N for a large made-up dataset.',
  );
  if (text === undefined) {
    throw new UserError(
      `The contacts file ${path} does not exist.`,
      'Check the path given to --contacts.',
    );
  }
  const problems = new ProblemList();
  const contacts =
    format === 'json' ? parseJson(text, path, problems) : parseCsv(text, path, problems);
  if (!problems.empty) {
    throw new UserError(
      `The contacts file ${path} has problems:\n${problems.describe()}`,
      format === 'json'
        ? 'Each contact is { "id": "<24 hex>", "wa_id": "...", "name": "...", "phone": "...", "custom_params": [{ "name": "...", "value": "..." }] }.'
        : 'The header row names the columns: id, wa_id, name, phone, then one column per custom param.',
    );
  }
  return contacts;
}

function parseJson(text: string, path: string, problems: ProblemList): V3Contact[] {
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (error) {
    problems.add(jsonErrorPlace(text, path, error), 'not valid JSON');
    return [];
  }
  return contactsFromJson(input, problems);
}

/** `file:line:column` of a JSON.parse failure when V8 says the position, else the file. */
function jsonErrorPlace(text: string, path: string, error: unknown): string {
  const message = error instanceof Error ? error.message : '';
  const lineColumn = /line (\d+) column (\d+)/.exec(message);
  if (lineColumn) return `${path}:${lineColumn[1]}:${lineColumn[2]}`;
  const position = /at position (\d+)/.exec(message);
  if (!position) return path;
  const before = text.slice(0, Number(position[1]));
  const line = before.split('\n').length;
  return `${path}:${line}:${before.length - before.lastIndexOf('\n')}`;
}

interface CsvRow {
  record: string[];
  info: { lines: number };
}

function parseCsv(text: string, path: string, problems: ProblemList): V3Contact[] {
  let rows: CsvRow[];
  try {
    rows = parse(text, {
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
    }) as unknown as CsvRow[];
  } catch (error) {
    const line = (error as { lines?: number }).lines ?? 1;
    problems.add(`${path}:${line}`, `not valid CSV (${(error as Error).message})`);
    return [];
  }
  const [headerRow, ...dataRows] = rows;
  if (headerRow === undefined) {
    problems.add(path, 'is empty; the first row must name the columns');
    return [];
  }
  const header = headerRow.record.map((cell) => cell.trim());
  const headerAt = `${path}:${headerRow.info.lines}`;
  const missing = OWN_FIELDS.filter((field) => !header.includes(field));
  if (missing.length > 0) {
    problems.add(headerAt, `the header row lacks the column(s) ${missing.join(', ')}`);
  }
  header.forEach((name, index) => {
    if (name === '') problems.add(headerAt, `column ${index + 1} has no name`);
    else if (header.indexOf(name) !== index) problems.add(headerAt, `column "${name}" is repeated`);
  });
  if (!problems.empty) return [];

  const contacts = dataRows.map(({ record, info }) => {
    if (record.length !== header.length) {
      problems.add(
        `${path}:${info.lines}`,
        `has ${record.length} cells where the header has ${header.length}`,
      );
    }
    const contact: V3Contact = { id: '', wa_id: '', name: '', phone: '', custom_params: [] };
    header.forEach((column, index) => {
      const cell = record[index] ?? '';
      if ((OWN_FIELDS as readonly string[]).includes(column)) {
        contact[column as (typeof OWN_FIELDS)[number]] = cell;
      } else if (cell !== '') {
        contact.custom_params.push({ name: column, value: cell });
      }
    });
    return contact;
  });
  const lineOf = (index: number) => dataRows[index]?.info.lines ?? '?';
  checkContactRules(
    contacts,
    { at: (index) => `${path}:${lineOf(index)}`, ref: (index) => `line ${lineOf(index)}` },
    problems,
  );
  return contacts;
}
