// The pull-request comment. PR-facing: contact IDs are masked (counts, not values) unless asked,
// and the body stays under GitHub's comment limit (65,536) with room to spare.
import type {
  ChangedAction,
  CreateAction,
  Diagnostic,
  Plan,
  RemovedAction,
  UnchangedAction,
} from '../core/model.js';
import { renameAdvice } from '../core/rename-advice.js';
import { contactIdChanges, diffPayloads } from './payload-diff.js';
import { describePayload } from './describe.js';
import { describeFilter, LONG_FILTER_LINES } from './filter.js';
import {
  countBySeverity,
  formatLocation,
  plural,
  splitStateFileDiagnostics,
} from './diagnostics.js';
import { breakRunnerCommands, showInvisible } from './sinks/invisible.js';
import { markdownCell, markdownCode, markdownText } from './sinks/markdown.js';
import { describeInProgress, summarizePlan } from './plan-summary.js';

/** Comment actions find the comment to update by this line. */
export const PLAN_COMMENT_MARKER = '<!-- segsync:plan -->';
export const DEFAULT_MARKDOWN_LIMIT = 60_000;

export interface MarkdownOptions {
  showContactIds?: boolean;
  /** Upper bound on the body length, in characters. */
  maxLength?: number;
}

export function planCommentMarker(environment?: string): string {
  // Inside an HTML comment only `--` matters (it could close the comment early).
  return environment
    ? `<!-- segsync:plan env=${breakRunnerCommands(showInvisible(environment)).replace(/-{2,}/g, '-').replace(/>/g, '&gt;')} -->`
    : PLAN_COMMENT_MARKER;
}

export function renderPlanMarkdown(plan: Plan, options: MarkdownOptions = {}): string {
  const maxLength = options.maxLength ?? DEFAULT_MARKDOWN_LIMIT;
  const head = renderHead(plan);
  const { stateFile, others } = splitStateFileDiagnostics(plan.diagnostics);
  // The settle section says all the per-segment warnings would.
  const problems = plan.settle ? others.filter((d) => d.code !== 'unknown-outcome') : others;
  const sections = [
    renderStateFile(plan, stateFile),
    renderCreateTable(plan, options),
    renderSettle(plan),
    renderProblems(problems),
    renderChanged(plan, options),
    renderOthers(plan, 'removed', 'Removed from definitions (still active in Wati)'),
    renderOthers(plan, 'unchanged', 'Unchanged'),
  ].filter((section): section is Section => section !== undefined);
  return assemble(head, sections, maxLength);
}

/** A part of the comment that can be cut item by item when the comment grows too long. */
interface Section {
  open: string;
  items: string[];
  close: string;
  noun: string;
}

function renderHead(plan: Plan): string {
  const { errors, warnings } = countBySeverity(plan.diagnostics);
  const status = plan.blocked
    ? `⛔ **Blocked**: ${plural(errors, 'error')} must be fixed before anything can be applied.`
    : plan.summary.create > 0
      ? `✅ **Ready to apply**: ${plural(plan.summary.create, 'segment')} will be created on merge.`
      : '✅ **Nothing to create.**';
  const warningLine = warnings > 0 ? ` ⚠️ ${plural(warnings, 'warning')}.` : '';
  const env = plan.environment ? ` — environment ${markdownCode(plan.environment)}` : '';
  const inProgress = plan.inProgress ? ['', `⏳ ${markdownText(describeInProgress(plan))}`] : [];
  return [
    planCommentMarker(plan.environment),
    `### segsync plan${env}`,
    '',
    `**${markdownText(summarizePlan(plan))}**`,
    '',
    `${status}${warningLine}`,
    ...inProgress,
    '',
    `<sub>Plan checksum \`${plan.checksum}\`</sub>`,
  ].join('\n');
}

function renderCreateTable(plan: Plan, options: MarkdownOptions): Section | undefined {
  const creates = plan.actions.filter((a) => a.action === 'create');
  if (creates.length === 0) return undefined;
  return {
    open: `\n#### To create (${creates.length})\n\n| Segment | Selects | Defined in |\n|---|---|---|`,
    items: creates.map(
      (a) =>
        `| ${markdownCell(a.name)} | ${renderSelects(a, options)} | ${markdownCode(`${a.source.file}:${a.source.line}`).replace(/\|/g, '\\|')} |`,
    ),
    close: '',
    noun: 'segment',
  };
}

/**
 * The filter inside the table cell, one line per group and condition (the cell cannot hold a
 * list, hence `<br>`); a long one folds into `<details>` under its one-line summary. Groups are
 * numbered, conditions bulleted: nothing claims how Wati combines them.
 */
function renderSelects(action: CreateAction, options: MarkdownOptions): string {
  const payload = action.payload;
  const summary = markdownCell(describePayload(payload, action.contactIdsFile));
  const filter = describeFilter(payload, { showContactIds: options.showContactIds ?? false }).map(
    (line) => `${line.depth === 1 ? '• ' : ''}${markdownCell(line.text)}`,
  );
  const rename =
    action.renameOf === undefined ? '' : `<br>⚠️ ${markdownCell(renameAdvice(action.renameOf))}`;
  if (filter.length > LONG_FILTER_LINES) {
    return `<details><summary>${summary}</summary>${filter.join('<br>')}</details>${rename}`;
  }
  return `${[summary, ...filter].join('<br>')}${rename}`;
}

