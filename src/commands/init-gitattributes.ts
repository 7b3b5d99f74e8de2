// init's .gitattributes: the state files merge with segsync's merge driver (by meaning) instead of
// git's line merge. git refuses to let a repository define its own drivers, so the attribute only
// names the driver; each clone (and CI job that merges) runs the `git config` line once.
import { writeFile } from 'node:fs/promises';
import { readTextFileOrThrowAsync } from '../files/read.js';
import path from 'node:path';
import { errorCode, UserError } from '../core/errors.js';

export const MERGE_DRIVER_CONFIG_COMMAND =
  "git config merge.segsync.driver 'npx --no segsync state merge-driver %O %A %B'";

export type GitAttributesOutcome = 'created' | 'updated' | 'identical';

/** The attribute line for one state file (a path relative to the repository root). */
export function mergeAttributeLine(stateFile: string): string {
  // .gitattributes patterns: a space would end the pattern; segsync's own names have none.
  return `${stateFile.split(path.sep).join('/')} merge=segsync`;
}

/** Adds the missing lines to `<root>/.gitattributes`, creating it if needed; never removes one. */
export async function ensureGitAttributes(
  root: string,
  stateFiles: readonly string[],
): Promise<GitAttributesOutcome> {
  const file = path.join(root, '.gitattributes');
  const existing =
    (await readTextFileOrThrowAsync(
      file,
      'projectFile',
      '.gitattributes',
      'Make it a regular text file, then run `segsync init` again.',
    )) ?? '';
  const present = new Set(existing.split(/\r?\n/).map((line) => line.trim()));
  const missing = stateFiles.map(mergeAttributeLine).filter((line) => !present.has(line));
  if (missing.length === 0) return 'identical';
  const header =
    existing === ''
      ? '# segsync state files merge by meaning (see `segsync state merge-driver`)\n'
      : '';
  const separator = existing === '' || existing.endsWith('\n') ? '' : '\n';
  try {
    await writeFile(file, `${existing}${separator}${header}${missing.join('\n')}\n`);
  } catch (error) {
    throw cannotWrite(error);
  }
  return existing === '' ? 'created' : 'updated';
}

function cannotWrite(error: unknown): UserError {
  return new UserError(
    `Cannot write .gitattributes (${errorCode(error) ?? 'unknown error'}).`,
    'Check that it is a writable file, then run `segsync init` again.',
  );
}
