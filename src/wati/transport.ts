// The wire to Wati, and the only module that imports got. One exchange sends one POST and says
// what came of it, in terms every operation can act on without knowing HTTP libraries:
// - answered: the status, headers and body (read up to MAX_ANSWER_BYTES after decompression, or
//   why it could not be read in full);
// - not sent: the request certainly never left this machine (DNS, connect, TLS handshake);
// - maybe sent: it may have been written before the exchange failed (reset, response timeout…);
// - untrusted certificate: nothing was sent, and no request to this host can succeed as things are.
// What that means for a create or a preview, and whether to try again, is each operation's call
// (create-segment.ts, evaluate-segment.ts): there is no retry here, and redirects are never
// followed (that would resend the body, and the token, to another host).
//
// Redaction: messages are built from error codes, statuses, the host and our own words, never
// from got error objects (they carry the Authorization header). The body is handed over as
// received, because an operation may need to see a secret to refuse it (an id that is the token);
// anything an operation quotes from it goes through `redact` first (redact.ts).

import http from 'node:http';
import https from 'node:https';
import got, { RequestError, TimeoutError } from 'got';
import type { Got } from 'got';
import { packageVersion } from '../core/version.js';
import { createRedactor } from './redact.js';
import type { HttpHeaders } from './server-answer.js';

/**
 * Answers are small: a create's is a few hundred bytes, a preview page of 100 contacts a few tens
 * of kilobytes. Larger answers (counted after decompression, and by their announced
 * Content-Length) are not read.
 */
export const MAX_ANSWER_BYTES = 1024 * 1024;

export interface TransportOptions {
  /** Sent as `Authorization: Bearer <token>`; normalised with normalizeToken. */
  token: string;
  /** Per phase: DNS lookup, TCP connect, TLS handshake. */
  connectTimeoutMs: number;
  /** Waiting for the answer once the request is written, and reading it. */
  responseTimeoutMs: number;
  /** Connections open at once: as many as requests the caller runs at once. */
  maxSockets: number;
}

export type AnswerBody =
  | { read: 'whole'; text: string }
  /** More than MAX_ANSWER_BYTES (decoded or announced): not read. */
  | { read: 'too-large' }
  /** The connection failed while the body was being read (`code` is Node's error code). */
  | { read: 'cut-off'; code: string };

export type Exchange =
  | { kind: 'answered'; status: number; headers: HttpHeaders; body: AnswerBody }
  | { kind: 'not-sent'; reason: string }
  | { kind: 'maybe-sent'; reason: string }
  | { kind: 'untrusted-certificate'; message: string };

export interface Transport {
  /** POSTs `body` (JSON text) to `url`; never throws for anything the network or server does. */
  exchange(url: string, body: string): Promise<Exchange>;
  /** Hides the token (in any encoding) in text quoted from an answer. */
  readonly redact: (text: string) => string;
  /** Destroys the connections; the transport cannot be used afterwards. */
  close(): void;
}

/**
 * How long an idle keep-alive connection is kept. Reusing a connection the server is closing at
 * that very moment resets our request after it may have been written: an unknown outcome for a
 * create. Servers commonly close idle connections after 5 s (Node) to 60 s+ (load balancers), and
 * Node's agent also honours a server's `Keep-Alive: timeout=N` hint (closing 1 s early), so
 * closing our idle sockets after 4 s keeps that race rare while still sparing a TLS handshake per
 * request in a busy run.
 */
const IDLE_SOCKET_TIMEOUT_MS = 4_000;

const USER_AGENT = `segsync/${packageVersion()}`;