/** Unknown outcomes: not blocking the plan, but the apply job fails until they are settled. */
function renderSettle(plan: Plan): Section | undefined {
  const settle = plan.settle;
  if (!settle) return undefined;
  const unknown = plan.actions.filter((a) => a.action === 'unknown');
  const width = Math.max(settle.exists.length, settle.absent.length);
  const commands = [
    `${settle.exists.padEnd(width)}   # one that exists`,
    `${settle.absent.padEnd(width)}   # those that do not: the next apply creates them`,
  ].join('\n');
  return {
    open:
      `\n#### Needs settling (${unknown.length})\n\n` +
      'segsync sent these creates and never saw the answer, so apply does not send them again ' +
      '(and the apply job fails until they are settled). Look for each in the Wati dashboard:\n',
    items: unknown.map((a) => `- ${markdownText(a.name)} (started ${markdownCode(a.recorded.at)})`),
    close: `\nthen record what you found:\n\n${fence(showInvisibleByLine(commands), 'sh')}`,
    noun: 'segment',
  };
}

/** What the state file says (or what this change did to it): first, and never folded away. */
function renderStateFile(plan: Plan, diagnostics: readonly Diagnostic[]): Section | undefined {
  if (diagnostics.length === 0) return undefined;
  const base = plan.stateChanges;
  const title =
    base && base.changes.length > 0
      ? `State file changes since ${markdownCode(base.base)}`
      : 'State file';
  return {
    open: `\n#### ${title}\n`,
    items: diagnostics.map(renderProblem),
    close: '',
    noun: 'state file change',
  };
}

function renderProblem(d: Diagnostic): string {
  const location = formatLocation(d);
  const icon = d.severity === 'error' ? '⛔' : '⚠️';
  const hint = d.hint ? `<br>→ ${markdownText(d.hint)}` : '';
  return `- ${icon} ${location ? `${markdownCode(location)} ` : ''}${markdownText(d.message)}${hint}`;
}

function renderProblems(diagnostics: readonly Diagnostic[]): Section | undefined {
  if (diagnostics.length === 0) return undefined;
  const { errors, warnings } = countBySeverity(diagnostics);
  const title = [
    errors > 0 ? plural(errors, 'error') : '',
    warnings > 0 ? plural(warnings, 'warning') : '',
  ]
    .filter(Boolean)
    .join(', ');
  return {
    // Errors are what a reviewer must act on: open by default.
    open: `\n<details${errors > 0 ? ' open' : ''}><summary>Problems: ${title}</summary>\n`,
    items: diagnostics.map(renderProblem),
    close: '\n</details>',
    noun: 'problem',
  };
}

function renderChanged(plan: Plan, options: MarkdownOptions): Section | undefined {
  const changed = plan.actions.filter((a) => a.action === 'changed');
  if (changed.length === 0) return undefined;
  return {
    open: `\n<details open><summary>Changed, cannot be updated (${changed.length})</summary>\n`,
    items: changed.map((a) => renderChangedItem(a, options)),
    close: '\n</details>',
    noun: 'segment',
  };
}

/** Contact IDs are masked here, at render time: the plan itself keeps the payloads as they are. */
function renderChangedItem(action: ChangedAction, options: MarkdownOptions): string {
  const recorded = action.recorded.payload;
  const diff = diffPayloads(recorded, action.payload, { maskContactIds: !options.showContactIds });
  const counts = contactIdChanges(recorded, action.payload);
  const contactNote =
    !options.showContactIds && counts.added + counts.removed > 0
      ? `\nContact IDs: ${counts.added} added, ${counts.removed} removed (values masked).\n`
      : '';
  const id = markdownCode(action.recorded.id);
  return `\n**${markdownText(action.name)}** (id ${id})\n${contactNote}\n${fence(showInvisibleByLine(diff), 'diff')}`;
}

function renderOthers(
  plan: Plan,
  kind: 'removed' | 'unchanged',
  title: string,
): Section | undefined {
  const actions = plan.actions.filter(
    (a): a is RemovedAction | UnchangedAction => a.action === kind,
  );
  if (actions.length === 0) return undefined;
  return {
    open: `\n<details><summary>${title} (${actions.length})</summary>\n`,
    items: actions.map((a) => `- ${markdownText(a.name)} (id ${markdownCode(a.recorded.id)})`),
    close: '\n</details>',
    noun: 'segment',
  };
}

/**
 * Adds sections in priority order; once the budget is spent, the rest of a section's items are
 * replaced by an explicit note so a truncated comment never looks complete.
 */
function assemble(head: string, sections: readonly Section[], maxLength: number): string {
  const truncationNoteRoom = 400;
  const budget = maxLength - truncationNoteRoom;
  let body = head;
  let omitted = 0;
  for (const section of sections) {
    if (body.length + section.open.length + section.close.length + 2 > budget) {
      omitted += section.items.length;
      continue;
    }
    const kept: string[] = [];
    let length = body.length + section.open.length + section.close.length + 2;
    for (const item of section.items) {
      if (length + item.length + 1 > budget) break;
      kept.push(item);
      length += item.length + 1;
    }
    const cut = section.items.length - kept.length;
    omitted += cut;
    const note = cut > 0 ? [`\n_… ${plural(cut, section.noun)} more not shown._`] : [];
    body += `\n${[section.open, ...kept, ...note, section.close].join('\n')}`;
  }
  if (omitted > 0) {
    body +=
      `\n\n> **Truncated**: ${omitted} entries did not fit in this comment. ` +
      'Run `segsync plan` locally or read the CI log for the full plan.';
  }
  return `${body}\n`;
}

/** Diff lines are JSON of untrusted values: shown line by line, the lines themselves kept. */
function showInvisibleByLine(text: string): string {
  return text
    .split('\n')
    .map((line) => breakRunnerCommands(showInvisible(line)))
    .join('\n');
}

function fence(text: string, language: string): string {
  const longestRun = (text.match(/`+/g) ?? []).reduce((max, run) => Math.max(max, run.length), 2);
  const ticks = '`'.repeat(longestRun + 1);
  return `${ticks}${language}\n${text}\n${ticks}`;
}
