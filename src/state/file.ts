// The state file on disk: read (with the write-ahead log's records replayed), parse, serialise
// (canonical JSON: clean git diffs) and write atomically. This module is the only place that
// knows the file's layout; the schema check is schema.ts, and every write goes through the
// session (session.ts), which holds the lock.

import { access, open, readdir, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { prettyCanonicalJson } from '../core/canonical-json.js';
import { describeOsError } from '../core/os-errors.js';
import { UserError } from '../core/errors.js';
import { isRecord } from '../core/guards.js';
import { readTextFileOrThrowAsync } from '../files/read.js';
import type { State, StateEntry } from '../core/model.js';
import { STATE_FORMAT_VERSION } from '../core/model.js';
import { resolveStateFile } from './identity.js';
import { lineColumnAt, locateJsonSyntaxError } from './json-syntax.js';
import { entryProblems, schemaProblems } from './schema.js';
import { journalPathOf, readJournal, replayJournal, syncDirectory } from './wal.js';

/** How many schema problems one error message lists before "and N more". */
const MAX_LISTED_PROBLEMS = 5;

export function emptyState(): State {
  return { formatVersion: STATE_FORMAT_VERSION, segments: {} };
}

// ---------------------------------------------------------------------------------------------
// Reading

/**
 * Whether there is a state at `path`: the file, or the journal a killed first apply left beside
 * it (its records count). A missing state reads as empty, which is how apply would create every
 * segment again from a mistyped path: callers that are about to create ask this first.
 */
export async function stateFileExists(path: string): Promise<boolean> {
  const realPath = resolveStateFile(path);
  for (const candidate of [realPath, journalPathOf(realPath)]) {
    if (
      await access(candidate).then(
        () => true,
        () => false,
      )
    )
      return true;
  }
  return false;
}

/** Reads and validates the state file; a missing file is an empty state (nothing created yet). */
export async function readState(path: string): Promise<State> {
  return (await readStateAndJournal(path)).state;
}

/**
 * `readState`, also saying whether an interrupted apply left a journal beside the file (its
 * records are already replayed into `state`). Through a symlink, the journal beside the real file
 * is the one that counts.
 */
export async function readStateAndJournal(
  path: string,
): Promise<{ state: State; journalFound: boolean }> {
  const realPath = resolveStateFile(path);
  const text = await readTextFileOrThrowAsync(
    realPath,
    'state',
    path,
    'Check that the path points to a readable state file.',
  );
  // No state file yet, but a first apply that was killed may have left its journal.
  if (text === undefined) return withJournal(emptyState(), realPath);
  const state = parseState(text, path);
  return withJournal(state, realPath);
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
    const badId = problems.some((problem) => problem.includes('is not a usable segment id'));
    throw new UserError(
      `The state file ${path} is not a valid segsync state file:\n${listed.join('\n')}`,
      'segsync writes this file itself; if it was edited by hand, fix the places listed (the format ' +
        'is described by schemas/state.schema.json) or restore it from version control.' +
        (badId
          ? " For an id, copy the segment's id from the Wati dashboard into the file. An older " +
            'segsync recorded whatever a server answered: if an id held your API token, rotate the ' +
            'token in the Wati dashboard, since this file is committed.'
          : ''),
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

/**
 * The line of each entry (and of the `segments` key) in state file text as segsync writes it
 * (serializeState), for annotations on the file. Lines of a hand-formatted file may be missed:
 * then a diagnostic has no line, never a wrong one.
 */
export function stateFileLines(text: string): {
  segments?: number;
  entries: Map<string, number>;
} {
  const entries = new Map<string, number>();
  let segments: number | undefined;
  text.split('\n').forEach((line, index) => {
    if (segments === undefined && line.startsWith(`${SEGMENTS_INDENT}"segments": `)) {
      segments = index + 1;
      return;
    }
    const key = /^ {4}("(?:[^"\\]|\\.)*"): \{$/.exec(line)?.[1];
    if (key === undefined) return;
    try {
      const name: unknown = JSON.parse(key);
      if (typeof name === 'string' && !entries.has(name)) entries.set(name, index + 1);
    } catch {
      // Not a key segsync wrote: no line for it.
    }
  });
  return segments === undefined ? { entries } : { segments, entries };
}

// ---------------------------------------------------------------------------------------------
// Serialisation

/**
 * The file's exact text: canonical JSON (keys sorted at every level, even integer-like segment
 * names), 2-space indent, trailing newline, `undefined` members dropped.
 */
export function serializeState(state: State): string {
  return `${prettyCanonicalJson(state)}\n`;
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
      const member = value === undefined ? undefined : prettyCanonicalJson(value, SEGMENTS_INDENT);
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
    const text = `${ENTRY_INDENT}${JSON.stringify(name)}: ${prettyCanonicalJson(entry, ENTRY_INDENT)}`;
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
 * Temp file in the same directory (rename is only atomic within one filesystem), fsync it,
 * rename it over the target, fsync the directory so the rename itself survives a power loss.
 * Failures become a UserError naming the file and the OS error code. Through a symlink, all of
 * this happens beside the real file, so the link stays a link and keeps naming the new content.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const realPath = resolveStateFile(path);
  const directory = dirname(realPath);
  const temp = join(directory, `.${basename(realPath)}.tmp-${process.pid}-${++tempCounter}`);
  let renamed = false;
  try {
    const handle = await open(temp, 'wx');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, realPath);
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
  const realPath = resolveStateFile(path);
  const directory = dirname(realPath);
  const pattern = tempFilePattern(realPath);
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
