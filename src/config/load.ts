// segsync.config.yaml → SegsyncConfig. The file is optional; when present it is read, parsed and
// diagnosed exactly like a definition file (same reader, same locating, same wording), against
// schemas/config.schema.json.

import { lstatSync } from 'node:fs';
import path from 'node:path';
import type { Diagnostic } from '../model.js';
import type { LoadedDocument } from '../definitions/load.js';
import { displayPath } from '../definitions/find-files.js';
import { documentToData, readYamlFile } from '../definitions/load.js';
import { locateDocumentStart } from '../definitions/locate.js';
import { explainSchemaErrors } from '../definitions/schema-errors.js';
import { getConfigValidator } from '../definitions/schema-validator.js';
import { sortDiagnostics } from '../definitions/validate.js';

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

/** The configuration as written in the file (validated by the schema). */
interface ConfigDocument {
  definitions?: string;
  state?: string;
  operators?: string[];
  segmentLimit?: number;
  concurrency?: number;
  environments?: Record<string, EnvironmentConfig>;
}

/**
 * Reads the configuration. Never rejects for bad input: problems come back as diagnostics, and
 * when one is an error `config` holds the defaults and should not be used.
 */
export function loadConfig(options: { path?: string; cwd: string }): Promise<ConfigResult> {
  // One small file, read synchronously like definition files; the promise keeps the contract.
  return new Promise((resolve) => resolve(readConfig(options)));
}

function readConfig(options: { path?: string; cwd: string }): ConfigResult {
  const { cwd } = options;
  const found = findConfigFile(options.path, cwd);
  if (!found.file) return { config: defaults(cwd), diagnostics: found.diagnostics };

  const file = found.file;
  const baseDir = path.dirname(file);
  const displayed = displayPath(file, cwd);
  const diagnostics = [...found.diagnostics];
  const fallback: SegsyncConfig = { ...defaults(baseDir), file };

  const parsed = readYamlFile(file, displayed);
  diagnostics.push(...parsed.diagnostics);
  const [document, extra] = parsed.documents;
  if (extra) diagnostics.push(multipleDocumentsDiagnostic(extra));
  if (!document || hasError(diagnostics)) {
    return { config: fallback, diagnostics: sortDiagnostics(diagnostics) };
  }

  const data = documentToData(document);
  if (!data.ok)
    return { config: fallback, diagnostics: sortDiagnostics([...diagnostics, data.diagnostic]) };
  const validator = getConfigValidator();
  if (!validator.validate(data.value)) {
    diagnostics.push(
      ...explainSchemaErrors(validator.validate.errors ?? [], {
        loaded: document,
        data: data.value,
        subject: 'configuration',
        // A value in the wrong place here may be a pasted token: never quote it back.
        echoValues: false,
      }),
    );
    return { config: fallback, diagnostics: sortDiagnostics(diagnostics) };
  }
  return {
    config: toConfig(data.value as ConfigDocument, file, baseDir),
    diagnostics: sortDiagnostics(diagnostics),
  };
}

function defaults(baseDir: string): SegsyncConfig {
  return {
    baseDir,
    definitions: path.resolve(baseDir, DEFAULT_DEFINITIONS),
    state: path.resolve(baseDir, DEFAULT_STATE_FILE),
  };
}

/** Built key by key from validated data (never spread: it may hold a `__proto__` own key). */
function toConfig(document: ConfigDocument, file: string, baseDir: string): SegsyncConfig {
  const config: SegsyncConfig = {
    file,
    baseDir,
    definitions: path.resolve(baseDir, document.definitions ?? DEFAULT_DEFINITIONS),
    state: path.resolve(baseDir, document.state ?? DEFAULT_STATE_FILE),
  };
  if (document.operators) config.operators = [...document.operators];
  if (document.segmentLimit !== undefined) config.segmentLimit = document.segmentLimit;
  if (document.concurrency !== undefined) config.concurrency = document.concurrency;
  if (document.environments) {
    const environments: Record<string, EnvironmentConfig> = {};
    // Environment names are schema-checked (letters, digits, - and _), so none is `__proto__`.
    for (const [name, written] of Object.entries(document.environments)) {
      const environment: EnvironmentConfig = {
        endpointEnv: written.endpointEnv,
        tokenEnv: written.tokenEnv,
      };
      if (written.state !== undefined) environment.state = path.resolve(baseDir, written.state);
      if (written.segmentLimit !== undefined) environment.segmentLimit = written.segmentLimit;
      if (written.include) environment.include = [...written.include];
      environments[name] = environment;
    }
    config.environments = environments;
  }
  return config;
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

function multipleDocumentsDiagnostic(extra: LoadedDocument): Diagnostic {
  return {
    severity: 'error',
    code: 'config-multiple-documents',
    message: 'The configuration file holds more than one YAML document; it must hold exactly one.',
    ...locateDocumentStart(extra),
    hint: 'Remove the `---` line and merge the settings into one document.',
  };
}

function hasError(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((diagnostic) => diagnostic.severity === 'error');
}
