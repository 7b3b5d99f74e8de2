// A local server that behaves like Wati's createCustomSegment endpoint as documented, with
// switchable faults (latency, 500s, 429s, dropped answers, limits) and counters that expose
// what a client did wrong (duplicate creates, excess concurrency). node:http only.
//
// Wire format chosen where Wati's is undocumented: every error body is
// `{"result": false, "message": "..."}`; 429 carries `Retry-After` in whole seconds.
// Control endpoints live under /__emulator/ (no token): GET state, POST config, POST reset.

import { randomInt } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { createServer } from 'node:http';
import type { IncomingMessage, OutgoingHttpHeaders, Server, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { UsageError, UserError } from '../errors.js';
import { DEFAULT_EMULATOR_TOKEN, parseConfigPatch } from './config.js';
import type { EmulatorConfig, PublicEmulatorConfig } from './config.js';
import { checkCreateRequest } from './create-request.js';
import { readDataFile, writeDataFile } from './data-file.js';
import { createSeededRandom } from './random.js';
import { TokenBucket } from './rate-limit.js';
import { EmulatorState } from './state.js';
import type { EmulatorSnapshot } from './state.js';

export { DEFAULT_EMULATOR_TOKEN } from './config.js';
export type { EmulatorConfig, PublicEmulatorConfig } from './config.js';
export type { EmulatorSegment, EmulatorSnapshot } from './state.js';

export interface EmulatorOptions extends Partial<EmulatorConfig> {
  /** Interface to bind; 127.0.0.1 unless told otherwise. */
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** JSON file the state is loaded from on start and written to after each create. */
  dataFile?: string;
}

export interface EmulatorHandle {
  /** Base URL to use as WATI_API_ENDPOINT, e.g. http://127.0.0.1:41234 */
  url: string;
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
const CONTROL_PREFIX = '/__emulator/';
const MAX_BODY_BYTES = 1024 * 1024;
const CONTROL_METHODS = new Map([
  ['state', 'GET'],
  ['config', 'POST'],
  ['reset', 'POST'],
]);

export async function startEmulator(options: EmulatorOptions = {}): Promise<EmulatorHandle> {
  const { host = '127.0.0.1', port = 0, dataFile, ...settings } = options;
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
  const emulator = new Emulator(initial.patch as EmulatorConfig & { seed: number }, dataFile);
  const boundPort = await emulator.listen(host, port);
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${boundPort}`,
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
  private random: () => number;
  private bucket: TokenBucket | undefined;
  private readonly state: EmulatorState;
  private readonly server: Server;
  private readonly tasks = new Set<Promise<void>>();
  // Aborted by close() so requests sleeping in the latency timer give up at once.
  private readonly shutdown = new AbortController();
  private closing: Promise<void> | undefined;

  constructor(
    config: EmulatorConfig & { seed: number },
    private readonly dataFile: string | undefined,
  ) {
    this.config = config;
    // Every request sleeping in the latency timer listens on it: one per request in flight
    // (apply may run 64 at once), which is not a leak.
    setMaxListeners(0, this.shutdown.signal);
    this.random = createSeededRandom(config.seed);
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
    return this.state.snapshot(this.publicConfig());
  }

  configure(partial: Partial<EmulatorConfig>): void {
    const parsed = parseConfigPatch(partial);
    if (!parsed.ok)
      throw new UsageError(`Invalid emulator settings: ${parsed.problems.join('; ')}`);
    this.applyPatch(parsed.patch);
  }

  reset(): void {
    this.state.reset();
    this.random = createSeededRandom(this.config.seed);
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
    this.state.beginRequest();
    try {
      await this.handleWati(req, res, path, performance.now());
    } finally {
      this.state.endRequest();
    }
  }

  private async handleWati(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    arrivedAt: number,
  ): Promise<void> {
    const match = CREATE_PATH.exec(path);
    if (match === null) {
      this.answer(
        res,
        404,
        failure(`Not found: the emulator serves POST /api/v1/createCustomSegment`),
      );
      return;
    }
    if (req.method !== 'POST') {
      this.answer(res, 405, failure(`Method ${req.method} not allowed; use POST`), {
        Allow: 'POST',
      });
      return;
    }
    const authProblem = this.findAuthProblem(req.headers.authorization);
    if (authProblem !== undefined) {
      this.answer(res, 401, failure(authProblem));
      return;
    }
    const admission = this.bucket?.take() ?? { allowed: true };
    if (!admission.allowed) {
      this.answer(res, 429, failure('Too many requests; retry later'), {
        'Retry-After': String(admission.retryAfterSeconds),
      });
      return;
    }
    const body = await readBody(req);
    if (body === undefined) {
      this.answer(res, 413, failure(`Request body exceeds ${MAX_BODY_BYTES} bytes`));
      return;
    }
    // Everything below happens "on the server" after the latency, so the limit check and the
    // commit see the state as it is when the create actually lands. The latency counts from the
    // request's arrival: reading the body is part of the time the server takes to answer.
    const latencyMs = this.config.latencyMs ?? 0;
    const remainingMs = latencyMs - (performance.now() - arrivedAt);
    if (latencyMs > 0 && remainingMs > 0) {
      await sleep(remainingMs, undefined, { signal: this.shutdown.signal });
    }
    this.create(req, res, body, match[1] ?? null);
  }

  private create(
    req: IncomingMessage,
    res: ServerResponse,
    body: string,
    tenant: string | null,
  ): void {
    const check = checkCreateRequest(body);
    if (!check.ok) {
      this.answer(res, 400, failure(check.message));
      return;
    }
    if (this.config.featureDisabled === true) {
      this.answer(res, 400, failure('Custom segments feature is not available for this account'));
      return;
    }
    const limit = this.config.segmentLimit;
    if (limit !== undefined && this.state.activeSegments >= limit) {
      this.answer(res, 400, failure(`Active segment limit reached for this account (${limit})`));
      return;
    }
    // Two draws for every create that gets this far, whichever faults are on, so the sequence
    // of faults for a seed does not shift when one fault is switched on or off.
    const failDraw = this.random();
    const dropDraw = this.random();
    if (failDraw < (this.config.failRate ?? 0)) {
      this.answer(res, 500, failure('failed to create'));
      return;
    }
    const segment = this.state.commit(check.payload, tenant, new Date());
    const outcome = dropDraw < (this.config.dropAfterCommitRate ?? 0) ? 'dropped' : 200;
    this.state.recordOutcome(outcome);
    try {
      this.persist();
    } catch (error) {
      this.state.undoCommit(segment);
      this.state.forgetOutcome(outcome);
      this.answer(res, 500, failure(`emulator: ${(error as Error).message}`));
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
    this.config = { ...this.config, ...patch, seed: patch.seed ?? this.config.seed };
    if (patch.seed !== undefined) this.random = createSeededRandom(patch.seed);
    if ('rateLimitRps' in patch) this.bucket = createBucket(this.config.rateLimitRps);
  }

  private findAuthProblem(header: string | undefined): string | undefined {
    if (header === undefined || header.trim() === '') {
      return 'Missing Authorization header; send "Authorization: Bearer <token>"';
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    // Never echo what was sent: it may be a real token pasted by mistake.
    if (match?.[1] !== this.config.token) return 'Invalid or expired token';
    return undefined;
  }

  private answer(
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: OutgoingHttpHeaders = {},
  ): void {
    this.state.recordOutcome(status);
    send(res, status, body, headers);
  }

  private publicConfig(): PublicEmulatorConfig {
    const { token: _token, ...rest } = this.config;
    // Drop unset keys so snapshots show only what is switched on.
    return Object.fromEntries(
      Object.entries(rest).filter(([, value]) => value !== undefined),
    ) as PublicEmulatorConfig;
  }

  private persist(): void {
    if (this.dataFile !== undefined) writeDataFile(this.dataFile, this.state.toPersisted());
  }
}

function createBucket(rateLimitRps: number | undefined): TokenBucket | undefined {
  return rateLimitRps !== undefined && rateLimitRps > 0 ? new TokenBucket(rateLimitRps) : undefined;
}

function failure(message: string): { result: false; message: string } {
  return { result: false, message };
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
