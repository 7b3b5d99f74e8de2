// Types for workspace.mjs, used by the kill test (TypeScript) as well as the bench scripts.

export const REPO_ROOT: URL;
export const CLI: string;
export const EMPTY_STATE: string;

export interface Workspace {
  root: string;
  defs: string;
  state: string;
  /** Every generated segment name, in file order. */
  names: string[];
  remove(): Promise<void>;
}

export function createWorkspace(
  count: number,
  options?: { seed?: number; prefix?: string },
): Promise<Workspace>;
