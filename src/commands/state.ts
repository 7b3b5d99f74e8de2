// segsync state …: the ways a user reconciles the state file by hand, since the Wati API cannot
// list segments. Edits hold the state lock, like apply.
import { ExitCode, StateLockedError, UserError } from '../errors.js';
import type { State } from '../model.js';
import type { LockInfo } from '../state/lock.js';
import { acquireStateLock, forceUnlock, inspectStateLock } from '../state/lock.js';
import {
  forgetSegment,
  listEntries,
  requireEntry,
  resolveAsAbsent,
  resolveAsCreated,
} from '../state/reconcile.js';
import { readState, writeStateAtomic } from '../state/store.js';
import type { CommandIO } from './io.js';
import type { CommonOptions } from './settings.js';
import { resolveSettings } from './settings.js';

export type StateCommandOptions = CommonOptions & { format?: 'text' | 'json' };

async function statePathFor(options: StateCommandOptions, io: CommandIO): Promise<string> {
  return (await resolveSettings(io.cwd, options)).statePath;
}

export async function runStateList(options: StateCommandOptions, io: CommandIO): Promise<number> {
  const state = await readState(await statePathFor(options, io));
  const rows = listEntries(state);
  if (options.format === 'json') {
    io.stdout(JSON.stringify(rows, null, 2));
    return ExitCode.ok;
  }
  if (rows.length === 0) {
    io.stdout('The state file records no segments yet.');
    return ExitCode.ok;
  }
  const width = Math.min(48, Math.max(...rows.map((r) => r.name.length)));
  for (const row of rows) {
    const status =
      row.status === 'created'
        ? `created  id ${row.id ?? '?'}`
        : 'UNKNOWN  (pending: run `segsync state resolve`)';
    io.stdout(`${row.name.padEnd(width)}  ${status}  ${row.at}  ${row.source}`);
  }
  const pending = rows.filter((r) => r.status === 'pending').length;
  io.stdout(`\n${rows.length} recorded, ${pending} with an unknown outcome.`);
  return ExitCode.ok;
}

export async function runStateShow(
  name: string,
  options: StateCommandOptions,
  io: CommandIO,
): Promise<number> {
  const state = await readState(await statePathFor(options, io));
  const entry = requireEntry(state, name);
  io.stdout(JSON.stringify({ name, ...entry }, null, 2));
  return ExitCode.ok;
}

export interface ResolveOptions extends StateCommandOptions {
  id?: string;
  absent?: boolean;
}

export async function runStateResolve(
  name: string,
  options: ResolveOptions,
  io: CommandIO,
): Promise<number> {
  if ((options.id === undefined) === !options.absent) {
    throw new UserError(
      'state resolve needs exactly one of --id ID (the segment exists in Wati) or --absent (it does not).',
    );
  }
  const statePath = await statePathFor(options, io);
  await editState(statePath, 'state resolve', (state) =>
    options.absent
      ? resolveAsAbsent(state, name)
      : resolveAsCreated(state, name, options.id!, new Date().toISOString()),
  );
  io.stdout(
    options.absent
      ? `Recorded: ${JSON.stringify(name)} does not exist in Wati. The next apply will create it.`
      : `Recorded: ${JSON.stringify(name)} exists in Wati with id ${options.id!.trim()}.`,
  );
  return ExitCode.ok;
}

export async function runStateForget(
  name: string,
  options: StateCommandOptions,
  io: CommandIO,
): Promise<number> {
  const statePath = await statePathFor(options, io);
  await editState(statePath, 'state forget', (state) => forgetSegment(state, name));
  io.stdout(
    `Forgot ${JSON.stringify(name)}. If it is still defined, the next apply will create it again — delete it in Wati first, or remove its definition.`,
  );
  return ExitCode.ok;
}

export interface UnlockOptions extends StateCommandOptions {
  force?: boolean;
}

/**
 * Removes a lock whose holder is gone. A holder still running on this host, or one on another host
 * (which cannot be checked from here), keeps its lock unless --force: removing the lock of a live
 * apply lets a second writer in, and the two would create the same segments twice.
 */
export async function runStateUnlock(options: UnlockOptions, io: CommandIO): Promise<number> {
  const statePath = await statePathFor(options, io);
  const status = await inspectStateLock(statePath);
  if (status.state === 'free') {
    io.stdout('The state file was not locked.');
    return ExitCode.ok;
  }
  if (status.state === 'held' && status.liveness !== 'gone') {
    const refusal = unlockRefusal(status.holder, status.liveness);
    if (!options.force) throw refusal;
    io.stderr(`Warning: ${refusal.message} Removing it anyway (--force).`);
  }
  const { removed, holder } = await forceUnlock(statePath);
  if (!removed) io.stdout('The state file was not locked (the lock went away meanwhile).');
  else if (holder)
    io.stdout(
      `Removed the lock held by pid ${holder.pid} on ${holder.hostname} (${holder.command}, since ${holder.startedAt}).`,
    );
  else io.stdout(`Removed the unreadable lock ${status.path}.`);
  return ExitCode.ok;
}

function unlockRefusal(holder: LockInfo, liveness: 'running' | 'other-host'): StateLockedError {
  const who = `pid ${holder.pid} on ${holder.hostname} (\`${holder.command}\`, since ${holder.startedAt})`;
  if (liveness === 'running') {
    return new StateLockedError(
      `The state lock is held by ${who}, which is still running on this host.`,
      'Removing the lock of a running segsync lets a second one write the same state, and both ' +
        'would create the same segments. Wait for it to finish, or stop it (Ctrl-C lets it record ' +
        'what it sent). Only if that pid is not segsync (the pid was reused), run ' +
        '`segsync state unlock --force`.',
    );
  }
  return new StateLockedError(
    `The state lock is held by ${who}, on another host: segsync cannot check from here whether it ` +
      'still runs.',
    `Check on ${holder.hostname} that no segsync is running against this state file, then run ` +
      '`segsync state unlock --force`.',
  );
}

async function editState(
  statePath: string,
  command: string,
  edit: (state: State) => State,
): Promise<void> {
  const lock = await acquireStateLock(statePath, { command });
  try {
    const next = edit(await readState(statePath));
    await writeStateAtomic(statePath, next);
  } finally {
    await lock.release();
  }
}
