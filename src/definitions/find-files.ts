// Which files hold definitions: walk the given paths, keep `.yaml`/`.yml`, skip what is hidden,
// never loop on links, and order the result the same way on every machine.

import { readdirSync, realpathSync, lstatSync, statSync } from 'node:fs';
import path from 'node:path';
import { displayPath } from '../diagnostics/display-path.js';
import { describeFsError } from '../diagnostics/os-errors.js';
import { compareCodePoints } from '../diagnostics/sort.js';
import type { Diagnostic } from '../model.js';

const YAML_FILE_NAME = /\.ya?ml$/i;

export interface FoundFile {
  /** Where to read it. */
  absolute: string;
  /** How to show it: relative to the working directory, forward slashes. */
  file: string;
}

/**
 * The files under `paths`, in code-point order of their displayed path. Directories are walked
 * recursively for `.yaml`/`.yml` files; a file named explicitly is kept whatever its extension.
 * Hidden entries and `node_modules` are skipped; links are followed, each real directory walked
 * once. Missing paths and unreadable directories become diagnostics.
 */
export function findDefinitionFiles(
  paths: string[],
  cwd: string,
  diagnostics: Diagnostic[],
): FoundFile[] {
  const found = new Map<string, FoundFile>(); // by absolute path: a file named twice is read once
  const walkedDirectories = new Set<string>();
  for (const given of paths) {
    const absolute = path.resolve(cwd, given);
    const kind = kindOf(absolute);
    if (kind === 'directory') {
      walkDirectory(absolute, displayPath(absolute, cwd), walkedDirectories, found, diagnostics);
    } else if (kind === 'missing') {
      diagnostics.push(missingPathDiagnostic(displayPath(absolute, cwd)));
    } else {
      // Named explicitly: read it even without a YAML extension; the reader reports what it is.
      found.set(absolute, { absolute, file: displayPath(absolute, cwd) });
    }
  }
  return [...found.values()].sort((a, b) => compareCodePoints(a.file, b.file));
}

function kindOf(absolute: string): 'directory' | 'other' | 'missing' {
  try {
    return statSync(absolute).isDirectory() ? 'directory' : 'other';
  } catch {
    try {
      lstatSync(absolute); // a dangling symbolic link exists; the reader explains it
      return 'other';
    } catch {
      return 'missing';
    }
  }
}

function missingPathDiagnostic(file: string): Diagnostic {
  return {
    severity: 'error',
    code: 'path-not-found',
    message: `"${file}" does not exist, so no definitions could be read from it.`,
    file,
    hint: 'Check the path, create the directory, or set `definitions` in segsync.config.yaml to the directory that holds your segment files.',
  };
}

function walkDirectory(
  directory: string,
  displayed: string,
  walked: Set<string>,
  found: Map<string, FoundFile>,
  diagnostics: Diagnostic[],
): void {
  let entries;
  try {
    const real = realpathSync.native(directory);
    if (walked.has(real)) return;
    walked.add(real);
    entries = readdirSync(directory, { withFileTypes: true });
  } catch (error) {
    diagnostics.push({
      severity: 'error',
      code: 'unreadable-directory',
      message: `This directory cannot be read (${describeFsError(error)}).`,
      file: displayed,
      hint: 'Give the user running segsync permission to read it, or remove it from the definitions.',
    });
    return;
  }
  // Paths are built by concatenation: path.join/relative for each of thousands of entries
  // showed up in profiles, and `directory` is already absolute and normalised.
  const prefix = directory.endsWith(path.sep) ? directory : `${directory}${path.sep}`;
  const displayedPrefix = displayed === '.' ? '' : `${displayed}/`;
  for (const entry of entries) {
    const name = entry.name;
    if (name.startsWith('.') || name === 'node_modules') continue;
    const absolute = prefix + name;
    const isDirectory =
      entry.isDirectory() || (entry.isSymbolicLink() && kindOf(absolute) === 'directory');
    if (isDirectory) {
      walkDirectory(absolute, displayedPrefix + name, walked, found, diagnostics);
    } else if (YAML_FILE_NAME.test(name)) {
      // Anything with a YAML name (file, dangling link, socket...) goes to the reader, which
      // reports what is wrong with it.
      found.set(absolute, { absolute, file: displayedPrefix + name });
    }
  }
}
