// segsync.config.yaml → SegsyncConfig. The file is optional: this module finds it and supplies
// the defaults; config/parse.ts reads and validates it when it exists.

import { lstatSync } from 'node:fs';
import path from 'node:path';
import type { Diagnostic } from '../model.js';
import { displayPath } from '../definitions/find-files.js';

export interface EnvironmentConfig {
  /** Name of the environment variable holding the Wati API endpoint. */
  endpointEnv: string;
  /** Name of the environment variable holding the API token (never the token). */
  tokenEnv: string;
  /** Absolute path of this environment's state file. */
  state?: string;
  segmentLimit?: number;
  /** Directories, files or globs as written, relative to `baseDir`. */
  include?: string[];
}

export interface SegsyncConfig {
  /** Absolute path of the configuration file, when one was read. */
  file?: string;
  /** The directory relative paths are resolved against: the config file's, else the cwd. */
  baseDir: string;
  /** Absolute path of the definitions directory (or file). */
  definitions: string;
  /** Absolute path of the state file. */
  state: string;
  operators?: string[];
  /** Known contact attributes; when set, conditions may use only these. */
  attributes?: string[];
  segmentLimit?: number;
  concurrency?: number;
  environments?: Record<string, EnvironmentConfig>;
}

export interface ConfigResult {
  /** Defaults when there is no file; defaults too when `diagnostics` holds an error. */
  config: SegsyncConfig;
  diagnostics: Diagnostic[];
}

/** Looked up in this order in the working directory when no path is given. */
export const DEFAULT_CONFIG_FILES = ['segsync.config.yaml', 'segsync.config.yml'] as const;
export const DEFAULT_DEFINITIONS = 'segments';
export const DEFAULT_STATE_FILE = 'segsync.state.json';

/**
 * Reads the configuration. Never rejects for bad input: problems come back as diagnostics, and
 * when one is an error `config` holds the defaults and should not be used.
 */
export async function loadConfig(options: { path?: string; cwd: string }): Promise<ConfigResult> {
  const { cwd } = options;
  const found = findConfigFile(options.path, cwd);
  if (!found.file) return { config: defaults(cwd), diagnostics: found.diagnostics };
  // Parsing needs yaml and ajv; commands run without a config file (state unlock, resolve...)
  // should not pay for loading them.
  const { readConfigFile } = await import('./parse.js');
  return readConfigFile(found.file, cwd, found.diagnostics);
}

/** The settings used when there is no configuration file (or it has an error). */
export function defaults(baseDir: string): SegsyncConfig {
  return {
    baseDir,
    definitions: path.resolve(baseDir, DEFAULT_DEFINITIONS),
    state: path.resolve(baseDir, DEFAULT_STATE_FILE),
  };
}

function findConfigFile(
  explicit: string | undefined,
  cwd: string,
): { file?: string; diagnostics: Diagnostic[] } {
  if (explicit !== undefined) {
    const file = path.resolve(cwd, explicit);
    if (exists(file)) return { file, diagnostics: [] };
    return {
      diagnostics: [
        {
          severity: 'error',
          code: 'config-not-found',
          message: `The configuration file "${displayPath(file, cwd)}" does not exist.`,
          file: displayPath(file, cwd),
          hint: `Check the path given with --config, or leave it out to use ${DEFAULT_CONFIG_FILES[0]} from the current directory.`,
        },
      ],
    };
  }
  const present = DEFAULT_CONFIG_FILES.map((name) => path.join(cwd, name)).filter(exists);
  const [file, other] = present;
  if (!file) return { diagnostics: [] };
  if (!other) return { file, diagnostics: [] };
  return {
    file,
    diagnostics: [
      {
        severity: 'warning',
        code: 'ambiguous-config',
        message: `Both ${DEFAULT_CONFIG_FILES[0]} and ${DEFAULT_CONFIG_FILES[1]} exist; only ${DEFAULT_CONFIG_FILES[0]} is read.`,
        file: displayPath(other, cwd),
        hint: 'Delete one of them so it is clear which settings apply.',
      },
    ],
  };
}

/** True for anything at the path, even a dangling link: the reader then explains the problem. */
function exists(file: string): boolean {
  try {
    lstatSync(file);
    return true;
  } catch {
    return false;
  }
}
