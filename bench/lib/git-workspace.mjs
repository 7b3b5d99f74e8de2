// A workspace that is a git clone, for the --push-state benchmarks, the soak and the tests: a
// bare repository in a temp dir stands for the hosted remote (optionally slow: every push waits
// in its pre-receive hook), a seed commit holds generated definitions and the empty state file
// `segsync init` writes, and runners are clones. git runs with an empty HOME and no system
// config, so no identity is configured (segsync's default one is used), as on a fresh CI runner.

import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { generateDefinitions } from './definitions.mjs';
import { EMPTY_STATE } from './workspace.mjs';

const exec = promisify(execFile);
export const STATE_FILE = 'segsync.state.json';

/**
 * The remote with its seed commit of `count` definitions, and no runner yet. `pushDelaySeconds`
 * > 0 makes every push wait that long on the remote.
 */
export async function createBareRemote(
  count,
  { seed = 1, prefix = 'segsync-git-bench-', pushDelaySeconds = 0 } = {},
) {
  const base = await mkdtemp(path.join(tmpdir(), prefix));
  const env = { PATH: process.env.PATH, HOME: base, GIT_CONFIG_NOSYSTEM: '1' };
  const git = async (cwd, ...args) =>
    (await exec('git', args, { cwd, env, maxBuffer: 64 * 1024 * 1024 })).stdout;
  const commitAsDeveloper = (cwd, message) =>
    git(
      cwd,
      '-c',
      'user.name=Dev',
      '-c',
      'user.email=dev@example.invalid',
      'commit',
      '-qm',
      message,
    );
  const bare = path.join(base, 'remote.git');
  const seedDir = path.join(base, 'seed');
  await git(base, 'init', '-q', '--bare', '-b', 'main', bare);
  await git(base, 'init', '-q', '-b', 'main', seedDir);
  const names = await generateDefinitions(path.join(seedDir, 'segments'), count, seed);
  await writeFile(path.join(seedDir, STATE_FILE), EMPTY_STATE);
  await git(seedDir, 'add', '.');
  await commitAsDeveloper(seedDir, 'segments');
  await git(seedDir, 'remote', 'add', 'origin', bare);
  await git(seedDir, 'push', '-q', '-u', 'origin', 'main');
  if (pushDelaySeconds > 0) {
    const hook = path.join(bare, 'hooks', 'pre-receive');
    await writeFile(hook, `#!/bin/sh\nsleep ${pushDelaySeconds}\n`);
    await chmod(hook, 0o755);
  }
  return {
    base,
    bare,
    names,
    env,
    git,
    commitAsDeveloper,
    clone: async (name) => {
      const dir = path.join(base, name);
      await git(base, 'clone', '-q', bare, dir);
      return dir;
    },
    /** Commits a clone's state file as a developer would (after `state resolve`), and pushes it. */
    commitAndPushState: async (cwd, message) => {
      await git(cwd, 'add', STATE_FILE);
      await git(cwd, 'diff', '--cached', '--quiet').then(
        () => undefined,
        () => commitAsDeveloper(cwd, message),
      );
      await git(cwd, 'push', '-q', 'origin', 'HEAD:refs/heads/main');
    },
    /** The state file on the remote's main, parsed with `parse(text)`; undefined when absent. */
    remoteState: async (parse) => {
      const text = await git(bare, 'show', `main:${STATE_FILE}`).catch(() => undefined);
      return text === undefined ? undefined : parse(text);
    },
    remove: () => rm(base, { recursive: true, force: true }),
  };
}

/**
 * The remote and one runner clone: the shape of createWorkspace (workspace.mjs) for the kill loop
 * — `root`, `defs` and `state` are the runner clone's.
 */
export async function createGitWorkspace(count, options = {}) {
  const remote = await createBareRemote(count, options);
  const root = await remote.clone('runner');
  return { ...remote, root, defs: path.join(root, 'segments'), state: path.join(root, STATE_FILE) };
}
