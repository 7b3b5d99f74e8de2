// `POST {host}/api/ext/v3/segments/evaluate`: how many contacts a filter selects, asked of Wati's
// read-only preview, which persists nothing.
//
// - A read is safe to send again: connect failures, lost answers, 5xx and 429 are asked again
//   (honouring Retry-After, which holds every preview of the run back) while the run's time
//   budget for waiting lasts; the other failures end the count at once.
// - The answer's body is not documented: pages of `contact_list` (evaluate-fields.ts) are read
//   100 at a time until a short page or the page budget (default 10 pages = 1,000 contacts). Below
//   the budget the count is exact; when the budget is spent it is "at least" the contacts counted,
//   unless every page carried the same `total`, a whole number no smaller than what was counted.
// - Every failure is ONE typed reason (PreviewFailureReason) with a message, for the caller's
//   single warning per run: never a throw for anything the network or the server does.
// - Contacts are counted, never kept: the only way out for one is an explicit `sample: K` (for
//   `segsync preview --sample`, which masks them), and then only its name and phone, bounded.
//   Nothing quoted from an answer can carry them either: a 2xx is never quoted, only described.
//
// Same transport as create (transport.ts): the answer bound, redaction, TLS and no redirects.

import { digestOfSmall } from '../core/canonical-json.js';
import { isRecord } from '../core/guards.js';
import type { Group } from '../core/model.js';
import type { Timing } from '../core/timing.js';
import { RunWaits, backoffDelay, formatDuration, waitUntil } from './backoff.js';
import {
  EVALUATE_CONTACT_LIST_FIELD,
  EVALUATE_MAX_PAGE_SIZE,
  EVALUATE_PAGE_FIELDS,
  EVALUATE_PATH,
} from './evaluate-fields.js';
import {
  describeNonJson,
  extractServerMessage,
  headerValue,
  parseJsonBody,
  parseRetryAfter,
  redirectTarget,
} from './server-answer.js';
import { MAX_ANSWER_BYTES } from './transport.js';
import type { AnswerBody, Exchange, Transport } from './transport.js';

/** Pages read at most per count: 10 pages of 100 = 1,000 contacts. */
const DEFAULT_PAGE_BUDGET = 10;
const PAGE_SIZE = EVALUATE_MAX_PAGE_SIZE;
const MAX_PAGE_BUDGET = 1_000;
const MAX_SAMPLE = 100;
/** A sampled contact's name or phone is cut to this many characters. */
const MAX_SAMPLE_TEXT = 200;

export type PreviewFailureReason =
  /** No token to ask with (nothing was sent). */
  | 'no-token'
  /** 401/403: the token is wrong, expired or lacks the scope. */
  | 'unauthorized'
  /** 400 with an `error` field: custom segments are not available on the account's plan. */
  | 'feature-unavailable'
  /** Another 4xx: Wati refused the filter (or segsync's request). */
  | 'invalid-request'
  /** Still 429 after every attempt, or the run's time budget for waiting is spent. */
  | 'rate-limited'
  /** Not reachable: DNS, connect, TLS (an untrusted certificate too), lost answers, 5xx. */
  | 'network'
  /** An answer that is not a page of contacts: HTML, not JSON, no contact_list, a redirect, 404. */
  | 'unexpected-answer'
  /** A page larger than the answer bound (MAX_ANSWER_BYTES), which was not read. */
  | 'too-large';

export interface PreviewPolicy {
  /** Attempts per page request, the first included. */
  maxAttempts: number;
  /**
   * Wall time the previews of one run may spend waiting to ask again (backoff and Retry-After,
   * overlapping waits counted once); beyond it a count fails with 'rate-limited' or 'network'.
   */
  retryBudgetMs: number;
  /** First backoff ceiling; doubles per attempt (full jitter). */
  baseBackoffMs: number;
}

export interface EvaluateOptions {
  /** Pages of 100 read at most (1–1000); default DEFAULT_PAGE_BUDGET. */
  pageBudget?: number;
  /**
   * The run's results, shared across calls: a Map the caller creates and passes to every call
   * (keyed by preview URL, page budget and payload digest). Default: the WatiApi's own.
   */
  cache?: EvaluateCache;
  /**
   * ONLY for `segsync preview --sample`, which masks what it shows: also return up to this many
   * (1–100) of the matching contacts' names and phone numbers. Such a count is never cached.
   */
  sample?: number;
}

