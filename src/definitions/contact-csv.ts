// `contactIdsFile: lists/vip.csv`: a static segment's contact ids from a CSV export, the way
// marketing teams hand lists over. Parsing is csv-parse's (quotes, CRLF, BOM); this module decides
// which column holds the ids and reports every bad row as file.csv:line, because a list exported
// from a spreadsheet fails in ways a YAML list does not: blank rows, repeats, and ids the
// spreadsheet turned into numbers (911234567890 → 9.11235E+11) that no longer name a contact.
import { readFileSync, statSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import type { Diagnostic } from '../model.js';
import { describeFsError } from '../diagnostics/os-errors.js';
import { MAX_FILE_BYTES } from '../yaml/read.js';

export interface ContactIdsFromFile {
  ids: string[];
  diagnostics: Diagnostic[];
}

/** Header names recognised without `contactIdsColumn` (compared ignoring case). */
const KNOWN_COLUMNS = ['id', 'contactid'];

// What a spreadsheet does to a long number it was allowed to treat as one.
const MANGLED_NUMBER = [
  { pattern: /^[+-]?\d+(\.\d+)?[eE][+-]?\d+$/, what: 'scientific notation' },
  { pattern: /^\d+\.\d+$/, what: 'a decimal point' },
  { pattern: /^\d{1,3}(,\d{3})+$/, what: 'thousands separators' },
];

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads the ids of `absolute` (shown as `file`). `column` is the definition's contactIdsColumn.
 * Never throws for bad input: every problem is a diagnostic, and `ids` is empty when any error
 * makes the list unusable.
 */
export function readContactIdsFile(
  absolute: string,
  file: string,
  options: { column?: string; segment?: string } = {},
): ContactIdsFromFile {
  const diagnostics: Diagnostic[] = [];
  const segment = options.segment === undefined ? {} : { segment: options.segment };
  const problem = (severity: Diagnostic['severity'], line: number, message: string, hint: string) =>
    diagnostics.push({
      severity,
      code: 'contact-ids-file',
      message,
      file,
      line,
      column: 1,
      ...segment,
      hint,
    });
  const fail = (line: number, message: string, hint: string) => {
    problem('error', line, message, hint);
    return { ids: [], diagnostics };
  };

  let text: string;
  try {
    // Bounded like a definition file: checked before reading, and again after.
    if (statSync(absolute).size > MAX_FILE_BYTES) throw new RangeError('too large');
    const bytes = readFileSync(absolute);
    if (bytes.length > MAX_FILE_BYTES) throw new RangeError('too large');
    text = strictUtf8.decode(bytes);
  } catch (error) {
    if (error instanceof RangeError) {
      return fail(
        1,
        'This contact list is over the 1 MiB limit.',
        'Split it over several segments.',
      );
    }
    if (error instanceof TypeError) {
      return fail(
        1,
        'This contact list is not valid UTF-8.',
        'Export it as "CSV UTF-8" from your spreadsheet.',
      );
    }
    return fail(
      1,
      `This contact list cannot be read (${describeFsError(error)}).`,
      'Check `contactIdsFile`: the path is relative to the definition file.',
    );
  }

  let rows: { record: string[]; info: { lines: number } }[];
  try {
    rows = parse(text, {
      bom: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: false,
      trim: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (error) {
    const line = (error as { lines?: number }).lines ?? 1;
    return fail(
      line,
      `This contact list is not valid CSV (${(error as Error).message}).`,
      'Fix the row, e.g. an unclosed quote.',
    );
  }
  if (rows.length === 0) {
    return fail(1, 'This contact list is empty.', 'Put one contact id per row.');
  }

  const header = rows[0]!.record.map((cell) => cell.toLowerCase());
  let column = 0;
  let first = 0;
  if (options.column !== undefined) {
    column = header.indexOf(options.column.toLowerCase());
    if (column < 0) {
      return fail(
        1,
        `The first row has no column named ${JSON.stringify(options.column)} (contactIdsColumn).`,
        'The first row must be a header naming the columns.',
      );
    }
    first = 1;
  } else {
    const known = header.findIndex((cell) => KNOWN_COLUMNS.includes(cell));
    if (known >= 0) {
      column = known;
      first = 1;
    } else if (header.length > 1) {
      return fail(
        1,
        `The first row has ${header.length} columns and none is named "id" or "contactId".`,
        'Name the column of the ids with `contactIdsColumn`, or keep one column only.',
      );
    }
  }

  const ids: string[] = [];
  const firstLine = new Map<string, number>();
  let errors = false;
  for (const { record, info } of rows.slice(first)) {
    const line = info.lines;
    const id = record[column] ?? '';
    if (id === '') {
      errors = true;
      problem('error', line, 'This row has no contact id.', 'Remove the empty row.');
      continue;
    }
    const mangled = MANGLED_NUMBER.find(({ pattern }) => pattern.test(id));
    if (mangled) {
      errors = true;
      problem(
        'error',
        line,
        // Contact ids are personal data: messages reach PR comments, so they name the line only.
        `This row's contact id looks like a number a spreadsheet reformatted (${mangled.what}): it no longer names a contact.`,
        'Format the column as text in the spreadsheet and export the list again.',
      );
      continue;
    }
    const seen = firstLine.get(id);
    if (seen !== undefined) {
      problem(
        'warning',
        line,
        `This row repeats the contact id of line ${seen}.`,
        'Remove the repeated row.',
      );
    } else {
      firstLine.set(id, line);
    }
    ids.push(id);
  }
  if (!errors && ids.length === 0) {
    return fail(1, 'This contact list has a header but no ids.', 'Put one contact id per row.');
  }
  return { ids: errors ? [] : ids, diagnostics };
}
