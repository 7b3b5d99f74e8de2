import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ExitCode } from '../core/errors.js';
import type { Plan } from '../core/model.js';
import type { CommandIO } from '../application/io.js';
import { planProject } from '../application/pipeline.js';
import { chooseBase } from '../application/state-base.js';
import type { CommonOptions } from '../application/settings.js';
import { reportFallbackPath, resolveSettings, selectionFlags } from '../application/settings.js';

export type PlanFormat = 'text' | 'markdown' | 'json' | 'github' | 'gitlab';

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
  io.stdout(await renderPlan(plan, options, io.color, reportFallbackPath(settings, io.cwd)));
  if (options.out) {
    const { renderPlanJson } = await import('../render/json.js');
    await writeFile(path.resolve(io.cwd, options.out), `${renderPlanJson(plan)}\n`);
  }
  const summaryFile = io.env.GITHUB_STEP_SUMMARY;
  if (summaryFile) {
    const { appendStepSummary } = await import('../application/step-summary.js');
    const { renderPlanMarkdown } = await import('../render/markdown.js');
    await appendStepSummary(summaryFile, renderPlanMarkdown(plan, { maxLength: 20_000 }), (text) =>
      io.stderr(text),
    );
  }
  return planExitCode(plan, options.detailedExitcode ?? false);
}

export function planExitCode(plan: Plan, detailed: boolean): number {
  if (plan.blocked) return ExitCode.failure;
  if (detailed && plan.summary.create > 0) return ExitCode.changes;
  return ExitCode.ok;
}

async function renderPlan(
  plan: Plan,
  options: PlanCommandOptions,
  color: boolean,
  fallbackPath: string,
): Promise<string> {
  switch (options.format) {
    case 'gitlab': {
      const { renderCodeQuality } = await import('../render/gitlab.js');
      return renderCodeQuality(plan.diagnostics, fallbackPath);
    }
    case 'markdown': {
      const { renderPlanMarkdown } = await import('../render/markdown.js');
      return renderPlanMarkdown(plan, { showContactIds: options.showContactIds ?? false });
    }
    case 'json': {
      const { renderPlanJson } = await import('../render/json.js');
      return renderPlanJson(plan);
    }
    case 'github': {
      const { renderAnnotations } = await import('../render/github.js');
      const { summarizePlan } = await import('../render/text.js');
      return renderAnnotations(plan.diagnostics, summarizePlan(plan));
    }
    case 'text': {
      const { renderPlanText } = await import('../render/text.js');
      return renderPlanText(plan, {
        color,
        showUnchanged: options.showUnchanged ?? false,
        showContactIds: options.showContactIds ?? false,
        showRemoved: options.showRemoved ?? false,
        showUnknown: options.showUnknown ?? false,
      });
    }
  }
}
