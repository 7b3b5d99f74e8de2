// The shared vocabulary of segsync: segments, diagnostics, state entries, plans and outcomes.
// Pure types only, so every module can import it without pulling in any I/O.

export type Severity = 'error' | 'warning';

/** A position in a definition file. Lines and columns are 1-based. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

/**
 * Every diagnostic code segsync emits, grouped by the step that finds it. A union, so that a
 * table keyed by code (hints, the text plan's limits, the state-file group) is checked by the
 * compiler: a misspelt code does not compile. The codes are public (JSON, annotation titles,
 * GitLab check names): renaming one is a breaking change.
 */
export type DiagnosticCode =
  // Reading files and finding the definitions (yaml/read.ts, definitions/find-files.ts).
  | 'unreadable-file'
  | 'not-a-regular-file'
  | 'file-too-large'
  | 'not-utf8'
  | 'empty-file'
  | 'outside-project'
  | 'no-match'
  | 'path-not-found'
  | 'unreadable-directory'
  // YAML syntax (yaml/yaml-errors.ts).
  | 'yaml-syntax'
  | 'yaml-directive'
  | 'yaml-tag'
  | 'duplicate-key'
  | 'alias-limit'
  // The JSON Schema (yaml/schema-errors.ts); the schema's own rules are named by their `$anchor`.
  | 'unknown-key'
  | 'missing-key'
  | 'invalid-value'
  | 'empty-value'
  | 'too-long'
  | 'empty-list'
  | 'out-of-range'
  | 'invalid-format'
  | 'not-a-mapping'
  | 'missing-value'
  | 'wrong-type'
  | SchemaRuleCode
  // Cross-file rules and exact values (definitions/).
  | 'no-definitions'
  | 'operator-not-allowed'
  | 'unknown-attribute'
  | 'contact-ids-file'
  | 'contact-ids-column-without-file'
  | 'contact-ids-twice'
  | 'contact-id-formula'
  | 'contact-id-not-quoted'
  | 'value-not-as-written'
  | 'duplicate-contact-id'
  | 'duplicate-name'
  | 'similar-name'
  | 'invisible-character'
  // The config file (config/).
  | 'config-not-found'
  | 'ambiguous-config'
  | 'config-multiple-documents'
  // The plan (plan/compute.ts).
  | 'changed'
  | 'removed'
  | 'possible-rename'
  | 'unknown-outcome'
  | 'create-in-progress'
  | 'apply-in-progress'
  | 'quota-exceeded'
  | StateFileDiagnosticCode;

/**
 * The rules of the definition schema (an if/then in its `$defs`, named by `$anchor`), and
 * `schema-rule` for one without a name.
 */
export type SchemaRuleCode =
  'dynamic-needs-groups' | 'static-needs-contacts-or-groups' | 'schema-rule';

/** Diagnostics about the state file as a whole (see STATE_FILE_DIAGNOSTIC_CODES). */
export type StateFileDiagnosticCode = (typeof STATE_FILE_CODES)[number];

/** One problem found in the input, always located when a location is known. */
export interface Diagnostic {
  severity: Severity;
  /** Stable machine-readable identifier, e.g. `yaml-syntax`, `unknown-key`, `duplicate-name`. */
  code: DiagnosticCode;
  /** A sentence a non-programmer understands. */
  message: string;
  file?: string;
  line?: number;
  column?: number;
  /** The segment this problem belongs to, when there is one. */
  segment?: string;
  /** What the user can do about it. */
  hint?: string;
}

export type ConditionValue = string | number | boolean;

export interface Condition {
  attribute: string;
  operator: string;
  value: ConditionValue;
}

export interface Group {
  conditions: Condition[];
}

/** Wati's refreshType: 1 = static (fixed contacts), 2 = dynamic (re-evaluated from filters). */
export type RefreshType = 1 | 2;

/** Exactly the body sent to `POST /api/v1/createCustomSegment`. */
export interface WatiPayload {
  name: string;
  refreshType: RefreshType;
  groups?: Group[];
  contactIds?: string[];
  useUploadedContact?: boolean;
}

/** A valid segment definition, ready to plan. */
export interface SegmentDefinition {
  name: string;
  /** Documentation only; never sent to Wati and never part of the digest. */
  description?: string;
  payload: WatiPayload;
  /** sha256 of the canonical JSON of `payload`. */
  digest: string;
  /** Where the document starts (its `name` key when present). */
  source: SourceLocation;
  /** The CSV file the contact ids were read from (`contactIdsFile`), shown in plans. */
  contactIdsFile?: string;
}

// ---------------------------------------------------------------------------------------------
// State file: segsync's only memory of what it created.

export const STATE_FORMAT_VERSION = 1;

export interface CreatedEntry {
  status: 'created';
  /** The id Wati returned. */
  id: string;
  payload: WatiPayload;
  digest: string;
  /** ISO-8601 timestamp of the moment Wati answered. */
  createdAt: string;
  /** Definition file (relative path) the segment came from. */
  source: string;
  /**
   * How the record was made: by apply, by hand with `state resolve`, or with `state adopt` (a
   * segment made in the dashboard: segsync sent nothing, the payload is the definition's).
   */
  recordedBy?: 'apply' | 'resolve' | 'adopt';
}

