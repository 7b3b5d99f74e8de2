// The state session: the one way segsync writes the state file. It holds the state lock from
// open() to close(); apply records each create through it, and `segsync state resolve|forget`
// change the state through edit(). Every change goes the same way: into memory at once, then
// durably into the write-ahead log (wal.ts), then into the state file when the session closes.
//
// Group commit: apply records PENDING before each create is sent, then CREATED (or clears the
// entry) when Wati answers. Each record must be durable before the caller relies on it, but rewriting + fsyncing the
// whole file once per record is too slow for a thousand creates. So: mutations change the
// in-memory state at once and are appended to the log beside the state file (wal.ts); at most one
// append is in flight; every mutation made meanwhile is carried by the next append; a mutation's
// promise settles when an append that includes it is durable (or has failed). The state file
// itself is rewritten atomically when the journal opens and closes (compaction).

import { UserError } from '../core/errors.js';
import type { CreatedEntry, PendingEntry, State, StateEntry } from '../core/model.js';
import { STATE_FORMAT_VERSION } from '../core/model.js';
import type { StateLock } from './lock.js';
import { resolveStateFile } from './identity.js';
import { acquireStateLock } from './lock.js';
import { describeOsError } from '../core/os-errors.js';
import {
  readStateAndJournal,
  removeLeftoverTempFiles,
  StateEncoder,
  stateFileExists,
  writeFileAtomic,
} from './file.js';
import { entryProblems } from './schema.js';
import { encodeRecord, JournalAppender, retireJournal } from './wal.js';

export interface SessionStats {
  /** Successful durable writes: log appends and state file rewrites. */
  writes: number;
  mutations: number;
  bytesWritten: number;
  /** Time spent serialising and writing (fsync, rename and directory fsync included). */
  writeMsTotal: number;
}

