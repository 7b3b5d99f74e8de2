// The port through which the rest of segsync talks to Wati: one object per run, with one method
// per Wati call (each an operation module over the shared transport) and close(). The application
// layer sees only these types; the object itself comes from the WatiApiFactory that the
// composition root (src/composition-root.ts) hands out with the other services, so that tests
// can pass fast timings. A new Wati call is one operation module plus one method here.
import type { Group, WatiPayload } from '../core/model.js';
import type { Timing } from '../core/timing.js';
import { segmentCreator } from './create-segment.js';
import type { CreateOptions, CreatePolicy, CreateResult } from './create-segment.js';
import { normalizeEndpoint, normalizeToken, previewBaseOf } from './endpoint.js';
import { segmentEvaluator } from './evaluate-segment.js';
import type { EvaluateOptions, EvaluateResult } from './evaluate-segment.js';
import { createTransport } from './transport.js';
import type { Transport } from './transport.js';

// What callers of the port use of the operations' types (others are added as callers need them).
export type { CreateOptions, CreateResult } from './create-segment.js';
export type { EvaluateCache, EvaluateOptions, EvaluateResult } from './evaluate-segment.js';

export interface WatiApi {
  /** `POST {endpoint}/api/v1/createCustomSegment`, retried only when certainly not created. */
  createSegment(payload: WatiPayload, options?: CreateOptions): Promise<CreateResult>;
  /** `POST {preview host}/api/ext/v3/segments/evaluate`, paged: how many contacts `groups` select. */
  evaluateSegment(
    groups: readonly Group[] | undefined,
    options?: EvaluateOptions,
  ): Promise<EvaluateResult>;
  /** Closes the connections. The object cannot be used afterwards. */
  close(): void;
}

export interface WatiApiOptions {
  /** The account's API endpoint, with its tenant path; normalised with normalizeEndpoint. */
  endpoint: string;
  /** Normalised with normalizeToken. Needed to create; also the preview's, unless previewToken. */
  token?: string;
  /** The preview's host root instead of the endpoint's (normalised); default previewBaseOf(endpoint). */
  previewEndpoint?: string;
  /** The token previews are asked with (a read-only one, say); default `token`. */
  previewToken?: string;
  /** Requests at once: the socket pool follows it. Default 8. */
  concurrency?: number;
  /** Clock, jitter and sleep: the services' (tests pass zero backoff). */
  timing: Timing;
  /** Per phase: DNS lookup, TCP connect, TLS handshake. Default 10 s. */
  connectTimeoutMs?: number;
  /** Waiting for the answer once the request is written, and reading it. Default 30 s. */
  responseTimeoutMs?: number;
  /** Attempts per create, the first included. Default 5. */
  maxAttempts?: number;
  /** Longest Retry-After a create honours (longer: the run stops). Default 2 minutes. */
  maxRetryAfterMs?: number;
  /** Time creates may be held back by rate limits per run. Default 5 minutes. */
  rateLimitBudgetMs?: number;
  /** First backoff ceiling of creates and previews; doubles per attempt. Default 500 ms. */
  baseBackoffMs?: number;
  /** Time previews may spend waiting to ask again per run. Default 30 s. */
  previewRetryBudgetMs?: number;
  /** Called before a create waits to be sent again. */
  onRetry?: CreatePolicy['onRetry'];
}

export type WatiApiFactory = (options: WatiApiOptions) => Promise<WatiApi>;

/** Attempts per preview page request, the first included. */
const PREVIEW_MAX_ATTEMPTS = 5;

