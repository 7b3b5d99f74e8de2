// The shared front half of plan and apply: load ─► validate ─► state ─► plan.
import { displayPath } from '../diagnostics/display-path.js';
import type { Plan, State } from '../core/model.js';
import type { PlanOptions } from '../plan/compute.js';
import { computePlan } from '../plan/compute.js';
import { readState } from '../state/file.js';
import { findLockHolder } from '../state/lock-holder.js';
import type { CommandIO } from './io.js';
import { findMissingState } from './missing-state.js';
import type { BaseRequest } from './state-base.js';
import { readPlanBase } from './state-base.js';
import type { Settings } from './settings.js';
import type { DefinitionsResult } from './validate-definitions.js';
import { loadAndValidate } from './validate-definitions.js';

export interface PlanRequest {
  allowEmpty?: boolean;
  allowChanged?: boolean;
  /** `plan --base`: the revision whose state file this change is compared with (plan only). */
  base?: BaseRequest;
  /** The flags that select this state file, for the commands the plan advises. */
  commandFlags?: string;
}

export interface PlannedProject {
  plan: Plan;
  state: State;
  definitions: DefinitionsResult;
}

export async function planProject(
  settings: Settings,
  io: Pick<CommandIO, 'cwd' | 'env' | 'services'>,
  request: PlanRequest = {},
): Promise<PlannedProject> {
  const { cwd } = io;
  const inProgress = findLockHolder(settings.statePath);
  const [definitions, state, missingState, base] = await Promise.all([
    loadAndValidate(settings, cwd, request),
    readState(settings.statePath),
    findMissingState(settings.statePath, io),
    request.base ? readPlanBase(settings.statePath, request.base, io) : undefined,
  ]);
  const plan = computePlan({
    segments: definitions.segments,
    validationDiagnostics: definitions.diagnostics,
    state,
    options: {
      ...planOptions(settings, cwd, request),
      ...(inProgress ? { inProgress } : {}),
      ...(missingState ? { missingState } : {}),
      ...(base && 'base' in base ? { base: base.base } : {}),
      ...(base && 'unavailable' in base ? { baseUnavailable: base.unavailable } : {}),
    },
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
    options: planOptions(settings, cwd, request),
  });
}

/** What plan and apply plan with alike: the settings, and what the user asked. */
function planOptions(settings: Settings, cwd: string, request: PlanRequest): PlanOptions {
  return {
    ...(request.allowChanged ? { allowChanged: true } : {}),
    ...(request.commandFlags ? { commandFlags: request.commandFlags } : {}),
    ...(settings.segmentLimit !== undefined ? { segmentLimit: settings.segmentLimit } : {}),
    ...(settings.environment ? { environment: settings.environment.name } : {}),
    inputs: {
      definitions: settings.definitionPaths.map((p) => displayPath(p, cwd)),
      state: displayPath(settings.statePath, cwd),
    },
  };
}