export type EvaluateCache = Map<string, Promise<EvaluateResult>>;

export type EvaluateResult = AudienceCount | PreviewFailure;

export interface AudienceCount {
  ok: true;
  /** Contacts the filter selects: exactly, or at least this many when `exact` is false. */
  count: number;
  exact: boolean;
  /** HTTP requests this call sent (0 when the result came from the cache). */
  requests: number;
  /** Only when asked for with `sample`. */
  sample?: SampledContact[];
}

export interface PreviewFailure {
  ok: false;
  reason: PreviewFailureReason;
  /** Plain text, scrubbed of the token; escaped by whoever shows it. */
  message: string;
  requests: number;
}

export interface SampledContact {
  name: string;
  phone: string;
}

export type EvaluateSegment = (
  groups: readonly Group[] | undefined,
  options?: EvaluateOptions,
) => Promise<EvaluateResult>;

/** What one page request came to, for the paging loop. */
type PageAnswer = { kind: 'page'; contacts: readonly unknown[]; total: unknown } | Failed;
type Failed = { kind: 'failed'; reason: PreviewFailureReason; message: string };
interface RetryablePage {
  kind: 'retry';
  reason: 'rate-limited' | 'network';
  message: string;
  retryAfterMs?: number;
  /** A rate limit is the account's: every preview of the run waits for it. */
  pauseOthers: boolean;
}

/** One run's preview: where it asks, how, and what its calls share. */
interface PreviewRun {
  /** Undefined without a token: nothing is sent. */
  transport: Transport | undefined;
  url: string;
  policy: PreviewPolicy;
  timing: Timing;
  waits: RunWaits;
  cache: EvaluateCache;
}

/**
 * The preview operation at `previewBase` (a host root: v3 calls carry no tenant path). Without
 * a transport (no token), every count fails with 'no-token' and nothing is sent.
 */
export function segmentEvaluator(
  transport: Transport | undefined,
  previewBase: string,
  policy: PreviewPolicy,
  timing: Timing,
): EvaluateSegment {
  const run: PreviewRun = {
    transport,
    url: `${previewBase}${EVALUATE_PATH}`,
    policy,
    timing,
    waits: new RunWaits(),
    cache: new Map(),
  };
  return (groups, options) => evaluateSegment(run, groups, options);
}

async function evaluateSegment(
  run: PreviewRun,
  groups: readonly Group[] | undefined,
  options: EvaluateOptions = {},
): Promise<EvaluateResult> {
  const pageBudget = options.pageBudget ?? DEFAULT_PAGE_BUDGET;
  checkWholeNumber('pageBudget', pageBudget, 1, MAX_PAGE_BUDGET);
  if (options.sample !== undefined) checkWholeNumber('sample', options.sample, 1, MAX_SAMPLE);
  const { transport } = run;
  if (transport === undefined) {
    return {
      ok: false,
      reason: 'no-token',
      message: 'no API token to ask Wati for the preview with',
      requests: 0,
    };
  }
  // Contacts stay out of the cache: a sampled count is computed for its one caller.
  if (options.sample !== undefined) {
    return countAudience(run, transport, groups, pageBudget, options.sample);
  }
  const cache = options.cache ?? run.cache;
  const key = `${run.url} ${pageBudget} ${digestOfSmall(groups ?? [])}`;
  const known = cache.get(key);
  if (known !== undefined) return { ...(await known), requests: 0 };
  const counting = countAudience(run, transport, groups, pageBudget, undefined);
  cache.set(key, counting);
  const result = await counting;
  // A failure is not kept: a later call of the run may ask again.
  if (!result.ok && cache.get(key) === counting) cache.delete(key);
  return result;
}

