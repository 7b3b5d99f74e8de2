// `POST {endpoint}/api/v1/createCustomSegment`: what one answer means for the segment
// (classify-create.ts) and when to send the same create again.
//
// Safety rules, because Wati has no idempotency key and a duplicate segment is the worst outcome:
// - a create is sent again only when the previous attempt certainly did not create anything: the
//   connection was never established, or Wati answered with a retryable refusal (429, 500, 503);
// - a failure after the request may have been written (reset, timeout waiting for the answer,
//   gateway error) is 'unknown' and never retried; when unsure whether it was sent, it is unknown;
// - an abort signal stops waits between attempts but never a request in flight;
// - a 2xx whose body was not read in full (beyond MAX_ANSWER_BYTES, cut off), or that is not the
//   documented JSON, is unknown (classify-create.ts), never failed;
// - what cannot heal by waiting stops the run instead of being retried per segment: an untrusted
//   TLS certificate, a Retry-After beyond maxRetryAfterMs, a run throttled beyond its budget.
//
// Redaction: server text is scrubbed of the token, in every encoding, before anything is cut to
// length (classify-create.ts), and every message once more here, which also hides partial echoes.

import type { CreateOutcome, WatiPayload } from '../core/model.js';
import type { Timing } from '../core/timing.js';
import { RunWaits, backoffDelay, formatDuration, waitUntil } from './backoff.js';
import { classifyResponse } from './classify-create.js';
import type { Classification } from './classify-create.js';
import { MAX_ANSWER_BYTES } from './transport.js';
import type { Exchange, Transport } from './transport.js';

const CREATE_PATH = '/api/v1/createCustomSegment';

export interface CreatePolicy {
  /** Attempts per create, the first included. */
  maxAttempts: number;
  /**
   * Longest Retry-After honoured; a longer one stops the run at once (reason 'rate-limited'), since
   * waiting hours in a CI job helps nobody. Also caps the backoff.
   */
  maxRetryAfterMs: number;
  /**
   * Total time one run may spend held back by rate limits (429/503), counted as wall time during
   * which some create waits; beyond it the run stops ('rate-limited').
   */
  rateLimitBudgetMs: number;
  /** First backoff ceiling; doubles per attempt (full jitter). */
  baseBackoffMs: number;
  /** Called before each wait for another attempt; `attempt` is the attempt that just failed. */
  onRetry?: ((info: RetryInfo) => void) | undefined;
}

export interface RetryInfo {
  name: string;
  attempt: number;
  delayMs: number;
  reason: string;
}

export interface CreateResult {
  outcome: CreateOutcome;
  /** Requests sent for this create (0 when it was never sent). */
  attempts: number;
}

export interface CreateOptions {
  /** Cancels waits between attempts; never a request already sent. */
  signal?: AbortSignal;
  /** Called just before each attempt is sent (for progress, not for safety). */
  onSent?: () => void;
}

export type CreateSegment = (
  payload: WatiPayload,
  options?: CreateOptions,
) => Promise<CreateResult>;

/** One attempt's meaning for the retry loop. */
type AttemptResult = { kind: 'final'; outcome: CreateOutcome } | RetryableAttempt;

interface RetryableAttempt {
  kind: 'retry';
  reason: string;
  status?: number;
  retryAfterMs?: number;
  pauseOthers: boolean;
}

/** One run's creates: where they go, how, and the rate limit they share. */
interface CreateRun {
  transport: Transport;
  url: string;
  policy: CreatePolicy;
  timing: Timing;
  waits: RunWaits;
}

/** The create operation for one endpoint; every create it makes shares one run's rate limit. */
export function segmentCreator(
  transport: Transport,
  endpoint: string,
  policy: CreatePolicy,
  timing: Timing,
): CreateSegment {
  const run: CreateRun = {
    transport,
    url: `${endpoint}${CREATE_PATH}`,
    policy,
    timing,
    waits: new RunWaits(),
  };
  return (payload, options) => createSegment(run, payload, options);
}

