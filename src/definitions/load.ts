// Files on disk → parsed YAML documents that remember their file, line and column.
// Hostile or broken input never throws: every problem becomes a located diagnostic.

import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { isScalar, LineCounter, parseAllDocuments, visit } from 'yaml';
import type { Document, EmptyStream, YAMLError } from 'yaml';
import type { Diagnostic } from '../model.js';
import { positionAt } from './locate.js';
import { decodeUtf8 } from './utf8.js';

export interface LoadedDocument {
  /** Path relative to the working directory, with forward slashes. */
  file: string;
  /** 0-based position of the document in its file, empty documents included. */
  index: number;
  document: Document.Parsed;
  lineCounter: LineCounter;
}

export interface LoadResult {
  /** Every non-empty document that parsed without YAML errors, in file order. */
  documents: LoadedDocument[];
  /** Problems found while finding, reading and parsing files. */
  diagnostics: Diagnostic[];
  /** Every file that was read (relative, forward slashes), in load order. */
  files: string[];
}

/** Files bigger than this are refused unread: no segment definition comes close. */
export const MAX_FILE_BYTES = 1024 * 1024;

/** More alias expansions than this in one document is treated as an alias bomb. */
export const MAX_ALIAS_COUNT = 100;

const YAML_EXTENSIONS = new Set(['.yaml', '.yml']);

export interface LoadOptions {
  /** Paths are resolved, and displayed, relative to this directory (default: process.cwd()). */
  cwd?: string;
}

/**
 * Loads every `.yaml`/`.yml` file under `paths` (directories are walked recursively; a file
 * named explicitly is read whatever its extension). Hidden entries (names starting with a dot:
 * `.git`, editor lock and backup files) and `node_modules` are skipped. Symbolic links are
 * followed; each real directory is walked at most once, so a link cycle cannot loop. Files are
 * read in code-point order of their displayed path.
 *
 * Reads are synchronous: for thousands of small files in the page cache they measured faster
 * than bounded-concurrency async reads, whose per-file promise and thread-pool hops cost more
 * than the I/O they overlap.
 */
export function loadDefinitionFiles(paths: string[], options: LoadOptions = {}): Promise<LoadResult> {
  return new Promise((resolve) => {
    const documents: LoadedDocument[] = [];
    const { diagnostics, files } = forEachDefinitionFile(paths, options, (parsed) => {
      documents.push(...parsed.documents);
    });
    resolve({ documents, diagnostics, files });
  });
}

/**
 * The streaming form of `loadDefinitionFiles`: hands each file's documents to `visit` and keeps
 * none of them, so memory stays flat however many files there are (holding 10,000 parsed
 * documents at once measured about 10% slower, from garbage collection alone).
 * Returns the loader's own diagnostics (missing paths, unreadable files, YAML errors...).
 */
export function forEachDefinitionFile(
  paths: string[],
  options: LoadOptions,
  visit: (parsed: ParsedFile) => void,
): Omit<LoadResult, 'documents'> {
  const cwd = options.cwd ?? process.cwd();
  const diagnostics: Diagnostic[] = [];
  const files: string[] = [];
  for (const { absolute, file } of findDefinitionFiles(paths, cwd, diagnostics)) {
    files.push(file);
    const parsed = readYamlFile(absolute, file);
    diagnostics.push(...parsed.diagnostics);
    if (parsed.documents.length === 0 && parsed.diagnostics.length === 0) {
      diagnostics.push(emptyFileWarning(file));
    }
    visit(parsed);
  }
  return { diagnostics, files };
}

function emptyFileWarning(file: string): Diagnostic {
  return {
    severity: 'warning',
    code: 'empty-file',
    message: 'This file holds no segment definition: it is empty or has only comments.',
    file,
    line: 1,
    column: 1,
    hint: 'Add a definition to it, or delete it.',
  };
}

// ---------------------------------------------------------------------------------------------
// Finding files.

interface FoundFile {
  absolute: string;
  file: string;
}

/** A path relative to `cwd` with forward slashes, so annotations point at repository files. */
export function displayPath(absolute: string, cwd: string): string {
  const relative = path.relative(cwd, absolute) || '.';
  return relative.split(path.sep).join('/');
}

