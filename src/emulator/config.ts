// The emulator's runtime configuration: what a user can set from the command line, from code
// (startEmulator / configure) or over HTTP (POST /__emulator/config), and the one set of rules
// that checks it in all three places.

import { DEFAULT_MATCH_RULES } from './matching.js';
import type { Combination, MatchRules } from './matching.js';

export const DEFAULT_EMULATOR_TOKEN = 'emulator-token';

/** Wati's documented cap: "You can create up to 10 custom segments in your Wati account". */
export const DEFAULT_SEGMENT_LIMIT = 10;

/** Longest accepted latency; Node timers overflow above 2^31-1 ms and fire at once. */
export const MAX_LATENCY_MS = 600_000;

export interface EmulatorConfig {
  /** The Bearer token every Wati request must carry. */
  token: string;
  /** A second, read-only token: evaluate accepts it, create answers it 403. Unset = none. */
  previewToken?: string;
  /** Creates are refused with 400 once this many segments exist. Unset = DEFAULT_SEGMENT_LIMIT. */
  segmentLimit?: number;
  /** Every create and every evaluate is refused with 400 "feature not available". */
  featureDisabled?: boolean;
  /** Delay before answering an authorised request; a create commits when it ends. */
  latencyMs?: number;
  /** Probability in [0, 1] that a valid create or evaluate answers 500 (creating nothing). */
  failRate?: number;
  /** Token-bucket rate limit (capacity = rate, refill = rate per second). Unset or 0 = off. */
  rateLimitRps?: number;
  /** Probability in [0, 1] that a create commits and then the socket is destroyed unanswered. */
  dropAfterCommitRate?: number;
  /** Seed of the PRNGs behind failRate and dropAfterCommitRate. Unset = a random seed. */
  seed?: number;
  /** Evaluate answers carry a `total` of matching contacts (Wati's answer has none documented). */
  evaluateTotal?: boolean;
  /** How conditions in a group combine (segsync's assumption: 'and'). */
  matchConditions?: Combination;
  /** How the groups of a filter combine (segsync's assumption: 'or'). */
  matchGroups?: Combination;
  /** Values compare ignoring case (segsync's assumption: case-sensitive). */
  caseInsensitive?: boolean;
}

/** The configuration as shown in snapshots: never a token, and the seed actually in use. */
export type PublicEmulatorConfig = Omit<EmulatorConfig, 'token' | 'previewToken' | 'seed'> & {
  seed: number;
};

type FieldRule = (value: unknown) => string | undefined;

const isNumber = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value);

const probability: FieldRule = (value) =>
  isNumber(value) && value >= 0 && value <= 1 ? undefined : 'must be a number from 0 to 1';

const isToken: FieldRule = (value) =>
  typeof value === 'string' && value.trim() !== '' && !/\s/.test(value)
    ? undefined
    : 'must be a non-empty string without spaces';

const isBoolean: FieldRule = (value) =>
  typeof value === 'boolean' ? undefined : 'must be true or false';

const isCombination: FieldRule = (value) =>
  value === 'and' || value === 'or' ? undefined : 'must be "and" or "or"';

const FIELD_RULES: Record<keyof EmulatorConfig, FieldRule> = {
  token: isToken,
  previewToken: isToken,
  segmentLimit: (value) =>
    Number.isSafeInteger(value) && (value as number) >= 0
      ? undefined
      : 'must be a whole number, 0 or more',
  featureDisabled: isBoolean,
  latencyMs: (value) =>
    isNumber(value) && value >= 0 && value <= MAX_LATENCY_MS
      ? undefined
      : `must be a number of milliseconds from 0 to ${MAX_LATENCY_MS}`,
  failRate: probability,
  rateLimitRps: (value) =>
    isNumber(value) && value >= 0
      ? undefined
      : 'must be a number of requests per second, 0 or more',
  dropAfterCommitRate: probability,
  seed: (value) =>
    Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= 0xffffffff
      ? undefined
      : 'must be a whole number from 0 to 4294967295',
  evaluateTotal: isBoolean,
  matchConditions: isCombination,
  matchGroups: isCombination,
  caseInsensitive: isBoolean,
};