async function countAudience(
  run: PreviewRun,
  transport: Transport,
  groups: readonly Group[] | undefined,
  pageBudget: number,
  sampleSize: number | undefined,
): Promise<EvaluateResult> {
  let requests = 0;
  let counted = 0;
  /** undefined before the first page; null once a page had none or disagreed. */
  let total: number | null | undefined;
  const sample: SampledContact[] = [];
  const counts = (count: number, exact: boolean): AudienceCount => ({
    ok: true,
    count,
    exact,
    requests,
    ...(sampleSize === undefined ? {} : { sample }),
  });
  for (let page = 1; page <= pageBudget; page++) {
    const fetched = await fetchPage(run, transport, pageRequest(groups, page));
    requests += fetched.requests;
    const { answer } = fetched;
    if (answer.kind === 'failed') {
      return { ok: false, reason: answer.reason, message: answer.message, requests };
    }
    const { contacts } = answer;
    if (contacts.length > PAGE_SIZE) {
      const message = `Wati's preview answered ${contacts.length} contacts for a page of ${PAGE_SIZE}: pages cannot be counted`;
      return { ok: false, reason: 'unexpected-answer', message, requests };
    }
    counted += contacts.length;
    total = consistentTotal(total, answer.total, counted);
    if (sampleSize !== undefined) takeSample(sample, contacts, sampleSize);
    if (contacts.length < PAGE_SIZE) return counts(counted, true);
  }
  // The budget is spent on full pages: there may be more.
  return typeof total === 'number' ? counts(total, true) : counts(counted, false);
}

/** One page, asked again while that is worth it. */
async function fetchPage(
  run: PreviewRun,
  transport: Transport,
  body: string,
): Promise<{ answer: PageAnswer; requests: number }> {
  const { timing, waits } = run;
  for (let attempts = 1; ; attempts++) {
    const exchange = await transport.exchange(run.url, body);
    const answer = readPage(exchange, transport.redact, timing.clock.now().getTime());
    if (answer.kind !== 'retry') return { answer, requests: attempts };
    const next = nextWait(run, answer, attempts);
    if ('kind' in next) return { answer: next, requests: attempts };
    await waitUntil(() => Math.max(next.notBefore, waits.pausedUntil), timing, undefined);
  }
}

/** After a retryable answer: a failure, or when to ask again. */
function nextWait(
  { policy, timing, waits }: PreviewRun,
  page: RetryablePage,
  attempts: number,
): Failed | { notBefore: number } {
  if (attempts >= policy.maxAttempts) {
    return failed(page.reason, `${page.message} (gave up after ${attempts} attempts)`);
  }
  const now = timing.clock.monotonic();
  const limits = { baseMs: policy.baseBackoffMs, capMs: policy.retryBudgetMs };
  const delayMs = page.retryAfterMs ?? backoffDelay(attempts, limits, timing.random);
  const heldMs = waits.hold(now, Math.max(now + delayMs, waits.pausedUntil));
  if (heldMs > policy.retryBudgetMs) {
    return failed(
      page.reason,
      `the previews of this run would wait ${formatDuration(heldMs)} for Wati, more than the ${formatDuration(policy.retryBudgetMs)} segsync allows (last answer: ${page.message})`,
    );
  }
  if (page.retryAfterMs !== undefined && page.pauseOthers) waits.pause(now + delayMs);
  return { notBefore: now + delayMs };
}

function pageRequest(groups: readonly Group[] | undefined, page: number): string {
  return JSON.stringify({
    groups: groups ?? [],
    [EVALUATE_PAGE_FIELDS.number]: page,
    [EVALUATE_PAGE_FIELDS.size]: PAGE_SIZE,
  });
}

/** The total so far: every page's `total` the same whole number, never below what was counted. */
function consistentTotal(
  previous: number | null | undefined,
  reported: unknown,
  counted: number,
): number | null {
  if (previous === null || typeof reported !== 'number') return null;
  if (!Number.isSafeInteger(reported) || reported < 0) return null;
  if (previous !== undefined && previous !== reported) return null;
  return reported >= counted ? reported : null;
}

function takeSample(sample: SampledContact[], contacts: readonly unknown[], size: number): void {
  for (const contact of contacts) {
    if (sample.length >= size) return;
    if (!isRecord(contact)) continue;
    sample.push({ name: sampleText(contact['name']), phone: sampleText(contact['phone']) });
  }
}

function sampleText(value: unknown): string {
  return typeof value === 'string' ? value.slice(0, MAX_SAMPLE_TEXT) : '';
}

// ---------------------------------------------------------------------------------------------
// What one exchange means for the count

