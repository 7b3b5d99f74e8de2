// The only module that talks to Wati (and the only one that imports got).
//
// Safety rules, because Wati has no idempotency key and a duplicate segment is the worst outcome:
// - a create is sent again only when the previous attempt certainly did not create anything: the
//   connection was never established, or Wati answered with a retryable refusal (429, 500, 503);
// - a failure after the request may have been written (reset, timeout waiting for the answer,
//   gateway error) is 'unknown' and never retried; when unsure whether it was sent, it is unknown;
// - an abort signal stops waits between attempts but never a request in flight.
//
// Redaction: messages are built from error codes, statuses and our own words, never from got error
// objects (they carry the Authorization header); server text is scrubbed of the token anyway.

import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import got, { RequestError, TimeoutError } from 'got';
import type { Got } from 'got';
import type { CreateOutcome, WatiPayload } from '../model.js';
import { packageVersion } from '../version.js';
import { classifyResponse } from './classify.js';
import type { Classification } from './classify.js';
import { normalizeEndpoint, normalizeToken } from './endpoint.js';
import { redactSecret } from './redact.js';

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
  /** Longest wait between attempts (caps Retry-After and the backoff). Default 60 s. */
  maxRetryAfterMs?: number;
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
  let closed = false;
  const redact = (text: string) => redactSecret(text, token);

  async function attempt(body: string): Promise<AttemptResult> {
    let status: number;
    let headers: Record<string, string | string[] | undefined>;
    let text: string;
    try {
      const response = await send(url, { body });
      status = response.statusCode;
      headers = response.headers;
      text = response.body;
    } catch (error) {
      return fromRequestError(error, settings, host, redact);
    }
    // Scrub before classifying: the message is capped there, which could leave half a token.
    return fromClassification(classifyResponse(status, headers, redact(text)), redact);
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

      if (attempts >= settings.maxAttempts) {
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
        delayMs = Math.min(result.retryAfterMs, settings.maxRetryAfterMs);
        // The rate limit is the account's, not this request's: hold every caller back.
        if (result.pauseOthers) pausedUntil = Math.max(pausedUntil, now + delayMs);
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

interface Settings {
  connectTimeoutMs: number;
  responseTimeoutMs: number;
  maxAttempts: number;
  maxRetryAfterMs: number;
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
    maxRetryAfterMs: options.maxRetryAfterMs ?? 60_000,
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
  for (const key of ['maxRetryAfterMs', 'baseBackoffMs'] as const) {
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
