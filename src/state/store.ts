// The state file on disk: read + validate, stable serialisation (clean git diffs), atomic write.
// This module is the only place that knows the file's layout; the journal builds on it.

import { readFileSync } from 'node:fs';
import { open, readFile, readdir, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { errorCode, UserError } from '../errors.js';
import type { State, StateEntry } from '../model.js';
import { STATE_FORMAT_VERSION } from '../model.js';
import { lineColumnAt, locateJsonSyntaxError } from './json-syntax.js';
import { readJournal, replayJournal, retireJournal, syncDirectory } from './wal.js';

const SCHEMA_URL = new URL('../../schemas/state.schema.json', import.meta.url);
/** How many schema problems one error message lists before "and N more". */
const MAX_LISTED_PROBLEMS = 5;

export function emptyState(): State {
  return { formatVersion: STATE_FORMAT_VERSION, segments: {} };
}

// ---------------------------------------------------------------------------------------------
// Reading

/** Reads and validates the state file; a missing file is an empty state (nothing created yet). */
export async function readState(path: string): Promise<State> {
  return (await readStateAndJournal(path)).state;
}

/**
 * `readState`, also saying whether an interrupted apply left a journal beside the file (its
 * records are already replayed into `state`).
 */
export async function readStateAndJournal(
  path: string,
): Promise<{ state: State; journalFound: boolean }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    // No state file yet, but a first apply that was killed may have left its journal.
    if (errorCode(error) === 'ENOENT') return withJournal(emptyState(), path);
    throw new UserError(
      `Cannot read the state file ${path} (${describeOsError(error)}).`,
      'Check that the path points to a readable file.',
    );
  }
  const state = parseState(text, path);
  return withJournal(state, path);
}

/** An interrupted apply may have left records in the journal beside the file: they count too. */
async function withJournal(
  state: State,
  path: string,
): Promise<{ state: State; journalFound: boolean }> {
  const records = await readJournal(path, entryProblems);
  return records
    ? { state: replayJournal(state, records), journalFound: true }
    : { state, journalFound: false };
}

/** Parses and validates state file text; `path` is only used in messages. */
export function parseState(text: string, path: string): State {
  // Editors on Windows may add a byte order mark; it is not part of the JSON.
  const json = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const conflictLine = findMergeConflictLine(json);
  if (conflictLine !== undefined) {
    throw new UserError(
      `The state file ${path} contains unresolved git merge conflict markers (line ${conflictLine}).`,
      'Resolve the conflict by keeping the segment entries from BOTH sides: every entry records a ' +
        'segment that exists (or may exist) in Wati, and dropping one makes segsync create it ' +
        'again. `segsync state merge` does it by meaning (README: "Merging state files"); by hand, ' +
        'remove the <<<<<<< ======= >>>>>>> lines, keep the JSON valid, then run `segsync plan`.',
    );
  }

  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch {
    throw invalidJsonError(json, path);
  }

  const version = isRecord(data) ? data.formatVersion : undefined;
  if (typeof version === 'number' && version > STATE_FORMAT_VERSION) {
    throw new UserError(
      `The state file ${path} was written by a newer segsync (state format ${version}; this version ` +
        `reads format ${STATE_FORMAT_VERSION}).`,
      'Upgrade segsync to read it. Do not edit the file by hand to downgrade it.',
    );
  }

  const problems = schemaProblems(data);
  if (problems.length > 0) {
    const listed = problems.slice(0, MAX_LISTED_PROBLEMS).map((problem) => `  - ${problem}`);
    if (problems.length > MAX_LISTED_PROBLEMS) {
      listed.push(`  - and ${problems.length - MAX_LISTED_PROBLEMS} more`);
    }
    throw new UserError(
      `The state file ${path} is not a valid segsync state file:\n${listed.join('\n')}`,
      'segsync writes this file itself; if it was edited by hand, fix the places listed (the format ' +
        'is described by schemas/state.schema.json) or restore it from version control.',
    );
  }
  return data as State;
}

function findMergeConflictLine(text: string): number | undefined {
  // A marker line cannot occur in valid JSON (strings cannot hold raw line breaks).
  const match = /^(?:<{7}|={7}|>{7}|\|{7})(?: |\r?$)/m.exec(text);
  return match ? lineColumnAt(text, match.index).line : undefined;
}

