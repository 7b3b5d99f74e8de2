// `plan --base REV`: the state file at REV, read from git, for the plan to report what this change
// did to the state file. In GitHub Actions on a pull request, the base branch is the default.
import { readFile } from 'node:fs/promises';
import { displayPath } from '../diagnostics/display-path.js';
import { UserError } from '../core/errors.js';
import type { PlanBase } from '../plan/compute.js';
import { stateFileLines } from '../state/file.js';
import { readStateAtRevision } from '../git/history.js';
import type { CommandIO } from './io.js';

export interface BaseRequest {
  revision: string;
  /** Chosen by segsync (GITHUB_BASE_REF), not by the user: a failure is a warning, not an error. */
  implicit: boolean;
}

/**
 * `--base REV` when given; else, in GitHub Actions on a pull request, the pull request's base
 * branch (GITHUB_BASE_REF, found as `origin/<branch>`).
 */
export function chooseBase(
  explicit: string | undefined,
  env: CommandIO['env'],
): BaseRequest | undefined {
  if (explicit !== undefined) return { revision: explicit, implicit: false };
  const baseRef = env.GITHUB_BASE_REF;
  const onPullRequest =
    env.GITHUB_ACTIONS === 'true' && env.GITHUB_EVENT_NAME?.startsWith('pull_request');
  return onPullRequest && baseRef ? { revision: baseRef, implicit: true } : undefined;
}

/** The base to compare with, or why there is none (only for an implicit base). */
export async function readPlanBase(
  statePath: string,
  request: BaseRequest,
  io: Pick<CommandIO, 'cwd' | 'env' | 'services'>,
): Promise<{ base: PlanBase } | { unavailable: string }> {
  try {
    const [atRevision, workingText] = await Promise.all([
      readStateAtRevision(statePath, request.revision, io.env, io.services.git, {
        preferRemote: request.implicit,
      }),
      readFile(statePath, 'utf8').catch(() => ''),
    ]);
    const { revision, commit, found, state } = atRevision;
    return {
      base: {
        base: revision,
        commit,
        found,
        state,
        context: { stateFile: displayPath(statePath, io.cwd), lines: stateFileLines(workingText) },
      },
    };
  } catch (error) {
    if (!request.implicit || !(error instanceof UserError)) throw error;
    return {
      unavailable: `the pull request's base branch ${request.revision} (GITHUB_BASE_REF) could not be read: ${error.message}`,
    };
  }
}
