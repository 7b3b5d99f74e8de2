// The only module that talks to Wati (and the only one that imports got).
//
// Safety rules, because Wati has no idempotency key and a duplicate segment is the worst outcome:
// - a create is sent again only when the previous attempt certainly did not create anything: the
//   connection was never established, or Wati answered with a retryable refusal (429, 500, 503);
// - a failure after the request may have been written (reset, timeout waiting for the answer,
//   gateway error) is 'unknown' and never retried; when unsure whether it was sent, it is unknown;
// - an abort signal stops waits between attempts but never a request in flight;
// - an answer is read up to MAX_ANSWER_BYTES (decoded); a 2xx beyond it, cut off, or not the
//   documented JSON is unknown (classify.ts), never failed;
// - what cannot heal by waiting stops the run instead of being retried per segment: an untrusted
//   TLS certificate, a Retry-After beyond maxRetryAfterMs, a run throttled beyond its budget.
//
// Redaction: messages are built from error codes, statuses and our own words, never from got error
// objects (they carry the Authorization header); server text is scrubbed of the token anyway, in
// every encoding, before anything is cut to length (redact.ts).

import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import got, { RequestError, TimeoutError } from 'got';
import type { Got } from 'got';
import type { CreateOutcome, WatiPayload } from '../core/model.js';
import { packageVersion } from '../core/version.js';
import { classifyResponse } from './classify.js';
import type { Classification } from './classify.js';
import { normalizeEndpoint, normalizeToken } from './endpoint.js';
import { createRedactor } from './redact.js';

