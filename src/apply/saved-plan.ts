// `segsync plan --out plan.json` then `segsync apply plan.json`: apply exactly what was reviewed,
// and refuse (like Terraform's stale saved plan) when the definitions or the state moved since,
// or when the plan was made against another state file or environment than this run's.
//
// The checksums are plain sha256, not keyed: they catch accidents (a file cut short, a plan
// edited by hand, a plan gone stale), not a person set on changing what is applied — whoever can
// edit the plan file in the repository or the pipeline can edit the definitions just as well.
import { stat } from 'node:fs/promises';
import { readTextFileOrThrowAsync } from '../files/read.js';
import path from 'node:path';
import { UserError } from '../core/errors.js';
import type { Plan } from '../core/model.js';
import { PLAN_FORMAT_VERSION } from '../core/model.js';
import { checksumPlan } from '../plan/compute.js';
import { displayPath } from '../diagnostics/display-path.js';
import type { Settings } from '../application/settings.js';

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
  const text = await readTextFileOrThrowAsync(
    file,
    'savedPlan',
    target,
    'Save one with `segsync plan --out plan.json`.',
  );
  if (text === undefined) {
    throw new UserError(
      `The saved plan ${target} does not exist.`,
      'Save one with `segsync plan --out plan.json`.',
    );
  }
  let plan: Plan;
  try {
    plan = JSON.parse(text) as Plan;
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
  refuseDamagedPlan(target, plan);
  return { file: target, plan };
}

const SHA256_HEX = /^sha256:[0-9a-f]{64}$/;

/**
 * A saved plan carries a checksum of itself: a file whose checksum fields are missing, malformed
 * or do not match its content was edited or cut short. That is "damaged", not "stale" (stale
 * means the definitions or the state moved on since a sound plan was made).
 */
function refuseDamagedPlan(target: string, plan: Plan): void {
  const hint = 'Save the plan again with `segsync plan --out plan.json`, and do not edit the file.';
  const fields = ['checksum', 'definitionsChecksum', 'stateChecksum'] as const;
  const missing = fields.filter((field) => {
    const value: unknown = plan[field];
    return typeof value !== 'string' || !SHA256_HEX.test(value);
  });
  if (missing.length > 0) {
    throw new UserError(
      `${target} is damaged or not a segsync plan: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing or not a checksum.`,
      hint,
    );
  }
  if (!Array.isArray(plan.actions) || !Array.isArray(plan.diagnostics)) {
    throw new UserError(
      `${target} is damaged or not a segsync plan: it has no list of actions.`,
      hint,
    );
  }
  const { checksum, ...content } = plan;
  let matches = false;
  try {
    matches = checksumPlan(content) === checksum;
  } catch {
    // Content of the wrong shape cannot be checksummed: damaged as well.
  }
  if (!matches) {
    throw new UserError(
      `${target} is damaged: its content does not match its checksum (it was edited or cut short).`,
      hint,
    );
  }
}

/**
 * A saved plan is applied to the state file this run would use without it (flags, config,
 * environment), so it must have been made against that file and for that environment.
 */
export function refuseForeignPlan(saved: SavedPlan, settings: Settings, cwd: string): void {
  const { plan } = saved;
  const environment = settings.environment?.name;
  if (plan.environment !== environment) {
    throw new UserError(
      `The saved plan ${saved.file} was made for environment "${plan.environment ?? '(none)'}", not "${environment ?? '(none)'}".`,
      'Apply it with the same --env it was planned with.',
    );
  }
  const ours = displayPath(settings.statePath, cwd);
  const planned = plan.inputs?.state;
  if (planned === undefined) {
    throw new UserError(
      `The saved plan ${saved.file} does not say which state file it was made against, so it cannot be checked against ${ours}.`,
      `Save it again with \`segsync plan --out ${saved.file}\`.`,
    );
  }
  if (path.resolve(cwd, planned) !== settings.statePath) {
    throw new UserError(
      `The saved plan ${saved.file} was made against the state file ${planned}, but this run records into ${ours}.`,
      'A saved plan never chooses where apply records: apply it with the --state (or --env, or config) ' +
        `it was planned with, or plan again against ${ours} and review that plan.`,
    );
  }
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
    const file = current.inputs?.state ?? 'the state file';
    throw new UserError(
      `The saved plan ${saved.file} is stale: the state file ${file} changed since it was made ` +
        '(another apply ran, or it was edited).',
      hint,
    );
  }
}