function invalidJsonError(text: string, path: string): UserError {
  let where = '';
  try {
    const problem = locateJsonSyntaxError(text);
    if (problem) where = `: ${problem.message} at line ${problem.line}, column ${problem.column}`;
  } catch {
    // The locator recurses; absurdly deep nesting can overflow it. The message just loses its place.
  }
  return new UserError(
    `The state file ${path} is not valid JSON${where}.`,
    'segsync writes this file itself; if it was edited by hand, fix the syntax at that place or ' +
      'restore the file from version control (a lost entry makes segsync create that segment again).',
  );
}

// ---------------------------------------------------------------------------------------------
// Validation (ajv, compiled lazily once)

interface Validators {
  state: ValidateFunction;
  entry: ValidateFunction;
}

let validators: Validators | undefined;

// RFC 3339 date-time, which is what `new Date().toISOString()` produces. Registered by hand
// because ajv-formats is not a dependency and ajv rejects unknown formats in strict mode.
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/i;

function compiledValidators(): Validators {
  if (!validators) {
    const schema = JSON.parse(readFileSync(SCHEMA_URL, 'utf8')) as object;
    const ajv = new Ajv2020({ allErrors: true });
    ajv.addFormat('date-time', DATE_TIME);
    ajv.addSchema(schema, 'state');
    validators = {
      state: ajv.compile({ $ref: 'state' }),
      entry: ajv.compile({ $ref: 'state#/$defs/entry' }),
    };
  }
  return validators;
}

/** Readable problems ("<json path>: <what is wrong>") of a parsed state file; empty when valid. */
export function schemaProblems(data: unknown): string[] {
  const validate = compiledValidators().state;
  if (!validate(data)) return describeErrors(validate.errors ?? [], data, '$');
  const problems: string[] = [];
  for (const [name, entry] of Object.entries((data as State).segments)) {
    if (entry.payload.name !== name) {
      problems.push(
        `${jsonPath('$', ['segments', name, 'payload', 'name'])}: must equal the segment's key ${JSON.stringify(name)}`,
      );
    }
  }
  return problems;
}

/** Problems of one entry about to be recorded under `name`; empty when valid. */
export function entryProblems(name: string, entry: unknown): string[] {
  const validate = compiledValidators().entry;
  const base = jsonPath('$', ['segments', name]);
  if (!validate(entry)) return describeErrors(validate.errors ?? [], entry, base);
  const payloadName = (entry as StateEntry).payload.name;
  return payloadName === name ? [] : [`${base}.payload.name: must equal the segment's key`];
}

function describeErrors(errors: ErrorObject[], data: unknown, root: string): string[] {
  const seen = new Set<string>();
  const problems: string[] = [];
  for (const error of errors) {
    // "must match "then" schema" only repeats the problems already reported inside `then`.
    if (error.keyword === 'if') continue;
    const problem = `${jsonPath(root, pointerSegments(error.instancePath, data))}: ${describeError(error)}`;
    if (seen.has(problem)) continue;
    seen.add(problem);
    problems.push(problem);
  }
  return problems;
}

function describeError(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return `missing required property ${JSON.stringify(params.missingProperty)}`;
    case 'additionalProperties':
      return `unknown property ${JSON.stringify(params.additionalProperty)}`;
    case 'const':
      return `must be ${JSON.stringify(params.allowedValue)}`;
    case 'enum':
      return `must be one of ${(params.allowedValues as unknown[]).map((value) => JSON.stringify(value)).join(', ')}`;
    case 'type':
      return `must be ${article(String(params.type))}`;
    case 'format':
      return `must be a ${String(params.format)} such as 2026-01-31T09:00:00.000Z`;
    case 'minLength':
      return params.limit === 1 ? 'must not be empty' : (error.message ?? 'is invalid');
    case 'pattern':
      return error.instancePath.endsWith('/digest')
        ? 'must be "sha256:" followed by 64 lowercase hex digits'
        : `must match ${String(params.pattern)}`;
    default:
      return error.message ?? 'is invalid';
  }
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/** Splits an ajv instancePath (a JSON Pointer) into keys and array indexes, guided by the data. */
function pointerSegments(pointer: string, data: unknown): (string | number)[] {
  if (pointer === '') return [];
  const segments: (string | number)[] = [];
  let node: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const segment = Array.isArray(node) ? Number(key) : key;
    segments.push(segment);
    node =
      isRecord(node) || Array.isArray(node) ? (node as Record<string, unknown>)[key] : undefined;
  }
  return segments;
}