interface Waiter {
  /** The in-memory version that must be durable before this waiter resolves. */
  version: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class StateSession {
  readonly stats: SessionStats = { writes: 0, mutations: 0, bytesWritten: 0, writeMsTotal: 0 };

  // A Map, not a copied State per mutation: copying a 1,000-entry object costs milliseconds.
  private readonly entries: Map<string, StateEntry>;
  private readonly endpoint: string | undefined;
  /** The State view of `entries`, built on demand and kept until the next mutation. */
  private snapshot: State | undefined;
  private readonly encoder = new StateEncoder();
  /** Bumped by every mutation; a write carries the version it serialised. */
  private version = 0;
  private durableVersion = 0;
  private waiters: Waiter[] = [];
  private writing = false;
  private closing = false;
  /** Log records of mutations not yet appended. */
  private unwritten: string[] = [];
  private appender: JournalAppender | undefined;
  /** After a failed append the log may end in a torn line: rewrite the state file instead. */
  private mustCompact = false;
  /** A fold was asked for (`foldIntoStateFile`): the next write rewrites the state file. */
  private foldRequested = false;
  /** The version the state file was last rewritten with (-1: not by this session). */
  private compactedVersion = -1;

  private constructor(
    private readonly path: string,
    private readonly lock: StateLock,
    state: State,
  ) {
    this.endpoint = state.endpoint;
    this.entries = new Map(
      Object.entries(state.segments).map(([name, entry]) => [name, deepFreeze(entry)]),
    );
  }

  /**
   * Takes the lock, reads the state and removes temp files a killed run left behind. Refuses a
   * state that belongs to another endpoint; a state without one adopts `options.endpoint`
   * (written with the first write).
   */
  static async open(
    path: string,
    options: { command: string; endpoint?: string },
  ): Promise<StateSession> {
    // The file, not the path: through a symlink, the log, the temp files and the rewrite all live
    // beside the real file, which is where the lock is too.
    const realPath = resolveStateFile(path);
    const lock = await acquireStateLock(realPath, { command: options.command });
    try {
      const read = await readStateAndJournal(realPath);
      let state = read.state;
      let adoptedEndpoint = false;
      if (options.endpoint !== undefined) {
        if (state.endpoint === undefined) {
          state = { ...state, endpoint: options.endpoint };
          adoptedEndpoint = true;
        } else if (state.endpoint !== options.endpoint) {
          throw endpointMismatchError(path, state.endpoint, options.endpoint);
        }
      }
      await removeLeftoverTempFiles(realPath);
      const session = new StateSession(realPath, lock, state);
      // A log left by a killed run may end in a torn line: fold it into the state file now, so
      // this run's log starts empty.
      if (read.journalFound) await session.compact();
      // The endpoint is not a log record: the first write rewrites the state file to carry it.
      else if (adoptedEndpoint) session.mustCompact = true;
      return session;
    } catch (error) {
      // The original error matters more than a failure to remove our own lock.
      await lock.release().catch(() => undefined);
      throw error;
    }
  }

  /** The in-memory state, including mutations not yet durable. Frozen: never modify it. */
  get state(): State {
    if (!this.snapshot) {
      const state: State = { formatVersion: STATE_FORMAT_VERSION, segments: {} };
      if (this.endpoint !== undefined) state.endpoint = this.endpoint;
      // fromEntries defines own properties, so even a segment named __proto__ stays an entry.
      state.segments = Object.freeze(Object.fromEntries(this.entries));
      this.snapshot = Object.freeze(state);
    }
    return this.snapshot;
  }

  /** Records that a create is about to be sent. Send it only once this resolves. */
  recordPending(name: string, entry: Omit<PendingEntry, 'status'>): Promise<void> {
    return this.mutate(name, (existing) => {
      if (existing) throw refuse(name, existing, 'record it as pending');
      return { ...entry, status: 'pending' };
    });
  }

  /** Records the id Wati returned; replaces the pending entry (or records a fresh one). */
  recordCreated(name: string, entry: Omit<CreatedEntry, 'status'>): Promise<void> {
    return this.mutate(name, (existing) => {
      if (existing?.status === 'created') throw refuse(name, existing, 'record it as created');
      return { ...entry, status: 'created' };
    });
  }

  /** Keeps the pending entry (the create may have reached Wati) and says why it is unknown. */
  markUnknown(name: string, reason: string): Promise<void> {
    return this.mutate(name, (existing) => {
      if (existing?.status !== 'pending') throw refuse(name, existing, 'mark it unknown');
      return { ...existing, reason };
    });
  }

  /** Removes a pending entry: the create definitely failed (or was never sent). */
  clear(name: string): Promise<void> {
    const existing = this.entries.get(name);
    // Nothing to remove in memory, but an earlier removal may not be durable yet.
    if (!existing) return this.flush();
    return this.mutate(name, () => {
      if (existing.status === 'created') throw refuse(name, existing, 'clear it');
      return undefined;
    });
  }

  /**
   * Rewrites the state file with everything recorded so far and retires the log, so the file alone
   * (e.g. for a git commit) holds every record. Goes through the single writer: a rewrite racing
   * an append could retire a log record the rewrite does not contain.
   */
  foldIntoStateFile(): Promise<void> {
    if (this.closing)
      return Promise.reject(new Error(`The state session for ${this.path} is closed.`));
    this.foldRequested = true;
    // A version of its own: a write already under way (which may not fold) cannot settle it.
    this.version++;
    return this.waitForDurable(this.version);
  }

  /**
   * Takes in entries that a merge by meaning (src/state/merge.ts) decided, e.g. records another
   * run pushed meanwhile. Never replaces a created entry by anything but the same record.
   */
  adoptMerged(merged: State): Promise<void> {
    const changes: Promise<void>[] = [];
    for (const [name, entry] of Object.entries(merged.segments)) {
      const existing = this.entries.get(name);
      if (existing !== undefined && JSON.stringify(existing) === JSON.stringify(entry)) continue;
      changes.push(
        this.mutate(name, (current) => {
          if (
            current?.status === 'created' &&
            (entry.status !== 'created' || entry.id !== current.id)
          ) {
            throw refuse(name, current, 'replace it by a merged record');
          }
          return entry;
        }),
      );
    }
    return Promise.all(changes).then(() => undefined);
  }

  /**
   * Replaces the state by `change(state)` (a pure function, e.g. from reconcile.ts): each entry
   * that differs is recorded like apply's records, and is durable when this resolves. The
   * endpoint is not the edit's to change.
   */
  async edit(change: (state: State) => State): Promise<void> {
    const before = this.state;
    const after = change(before);
    const names = new Set([...Object.keys(before.segments), ...Object.keys(after.segments)]);
    const changes: [string, StateEntry | undefined][] = [];
    for (const name of names) {
      const next = Object.hasOwn(after.segments, name) ? after.segments[name] : undefined;
      if (next === this.entries.get(name)) continue;
      // Edits carry what a user typed (state resolve --id ...): checked against the schema, all
      // before any is recorded. apply's own records skip this check (see ownedEntry).
      const problems = next === undefined ? [] : entryProblems(name, plainCopy(next));
      if (problems.length > 0) {
        throw new Error(`Refusing to record an invalid state entry: ${problems.join('; ')}`);
      }
      changes.push([name, next]);
    }
    if (changes.length === 0) return;
    // A hand edit is one small change: one atomic rewrite of the state file makes it durable,
    // cheaper than a log append followed by the same rewrite at close.
    this.mustCompact = true;
    await Promise.all(changes.map(([name, next]) => this.mutate(name, () => next)));
  }

  /** Resolves once everything recorded so far is durable. */
  flush(): Promise<void> {
    if (this.durableVersion === this.version) return Promise.resolve();
    return this.waitForDurable(this.version);
  }

  /**
   * Flushes, rewrites the state file with everything recorded and removes the log, then releases
   * the lock (even when that failed: the log still holds every record, and the next run folds it in).
   */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    try {
      await this.flush();
      // Nothing recorded, nothing to rewrite: an apply with nothing to do changes no file; and
      // a file just rewritten with everything (an edit) is not rewritten again.
      if (this.stats.writes > 0 && this.compactedVersion !== this.version) await this.compact();
    } finally {
      try {
        this.closeAppender();
      } catch {
        // Everything appended was already made durable; a failing close loses nothing.
      }
      await this.lock.release();
    }
  }

