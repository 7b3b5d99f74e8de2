// segsync state …: the ways a user reconciles the state file by hand, since the Wati API cannot
// list segments. Edits go through a state session, exactly like apply's records.
import path from 'node:path';
import { ExitCode, StateLockedError, UsageError, UserError } from '../core/errors.js';
import { displayPath } from '../diagnostics/display-path.js';
import type { SegmentDefinition } from '../core/model.js';
import type { StateListFormat } from '../render/formats.js';
import { renderAs, STATE_LIST_FORMATS } from '../render/formats.js';
import { jsonText } from '../render/sinks/json.js';
import { terminalQuoted, terminalText } from '../render/sinks/terminal.js';
import type { LockInfo } from '../state/lock.js';
import { forceUnlock, inspectStateLock } from '../state/lock.js';
import {
  adoptSegment,
  forgetSegment,
  listEntries,
  requireEntry,
  resolveAsAbsent,
  resolveAsCreated,
} from '../state/reconcile.js';
import { isRecord } from '../core/guards.js';
import { checkSegmentId } from '../core/segment-id.js';
import { nearMisses } from '../core/suggest.js';
import { readState } from '../state/file.js';
import { createStateFile, editStateFile } from '../state/session.js';
import type { CommandIO } from '../application/io.js';
import { FILE_KINDS, readTextFileOrThrowAsync } from '../files/read.js';
import type { CommonOptions, Settings } from '../application/settings.js';
import { resolveSettings } from '../application/settings.js';

export type StateCommandOptions = CommonOptions & { format?: StateListFormat };

async function statePathFor(options: StateCommandOptions, io: CommandIO): Promise<string> {
  return (await resolveSettings(io.cwd, options)).statePath;
}

export async function runStateList(options: StateCommandOptions, io: CommandIO): Promise<number> {
  const state = await readState(await statePathFor(options, io));
  const rows = listEntries(state);
  io.stdout(
    await renderAs(STATE_LIST_FORMATS, options.format ?? 'text', rows, { color: io.color }),
  );
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
  /** `state list --format json` output (a file, or - for stdin): its pending rows. */
  from?: string;
}

/** One unknown outcome to settle: with the id it has in Wati, or absent from Wati. */
interface Settlement {
  name: string;
  id?: string;
}

/**
 * `state resolve NAME… --absent | NAME --id ID | --from FILE`: settles unknown outcomes after the
 * user checked the Wati dashboard, all in one edit (all or nothing). Works right after a killed
 * run: a lock left by a process that is gone is removed first, as `state unlock` would; a lock
 * whose holder still runs is refused, since its pending creates are in flight.
 */
export async function runStateResolve(
  names: readonly string[],
  options: ResolveOptions,
  io: CommandIO,
): Promise<number> {
  const settlements = await settlementsFrom(names, options, io);
  const statePath = await statePathFor(options, io);
  await removeStaleLock(statePath, io);
  const now = io.services.clock.now().toISOString();
  await editStateFile(statePath, 'state resolve', (state) =>
    settlements.reduce(
      (next, { name, id }) =>
        id === undefined ? resolveAsAbsent(next, name) : resolveAsCreated(next, name, id, now),
      state,
    ),
  );
  for (const { name, id } of settlements) {
    if (id !== undefined) {
      io.stdout(
        `Recorded: ${terminalQuoted(name)} exists in Wati with id ${terminalText(id.trim())}.`,
      );
    }
  }
  const absent = settlements.filter(({ id }) => id === undefined).map(({ name }) => name);
  if (absent.length > 0) {
    io.stdout(
      absent.length === 1
        ? `Recorded: ${terminalQuoted(absent[0]!)} does not exist in Wati. The next apply will create it.`
        : `Recorded: ${absent.map((name) => terminalQuoted(name)).join(', ')} do not exist in Wati. The next apply will create them.`,
    );
  }
  return ExitCode.ok;
}

