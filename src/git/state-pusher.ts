// `apply --push-state`: the state file committed and pushed to the git remote, so that what an
// apply is about to create is known beyond the runner's disk. It knows nothing of checkpoint
// windows (apply/checkpoint-gate.ts) and leaves the merge by meaning of the remote's state file
// with this run's records (and refusing it) to the state's owner (StateSaveHooks.merge).
//
// Saves run one at a time, in the order asked. A save counts only once the remote is seen to
// hold it: after git reports the push accepted, the branch is read back with `git ls-remote` (a
// hook or mirror that resets the branch afterwards is invisible to the push's own report) and
// must be the commit pushed, or a later one whose state file still holds every record pushed.
import { UserError } from '../core/errors.js';
import type { State } from '../core/model.js';
import { gitOutputLines, redactUrlCredentials } from './output.js';
import type { GitRun, GitRunner } from './run-git.js';
import { gitEnvironment, locateInRepository } from './run-git.js';
import { missingRecords } from '../state/merge.js';
import { emptyState, parseState } from '../state/file.js';
import { terminalQuoted } from '../render/sinks/terminal.js';

/** Used when git has no user.name / user.email configured (a fresh CI runner). */
export const DEFAULT_COMMIT_IDENTITY = {
  name: 'segsync',
  email: 'segsync@users.noreply.github.com',
} as const;

/** Rejected because the remote moved on: fetch, merge by meaning, push again — this many times. */
const MAX_PUSH_ATTEMPTS = 5;

export interface PushTarget {
  remote: string;
  branch: string;
}

/** What saving needs from the state's owner (the journal, through the apply command). */
export interface StateSaveHooks {
  /** Writes every record into the state file itself (the journal folded in). */
  fold(): Promise<void>;
  /**
   * Takes in the remote's state file, merged by meaning with the records so far; may refuse
   * (throws: then nothing is pushed).
   */
  merge(theirs: State): Promise<void>;
}