  /** Writes the whole state atomically, then retires the log it now contains. */
  private async compact(): Promise<void> {
    const started = performance.now();
    const version = this.version;
    const header = this.endpoint === undefined ? {} : { endpoint: this.endpoint };
    const bytes = this.encoder.encode(
      { formatVersion: STATE_FORMAT_VERSION, ...header },
      this.entries,
    );
    await writeFileAtomic(this.path, bytes);
    try {
      this.closeAppender();
      await retireJournal(this.path);
    } catch (error) {
      // Harmless for correctness (replaying the log again changes nothing), but say so.
      throw new UserError(
        `Could not remove the state journal beside ${this.path} (${describeOsError(error)}).`,
        'The state file is complete; delete the .journal file by hand once segsync is not running.',
      );
    }
    this.compactedVersion = version;
    this.stats.writes++;
    this.stats.bytesWritten += bytes.length;
    this.stats.writeMsTotal += performance.now() - started;
  }

  private closeAppender(): void {
    const appender = this.appender;
    this.appender = undefined;
    appender?.close();
  }

  /** Appends the unwritten records durably; after an earlier failure, compacts instead. */
  private async persist(): Promise<void> {
    const text = this.unwritten.join('');
    this.unwritten = [];
    if (this.mustCompact || this.foldRequested) {
      // Cleared before the write: a fold asked for while this one runs gets a pass of its own.
      this.foldRequested = false;
      try {
        await this.compact();
      } catch (error) {
        this.mustCompact = true;
        throw error;
      }
      this.mustCompact = false;
      return;
    }
    const started = performance.now();
    try {
      this.appender ??= await JournalAppender.open(this.path);
      this.stats.bytesWritten += this.appender.append(text);
      this.stats.writes++;
      this.stats.writeMsTotal += performance.now() - started;
    } catch (error) {
      this.mustCompact = true;
      throw new UserError(
        `Could not write the state journal beside ${this.path} (${describeOsError(error)}).`,
        'segsync stopped because it can no longer record what it creates. Fix the cause, then run ' +
          '`segsync plan`: creates whose answer could not be recorded show as unknown outcomes.',
      );
    }
  }

  private mutate(
    name: string,
    change: (existing: StateEntry | undefined) => StateEntry | undefined,
  ): Promise<void> {
    let next: StateEntry | undefined;
    try {
      if (this.closing) throw new Error(`The state session for ${this.path} is closed.`);
      next = change(this.entries.get(name));
      if (next !== undefined) next = ownedEntry(name, next);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    if (next === undefined) this.entries.delete(name);
    else this.entries.set(name, next);
    this.unwritten.push(
      encodeRecord(next === undefined ? { op: 'delete', name } : { op: 'set', name, entry: next }),
    );
    this.snapshot = undefined;
    this.version++;
    this.stats.mutations++;
    return this.waitForDurable(this.version);
  }

  private waitForDurable(version: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ version, resolve, reject });
      if (this.writing) return;
      this.writing = true;
      // Start on the next turn of the event loop, not now: every mutation made by the callbacks
      // of this turn (responses that arrived together, timers due together) joins the same write.
      setImmediate(() => void this.writeWhileWaited());
    });
  }

  /** The single writer: each pass writes everything mutated so far, then settles its waiters. */
  private async writeWhileWaited(): Promise<void> {
    try {
      while (this.waiters.length > 0) {
        const version = this.version;
        let failure: unknown;
        try {
          await this.persist();
          this.durableVersion = version;
        } catch (error) {
          // Later mutations still try their own write: recording a created id is worth a retry.
          failure = error;
        }
        const settled = this.waiters.filter((waiter) => waiter.version <= version);
        this.waiters = this.waiters.filter((waiter) => waiter.version > version);
        for (const waiter of settled) {
          if (failure === undefined) waiter.resolve();
          else waiter.reject(failure);
        }
      }
    } finally {
      this.writing = false;
    }
  }
}

