// Human-readable output for a terminal or a CI log.
import type { Diagnostic, Plan, PlanAction, WatiPayload } from '../model.js';
import { renameSentence } from '../plan/rename.js';
import { describePayload } from './describe.js';
import type { FilterOptions } from './filter.js';
import { describeFilter } from './filter.js';
import { countBySeverity, formatLocation, plural } from './diagnostics.js';
import type { Style } from './style.js';
import { styleFor } from './style.js';
import { terminalInline } from './terminal-escape.js';
import { diffPayloads } from './payload-diff.js';

export interface TextOptions {
  color?: boolean;
  /** List unchanged segments one by one (by default only their count is shown). */
  showUnchanged?: boolean;
  /** End with the verdict line ("Ready: …", "Blocked: …"); apply prints its own. */
  verdict?: boolean;
  /** List contact IDs in each create's filter (by default only their count). */
  showContactIds?: boolean;
}

export function summarizePlan(plan: Plan): string {
  const { create, unchanged, changed, removed, unknown } = plan.summary;
  const parts = [`${create} to create`, `${unchanged} unchanged`, `${changed} changed`];
  parts.push(`${removed} removed`);
  if (unknown > 0) parts.push(`${unknown} unknown`);
  const env = plan.environment ? ` [${plan.environment}]` : '';
  return `Plan${env}: ${parts.join(', ')}`;
}

export function renderPlanText(plan: Plan, options: TextOptions = {}): string {
  const style = styleFor(options.color ?? false);
  const lines = [style.bold(summarizePlan(plan))];
  if (plan.inProgress) lines.push(style.yellow(`⚠ ${terminalInline(describeInProgress(plan))}`));
  const listed = plan.actions.filter((a) => options.showUnchanged || a.action !== 'unchanged');
  if (listed.length > 0) lines.push('');
  const context: ActionContext = {
    filter: { showContactIds: options.showContactIds ?? false },
    inProgress: plan.inProgress !== undefined,
  };
  for (const action of listed) lines.push(...renderAction(action, style, context));
  if (!options.showUnchanged && plan.summary.unchanged > 0) {
    lines.push(style.dim(`  (${plural(plan.summary.unchanged, 'unchanged segment')} not listed)`));
  }
  if (plan.quota) {
    const q = plan.quota;
    const unknown = q.unknown > 0 ? ` + ${q.unknown} unknown` : '';
    lines.push('', `Quota: ${q.active} active${unknown} + ${q.creates} to create of ${q.limit}`);
  }
  if (plan.diagnostics.length > 0) lines.push('', renderDiagnosticsText(plan.diagnostics, style));
  if (options.verdict !== false) lines.push('', verdict(plan, style));
  else if (plan.blocked)
    lines.push('', style.red('Blocked: nothing will be created until the errors above are fixed.'));
  return lines.join('\n');
}

const markers: Record<PlanAction['action'], (style: Style) => string> = {
  create: (s) => s.green('+'),
  unchanged: (s) => s.dim('='),
  changed: (s) => s.yellow('~'),
  removed: (s) => s.red('-'),
  unknown: (s) => s.red('?'),
};

interface ActionContext {
  filter: FilterOptions;
  /** Another segsync holds the state lock: pending entries are creates in flight. */
  inProgress: boolean;
}

/** The first line of a plan made while another segsync holds the state lock. */
export function describeInProgress(plan: Plan): string {
  const holder = plan.inProgress;
  if (!holder) return '';
  const what = holder.command === 'apply' ? 'An apply' : `Another segsync (${holder.command})`;
  return `${what} is in progress (pid ${holder.pid} on ${holder.hostname}, since ${holder.startedAt}): its pending creates are in flight; plan again when it has finished.`;
}