function findDefinitionFiles(paths: string[], cwd: string, diagnostics: Diagnostic[]): FoundFile[] {
  const found = new Map<string, string>(); // absolute path → displayed path
  const walkedDirectories = new Set<string>();
  for (const given of paths) {
    const absolute = path.resolve(cwd, given);
    const kind = kindOf(absolute);
    if (kind === 'directory') {
      walkDirectory(absolute, displayPath(absolute, cwd), walkedDirectories, found, diagnostics);
    } else if (kind === 'missing') {
      diagnostics.push(missingPathDiagnostic(displayPath(absolute, cwd)));
    } else {
      // Named explicitly: read it even without a YAML extension; the reader reports what it is.
      found.set(absolute, displayPath(absolute, cwd));
    }
  }
  return [...found]
    .map(([absolute, file]) => ({ absolute, file }))
    .sort((a, b) => compareCodePoints(a.file, b.file));
}

function kindOf(absolute: string): 'directory' | 'other' | 'missing' {
  try {
    return statSync(absolute).isDirectory() ? 'directory' : 'other';
  } catch {
    try {
      lstatSync(absolute); // a dangling symbolic link exists; the reader explains it
      return 'other';
    } catch {
      return 'missing';
    }
  }
}

function missingPathDiagnostic(file: string): Diagnostic {
  return {
    severity: 'error',
    code: 'path-not-found',
    message: `"${file}" does not exist, so no definitions could be read from it.`,
    file,
    hint: 'Check the path, create the directory, or set `definitions` in segsync.config.yaml to the directory that holds your segment files.',
  };
}

function walkDirectory(
  directory: string,
  displayed: string,
  walked: Set<string>,
  found: Map<string, string>,
  diagnostics: Diagnostic[],
): void {
  let entries;
  try {
    const real = realpathSync.native(directory);
    if (walked.has(real)) return;
    walked.add(real);
    entries = readdirSync(directory, { withFileTypes: true });
  } catch (error) {
    diagnostics.push({
      severity: 'error',
      code: 'unreadable-directory',
      message: `This directory cannot be read (${describeFsError(error)}).`,
      file: displayed,
      hint: 'Give the user running segsync permission to read it, or remove it from the definitions.',
    });
    return;
  }
  for (const entry of entries) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const absolute = path.join(directory, entry.name);
    // Built by concatenation: path.relative for every one of thousands of files shows up in
    // profiles.
    const entryDisplayed = displayed === '.' ? entry.name : `${displayed}/${entry.name}`;
    const isDirectory =
      entry.isDirectory() || (entry.isSymbolicLink() && kindOf(absolute) === 'directory');
    if (isDirectory) walkDirectory(absolute, entryDisplayed, walked, found, diagnostics);
    // Anything else with a YAML name (file, dangling link, socket...) goes to the reader,
    // which reports what is wrong with it.
    else if (YAML_EXTENSIONS.has(path.extname(entry.name).toLowerCase())) {
      found.set(absolute, entryDisplayed);
    }
  }
}

/** Orders strings by Unicode code point (plain `<` compares UTF-16 units, which differs). */
export function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

/** Surrogates (astral code points) must sort after U+E000–U+FFFF. */
function codePointRank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}