/**
 * A deep, frozen copy without `undefined` members (JSON would drop them; the in-memory state must
 * equal what a reader replays). Not checked against the state schema: segsync builds these entries
 * itself from typed values, and the schema check is for what comes from disk (a JSON round trip
 * and an ajv run per record cost ~8% of a create's CPU). The one rule the types cannot express is
 * checked here.
 */
function ownedEntry(name: string, entry: StateEntry): StateEntry {
  if (entry.payload.name !== name) {
    // A bug in the caller, not a user mistake: recording it would make the state file unreadable.
    throw new Error(
      `Refusing to record an invalid state entry: payload.name ${JSON.stringify(entry.payload.name)} is not the key ${JSON.stringify(name)}.`,
    );
  }
  return deepFreeze(plainCopy(entry));
}

function plainCopy<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item: unknown) => plainCopy(item)) as T;
  if (typeof value !== 'object' || value === null) return value;
  // fromEntries defines own properties: no key can reach the prototype.
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, member]) => member !== undefined)
      .map(([key, member]) => [key, plainCopy(member)]),
  ) as T;
}

/** Guards the one invariant that matters most: never lose the record of a created segment. */
function refuse(name: string, existing: StateEntry | undefined, action: string): Error {
  const found = existing
    ? existing.status === 'created'
      ? `is recorded as created (id ${existing.id})`
      : 'is already pending (unknown outcome)'
    : 'is not recorded';
  return new Error(`Cannot ${action}: segment ${JSON.stringify(name)} ${found}.`);
}

function endpointMismatchError(path: string, recorded: string, requested: string): UserError {
  return new UserError(
    `The state file ${path} belongs to ${displayEndpoint(recorded)}, but this run targets ` +
      `${displayEndpoint(requested)}.`,
    'Applying a state file against a different account would skip the segments it records, which ' +
      'do not exist there. Use the state file that belongs to this account (one state file per ' +
      'account or environment), or check the endpoint setting.',
  );
}

/** Endpoints never hold credentials, but if one pasted with user:password@ or a query it stays out. */
function displayEndpoint(endpoint: string): string {
  try {
    const url = new URL(endpoint);
    if (!url.username && !url.password && !url.search) return endpoint;
    url.username = '';
    url.password = '';
    url.search = '';
    return url.toString();
  } catch {
    return endpoint;
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const member of Object.values(value)) deepFreeze(member);
    Object.freeze(value);
  }
  return value;
}

/**
 * `segsync state init` and `segsync init`: writes an empty state file where there is none (under
 * the lock, atomically), so that apply knows this is a new state and not a lost or mistyped one.
 * It belongs to no endpoint until the first apply records its own. An existing state (or the
 * journal of a killed first apply) is left as it is.
 */
export async function createStateFile(
  path: string,
  command: string,
): Promise<'created' | 'exists'> {
  if (await stateFileExists(path)) return 'exists';
  const session = await StateSession.open(path, { command });
  try {
    // Checked again under the lock: another segsync may have written it meanwhile.
    if (await stateFileExists(path)) return 'exists';
    await session.foldIntoStateFile();
    return 'created';
  } finally {
    await session.close();
  }
}

/**
 * One edit of the state file by hand (`segsync state resolve|forget`): open a session (lock, read,
 * replay), apply `change`, close (write the file, release the lock).
 */
export async function editStateFile(
  path: string,
  command: string,
  change: (state: State) => State,
): Promise<void> {
  const session = await StateSession.open(path, { command });
  try {
    await session.edit(change);
  } finally {
    await session.close();
  }
}
