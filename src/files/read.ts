// The one way segsync reads a file it is given or finds: checked to be a regular file before it
// is opened (so a device is never opened at all), opened non-blocking (so a FIFO swapped in
// meanwhile cannot hang the open), checked again on the open descriptor, and read up to the bound
// for its kind of file. `/dev/zero`, a FIFO, a directory or a huge file is refused with words
// that say what it is, never read until memory runs out or a writer turns up. The bounds are
// documented in the README ("Files segsync reads"): keep the two in step.

import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, statSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { describeFsError } from '../core/os-errors.js';
import { errorCode, UserError } from '../core/errors.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** Every kind of file segsync reads, what it is called in messages, and the most it reads of it. */
export const FILE_KINDS = {
  definition: { label: 'definition file', maxBytes: 1 * MiB },
  config: { label: 'configuration file', maxBytes: 1 * MiB },
  contactList: { label: 'contact list', maxBytes: 1 * MiB },
  state: { label: 'state file', maxBytes: 64 * MiB },
  journal: { label: 'state journal', maxBytes: 64 * MiB },
  lock: { label: 'state lock', maxBytes: 64 * KiB },
  savedPlan: { label: 'saved plan', maxBytes: 64 * MiB },
  stateRows: { label: 'list of state rows', maxBytes: 64 * MiB },
  token: { label: 'token file', maxBytes: 16 * KiB },
  emulatorData: { label: 'emulator data file', maxBytes: 64 * MiB },
  emulatorContacts: { label: 'contacts file', maxBytes: 16 * MiB },
  projectFile: { label: 'file', maxBytes: 1 * MiB },
} as const;

export type FileKind = keyof typeof FILE_KINDS;

export type ReadProblem =
  | { kind: 'missing'; danglingLink: boolean }
  /** `is`: what it is instead, e.g. "a FIFO (named pipe)". */
  | { kind: 'not-regular'; is: string }
  /** `size`: known when the file said so up front; unknown when it kept producing bytes. */
  | { kind: 'too-large'; size?: number; maxBytes: number }
  | { kind: 'unreadable'; code: string | undefined; words: string };

export type ReadOutcome = { ok: true; bytes: Buffer } | { ok: false; problem: ReadProblem };

/** O_NONBLOCK: opening a FIFO waits for a writer otherwise. Not defined on Windows. */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0);
const CHUNK_BYTES = 64 * KiB;

/** Reads at most the bound of `kind` from the regular file at `path`; never throws. */
export function readBoundedFile(path: string, kind: FileKind): ReadOutcome {
  const maxBytes = FILE_KINDS[kind].maxBytes;
  let fd: number;
  try {
    const refused = refusal(statSync(path), maxBytes);
    if (refused) return refused;
    fd = openSync(path, OPEN_FLAGS);
  } catch (error) {
    return { ok: false, problem: failedToOpen(path, error) };
  }
  try {
    // What was opened may not be what was checked (replaced in between): check it again.
    const refused = refusal(fstatSync(fd), maxBytes);
    if (refused) return refused;
    const bytes = new BoundedBytes(maxBytes);
    while (bytes.room()) {
      const chunk = bytes.nextChunk();
      if (!bytes.add(chunk, readSync(fd, chunk, 0, chunk.length, null))) break;
    }
    return bytes.outcome();
  } catch (error) {
    return { ok: false, problem: unreadable(error) };
  } finally {
    closeSync(fd);
  }
}

/** readBoundedFile for async callers: the same checks, without holding up the event loop. */
export async function readBoundedFileAsync(path: string, kind: FileKind): Promise<ReadOutcome> {
  const maxBytes = FILE_KINDS[kind].maxBytes;
  let handle: FileHandle;
  try {
    const refused = refusal(await stat(path), maxBytes);
    if (refused) return refused;
    handle = await open(path, OPEN_FLAGS);
  } catch (error) {
    return { ok: false, problem: failedToOpen(path, error) };
  }
  try {
    const refused = refusal(await handle.stat(), maxBytes);
    if (refused) return refused;
    const bytes = new BoundedBytes(maxBytes);
    while (bytes.room()) {
      const chunk = bytes.nextChunk();
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (!bytes.add(chunk, bytesRead)) break;
    }
    return bytes.outcome();
  } catch (error) {
    return { ok: false, problem: unreadable(error) };
  } finally {
    await handle.close();
  }
}

/** Why a file with these stats is not read at all, or undefined when it may be. */
function refusal(stats: Stats, maxBytes: number): ReadOutcome | undefined {
  if (!stats.isFile()) return notRegular(stats);
  if (stats.size > maxBytes) return tooLarge(stats.size, maxBytes);
  return undefined;
}

/**
 * The bytes read so far, up to one past the bound. A file's size is not a promise: /proc files
 * say 0 and hold more, and a file may grow while it is read, so reading stops at the bound.
 */
class BoundedBytes {
  private readonly chunks: Buffer[] = [];
  private total = 0;
  private ended = false;

  constructor(private readonly maxBytes: number) {}

  room(): boolean {
    return !this.ended && this.total <= this.maxBytes;
  }

  nextChunk(): Buffer {
    return Buffer.allocUnsafe(Math.min(CHUNK_BYTES, this.maxBytes + 1 - this.total));
  }

