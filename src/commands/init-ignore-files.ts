// `segsync init` and the user's ignore files. Unlike the other scaffold files these usually exist
// already, so init appends the lines that are missing instead of skipping the file.
//
// .gitignore: the lock and temporary files segsync leaves beside a state file while it runs
// (`<state>.lock`, `.<state>.tmp-<pid>-<n>`) must never be committed. The state file and its
// `.journal` are data and are committed, so they are NOT listed.
//
// .prettierignore: the state files. segsync writes them in its own canonical JSON (sorted keys,
// stable layout, so git diffs stay small); Prettier's layout depends on the user's Prettier
// version and settings (printWidth, useTabs...), so no fixed writer could match every repository.
// Leaving machine-written files to their writer is what lockfiles do too.
import { writeFile } from 'node:fs/promises';
import { readTextFileOrThrowAsync } from '../files/read.js';
import path from 'node:path';
import { errorCode, UserError } from '../core/errors.js';

export interface IgnoreFile {
  target: string;
  /** The comment that heads segsync's block. */
  heading: string;
  patterns: readonly string[];
}

export const IGNORE_FILES: readonly IgnoreFile[] = [
  {
    target: '.gitignore',
    heading: '# segsync: lock and temporary files beside the state file (the state is committed)',
    // node_modules too: init points editors at node_modules/segsync, so it is installed here.
    patterns: ['node_modules/', '*.state.json.lock', '.*.state.json.tmp-*'],
  },
  {
    target: '.prettierignore',
    heading: '# segsync writes its state files in its own stable JSON layout',
    patterns: ['*.state.json'],
  },
];

export type IgnoreOutcome = 'created' | 'updated' | 'identical';

/** Appends the patterns `file` lacks (a line equal to the pattern counts as present). */
export async function addIgnorePatterns(root: string, file: IgnoreFile): Promise<IgnoreOutcome> {
  const absolute = path.join(root, file.target);
  const existing = await readTextFileOrThrowAsync(
    absolute,
    'projectFile',
    file.target,
    'Make it a regular text file, then run `segsync init` again.',
  );
  const present = new Set((existing ?? '').split(/\r?\n/).map(normalizePattern));
  const missing = file.patterns.filter((pattern) => !present.has(normalizePattern(pattern)));
  if (missing.length === 0) return 'identical';
  const block = [file.heading, ...missing].join('\n') + '\n';
  const separator =
    existing === undefined || existing === '' ? '' : existing.endsWith('\n') ? '\n' : '\n\n';
  try {
    await writeFile(absolute, `${existing ?? ''}${separator}${block}`);
  } catch (error) {
    throw cannotUpdate(file.target, error);
  }
  return existing === undefined ? 'created' : 'updated';
}

/** `/node_modules/`, `node_modules` and `node_modules/` ignore the same top-level directory. */
function normalizePattern(line: string): string {
  return line.trim().replace(/^\/|\/$/g, '');
}

function cannotUpdate(target: string, error: unknown): UserError {
  return new UserError(
    `Cannot update ${target} (${errorCode(error) ?? 'unknown error'}).`,
    'Check that it is a writable file, then run `segsync init` again.',
  );
}