/** What to record, from the names and flags given, or from `--from`; refuses anything unclear. */
async function settlementsFrom(
  names: readonly string[],
  options: ResolveOptions,
  io: CommandIO,
): Promise<Settlement[]> {
  const { id, absent = false } = options;
  if (names.length === 0 && options.from === undefined) {
    throw new UsageError(
      'state resolve needs the names of the segments to settle, or --from FILE.',
      '`segsync plan` lists the unknown outcomes and the commands that settle them.',
    );
  }
  if (id !== undefined && (names.length !== 1 || options.from !== undefined || absent)) {
    throw new UsageError(
      'state resolve --id records one segment: give exactly one name, and not --absent or --from.',
      'Several at once: `--absent` for those not in Wati, or --from FILE with an "id" on each row that is.',
    );
  }
  if (names.length > 0 && id === undefined && !absent) {
    throw new UsageError(
      'state resolve needs exactly one of --id ID (the segment exists in Wati) or --absent (it does not).',
    );
  }
  const settlements: Settlement[] = names.map((name) =>
    id === undefined ? { name } : { name, id },
  );
  if (options.from !== undefined) settlements.push(...(await settlementsFromList(options, io)));
  const seen = new Set<string>();
  for (const settlement of settlements) {
    if (seen.has(settlement.name)) {
      throw new UsageError(
        `${JSON.stringify(settlement.name)} is named twice; settle each segment once.`,
      );
    }
    seen.add(settlement.name);
    // Checked before anything else, and never echoed: it may hold characters meant for the terminal.
    if (settlement.id !== undefined) checkSegmentId(settlement.id, settlement.name);
  }
  return settlements;
}

/** The pending rows of `state list --format json` output; a row's "id" says it exists in Wati. */
async function settlementsFromList(options: ResolveOptions, io: CommandIO): Promise<Settlement[]> {
  const source = options.from as string;
  const where = source === '-' ? 'standard input' : source;
  const text =
    source === '-'
      ? await io.readStdin(FILE_KINDS.stateRows.maxBytes)
      : await readListFile(path.resolve(io.cwd, source), where);
  let rows: unknown;
  try {
    rows = JSON.parse(text);
  } catch {
    rows = undefined;
  }
  const hint =
    'Give it what `segsync state list --format json` prints, with "id" added to each row found in Wati.';
  if (!Array.isArray(rows)) throw new UserError(`${where} is not a JSON list of state rows.`, hint);
  const settlements: Settlement[] = [];
  const withoutId: string[] = [];
  for (const row of rows as unknown[]) {
    const record = isRecord(row) ? row : {};
    const { name, id, status } = record;
    if (typeof name !== 'string' || (id !== undefined && typeof id !== 'string')) {
      throw new UserError(
        `${where} has a row without a "name" (or with an "id" that is not text).`,
        hint,
      );
    }
    // Rows already created are settled; `state list` prints every row.
    if (status === 'created') continue;
    if (id !== undefined) settlements.push({ name, id });
    else if (options.absent) settlements.push({ name });
    else withoutId.push(name);
  }
  if (withoutId.length > 0) {
    throw new UserError(
      `${withoutId.map((name) => JSON.stringify(name)).join(', ')} ${withoutId.length === 1 ? 'has' : 'have'} no id in ${where}, and --absent was not given.`,
      'Add "id": "<segment id>" to each row you found in the Wati dashboard, and pass --absent to record the others as not in Wati.',
    );
  }
  return settlements;
}

async function readListFile(file: string, where: string): Promise<string> {
  const text = await readTextFileOrThrowAsync(
    file,
    'stateRows',
    where,
    'Check the path given to --from.',
  );
  if (text === undefined) {
    throw new UserError(
      `The list of state rows ${where} does not exist.`,
      'Check the path given to --from.',
    );
  }
  return text;
}

/**
 * After a killed run its lock stays behind: a holder that is gone on this host is removed, as
 * `state unlock` does. A holder that still runs is creating those segments right now: refused.
 */
