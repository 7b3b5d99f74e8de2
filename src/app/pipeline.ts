// The shared front half of validate, plan and apply: load ─► validate ─► (state) ─► plan.
import { displayPath } from '../diagnostics/display-path.js';
import { loadAndValidateDefinitions } from '../definitions/load-definitions.js';
import type { Diagnostic, Plan, SegmentDefinition, State } from '../model.js';
import { computePlan } from '../plan/compute.js';
import { readState } from '../state/file.js';
import type { Settings } from './settings.js';

export interface DefinitionsResult {
  segments: SegmentDefinition[];
  diagnostics: Diagnostic[];
  files: string[];
}

export async function loadAndValidate(
  settings: Settings,
  cwd: string,
  options: { allowEmpty?: boolean } = {},
): Promise<DefinitionsResult> {
  const validated = await loadAndValidateDefinitions(settings.definitionPaths, {
    cwd,
    ...(settings.config.operators ? { operators: settings.config.operators } : {}),
    ...(options.allowEmpty ? { allowEmpty: true } : {}),
  });
  return {
    segments: validated.segments,
    // Config problems first: they may explain everything that follows.
    diagnostics: [...settings.configDiagnostics, ...validated.diagnostics],
    files: validated.files,
  };
}

export interface PlanRequest {
  allowEmpty?: boolean;
  allowChanged?: boolean;
}

export interface PlannedProject {
  plan: Plan;
  state: State;
  definitions: DefinitionsResult;
}

export async function planProject(
  settings: Settings,
  cwd: string,
  request: PlanRequest = {},
): Promise<PlannedProject> {
  const [definitions, state] = await Promise.all([
    loadAndValidate(settings, cwd, request),
    readState(settings.statePath),
  ]);
  return { plan: planFrom(settings, cwd, definitions, state, request), state, definitions };
}

/** The plan for already loaded definitions and state (apply passes the state read under lock). */
export function planFrom(
  settings: Settings,
  cwd: string,
  definitions: DefinitionsResult,
  state: State,
  request: PlanRequest = {},
): Plan {
  return computePlan({
    segments: definitions.segments,
    validationDiagnostics: definitions.diagnostics,
    state,
    options: {
      ...(request.allowChanged ? { allowChanged: true } : {}),
      ...(settings.segmentLimit !== undefined ? { segmentLimit: settings.segmentLimit } : {}),
      ...(settings.environment ? { environment: settings.environment.name } : {}),
      inputs: {
        definitions: settings.definitionPaths.map((p) => displayPath(p, cwd)),
        state: displayPath(settings.statePath, cwd),
      },
    },
  });
}
