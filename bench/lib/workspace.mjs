// Temp workspaces for the benchmarks: a directory holding generated definitions, an empty state
// file, and nothing else (no segsync.config.yaml, so the CLI uses only what it is told).

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateDefinitions } from './definitions.mjs';

export const REPO_ROOT = new URL('../../', import.meta.url);
export const CLI = fileURLToPath(new URL('dist/cli.js', REPO_ROOT));

/** The state file of a project that has created nothing yet (format 1, as segsync writes it). */
export const EMPTY_STATE = '{\n  "formatVersion": 1,\n  "segments": {}\n}\n';

/**
 * Creates `<tmp>/segsync-bench-*` with `defs/` (count generated definitions) and an empty
 * `state.json`. Call `remove()` when done.
 */
export async function createWorkspace(count, { seed = 1, prefix = 'segsync-bench-' } = {}) {
  const root = await mkdtemp(path.join(tmpdir(), prefix));
  const defs = path.join(root, 'defs');
  const names = await generateDefinitions(defs, count, seed);
  const state = path.join(root, 'state.json');
  await writeFile(state, EMPTY_STATE);
  return { root, defs, state, names, remove: () => rm(root, { recursive: true, force: true }) };
}