async function removeStaleLock(statePath: string, io: CommandIO): Promise<void> {
  const status = inspectStateLock(statePath);
  if (status.state !== 'held') return;
  const { holder, liveness } = status;
  if (liveness === 'running') {
    throw new StateLockedError(
      `pid ${holder.pid} (\`${holder.command}\`, since ${holder.startedAt}) holds the state lock and is still running: its pending creates are in flight, not unknown outcomes.`,
      'Wait for it to finish, then run `segsync plan` again: what stays pending then is yours to settle.',
    );
  }
  if (liveness === 'other-host') return; // the lock error that follows names the host
  const removed = await forceUnlock(statePath, { expected: status });
  if (removed.removed) {
    io.stderr(
      `Removed the stale lock of pid ${holder.pid} (${terminalText(holder.command)}, since ${terminalText(holder.startedAt)}), which is no longer running.`,
    );
  }
}

export interface AdoptOptions extends StateCommandOptions {
  id?: string;
}

/**
 * `state adopt NAME --id ID [paths...]`: records a segment made in the Wati dashboard for its
 * definition. The definitions are loaded like plan loads them, before the lock is taken (a large
 * repository takes a while); the state is read and written under the lock, like every edit.
 */
export async function runStateAdopt(
  name: string,
  paths: readonly string[],
  options: AdoptOptions,
  io: CommandIO,
): Promise<number> {
  if (options.id === undefined) {
    throw new UsageError(
      'state adopt needs --id ID: the id of the segment in the Wati dashboard.',
      'segsync cannot look it up (the Wati API cannot list segments).',
    );
  }
  const id = checkSegmentId(options.id, name);
  const settings = await resolveSettings(io.cwd, options, paths);
  const definition = await definitionToAdopt(name, settings, io.cwd);
  const adoptedAt = io.services.clock.now().toISOString();
  await editStateFile(settings.statePath, 'state adopt', (state) =>
    adoptSegment(state, definition, id, adoptedAt),
  );
  const where = `${definition.source.file}:${definition.source.line}`;
  io.stdout(
    `Adopted: ${terminalQuoted(name)} exists in Wati with id ${terminalText(id)}; ` +
      `its definition (${terminalText(where)}) is recorded as what it contains, so plan shows it unchanged and ` +
      'apply will not create it.',
  );
  io.stdout(
    'segsync cannot read the segment from Wati: make sure its filter in the dashboard matches the ' +
      'definition, since later edits to the definition will be reported as changed.',
  );
  return ExitCode.ok;
}

/** The valid definition named `name`; refuses while any definition has errors. */
async function definitionToAdopt(
  name: string,
  settings: Settings,
  cwd: string,
): Promise<SegmentDefinition> {
  // Loaded on demand: the other state commands never parse YAML, and start faster without it.
  const { loadAndValidate } = await import('../application/validate-definitions.js');
  const { segments, diagnostics } = await loadAndValidate(settings, cwd);
  const errors = diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
  if (errors.length > 0) {
    throw new UserError(
      `The definitions have ${errors.length} error(s), so segsync cannot tell what ${JSON.stringify(name)} contains.`,
      'Run `segsync validate` and fix them, then adopt again.',
    );
  }
  const definition = segments.find((segment) => segment.name === name);
  if (definition) return definition;
  const suggestions = nearMisses(
    name,
    segments.map((segment) => segment.name),
  );
  throw new UserError(
    `${JSON.stringify(name)} has no definition, so there is nothing to adopt it for.`,
    (suggestions.length > 0
      ? `Did you mean ${suggestions.map((candidate) => JSON.stringify(candidate)).join(' or ')}? `
      : '') +
      'Write its definition first (the same name as in the dashboard, the same filter), then adopt it.',
  );
}

export async function runStateInit(options: StateCommandOptions, io: CommandIO): Promise<number> {
  const statePath = await statePathFor(options, io);
  const shown = terminalText(displayPath(statePath, io.cwd));
  if ((await createStateFile(statePath, 'state init')) === 'exists') {
    io.stdout(`${shown} already exists; left as it is.`);
    return ExitCode.ok;
  }
  io.stdout(
    `Created ${shown}, an empty state file: apply records here what it creates (the first apply ` +
      'binds it to its endpoint). Commit it.',
  );
  return ExitCode.ok;
}

