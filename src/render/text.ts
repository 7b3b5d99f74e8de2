// Human-readable output for a terminal or a CI log.
import type {
  Diagnostic,
  DiagnosticCode,
  Plan,
  PlanAction,
  SettleAdvice,
  WatiPayload,
} from '../core/model.js';
import { renameAdvice } from '../core/rename-advice.js';
import { describePayload } from './describe.js';
import type { FilterOptions } from './filter.js';
import { describeFilter } from './filter.js';
import { countBySeverity, plural, splitStateFileDiagnostics } from './diagnostics.js';
import { describeInProgress, summarizePlan } from './plan-summary.js';
import { terminalText } from './sinks/terminal.js';
import { renderDiagnosticsText } from './validation-text.js';
import type { Style } from './style.js';
import { styleFor } from './style.js';
import { diffPayloads } from './payload-diff.js';

export interface TextOptions {
  color?: boolean;
  /** List unchanged segments one by one (by default only their count is shown). */
  showUnchanged?: boolean;
  /** List every removed segment (by default the first 20, then a count). */
  showRemoved?: boolean;
  /** List every segment with an unknown outcome (by default the first 20, then a count). */
  showUnknown?: boolean;
  /** End with the verdict line ("Ready: …", "Blocked: …"); apply prints its own. */
  verdict?: boolean;
  /** List contact IDs in each create's filter (by default only their count). */
  showContactIds?: boolean;
}

export function renderPlanText(plan: Plan, options: TextOptions = {}): string {
  const style = styleFor(options.color ?? false);
  const lines = [style.bold(summarizePlan(plan))];
  if (plan.inProgress) lines.push(style.yellow(`⚠ ${terminalText(describeInProgress(plan))}`));
  const { stateFile, others } = splitStateFileDiagnostics(plan.diagnostics);
  if (stateFile.length > 0) {
    lines.push('');
    if (plan.stateChanges && plan.stateChanges.changes.length > 0) {
      lines.push(style.bold(`State file changes since ${terminalText(plan.stateChanges.base)}:`));
    }
    lines.push(renderDiagnosticsText(stateFile, style));
  }
  const limits = listLimits(options);
  const shown = { create: 0, unchanged: 0, changed: 0, removed: 0, unknown: 0 };
  const listed = plan.actions.filter((a) => shown[a.action]++ < limits[a.action]);
  // Unknown outcomes to settle have a section of their own, with the commands that settle them.
  const inMainList = listed.filter((a) => !(plan.settle && a.action === 'unknown'));
  if (inMainList.length > 0) lines.push('');
  const context: ActionContext = {
    filter: { showContactIds: options.showContactIds ?? false },
    inProgress: plan.inProgress !== undefined,
  };
  for (const action of inMainList)
    for (const line of renderAction(action, style, context)) lines.push(line);
  const hiddenNote = (kind: 'unchanged' | 'removed' | 'unknown') => {
    const hidden = shown[kind] - limits[kind];
    if (hidden > 0) lines.push(style.dim(`  (${notListedNote(kind, hidden)})`));
  };
  hiddenNote('unchanged');
  hiddenNote('removed');
  if (plan.settle) {
    lines.push('', ...renderSettle(plan.settle, listed, style));
  }
  hiddenNote('unknown');
  if (plan.quota) {
    const q = plan.quota;
    const unknown = q.unknown > 0 ? ` + ${q.unknown} unknown` : '';
    lines.push('', `Quota: ${q.active} active${unknown} + ${q.creates} to create of ${q.limit}`);
  }
  // The settle section says all the per-segment warnings would.
  const rest = plan.settle ? others.filter((d) => d.code !== 'unknown-outcome') : others;
  if (rest.length > 0) {
    lines.push('', renderDiagnosticsText(summarizeDiagnostics(rest, limits), style));
  }
  if (options.verdict !== false) lines.push('', verdict(plan, style));
  else if (plan.blocked)
    lines.push('', style.red('Blocked: nothing will be created until the errors above are fixed.'));
  return lines.join('\n');
}

/** Long lists of removed or unknown segments are cut here, like unchanged ones (100,000 removed
 *  entries once made a 300,000-line plan). Creates and changes are always listed in full. */
export const LISTED_BY_DEFAULT = 20;

function listLimits(options: TextOptions): Record<PlanAction['action'], number> {
  return {
    create: Infinity,
    changed: Infinity,
    unchanged: options.showUnchanged ? Infinity : 0,
    removed: options.showRemoved ? Infinity : LISTED_BY_DEFAULT,
    unknown: options.showUnknown ? Infinity : LISTED_BY_DEFAULT,
  };
}

/** The plan's own warning per removed segment and error per unknown outcome follow the same limit. */
const DIAGNOSTIC_KIND: Readonly<Partial<Record<DiagnosticCode, 'removed' | 'unknown'>>> = {
  removed: 'removed',
  'unknown-outcome': 'unknown',
};

function summarizeDiagnostics(
  diagnostics: readonly Diagnostic[],
  limits: Record<PlanAction['action'], number>,
): Diagnostic[] {
  const seen = { removed: 0, unknown: 0 };
  const kept: Diagnostic[] = [];
  for (const diagnostic of diagnostics) {
    const kind = DIAGNOSTIC_KIND[diagnostic.code];
    if (kind === undefined || seen[kind]++ < limits[kind]) kept.push(diagnostic);
  }
  for (const kind of ['removed', 'unknown'] as const) {
    const hidden = seen[kind] - limits[kind];
    if (hidden <= 0) continue;
    const sample = diagnostics.find((d) => DIAGNOSTIC_KIND[d.code] === kind)!;
    kept.push({
      severity: sample.severity,
      code: sample.code,
      message: `… ${plural(hidden, `more ${sample.severity}`)} like the ones above not listed; --show-${kind} lists them all.`,
    });
  }
  return kept;
}

