// The front half every command shares: load ─► validate, with the configuration's rules. Its own
// module so that `validate` loads neither the plan nor the state code (start-up time).
import type { LoadDefinitionsOptions } from '../definitions/load-definitions.js';
import { loadAndValidateDefinitions } from '../definitions/load-definitions.js';
import type { Diagnostic, SegmentDefinition } from '../core/model.js';
import type { Settings } from './settings.js';

/** What `validate` reports: how many segments are valid, and every problem. */
export interface CheckedDefinitions {
  segmentCount: number;
  /** Configuration problems first, then the definitions', sorted. */
  diagnostics: Diagnostic[];
  files: string[];
}

/** What plan and apply work from: the valid definitions themselves, payloads and digests built. */
export interface DefinitionsResult extends CheckedDefinitions {
  segments: SegmentDefinition[];
}

/** What a command may ask of the load besides its settings. */
type LoadOptions = Pick<LoadDefinitionsOptions, 'allowEmpty'>;

/** Loads and validates the definitions, building each valid one's payload and digest. */
export async function loadAndValidate(
  settings: Settings,
  cwd: string,
  options: LoadOptions = {},
): Promise<DefinitionsResult> {
  return load(settings, cwd, options, 'definitions');
}

/**
 * Loads and validates the definitions and counts the valid ones, without building their payloads
 * and digests (`validate` prints neither). The same documents and rules decide validity as in
 * `loadAndValidate`; only what plan and apply send is built, and only by them.
 */
export async function checkDefinitions(
  settings: Settings,
  cwd: string,
  options: LoadOptions = {},
): Promise<CheckedDefinitions> {
  const { segmentCount, diagnostics, files } = await load(settings, cwd, options, 'count');
  return { segmentCount, diagnostics, files };
}

async function load(
  settings: Settings,
  cwd: string,
  options: LoadOptions,
  build: 'definitions' | 'count',
): Promise<DefinitionsResult> {
  const validated = await loadAndValidateDefinitions(settings.definitionPaths, {
    cwd,
    root: settings.projectRoot,
    ...(settings.definitionPathsGiven ? { given: true } : {}),
    ...(settings.config.operators ? { operators: settings.config.operators } : {}),
    ...(settings.config.attributes ? { attributes: settings.config.attributes } : {}),
    ...(options.allowEmpty ? { allowEmpty: true } : {}),
    build,
  });
  return {
    segments: validated.segments,
    segmentCount: validated.segmentCount,
    // Config problems first: they may explain everything that follows.
    diagnostics: [...settings.configDiagnostics, ...validated.diagnostics],
    files: validated.files,
  };
}