export interface WatiClientOptions {
  /** Normalised with normalizeEndpoint. */
  endpoint: string;
  /** Normalised with normalizeToken. */
  token: string;
  /** Per phase: DNS lookup, TCP connect, TLS handshake. Default 10 s. */
  connectTimeoutMs?: number;
  /** Waiting for the answer once the request is written, and reading it. Default 30 s. */
  responseTimeoutMs?: number;
  /** Attempts per create, the first included. Default 5. */
  maxAttempts?: number;
  /**
   * Longest Retry-After honoured; a longer one stops the run at once (reason 'rate-limited'), since
   * waiting hours in a CI job helps nobody. Also caps the backoff. Default 2 minutes.
   */
  maxRetryAfterMs?: number;
  /**
   * Total time one client (one apply run) may spend held back by rate limits (429/503), counted
   * as wall time during which some create waits; beyond it the run stops ('rate-limited').
   * Default 5 minutes.
   */
  rateLimitBudgetMs?: number;
  /** First backoff ceiling; doubles per attempt (full jitter). Default 500 ms. */
  baseBackoffMs?: number;
  /** Connections open at once; should be at least the apply concurrency. Default 8. */
  maxSockets?: number;
  /** Jitter source in [0, 1), injectable for tests. Default Math.random. */
  random?: () => number;
  /** Called before each wait for another attempt; `attempt` is the attempt that just failed. */
  onRetry?: (info: { name: string; attempt: number; delayMs: number; reason: string }) => void;
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

export interface WatiClient {
  createSegment(payload: WatiPayload, options?: CreateOptions): Promise<CreateResult>;
  /** Closes idle connections. The client cannot be used afterwards. */
  close(): void;
}

const CREATE_PATH = '/api/v1/createCustomSegment';

/**
 * How long an idle keep-alive connection is kept. Reusing a connection the server is closing at
 * that very moment resets our request after it may have been written: an unknown outcome. Servers
 * commonly close idle connections after 5 s (Node) to 60 s+ (load balancers), and Node's agent also
 * honours a server's `Keep-Alive: timeout=N` hint (closing 1 s early), so closing our idle sockets
 * after 4 s keeps that race rare while still sparing a TLS handshake per create in a busy run.
 */
const IDLE_SOCKET_TIMEOUT_MS = 4_000;

const USER_AGENT = `segsync/${packageVersion()}`;

/** One attempt's meaning for the retry loop. */
type AttemptResult =
  | { kind: 'final'; outcome: CreateOutcome }
  | { kind: 'retry'; reason: string; status?: number; retryAfterMs?: number; pauseOthers: boolean };

export function createWatiClient(options: WatiClientOptions): WatiClient {
  const settings = clientSettings(options);
  const { token } = options;
  const host = new URL(options.endpoint).host;
  const url = `${options.endpoint}${CREATE_PATH}`;

  const agentOptions: http.AgentOptions = {
    keepAlive: true,
    maxSockets: settings.maxSockets,
    maxFreeSockets: settings.maxSockets,
    timeout: IDLE_SOCKET_TIMEOUT_MS,
    // The most recently used socket is the least likely to have been closed by the server.
    scheduling: 'lifo',
  };
  const agents = { http: new http.Agent(agentOptions), https: new https.Agent(agentOptions) };

  const send: Got = got.extend({
    method: 'POST',
    agent: agents,
    http2: false,
    followRedirect: false,
    throwHttpErrors: false,
    retry: { limit: 0 },
    responseType: 'text',
    timeout: {
      lookup: settings.connectTimeoutMs,
      connect: settings.connectTimeoutMs,
      secureConnect: settings.connectTimeoutMs,
      send: settings.responseTimeoutMs,
      response: settings.responseTimeoutMs,
      read: settings.responseTimeoutMs,
    },
    headers: {
      authorization: `Bearer ${token}`,
      accept: 'application/json',
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
    },
  });

  /** Shared "not before" time (performance.now() scale) set by a Retry-After on 429/503. */
  let pausedUntil = 0;
  /** Wall time (union of intervals) some create has waited on a rate limit, and its end so far. */
  let throttledMs = 0;
  let throttledUntil = 0;
  let closed = false;
  const redact = createRedactor(token);

  async function attempt(body: string): Promise<AttemptResult> {
    let status: number;
    let headers: Record<string, string | string[] | undefined>;
    let text: string;
    // got's promise interface, not its stream one: on Node 24 the stream interface hands a failed
    // TLS handshake over as a plain Error, which would turn a retry into an unknown outcome. The
    // promise reports progress as it reads (decoded bytes, after decompression), so an answer is
    // cancelled as soon as it grows past the bound: memory stays small even for a gzip bomb.
    const request = send(url, { body });
    let tooLarge = false;
    void request.on('downloadProgress', ({ transferred, total }) => {
      if (tooLarge || (transferred <= MAX_ANSWER_BYTES && (total ?? 0) <= MAX_ANSWER_BYTES)) return;
      tooLarge = true;
      request.cancel();
    });
    try {
      const response = await request;
      status = response.statusCode;
      headers = response.headers;
      text = response.body;
    } catch (error) {
      if (tooLarge) return fromOversizedAnswer(error, redact);
      return fromRequestError(error, settings, host, redact);
    }
    // The classifier scrubs the decoded text before it cuts anything to length; the final messages
    // are scrubbed once more (fromClassification), which also hides partial echoes.
    return fromClassification(classifyResponse(status, headers, text, redact), redact);
  }

  async function createSegment(
    payload: WatiPayload,
    createOptions: CreateOptions = {},
  ): Promise<CreateResult> {
    if (closed) throw new Error('createSegment called after the Wati client was closed');
    const { signal, onSent } = createOptions;
    // Serialised once: every attempt sends the same bytes. A payload that cannot be serialised is
    // a programmer error and throws here, before anything is sent.
    const body = JSON.stringify(payload);
    if (typeof body !== 'string') throw new TypeError('createSegment needs a JSON payload object');

    let attempts = 0;
    let ownNotBefore = 0;
    for (;;) {
      const waited = await waitUntilAllowed(ownNotBefore, () => pausedUntil, signal);
      if (!waited) return { outcome: notSent(attempts), attempts };
      onSent?.();
      attempts += 1;
      const result = await attempt(body);
      if (result.kind === 'final') return { outcome: result.outcome, attempts };

      const throttled = result.status === 429 || result.status === 503;
      if (result.retryAfterMs !== undefined && result.retryAfterMs > settings.maxRetryAfterMs) {
        return { outcome: waitTooLong(result, settings.maxRetryAfterMs), attempts };
      }
      if (attempts >= settings.maxAttempts) {
        if (result.status === 429) {
          // Every other create meets the same limit: stop instead of failing them one by one.
          const message = redact(
            `Wati still answered 429 (rate limited) after ${attempts} attempts for this segment; nothing was created for it. Run apply again later.`,
          );
          return {
            outcome: { kind: 'stop', reason: 'rate-limited', message, status: 429 },
            attempts,
          };
        }
        const message = redact(`gave up after ${attempts} attempts: ${result.reason}`);
        const outcome: CreateOutcome =
          result.status === undefined
            ? { kind: 'failed', message }
            : { kind: 'failed', message, status: result.status };
        return { outcome, attempts };
      }

      const now = performance.now();
      let delayMs = backoffDelay(attempts, settings);
      if (result.retryAfterMs !== undefined) {
        delayMs = result.retryAfterMs;
        // The rate limit is the account's, not this request's: hold every caller back.
        if (result.pauseOthers) pausedUntil = Math.max(pausedUntil, now + delayMs);
      }
      if (throttled) {
        const waitEnd = Math.max(now + delayMs, pausedUntil);
        throttledMs += Math.max(0, waitEnd - Math.max(now, throttledUntil));
        throttledUntil = Math.max(throttledUntil, waitEnd);
        if (throttledMs > settings.rateLimitBudgetMs) {
          const message = `this run has been held back by Wati's rate limit for ${formatDuration(throttledMs)}, more than the ${formatDuration(settings.rateLimitBudgetMs)} segsync allows per run; nothing was created for this segment. Run apply again later.`;
          return {
            outcome: { kind: 'stop', reason: 'rate-limited', message, status: result.status! },
            attempts,
          };
        }
      }
      ownNotBefore = now + delayMs;
      settings.onRetry?.({
        name: payload.name,
        attempt: attempts,
        delayMs: Math.round(Math.max(ownNotBefore, pausedUntil) - now),
        reason: result.reason,
      });
    }
  }

  return {
    createSegment,
    close() {
      closed = true;
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}

// ---------------------------------------------------------------------------------------------

/**
 * A create's answer is a few hundred bytes. Larger answers (counted after decompression, and by
 * their announced Content-Length) are not read: a 2xx among them is an unknown outcome.
 */
export const MAX_ANSWER_BYTES = 1024 * 1024;

function fromOversizedAnswer(error: unknown, redact: (text: string) => string): AttemptResult {
  const response = error instanceof RequestError ? error.response : undefined;
  if (response === undefined || (response.statusCode >= 200 && response.statusCode < 300)) {
    const status = response === undefined ? '' : ` HTTP ${response.statusCode}`;
    return unknownOutcome(
      `Wati answered${status} with more than ${MAX_ANSWER_BYTES} bytes (decoded), which were not read`,
    );
  }
  // A refusal is decided by its status (and Retry-After); the oversized body is not quoted.
  return fromClassification(classifyResponse(response.statusCode, response.headers, ''), redact);
}

// ---------------------------------------------------------------------------------------------

interface Settings {
  connectTimeoutMs: number;
  responseTimeoutMs: number;
  maxAttempts: number;
  maxRetryAfterMs: number;
  rateLimitBudgetMs: number;
  baseBackoffMs: number;
  maxSockets: number;
  random: () => number;
  onRetry: WatiClientOptions['onRetry'];
}

function clientSettings(options: WatiClientOptions): Settings {
  // Programmer errors: the CLI normalises (and reports bad input) before building the client.
  if (normalizeEndpoint(options.endpoint) !== options.endpoint) {
    throw new TypeError('WatiClientOptions.endpoint must be normalised with normalizeEndpoint()');
  }
  if (normalizeToken(options.token) !== options.token) {
    throw new TypeError('WatiClientOptions.token must be normalised with normalizeToken()');
  }
  const settings: Settings = {
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    responseTimeoutMs: options.responseTimeoutMs ?? 30_000,
    maxAttempts: options.maxAttempts ?? 5,
    maxRetryAfterMs: options.maxRetryAfterMs ?? 120_000,
    rateLimitBudgetMs: options.rateLimitBudgetMs ?? 300_000,
    baseBackoffMs: options.baseBackoffMs ?? 500,
    maxSockets: options.maxSockets ?? 8,
    random: options.random ?? Math.random,
    onRetry: options.onRetry,
  };
  const positive = ['connectTimeoutMs', 'responseTimeoutMs', 'maxAttempts', 'maxSockets'] as const;
  for (const key of positive) {
    if (!Number.isInteger(settings[key]) || settings[key] < 1) {
      throw new RangeError(`WatiClientOptions.${key} must be a positive integer`);
    }
  }
  for (const key of ['maxRetryAfterMs', 'rateLimitBudgetMs', 'baseBackoffMs'] as const) {
    if (!Number.isFinite(settings[key]) || settings[key] < 0) {
      throw new RangeError(`WatiClientOptions.${key} must be a number >= 0`);
    }
  }
  return settings;
}

/** Full jitter: uniform in [0, min(cap, base·2^(n-1))), where n is the attempt that just failed. */
function backoffDelay(failedAttempts: number, settings: Settings): number {
  const ceiling = Math.min(
    settings.maxRetryAfterMs,
    settings.baseBackoffMs * 2 ** (failedAttempts - 1),
  );
  const fraction = Math.min(Math.max(settings.random(), 0), 1);
  return Math.floor(fraction * ceiling);
}

/**
 * Waits until both our own backoff and the shared pause have passed; the shared pause is read
 * again after each sleep because another caller may have extended it. False if aborted.
 */
async function waitUntilAllowed(
  ownNotBefore: number,
  sharedNotBefore: () => number,
  signal: AbortSignal | undefined,
): Promise<boolean> {
  for (;;) {
    if (signal?.aborted) return false;
    const remaining = Math.max(ownNotBefore, sharedNotBefore()) - performance.now();
    if (remaining <= 0) return true;
    if (!(await sleep(Math.ceil(remaining), signal))) return false;
  }
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  return delay(ms, undefined, signal ? { signal } : {}).then(
    () => true,
    () => false,
  );
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

/** A wait for people: seconds, minutes, hours, days or years, rounded. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return 'an unbounded time';
  const seconds = ms / 1000;
  const units: [number, string][] = [
    [365.25 * 86_400, 'years'],
    [86_400, 'days'],
    [3_600, 'hours'],
    [60, 'minutes'],
  ];
  for (const [size, unit] of units) {
    if (seconds >= 2 * size) return `${Math.round(seconds / size)} ${unit}`;
  }
  return `${Math.round(seconds)} s`;
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

function fromClassification(
  classification: Classification,
  redact: (text: string) => string,
): AttemptResult {
  switch (classification.kind) {
    case 'created':
      return { kind: 'final', outcome: { kind: 'created', id: classification.id } };
    case 'failed':
      return {
        kind: 'final',
        outcome: {
          kind: 'failed',
          message: redact(classification.message),
          status: classification.status,
        },
      };
    case 'stop':
      return {
        kind: 'final',
        outcome: {
          kind: 'stop',
          reason: classification.reason,
          message: redact(classification.message),
          status: classification.status,
        },
      };
    case 'unknown':
      return {
        kind: 'final',
        outcome: { kind: 'unknown', message: redact(classification.message) },
      };
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
// Network errors: was the request certainly not sent?

/** Errors raised by DNS or by the TCP connect itself: no byte of the request left this machine. */
const PRE_SEND_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);
const PRE_SEND_SYSCALLS = new Set(['connect', 'getaddrinfo', 'queryA', 'queryAaaa']);
const CONNECT_TIMEOUT_EVENTS = new Set(['lookup', 'connect', 'secureConnect']);

function fromRequestError(
  error: unknown,
  settings: Settings,
  host: string,
  redact: (text: string) => string,
): AttemptResult {
  if (!(error instanceof RequestError)) {
    // Not got's own error type: nothing tells us where it happened, so assume it may have been sent.
    return unknownOutcome(`the request failed unexpectedly (${safeName(error)})`);
  }
  const code = safeCode(error.code);

  if (error.response !== undefined) {
    // Headers arrived, then the body failed. A non-2xx status already decides (with an empty body);
    // a 2xx without its body cannot tell whether or which segment was created.
    const status = error.response.statusCode;
    if (status >= 200 && status < 300) {
      return unknownOutcome(
        `Wati answered HTTP ${status} but the answer could not be read (${code}); the segment may have been created`,
      );
    }
    return fromClassification(classifyResponse(status, error.response.headers, ''), redact);
  }

  if (error instanceof TimeoutError) {
    if (CONNECT_TIMEOUT_EVENTS.has(error.event)) {
      return retryable(
        `could not connect to ${host} within ${settings.connectTimeoutMs} ms (${error.event} timeout)`,
      );
    }
    if (error.event === 'response') {
      return unknownOutcome(
        `no answer from ${host} within ${settings.responseTimeoutMs} ms after the request was sent`,
      );
    }
    return unknownOutcome(
      `the exchange with ${host} timed out (${safeCode(error.event)} timeout) after the request may have been sent`,
    );
  }

  const syscall = syscallOf(error.cause);
  if (PRE_SEND_CODES.has(code) || (syscall !== undefined && PRE_SEND_SYSCALLS.has(syscall))) {
    return retryable(connectFailureReason(code, host));
  }
  const certificateProblem = describeCertificateProblem(code);
  if (certificateProblem !== undefined) {
    // Certificate checks happen during the handshake, before any byte of the request is written.
    // Retrying cannot help, and every other create would meet the same certificate: stop the run.
    return {
      kind: 'final',
      outcome: {
        kind: 'stop',
        reason: 'untrusted-certificate',
        message: `the TLS certificate of ${host} cannot be trusted: ${certificateProblem} (${code}); nothing was sent. ${CERTIFICATE_HINT}`,
      },
    };
  }
  if (isTlsHandshakeFailure(code, error)) {
    return retryable(`the TLS handshake with ${host} failed (${code})`);
  }
  if (code === 'ECONNRESET' || code === 'EPIPE') {
    return unknownOutcome(
      `the connection to ${host} was closed (${code}) after the request may have been sent`,
    );
  }
  return unknownOutcome(`the request to ${host} failed (${code}) after it may have been sent`);
}

const CERTIFICATE_HINT =
  'If a company proxy inspects TLS or the endpoint uses a private certificate authority, give Node its CA certificate: NODE_EXTRA_CA_CERTS=/path/to/ca.pem segsync apply …; otherwise check that the endpoint is the one shown in the Wati dashboard.';

/** What an OpenSSL / Node certificate verification code means, or undefined for other errors. */
function describeCertificateProblem(code: string): string | undefined {
  switch (code) {
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
      return 'it is self-signed';
    case 'SELF_SIGNED_CERT_IN_CHAIN':
      return 'its chain ends in a self-signed certificate authority this machine does not trust';
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return 'it is signed by a certificate authority this machine does not know';
    case 'CERT_HAS_EXPIRED':
      return 'it has expired (or the clock of this machine is wrong)';
    case 'CERT_NOT_YET_VALID':
      return 'it is not valid yet (or the clock of this machine is wrong)';
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
    case 'HOSTNAME_MISMATCH':
      return 'it was issued for another host name';
  }
  if (/^(CERT_|UNABLE_TO_|INVALID_CA$|PATH_LENGTH_EXCEEDED$|INVALID_PURPOSE$)/.test(code)) {
    return 'it failed verification';
  }
  return undefined;
}

/**
 * A failed TLS handshake: application data (our request) is only written once the handshake is
 * complete, so nothing was sent. Requires both a TLS error code and a handshake that never finished.
 */
function isTlsHandshakeFailure(code: string, error: RequestError): boolean {
  const tlsCode =
    code.startsWith('ERR_SSL_') ||
    code.startsWith('ERR_TLS_') ||
    code === 'EPROTO' ||
    /^(CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH)/.test(code);
  const timings = error.timings;
  return tlsCode && timings !== undefined && timings.secureConnect === undefined;
}

function connectFailureReason(code: string, host: string): string {
  switch (code) {
    case 'ECONNREFUSED':
      return `could not connect to ${host} (connection refused)`;
    case 'ENOTFOUND':
      return `could not find the host ${host} (ENOTFOUND); check the endpoint and the network`;
    case 'EAI_AGAIN':
      return `the DNS lookup of ${host} failed temporarily (EAI_AGAIN)`;
    default:
      return `could not connect to ${host} (${code})`;
  }
}

function retryable(reason: string): AttemptResult {
  return { kind: 'retry', reason, pauseOthers: false };
}

function unknownOutcome(reason: string): AttemptResult {
  return {
    kind: 'final',
    outcome: {
      kind: 'unknown',
      message: `${reason}; Wati may or may not have created the segment`,
    },
  };
}

function syscallOf(cause: unknown): string | undefined {
  if (typeof cause !== 'object' || cause === null || !('syscall' in cause)) return undefined;
  const syscall = cause.syscall;
  return typeof syscall === 'string' ? syscall : undefined;
}

/** Error codes are Node's constants; anything else is not echoed. */
function safeCode(code: unknown): string {
  return typeof code === 'string' && /^[A-Za-z0-9_]{1,60}$/.test(code) ? code : 'unknown error';
}

function safeName(error: unknown): string {
  if (error instanceof Error) return safeCode(error.name);
  return typeof error;
}
