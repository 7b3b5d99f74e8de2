// A local server that behaves like Wati's createCustomSegment endpoint and its v3 segment
// preview (evaluate) as documented, with switchable faults (latency, 500s, 429s, dropped
// answers, limits) and counters that expose what a client did wrong (duplicate creates, excess
// concurrency, creates during a preview). node:http only.
//
// Wire format chosen where Wati's is undocumented: a create's error body is
// `{"result": false, "message": "..."}`; an evaluate's is the documented v3 error shape
// `{"code", "message", "timestamp"}`, except "custom segments unavailable", documented as a 400
// with an `error` field; 429 carries `Retry-After` in whole seconds. Evaluate lives at the host
// root, as Wati documents v3 calls: under a tenant path it is a 404, as it would be at Wati.
// Control endpoints live under /__emulator/ (no token): GET state, POST config, POST reset.

import { randomInt } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { createServer } from 'node:http';
import type { IncomingMessage, OutgoingHttpHeaders, Server, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { UsageError, UserError } from '../core/errors.js';
import {
  EVALUATE_CONTACT_LIST_FIELD,
  EVALUATE_PAGE_FIELDS,
  EVALUATE_PATH,
} from '../wati/evaluate-fields.js';
import { DEFAULT_EMULATOR_TOKEN, matchRulesOf, parseConfigPatch, withDefaults } from './config.js';
import type { EmulatorConfig, PublicEmulatorConfig } from './config.js';
import { checkContactRules, INDEX_PLACES, ProblemList } from './contacts.js';
import type { V3Contact } from './contacts.js';
import { checkCreateRequest } from './create-request.js';
import { readDataFile, writeDataFile } from './data-file.js';
import { checkEvaluateRequest } from './evaluate-request.js';
import { matchesFilter } from './matching.js';
import { createSeededRandom } from './random.js';
import { TokenBucket } from './rate-limit.js';
import { EmulatorState } from './state.js';
import type { EmulatorSnapshot, RequestKind } from './state.js';

export { DEFAULT_EMULATOR_TOKEN } from './config.js';
export type { EmulatorConfig } from './config.js';
export type { EmulatorSnapshot } from './state.js';
export type { V3Contact } from './contacts.js';

export interface EmulatorOptions extends Partial<EmulatorConfig> {
  /** Interface to bind; 127.0.0.1 unless told otherwise. */
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** JSON file the state is loaded from on start and written to after each create. */
  dataFile?: string;
  /** The contacts evaluate answers from (none unless given). */
  contacts?: readonly V3Contact[];
  /** In-process observers only: called with each create request's body exactly as received,
   *  before any check (tests compare the bytes segsync sends with the definition's text). */
  onCreateBody?: (body: string) => void;
}

export interface EmulatorHandle {
  /** Base URL to use as WATI_API_ENDPOINT, e.g. http://127.0.0.1:41234 */
  url: string;
  /** Where the preview is answered (POST): at the host root, v3 calls have no tenant path. */
  previewUrl: string;
  port: number;
  token: string;
  snapshot(): EmulatorSnapshot;
  /** Merges a partial configuration; `undefined` values go back to their default. */
  configure(partial: Partial<EmulatorConfig>): void;
  /** Forgets segments and counters and rewinds the fault PRNG to its seed. */
  reset(): void;
  /** Stops listening, cuts open connections and abandons requests still waiting. */
  close(): Promise<void>;
}

// `/api/v1/createCustomSegment`, optionally behind one tenant path segment.
const CREATE_PATH = /^(?:\/([^/]+))?\/api\/v1\/createCustomSegment$/;
/** Documented as a 400 with an `error` field; these words are ours. */
const EVALUATE_UNAVAILABLE = { error: 'Custom segments are not available on your plan' };
const CONTROL_PREFIX = '/__emulator/';
const MAX_BODY_BYTES = 1024 * 1024;
const CONTROL_METHODS = new Map([
  ['state', 'GET'],
  ['config', 'POST'],
  ['reset', 'POST'],
]);

/** What a request path asks for. */
type Endpoint =
  | { kind: 'create'; tenant: string | null }
  | { kind: 'evaluate' }
  | { kind: 'unknown'; message: string };

export async function startEmulator(options: EmulatorOptions = {}): Promise<EmulatorHandle> {
  const {
    host = '127.0.0.1',
    port = 0,
    dataFile,
    onCreateBody,
    contacts = [],
    ...settings
  } = options;
  const problems = new ProblemList();
  checkContactRules(contacts, INDEX_PLACES, problems);
  if (!problems.empty) {
    throw new UsageError(`Invalid emulator contacts:\n${problems.describe()}`);
  }
  const initial = parseConfigPatch({
    ...settings,
    token: settings.token ?? DEFAULT_EMULATOR_TOKEN,
    seed: settings.seed ?? randomInt(0, 0x1_0000_0000),
  });
  if (!initial.ok)
    throw new UsageError(`Invalid emulator settings: ${initial.problems.join('; ')}`);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`Invalid emulator port ${port}: use a whole number from 0 to 65535`);
  }
  const emulator = new Emulator(
    withDefaults(initial.patch as EmulatorConfig & { seed: number }),
    structuredClone(contacts),
    dataFile,
    onCreateBody,
  );
  const boundPort = await emulator.listen(host, port);
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const url = `http://${urlHost}:${boundPort}`;
  return {
    url,
    previewUrl: `${url}${EVALUATE_PATH}`,
    port: boundPort,
    get token() {
      return emulator.token;
    },
    snapshot: () => emulator.snapshot(),
    configure: (partial) => emulator.configure(partial),
    reset: () => emulator.reset(),
    close: () => emulator.close(),
  };
}

