// A workspace that is a git clone, for the --push-state benchmarks and soak: a bare repository
// in a temp dir stands for the hosted remote (optionally slow: every push waits in its
// pre-receive hook), a seed commit holds generated definitions and the empty state file
// `segsync init` writes, and runners are clones. git runs with an empty HOME and no system
// config, as on a fresh CI runner.

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
 * Creates the remote and one runner clone. `pushDelaySeconds` > 0 makes every push wait that long
 * on the remote. Resolves { root, defs, state, names, env, clone(name), remoteState(parse),
 * remove() }; `defs` and `state` are the runner clone's.
 */
export async function createGitWorkspace(
  count,
  { seed = 1, prefix = 'segsync-git-bench-', pushDelaySeconds = 0 } = {},
) {
  const base = await mkdtemp(path.join(tmpdir(), prefix));
  const env = { PATH: process.env.PATH, HOME: base, GIT_CONFIG_NOSYSTEM: '1' };
  const git = async (cwd, ...args) =>
    (await exec('git', args, { cwd, env, maxBuffer: 64 * 1024 * 1024 })).stdout;
  const bare = path.join(base, 'remote.git');
  const seedDir = path.join(base, 'seed');
  await git(base, 'init', '-q', '--bare', '-b', 'main', bare);
  await git(base, 'init', '-q', '-b', 'main', seedDir);
  const names = await generateDefinitions(path.join(seedDir, 'segments'), count, seed);
  await writeFile(path.join(seedDir, STATE_FILE), EMPTY_STATE);
  await git(seedDir, 'add', '.');
  await git(
    seedDir,
    '-c',
    'user.name=Dev',
    '-c',
    'user.email=dev@example.invalid',
    'commit',
    '-qm',
    'segments',
  );
  await git(seedDir, 'remote', 'add', 'origin', bare);
  await git(seedDir, 'push', '-q', '-u', 'origin', 'main');
  if (pushDelaySeconds > 0) {
    const hook = path.join(bare, 'hooks', 'pre-receive');
    await writeFile(hook, `#!/bin/sh\nsleep ${pushDelaySeconds}\n`);
    await chmod(hook, 0o755);
  }
  const clone = async (name) => {
    const dir = path.join(base, name);
    await git(base, 'clone', '-q', bare, dir);
    return dir;
  };
  const root = await clone('runner');
  return {
    root,
    defs: path.join(root, 'segments'),
    state: path.join(root, STATE_FILE),
    names,
    env,
    clone,
    /** Commits the runner clone's state file as a developer would, and pushes it. */
    commitAndPushState: async (message) => {
      await git(root, 'add', STATE_FILE);
      await git(
        root,
        '-c',
        'user.name=Dev',
        '-c',
        'user.email=dev@example.invalid',
        'commit',
        '-qm',
        message,
        '--allow-empty',
      );
      await git(root, 'push', '-q', 'origin', 'HEAD:refs/heads/main');
    },
    /** The state file on the remote's main, parsed with `parse(text)`; undefined when absent. */
    remoteState: async (parse) => {
      const text = await git(bare, 'show', `main:${STATE_FILE}`).catch(() => undefined);
      return text === undefined ? undefined : parse(text);
    },
    remove: () => rm(base, { recursive: true, force: true }),
  };
}
