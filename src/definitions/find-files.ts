// Which files hold definitions: walk the given paths (directories, files or glob patterns), keep
// `.yaml`/`.yml`, skip what is hidden, never loop on links, and order the result the same way on
// every machine. Globs are matched with picomatch; the walk and its error handling stay ours.

import { readdirSync, realpathSync, lstatSync, statSync } from 'node:fs';
import path from 'node:path';
import type picomatchModule from 'picomatch';
import { displayPath } from '../diagnostics/display-path.js';
import { describeFsError } from '../core/os-errors.js';
import { compareCodePoints } from '../diagnostics/sort.js';
import type { Diagnostic } from '../core/model.js';
import {
  CONFINEMENT_RULE,
  confine,
  describeConfinementProblem,
  resolveRealPath,
} from '../files/confine.js';

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
 * A path that does not exist but is a glob pattern (`segments/*.yaml`, `defs/prod/**`) selects
 * the `.yaml`/`.yml` files of the walk under its fixed part that it matches. Hidden entries and
 * `node_modules` are skipped (a pattern does not bring them back); links are followed, each real
 * directory walked once. Missing paths, patterns that match nothing and unreadable directories
 * become diagnostics.
 */
export async function findDefinitionFiles(
  paths: string[],
  cwd: string,
  diagnostics: Diagnostic[],
  options: FindOptions = {},
): Promise<FoundFile[]> {
  const found = new Map<string, FoundFile>(); // by absolute path: a file named twice is read once
  const walkedDirectories = new Set<string>();
  const projectRoot = options.root ?? cwd;
  for (const given of paths) {
    const absolute = path.resolve(cwd, given);
    const kind = kindOf(absolute);
    const picomatch = kind === 'missing' ? await loadPicomatch() : undefined;
    const scan = picomatch?.scan(toPosix(absolute));
    const isGlob = scan?.isGlob === true;
    const fixedPart = isGlob && scan ? scan.base : absolute;
    const walk: Walk = {
      cwd,
      root: walkRootOf(fixedPart, projectRoot, options.given === true),
      walked: walkedDirectories,
      found,
      diagnostics,
    };
    if (kind !== 'missing' && !options.given && !insideRoot(absolute, walk)) continue;
    if (kind === 'directory') {
      walkDirectory(absolute, displayPath(absolute, cwd), walk);
    } else if (isGlob && picomatch) {
      // A file whose name looks like a pattern is read as a file: only a missing path is a glob.
      walkGlob(picomatch, absolute, walk);
    } else if (kind === 'missing') {
      diagnostics.push(missingPathDiagnostic(displayPath(absolute, cwd), options.allowEmpty));
    } else {
      // Named explicitly: read it even without a YAML extension; the reader reports what it is.
      found.set(absolute, { absolute, file: displayPath(absolute, cwd) });
    }
  }
  return [...found.values()].sort((a, b) => compareCodePoints(a.file, b.file));
}

export interface FindOptions {
  allowEmpty?: boolean;
  /** The project root: what the walk finds must resolve inside it (default: `cwd`). */
  root?: string;
  /**
   * The paths were typed on the command line: the user's choice, so one outside the project root
   * is walked, and what it leads to must stay inside the directory named.
   */
  given?: boolean;
}

/** One path's walk: where it shows paths from, what its matches must stay inside, what it found. */
interface Walk {
  cwd: string;
  root: string;
  walked: Set<string>;
  found: Map<string, FoundFile>;
  diagnostics: Diagnostic[];
}

/**
 * What the matches of a walk from `fixedPart` must resolve inside: the project root, except for
 * a path typed on the command line outside it, whose matches must stay inside that path.
 */
function walkRootOf(fixedPart: string, projectRoot: string, given: boolean): string {
  if (!given || confine(projectRoot, fixedPart).ok) return projectRoot;
  const real = resolveRealPath(fixedPart);
  const base = real.ok ? real.real : fixedPart;
  return kindOf(base) === 'directory' ? base : path.dirname(base);
}

