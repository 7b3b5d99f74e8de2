// Who holds the state lock right now, for `plan`: a plan made while an apply runs must present
// that apply's pending entries as creates in flight, never as outcomes to resolve by hand.
// Reads the lock through lock.ts (same path, same format); never takes or changes it.

import type { LockHolder } from '../core/model.js';
import { livenessOf, lockPathOf, readLockInfo } from './lock.js';

/**
 * The holder of the state lock, unless there is none or it is known to be dead (a stale lock on
 * this host). A holder on another host cannot be checked from here and counts as running.
 */
export function findLockHolder(statePath: string): LockHolder | undefined {
  const info = readLockInfo(lockPathOf(statePath));
  if (!info) return undefined;
  if (livenessOf(info) === 'gone') return undefined;
  return {
    pid: info.pid,
    hostname: info.hostname,
    startedAt: info.startedAt,
    command: info.command,
  };
}
