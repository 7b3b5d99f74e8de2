// segsync apply: the options and the confirmation dialogue; the use case (plan under the lock,
// create, record, report) is src/apply/apply-definitions.ts.
import { applyDefinitions } from '../apply/apply-definitions.js';
import type { ApplyOptions } from '../apply/apply-definitions.js';
import type { CommandIO } from '../application/io.js';
import { UserError } from '../core/errors.js';
import type { Plan } from '../core/model.js';
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