async function createSegment(
  run: CreateRun,
  payload: WatiPayload,
  { signal, onSent }: CreateOptions = {},
): Promise<CreateResult> {
  const { transport, timing, waits } = run;
  // Serialised once: every attempt sends the same bytes. A payload that cannot be serialised is
  // a programmer error and throws here, before anything is sent.
  const body = JSON.stringify(payload);
  if (typeof body !== 'string') throw new TypeError('createSegment needs a JSON payload object');

  let attempts = 0;
  let ownNotBefore = 0;
  for (;;) {
    const allowed = await waitUntil(
      () => Math.max(ownNotBefore, waits.pausedUntil),
      timing,
      signal,
    );
    if (!allowed) return { outcome: notSent(attempts), attempts };
    onSent?.();
    attempts += 1;
    const exchange = await transport.exchange(run.url, body);
    const result = meaningOf(exchange, transport.redact, timing.clock.now().getTime());
    if (result.kind === 'final') return { outcome: result.outcome, attempts };
    const next = nextStep(run, payload.name, result, attempts);
    if ('outcome' in next) return { outcome: next.outcome, attempts };
    ownNotBefore = next.notBefore;
  }
}

/** After a retryable attempt: the final outcome, or when to send again. */
function nextStep(
  { transport, policy, timing, waits }: CreateRun,
  name: string,
  result: RetryableAttempt,
  attempts: number,
): { outcome: CreateOutcome } | { notBefore: number } {
  if (result.retryAfterMs !== undefined && result.retryAfterMs > policy.maxRetryAfterMs) {
    return { outcome: waitTooLong(result, policy.maxRetryAfterMs) };
  }
  if (attempts >= policy.maxAttempts) {
    return { outcome: gaveUp(result, attempts, transport.redact) };
  }

  const now = timing.clock.monotonic();
  const limits = { baseMs: policy.baseBackoffMs, capMs: policy.maxRetryAfterMs };
  let delayMs = backoffDelay(attempts, limits, timing.random);
  if (result.retryAfterMs !== undefined) {
    delayMs = result.retryAfterMs;
    // The rate limit is the account's, not this request's: hold every caller back.
    if (result.pauseOthers) waits.pause(now + delayMs);
  }
  if (result.status === 429 || result.status === 503) {
    const heldMs = waits.hold(now, Math.max(now + delayMs, waits.pausedUntil));
    if (heldMs > policy.rateLimitBudgetMs) {
      return { outcome: budgetSpent(heldMs, policy.rateLimitBudgetMs, result.status) };
    }
  }
  const notBefore = now + delayMs;
  policy.onRetry?.({
    name,
    attempt: attempts,
    delayMs: Math.round(Math.max(notBefore, waits.pausedUntil) - now),
    reason: result.reason,
  });
  return { notBefore };
}

// ---------------------------------------------------------------------------------------------
// What one exchange means for the create

function meaningOf(
  exchange: Exchange,
  redact: (text: string) => string,
  nowMs: number,
): AttemptResult {
  switch (exchange.kind) {
    case 'not-sent':
      return retryable(exchange.reason);
    case 'maybe-sent':
      return unknownOutcome(exchange.reason);
    case 'untrusted-certificate':
      // Every other create would meet the same certificate: stop the run.
      return final({ kind: 'stop', reason: 'untrusted-certificate', message: exchange.message });
    case 'answered':
      return fromAnswer(exchange, redact, nowMs);
  }
}

