// (definitions, state) → Plan. Pure and synchronous: no I/O, no clock, no randomness, so the same
// inputs always give the same plan (and the same checksum).
import type {
  CreatedEntry,
  Diagnostic,
  PendingEntry,
  Plan,
  PlanAction,
  PlanSummary,
  QuotaCheck,
  RecordedCreated,
  RecordedPending,
  SegmentDefinition,
  State,
  StateEntry,
} from '../model.js';
import { PLAN_FORMAT_VERSION } from '../model.js';
import { digestOf } from '../canonical-json.js';

export interface PlanOptions {
  /** Turn "changed" from an error into a warning (the segment stays as created in Wati). */
  allowChanged?: boolean;
  /** The account's active-segment limit, when the config states it. */
  segmentLimit?: number;
  environment?: string;
  inputs?: Plan['inputs'];
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
    actions.push(actionForRecordOnly(name, entry));
  }

  actions.sort((a, b) => compareNames(a.name, b.name));
  for (const action of actions) {
    const diagnostic = diagnosticForAction(action, options);
    if (diagnostic) planDiagnostics.push(diagnostic);
  }
  const summary = summarize(actions);
  const quota = checkQuota(state, summary, options.segmentLimit);
  if (quota?.exceeded) planDiagnostics.push(quotaDiagnostic(quota));

  const diagnostics = [...input.validationDiagnostics, ...planDiagnostics];
  const blocked = diagnostics.some((d) => d.severity === 'error');

  const withoutChecksum: Omit<Plan, 'checksum'> = {
    formatVersion: PLAN_FORMAT_VERSION,
    ...(options.environment !== undefined ? { environment: options.environment } : {}),
    ...(options.inputs ? { inputs: options.inputs } : {}),
    summary,
    actions,
    diagnostics,
    ...(quota ? { quota } : {}),
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
  };
  if (!entry) return { action: 'create', ...base, blocking: false };
  if (entry.status === 'pending') {
    return { action: 'unknown', ...base, recorded: recordedPending(entry), blocking: true };
  }
  const recorded = recordedCreated(entry);
  if (entry.digest === segment.digest) {
    return { action: 'unchanged', ...base, recorded, blocking: false };
  }
  return { action: 'changed', ...base, recorded, blocking: !options.allowChanged };
}

function actionForRecordOnly(name: string, entry: StateEntry): PlanAction {
  if (entry.status === 'pending') {
    // The definition is gone but the create may have happened: still needs resolving.
    return { action: 'unknown', name, recorded: recordedPending(entry), blocking: true };
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

function diagnosticForAction(action: PlanAction, options: PlanOptions): Diagnostic | undefined {
  const source = action.action === 'removed' ? undefined : action.source;
  const where = source ? { file: source.file, line: source.line, column: source.column } : {};
  const quoted = JSON.stringify(action.name);
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
      return {
        severity: 'error',
        code: 'unknown-outcome',
        segment: action.name,
        ...(source ? where : { file: recorded.source }),
        message:
          `The outcome of creating segment ${quoted} (started ${recorded.at}) is unknown: the ` +
          `request may or may not have created it in Wati, so segsync will not send it again.`,
        hint:
          `Look for ${quoted} in the Wati dashboard. If it exists: ` +
          `\`segsync state resolve ${quoted} --id <segment id>\`. If it does not: ` +
          `\`segsync state resolve ${quoted} --absent\` (the next apply creates it).`,
      };
    }
    case 'create':
    case 'unchanged':
      return undefined;
  }
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
