// (definitions, state) → Plan. Pure and synchronous: no I/O, no clock, no randomness, so the same
// inputs always give the same plan (and the same checksum).
import type {
  CreatedEntry,
  Diagnostic,
  LockHolder,
  PendingEntry,
  Plan,
  PlanAction,
  PlanSummary,
  QuotaCheck,
  RecordedCreated,
  SettleAdvice,
  RecordedPending,
  SegmentDefinition,
  State,
  StateComparison,
  StateEntry,
} from '../core/model.js';
import { PLAN_FORMAT_VERSION } from '../core/model.js';
import { digestOf } from '../core/canonical-json.js';
import { renameAdvice } from '../core/rename-advice.js';
import { markRenames } from './rename.js';
import type { StateChangeContext } from './state-changes.js';
import { compareStates, stateChangeDiagnostics } from './state-changes.js';

export interface PlanOptions {
  /** Turn "changed" from an error into a warning (the segment stays as created in Wati). */
  allowChanged?: boolean;
  /** The account's active-segment limit, when the config states it. */
  segmentLimit?: number;
  environment?: string;
  inputs?: Plan['inputs'];
  /** Who held the state lock when it was read (the caller reads the lock file; this stays pure). */
  inProgress?: LockHolder;
  /** There was no state file: the path looked for, and what git's history says about it. */
  missingState?: { path: string; history: string };
  /** `plan --base`: the state file at the base revision, to show what this change did to it. */
  base?: PlanBase;
  /** The base to compare with could not be read (GITHUB_BASE_REF not fetched): why. */
  baseUnavailable?: string;
  /**
   * Flags that select this state file in commands the plan advises (` --env prod`, ` --state
   * x.json`), already quoted for a shell.
   */
  commandFlags?: string;
}

export interface PlanBase extends Omit<StateComparison, 'changes'> {
  state: State;
  context: StateChangeContext;
}

export interface PlanInput {
  segments: SegmentDefinition[];
  /** Problems found while loading and validating; any error blocks the plan. */
  validationDiagnostics: Diagnostic[];
  state: State;
  options?: PlanOptions;
}

export function computePlan(input: PlanInput): Plan {
  const { segments, state } = input;
  const options = input.options ?? {};
  const actions: PlanAction[] = [];
  const planDiagnostics: Diagnostic[] = [];
  const defined = new Set<string>();

  for (const segment of segments) {
    defined.add(segment.name);
    const entry = Object.hasOwn(state.segments, segment.name)
      ? state.segments[segment.name]
      : undefined;
    actions.push(actionForDefinition(segment, entry, options));
  }

  for (const [name, entry] of Object.entries(state.segments)) {
    if (defined.has(name)) continue;
    actions.push(actionForRecordOnly(name, entry, options));
  }

  actions.sort((a, b) => compareNames(a.name, b.name));
  markRenames(actions);
  // About the state file as a whole: shown before anything else, in every format.
  const stateDiagnostics: Diagnostic[] = [];
  if (options.missingState) stateDiagnostics.push(missingStateDiagnostic(options.missingState));
  if (options.baseUnavailable)
    stateDiagnostics.push(baseUnavailableDiagnostic(options.baseUnavailable));
  let stateChanges: StateComparison | undefined;
  if (options.base) {
    const { state: baseState, context, ...revision } = options.base;
    stateChanges = { ...revision, changes: compareStates(baseState, state, defined) };
    stateDiagnostics.push(...stateChangeDiagnostics(stateChanges, context));
  }
  if (options.inProgress) planDiagnostics.push(inProgressDiagnostic(options.inProgress));
  for (const action of actions) {
    const diagnostic = diagnosticForAction(action, options);
    if (diagnostic) planDiagnostics.push(diagnostic);
  }
  const summary = summarize(actions);
  const settle = options.inProgress ? undefined : settleAdvice(actions, options.commandFlags ?? '');
  const quota = checkQuota(state, summary, options.segmentLimit);
  if (quota?.exceeded) planDiagnostics.push(quotaDiagnostic(quota));

  const diagnostics = [...stateDiagnostics, ...input.validationDiagnostics, ...planDiagnostics];
  const blocked = diagnostics.some((d) => d.severity === 'error');

  const withoutChecksum: Omit<Plan, 'checksum'> = {
    formatVersion: PLAN_FORMAT_VERSION,
    ...(options.inProgress ? { inProgress: options.inProgress } : {}),
    ...(options.environment !== undefined ? { environment: options.environment } : {}),
    ...(options.inputs ? { inputs: options.inputs } : {}),
    ...(stateChanges ? { stateChanges } : {}),
    summary,
    actions,
    diagnostics,
    ...(quota ? { quota } : {}),
    ...(settle ? { settle } : {}),
    blocked,
    definitionsChecksum: checksumDefinitions(segments),
    stateChecksum: checksumState(state),
  };
  return { ...withoutChecksum, checksum: checksumPlan(withoutChecksum) };
}

/**
 * sha256 of the plan's canonical form. Payloads are represented by their digests (and diffs are
 * derived from them), so hashing them again would only cost time on large plans.
 */
