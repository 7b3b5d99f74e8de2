// `contactIdsFile: lists/vip.csv`: a static segment's contact ids from a CSV export, the way
// marketing teams hand lists over. Parsing is csv-parse's (quotes, CRLF, BOM); this module decides
// which column holds the ids and reports every bad row as file.csv:line, because a list exported
// from a spreadsheet fails in ways a YAML list does not: blank rows, repeats, and ids the
// spreadsheet turned into numbers (911234567890 → 9.11235E+11) that no longer name a contact.
import { parse } from 'csv-parse/sync';
import type { Diagnostic, SourceLocation } from '../core/model.js';
import { describeReadProblem, readBoundedFile } from '../files/read.js';

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
  options: { column?: string; segment?: string; key?: SourceLocation } = {},
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

  const read = readBoundedFile(absolute, 'contactList');
  if (!read.ok) {
    // The file cannot be used at all: said where it is named (`contactIdsFile`), when known.
    diagnostics.push({
      severity: 'error',
      code: 'contact-ids-file',
      message: `The contact list ${file} ${describeReadProblem(read.problem, 'contactList')}.`,
      ...(options.key ?? { file, line: 1, column: 1 }),
      ...segment,
      hint:
        read.problem.kind === 'too-large'
          ? 'Split it over several segments.'
          : 'Check `contactIdsFile`: the path is relative to the definition file, and names a regular file.',
    });
    return { ids: [], diagnostics };
  }
  let text: string;
  try {
    text = strictUtf8.decode(read.bytes);
  } catch {
    return fail(
      1,
      'This contact list is not valid UTF-8.',
      'Export it as "CSV UTF-8" from your spreadsheet.',
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
    const formula = spreadsheetFormulaProblem(id);
    if (formula) {
      errors = true;
      problem('error', line, `This row's contact id ${formula}.`, FORMULA_HINT);
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

// ---------------------------------------------------------------------------------------------
// Spreadsheet formulas.

/**
 * What a spreadsheet runs as a formula when the cell starts with it (CSV injection): `=`, `+`,
 * `-`, `@`, and a tab or carriage return before one. `+` and `-` followed by digits only are
 * numbers (`+911234567890`, a phone number), not formulas.
 */
const FORMULA_START = /^[=+\-@\t\r]/;
const SIGNED_DIGITS = /^[+-]\d+$/;

export const FORMULA_HINT =
  'Contact ids are sent to Wati as they are and come back in every export of the segment, where a spreadsheet would run this as a formula. Remove the cell, or export the ids again as plain text.';

/**
 * Why `id` is a spreadsheet formula rather than a contact id ("starts with `=`, which a
 * spreadsheet runs as a formula"), or undefined. Never quotes the id: it is personal data, and
 * the message reaches pull-request comments.
 */
export function spreadsheetFormulaProblem(id: string): string | undefined {
  if (!FORMULA_START.test(id) || SIGNED_DIGITS.test(id)) return undefined;
  const first = id[0] === '\t' ? 'a tab' : id[0] === '\r' ? 'a carriage return' : `\`${id[0]}\``;
  return `starts with ${first}, which a spreadsheet runs as a formula`;
}