function renderAction(action: PlanAction, style: Style, context: ActionContext): string[] {
  const marker = markers[action.action](style);
  const source = action.action === 'removed' ? undefined : action.source;
  const where = source ? style.dim(`  ${source.file}:${source.line}`) : '';
  switch (action.action) {
    case 'create':
      return [
        `  ${marker} ${action.name}  ${style.dim(describePayload(action.payload, action.contactIdsFile))}${where}`,
        ...renderFilter(action.payload, context.filter),
        ...(action.renameOf === undefined
          ? []
          : [`      ${style.yellow(`⚠ ${terminalInline(renameSentence(action.renameOf))}`)}`]),
      ];
    case 'unchanged':
      return [`  ${marker} ${action.name}${style.dim(` (id ${action.recorded.id})`)}${where}`];
    case 'changed': {
      // A terminal is the user's own: the diff shows contact IDs (the PR renderers mask them).
      const diff = diffPayloads(action.recorded.payload, action.payload);
      return [
        `  ${marker} ${action.name} (id ${action.recorded.id}): changed, and Wati cannot update segments${where}`,
        ...diff.split('\n').map((line) => `      ${colorDiffLine(line, style)}`),
      ];
    }
    case 'removed':
      return [
        `  ${marker} ${action.name} (id ${action.recorded.id}): no longer defined, still active in Wati`,
      ];
    case 'unknown':
      return context.inProgress
        ? [`  ${marker} ${action.name}: being created by the run in progress${where}`]
        : [`  ${marker} ${action.name}: outcome of an earlier create is unknown${where}`];
  }
}

/** Each group and condition on its own line, under the segment it belongs to. */
function renderFilter(payload: WatiPayload, options: FilterOptions): string[] {
  return describeFilter(payload, options).map(
    (line) => `${line.depth === 0 ? '      ' : '        '}${terminalInline(line.text)}`,
  );
}

function colorDiffLine(line: string, style: Style): string {
  if (line.startsWith('+') && !line.startsWith('+++')) return style.green(line);
  if (line.startsWith('-') && !line.startsWith('---')) return style.red(line);
  return style.dim(line);
}

export function renderDiagnosticsText(diagnostics: readonly Diagnostic[], style: Style): string {
  return diagnostics
    .map((diagnostic) => {
      const location = formatLocation(diagnostic);
      const severity =
        diagnostic.severity === 'error' ? style.red('error') : style.yellow('warning');
      const head = `${location ? `${location}: ` : ''}${severity}: ${diagnostic.message}`;
      return diagnostic.hint ? `${head}\n  ${style.dim(`→ ${diagnostic.hint}`)}` : head;
    })
    .join('\n');
}

function verdict(plan: Plan, style: Style): string {
  const { errors, warnings } = countBySeverity(plan.diagnostics);
  const warningText = warnings > 0 ? ` and ${plural(warnings, 'warning')}` : '';
  if (plan.blocked) {
    return style.red(`Blocked: ${plural(errors, 'error')}${warningText}. Nothing can be applied.`);
  }
  if (plan.summary.create === 0)
    return style.green(
      `Nothing to create.${warningText ? ` (${plural(warnings, 'warning')})` : ''}`,
    );
  // The hint keeps the plan's context: without --env, apply would be refused.
  const env = plan.environment ? ` --env ${plan.environment}` : '';
  return style.green(
    `Ready: ${plural(plan.summary.create, 'segment')} to create${warningText}. Run \`segsync apply${env}\` to create ${plan.summary.create === 1 ? 'it' : 'them'}.`,
  );
}

export interface ValidationReport {
  segments: number;
  files: number;
  diagnostics: Diagnostic[];
}

export function renderValidationText(report: ValidationReport, options: TextOptions = {}): string {
  const style = styleFor(options.color ?? false);
  const { errors, warnings } = countBySeverity(report.diagnostics);
  const lines: string[] = [];
  if (report.diagnostics.length > 0)
    lines.push(renderDiagnosticsText(report.diagnostics, style), '');
  const counted = `${plural(report.segments, 'segment')} in ${plural(report.files, 'file')}`;
  const warningText = warnings > 0 ? ` (${plural(warnings, 'warning')})` : '';
  lines.push(
    errors > 0
      ? style.red(
          `✖ ${plural(errors, 'error')}${warnings > 0 ? `, ${plural(warnings, 'warning')}` : ''}${describeErrorFiles(report)}`,
        )
      : style.green(`✔ ${counted}: valid${warningText}`),
  );
  return lines.join('\n');
}

/** " in 1 file (4 checked)": the files that have errors, not all the files read. */
function describeErrorFiles(report: ValidationReport): string {
  // Nothing read (a missing path, an empty directory): the error is about the set, not a file.
  if (report.files === 0) return ' (no definition file was read)';
  const withErrors = new Set<string>();
  for (const diagnostic of report.diagnostics) {
    if (diagnostic.severity === 'error' && diagnostic.file !== undefined) {
      withErrors.add(diagnostic.file);
    }
  }
  const checked = withErrors.size === report.files ? '' : ` (${report.files} checked)`;
  return ` in ${plural(withErrors.size, 'file')}${checked}`;
}
