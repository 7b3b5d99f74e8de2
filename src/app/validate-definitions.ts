// The front half every command shares: load ─► validate, with the configuration's rules. Its own
// module so that `validate` loads neither the plan nor the state code (start-up time).
import { loadAndValidateDefinitions } from '../definitions/load-definitions.js';
import type { Diagnostic, SegmentDefinition } from '../model.js';
import type { Settings } from './settings.js';

export interface DefinitionsResult {
  /** Empty when only counted (`build: 'count'`). */
  segments: SegmentDefinition[];
  segmentCount: number;
  diagnostics: Diagnostic[];
  files: string[];
}

export async function loadAndValidate(
  settings: Settings,
  cwd: string,
  options: { allowEmpty?: boolean; build?: 'definitions' | 'count' } = {},
): Promise<DefinitionsResult> {
  const validated = await loadAndValidateDefinitions(settings.definitionPaths, {
    cwd,
    ...(settings.config.operators ? { operators: settings.config.operators } : {}),
    ...(settings.config.attributes ? { attributes: settings.config.attributes } : {}),
    ...(options.allowEmpty ? { allowEmpty: true } : {}),
    ...(options.build ? { build: options.build } : {}),
  });
  return {
    segments: validated.segments,
    segmentCount: validated.segmentCount,
    // Config problems first: they may explain everything that follows.
    diagnostics: [...settings.configDiagnostics, ...validated.diagnostics],
    files: validated.files,
  };
}