export function checksumPlan(plan: Omit<Plan, 'checksum'>): string {
  // canonicalJson drops the `undefined` members.
  const actions = plan.actions.map((action) => ({
    ...action,
    payload: undefined,
    ...('recorded' in action ? { recorded: { ...action.recorded, payload: undefined } } : {}),
  }));
  return digestOf({ ...plan, actions });
}

/** Identifies what was defined: names and payload digests (descriptions and file moves don't count). */
export function checksumDefinitions(segments: readonly SegmentDefinition[]): string {
  const pairs = segments
    .map((segment) => [segment.name, segment.digest] as const)
    .sort((a, b) => compareNames(a[0], b[0]));
  return digestOf(pairs);
}

/** The recorded segments; the endpoint is checked separately, when apply opens the state. */
export function checksumState(state: State): string {
  return digestOf(state.segments);
}

function actionForDefinition(
  segment: SegmentDefinition,
  entry: StateEntry | undefined,
  options: PlanOptions,
): PlanAction {
  const base = {
    name: segment.name,
    source: segment.source,
    payload: segment.payload,
    digest: segment.digest,
    ...(segment.contactIdsFile === undefined ? {} : { contactIdsFile: segment.contactIdsFile }),
  };
  if (!entry) return { action: 'create', ...base, blocking: false };
  if (entry.status === 'pending') {
    return {
      action: 'unknown',
      ...base,
      recorded: recordedPending(entry),
      blocking: options.inProgress !== undefined,
    };
  }
  const recorded = recordedCreated(entry);
  if (entry.digest === segment.digest) {
    return { action: 'unchanged', ...base, recorded, blocking: false };
  }
  return { action: 'changed', ...base, recorded, blocking: !options.allowChanged };
}

function actionForRecordOnly(name: string, entry: StateEntry, options: PlanOptions): PlanAction {
  if (entry.status === 'pending') {
    // The definition is gone but the create may have happened: still needs resolving.
    return {
      action: 'unknown',
      name,
      recorded: recordedPending(entry),
      blocking: options.inProgress !== undefined,
    };
  }
  return { action: 'removed', name, recorded: recordedCreated(entry), blocking: false };
}

function recordedCreated(entry: CreatedEntry): RecordedCreated {
  return {
    status: 'created',
    id: entry.id,
    digest: entry.digest,
    at: entry.createdAt,
    source: entry.source,
    payload: entry.payload,
  };
}

function recordedPending(entry: PendingEntry): RecordedPending {
  return {
    status: 'pending',
    digest: entry.digest,
    at: entry.startedAt,
    source: entry.source,
    payload: entry.payload,
  };
}

function baseUnavailableDiagnostic(why: string): Diagnostic {
  return {
    severity: 'warning',
    code: 'state-base-unavailable',
    message: `The state file was not compared with the base branch: ${why} Changes this pull request makes to the state file are not checked.`,
    hint:
      'Fetch the base branch before planning (`git fetch origin "$GITHUB_BASE_REF"`; the workflow ' +
      '`segsync init` writes does), or pass --base REV.',
  };
}

function missingStateDiagnostic(missing: { path: string; history: string }): Diagnostic {
  return {
    severity: 'warning',
    code: 'no-state-file',
    file: missing.path,
    message:
      `There is no state file at ${missing.path}: this plan is made against no state, so every ` +
      `segment plans as new.${missing.history ? ` ${missing.history}` : ''}`,
    hint:
      'If segsync has created segments for this account before, point plan at their state file ' +
      '(--state, the `state` of the config or of the --env environment): apply refuses to create ' +
      'without one. For a new account, create it with `segsync state init` and commit it.',
  };
}

function inProgressDiagnostic(holder: LockHolder): Diagnostic {
  return {
    severity: 'warning',
    code: 'apply-in-progress',
    message:
      `${describeHolder(holder)} holds the state lock: this plan shows the state as it was ` +
      `mid-run, and its pending creates are in flight, not unknown outcomes.`,
    hint: `Wait for it to finish, then run \`segsync plan\` again.`,
  };
}

function describeHolder(holder: LockHolder): string {
  const what = holder.command === 'apply' ? 'An apply' : `Another segsync (\`${holder.command}\`)`;
  return `${what} is in progress (pid ${holder.pid} on ${holder.hostname}, since ${holder.startedAt}) and`;
}