export class GitStatePusher {
  /** Successful pushes so far. */
  pushes = 0;
  /** Pushes rejected because the remote moved on (each followed by a merge). */
  catchUps = 0;
  /** The last commit pushed that the remote was seen to hold. */
  private verified: string | undefined;
  /** The save in progress, if any: the next one starts after it. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly root: string,
    /** The state file relative to the repository root, with `/`. */
    private readonly file: string,
    readonly target: PushTarget,
    private readonly identity: string[],
    private readonly env: NodeJS.ProcessEnv,
    private readonly runGit: GitRunner,
  ) {}

  /**
   * Finds the clone holding the state file and where to push. `target` is "REMOTE/BRANCH", or
   * undefined for the upstream of the checked-out branch.
   */
  static async open(options: {
    statePath: string;
    target: string | undefined;
    env: NodeJS.ProcessEnv;
    git: GitRunner;
  }): Promise<GitStatePusher> {
    const env = gitEnvironment(options.env);
    const { git } = options;
    const located = await locateInRepository(options.statePath, env, git);
    if (!located) {
      throw new UserError(
        `--push-state needs the state file in a git clone, but ${options.statePath} is not in one.`,
        'Run apply in a clone of the repository that holds the state file, or leave out --push-state.',
      );
    }
    const { root, relative: file } = located;
    const target = await resolveTarget(options.target, root, env, git);
    const identity = await commitIdentity(root, env, git);
    return new GitStatePusher(root, file, target, identity, env, git);
  }

  describeTarget(): string {
    return `${this.target.remote}/${this.target.branch}`;
  }

  /**
   * Folds the records into the state file, commits it (when it changed), pushes and checks that
   * the remote kept the push. A push rejected because someone else pushed meanwhile (or won the
   * race for the branch) is merged by meaning and retried. On failure the local commit is undone
   * (the state file keeps its content) and a UserError says why. Saves never overlap: one asked
   * for while another runs starts when it has finished, and folds the records made meanwhile.
   */
  save(message: string, hooks: StateSaveHooks): Promise<void> {
    const saved = this.queue.then(() => this.saveNow(message, hooks));
    this.queue = saved.catch(() => undefined);
    return saved;
  }

  private async saveNow(message: string, hooks: StateSaveHooks): Promise<void> {
    await hooks.fold();
    const undoTo = await this.head();
    const changed = await this.stateFileChanged();
    // Nothing new since a push the remote holds: that push already carries every record.
    if (!changed && undoTo !== undefined && undoTo === this.verified) return;
    try {
      if (changed) await this.commitStateFile(message);
      for (let attempt = 1; ; attempt++) {
        const pushed = (await this.head()) as string;
        const push = await this.git([
          'push',
          '--porcelain',
          this.target.remote,
          `HEAD:refs/heads/${this.target.branch}`,
        ]);
        if (push.code === 0) {
          this.pushes++;
          await this.verifyPush(pushed);
          this.verified = pushed;
          return;
        }
        if (!lostRaceForBranch(push.stdout)) throw this.pushFailed(push);
        if (attempt >= MAX_PUSH_ATTEMPTS) {
          throw new UserError(
            `Could not push the state file to ${this.describeTarget()}: the branch moved on ${attempt} times in a row while segsync merged it.`,
            'Another job keeps pushing to this branch; let apply run alone (a CI concurrency group), then run it again.',
          );
        }
        this.catchUps++;
        await this.catchUp(hooks);
      }
    } catch (error) {
      await this.undo(undoTo);
      throw error;
    }
  }

  /**
   * Reads the branch back from the remote: the commit pushed, or a later one (another job pushed
   * right after) whose state file still holds every record pushed. Anything else means the
   * remote did not keep the push.
   */
  private async verifyPush(pushed: string): Promise<void> {
    const { remote, branch } = this.target;
    const listed = await this.git(['ls-remote', remote, `refs/heads/${branch}`]);
    if (listed.code !== 0) {
      throw this.unverified(
        `git ls-remote could not read the branch back (exit ${listed.code})`,
        listed,
      );
    }
    const tip = /^([0-9a-f]{40,64})\s/m.exec(listed.stdout)?.[1];
    if (tip === pushed) return;
    if (tip === undefined) throw this.unverified('the branch is gone from the remote');
    const fetch = await this.git(['fetch', '-q', remote, `refs/heads/${branch}`]);
    if (fetch.code !== 0) {
      throw this.unverified(
        `the branch moved to ${tip.slice(0, 12)}, which could not be fetched`,
        fetch,
      );
    }
    const missing = missingRecords(await this.stateAt(pushed), await this.stateAt('FETCH_HEAD'));
    if (missing.length === 0) return;
    throw this.unverified(
      `the branch is at ${tip.slice(0, 12)}, not at the pushed ${pushed.slice(0, 12)}, and its ` +
        `state file lacks ${missing.length} record(s) pushed (${missing
          .slice(0, 5)
          .map((name) => terminalQuoted(name))
          .join(', ')}${missing.length > 5 ? ', …' : ''})`,
    );
  }

  private unverified(why: string, run?: GitRun): UserError {
    const output = run ? `\n${gitOutputLines(`${run.stdout}\n${run.stderr}`).join('\n')}` : '';
    return new UserError(
      `The remote did not keep the state pushed to ${this.describeTarget()}: git accepted the push, but ${why}.${output}`,
      'A server hook or a mirror that resets the branch after accepting a push, or a remote that ' +
        'answers from a stale copy, loses the records segsync pushes. Push the state to a branch ' +
        'that keeps what it accepts (--push-state=REMOTE/BRANCH).',
    );
  }

  /** The state file as committed in `revision` (empty when it has none). */
  private async stateAt(revision: string): Promise<State> {
    const shown = await this.git(['show', `${revision}:${this.file}`]);
    return shown.code === 0 && shown.stdout.trim() !== ''
      ? parseState(shown.stdout, `${this.describeTarget()}:${this.file}`)
      : emptyState();
  }

  private async head(): Promise<string | undefined> {
    const head = await this.git(['rev-parse', '-q', '--verify', 'HEAD']);
    return head.code === 0 ? head.stdout.trim() : undefined;
  }

  /** Fetches the branch, merges its state file by meaning and the rest by git, commits. */
  private async catchUp(hooks: StateSaveHooks): Promise<void> {
    const { remote, branch } = this.target;
    const fetch = await this.git(['fetch', '-q', remote, `refs/heads/${branch}`]);
    if (fetch.code !== 0) throw this.pushFailed(fetch, 'fetch');
    await hooks.merge(await this.stateAt('FETCH_HEAD'));
    // git merges everything else (someone may have merged a pull request meanwhile); the state
    // file's text is replaced below by the merge by meaning, whatever git made of it.
    await this.git(['merge', '--no-commit', '--no-ff', '-q', 'FETCH_HEAD'], this.identity);
    const unmerged = (await this.git(['diff', '--name-only', '--diff-filter=U'])).stdout
      .split('\n')
      .filter((name) => name !== '' && name !== this.file);
    if (unmerged.length > 0) {
      throw new UserError(
        `Could not merge ${this.describeTarget()} into this run's checkout: ${unmerged.length} other file(s) conflict.`,
        'Apply runs on the branch tip; let apply run alone on the branch (a CI concurrency group).',
      );
    }
    await hooks.fold();
    await this.git(['add', '--', this.file]);
    const inMerge = (await this.git(['rev-parse', '-q', '--verify', 'MERGE_HEAD'])).code === 0;
    if (inMerge || (await this.stateFileChanged())) {
      await this.commitStateFile(
        `segsync: merge the state from ${this.describeTarget()} [skip ci]`,
        inMerge,
      );
    }
  }

  private async commitStateFile(message: string, merging = false): Promise<void> {
    const paths = await this.trackedPaths();
    const add = await this.git(['add', '-A', '--', ...paths]);
    if (add.code !== 0) throw this.gitFailed('add', add);
    // --no-verify: the user's pre-commit hooks (formatters, linters) must not edit or refuse a
    // file segsync writes; -- FILES (outside a merge): commit nothing else the runner changed.
    const args = [
      'commit',
      '-q',
      '--no-verify',
      '-m',
      message,
      ...(merging ? [] : ['--', ...paths]),
    ];
    const commit = await this.git(args, this.identity);
    if (commit.code !== 0) throw this.gitFailed('commit', commit);
  }

  private async stateFileChanged(): Promise<boolean> {
    const status = await this.git(['status', '--porcelain', '--', ...(await this.trackedPaths())]);
    return status.stdout.trim() !== '';
  }

  /**
   * The state file, and its journal when an older workflow committed one (a killed run's log):
   * segsync folds the journal into the state file before committing, so its removal goes too.
   */
  private async trackedPaths(): Promise<string[]> {
    const journal = `${this.file}.journal`;
    const tracked = await this.git(['ls-files', '--error-unmatch', '--', journal]);
    return tracked.code === 0 ? [this.file, journal] : [this.file];
  }

  private async undo(commit: string | undefined): Promise<void> {
    await this.git(['merge', '--abort']);
    // Mixed reset: the commit goes, the state file keeps what it holds.
    if (commit !== undefined) await this.git(['reset', '-q', commit]);
  }

  private pushFailed(run: GitRun, action = 'push'): UserError {
    const output = `${run.stdout}\n${run.stderr}`;
    const target = this.describeTarget();
    let why: string;
    if (/\[remote rejected\]|protected branch|GH006|hook declined/i.test(output)) {
      why = 'the remote refused it (a protected branch or a server hook)';
    } else if (
      /Authentication failed|could not read Username|terminal prompts disabled|Permission to .* denied|access denied|\b40[13]\b/i.test(
        output,
      )
    ) {
      why = 'git has no credentials that may push there';
    } else if (
      /Could not resolve host|Connection refused|timed out|unable to access/i.test(output)
    ) {
      why = 'the remote could not be reached';
    } else {
      why = `git ${action} failed (exit ${run.code})`;
    }
    return new UserError(
      `Could not push the state file to ${target}: ${why}.\n${gitOutputLines(output).join('\n')}`,
      `Let this job push to ${this.target.branch}: on GitHub allow GitHub Actions to push to the branch ` +
        '(or give actions/checkout a token that may, with `permissions: contents: write`); on GitLab give ' +
        'the job a token with write_repository. Or push the state to another branch with --push-state=REMOTE/BRANCH.',
    );
  }

  private gitFailed(action: string, run: GitRun): UserError {
    return new UserError(
      `git ${action} of the state file failed (exit ${run.code}).\n${gitOutputLines(`${run.stdout}\n${run.stderr}`).join('\n')}`,
    );
  }

  private git(args: string[], before: string[] = []): Promise<GitRun> {
    return this.runGit([...before, ...args], this.root, this.env);
  }
}