/** True when `absolute` resolves inside the walk's root; otherwise says so at `absolute`. */
function insideRoot(absolute: string, walk: Walk): boolean {
  const confined = confine(walk.root, absolute);
  if (confined.ok) return true;
  walk.diagnostics.push({
    severity: 'error',
    code: 'outside-project',
    message: `This is not read: ${describeConfinementProblem(confined.problem, displayPath(walk.root, walk.cwd))}.`,
    file: displayPath(absolute, walk.cwd),
    hint: `${CONFINEMENT_RULE} Replace the link with the file, or remove it.`,
  });
  return false;
}

/**
 * picomatch, loaded the first time a path is missing (a glob, or a typo): most runs name plain
 * directories and never need it, and loading it costs every start ~2 ms. An import() rather than
 * a require() at run time: the build bundles it (in a chunk of its own), and the published
 * package has no node_modules to find it in.
 */
async function loadPicomatch(): Promise<typeof picomatchModule> {
  return (await import('picomatch')).default;
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

/** Walks the pattern's fixed leading directories and keeps the files the rest of it matches. */
function walkGlob(picomatch: typeof picomatchModule, pattern: string, walk: Walk): void {
  const { cwd, found, diagnostics } = walk;
  const { base, glob } = picomatch.scan(toPosix(pattern));
  const baseDirectory = path.resolve(base);
  const candidates = new Map<string, FoundFile>();
  if (kindOf(baseDirectory) === 'directory' && insideRoot(baseDirectory, walk)) {
    // Its own set of walked directories: a directory this pattern walks must still be walked in
    // full when another path names it.
    walkDirectory(baseDirectory, displayPath(baseDirectory, cwd), {
      ...walk,
      walked: new Set(),
      found: candidates,
    });
  }
  const matches = picomatch(glob);
  const prefix = baseDirectory.endsWith(path.sep) ? baseDirectory : `${baseDirectory}${path.sep}`;
  let matched = 0;
  for (const candidate of candidates.values()) {
    if (!matches(toPosix(candidate.absolute.slice(prefix.length)))) continue;
    found.set(candidate.absolute, candidate);
    matched++;
  }
  if (matched === 0) diagnostics.push(noMatchDiagnostic(displayPath(pattern, cwd)));
}

function toPosix(file: string): string {
  return file.split(path.sep).join('/');
}

function noMatchDiagnostic(pattern: string): Diagnostic {
  return {
    severity: 'error',
    code: 'no-match',
    message: `The pattern "${pattern}" matches no definition file, so no definitions could be read from it.`,
    file: pattern,
    hint: 'Check the pattern: it selects .yaml/.yml files (hidden ones and node_modules excepted), relative to the configuration file for `include` entries and to the current directory on the command line.',
  };
}

// With --allow-empty a missing directory is an empty set (a fresh repository, a CI job that runs
// before anyone wrote a segment): still said, as a warning, in case the path is a typo.
function missingPathDiagnostic(file: string, allowEmpty = false): Diagnostic {
  return {
    severity: allowEmpty ? 'warning' : 'error',
    code: 'path-not-found',
    message: `"${file}" does not exist, so no definitions could be read from it.`,
    file,
    hint: 'Check the path, create the directory, or set `definitions` in segsync.config.yaml to the directory that holds your segment files.',
  };
}

function walkDirectory(directory: string, displayed: string, walk: Walk): void {
  const { walked, found, diagnostics } = walk;
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
    const isLink = entry.isSymbolicLink();
    const isDirectory = entry.isDirectory() || (isLink && kindOf(absolute) === 'directory');
    // Entries of a directory inside the root are inside it too, unless they are links: only a
    // link can lead out, so only links pay for resolving.
    if ((isDirectory || YAML_FILE_NAME.test(name)) && isLink && !insideRoot(absolute, walk)) {
      continue;
    }
    if (isDirectory) {
      walkDirectory(absolute, displayedPrefix + name, walk);
    } else if (YAML_FILE_NAME.test(name)) {
      // Anything with a YAML name (file, dangling link, socket...) goes to the reader, which
      // reports what is wrong with it.
      found.set(absolute, { absolute, file: displayedPrefix + name });
    }
  }
}