class Emulator {
  private config: EmulatorConfig & { seed: number };
  private random: FaultRandoms;
  private bucket: TokenBucket | undefined;
  private readonly state: EmulatorState;
  private readonly server: Server;
  private readonly tasks = new Set<Promise<void>>();
  // Aborted by close() so requests sleeping in the latency timer give up at once.
  private readonly shutdown = new AbortController();
  private closing: Promise<void> | undefined;

  constructor(
    config: EmulatorConfig & { seed: number },
    private readonly contacts: readonly V3Contact[],
    private readonly dataFile: string | undefined,
    private readonly onCreateBody: ((body: string) => void) | undefined,
  ) {
    this.config = config;
    // Every request sleeping in the latency timer listens on it: one per request in flight
    // (apply may run 64 at once), which is not a leak.
    setMaxListeners(0, this.shutdown.signal);
    this.random = createFaultRandoms(config.seed);
    this.bucket = createBucket(config.rateLimitRps);
    this.state = new EmulatorState(dataFile === undefined ? undefined : readDataFile(dataFile));
    // Written once at start so an unwritable path fails now, not on the first create.
    this.persist();
    this.server = createServer((req, res) => this.track(this.route(req, res), res));
  }

  get token(): string {
    return this.config.token;
  }

  async listen(host: string, port: number): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      const onError = (error: ListenError): void => reject(describeListenError(error));
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    const address = this.server.address();
    if (address === null || typeof address === 'string') {
      throw new UserError(`The emulator could not determine its port on ${host}`);
    }
    return address.port;
  }

  snapshot(): EmulatorSnapshot {
    return this.state.snapshot(this.publicConfig(), this.contacts.length);
  }

  configure(partial: Partial<EmulatorConfig>): void {
    const parsed = parseConfigPatch(partial);
    if (!parsed.ok)
      throw new UsageError(`Invalid emulator settings: ${parsed.problems.join('; ')}`);
    this.applyPatch(parsed.patch);
  }

  reset(): void {
    this.state.reset();
    this.random = createFaultRandoms(this.config.seed);
    this.bucket = createBucket(this.config.rateLimitRps);
    this.persist();
  }

  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    const stopped = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.shutdown.abort();
    this.server.closeAllConnections();
    await Promise.allSettled([...this.tasks]);
    await stopped;
    // Keep the final counters for whoever reads the file after the emulator is gone.
    this.persist();
  }

  /** Keeps a handler's promise until it settles so close() can wait for it; never throws. */
  private track(task: Promise<void>, res: ServerResponse): void {
    const tracked = task.catch(() => {
      // The client went away, the body was unreadable, or close() cut a latency wait short:
      // nobody is left to answer.
      res.destroy();
    });
    this.tasks.add(tracked);
    void tracked.finally(() => this.tasks.delete(tracked));
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Split by hand: new URL() would read a path like `//host/api/...` as a host name.
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
    if (path.startsWith(CONTROL_PREFIX)) {
      await this.handleControl(req, res, path.slice(CONTROL_PREFIX.length));
      return;
    }
    const endpoint = findEndpoint(path);
    this.state.beginRequest(countedAs(endpoint));
    try {
      await this.handleWati(req, res, endpoint, performance.now());
    } finally {
      this.state.endRequest();
    }
  }

  /** The steps create and evaluate share: method, token, rate limit, body, latency. */
  private async handleWati(
    req: IncomingMessage,
    res: ServerResponse,
    endpoint: Endpoint,
    arrivedAt: number,
  ): Promise<void> {
    if (endpoint.kind === 'unknown') {
      this.answer(res, 'requests', 404, failure(endpoint.message));
      return;
    }
    const refuse = (status: number, message: string, headers: OutgoingHttpHeaders = {}) =>
      this.answer(
        res,
        countedAs(endpoint),
        status,
        endpoint.kind === 'evaluate' ? v3Error(status, message) : failure(message),
        headers,
      );
    if (req.method !== 'POST') {
      refuse(405, `Method ${req.method} not allowed; use POST`, { Allow: 'POST' });
      return;
    }
    const access = this.accessOf(req.headers.authorization);
    if (typeof access === 'object') {
      refuse(401, access.problem);
      return;
    }
    if (access === 'preview' && endpoint.kind === 'create') {
      refuse(403, 'This token is read-only: it may preview segments but not create them');
      return;
    }
    const admission = this.bucket?.take() ?? { allowed: true };
    if (!admission.allowed) {
      refuse(429, 'Too many requests; retry later', {
        'Retry-After': String(admission.retryAfterSeconds),
      });
      return;
    }
    const body = await readBody(req);
    if (body === undefined) {
      refuse(413, `Request body exceeds ${MAX_BODY_BYTES} bytes`);
      return;
    }
    if (endpoint.kind === 'create') this.onCreateBody?.(body);
    // Everything below happens "on the server" after the latency, so the limit check and the
    // commit see the state as it is when the create actually lands. The latency counts from the
    // request's arrival: reading the body is part of the time the server takes to answer.
    const latencyMs = this.config.latencyMs ?? 0;
    const remainingMs = latencyMs - (performance.now() - arrivedAt);
    if (latencyMs > 0 && remainingMs > 0) {
      await sleep(remainingMs, undefined, { signal: this.shutdown.signal });
    }
    if (endpoint.kind === 'create') this.create(req, res, body, endpoint.tenant);
    else this.evaluate(res, body);
  }

  /** Answers one page of the contacts the filter selects; never creates anything. */
  private evaluate(res: ServerResponse, body: string): void {
    const answer = (status: number, payload: unknown) =>
      this.answer(res, 'evaluateRequests', status, payload);
    const check = checkEvaluateRequest(body);
    if (!check.ok) {
      answer(400, v3Error(400, check.message));
      return;
    }
    if (this.config.featureDisabled === true) {
      answer(400, EVALUATE_UNAVAILABLE);
      return;
    }
    // One draw for every evaluate that gets this far, from a stream of its own: previews do
    // not shift which creates fail for a seed.
    if (this.random.evaluate() < (this.config.failRate ?? 0)) {
      answer(500, v3Error(500, 'failed to evaluate the segment'));
      return;
    }
    const { groups, pageNumber, pageSize } = check.request;
    const rules = matchRulesOf(this.config);
    const matching = this.contacts.filter((contact) => matchesFilter(contact, groups, rules));
    const first = (pageNumber - 1) * pageSize;
    answer(200, {
      [EVALUATE_CONTACT_LIST_FIELD]: matching.slice(first, first + pageSize),
      [EVALUATE_PAGE_FIELDS.number]: pageNumber,
      [EVALUATE_PAGE_FIELDS.size]: pageSize,
      ...(this.config.evaluateTotal === true ? { total: matching.length } : {}),
    });
  }

  private create(
    req: IncomingMessage,
    res: ServerResponse,
    body: string,
    tenant: string | null,
  ): void {
    const refuse = (status: number, message: string) =>
      this.answer(res, 'requests', status, failure(message));
    const check = checkCreateRequest(body);
    if (!check.ok) {
      refuse(400, check.message);
      return;
    }
    if (this.config.featureDisabled === true) {
      refuse(400, 'Custom segments feature is not available for this account');
      return;
    }
    const limit = this.config.segmentLimit;
    if (limit !== undefined && this.state.activeSegments >= limit) {
      refuse(400, `Active segment limit reached for this account (${limit})`);
      return;
    }
    // Two draws for every create that gets this far, whichever faults are on, so the sequence
    // of faults for a seed does not shift when one fault is switched on or off.
    const failDraw = this.random.create();
    const dropDraw = this.random.create();
    if (failDraw < (this.config.failRate ?? 0)) {
      refuse(500, 'failed to create');
      return;
    }
    const segment = this.state.commit(check.payload, tenant, new Date());
    const outcome = dropDraw < (this.config.dropAfterCommitRate ?? 0) ? 'dropped' : 200;
    this.state.recordOutcome('requests', outcome);
    try {
      this.persist();
    } catch (error) {
      this.state.undoCommit(segment);
      this.state.forgetOutcome(outcome);
      refuse(500, `emulator: ${(error as Error).message}`);
      return;
    }
    if (outcome === 'dropped') {
      // The unknown-outcome case: the segment exists but the client never hears about it.
      req.socket.destroy();
      return;
    }
    send(res, 200, { result: true, info: { id: segment.id, name: segment.name } });
  }

  private async handleControl(
    req: IncomingMessage,
    res: ServerResponse,
    action: string,
  ): Promise<void> {
    const expectedMethod = CONTROL_METHODS.get(action);
    if (expectedMethod === undefined) {
      send(res, 404, { message: 'Unknown emulator endpoint; use state, config or reset' });
      return;
    }
    if (req.method !== expectedMethod) {
      send(
        res,
        405,
        { message: `Use ${expectedMethod} /__emulator/${action}` },
        {
          Allow: expectedMethod,
        },
      );
      return;
    }
    if (action === 'state') {
      send(res, 200, this.snapshot());
      return;
    }
    if (action === 'reset') {
      try {
        this.reset();
      } catch (error) {
        // Only the data file write can fail; the in-memory reset has happened.
        send(res, 500, { message: (error as Error).message });
        return;
      }
      send(res, 200, { reset: true });
      return;
    }
    const body = await readBody(req);
    let input: unknown;
    try {
      input = body === undefined ? undefined : JSON.parse(body);
    } catch {
      send(res, 400, { message: 'The configuration is not valid JSON' });
      return;
    }
    const parsed = parseConfigPatch(input);
    if (!parsed.ok) {
      send(res, 400, { message: 'Invalid emulator configuration', problems: parsed.problems });
      return;
    }
    this.applyPatch(parsed.patch);
    send(res, 200, { config: this.publicConfig() });
  }

  private applyPatch(patch: Partial<EmulatorConfig>): void {
    this.config = withDefaults({ ...this.config, ...patch, seed: patch.seed ?? this.config.seed });
    if (patch.seed !== undefined) this.random = createFaultRandoms(patch.seed);
    if ('rateLimitRps' in patch) this.bucket = createBucket(this.config.rateLimitRps);
  }

  /** What the Authorization header grants: everything, previews only, or nothing (why). */
  private accessOf(header: string | undefined): 'full' | 'preview' | { problem: string } {
    if (header === undefined || header.trim() === '') {
      return { problem: 'Missing Authorization header; send "Authorization: Bearer <token>"' };
    }
    const sent = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
    if (sent === this.config.token) return 'full';
    if (sent !== undefined && sent === this.config.previewToken) return 'preview';
    // Never echo what was sent: it may be a real token pasted by mistake.
    return { problem: 'Invalid or expired token' };
  }

  private answer(
    res: ServerResponse,
    kind: RequestKind,
    status: number,
    body: unknown,
    headers: OutgoingHttpHeaders = {},
  ): void {
    this.state.recordOutcome(kind, status);
    send(res, status, body, headers);
  }

  private publicConfig(): PublicEmulatorConfig {
    const { token: _token, previewToken: _previewToken, ...rest } = this.config;
    // Drop unset keys so snapshots show only what is switched on.
    return Object.fromEntries(
      Object.entries(rest).filter(([, value]) => value !== undefined),
    ) as PublicEmulatorConfig;
  }

  private persist(): void {
    if (this.dataFile !== undefined) writeDataFile(this.dataFile, this.state.toPersisted());
  }
}