function readPage(
  exchange: Exchange,
  redact: (text: string) => string,
  nowMs: number,
): PageAnswer | RetryablePage {
  switch (exchange.kind) {
    case 'not-sent':
    case 'maybe-sent':
      // A read changes nothing: whether or not it reached Wati, asking again is safe.
      return { kind: 'retry', reason: 'network', message: exchange.reason, pauseOthers: false };
    case 'untrusted-certificate':
      return failed('network', exchange.message);
    case 'answered':
      return readAnswer(exchange, redact, nowMs);
  }
}

function readAnswer(
  answer: Extract<Exchange, { kind: 'answered' }>,
  redact: (text: string) => string,
  nowMs: number,
): PageAnswer | RetryablePage {
  const { status, headers, body } = answer;
  if (status >= 200 && status < 300) return readContactPage(status, body);
  // A refusal is decided by its status; a body that was not read is not quoted.
  const text = body.read === 'whole' ? body.text : '';
  const server = extractServerMessage(text, redact);
  const answered = (note = '') =>
    redact(
      `Wati's preview answered HTTP ${status}${note}${server === undefined ? '' : `: ${server}`}`,
    );

  if (status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfter(headerValue(headers, 'retry-after'), nowMs);
    return {
      kind: 'retry',
      reason: status === 429 ? 'rate-limited' : 'network',
      message: answered(status === 429 ? ' (rate limited)' : ''),
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      pauseOthers: status === 429 || status === 503,
    };
  }
  if (status >= 300 && status < 400) {
    const target = redirectTarget(headerValue(headers, 'location'));
    return failed(
      'unexpected-answer',
      `the preview endpoint redirects ${target} (HTTP ${status}); redirects are not followed: check the preview endpoint`,
    );
  }
  if (status === 401 || status === 403) {
    return failed(
      'unauthorized',
      `${answered(' (not authorised)')}; check the token used for previews: it needs the api, wati_integration:read or segmentsv3:read scope`,
    );
  }
  if (status === 400 && hasErrorField(text)) {
    return failed(
      'feature-unavailable',
      `custom segments are not available for this Wati account (${answered()})`,
    );
  }
  if (status === 404 || status === 405) {
    return failed(
      'unexpected-answer',
      `${answered(' (no such API)')}; check the preview endpoint: v3 calls live at the host root, without the tenant path`,
    );
  }
  if (status >= 400 && status < 500) return failed('invalid-request', answered());
  return failed('unexpected-answer', `${answered()} (an unexpected status)`);
}

/**
 * A 2xx is a page of contacts or nothing usable. It is described, never quoted: whatever it holds
 * instead of `contact_list` may be contacts.
 */
function readContactPage(status: number, body: AnswerBody): PageAnswer | RetryablePage {
  if (body.read === 'too-large') {
    return failed(
      'too-large',
      `Wati's preview answered HTTP ${status} with more than ${MAX_ANSWER_BYTES} bytes (decoded) for a page of ${PAGE_SIZE} contacts, which were not read`,
    );
  }
  if (body.read === 'cut-off') {
    return {
      kind: 'retry',
      reason: 'network',
      message: `Wati's preview answered HTTP ${status} but the answer could not be read (${body.code})`,
      pauseOthers: false,
    };
  }
  const json = parseJsonBody(body.text);
  if (!isRecord(json)) {
    return failed(
      'unexpected-answer',
      `Wati's preview answered HTTP ${status} with ${describeNonJson(body.text)}`,
    );
  }
  const contacts = json[EVALUATE_CONTACT_LIST_FIELD];
  if (!Array.isArray(contacts)) {
    return failed(
      'unexpected-answer',
      `Wati's preview answered HTTP ${status} with JSON that has no ${EVALUATE_CONTACT_LIST_FIELD} list`,
    );
  }
  return { kind: 'page', contacts, total: json['total'] };
}

/** Wati documents "custom segments unavailable" as a 400 whose JSON has an `error` field. */
function hasErrorField(text: string): boolean {
  const json = parseJsonBody(text);
  return isRecord(json) && json['error'] !== undefined && json['error'] !== null;
}

function failed(reason: PreviewFailureReason, message: string): Failed {
  return { kind: 'failed', reason, message };
}

function checkWholeNumber(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`evaluateSegment: ${name} must be a whole number from ${min} to ${max}`);
  }
}
