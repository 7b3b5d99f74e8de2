// One YAML file on disk → parsed documents that remember their file, line and column: a bounded
// read, UTF-8 decoding, parsing, and plain data guarded against alias bombs. Shared by the
// definitions and the configuration. Hostile or broken input never throws: every problem becomes
// a located diagnostic.

import { appendAll } from '../append-all.js';
import { closeSync, constants, fstatSync, lstatSync, openSync, readFileSync } from 'node:fs';
import { LineCounter, parseAllDocuments, visit } from 'yaml';
import type { Document, EmptyStream } from 'yaml';
import { describeFsError } from '../diagnostics/os-errors.js';
import { errorCode } from '../errors.js';
import type { Diagnostic } from '../model.js';
import { isUnwrittenScalar, positionAt } from './locate.js';
import { describeYamlErrors, describeYamlWarnings } from './yaml-errors.js';
import { decodeUtf8 } from './utf8.js';

export interface LoadedDocument {
  /** Path relative to the working directory, with forward slashes. */
  file: string;
  /** 0-based position of the document in its file, empty documents included. */
  index: number;
  document: Document.Parsed;
  lineCounter: LineCounter;
}

/** Files bigger than this are refused unread: no segment definition comes close. */
export const MAX_FILE_BYTES = 1024 * 1024;

/** More alias expansions than this in one document is treated as an alias bomb. */
export const MAX_ALIAS_COUNT = 100;

// ---------------------------------------------------------------------------------------------
// Reading and parsing one file.

export interface ParsedFile {
  /** Non-empty documents without YAML errors. */
  documents: LoadedDocument[];
  diagnostics: Diagnostic[];
}

/** Reads, decodes and parses one YAML file; every failure is a located diagnostic. */
export function readYamlFile(absolutePath: string, file: string): ParsedFile {
  const read = readBoundedFile(absolutePath, file);
  if (!read.ok) return { documents: [], diagnostics: [read.diagnostic] };
  const decoded = decodeUtf8(read.bytes);
  if (!decoded.ok) {
    return {
      documents: [],
      diagnostics: [
        {
          severity: 'error',
          code: 'not-utf8',
          message: decoded.utf16
            ? 'This file is saved as UTF-16; segsync reads UTF-8 text only.'
            : 'This file is not valid UTF-8 text: the byte at this position cannot be decoded.',
          file,
          line: decoded.line,
          column: decoded.column,
          hint: 'Save the file with UTF-8 encoding (most editors offer it under "Save with encoding").',
        },
      ],
    };
  }
  return parseYamlText(decoded.text, file);
}

type ReadResult = { ok: true; bytes: Buffer } | { ok: false; diagnostic: Diagnostic };

function readBoundedFile(absolutePath: string, file: string): ReadResult {
  const fail = (code: string, message: string, hint: string): ReadResult => ({
    ok: false,
    diagnostic: { severity: 'error', code, message, file, hint },
  });
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO named *.yaml must not hang waiting for a writer.
    fd = openSync(absolutePath, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    return fail('unreadable-file', unreadableMessage(absolutePath, error), unreadableHint(error));
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) {
      return fail(
        'not-a-regular-file',
        `This is ${stats.isDirectory() ? 'a directory' : 'not a regular file (a device, pipe or socket)'}, not a definition file.`,
        'Pass a directory of definitions or a YAML file.',
      );
    }
    // Checked before reading so a huge file is never loaded into memory.
    if (stats.size > MAX_FILE_BYTES) return tooLarge(stats.size);
    const bytes = readFileSync(fd);
    if (bytes.length > MAX_FILE_BYTES) return tooLarge(bytes.length); // grew while reading
    return { ok: true, bytes };
  } catch (error) {
    return fail('unreadable-file', unreadableMessage(absolutePath, error), unreadableHint(error));
  } finally {
    closeSync(fd);
  }

  function tooLarge(size: number): ReadResult {
    return fail(
      'file-too-large',
      `This file is ${formatMiB(size)}, over the 1 MiB limit for a definition file.`,
      'Split it into several files; a segment definition is normally a few hundred bytes.',
    );
  }
}

