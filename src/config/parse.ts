// Parsing and validating segsync.config.yaml: read, parsed and diagnosed exactly like a
// definition file (same reader, same locating, same wording), against schemas/config.schema.json.
// Loaded by config/load.ts only when a configuration file exists (it needs yaml and ajv).

import { appendAll } from '../core/append-all.js';
import path from 'node:path';
import { displayPath } from '../diagnostics/display-path.js';
import { sortDiagnostics } from '../diagnostics/sort.js';
import type { Diagnostic } from '../core/model.js';
import { locate, locateDocumentStart } from '../yaml/locate.js';
import { CONFINEMENT_RULE, confine, describeConfinementProblem } from '../files/confine.js';
import type { LoadedDocument } from '../yaml/read.js';
import { documentToData, readYamlFile } from '../yaml/read.js';
import { explainSchemaErrors } from '../yaml/schema-errors.js';
import { getConfigValidator } from '../yaml/schema-validator.js';
import type { ConfigResult, EnvironmentConfig, SegsyncConfig } from './defaults.js';
import { DEFAULT_DEFINITIONS, DEFAULT_STATE_FILE, defaults } from './defaults.js';

/**
 * The configuration as written in the file (validated by the schema): the settings of
 * SegsyncConfig, with its paths (`definitions`, `state`, each environment's `state`) as written,
 * relative to the file, not yet resolved. Derived, so a new setting is declared once.
 */
type ConfigDocument = Omit<SegsyncConfig, 'file' | 'baseDir' | 'definitions' | 'state'> & {
  definitions?: string;
  state?: string;
};

/** Reads, parses and validates the configuration file the lookup found. */
export function readConfigFile(
  file: string,
  cwd: string,
  lookupDiagnostics: readonly Diagnostic[],
): ConfigResult {
  const baseDir = path.dirname(file);
  const displayed = displayPath(file, cwd);
  const diagnostics = [...lookupDiagnostics];
  const fallback: SegsyncConfig = { ...defaults(baseDir), file };

  const parsed = readYamlFile(file, displayed, 'config');
  appendAll(diagnostics, parsed.diagnostics);
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
    appendAll(
      diagnostics,
      explainSchemaErrors(validator.validate.errors ?? [], {
        loaded: document,
        data: data.value,
        subject: 'configuration',
        // A value in the wrong place here may be a pasted token: never quote it back.
        echoValues: false,
      }),
    );
    return { config: fallback, diagnostics: sortDiagnostics(diagnostics) };
  }
  const written = data.value as ConfigDocument;
  const outside = confinementProblems(document, written, baseDir, cwd);
  if (outside.length > 0) {
    return { config: fallback, diagnostics: sortDiagnostics([...diagnostics, ...outside]) };
  }
  return {
    config: toConfig(written, file, baseDir),
    diagnostics: sortDiagnostics(diagnostics),
  };
}

/**
 * Every path the configuration names (`definitions`, `state`, each environment's `state` and
 * `include` entries, glob patterns included) must stay inside the project root, which is the
 * configuration file's directory: a located error for each one that does not.
 */
function confinementProblems(
  document: LoadedDocument,
  written: ConfigDocument,
  root: string,
  cwd: string,
): Diagnostic[] {
  const named: { pointer: string; value: string; key: string }[] = [];
  if (written.definitions !== undefined) {
    named.push({ pointer: '/definitions', value: written.definitions, key: 'definitions' });
  }
  if (written.state !== undefined) {
    named.push({ pointer: '/state', value: written.state, key: 'state' });
  }
  // Environment names are schema-checked (letters, digits, - and _): no pointer escaping needed.
  for (const [name, environment] of Object.entries(written.environments ?? {})) {
    if (environment.state !== undefined) {
      named.push({
        pointer: `/environments/${name}/state`,
        value: environment.state,
        key: 'state',
      });
    }
    (environment.include ?? []).forEach((entry, index) => {
      named.push({
        pointer: `/environments/${name}/include/${index}`,
        value: entry,
        key: 'include',
      });
    });
  }
  const diagnostics: Diagnostic[] = [];
  for (const { pointer, value, key } of named) {
    // A glob pattern resolves like a path: its fixed part is what must be inside the root (the
    // files it matches are checked again when they are found).
    const confined = confine(root, path.resolve(root, value));
    if (confined.ok) continue;
    diagnostics.push({
      severity: 'error',
      code: 'outside-project',
      message: `This \`${key}\` path is not used: ${describeConfinementProblem(confined.problem, displayPath(root, cwd))}.`,
      ...locate(document, pointer),
      hint: `${CONFINEMENT_RULE} Use a path relative to segsync.config.yaml, without \`..\` leading out of it.`,
    });
  }
  return diagnostics;
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
  if (document.attributes) config.attributes = [...document.attributes];
  if (document.segmentLimit !== undefined) config.segmentLimit = document.segmentLimit;
  if (document.concurrency !== undefined) config.concurrency = document.concurrency;
  if (document.pushState !== undefined) config.pushState = document.pushState;
  if (document.checkpointEvery !== undefined) config.checkpointEvery = document.checkpointEvery;
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
      if (written.pushState !== undefined) environment.pushState = written.pushState;
      if (written.include) environment.include = [...written.include];
      environments[name] = environment;
    }
    config.environments = environments;
  }
  return config;
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