export function createWatiApi(options: WatiApiOptions): WatiApi {
  const settings = checkedSettings(options);
  const transportFor = (token: string): Transport =>
    createTransport({
      token,
      connectTimeoutMs: settings.connectTimeoutMs,
      responseTimeoutMs: settings.responseTimeoutMs,
      maxSockets: settings.concurrency,
    });
  const createTransportOrNone =
    options.token === undefined ? undefined : transportFor(options.token);
  const previewToken = options.previewToken ?? options.token;
  const previewTransport =
    previewToken === undefined || previewToken === options.token
      ? createTransportOrNone
      : transportFor(previewToken);

  const create =
    createTransportOrNone === undefined
      ? undefined
      : segmentCreator(createTransportOrNone, options.endpoint, settings, options.timing);
  const evaluate = segmentEvaluator(
    previewTransport,
    options.previewEndpoint ?? previewBaseOf(options.endpoint),
    {
      maxAttempts: PREVIEW_MAX_ATTEMPTS,
      retryBudgetMs: settings.previewRetryBudgetMs,
      baseBackoffMs: settings.baseBackoffMs,
    },
    options.timing,
  );
  let closed = false;
  const refuseClosed = (call: string) => {
    if (closed) throw new Error(`${call} called after the Wati client was closed`);
  };

  // Programmer errors reject, like everything else the methods do.
  return {
    async createSegment(payload, createOptions) {
      refuseClosed('createSegment');
      if (create === undefined) throw new TypeError('createSegment needs WatiApiOptions.token');
      return await create(payload, createOptions);
    },
    async evaluateSegment(groups, evaluateOptions) {
      refuseClosed('evaluateSegment');
      return await evaluate(groups, evaluateOptions);
    },
    close() {
      closed = true;
      createTransportOrNone?.close();
      if (previewTransport !== createTransportOrNone) previewTransport?.close();
    },
  };
}

interface Settings extends CreatePolicy {
  connectTimeoutMs: number;
  responseTimeoutMs: number;
  concurrency: number;
  previewRetryBudgetMs: number;
}

function checkedSettings(options: WatiApiOptions): Settings {
  // Programmer errors: the CLI normalises (and reports bad input) before building the client.
  // The messages never quote the values: a token may be among them.
  const normalisers = { normalizeEndpoint, normalizeToken };
  const normalised = [
    ['endpoint', options.endpoint, 'normalizeEndpoint'],
    ['previewEndpoint', options.previewEndpoint, 'normalizeEndpoint'],
    ['token', options.token, 'normalizeToken'],
    ['previewToken', options.previewToken, 'normalizeToken'],
  ] as const;
  for (const [key, value, normaliser] of normalised) {
    if (value !== undefined && !isNormalised(value, normalisers[normaliser])) {
      throw new TypeError(`WatiApiOptions.${key} must be normalised with ${normaliser}()`);
    }
  }
  const settings: Settings = {
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    responseTimeoutMs: options.responseTimeoutMs ?? 30_000,
    maxAttempts: options.maxAttempts ?? 5,
    maxRetryAfterMs: options.maxRetryAfterMs ?? 120_000,
    rateLimitBudgetMs: options.rateLimitBudgetMs ?? 300_000,
    baseBackoffMs: options.baseBackoffMs ?? 500,
    concurrency: options.concurrency ?? 8,
    previewRetryBudgetMs: options.previewRetryBudgetMs ?? 30_000,
    onRetry: options.onRetry,
  };
  const positive = ['connectTimeoutMs', 'responseTimeoutMs', 'maxAttempts', 'concurrency'] as const;
  for (const key of positive) {
    if (!Number.isInteger(settings[key]) || settings[key] < 1) {
      throw new RangeError(`WatiApiOptions.${key} must be a positive integer`);
    }
  }
  const durations = [
    'maxRetryAfterMs',
    'rateLimitBudgetMs',
    'baseBackoffMs',
    'previewRetryBudgetMs',
  ] as const;
  for (const key of durations) {
    if (!Number.isFinite(settings[key]) || settings[key] < 0) {
      throw new RangeError(`WatiApiOptions.${key} must be a number >= 0`);
    }
  }
  return settings;
}

function isNormalised(value: string, normalize: (input: string) => string): boolean {
  try {
    return normalize(value) === value;
  } catch {
    return false;
  }
}