function diagnosticForAction(action: PlanAction, options: PlanOptions): Diagnostic | undefined {
  const source = action.action === 'removed' ? undefined : action.source;
  const where = source ? { file: source.file, line: source.line, column: source.column } : {};
  const quoted = JSON.stringify(action.name);
  if (action.action === 'create' && action.renameOf !== undefined) {
    const old = JSON.stringify(action.renameOf);
    return {
      severity: 'warning',
      code: 'possible-rename',
      segment: action.name,
      ...where,
      message: `Segment ${quoted} ${renameAdvice(action.renameOf)}.`,
      hint: `If that is not what you want, restore the name ${old} instead.`,
    };
  }
  switch (action.action) {
    case 'changed': {
      const { recorded } = action;
      return {
        severity: options.allowChanged ? 'warning' : 'error',
        code: 'changed',
        segment: action.name,
        ...where,
        message:
          `Segment ${quoted} was already created in Wati (id ${recorded.id}, ${recorded.at}) ` +
          `with a different definition, and Wati cannot update a segment.` +
          (options.allowChanged ? ' It stays as it was created (--allow-changed).' : ''),
        hint: options.allowChanged
          ? undefined
          : `Rename it to create a new segment (the old one stays in Wati until you delete it in ` +
            `the dashboard), or revert the definition to what was created. --allow-changed ` +
            `applies the rest of the plan and leaves this segment as it is.`,
      };
    }
    case 'removed': {
      const { recorded } = action;
      return {
        severity: 'warning',
        code: 'removed',
        segment: action.name,
        file: recorded.source,
        message:
          `Segment ${quoted} is no longer defined, but segsync created it (id ${recorded.id}) ` +
          `and it is still active in Wati: segsync cannot delete segments.`,
        hint:
          `Delete it in the Wati dashboard if it is no longer wanted, then run ` +
          `\`segsync state forget ${quoted}\` so the state file stops tracking it.`,
      };
    }
    case 'unknown': {
      const { recorded } = action;
      if (options.inProgress) {
        // Resolving now would race the apply: `--absent` while its create is in flight leads the
        // next apply to create the segment a second time. So no resolve advice here.
        return {
          severity: 'error',
          code: 'create-in-progress',
          segment: action.name,
          ...(source ? where : { file: recorded.source }),
          message:
            `Segment ${quoted} is being created by the ${options.inProgress.command} in progress ` +
            `(pid ${options.inProgress.pid} on ${options.inProgress.hostname}, started ` +
            `${recorded.at}); its outcome is not known yet.`,
          hint: 'Wait for that run to finish, then run `segsync plan` again. Do not resolve it meanwhile.',
        };
      }
      // Blocks only this segment: the rest of the plan applies, and apply exits 3 until it is
      // settled, so the apply job stays red meanwhile.
      const flags = options.commandFlags ?? '';
      return {
        severity: 'warning',
        code: 'unknown-outcome',
        segment: action.name,
        ...(source ? where : { file: recorded.source }),
        message:
          `The outcome of creating segment ${quoted} (started ${recorded.at}) is unknown: the ` +
          `request may or may not have created it in Wati, so segsync will not send it again ` +
          `until it is settled.`,
        hint:
          `Look for ${quoted} in the Wati dashboard. If it exists: ` +
          `\`segsync state resolve ${quoted} --id <segment id>${flags}\`. If it does not: ` +
          `\`segsync state resolve ${quoted} --absent${flags}\` (the next apply creates it).`,
      };
    }
    case 'create':
    case 'unchanged':
      return undefined;
  }
}

/** The commands that settle every unknown outcome, once the user has checked the dashboard. */
function settleAdvice(actions: readonly PlanAction[], flags: string): SettleAdvice | undefined {
  const names = actions.filter((action) => action.action === 'unknown').map((a) => a.name);
  if (names.length === 0) return undefined;
  const quoted = names.map((name) => JSON.stringify(name));
  return {
    names,
    exists: `segsync state resolve ${quoted[0]} --id <segment id>${flags}`,
    absent: `segsync state resolve ${quoted.join(' ')} --absent${flags}`,
  };
}

function summarize(actions: readonly PlanAction[]): PlanSummary {
  const summary: PlanSummary = { create: 0, unchanged: 0, changed: 0, removed: 0, unknown: 0 };
  for (const action of actions) summary[action.action]++;
  return summary;
}

function checkQuota(
  state: State,
  summary: PlanSummary,
  limit: number | undefined,
): QuotaCheck | undefined {
  if (limit === undefined) return undefined;
  const entries = Object.values(state.segments);
  const active = entries.filter((entry) => entry.status === 'created').length;
  const unknown = entries.length - active;
  const creates = summary.create;
  return { limit, active, unknown, creates, exceeded: active + unknown + creates > limit };
}

function quotaDiagnostic(quota: QuotaCheck): Diagnostic {
  const total = quota.active + quota.unknown + quota.creates;
  const unknownPart = quota.unknown > 0 ? ` + ${quota.unknown} of unknown outcome` : '';
  return {
    severity: 'error',
    code: 'quota-exceeded',
    message:
      `This plan would exceed the segment limit: ${quota.active} active${unknownPart} + ` +
      `${quota.creates} to create = ${total}, over the limit of ${quota.limit} ` +
      `(segmentLimit in the config). Segments created outside segsync (in the dashboard or by ` +
      `other tools) count against Wati's limit too, so the real headroom may be smaller.`,
    hint:
      `Create fewer segments in this change, delete unused segments in Wati (then ` +
      `\`segsync state forget NAME\`), or raise segmentLimit if your plan allows more.`,
  };
}

/** UTF-16 code-unit order, like the state file's keys: stable across machines and locales. */
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