/** A create that was sent (or about to be sent) and whose answer was never recorded. */
export interface PendingEntry {
  status: 'pending';
  payload: WatiPayload;
  digest: string;
  /** ISO-8601 timestamp of the moment segsync decided to send the create. */
  startedAt: string;
  source: string;
  /** Why the outcome is unknown, when known (e.g. "connection reset after the request was sent"). */
  reason?: string;
}

export type StateEntry = CreatedEntry | PendingEntry;

export interface State {
  formatVersion: typeof STATE_FORMAT_VERSION;
  /** The normalised endpoint (scheme, host, tenant path) the state belongs to; never the token. */
  endpoint?: string;
  /** Keyed by segment name. */
  segments: Record<string, StateEntry>;
}

/** One name two state files record in ways that cannot both be true (state/merge.ts). */
export interface MergeConflict {
  name: string;
  ours: StateEntry;
  theirs: StateEntry;
  /** Why the two entries cannot both be true. */
  reason: string;
}

/** One recorded segment as `state list` shows it (`--format json` prints these rows). */
export interface StateEntryRow {
  name: string;
  status: StateEntry['status'];
  /** Wati's id, for created entries. */
  id?: string;
  /** createdAt for created entries, startedAt for pending ones. */
  at: string;
  source: string;
  /** Why a pending entry's outcome is unknown, when recorded. */
  reason?: string;
  /** How a created entry was recorded (`adopt`: a segment made in the dashboard). */
  recordedBy?: CreatedEntry['recordedBy'];
}

// ---------------------------------------------------------------------------------------------
// Plan: plain, versioned data computed purely from (definitions, state, options).

export const PLAN_FORMAT_VERSION = 1;

/** What the state file holds for a name, as a plan shows it. */
export interface RecordedCreated {
  status: 'created';
  id: string;
  digest: string;
  /** When Wati answered. */
  at: string;
  source: string;
  payload: WatiPayload;
}

export interface RecordedPending {
  status: 'pending';
  digest: string;
  /** When segsync decided to send the create. */
  at: string;
  source: string;
  payload: WatiPayload;
}

/** What a definition contributes to an action: where it is and what it would send. */
interface Defined {
  source: SourceLocation;
  /** The payload now defined (the one to send, for `create`). */
  payload: WatiPayload;
  digest: string;
  /** The CSV file the payload's contact ids come from, when the definition names one. */
  contactIdsFile?: string;
}

/** Defined, and not in the state file: apply creates it. */
export interface CreateAction extends Defined {
  action: 'create';
  name: string;
  /**
   * A removed entry whose recorded payload equals this one but for the name. Wati cannot rename,
   * so the plan warns that the old segment stays active.
   */
  renameOf?: string;
  blocking: false;
}

/** Defined exactly as it was created. */
export interface UnchangedAction extends Defined {
  action: 'unchanged';
  name: string;
  recorded: RecordedCreated;
  blocking: false;
}

/** Created, then edited: Wati cannot update it (blocking unless --allow-changed). */
export interface ChangedAction extends Defined {
  action: 'changed';
  name: string;
  recorded: RecordedCreated;
  blocking: boolean;
}

/** Created, and no longer defined: still active in Wati. */
export interface RemovedAction {
  action: 'removed';
  name: string;
  recorded: RecordedCreated;
  blocking: false;
}

/**
 * A create whose answer was never recorded; `source`, `payload` and `digest` while defined. It
 * blocks only itself (apply never sends it again), unless another apply is creating it right now
 * (`inProgress`): then the plan is blocked.
 */
export interface UnknownAction extends Partial<Defined> {
  action: 'unknown';
  name: string;
  recorded: RecordedPending;
  blocking: boolean;
}

export type PlanAction =
  CreateAction | UnchangedAction | ChangedAction | RemovedAction | UnknownAction;

export interface PlanSummary {
  create: number;
  unchanged: number;
  changed: number;
  removed: number;
  unknown: number;
}

export interface QuotaCheck {
  limit: number;
  /** Segments the state knows to be active in Wati (created, removed-from-definitions included). */
  active: number;
  /** Unknown outcomes may or may not occupy a slot; counted separately. */
  unknown: number;
  creates: number;
  exceeded: boolean;
}

/** The process holding the state lock while the plan was made (read from the lock file). */
export interface LockHolder {
  pid: number;
  hostname: string;
  /** ISO-8601 time the lock was taken. */
  startedAt: string;
  /** The segsync command holding it, e.g. `apply`. */
  command: string;
}

/** One entry of the state file as a state change shows it. */
export interface StateEntrySummary {
  status: StateEntry['status'];
  digest: string;
  /** created only. */
  id?: string;
  /** created only: apply, resolve or adopt. */
  recordedBy?: CreatedEntry['recordedBy'];
}

/**
 * A change in meaning between the state file at the base revision and the working one (`plan
 * --base`): what a reviewer must see, since the state file decides what apply creates.
 */