// ---------------------------------------------------------------------------------------------
// Reading and parsing one file (shared with the config loader).

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
  const code = errnoCode(error);
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
  switch (errnoCode(error)) {
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

function errnoCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function describeFsError(error: unknown): string {
  switch (errnoCode(error)) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ELOOP':
      return 'symbolic links loop back on themselves';
    case 'ENOENT':
      return 'it does not exist';
    case 'EISDIR':
      return 'it is a directory';
    case undefined:
      return 'unexpected error';
    default:
      return `system error ${errnoCode(error)}`;
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

/** Parses YAML text into documents; exported so configuration files share the same rules. */
export function parseYamlText(text: string, file: string): ParsedFile {
  const lineCounter = new LineCounter();
  const diagnostics: Diagnostic[] = [];
  const documents: LoadedDocument[] = [];
  let parsed: Document.Parsed[] | EmptyStream;
  try {
    // The declared return type distributes over node kinds; every document here is a Parsed one.
    parsed = parseAllDocuments(text, { ...parseOptions, lineCounter }) as Document.Parsed[] | EmptyStream;
  } catch {
    // The parser guards its own recursion; this is a last line of defence, never a stack trace.
    diagnostics.push({
      severity: 'error',
      code: 'yaml-syntax',
      message: 'This file could not be read as YAML: it is too deeply nested or malformed.',
      file,
      hint: 'Simplify the file; a segment definition needs only a few levels of nesting.',
    });
    return { documents, diagnostics };
  }
  if ('empty' in parsed) {
    for (const error of parsed.errors) diagnostics.push(yamlDiagnostic(error, text, file, lineCounter));
    return { documents, diagnostics };
  }
  parsed.forEach((document, index) => {
    for (const warning of document.warnings) {
      diagnostics.push({ ...yamlDiagnostic(warning, text, file, lineCounter), severity: 'warning' });
    }
    if (document.errors.length > 0) {
      diagnostics.push(...yamlErrorDiagnostics(document.errors, text, file, lineCounter));
      return;
    }
    if (isEmptyDocument(document)) return;
    documents.push({ file, index, document, lineCounter });
  });
  return { documents, diagnostics };
}

/** Only comments, or a lone `---`: nothing written, nothing to validate. */
function isEmptyDocument(document: Document.Parsed): boolean {
  const contents = document.contents;
  return contents === null || (isScalar(contents) && contents.value === null && contents.source === '');
}

/** One syntax error often triggers follow-up errors on the same line: report the first only. */
function yamlErrorDiagnostics(
  errors: readonly YAMLError[],
  text: string,
  file: string,
  lineCounter: LineCounter,
): Diagnostic[] {
  const seenLines = new Set<number>();
  const diagnostics: Diagnostic[] = [];
  for (const error of errors) {
    const diagnostic = yamlDiagnostic(error, text, file, lineCounter);
    if (diagnostic.code !== 'duplicate-key' && seenLines.has(diagnostic.line ?? 0)) continue;
    seenLines.add(diagnostic.line ?? 0);
    diagnostics.push(diagnostic);
  }
  return diagnostics;
}

function yamlDiagnostic(
  error: YAMLError,
  text: string,
  file: string,
  lineCounter: LineCounter,
): Diagnostic & { line: number } {
  const where = { file, ...positionAt(lineCounter, error.pos[0]) };
  const base = { severity: 'error' as const, ...where };
  switch (error.code) {
    case 'DUPLICATE_KEY': {
      const key = text.slice(error.pos[0], error.pos[1]).trim();
      return {
        ...base,
        code: 'duplicate-key',
        message: `The key \`${key}\` appears more than once in the same mapping.`,
        hint: 'Keep only one of them: YAML would otherwise silently drop one of the values.',
      };
    }
    case 'TAB_AS_INDENT':
      return {
        ...base,
        code: 'yaml-syntax',
        message: 'A tab is used for indentation; YAML allows only spaces there.',
        hint: 'Replace the tab with spaces.',
      };
    case 'RESOURCE_EXHAUSTION':
      return {
        ...base,
        code: 'yaml-syntax',
        message: 'This YAML is nested too deeply to be read.',
        hint: 'A segment definition needs only a few levels of nesting.',
      };
    case 'TAG_RESOLVE_FAILED':
      return {
        ...base,
        code: 'yaml-tag',
        message: `${sentence(error.message)} The value is read as plain text.`,
        hint: 'Remove the `!tag` in front of the value.',
      };
    default:
      return {
        ...base,
        code: 'yaml-syntax',
        message: `This is not valid YAML: ${sentence(error.message)}`,
        hint: 'Check the indentation of this line and the one before it, the colon after each key, and that every quote and bracket is closed.',
      };
  }
}

function sentence(text: string): string {
  const trimmed = text.trim();
  const capitalised = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capitalised) ? capitalised : `${capitalised}.`;
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
