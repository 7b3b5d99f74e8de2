// One writer per state file. Two applies running at once against the same state would both
// believe a segment is missing and create it twice, so apply and `state` edits hold
// `<state>.lock`, created with O_EXCL. Read-only commands (plan, validate) never take it.
// The lock belongs to the file, not the path: it lives beside the real file (symlinks resolved,
// see identity.ts), so a symlink and its target share one lock.

import { randomUUID } from 'node:crypto';
import { unlinkSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { mkdir, open, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { errorCode, StateLockedError, UserError } from '../core/errors.js';
import { describeOsError } from '../core/os-errors.js';
import { refuseHardLinkedStateFile, resolveStateFile } from './identity.js';
import { readFileOrThrow } from '../files/read.js';

/** What the lock file says about the process holding it. */
export interface LockInfo {
  pid: number;
  hostname: string;
  /** ISO-8601 timestamp of the moment the lock was taken. */
  startedAt: string;
  /** The segsync command holding it, e.g. `apply`. */
  command: string;
  /**
   * Random per acquisition. pid + host + start time are not unique: one process can take, lose
   * (`state unlock`) and retake the lock within the same millisecond, and release must then tell
   * its old lock from its new one.
   */
  token: string;
}

export interface StateLock {
  readonly path: string;
  readonly info: LockInfo;
  /** Removes the lock file if it is still ours. Idempotent. */
  release(): Promise<void>;
}

/** The lock file of the state file `statePath` names: beside the real file, symlinks resolved. */
export function lockPathOf(statePath: string): string {
  return `${resolveStateFile(statePath)}.lock`;
}

/**
 * Takes the lock of the state file `statePath` names. Refuses a state file with several hard
 * links (see identity.ts): such a file cannot be written safely, so it is not locked either.
 */
export async function acquireStateLock(
  statePath: string,
  options: { command: string },
): Promise<StateLock> {
  const realPath = resolveStateFile(statePath);
  refuseHardLinkedStateFile(realPath, statePath);
  const path = `${realPath}.lock`;
  const info: LockInfo = {
    pid: process.pid,
    hostname: hostname(),
    startedAt: new Date().toISOString(),
    command: options.command,
    token: randomUUID(),
  };
  let handle: FileHandle;
  try {
    // The first apply in a fresh checkout may point at a directory that does not exist yet.
    await mkdir(dirname(path), { recursive: true });
    handle = await open(path, 'wx');
  } catch (error) {
    if (errorCode(error) === 'EEXIST') throw lockedError(statePath, path);
    throw cannotCreateLock(path, error);
  }
  try {
    await handle.writeFile(`${JSON.stringify(info, null, 2)}\n`, 'utf8');
  } catch (error) {
    // An empty lock file would block every later run for no reason.
    await handle.close().catch(() => undefined);
    await unlink(path).catch(() => undefined);
    throw cannotCreateLock(path, error);
  }
  await handle.close();
  return new HeldLock(path, info);
}

function cannotCreateLock(path: string, error: unknown): UserError {
  return new UserError(
    `Could not create the state lock ${path} (${describeOsError(error)}).`,
    'segsync needs to write beside the state file; check the directory exists and is writable.',
  );
}

/**
 * Removes the lock whoever holds it. `segsync state unlock` first asks `inspectStateLock` whether
 * that is safe, and passes what it saw as `expected`: if the lock changed hands since (its holder
 * left and another segsync took it), it is left alone and `changed` says so. The returned holder
 * lets the caller say whose lock was removed.
 */
export async function forceUnlock(
  statePath: string,
  options: { expected?: LockStatus } = {},
): Promise<{ removed: boolean; holder?: LockInfo; changed?: boolean }> {
  const path = lockPathOf(statePath);
  const holder = readLockInfo(path);
  const expected = options.expected;
  if (expected !== undefined && expected.state !== 'free') {
    const expectedToken = expected.state === 'held' ? expected.holder.token : undefined;
    if (holder?.token !== expectedToken)
      return holder ? { removed: false, holder, changed: true } : { removed: false, changed: true };
  }
  try {
    await unlink(path);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return { removed: false };
    throw new UserError(
      `Could not remove the state lock ${path} (${describeOsError(error)}).`,
      'Check that the directory is writable, or delete the file by hand.',
    );
  }
  return holder ? { removed: true, holder } : { removed: true };
}

/**
 * Whether the holder of a lock still runs: `running` and `gone` are checked on this host (pid
 * check); a lock taken on another host cannot be checked from here.
 */
export type HolderLiveness = 'running' | 'gone' | 'other-host';

export type LockStatus =
  | { state: 'free'; path: string }
  /** A lock file without a readable holder: being written right now, or left by a crash. */
  | { state: 'unreadable'; path: string }
  | { state: 'held'; path: string; holder: LockInfo; liveness: HolderLiveness };

/** Who holds the lock of the state file `statePath` names, and whether that process still runs. */
export function inspectStateLock(statePath: string): LockStatus {
  const path = lockPathOf(statePath);
  const text = readLockText(path, 'Check that the lock file is a readable regular file.');
  if (text === undefined) return { state: 'free', path };
  const holder = parseLockInfo(text);
  if (!holder) return { state: 'unreadable', path };
  return { state: 'held', path, holder, liveness: livenessOf(holder) };
}

export function livenessOf(holder: LockInfo): HolderLiveness {
  if (holder.hostname !== hostname()) return 'other-host';
  return isProcessAlive(holder.pid) ? 'running' : 'gone';
}

/** The holder recorded in a lock file; undefined when absent or unreadable. */
export function readLockInfo(lockPath: string): LockInfo | undefined {
  try {
    const text = readLockText(lockPath);
    return text === undefined ? undefined : parseLockInfo(text);
  } catch {
    return undefined;
  }
}

/** The lock file's text (bounded, regular files only); undefined when there is none. */
function readLockText(path: string, hint?: string): string | undefined {
  const bytes = readFileOrThrow(path, 'lock', path, hint);
  return bytes?.toString('utf8');
}

class HeldLock implements StateLock {
  private released = false;
  // A normal exit (including process.exit after an error) must never leave the lock behind;
  // 'exit' handlers run synchronously only, hence the sync variant.
  private readonly releaseOnExit = (): void => {
    this.released = true;
    removeIfOursSync(this.path, this.info);
  };

  constructor(
    readonly path: string,
    readonly info: LockInfo,
  ) {
    process.once('exit', this.releaseOnExit);
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    process.off('exit', this.releaseOnExit);
    try {
      if (isSameHolder(readLockInfo(this.path), this.info)) await unlink(this.path);
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return;
      throw new UserError(
        `Could not remove the state lock ${this.path} (${describeOsError(error)}).`,
        'Delete the file by hand (or run `segsync state unlock`) once segsync has exited.',
      );
    }
  }
}

/**
 * Only remove the lock if it is still ours: after `state unlock` another process may hold a new
 * lock at the same path, and removing that one would let two writers in.
 */
function removeIfOursSync(path: string, info: LockInfo): void {
  try {
    const text = readLockText(path);
    if (text !== undefined && isSameHolder(parseLockInfo(text), info)) unlinkSync(path);
  } catch {
    // Exiting anyway: a lock we cannot remove is reported as stale by the next run.
  }
}

function isSameHolder(found: LockInfo | undefined, ours: LockInfo): boolean {
  return found?.token === ours.token;
}

function parseLockInfo(text: string): LockInfo | undefined {
  try {
    const data = JSON.parse(text) as Partial<Record<keyof LockInfo, unknown>> | null;
    if (
      typeof data === 'object' &&
      data !== null &&
      Number.isSafeInteger(data.pid) &&
      (data.pid as number) > 0 &&
      typeof data.hostname === 'string' &&
      typeof data.startedAt === 'string' &&
      typeof data.command === 'string' &&
      typeof data.token === 'string'
    ) {
      return data as LockInfo;
    }
  } catch {
    // Unreadable: reported as such by the caller.
  }
  return undefined;
}

function lockedError(statePath: string, lockPath: string): StateLockedError {
  const holder = readLockInfo(lockPath);
  if (!holder) {
    return new StateLockedError(
      `The state file ${statePath} is locked, but the lock file ${lockPath} is unreadable.`,
      'Another segsync may be taking the lock at this very moment, or one was killed while taking ' +
        'it. If you are sure no other segsync is running, run `segsync state unlock`.',
    );
  }
  const liveness = livenessOf(holder);
  if (liveness === 'gone') {
    return new StateLockedError(
      `The state file ${statePath} has a stale lock left by pid ${holder.pid} ` +
        `(\`${holder.command}\`, started ${holder.startedAt}), which is no longer running.`,
      'That segsync probably crashed or was killed; creates it had sent may now show as unknown ' +
        'outcomes. Run `segsync state unlock` to clear the lock, then `segsync plan` to review.',
    );
  }
  return new StateLockedError(
    `Another segsync (pid ${holder.pid} on ${holder.hostname}, running \`${holder.command}\` since ` +
      `${holder.startedAt}) is using the state file ${statePath}.`,
    liveness === 'running'
      ? 'Wait for it to finish.'
      : 'Wait for it to finish. If you are sure it is gone (for example it ran on another machine ' +
          'that crashed), run `segsync state unlock --force`.',
  );
}

/** Whether a process with this pid exists on this host (it may be another program reusing the pid). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return errorCode(error) !== 'ESRCH';
  }
}