export type StateChange =
  /** A created or pending entry is gone: apply would create the segment again. */
  | {
      kind: 'entry-removed';
      name: string;
      before: StateEntrySummary;
      /** The definition is gone too (forget after deleting): a warning, not blocking. */
      stillDefined: boolean;
    }
  /** An entry that was not there (or was pending and is now created): written without an apply. */
  | { kind: 'entry-added'; name: string; before?: StateEntrySummary; after: StateEntrySummary }
  /** The id, the payload digest or the status of an entry changed. */
  | { kind: 'entry-changed'; name: string; before: StateEntrySummary; after: StateEntrySummary }
  | { kind: 'endpoint-changed'; before?: string; after?: string };

/**
 * Diagnostics about the state file as a whole (no state file; what this change did to it): every
 * format shows them before anything else, since they decide whether the rest can be trusted.
 */
const STATE_FILE_CODES = [
  'no-state-file',
  'state-base-unavailable',
  'state-endpoint-changed',
  'state-entry-removed',
  'state-entry-forgotten',
  'state-entry-added',
  'state-entry-changed',
] as const;

export const STATE_FILE_DIAGNOSTIC_CODES: ReadonlySet<DiagnosticCode> = new Set(STATE_FILE_CODES);

export interface StateComparison {
  /** The revision compared with, as found (`origin/main`, a sha, `HEAD~1`). */
  base: string;
  commit: string;
  /** False when the base revision had no state file at this path. */
  found: boolean;
  /** Sorted by name; the endpoint first. */
  changes: StateChange[];
}

export interface SettleAdvice {
  names: string[];
  /** For one that exists in Wati (one command per segment: `<segment id>` to fill in). */
  exists: string;
  /** For those that do not: one command for all of them. */
  absent: string;
}

export interface Plan {
  formatVersion: typeof PLAN_FORMAT_VERSION;
  /**
   * Set when another segsync held the state lock and was alive (or on another host, where that
   * cannot be checked): its pending entries are creates in flight, not unknown outcomes to resolve.
   */
  inProgress?: LockHolder;
  /** Environment name, when environments are configured. */
  environment?: string;
  /** What the plan was computed from (paths relative to the working directory), so a saved plan
   *  is applied to the same definitions and state file. */
  inputs?: { definitions: string[]; state: string };
  /** `plan --base REV`: how the state file changed since REV. */
  stateChanges?: StateComparison;
  summary: PlanSummary;
  /** Sorted by name. */
  actions: PlanAction[];
  /** Validation and plan diagnostics, errors first. */
  diagnostics: Diagnostic[];
  quota?: QuotaCheck;
  /**
   * Unknown outcomes to settle by hand (none while another apply is creating them): the names and
   * the exact commands, after checking the Wati dashboard.
   */
  settle?: SettleAdvice;
  /** True when apply must refuse (any error diagnostic). */
  blocked: boolean;
  /** sha256 of the definitions' digests, so a saved plan can detect drift. */
  definitionsChecksum: string;
  /** sha256 of the canonical state the plan was computed from. */
  stateChecksum: string;
  /** sha256 of the canonical plan without this field. */
  checksum: string;
}

// ---------------------------------------------------------------------------------------------
// Apply outcomes.

/**
 * Why no further create of this account can succeed now: the stops an answer (or a failed
 * connection) can carry. `rate-limited`: throttled beyond what segsync waits;
 * `untrusted-certificate`: the endpoint's TLS certificate cannot be trusted.
 */
export type AccountStopReason =
  | 'limit-reached'
  | 'feature-unavailable'
  | 'unauthorized'
  | 'misconfigured'
  | 'rate-limited'
  | 'untrusted-certificate';

/**
 * Why an apply stopped early: an account-wide stop, or one of segsync's own. `repeated-refusal`:
 * the same unrecognised 4xx answer to several creates, none created in between.
 */
export type StopReason =
  | AccountStopReason
  | 'interrupted'
  | 'too-many-unknown'
  | 'repeated-refusal'
  | 'state-write-failed';

export type CreateOutcome =
  | { kind: 'created'; id: string }
  /** Definitely not created; the segment may be attempted again. */
  | { kind: 'failed'; message: string; status?: number }
  /** The account cannot take more creates now (see AccountStopReason); this one was not created. */
  | { kind: 'stop'; reason: AccountStopReason; message: string; status?: number }
  /** The request may have reached Wati; never retry automatically. */
  | { kind: 'unknown'; message: string }
  /** Stopped (interrupt or account-wide stop) before any request for it was sent: safe to retry later. */
  | { kind: 'not-sent'; message: string };

export type SegmentResultKind = 'created' | 'failed' | 'unknown' | 'not-attempted';

export interface SegmentResult {
  name: string;
  result: SegmentResultKind;
  id?: string;
  /**
   * What happened, in words. The runner leaves it out of a create it did not attempt because the
   * run had stopped; the result document (apply/result.ts) says why, from the stop.
   */
  message?: string;
  attempts?: number;
}
