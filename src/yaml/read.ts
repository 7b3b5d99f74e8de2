// One YAML file on disk → parsed documents that remember their file, line and column: a bounded
// read, UTF-8 decoding, parsing, and plain data guarded against alias bombs. Shared by the
// definitions and the configuration. Hostile or broken input never throws: every problem becomes
// a located diagnostic.

import { appendAll } from '../core/append-all.js';
import { LineCounter, parseAllDocuments, visit } from 'yaml';
import type { Document, EmptyStream } from 'yaml';
import type { FileKind, ReadProblem } from '../files/read.js';
import { describeReadProblem, FILE_KINDS, readBoundedFile } from '../files/read.js';
import type { Diagnostic, DiagnosticCode } from '../core/model.js';
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
export const MAX_FILE_BYTES = FILE_KINDS.definition.maxBytes;

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
export function readYamlFile(
  absolutePath: string,
  file: string,
  kind: 'definition' | 'config' = 'definition',
): ParsedFile {
  const read = readBoundedFile(absolutePath, kind);
  if (!read.ok) return { documents: [], diagnostics: [readDiagnostic(read.problem, file, kind)] };
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

function readDiagnostic(problem: ReadProblem, file: string, kind: FileKind): Diagnostic {
  const diagnostic = (code: DiagnosticCode, message: string, hint: string): Diagnostic => ({
    severity: 'error',
    code,
    message,
    file,
    hint,
  });
  switch (problem.kind) {
    case 'missing':
      return problem.danglingLink
        ? diagnostic(
            'unreadable-file',
            'This is a symbolic link to a file that does not exist, so it cannot be read.',
            'Fix or remove the link.',
          )
        : diagnostic(
            'unreadable-file',
            'This file disappeared before it could be read.',
            'Run segsync again.',
          );
    case 'not-regular':
      return diagnostic(
        'not-a-regular-file',
        `This is ${problem.is}, not a regular file, so it is not read.`,
        kind === 'config'
          ? 'Make segsync.config.yaml a regular file.'
          : 'Pass a directory of definitions or a YAML file.',
      );
    case 'too-large':
      return diagnostic(
        'file-too-large',
        `This file ${describeReadProblem(problem, kind)}.`,
        'Split it into several files; a segment definition is normally a few hundred bytes.',
      );
    case 'unreadable':
      return diagnostic(
        'unreadable-file',
        `This file cannot be read (${problem.words}).`,
        problem.code === 'EACCES' || problem.code === 'EPERM'
          ? 'Give the user running segsync permission to read it, or move it out of the definitions directory.'
          : problem.code === 'ELOOP'
            ? 'Fix or remove the link.'
            : 'Check that the file is readable, then run segsync again.',
      );
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
