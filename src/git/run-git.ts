// The one place segsync starts git (child_process execFile, never a shell). The state pusher
// (state-pusher.ts) and the readers of the state file's history (history.ts) receive runGit as a
// GitRunner through the services (application/services.ts) instead of importing it.
import { execFile } from 'node:child_process';
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../core/errors.js';

export interface GitRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** git's own output is bounded: a state file, a list of refs, a porcelain report. */
const DEFAULT_MAX_OUTPUT = 64 * 1024 * 1024;

/** How git is started: runGit, handed to git's users through the services. */
export type GitRunner = typeof runGit;

/**
 * Runs git in `cwd`; resolves whatever it exits with. Rejects only when git cannot be started
 * (not installed) or its output exceeds `maxOutput` bytes.
 */
export function runGit(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  maxOutput = DEFAULT_MAX_OUTPUT,
): Promise<GitRun> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd, env, maxBuffer: maxOutput }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') {
        reject(
          new UserError(
            error.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER'
              ? `git printed more than ${maxOutput} bytes for \`git ${args[0] ?? ''}\`.`
              : `Could not run git (${String(error.code ?? 'unknown error')}).`,
            'segsync needs git on the PATH for this.',
          ),
        );
        return;
      }
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}

/** git never prompts and speaks English (its messages are matched). */
export function gitEnvironment(
  env: Readonly<Record<string, string | undefined>>,
): NodeJS.ProcessEnv {
  return { ...env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' };
}

/**
 * The clone holding `file` and the file's path in it (relative to the root, with `/`), or
 * undefined when `file`'s directory is not in a git work tree. The file need not exist.
 */
export async function locateInRepository(
  file: string,
  env: NodeJS.ProcessEnv,
  git: GitRunner,
): Promise<{ root: string; relative: string } | undefined> {
  const directory = path.dirname(file);
  const realDirectory = await realpath(directory).catch(() => undefined);
  if (realDirectory === undefined) return undefined;
  const top = await git(['rev-parse', '--show-toplevel'], realDirectory, env).catch(
    () => undefined,
  );
  if (!top || top.code !== 0) return undefined;
  const root = await realpath(top.stdout.trim());
  const relative = path
    .relative(root, path.join(realDirectory, path.basename(file)))
    .split(path.sep)
    .join('/');
  return { root, relative };
}
