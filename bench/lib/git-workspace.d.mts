// Types for git-workspace.mjs, used by the --push-state tests (TypeScript) as well as the benches.

export const STATE_FILE: string;

export interface BareRemote {
  /** The temp dir holding the remote, its seed and the clones. */
  base: string;
  bare: string;
  /** Every generated segment name, in file order. */
  names: string[];
  env: NodeJS.ProcessEnv;
  // Properties, not methods: the functions close over the remote and may be passed around alone.
  git: (cwd: string, ...args: string[]) => Promise<string>;
  commitAsDeveloper: (cwd: string, message: string) => Promise<string>;
  clone: (name: string) => Promise<string>;
  commitAndPushState: (cwd: string, message: string) => Promise<void>;
  remoteState: <T>(parse: (text: string) => T) => Promise<T | undefined>;
  remove: () => Promise<void>;
}

export function createBareRemote(
  count: number,
  options?: { seed?: number; prefix?: string; pushDelaySeconds?: number },
): Promise<BareRemote>;

export interface GitWorkspace extends BareRemote {
  root: string;
  defs: string;
  state: string;
}

export function createGitWorkspace(
  count: number,
  options?: { seed?: number; prefix?: string; pushDelaySeconds?: number },
): Promise<GitWorkspace>;
