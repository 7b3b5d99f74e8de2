// segsync state …: the ways a user reconciles the state file by hand, since the Wati API cannot
// list segments. Edits go through a state session, exactly like apply's records.
import { ExitCode, UserError } from '../errors.js';
import { jsonText } from '../render/sinks/json.js';
import { terminalText } from '../render/sinks/terminal.js';
import { forceUnlock } from '../state/lock.js';
import {
  forgetSegment,
  listEntries,
  requireEntry,
  resolveAsAbsent,
  resolveAsCreated,
} from '../state/reconcile.js';
import { readState } from '../state/file.js';
import { editStateFile } from '../state/session.js';
import type { CommandIO } from '../app/io.js';
import type { CommonOptions } from '../app/settings.js';
import { resolveSettings } from '../app/settings.js';
import { MAX_SEGMENT_ID_LENGTH, segmentIdProblem } from '../wati/segment-id.js';

export type StateCommandOptions = CommonOptions & { format?: 'text' | 'json' };

async function statePathFor(options: StateCommandOptions, io: CommandIO): Promise<string> {
  return (await resolveSettings(io.cwd, options)).statePath;
}

export async function runStateList(options: StateCommandOptions, io: CommandIO): Promise<number> {
  const state = await readState(await statePathFor(options, io));
  const rows = listEntries(state);
  if (options.format === 'json') {
    io.stdout(jsonText(rows));
    return ExitCode.ok;
  }
  if (rows.length === 0) {
    io.stdout('The state file records no segments yet.');
    return ExitCode.ok;
  }
  // Names start the line: the terminal sink quotes one that would form a workflow command.
  const names = rows.map((row) => terminalText(row.name));
  const width = Math.min(
    48,
    names.reduce((max, name) => Math.max(max, name.length), 0),
  );
  const lines = rows.map((row, index) => {
    const status =
      row.status === 'created'
        ? `created  id ${terminalText(row.id ?? '?')}`
        : 'UNKNOWN  (pending: run `segsync state resolve`)';
    return `${names[index]!.padEnd(width)}  ${status}  ${terminalText(row.at)}  ${terminalText(row.source)}`;
  });
  io.stdout(lines.join('\n'));
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
  io.stdout(jsonText({ name, ...entry }));
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
  const { id, absent = false } = options;
  if ((id === undefined) === !absent) {
    throw new UserError(
      'state resolve needs exactly one of --id ID (the segment exists in Wati) or --absent (it does not).',
    );
  }
  const idProblem = options.id === undefined ? undefined : segmentIdProblem(options.id.trim());
  if (idProblem !== undefined) {
    // The id is not echoed: it may hold control characters meant for the terminal.
    throw new UserError(
      `state resolve --id: that is not a segment id: ${idProblem}.`,
      `Copy the id of ${JSON.stringify(name)} from the Wati dashboard (printable characters, at most ${MAX_SEGMENT_ID_LENGTH}).`,
    );
  }
  const statePath = await statePathFor(options, io);
  if (id === undefined) {
    await editStateFile(statePath, 'state resolve', (state) => resolveAsAbsent(state, name));
    io.stdout(
      `Recorded: ${terminalText(JSON.stringify(name))} does not exist in Wati. The next apply will create it.`,
    );
  } else {
    await editStateFile(statePath, 'state resolve', (state) =>
      resolveAsCreated(state, name, id, new Date().toISOString()),
    );
    io.stdout(
      `Recorded: ${terminalText(JSON.stringify(name))} exists in Wati with id ${terminalText(id.trim())}.`,
    );
  }
  return ExitCode.ok;
}

export async function runStateForget(
  name: string,
  options: StateCommandOptions,
  io: CommandIO,
): Promise<number> {
  const statePath = await statePathFor(options, io);
  await editStateFile(statePath, 'state forget', (state) => forgetSegment(state, name));
  io.stdout(
    `Forgot ${terminalText(JSON.stringify(name))}. If it is still defined, the next apply will create it again — delete it in Wati first, or remove its definition.`,
  );
  return ExitCode.ok;
}

export async function runStateUnlock(options: StateCommandOptions, io: CommandIO): Promise<number> {
  const statePath = await statePathFor(options, io);
  const { removed, holder } = await forceUnlock(statePath);
  if (!removed) io.stdout('The state file was not locked.');
  else if (holder)
    io.stdout(
      `Removed the lock held by pid ${holder.pid} on ${terminalText(holder.hostname)} (${terminalText(holder.command)}, since ${terminalText(String(holder.startedAt))}).`,
    );
  else io.stdout('Removed the lock.');
  return ExitCode.ok;
}