  /** False at the end of the file. */
  add(chunk: Buffer, read: number): boolean {
    if (read === 0) {
      this.ended = true;
      return false;
    }
    this.chunks.push(read === chunk.length ? chunk : chunk.subarray(0, read));
    this.total += read;
    return true;
  }

  outcome(): ReadOutcome {
    if (this.total > this.maxBytes) return tooLarge(undefined, this.maxBytes);
    return { ok: true, bytes: Buffer.concat(this.chunks, this.total) };
  }
}

function notRegular(stats: Stats): ReadOutcome {
  return { ok: false, problem: { kind: 'not-regular', is: describeFileType(stats) } };
}

function tooLarge(size: number | undefined, maxBytes: number): ReadOutcome {
  return {
    ok: false,
    problem:
      size === undefined ? { kind: 'too-large', maxBytes } : { kind: 'too-large', size, maxBytes },
  };
}

/** What a file that is not a regular file is, in words. */
function describeFileType(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  if (stats.isSymbolicLink()) return 'a symbolic link';
  return 'something other than a file';
}

function failedToOpen(path: string, error: unknown): ReadProblem {
  const code = errorCode(error);
  if (code === 'ENOENT') {
    let danglingLink = false;
    try {
      danglingLink = lstatSync(path).isSymbolicLink();
    } catch {
      // Gone entirely: a plain missing file.
    }
    return { kind: 'missing', danglingLink };
  }
  if (code === 'ENXIO') return { kind: 'not-regular', is: 'a socket' }; // opening a socket
  return unreadable(error);
}

function unreadable(error: unknown): ReadProblem {
  return { kind: 'unreadable', code: errorCode(error), words: describeFsError(error) };
}

/** "is a FIFO (named pipe), not a regular file", "is 3.0 MiB, over the 1 MiB limit for …". */
export function describeReadProblem(problem: ReadProblem, kind: FileKind): string {
  const { label } = FILE_KINDS[kind];
  switch (problem.kind) {
    case 'missing':
      return problem.danglingLink
        ? 'is a symbolic link to a file that does not exist'
        : 'does not exist';
    case 'not-regular':
      return `is ${problem.is}, not a regular file`;
    case 'too-large':
      return problem.size === undefined
        ? `holds more than ${formatBytes(problem.maxBytes)}, the limit for a ${label}`
        : `is ${formatBytes(problem.size)}, over the ${formatBytes(problem.maxBytes)} limit for a ${label}`;
    case 'unreadable':
      return `cannot be read (${problem.words})`;
  }
}

export function formatBytes(bytes: number): string {
  if (bytes >= MiB) {
    const mib = bytes / MiB;
    return `${Number.isInteger(mib) ? mib : mib.toFixed(1)} MiB`;
  }
  if (bytes >= KiB) {
    const kib = bytes / KiB;
    return `${Number.isInteger(kib) ? kib : kib.toFixed(1)} KiB`;
  }
  return `${bytes} bytes`;
}

// ---------------------------------------------------------------------------------------------
// Text files for commands (state, journal, lock, plan, token...): a UserError instead of a result.

/**
 * The file's bytes, or undefined when it does not exist; any other problem is a UserError naming
 * the file (`shown`) and what is wrong with it, never its content.
 */
export function readFileOrThrow(
  path: string,
  kind: FileKind,
  shown: string,
  hint?: string,
): Buffer | undefined {
  return bytesOrThrow(readBoundedFile(path, kind), kind, shown, hint);
}

function bytesOrThrow(
  read: ReadOutcome,
  kind: FileKind,
  shown: string,
  hint = 'Check the path: segsync reads regular files only.',
): Buffer | undefined {
  if (read.ok) return read.bytes;
  if (read.problem.kind === 'missing' && !read.problem.danglingLink) return undefined;
  throw new UserError(
    `The ${FILE_KINDS[kind].label} ${shown} ${describeReadProblem(read.problem, kind)}.`,
    hint,
  );
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * UTF-8 text without NUL bytes (a BOM is dropped), or undefined for anything else: binary data
 * such as /proc/self/environ (NUL-separated) is refused as a whole, never quoted in an error.
 */
function decodeText(bytes: Uint8Array): string | undefined {
  if (bytes.includes(0)) return undefined;
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** readFileOrThrow, decoded with decodeText; a file that is not text is a UserError too. */
export function readTextFileOrThrow(
  path: string,
  kind: FileKind,
  shown: string,
  hint?: string,
): string | undefined {
  return textOrThrow(readFileOrThrow(path, kind, shown, hint), kind, shown, hint);
}

/** readTextFileOrThrow for async callers. */
export async function readTextFileOrThrowAsync(
  path: string,
  kind: FileKind,
  shown: string,
  hint?: string,
): Promise<string | undefined> {
  const bytes = bytesOrThrow(await readBoundedFileAsync(path, kind), kind, shown, hint);
  return textOrThrow(bytes, kind, shown, hint);
}

function textOrThrow(
  bytes: Buffer | undefined,
  kind: FileKind,
  shown: string,
  hint: string | undefined,
): string | undefined {
  if (bytes === undefined) return undefined;
  const text = decodeText(bytes);
  if (text === undefined) {
    throw new UserError(
      `The ${FILE_KINDS[kind].label} ${shown} is not UTF-8 text (it holds binary data).`,
      hint ?? 'Check the path: this does not look like a file segsync wrote.',
    );
  }
  return text;
}
