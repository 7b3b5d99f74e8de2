// `segsync emulator --contacts FILE`: a contact dataset from a JSON array of v3 contacts
// (`*.json`) or a CSV with a header row (`*.csv`: columns id, wa_id, name, phone are the contact's
// fields, every other column a custom param; an empty cell is a param the contact does not have).
// The read is bounded (checked before reading and while reading, so a huge file or a device is
// never loaded); every problem is one message naming the file and the place (file:line for CSV,
// index and key for JSON).

import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { describeFsError } from '../diagnostics/os-errors.js';
import { UserError } from '../core/errors.js';
import { OWN_FIELDS } from './matching.js';
import { checkContactRules, contactsFromJson, ProblemList } from './contacts.js';
import type { V3Contact } from './contacts.js';

/** Larger files are refused unread: a test or demo dataset is far smaller. */
export const MAX_CONTACTS_FILE_BYTES = 16 * 1024 * 1024;

// Fatal: a file in another encoding is refused, not read as replacement characters.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Reads and checks a contacts file; throws one UserError listing every problem found. */
export function readContactsFile(path: string): V3Contact[] {
  const format = /\.json$/i.test(path) ? 'json' : /\.csv$/i.test(path) ? 'csv' : undefined;
  if (format === undefined) {
    throw new UserError(
      `Cannot tell the format of the contacts file ${path}.`,
      'Name it *.json (an array of v3 contacts) or *.csv (a header row: id, wa_id, name, phone, then custom params).',
    );
  }
  const text = readBoundedText(path);
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

/** The file's text, read with a bound: never more than MAX_CONTACTS_FILE_BYTES + 1 bytes. */
function readBoundedText(path: string): string {
  const cannotRead = (why: string) =>
    new UserError(
      `Cannot read the contacts file ${path}: ${why}.`,
      'Check the path given to --contacts and its permissions.',
    );
  const tooLarge = () =>
    new UserError(
      `The contacts file ${path} is over the ${MAX_CONTACTS_FILE_BYTES / (1024 * 1024)} MiB limit.`,
      'Use a smaller dataset, or --generate-contacts N for a large made-up one.',
    );
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO named contacts.json must not hang waiting for a writer.
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    throw cannotRead(describeFsError(error));
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw cannotRead('it is not a regular file');
    if (stats.size > MAX_CONTACTS_FILE_BYTES) throw tooLarge();
    // Read in chunks and counted, so a file that grew past the limit after the check is
    // refused too, without holding more than the limit in memory.
    const chunks: Buffer[] = [];
    const chunk = Buffer.allocUnsafe(1024 * 1024);
    let length = 0;
    for (let read; (read = readSync(fd, chunk, 0, chunk.length, null)) > 0;) {
      length += read;
      if (length > MAX_CONTACTS_FILE_BYTES) throw tooLarge();
      chunks.push(Buffer.from(chunk.subarray(0, read)));
    }
    try {
      // The BOM a spreadsheet writes is dropped by the decoder.
      return strictUtf8.decode(Buffer.concat(chunks, length));
    } catch {
      throw cannotRead('it is not UTF-8 text (export it as "CSV UTF-8" or save it as UTF-8)');
    }
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw cannotRead(describeFsError(error));
  } finally {
    closeSync(fd);
  }
}