function fromAnswer(
  answer: Extract<Exchange, { kind: 'answered' }>,
  redact: (text: string) => string,
  nowMs: number,
): AttemptResult {
  const { status, headers, body } = answer;
  const success = status >= 200 && status < 300;
  // A 2xx without its whole body cannot tell whether or which segment was created.
  if (success && body.read === 'too-large') {
    return unknownOutcome(
      `Wati answered HTTP ${status} with more than ${MAX_ANSWER_BYTES} bytes (decoded), which were not read`,
    );
  }
  if (success && body.read === 'cut-off') {
    return unknownOutcome(
      `Wati answered HTTP ${status} but the answer could not be read (${body.code}); the segment may have been created`,
    );
  }
  // A refusal is decided by its status (and Retry-After); a body that was not read is not quoted.
  const text = body.read === 'whole' ? body.text : '';
  return fromClassification(classifyResponse(status, headers, text, redact, nowMs), redact);
}

function fromClassification(
  classification: Classification,
  redact: (text: string) => string,
): AttemptResult {
  switch (classification.kind) {
    case 'created':
      return final({ kind: 'created', id: classification.id });
    case 'failed':
      return final({
        kind: 'failed',
        message: redact(classification.message),
        status: classification.status,
      });
    case 'stop':
      return final({
        kind: 'stop',
        reason: classification.reason,
        message: redact(classification.message),
        status: classification.status,
      });
    case 'unknown':
      return final({ kind: 'unknown', message: redact(classification.message) });
    case 'retry': {
      const pauseOthers = classification.status === 429 || classification.status === 503;
      const base = { kind: 'retry' as const, reason: redact(classification.message) };
      return classification.retryAfterMs === undefined
        ? { ...base, status: classification.status, pauseOthers: false }
        : {
            ...base,
            status: classification.status,
            retryAfterMs: classification.retryAfterMs,
            pauseOthers,
          };
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Outcomes

function final(outcome: CreateOutcome): AttemptResult {
  return { kind: 'final', outcome };
}

function retryable(reason: string): AttemptResult {
  return { kind: 'retry', reason, pauseOthers: false };
}

function unknownOutcome(reason: string): AttemptResult {
  return final({
    kind: 'unknown',
    message: `${reason}; Wati may or may not have created the segment`,
  });
}

function notSent(attempts: number): CreateOutcome {
  return {
    kind: 'not-sent',
    message:
      attempts === 0
        ? 'interrupted before the request was sent'
        : `interrupted while waiting to retry; the ${attempts} earlier attempt(s) certainly did not create the segment`,
  };
}

/** Every attempt met a retryable answer. */
function gaveUp(
  result: RetryableAttempt,
  attempts: number,
  redact: (text: string) => string,
): CreateOutcome {
  if (result.status === 429) {
    // Every other create meets the same limit: stop instead of failing them one by one.
    const message = redact(
      `Wati still answered 429 (rate limited) after ${attempts} attempts for this segment; nothing was created for it. Run apply again later.`,
    );
    return { kind: 'stop', reason: 'rate-limited', message, status: 429 };
  }
  const message = redact(`gave up after ${attempts} attempts: ${result.reason}`);
  return result.status === undefined
    ? { kind: 'failed', message }
    : { kind: 'failed', message, status: result.status };
}

/** A Retry-After longer than segsync waits: the run stops; the wait is named, the header is not quoted. */
function waitTooLong(
  result: { status?: number; retryAfterMs?: number },
  maxMs: number,
): CreateOutcome {
  return {
    kind: 'stop',
    reason: 'rate-limited',
    message: `Wati asked to wait ${formatDuration(result.retryAfterMs ?? 0)} before the next request (HTTP ${result.status ?? '?'} with Retry-After), longer than segsync waits (${formatDuration(maxMs)}); nothing was created for this segment. Run apply again later.`,
    ...(result.status === undefined ? {} : { status: result.status }),
  };
}

function budgetSpent(heldMs: number, budgetMs: number, status: number): CreateOutcome {
  return {
    kind: 'stop',
    reason: 'rate-limited',
    message: `this run has been held back by Wati's rate limit for ${formatDuration(heldMs)}, more than the ${formatDuration(budgetMs)} segsync allows per run; nothing was created for this segment. Run apply again later.`,
    status,
  };
}