async function resolveTarget(
  written: string | undefined,
  root: string,
  env: NodeJS.ProcessEnv,
  runGit: GitRunner,
): Promise<PushTarget> {
  const remotes = (await runGit(['remote'], root, env)).stdout.split('\n').filter(Boolean);
  if (written !== undefined) {
    const slash = written.indexOf('/');
    const remote = written.slice(0, slash);
    const branch = written.slice(slash + 1);
    if (slash <= 0 || branch === '' || !remotes.includes(remote)) {
      throw new UserError(
        `--push-state=${JSON.stringify(redactUrlCredentials(written))} is not REMOTE/BRANCH with a known remote (remotes: ${remotes.join(', ') || 'none'}).`,
        'Write it like origin/main.',
      );
    }
    return { remote, branch };
  }
  const head = await runGit(['symbolic-ref', '-q', '--short', 'HEAD'], root, env);
  const local = head.stdout.trim();
  const remote = local
    ? (await runGit(['config', `branch.${local}.remote`], root, env)).stdout.trim()
    : '';
  const merge = local
    ? (await runGit(['config', `branch.${local}.merge`], root, env)).stdout.trim()
    : '';
  if (!remote || remote === '.' || !merge.startsWith('refs/heads/')) {
    throw new UserError(
      local
        ? `--push-state: the branch ${local} has no upstream to push the state to.`
        : '--push-state: the checkout is a detached HEAD (as in GitLab CI), which has no upstream.',
      'Name the branch: --push-state=origin/main (in GitLab CI: --push-state=origin/$CI_COMMIT_BRANCH).',
    );
  }
  return { remote, branch: merge.slice('refs/heads/'.length) };
}