/** What a request path asks for; a 404 message when it is no endpoint the emulator serves. */
function findEndpoint(path: string): Endpoint {
  if (path === EVALUATE_PATH) return { kind: 'evaluate' };
  const create = CREATE_PATH.exec(path);
  if (create !== null) return { kind: 'create', tenant: create[1] ?? null };
  if (path.endsWith(EVALUATE_PATH)) {
    return {
      kind: 'unknown',
      message: `Not found: v3 calls have no tenant path; use POST ${EVALUATE_PATH} at the host root`,
    };
  }
  return {
    kind: 'unknown',
    message: `Not found: the emulator serves POST [/TENANT]/api/v1/createCustomSegment and POST ${EVALUATE_PATH}`,
  };
}

/** Evaluate requests have counters of their own; everything else counts in `requests`. */
function countedAs(endpoint: Endpoint): RequestKind {
  return endpoint.kind === 'evaluate' ? 'evaluateRequests' : 'requests';
}

/** Separate fault streams for creates and evaluates, both from the one seed. */
interface FaultRandoms {
  create: () => number;
  evaluate: () => number;
}

function createFaultRandoms(seed: number): FaultRandoms {
  return {
    create: createSeededRandom(seed),
    // Another seed derived from the one given: a second stream, as reproducible as the first.
    evaluate: createSeededRandom((seed ^ 0x9e3779b9) >>> 0),
  };
}

