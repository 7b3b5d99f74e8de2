// The project root, and the one confinement rule for every file a definition or the
// configuration names (`contactIdsFile`, `definitions`, `include`, `state`): it must resolve,
// symbolic links included, to a place inside the project root. A definition in a pull request
// could otherwise read `/proc/self/environ` (the API token with it) or another project's files,
// and send them to Wati as contact ids. Paths typed on the command line are the user's own choice
// and are not confined; what segsync finds by walking a directory is (see definitions/find-files).

import { existsSync, lstatSync, readlinkSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { errorCode } from '../core/errors.js';

/** Linux gives up after 40 links in one lookup; so do we (a loop would otherwise never end). */
const MAX_SYMLINK_HOPS = 40;

/**
 * Kernel views, not files of a project: never inside any root, not even when segsync runs in `/`.
 * A `/proc` file says it is a regular file of size 0 and holds the process's environment.
 */
const SYSTEM_DIRECTORIES = ['/proc', '/sys', '/dev'];

/**
 * The project root: the directory of the configuration file when there is one, else the git work
 * tree around `cwd` (found by walking up to a `.git` entry, without running git), else `cwd`.
 */
export function findProjectRoot(cwd: string, configFile?: string): string {
  if (configFile !== undefined) return path.dirname(path.resolve(cwd, configFile));
  const start = path.resolve(cwd);
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, '.git'))) return dir;
    if (path.dirname(dir) === dir) return start;
  }
}

export type Resolved =
  { ok: true; real: string } | { ok: false; problem: 'link-loop' | 'unresolvable'; code?: string };

/**
 * The absolute path `target` names with every symbolic link resolved. When it does not exist
 * (yet), its directory is resolved and a dangling link is followed to the file it would be.
 */
export function resolveRealPath(target: string): Resolved {
  const hops = { count: 0 };
  try {
    return { ok: true, real: resolveLinks(path.resolve(target), hops) };
  } catch (error) {
    if (error instanceof LinkLoop) return { ok: false, problem: 'link-loop' };
    const code = errorCode(error);
    return code === undefined
      ? { ok: false, problem: 'unresolvable' }
      : { ok: false, problem: 'unresolvable', code };
  }
}

class LinkLoop extends Error {}

function resolveLinks(absolute: string, hops: { count: number }): string {
  try {
    return realpathSync(absolute);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ELOOP') throw new LinkLoop();
    if (code !== 'ENOENT') throw error;
  }
  // Something along the path does not exist. Resolve the directory (which may itself be missing or
  // a dangling link), then see whether the last name is a link to a file that does not exist yet.
  const parent = path.dirname(absolute);
  const directory = parent === absolute ? parent : resolveLinks(parent, hops);
  const candidate = path.join(directory, path.basename(absolute));
  let target: string;
  try {
    if (!lstatSync(candidate).isSymbolicLink()) return candidate;
    target = readlinkSync(candidate);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') return candidate;
    throw error;
  }
  if (++hops.count > MAX_SYMLINK_HOPS) throw new LinkLoop();
  return resolveLinks(path.resolve(directory, target), hops);
}

export type Confinement =
  { ok: true; real: string } | { ok: false; problem: 'outside' | 'link-loop' | 'unresolvable' };

/** The root with its own links resolved, computed once per root. */
const realRoots = new Map<string, string>();

function realRootOf(root: string): string {
  let real = realRoots.get(root);
  if (real === undefined) {
    const resolved = resolveRealPath(root);
    real = resolved.ok ? resolved.real : path.resolve(root);
    realRoots.set(root, real);
  }
  return real;
}

/** True when `real` (a path with its links resolved) is `realRoot` or below it. */
function isWithin(real: string, realRoot: string): boolean {
  if (SYSTEM_DIRECTORIES.some((system) => real === system || real.startsWith(`${system}/`))) {
    return false;
  }
  const relative = path.relative(realRoot, real);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/**
 * The rule: `target` (absolute) must resolve, symbolic links included, to a place inside `root`.
 * It need not exist: a state file or a definitions directory may be created later, and a missing
 * file is its reader's to report. That it is a regular file is checked when it is read
 * (files/read.ts), which refuses anything else by name.
 */
export function confine(root: string, target: string): Confinement {
  const resolved = resolveRealPath(target);
  if (!resolved.ok) return { ok: false, problem: resolved.problem };
  return isWithin(resolved.real, realRootOf(root))
    ? { ok: true, real: resolved.real }
    : { ok: false, problem: 'outside' };
}

/** A short sentence saying which rule a path broke, naming the root but never any content. */
export function describeConfinementProblem(
  problem: Exclude<Confinement, { ok: true }>['problem'],
  shownRoot: string,
): string {
  switch (problem) {
    case 'outside': {
      const where = shownRoot === '.' ? 'the current directory' : shownRoot;
      return `it resolves (symbolic links included) to a place outside the project root (${where})`;
    }
    case 'link-loop':
      return 'its symbolic links loop back on themselves';
    case 'unresolvable':
      return 'it cannot be resolved to a place inside the project root';
  }
}

/** What the rule is, for hints. */
export const CONFINEMENT_RULE =
  'Files named in segsync.config.yaml or in a definition must be inside the project root (the directory of segsync.config.yaml, else the git work tree, else the current directory), symbolic links included.';