/** Keys that may be reset to their default by sending `null` over HTTP. */
const NULLABLE_KEYS = new Set<string>([
  'previewToken',
  'segmentLimit',
  'featureDisabled',
  'latencyMs',
  'failRate',
  'rateLimitRps',
  'dropAfterCommitRate',
  'evaluateTotal',
  'matchConditions',
  'matchGroups',
  'caseInsensitive',
]);

/** Settings whose unset value is not "off": what `undefined` / `null` goes back to. */
const SETTING_DEFAULTS: Partial<EmulatorConfig> = { segmentLimit: DEFAULT_SEGMENT_LIMIT };

/** The configuration with every unset setting that has a default set to it. */
export function withDefaults<T extends Partial<EmulatorConfig>>(config: T): T {
  const complete: Record<string, unknown> = { ...config };
  for (const [key, value] of Object.entries(SETTING_DEFAULTS)) complete[key] ??= value;
  return complete as T;
}

export type ConfigPatchResult =
  { ok: true; patch: Partial<EmulatorConfig> } | { ok: false; problems: string[] };

/**
 * Checks a partial configuration coming from code, flags or JSON. `undefined` (and `null` for
 * optional settings) means "back to the default". `label` names a key in the problem messages,
 * so the CLI can speak of `--fail-rate` where the HTTP endpoint speaks of `failRate`.
 */
export function parseConfigPatch(
  input: unknown,
  label: (key: string) => string = (key) => key,
): ConfigPatchResult {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, problems: ['the configuration must be a JSON object'] };
  }
  const problems: string[] = [];
  const patch: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    const rule = Object.hasOwn(FIELD_RULES, key)
      ? FIELD_RULES[key as keyof EmulatorConfig]
      : undefined;
    if (rule === undefined) {
      problems.push(
        `${label(key)} is not a setting (known: ${Object.keys(FIELD_RULES).join(', ')})`,
      );
      continue;
    }
    if (value === undefined || (value === null && NULLABLE_KEYS.has(key))) {
      if (key === 'token' || key === 'seed') {
        problems.push(`${label(key)} cannot be unset`);
      } else {
        patch[key] = undefined;
      }
      continue;
    }
    const problem = rule(value);
    if (problem === undefined) patch[key] = value;
    else problems.push(`${label(key)} ${problem}`);
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, patch };
}

/** A one-line, human summary of the faults a configuration injects. */
export function describeFaults(config: PublicEmulatorConfig): string {
  const faults: string[] = [];
  if (config.featureDisabled === true) faults.push('custom segments feature disabled');
  if ((config.latencyMs ?? 0) > 0) faults.push(`latency ${config.latencyMs}ms`);
  if ((config.failRate ?? 0) > 0) faults.push(`fail rate ${formatPercent(config.failRate ?? 0)}`);
  if ((config.rateLimitRps ?? 0) > 0) faults.push(`rate limit ${config.rateLimitRps} req/s`);
  if ((config.dropAfterCommitRate ?? 0) > 0) {
    faults.push(`drop after commit ${formatPercent(config.dropAfterCommitRate ?? 0)}`);
  }
  return faults.length === 0 ? 'none' : `${faults.join(', ')} (seed ${config.seed})`;
}

/** The matching rules a configuration sets, each unset one at segsync's assumed default. */
export function matchRulesOf(
  config: Pick<EmulatorConfig, 'matchConditions' | 'matchGroups' | 'caseInsensitive'>,
): MatchRules {
  return {
    conditions: config.matchConditions ?? DEFAULT_MATCH_RULES.conditions,
    groups: config.matchGroups ?? DEFAULT_MATCH_RULES.groups,
    caseInsensitive: config.caseInsensitive ?? DEFAULT_MATCH_RULES.caseInsensitive,
  };
}

/** The pretend account's active-segment limit, for the banner. */
export function describeAccount(config: PublicEmulatorConfig): string {
  const limit = config.segmentLimit ?? DEFAULT_SEGMENT_LIMIT;
  const cap = limit === DEFAULT_SEGMENT_LIMIT ? " (Wati's documented cap)" : '';
  return `at most ${limit} active segments${cap}`;
}

function formatPercent(rate: number): string {
  return `${Number((rate * 100).toFixed(2))}%`;
}