/** `$.segments["VIP Customers"].payload.groups[0]`: readable, and unambiguous for any name. */
function jsonPath(root: string, segments: (string | number)[]): string {
  let path = root;
  for (const segment of segments) {
    if (typeof segment === 'number') path += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(segment)) path += `.${segment}`;
    else path += `[${JSON.stringify(segment)}]`;
  }
  return path;
}

// ---------------------------------------------------------------------------------------------
// Serialisation

/**
 * The file's exact text: keys sorted (UTF-16 code unit order) at every level, 2-space indent,
 * trailing newline, `undefined` members dropped. Written by hand rather than by sorting keys and
 * calling JSON.stringify, because JavaScript objects always enumerate integer-like keys ("10",
 * "9") first and in numeric order, which would leave segment names like those unsorted.
 */
export function serializeState(state: State): string {
  return `${stringifySorted(state, '') ?? 'null'}\n`;
}

function stringifySorted(value: unknown, indent: string): string | undefined {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const items = value.map((item) => stringifySorted(item, inner) ?? 'null');
    return `[\n${inner}${items.join(`,\n${inner}`)}\n${indent}]`;
  }
  const record = value as Record<string, unknown>;
  const members: string[] = [];
  for (const key of Object.keys(record).sort()) {
    const member = stringifySorted(record[key], inner);
    if (member !== undefined) members.push(`${inner}${JSON.stringify(key)}: ${member}`);
  }
  return members.length === 0 ? '{}' : `{\n${members.join(',\n')}\n${indent}}`;
}

const SEGMENTS_INDENT = '  ';
const ENTRY_INDENT = '    ';

/**
 * Produces exactly the bytes of serializeState, but keeps each entry's encoded member line and
 * re-encodes only entries that changed since the previous call: formatting and UTF-8-encoding a
 * 1,000-entry state on every journal write would cost several milliseconds per write. For one
 * writer whose entry objects are never modified once encoded (the journal deep-freezes them).
 */
export class StateEncoder {
  private readonly encoded = new Map<string, { entry: StateEntry; bytes: Buffer }>();

  encode(header: Omit<State, 'segments'>, segments: ReadonlyMap<string, StateEntry>): Buffer {
    const parts: Buffer[] = [Buffer.from('{\n')];
    let first = true;
    for (const key of [...Object.keys(header), 'segments'].sort()) {
      const value = key === 'segments' ? undefined : (header as Record<string, unknown>)[key];
      const member = value === undefined ? undefined : stringifySorted(value, SEGMENTS_INDENT);
      if (key !== 'segments' && member === undefined) continue;
      if (!first) parts.push(Buffer.from(',\n'));
      first = false;
      parts.push(Buffer.from(`${SEGMENTS_INDENT}${JSON.stringify(key)}: ${member ?? ''}`));
      if (key === 'segments') this.pushSegments(parts, segments);
    }
    parts.push(Buffer.from('\n}\n'));
    this.forgetRemoved(segments);
    return Buffer.concat(parts);
  }

  private pushSegments(parts: Buffer[], segments: ReadonlyMap<string, StateEntry>): void {
    if (segments.size === 0) {
      parts.push(Buffer.from('{}'));
      return;
    }
    parts.push(Buffer.from('{\n'));
    const separator = Buffer.from(',\n');
    [...segments.keys()].sort().forEach((name, index) => {
      if (index > 0) parts.push(separator);
      parts.push(this.encodedEntry(name, segments.get(name) as StateEntry));
    });
    parts.push(Buffer.from(`\n${SEGMENTS_INDENT}}`));
  }

