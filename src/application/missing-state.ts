// A state file that does not exist reads as "nothing created yet": every segment plans as new.
// That is right for a new account, and a duplicate of everything for a mistyped --state, a wrong
// --env, or a branch that lost the file. So apply refuses to create without one unless told this
// is a new state, and plan says loudly that it plans against none — both naming the path, and
// whether git's history ever held it.
import { UserError } from '../core/errors.js';
import { displayPath } from '../diagnostics/display-path.js';
import { stateFileExists } from '../state/file.js';
import { lastCommitHolding } from '../git/history.js';
import type { CommandIO } from './io.js';

export interface MissingState {
  /** The path looked for, as shown to the user. */
  path: string;
  /** What git's history says about it, one sentence (empty outside a git clone). */
  history: string;
}

/** Undefined when there is a state file (or a killed first apply's journal) at `statePath`. */
export async function findMissingState(
  statePath: string,
  io: Pick<CommandIO, 'cwd' | 'env' | 'services'>,
): Promise<MissingState | undefined> {
  if (await stateFileExists(statePath)) return undefined;
  const path = displayPath(statePath, io.cwd);
  const last = await lastCommitHolding(statePath, io.env, io.services.git);
  const history =
    last === undefined
      ? ''
      : last === null
        ? `No commit in this repository ever held ${path}.`
        : `${path} is in this repository's history (last written in commit ${last.commit}, ` +
          `${last.date}: ${JSON.stringify(last.subject)}): it was deleted, or this checkout does ` +
          `not have it — \`git checkout ${last.commit} -- ${path}\` restores it.`;
  return { path, history };
}

/** apply without `--new-state`: refuses to create when there is no state file. */
export async function refuseMissingState(
  statePath: string,
  io: Pick<CommandIO, 'cwd' | 'env' | 'services'>,
): Promise<void> {
  const missing = await findMissingState(statePath, io);
  if (!missing) return;
  throw new UserError(
    `There is no state file at ${missing.path}: apply would create every segment as if none ` +
      `existed, including any segsync created before.${missing.history ? ` ${missing.history}` : ''}`,
    'If segsync has created segments for this account before, point apply at their state file ' +
      '(--state, the `state` of the config or of the --env environment). If this is a new ' +
      'account, create an empty one with `segsync state init` and commit it, or pass --new-state.',
  );
}
