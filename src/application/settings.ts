// Resolves what a command works on: config file, environment, definition paths, state file.
import path from 'node:path';
import type { EnvironmentConfig, SegsyncConfig } from '../config/defaults.js';
import { loadConfig } from '../config/load.js';
import { findProjectRoot } from '../files/confine.js';
import { UsageError, UserError } from '../core/errors.js';
import type { Diagnostic } from '../core/model.js';
import { nearMisses } from '../core/suggest.js';

export interface CommonOptions {
  config?: string;
  state?: string;
  env?: string;
}

export interface Settings {
  config: SegsyncConfig;
  configDiagnostics: Diagnostic[];
  environment?: { name: string } & EnvironmentConfig;
  /** Absolute files/directories holding the definitions. */
  definitionPaths: string[];
  /**
   * The directory every file a definition or the configuration names must be inside
   * (files/confine.ts): the configuration file's, else the git work tree's, else the cwd.
   */
  projectRoot: string;
  /** The definition paths came from the command line (the user's choice), not the config. */
  definitionPathsGiven: boolean;
  statePath: string;
  segmentLimit?: number;
  endpointVariable: string;
  tokenVariable: string;
  /** `apply --push-state` from the config: the environment's setting, else the top level. */
  pushState?: boolean | string;
}

export const DEFAULT_ENDPOINT_VARIABLE = 'WATI_API_ENDPOINT';
export const DEFAULT_TOKEN_VARIABLE = 'WATI_API_TOKEN';

/**
 * What to do with a configuration that has errors (`config` then holds the defaults): `report`
 * for commands that print its diagnostics and refuse to act (validate, plan, apply); `refuse` for
 * the others, which would otherwise act on the default state file instead of the configured one.
 */
export type ConfigErrors = 'report' | 'refuse';

export async function resolveSettings(
  cwd: string,
  options: CommonOptions,
  positionalPaths: readonly string[] = [],
  configErrors: ConfigErrors = 'refuse',
): Promise<Settings> {
  const { config, diagnostics } = await loadConfigFor(cwd, options);
  const errors = diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
  if (errors.length > 0 && configErrors === 'refuse') throw unusableConfig(errors);
  // Its errors are what the command reports, not an environment the fallback does not define.
  const environment = errors.length === 0 ? pickEnvironment(config, options.env) : undefined;
  const definitionPaths =
    positionalPaths.length > 0
      ? positionalPaths.map((p) => path.resolve(cwd, p))
      : environment?.include?.length
        ? environment.include.map((p) => path.resolve(config.baseDir, p))
        : [config.definitions];
  const statePath = options.state
    ? path.resolve(cwd, options.state)
    : environment?.state
      ? path.resolve(config.baseDir, environment.state)
      : config.state;
  const segmentLimit = environment?.segmentLimit ?? config.segmentLimit;
  const pushState = environment?.pushState ?? config.pushState;
  return {
    config,
    configDiagnostics: diagnostics,
    ...(environment ? { environment } : {}),
    definitionPaths,
    projectRoot: findProjectRoot(cwd, config.file),
    definitionPathsGiven: positionalPaths.length > 0,
    statePath,
    ...(segmentLimit !== undefined ? { segmentLimit } : {}),
    endpointVariable: environment?.endpointEnv ?? DEFAULT_ENDPOINT_VARIABLE,
    tokenVariable: environment?.tokenEnv ?? DEFAULT_TOKEN_VARIABLE,
    ...(pushState !== undefined ? { pushState } : {}),
  };
}

/**
 * The names of the environments the configuration defines (shell completion): whatever else is
 * wrong with it, and whichever `--env` was given.
 */
export async function environmentNames(cwd: string, options: CommonOptions): Promise<string[]> {
  const { config } = await loadConfigFor(cwd, options);
  return Object.keys(config.environments ?? {});
}

function loadConfigFor(cwd: string, options: CommonOptions) {
  return loadConfig({ ...(options.config !== undefined ? { path: options.config } : {}), cwd });
}

function unusableConfig(errors: readonly Diagnostic[]): UserError {
  const where = (d: Diagnostic) =>
    d.file === undefined
      ? ''
      : `${d.file}${d.line === undefined ? '' : `:${d.line}:${d.column ?? 1}`}: `;
  return new UserError(
    `The configuration has ${errors.length} error(s), so segsync will not guess which files to use:\n` +
      errors.map((error) => `  ${where(error)}${error.message}`).join('\n'),
    'Run `segsync validate` to see them with their hints, fix them, then run this again.',
  );
}

/**
 * The flags a command the user is advised to run needs to reach the same state file: ` -c FILE`,
 * ` --env NAME`, ` --state FILE` as given (empty for the defaults). Words are quoted like the
 * names in segsync's advice when they hold anything but plain path characters.
 */
export function selectionFlags(options: CommonOptions): string {
  const word = (value: string) => (/^[\w./@:+-]+$/.test(value) ? value : JSON.stringify(value));
  return [
    options.config !== undefined ? ` -c ${word(options.config)}` : '',
    options.env !== undefined ? ` --env ${word(options.env)}` : '',
    options.state !== undefined ? ` --state ${word(options.state)}` : '',
  ].join('');
}

/** Where GitLab shows problems that have no file: the config file, else the definitions. */
export function reportFallbackPath(settings: Settings, cwd: string): string {
  const target = settings.config.file ?? settings.definitionPaths[0] ?? cwd;
  return (path.relative(cwd, path.resolve(cwd, target)) || '.').split(path.sep).join('/');
}

function pickEnvironment(
  config: SegsyncConfig,
  name: string | undefined,
): ({ name: string } & EnvironmentConfig) | undefined {
  const environments = config.environments ?? {};
  const names = Object.keys(environments).sort();
  const where = config.file ?? 'the config';
  if (name === undefined) {
    if (names.length === 0) return undefined;
    throw new UsageError(
      `${where} defines environments (${names.join(', ')}) but no --env was given.`,
      `segsync refuses to guess which Wati account to use: add ${names.map((n) => `--env ${n}`).join(' or ')}.`,
    );
  }
  if (names.length === 0) {
    throw new UsageError(
      `--env ${name} was given but ${where} defines no environments.`,
      'Add an `environments` map to segsync.config.yaml, or drop --env.',
    );
  }
  const environment = Object.hasOwn(environments, name) ? environments[name] : undefined;
  if (!environment) {
    const guesses = guessEnvironment(name, names);
    throw new UsageError(
      `Unknown environment ${JSON.stringify(name)} in --env.`,
      (guesses.length > 0
        ? `Did you mean ${guesses.map((g) => `--env ${g}`).join(' or ')}? `
        : '') + `Environments defined in ${where}: ${names.join(', ')}.`,
    );
  }
  return { name, ...environment };
}

/** `prod` → production (a prefix), `stagign` → staging (a typo). */
function guessEnvironment(name: string, names: string[]): string[] {
  const lower = name.toLowerCase();
  const prefixed = lower === '' ? [] : names.filter((n) => n.toLowerCase().startsWith(lower));
  return prefixed.length > 0 ? prefixed : nearMisses(name, names);
}
