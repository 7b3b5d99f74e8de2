// The shared front half of plan and apply: load ─► validate ─► state ─► plan.
import { displayPath } from '../diagnostics/display-path.js';
import type { LockHolder, Plan, State } from '../model.js';
import { computePlan } from '../plan/compute.js';
import { readState } from '../state/file.js';
import { findLockHolder } from '../state/lock-holder.js';
import type { Settings } from './settings.js';
import type { DefinitionsResult } from './validate-definitions.js';
import { loadAndValidate } from './validate-definitions.js';

export interface PlanRequest {
  allowEmpty?: boolean;
  allowChanged?: boolean;
  /** Another segsync holds the state lock (plan only; apply plans under its own lock). */
  inProgress?: LockHolder;
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
  const inProgress = findLockHolder(settings.statePath);
  const [definitions, state] = await Promise.all([
    loadAndValidate(settings, cwd, request),
    readState(settings.statePath),
  ]);
  const plan = planFrom(settings, cwd, definitions, state, {
    ...request,
    ...(inProgress ? { inProgress } : {}),
  });
  return { plan, state, definitions };
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
      ...(request.inProgress ? { inProgress: request.inProgress } : {}),
      ...(settings.segmentLimit !== undefined ? { segmentLimit: settings.segmentLimit } : {}),
      ...(settings.environment ? { environment: settings.environment.name } : {}),
      inputs: {
        definitions: settings.definitionPaths.map((p) => displayPath(p, cwd)),
        state: displayPath(settings.statePath, cwd),
      },
    },
  });
}