/** `-c user.name=… -c user.email=…` when git has no identity configured, else nothing. */
async function commitIdentity(
  root: string,
  env: NodeJS.ProcessEnv,
  runGit: GitRunner,
): Promise<string[]> {
  const name = await runGit(['config', 'user.name'], root, env);
  const email = await runGit(['config', 'user.email'], root, env);
  const flags: string[] = [];
  if (name.stdout.trim() === '') flags.push('-c', `user.name=${DEFAULT_COMMIT_IDENTITY.name}`);
  if (email.stdout.trim() === '') flags.push('-c', `user.email=${DEFAULT_COMMIT_IDENTITY.email}`);
  return flags;
}

/**
 * Whether `git push --porcelain` says the branch moved under the push: rejected as not a
 * fast-forward (someone pushed first), or its update lost a race with another push ("cannot lock
 * ref … but expected …", reported as "failed to update ref" by some servers). Read from the
 * porcelain status lines git itself writes (`!<TAB>from:to<TAB>summary`), never from the text a
 * server hook prints, so a hook's message cannot turn a refusal into a retry or back.
 */
export function lostRaceForBranch(porcelain: string): boolean {
  return porcelain
    .split('\n')
    .filter((line) => line.startsWith('!\t'))
    .some((line) =>
      /\t\[rejected\] \((?:fetch first|non-fast-forward|stale info)\)|\t\[remote rejected\] \((?:failed to (?:update|lock) ref|cannot lock ref|incorrect old value)/.test(
        line,
      ),
    );
}
