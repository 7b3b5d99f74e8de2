// `segsync plan --out plan.json` then `segsync apply plan.json`: apply exactly what was reviewed,
// and refuse (like Terraform's stale saved plan) when the definitions or the state moved since.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';
import type { Plan } from '../model.js';
import { PLAN_FORMAT_VERSION } from '../model.js';

export interface SavedPlan {
  file: string;
  plan: Plan;
}

export async function looksLikeSavedPlan(cwd: string, target: string): Promise<boolean> {
  if (!target.endsWith('.json')) return false;
  const info = await stat(path.resolve(cwd, target)).catch(() => undefined);
  return info?.isFile() ?? false;
}

export async function loadSavedPlan(cwd: string, target: string): Promise<SavedPlan> {
  const file = path.resolve(cwd, target);
  let plan: Plan;
  try {
    plan = JSON.parse(await readFile(file, 'utf8')) as Plan;
  } catch {
    throw new UserError(
      `${target} is not a saved plan (it is not valid JSON).`,
      'Save one with `segsync plan --out plan.json`.',
    );
  }
  if (typeof plan !== 'object' || plan === null || plan.formatVersion !== PLAN_FORMAT_VERSION) {
    throw new UserError(
      `${target} is not a segsync plan of format version ${PLAN_FORMAT_VERSION}.`,
      'Save it again with this version of segsync: `segsync plan --out plan.json`.',
    );
  }
  return { file: target, plan };
}

export function refuseStalePlan(saved: SavedPlan, current: Plan): void {
  const hint =
    'Run `segsync plan --out ' + saved.file + '` again, review it, and apply the new plan.';
  if (saved.plan.definitionsChecksum !== current.definitionsChecksum) {
    throw new UserError(
      `The saved plan ${saved.file} is stale: the segment definitions changed since it was made.`,
      hint,
    );
  }
  if (saved.plan.stateChecksum !== current.stateChecksum) {
    throw new UserError(
      `The saved plan ${saved.file} is stale: the state file changed since it was made (another apply ran, or it was edited).`,
      hint,
    );
  }
}