  private encodedEntry(name: string, entry: StateEntry): Buffer {
    const cached = this.encoded.get(name);
    if (cached?.entry === entry) return cached.bytes;
    const text = `${ENTRY_INDENT}${JSON.stringify(name)}: ${stringifySorted(entry, ENTRY_INDENT) ?? 'null'}`;
    const bytes = Buffer.from(text, 'utf8');
    this.encoded.set(name, { entry, bytes });
    return bytes;
  }

  private forgetRemoved(segments: ReadonlyMap<string, StateEntry>): void {
    if (this.encoded.size <= segments.size) return;
    for (const name of this.encoded.keys()) if (!segments.has(name)) this.encoded.delete(name);
  }
}

// ---------------------------------------------------------------------------------------------
// Atomic write

let tempCounter = 0;

/**
 * Writes the complete state so the file is always either the old or the new complete state, then
 * retires the journal, whose records the new file now contains. Callers hold the state lock.
 */
export async function writeStateAtomic(path: string, state: State): Promise<void> {
  await writeFileAtomic(path, serializeState(state));
  await retireJournal(path);
}

/**
 * Temp file in the same directory (rename is only atomic within one filesystem), fsync it,
 * rename it over the target, fsync the directory so the rename itself survives a power loss.
 * Failures become a UserError naming the file and the OS error code.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const directory = dirname(path);
  const temp = join(directory, `.${basename(path)}.tmp-${process.pid}-${++tempCounter}`);
  let renamed = false;
  try {
    const handle = await open(temp, 'wx');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
    renamed = true;
    await syncDirectory(directory);
  } catch (error) {
    if (!renamed) await unlink(temp).catch(() => undefined);
    throw new UserError(
      `Could not write the state file ${path} (${describeOsError(error)}).`,
      'segsync stopped because it can no longer record what it creates. Fix the cause, then run ' +
        '`segsync plan`: creates whose answer could not be recorded show as unknown outcomes.',
    );
  }
}

/** Matches only the temp files writeFileAtomic creates for this state file. */
function tempFilePattern(path: string): RegExp {
  const escaped = basename(path).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^\\.${escaped}\\.tmp-\\d+-\\d+$`);
}

/**
 * Removes temp files a killed segsync left beside the state file. Call only while holding the
 * state lock: then no other writer of this state can be mid-write.
 */
export async function removeLeftoverTempFiles(path: string): Promise<string[]> {
  const directory = dirname(path);
  const pattern = tempFilePattern(path);
  let names: string[];
  try {
    names = await readdir(directory);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names.filter((candidate) => pattern.test(candidate))) {
    try {
      await unlink(join(directory, name));
      removed.push(name);
    } catch {
      // Already gone or not ours to remove: leaving a stray temp file behind is harmless.
    }
  }
  return removed;
}

// ---------------------------------------------------------------------------------------------
// Copy-on-write helpers: states are shared (journal snapshots), so never modify one in place.

/** A new state with `name` set to `entry`. Safe for any name, `__proto__` included. */
export function withSegment(state: State, name: string, entry: StateEntry): State {
  const segments = Object.entries(state.segments).filter(([key]) => key !== name);
  segments.push([name, entry]);
  return { ...state, segments: Object.fromEntries(segments) };
}

/** A new state without `name`. */
export function withoutSegment(state: State, name: string): State {
  const segments = Object.entries(state.segments).filter(([key]) => key !== name);
  return { ...state, segments: Object.fromEntries(segments) };
}

/** The entry recorded for `name`, never an inherited property such as `constructor`. */
export function segmentEntry(state: State, name: string): StateEntry | undefined {
  return Object.hasOwn(state.segments, name) ? state.segments[name] : undefined;
}

// ---------------------------------------------------------------------------------------------

const OS_ERROR_WORDS: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOENT: 'the directory does not exist',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  EIO: 'input/output error',
  EMFILE: 'too many open files',
};

/** "ENOSPC: no space left on the device" — the code for searching, the words for reading. */
export function describeOsError(error: unknown): string {
  const code = errorCode(error);
  if (code === undefined) return error instanceof Error ? error.message : String(error);
  const words = OS_ERROR_WORDS[code];
  return words ? `${code}: ${words}` : code;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
