// The plan in one line, and the line about an apply in progress: shared by the text plan, the
// pull-request comment and the annotations' notice, apart from them so that the annotations do
// not load the text plan's payload diff.
import type { Plan } from '../core/model.js';
import { terminalText } from './sinks/terminal.js';

export function summarizePlan(plan: Plan): string {
  const { create, unchanged, changed, removed, unknown } = plan.summary;
  const parts = [`${create} to create`, `${unchanged} unchanged`, `${changed} changed`];
  parts.push(`${removed} removed`);
  if (unknown > 0) parts.push(`${unknown} unknown`);
  const env = plan.environment ? ` [${terminalText(plan.environment)}]` : '';
  return `Plan${env}: ${parts.join(', ')}`;
}

/** The first line of a plan made while another segsync holds the state lock. */
export function describeInProgress(plan: Plan): string {
  const holder = plan.inProgress;
  if (!holder) return '';
  const what = holder.command === 'apply' ? 'An apply' : `Another segsync (${holder.command})`;
  return `${what} is in progress (pid ${holder.pid} on ${holder.hostname}, since ${holder.startedAt}): its pending creates are in flight; plan again when it has finished.`;
}