function notListedNote(kind: 'unchanged' | 'removed' | 'unknown', hidden: number): string {
  if (kind === 'unchanged') return `${plural(hidden, 'unchanged segment')} not listed`;
  const what =
    kind === 'removed'
      ? plural(hidden, 'more removed segment')
      : plural(hidden, 'more segment', 'more segments') + ' with an unknown outcome';
  return `… ${what} not listed; --show-${kind} lists them all`;
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

/** The unknown outcomes to settle, and the exact commands; names through the terminal sink. */
function renderSettle(settle: SettleAdvice, listed: readonly PlanAction[], style: Style): string[] {
  const lines = [
    style.bold(
      `Needs settling (${settle.names.length}): segsync sent these creates and never saw the answer, so apply does not send them again.`,
    ),
  ];
  for (const action of listed) {
    if (action.action !== 'unknown') continue;
    const where = action.source
      ? style.dim(`  ${terminalText(action.source.file)}:${action.source.line}`)
      : '';
    lines.push(
      `  ${markers.unknown(style)} ${terminalText(action.name)}  started ${terminalText(action.recorded.at)}${where}`,
    );
  }
  const [exists, absent] = [terminalText(settle.exists), terminalText(settle.absent)];
  const width = Math.max(exists.length, absent.length);
  lines.push(
    '  Look for each in the Wati dashboard, then record what you found:',
    `    ${exists.padEnd(width)}   (one that exists)`,
    `    ${absent.padEnd(width)}   (those that do not: the next apply creates them)`,
  );
  return lines;
}

/** Every name, id, path and diff line passes the terminal sink: they come from files and servers. */
function renderAction(action: PlanAction, style: Style, context: ActionContext): string[] {
  const marker = markers[action.action](style);
  const name = terminalText(action.name);
  const source = action.action === 'removed' ? undefined : action.source;
  const where = source ? style.dim(`  ${terminalText(source.file)}:${source.line}`) : '';
  switch (action.action) {
    case 'create':
      return [
        `  ${marker} ${name}  ${style.dim(describePayload(action.payload, action.contactIdsFile))}${where}`,
        ...renderFilter(action.payload, context.filter),
        ...(action.renameOf === undefined
          ? []
          : [`      ${style.yellow(`⚠ ${terminalText(renameAdvice(action.renameOf))}`)}`]),
      ];
    case 'unchanged':
      return [
        `  ${marker} ${name}${style.dim(` (id ${terminalText(action.recorded.id)})`)}${where}`,
      ];
    case 'changed': {
      // A terminal is the user's own: the diff shows contact IDs (the PR renderers mask them).
      const diff = diffPayloads(action.recorded.payload, action.payload);
      return [
        `  ${marker} ${name} (id ${terminalText(action.recorded.id)}): changed, and Wati cannot update segments${where}`,
        ...diff.split('\n').map((line) => `      ${colorDiffLine(terminalText(line), style)}`),
      ];
    }
    case 'removed':
      return [
        `  ${marker} ${name} (id ${terminalText(action.recorded.id)}): no longer defined, still active in Wati`,
      ];
    case 'unknown':
      return context.inProgress
        ? [`  ${marker} ${name}: being created by the run in progress${where}`]
        : [`  ${marker} ${name}: outcome of an earlier create is unknown${where}`];
  }
}

/** Each group and condition on its own line, under the segment it belongs to. */
function renderFilter(payload: WatiPayload, options: FilterOptions): string[] {
  return describeFilter(payload, options).map(
    (line) => `${line.depth === 0 ? '      ' : '        '}${terminalText(line.text)}`,
  );
}

function colorDiffLine(line: string, style: Style): string {
  if (line.startsWith('+') && !line.startsWith('+++')) return style.green(line);
  if (line.startsWith('-') && !line.startsWith('---')) return style.red(line);
  return style.dim(line);
}

function verdict(plan: Plan, style: Style): string {
  const { errors, warnings } = countBySeverity(plan.diagnostics);
  const warningText = warnings > 0 ? ` and ${plural(warnings, 'warning')}` : '';
  if (plan.blocked) {
    return style.red(`Blocked: ${plural(errors, 'error')}${warningText}. Nothing can be applied.`);
  }
  const unsettled = plan.settle
    ? ` ${plural(plan.settle.names.length, 'unknown outcome')} to settle (above): apply exits 3 until then.`
    : '';
  if (plan.summary.create === 0)
    return style.green(
      `Nothing to create.${warningText ? ` (${plural(warnings, 'warning')})` : ''}${unsettled}`,
    );
  // The hint keeps the plan's context: without --env, apply would be refused.
  const env = plan.environment ? ` --env ${plan.environment}` : '';
  // Without a state file apply refuses: a new account starts with `state init`.
  const noState = plan.diagnostics.some((d) => d.code === 'no-state-file');
  const run = noState
    ? `For a new account, run \`segsync state init${env}\`, then \`segsync apply${env}\``
    : `Run \`segsync apply${env}\``;
  return style.green(
    `Ready: ${plural(plan.summary.create, 'segment')} to create${warningText}. ${run} to create ${plan.summary.create === 1 ? 'it' : 'them'}.${unsettled}`,
  );
}
