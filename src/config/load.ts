// segsync.config.yaml → SegsyncConfig. The file is optional: this module finds it (the defaults
// are in defaults.ts); config/parse.ts reads and validates it when it exists.

import { lstatSync } from 'node:fs';
import path from 'node:path';
import { displayPath } from '../diagnostics/display-path.js';
import type { Diagnostic } from '../core/model.js';
import type { ConfigResult } from './defaults.js';
import { DEFAULT_CONFIG_FILES, defaults } from './defaults.js';

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
