import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ExitCode } from '../core/errors.js';
import type { Plan } from '../core/model.js';
import type { CommandIO } from '../application/io.js';
import { planProject } from '../application/pipeline.js';
import { chooseBase } from '../application/state-base.js';
import type { CommonOptions } from '../application/settings.js';
import { reportFallbackPath, resolveSettings, selectionFlags } from '../application/settings.js';
import type { PlanFormat } from '../render/formats.js';
import { PLAN_FORMATS, renderAs, STEP_SUMMARIES } from '../render/formats.js';

export interface PlanCommandOptions extends CommonOptions {
  format: PlanFormat;
  allowEmpty?: boolean;
  allowChanged?: boolean;
  detailedExitcode?: boolean;
  showContactIds?: boolean;
  showUnchanged?: boolean;
  showRemoved?: boolean;
  showUnknown?: boolean;
  /** Save the plan (JSON) for `segsync apply FILE`. */
  out?: string;
  /** Compare the state file with its version at this git revision. */
  base?: string;
}

export async function runPlan(
  paths: string[],
  options: PlanCommandOptions,
  io: CommandIO,
): Promise<number> {
  const settings = await resolveSettings(io.cwd, options, paths, 'report');
  const base = chooseBase(options.base, io.env);
  const { plan } = await planProject(settings, io, {
    ...(options.allowEmpty ? { allowEmpty: true } : {}),
    ...(options.allowChanged ? { allowChanged: true } : {}),
    ...(base ? { base } : {}),
    commandFlags: selectionFlags(options),
  });
  const context = {
    color: io.color,
    showContactIds: options.showContactIds ?? false,
    showUnchanged: options.showUnchanged ?? false,
    showRemoved: options.showRemoved ?? false,
    showUnknown: options.showUnknown ?? false,
    fallbackPath: reportFallbackPath(settings, io.cwd),
  };
  io.stdout(await renderAs(PLAN_FORMATS, options.format, plan, context));
  if (options.out) {
    const saved = await renderAs(PLAN_FORMATS, 'json', plan, context);
    await writeFile(path.resolve(io.cwd, options.out), `${saved}\n`);
  }
  const summaryFile = io.env.GITHUB_STEP_SUMMARY;
  if (summaryFile) {
    const { appendStepSummary } = await import('../application/step-summary.js');
    const renderSummary = await STEP_SUMMARIES.plan();
    await appendStepSummary(summaryFile, renderSummary(plan), (text) => io.stderr(text));
  }
  return planExitCode(plan, options.detailedExitcode ?? false);
}

export function planExitCode(plan: Plan, detailed: boolean): number {
  if (plan.blocked) return ExitCode.failure;
  if (detailed && plan.summary.create > 0) return ExitCode.changes;
  return ExitCode.ok;
}