export function createTransport(options: TransportOptions): Transport {
  const agents = createAgents(options.maxSockets);
  const send = createSender(options, agents);
  return {
    exchange: (url, body) => exchange(send, url, body, options),
    redact: createRedactor(options.token),
    close() {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}

function createAgents(maxSockets: number): { http: http.Agent; https: https.Agent } {
  const agentOptions: http.AgentOptions = {
    keepAlive: true,
    maxSockets,
    maxFreeSockets: maxSockets,
    timeout: IDLE_SOCKET_TIMEOUT_MS,
    // The most recently used socket is the least likely to have been closed by the server.
    scheduling: 'lifo',
  };
  return { http: new http.Agent(agentOptions), https: new https.Agent(agentOptions) };
}

function createSender(
  { token, connectTimeoutMs, responseTimeoutMs }: TransportOptions,
  agents: { http: http.Agent; https: https.Agent },
): Got {
  return got.extend({
    method: 'POST',
    agent: agents,
    http2: false,
    followRedirect: false,
    throwHttpErrors: false,
    retry: { limit: 0 },
    responseType: 'text',
    timeout: {
      lookup: connectTimeoutMs,
      connect: connectTimeoutMs,
      secureConnect: connectTimeoutMs,
      send: responseTimeoutMs,
      response: responseTimeoutMs,
      read: responseTimeoutMs,
    },
    headers: {
      authorization: `Bearer ${token}`,
      accept: 'application/json',
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
    },
  });
}

async function exchange(
  send: Got,
  url: string,
  body: string,
  timeouts: Pick<TransportOptions, 'connectTimeoutMs' | 'responseTimeoutMs'>,
): Promise<Exchange> {
  // got's promise interface, not its stream one: on Node 24 the stream interface hands a failed
  // TLS handshake over as a plain Error, which would turn "not sent" into "maybe sent". The
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
    return {
      kind: 'answered',
      status: response.statusCode,
      headers: response.headers,
      body: { read: 'whole', text: response.body },
    };
  } catch (error) {
    if (tooLarge) return fromOversizedAnswer(error);
    return fromRequestError(error, new URL(url).host, timeouts);
  }
}

function fromOversizedAnswer(error: unknown): Exchange {
  const response = error instanceof RequestError ? error.response : undefined;
  if (response === undefined) {
    return {
      kind: 'maybe-sent',
      reason: `Wati answered with more than ${MAX_ANSWER_BYTES} bytes (decoded), which were not read`,
    };
  }
  return {
    kind: 'answered',
    status: response.statusCode,
    headers: response.headers,
    body: { read: 'too-large' },
  };
}

// ---------------------------------------------------------------------------------------------
// Network errors: was the request certainly not sent?

/** Errors raised by DNS or by the TCP connect itself: no byte of the request left this machine. */
const PRE_SEND_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);
const PRE_SEND_SYSCALLS = new Set(['connect', 'getaddrinfo', 'queryA', 'queryAaaa']);
const CONNECT_TIMEOUT_EVENTS = new Set(['lookup', 'connect', 'secureConnect']);

function fromRequestError(
  error: unknown,
  host: string,
  timeouts: { connectTimeoutMs: number; responseTimeoutMs: number },
): Exchange {
  if (!(error instanceof RequestError)) {
    // Not got's own error type: nothing tells us where it happened, so assume it may have been sent.
    return maybeSent(`the request failed unexpectedly (${safeName(error)})`);
  }
  const code = safeCode(error.code);

  if (error.response !== undefined) {
    // Headers arrived, then the body failed: the status is known, the body is not.
    const { statusCode, headers } = error.response;
    return { kind: 'answered', status: statusCode, headers, body: { read: 'cut-off', code } };
  }

  if (error instanceof TimeoutError) {
    if (CONNECT_TIMEOUT_EVENTS.has(error.event)) {
      return notSent(
        `could not connect to ${host} within ${timeouts.connectTimeoutMs} ms (${error.event} timeout)`,
      );
    }
    if (error.event === 'response') {
      return maybeSent(
        `no answer from ${host} within ${timeouts.responseTimeoutMs} ms after the request was sent`,
      );
    }
    return maybeSent(
      `the exchange with ${host} timed out (${safeCode(error.event)} timeout) after the request may have been sent`,
    );
  }

  const syscall = syscallOf(error.cause);
  if (PRE_SEND_CODES.has(code) || (syscall !== undefined && PRE_SEND_SYSCALLS.has(syscall))) {
    return notSent(connectFailureReason(code, host));
  }
  const certificateProblem = describeCertificateProblem(code);
  if (certificateProblem !== undefined) {
    // Certificate checks happen during the handshake, before any byte of the request is written.
    // Retrying cannot help, and every other request would meet the same certificate.
    return {
      kind: 'untrusted-certificate',
      message: `the TLS certificate of ${host} cannot be trusted: ${certificateProblem} (${code}); nothing was sent. ${CERTIFICATE_HINT}`,
    };
  }
  if (isTlsHandshakeFailure(code, error)) {
    return notSent(`the TLS handshake with ${host} failed (${code})`);
  }
  if (code === 'ECONNRESET' || code === 'EPIPE') {
    return maybeSent(
      `the connection to ${host} was closed (${code}) after the request may have been sent`,
    );
  }
  return maybeSent(`the request to ${host} failed (${code}) after it may have been sent`);
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

function notSent(reason: string): Exchange {
  return { kind: 'not-sent', reason };
}

function maybeSent(reason: string): Exchange {
  return { kind: 'maybe-sent', reason };
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
