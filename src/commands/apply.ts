// segsync apply: the options and the confirmation dialogue; the use case (plan under the lock,
// create, record, report) is src/app/apply.ts.
import { applyDefinitions } from '../app/apply.js';
import type { ApplyOptions } from '../app/apply.js';
import type { CommandIO } from '../app/io.js';
import { UserError } from '../errors.js';
import type { Plan } from '../model.js';
import { terminalText } from '../render/sinks/terminal.js';

export interface ApplyCommandOptions extends ApplyOptions {
  yes?: boolean;
}

export function runApply(
  target: string | undefined,
  options: ApplyCommandOptions,
  io: CommandIO,
): Promise<number> {
  return applyDefinitions(target, options, io, (plan, endpoint) =>
    confirmApply(plan, endpoint, options, io),
  );
}

async function confirmApply(
  plan: Plan,
  endpoint: string,
  options: ApplyCommandOptions,
  io: CommandIO,
): Promise<void> {
  if (options.yes) return;
  const count = plan.summary.create;
  if (!io.isTTY) {
    throw new UserError(
      `Refusing to create ${count} segment(s) without confirmation: this is not a terminal.`,
      'Review the plan above, then run again with --yes (as CI does on merge).',
    );
  }
  const where = plan.environment ? ` in environment "${terminalText(plan.environment)}"` : '';
  const confirmed = await io.confirm(
    `Create ${count} segment(s) at ${terminalText(endpoint)}${where}?`,
  );
  if (!confirmed) throw new UserError('Apply cancelled; nothing was created.');
}
