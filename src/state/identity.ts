// Which file a state path names. The lock, the journal and the atomic rewrite must belong to the
// file, not to the path a user happened to type: two applies started through a symlink and its
// target would otherwise each take their own lock and create every segment twice, and a rewrite
// through a symlink would replace the link with a regular file and leave the target behind.
//
// So every state path is resolved first (symlinks to the file and to any directory above it,
// including a dangling link whose target does not exist yet), and everything happens beside the
// real file. Hard links cannot be resolved that way — each name is equally "the" file, and the
// atomic rename that keeps the file whole would split them into two diverging files — so a state
// file with more than one link is refused before anything is written.

import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { errorCode, UserError } from '../core/errors.js';
import { describeOsError } from '../core/os-errors.js';
import { resolveRealPath } from '../files/confine.js';

/**
 * The absolute path of the file `path` names, with every symlink resolved. When the file does not
 * exist yet, its directory is resolved and a dangling link is followed to the file it will be.
 */
export function resolveStateFile(path: string): string {
  const resolved = resolveRealPath(path);
  if (resolved.ok) return resolved.real;
  if (resolved.problem === 'link-loop') throw symlinkLoopError(path);
  throw unresolvableError(path, resolved.code);
}

/**
 * Refuses a state file that has other hard links: segsync replaces the file atomically (a new
 * file renamed over the old name), which would leave every other name holding the old content —
 * the next apply through one of them would create everything again. Locking by device and inode
 * would stop two applies at once, but not that split. A missing file is fine (it has no links).
 */
export function refuseHardLinkedStateFile(realPath: string, given: string): void {
  let links: number;
  try {
    links = statSync(realPath).nlink;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return;
    throw unresolvableError(given, errorCode(error));
  }
  if (links <= 1) return;
  const named =
    realPath === resolve(given) ? given : `${given} (${realPath} once links are followed)`;
  throw new UserError(
    `The state file ${named} has ${links} hard links (other names for the same file), so segsync ` +
      'will not write it: its atomic rewrite would leave the other names holding the old content, ' +
      'and an apply through one of them would create every segment again.',
    'Keep one name for the state file: delete the other hard links, or replace them with symbolic ' +
      'links (`ln -s`), which segsync follows to the real file.',
  );
}

function symlinkLoopError(given: string): UserError {
  return new UserError(
    `The state file path ${given} goes through too many symbolic links (probably a loop).`,
    'Point --state (or `state:` in the config) at the real file, or fix the links.',
  );
}

function unresolvableError(given: string, code: string | undefined): UserError {
  const why = code === undefined ? 'unexpected error' : describeOsError({ code });
  return new UserError(
    `Cannot find out which file the state path ${given} names (${why}).`,
    'Check that the directories on the way are readable, or point --state at the real file.',
  );
}
