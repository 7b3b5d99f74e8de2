// The configuration's shape and the settings used without a configuration file: shared by the
// lookup (load.ts) and the parser (parse.ts), so neither imports the other's module for them.
import path from 'node:path';
import type { Diagnostic } from '../core/model.js';

export interface EnvironmentConfig {
  /** Name of the environment variable holding the Wati API endpoint. */
  endpointEnv: string;
  /** Name of the environment variable holding the API token (never the token). */
  tokenEnv: string;
  /** Absolute path of this environment's state file. */
  state?: string;
  segmentLimit?: number;
  /** `apply --push-state` for this environment: true (upstream) or "REMOTE/BRANCH". */
  pushState?: boolean | string;
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
  /** `apply --push-state`: true (upstream of the branch) or "REMOTE/BRANCH". */
  pushState?: boolean | string;
  /** Creates per pushed checkpoint window. */
  checkpointEvery?: number;
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

/** The settings used when there is no configuration file (or it has an error). */
export function defaults(baseDir: string): SegsyncConfig {
  return {
    baseDir,
    definitions: path.resolve(baseDir, DEFAULT_DEFINITIONS),
    state: path.resolve(baseDir, DEFAULT_STATE_FILE),
  };
}
