// A git remote for the --push-state tests: a bare repository in a temp dir (the "GitHub"), a
// seed commit with generated definitions and the empty state file `segsync init` writes, clones
// as CI runners, hooks that count, slow down, refuse, race or lose pushes. git runs with an empty
// HOME and no system config, so no identity is configured and segsync's default one is used — as
// on a fresh runner.
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createBareRemote, STATE_FILE } from '../../bench/lib/git-workspace.mjs';
import { CLI } from '../../bench/lib/workspace.mjs';
import type { State } from '../../src/core/model.js';
import { parseState } from '../../src/state/file.js';

export { STATE_FILE };

export interface GitRemote {
  root: string;
  bare: string;
  names: string[];
  env: NodeJS.ProcessEnv;
  git(cwd: string, ...args: string[]): Promise<string>;
  /** Commits what is staged in `cwd` as a developer would (an identity of its own). */
  commitAsDeveloper(cwd: string, message: string): Promise<string>;
  /** A fresh clone of the remote (a new runner). */
  clone(name: string): Promise<string>;
  /** How many pushes the remote accepted (post-receive hook). */
  pushCount(): Promise<number>;
  refuseEveryPush(message: string): Promise<void>;
  /** Every push waits this long in the remote's pre-receive hook (a slow or distant remote). */
  slowPushes(seconds: number): Promise<void>;
  /**
   * Push number `attempt` (counting every push that reaches the remote) is refused with
   * `message`; with `moveBranch`, the hook first moves main on by an empty commit of its own, as
   * if another job had pushed meanwhile.
   */
  refusePush(attempt: number, message: string, options?: { moveBranch?: boolean }): Promise<void>;
  /**
   * While push number `attempt` is being received, main moves to the tip of `branch` (pushed
   * there beforehand by another clone): git then fails the push's ref update with "cannot lock
   * ref … expected …", as when two jobs push at the same moment.
   */
  raceOnPush(attempt: number, branch: string): Promise<void>;
  /** The remote accepts every push after the first `kept`, then resets main to where it was. */
  losePushesAfter(kept: number): Promise<void>;
  /** The state file on the remote's main, or undefined when it has none. */
  remoteState(): Promise<State | undefined>;
  remove(): Promise<void>;
}

export async function createGitRemote(count: number): Promise<GitRemote> {
  const seeded = await createBareRemote(count, { seed: 7, prefix: 'segsync-push-' });
  const { base: root, bare, names, env, git, commitAsDeveloper } = seeded;
  const pushLog = path.join(root, 'pushes.log');
  // Hook bodies are rebuilt from these parts whenever a test adds one.
  const preReceive: string[] = [];
  const postReceive = [`echo push >> '${pushLog}'`];
  const attempts = path.join(root, 'push-attempts');
  const writeHooks = async () => {
    await writeHook(
      bare,
      'pre-receive',
      // Counts every push that reaches the remote, accepted or not; ref updates from a hook must
      // leave git's quarantine of the objects being received.
      [
        `n=$(( $(cat '${attempts}' 2>/dev/null || echo 0) + 1 )); echo $n > '${attempts}'`,
        'unset GIT_QUARANTINE_PATH',
        ...preReceive,
      ].join('\n'),
    );
    await writeHook(bare, 'post-receive', postReceive.join('\n'));
  };
  await writeHooks();
  return {
    root,
    bare,
    names,
    env,
    git,
    commitAsDeveloper,
    clone: seeded.clone,
    pushCount: async () => {
      try {
        return (await readFile(pushLog, 'utf8')).split('\n').filter(Boolean).length;
      } catch {
        return 0;
      }
    },
    refuseEveryPush: async (message) => {
      preReceive.push(`echo '${message}' >&2; exit 1`);
      await writeHooks();
    },
    slowPushes: async (seconds) => {
      preReceive.push(`sleep ${seconds}`);
      await writeHooks();
    },
    refusePush: async (attempt, message, options = {}) => {
      const move = options.moveBranch
        ? `git update-ref refs/heads/main "$(git commit-tree -p refs/heads/main -m 'another job' 'refs/heads/main^{tree}')"; `
        : '';
      preReceive.push(`if [ $n -eq ${attempt} ]; then ${move}echo '${message}' >&2; exit 1; fi`);
      await writeHooks();
    },
    raceOnPush: async (attempt, branch) => {
      preReceive.push(
        `if [ $n -eq ${attempt} ]; then git update-ref refs/heads/main refs/heads/${branch}; fi`,
      );
      await writeHooks();
    },
    losePushesAfter: async (kept) => {
      postReceive.push(
        `if [ $(wc -l < '${pushLog}') -gt ${kept} ]; then`,
        '  while read old new ref; do',
        '    [ "$old" = 0000000000000000000000000000000000000000 ] || git update-ref "$ref" "$old"',
        '  done',
        'fi',
      );
      await writeHooks();
    },
    remoteState: () => seeded.remoteState((text) => parseState(text, `remote:${STATE_FILE}`)),
    remove: seeded.remove,
  };
}

async function writeHook(bare: string, name: string, body: string): Promise<void> {
  const file = path.join(bare, 'hooks', name);
  await writeFile(file, `#!/bin/sh\n${body}\n`);
  await chmod(file, 0o755);
}

export interface CliProcess {
  child: ChildProcess;
  /**
   * SIGKILLs the run with every process it started (the git it runs), as when the runner's VM
   * goes away: killing node alone would let a push it started finish.
   */
  killAll(): void;
  done: Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
  }>;
}

/** Runs the built CLI in `cwd` as a child process (a runner's `npx segsync …`). */
export function spawnCli(args: string[], cwd: string, env: NodeJS.ProcessEnv): CliProcess {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd,
    env,
    // A process group of its own, for killAll.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
  }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  const killAll = () => {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  };
  return { child, done, killAll };
}

export async function waitUntil(
  condition: () => Promise<boolean>,
  timeoutMs = 20_000,
  pollMs = 5,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for a condition');
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
