// segsync state merge / state merge-driver: state files merged by meaning (src/state/merge.ts),
// from the command line (e.g. a lost run's artifact into the committed file) and as git's merge
// driver for the state file (`.gitattributes`: `segsync.state.json merge=segsync`).
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ExitCode, UserError } from '../core/errors.js';
import {
  describeReadProblem,
  readBoundedFileAsync,
  readTextFileOrThrowAsync,
} from '../files/read.js';
import type { State } from '../core/model.js';
import type { MergeResult } from '../state/merge.js';
import { mergeStates } from '../state/merge.js';
import { describeConflicts } from '../render/merge-conflicts.js';
import { describeOsError } from '../core/os-errors.js';
import { emptyState, parseState, readState, serializeState } from '../state/file.js';
import { StateSession } from '../state/session.js';
import { terminalQuoted, terminalText } from '../render/sinks/terminal.js';
import type { CommandIO } from '../application/io.js';
import { resolveSettings } from '../application/settings.js';
import type { StateCommandOptions } from './state.js';

/**
 * Merges OTHER into the state file through a state session (lock, journal replay, one write
 * protocol). A journal beside either file (a run that was killed) is folded in first, so its
 * records count too.
 */
export async function runStateMerge(
  other: string,
  options: StateCommandOptions,
  io: CommandIO,
): Promise<number> {
  const statePath = (await resolveSettings(io.cwd, options)).statePath;
  const otherPath = path.resolve(io.cwd, other);
  if (otherPath === statePath) {
    throw new UserError('state merge was given the state file itself.', 'Give it another file.');
  }
  await requireFile(otherPath, other);
  const theirs = await readState(otherPath);
  // A state file without an endpoint takes the other's (the merge keeps the one that is known).
  const ours = await readState(statePath);
  const session = await StateSession.open(statePath, {
    command: 'state merge',
    ...(ours.endpoint === undefined && theirs.endpoint !== undefined
      ? { endpoint: theirs.endpoint }
      : {}),
  });
  try {
    const result = mergeStates(session.state, theirs);
    if (!result.ok) throw mergeRefused(result, statePath, other);
    const { added, resolved } = result.changes;
    if (added.length === 0 && resolved.length === 0) {
      io.stdout(
        `${terminalText(other)} adds nothing: every entry it records is already in the state file.`,
      );
      return ExitCode.ok;
    }
    await session.edit(() => result.state);
    io.stdout(
      `Merged ${terminalText(other)}: ${added.length} entr${added.length === 1 ? 'y' : 'ies'} added, ` +
        `${resolved.length} unknown outcome(s) settled as created.`,
    );
    for (const name of resolved) io.stdout(`  settled: ${terminalQuoted(name)}`);
    for (const name of added) io.stdout(`  added:   ${terminalQuoted(name)}`);
    const stillUnknown = Object.values(result.state.segments).filter(
      (entry) => entry.status === 'pending',
    ).length;
    if (stillUnknown > 0) {
      io.stdout(
        `${stillUnknown} unknown outcome(s) remain: check the Wati dashboard and run \`segsync state resolve\`.`,
      );
    }
    return ExitCode.ok;
  } finally {
    await session.close();
  }
}

/**
 * git's merge driver contract: %O (base), %A (ours, also where the result goes), %B (theirs).
 * Exit 0 after writing the merged file into %A; non-zero leaves %A untouched and git reports a
 * conflict. git hands over the committed texts, so there is never a journal to fold here: segsync
 * folds its journal into the state file before every commit it makes.
 */
export async function runStateMergeDriver(
  basePath: string,
  oursPath: string,
  theirsPath: string,
  io: CommandIO,
): Promise<number> {
  const [base, ours, theirs] = await Promise.all(
    [basePath, oursPath, theirsPath].map((file) => readVersion(path.resolve(io.cwd, file))),
  );
  const result = mergeStates(ours as State, theirs as State, base);
  if (!result.ok) {
    const refused = mergeRefused(result, 'the state file', 'the other branch');
    io.stderr(
      `segsync merge driver: ${terminalText(refused.message)}\n${terminalText(refused.hint ?? '')}`,
    );
    // Both complete sides between conflict markers: segsync refuses to read the file until a
    // person has chosen, so neither side's entries can be dropped by a careless `git add`.
    await writeResult(
      oursPath,
      `<<<<<<< ours\n${serializeState(ours as State)}=======\n${serializeState(theirs as State)}>>>>>>> theirs\n`,
      io,
    );
    return ExitCode.failure;
  }
  await writeResult(oursPath, serializeState(result.state), io);
  return ExitCode.ok;
}

async function writeResult(file: string, text: string, io: CommandIO): Promise<void> {
  try {
    await writeFile(path.resolve(io.cwd, file), text);
  } catch (error) {
    throw new UserError(`Could not write the merge result (${describeOsError(error)}).`);
  }
}

/** One side of a git merge: an empty file is an empty state (the file was added on one side). */
async function readVersion(file: string): Promise<State> {
  const text = await readTextFileOrThrowAsync(file, 'state', file);
  return text === undefined || text.trim() === '' ? emptyState() : parseState(text, file);
}

/**
 * OTHER is any path the user typed: a regular file within the state file's bound, checked before
 * anything else happens (a FIFO, /dev/zero or a directory is refused by name, never read).
 */
async function requireFile(file: string, shown: string): Promise<void> {
  const read = await readBoundedFileAsync(file, 'state');
  if (read.ok) return;
  throw new UserError(
    `Cannot read ${shown}: it ${describeReadProblem(read.problem, 'state')}.`,
    'Give state merge a state file, e.g. one downloaded from an apply run’s artifacts or ' +
      'written with `git show <commit>:segsync.state.json > other.json`.',
  );
}

function mergeRefused(
  result: Extract<MergeResult, { ok: false }>,
  ours: string,
  theirs: string,
): UserError {
  if (result.endpointMismatch) {
    return new UserError(
      `${theirs} belongs to ${result.endpointMismatch.theirs}, ${ours} to ${result.endpointMismatch.ours}: refusing to merge.`,
      'Merge only state files of the same Wati account (one state file per account or environment).',
    );
  }
  return new UserError(
    `Cannot merge ${theirs} into ${ours}: ${result.conflicts.length} segment(s) are recorded ` +
      `differently on the two sides; nothing was written.\n  ${describeConflicts(result.conflicts, [ours, theirs])}`,
    'Both records cannot be true. Check in the Wati dashboard which segment exists (and delete a ' +
      'duplicate there), then record the right one with `segsync state resolve NAME --id ID` on ' +
      'each side and merge again.',
  );
}
