// Resolves what a command works on: config file, environment, definition paths, state file.
import path from 'node:path';
import type { EnvironmentConfig, SegsyncConfig } from '../config/defaults.js';
import { loadConfig } from '../config/load.js';
import { UsageError } from '../errors.js';
import type { Diagnostic } from '../model.js';

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
  statePath: string;
  segmentLimit?: number;
  endpointVariable: string;
  tokenVariable: string;
}

export const DEFAULT_ENDPOINT_VARIABLE = 'WATI_API_ENDPOINT';
export const DEFAULT_TOKEN_VARIABLE = 'WATI_API_TOKEN';

export async function resolveSettings(
  cwd: string,
  options: CommonOptions,
  positionalPaths: readonly string[] = [],
): Promise<Settings> {
  const { config, diagnostics } = await loadConfig({
    ...(options.config !== undefined ? { path: options.config } : {}),
    cwd,
  });
  const environment = pickEnvironment(config, options.env);
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
  return {
    config,
    configDiagnostics: diagnostics,
    ...(environment ? { environment } : {}),
    definitionPaths,
    statePath,
    ...(segmentLimit !== undefined ? { segmentLimit } : {}),
    endpointVariable: environment?.endpointEnv ?? DEFAULT_ENDPOINT_VARIABLE,
    tokenVariable: environment?.tokenEnv ?? DEFAULT_TOKEN_VARIABLE,
  };
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
      `segsync refuses to guess which Wati account to use: add --env ${names[0]}.`,
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
    throw new UsageError(
      `Unknown environment "${name}" in --env.`,
      `Environments defined in ${where}: ${names.join(', ')}.`,
    );
  }
  return { name, ...environment };
}
