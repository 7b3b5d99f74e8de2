// What git's history knows about the state file: its content at a revision (`plan --base`) and
// whether a path that does not exist now was ever committed (a missing or mistyped state path).
// Read-only: nothing here changes the clone.
import { UserError } from '../core/errors.js';
import type { State } from '../core/model.js';
import { emptyState, parseState } from '../state/file.js';
import type { GitRunner } from './run-git.js';
import { gitEnvironment, locateInRepository } from './run-git.js';

/** The last commit (on any ref) in which a path existed, as `git log` describes it. */
export interface PathInHistory {
  commit: string;
  date: string;
  subject: string;
}

/**
 * Where `file` (which does not exist now) was last committed: undefined outside a git clone,
 * null when no commit on any ref ever held it.
 */
export async function lastCommitHolding(
  file: string,
  env: Readonly<Record<string, string | undefined>>,
  runGit: GitRunner,
): Promise<PathInHistory | null | undefined> {
  const gitEnv = gitEnvironment(env);
  const located = await locateInRepository(file, gitEnv, runGit).catch(() => undefined);
  if (!located) return undefined;
  // --diff-filter=AM: the last commit that wrote it, not the one that deleted it.
  const log = await runGit(
    ['log', '--all', '-1', '--diff-filter=AM', '--format=%h%x00%cs%x00%s', '--', located.relative],
    located.root,
    gitEnv,
  );
  if (log.code !== 0) return undefined;
  const [commit, date, subject] = log.stdout.trim().split('\0');
  if (!commit) return null;
  return { commit, date: date ?? '', subject: subject ?? '' };
}

/** The state file at `revision`, and the revision as resolved. */
export interface StateAtRevision {
  /** The revision as the user gave it, or the `origin/…` name it was found under. */
  revision: string;
  commit: string;
  /** False when the revision has no state file at that path (an empty state, then). */
  found: boolean;
  state: State;
}

/**
 * Reads the state file as it is at `revision` (`git show REV:path`, bounded like the file
 * itself). A branch name that only exists as a remote-tracking branch (a CI checkout of a pull
 * request has `origin/main`, not `main`) is found there; with `preferRemote`, the remote-tracking
 * one is tried first (GITHUB_BASE_REF names the branch on the remote).
 */
export async function readStateAtRevision(
  file: string,
  revision: string,
  env: Readonly<Record<string, string | undefined>>,
  runGit: GitRunner,
  options: { preferRemote?: boolean } = {},
): Promise<StateAtRevision> {
  const gitEnv = gitEnvironment(env);
  const located = await locateInRepository(file, gitEnv, runGit);
  if (!located) {
    throw new UserError(
      `--base ${revision}: the state file ${file} is not in a git clone, so there is no history to compare it with.`,
      'Run plan in a clone of the repository, or leave out --base.',
    );
  }
  const git = (args: string[]) => runGit(args, located.root, gitEnv);
  const candidates = options.preferRemote
    ? [`origin/${revision}`, revision]
    : [revision, `origin/${revision}`];
  for (const candidate of candidates) {
    // `--end-of-options`: a revision starting with "-" is a revision, never an option.
    const resolved = await git([
      'rev-parse',
      '-q',
      '--verify',
      '--end-of-options',
      `${candidate}^{commit}`,
    ]);
    if (resolved.code !== 0) continue;
    const commit = resolved.stdout.trim();
    // Bounded by runGit's output limit, like any git output segsync reads.
    const shown = await git(['show', `${commit}:${located.relative}`]);
    const where = `${candidate}:${located.relative}`;
    if (shown.code !== 0) return { revision: candidate, commit, found: false, state: emptyState() };
    return { revision: candidate, commit, found: true, state: parseState(shown.stdout, where) };
  }
  throw new UserError(
    `--base ${revision}: no such revision in this clone (tried ${candidates.join(' and ')}).`,
    'Fetch it first, e.g. `git fetch origin ' +
      revision.replace(/^origin\//, '') +
      '` (in GitHub Actions, actions/checkout fetches only the pull request: add a step that ' +
      'fetches the base branch, as the workflow `segsync init` writes does).',
  );
}