function createBucket(rateLimitRps: number | undefined): TokenBucket | undefined {
  return rateLimitRps !== undefined && rateLimitRps > 0 ? new TokenBucket(rateLimitRps) : undefined;
}

function failure(message: string): { result: false; message: string } {
  return { result: false, message };
}

/** The documented v3 error body. */
function v3Error(
  code: number,
  message: string,
): { code: number; message: string; timestamp: string } {
  return { code, message, timestamp: new Date().toISOString() };
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: OutgoingHttpHeaders = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

/**
 * Reads the whole body as UTF-8, or resolves undefined when it passes MAX_BODY_BYTES. An
 * oversized body is still drained (not cut off), so the client can read the 413.
 */
function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () =>
      resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks).toString('utf8')),
    );
    req.on('error', reject);
    // A client hanging up mid-body gives 'close' without 'end' (and not always an 'error').
    req.on('close', () => {
      if (!req.complete) reject(new Error('client closed the connection before the body ended'));
    });
  });
}

/** A listen() failure; Node adds the address and port it tried. */
type ListenError = NodeJS.ErrnoException & { address?: string; port?: number };

function describeListenError(error: ListenError): UserError {
  const where = `${error.address ?? 'the host'}:${error.port ?? '?'}`;
  if (error.code === 'EADDRINUSE') {
    return new UserError(
      `Port ${where} is already in use, so the emulator cannot start.`,
      'Pick another port with --port, or --port 0 for any free port.',
    );
  }
  if (error.code === 'EACCES') {
    return new UserError(
      `Not allowed to listen on ${where}.`,
      'Use a port above 1024, or --port 0 for any free port.',
    );
  }
  return new UserError(`The emulator cannot listen on ${where}: ${error.message}`);
}