export interface ForgetOptions extends StateCommandOptions {
  force?: boolean;
}

/**
 * `state forget NAME`: for a segment deleted in the dashboard whose definition is gone too. While
 * NAME is still defined, forgetting it makes the next apply create it again, so that needs
 * --force (and says so).
 */
export async function runStateForget(
  name: string,
  paths: readonly string[],
  options: ForgetOptions,
  io: CommandIO,
): Promise<number> {
  const settings = await resolveSettings(io.cwd, options, paths);
  const definedAt = await whereDefined(name, settings, io.cwd, options.force ?? false);
  if (definedAt !== undefined && !options.force) {
    throw new UserError(
      `${JSON.stringify(name)} is still defined (${definedAt}): forgetting it would make the next apply create it again.`,
      'Remove its definition first (after deleting the segment in the Wati dashboard), then forget it. ' +
        'To have apply create it again on purpose (you deleted it in the dashboard and want it back), ' +
        'run `segsync state forget ' +
        JSON.stringify(name) +
        ' --force`.',
    );
  }
  await editStateFile(settings.statePath, 'state forget', (state) => forgetSegment(state, name));
  io.stdout(
    definedAt === undefined
      ? `Forgot ${terminalQuoted(name)}.`
      : `Forgot ${terminalQuoted(name)}, which is still defined (${terminalText(definedAt)}): the ` +
          'next plan shows it as a create, and apply will create it in Wati again.',
  );
  return ExitCode.ok;
}

/**
 * `file:line` of the definition named `name`, or undefined when none defines it. Definitions with
 * errors cannot tell: then it refuses, like adopt, rather than guess (unless --force).
 */
async function whereDefined(
  name: string,
  settings: Settings,
  cwd: string,
  force: boolean,
): Promise<string | undefined> {
  const { loadAndValidate } = await import('../application/validate-definitions.js');
  const { segments, diagnostics } = await loadAndValidate(settings, cwd);
  const definition = segments.find((segment) => segment.name === name);
  if (definition) return `${definition.source.file}:${definition.source.line}`;
  const errors = diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
  if (errors.length > 0 && !force) {
    throw new UserError(
      `The definitions have ${errors.length} error(s), so segsync cannot tell whether ${JSON.stringify(name)} is still defined.`,
      'Run `segsync validate` and fix them, then forget it again (or forget it anyway with --force).',
    );
  }
  return undefined;
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
  const status = inspectStateLock(statePath);
  if (status.state === 'free') {
    io.stdout('The state file was not locked.');
    return ExitCode.ok;
  }
  // An unreadable lock is removed like a stale one: the moment between creating a lock file and
  // writing its holder is too short to meet, and a crash in it would otherwise block for good.
  const refusal =
    status.state === 'held' && status.liveness !== 'gone'
      ? unlockRefusal(status.holder, status.liveness)
      : undefined;
  if (refusal) {
    if (!options.force) throw refusal;
    // The holder's host and command were written by whoever took the lock: through the sink.
    io.stderr(`Warning: ${terminalText(refusal.message)} Removing it anyway (--force).`);
  }
  const { removed, holder, changed } = await forceUnlock(statePath, { expected: status });
  if (changed) {
    throw new StateLockedError(
      'The state lock changed hands while segsync was checking it; nothing was removed.',
      'Run `segsync state unlock` again to see who holds it now.',
    );
  }
  if (!removed) io.stdout('The state file was not locked (the lock went away meanwhile).');
  else if (holder)
    io.stdout(
      `Removed the lock held by pid ${holder.pid} on ${terminalText(holder.hostname)} (${terminalText(holder.command)}, since ${terminalText(String(holder.startedAt))}).`,
    );
  else io.stdout(`Removed the unreadable lock ${terminalText(status.path)}.`);
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