function formatMiB(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

function unreadableMessage(absolutePath: string, error: unknown): string {
  const code = errorCode(error);
  if (code === 'ENOENT') {
    let isLink = false;
    try {
      isLink = lstatSync(absolutePath).isSymbolicLink();
    } catch {
      // gone entirely: treated as a plain missing file below
    }
    return isLink
      ? 'This is a symbolic link to a file that does not exist, so it cannot be read.'
      : 'This file disappeared before it could be read.';
  }
  return `This file cannot be read (${describeFsError(error)}).`;
}

function unreadableHint(error: unknown): string {
  switch (errorCode(error)) {
    case 'EACCES':
    case 'EPERM':
      return 'Give the user running segsync permission to read it, or move it out of the definitions directory.';
    case 'ENOENT':
    case 'ELOOP':
      return 'Fix or remove the link.';
    default:
      return 'Check that the file is readable, then run segsync again.';
  }
}

// ---------------------------------------------------------------------------------------------
// Parsing.

const parseOptions = {
  uniqueKeys: true,
  // Our own messages carry the position; yaml's "pretty" context lines would repeat it.
  prettyErrors: false,
  // Never let the parser print to the console (e.g. stringified collection keys).
  logLevel: 'error',
} as const;

/** Parses YAML text into documents, with the same rules for every file segsync reads. */
export function parseYamlText(text: string, file: string): ParsedFile {
  const lineCounter = new LineCounter();
  const diagnostics: Diagnostic[] = [];
  const documents: LoadedDocument[] = [];
  let parsed: Document.Parsed[] | EmptyStream;
  try {
    // The declared return type distributes over node kinds; every document here is a Parsed one.
    parsed = parseAllDocuments(text, { ...parseOptions, lineCounter }) as
      Document.Parsed[] | EmptyStream;
  } catch {
    // The parser guards its own recursion; this is a last line of defence, never a stack trace.
    diagnostics.push({
      severity: 'error',
      code: 'yaml-syntax',
      message: 'This file could not be read as YAML: it is too deeply nested or malformed.',
      file,
      line: 1,
      column: 1,
      hint: 'Simplify the file; a segment definition needs only a few levels of nesting.',
    });
    return { documents, diagnostics };
  }
  if ('empty' in parsed) {
    appendAll(diagnostics, describeYamlErrors(parsed.errors, { text, file, lineCounter }));
    return { documents, diagnostics };
  }
  parsed.forEach((document, index) => {
    // Problems are rare: build nothing for the common clean document.
    if (document.warnings.length > 0) {
      appendAll(
        diagnostics,
        describeYamlWarnings(document.warnings, { text, file, lineCounter, document }),
      );
    }
    if (document.errors.length > 0) {
      appendAll(
        diagnostics,
        describeYamlErrors(document.errors, { text, file, lineCounter, document }),
      );
      return;
    }
    if (isEmptyDocument(document)) return;
    documents.push({ file, index, document, lineCounter });
  });
  return { documents, diagnostics };
}

/** Only comments, or a lone `---`: nothing written, nothing to validate. */
function isEmptyDocument(document: Document.Parsed): boolean {
  return document.contents === null || isUnwrittenScalar(document.contents);
}

// ---------------------------------------------------------------------------------------------
// Plain data.

export type DataResult = { ok: true; value: unknown } | { ok: false; diagnostic: Diagnostic };

/**
 * The document as plain JavaScript data, guarded against alias bombs. A `__proto__` key stays an
 * own property (never copy such objects with Object.assign or spread).
 */
export function documentToData(loaded: LoadedDocument): DataResult {
  try {
    return { ok: true, value: loaded.document.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) };
  } catch (error) {
    return { ok: false, diagnostic: dataDiagnostic(loaded, error) };
  }
}

function dataDiagnostic(loaded: LoadedDocument, error: unknown): Diagnostic {
  const message = error instanceof Error ? error.message : '';
  const { document, lineCounter, file } = loaded;
  const startOffset = document.contents?.range[0] ?? document.range[0];
  if (/excessive alias count/i.test(message)) {
    return {
      severity: 'error',
      code: 'alias-limit',
      message: `This document expands aliases (*name) more than ${MAX_ALIAS_COUNT} times, which looks like an "alias bomb"; it is not read.`,
      file,
      ...positionAt(lineCounter, startOffset),
      hint: 'Write the values out instead of repeating aliases.',
    };
  }
  if (/unresolved alias/i.test(message)) {
    let offset = startOffset;
    let alias = '';
    visit(document, {
      Alias(_key, node) {
        if (node.resolve(document) !== undefined) return undefined;
        offset = node.range?.[0] ?? offset;
        alias = node.source;
        return visit.BREAK;
      },
    });
    return {
      severity: 'error',
      code: 'yaml-syntax',
      message: `The alias \`*${alias}\` refers to an anchor \`&${alias}\` that is not defined before it.`,
      file,
      ...positionAt(lineCounter, offset),
      hint: 'Define the anchor earlier in the same document, or write the value out.',
    };
  }
  return {
    severity: 'error',
    code: 'yaml-syntax',
    message: 'This document could not be turned into data: it is too deeply nested or malformed.',
    file,
    ...positionAt(lineCounter, startOffset),
    hint: 'Simplify the document; a segment definition needs only a few levels of nesting.',
  };
}
