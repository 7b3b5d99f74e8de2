// The create operation (src/wati/create-segment.ts) over the real transport, against servers on
// 127.0.0.1 that answer as each test decides: what an answer means, and when a create is sent
// again (only when it certainly created nothing).
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import type { WatiPayload } from '../../src/core/model.js';
import { systemTiming } from '../../src/core/timing.js';
import { createWatiApi } from '../../src/wati/api.js';
import type { WatiApi, WatiApiOptions } from '../../src/wati/api.js';
import { closedPort, reply, startServer } from './local-server.js';
import type { Handler, LocalServer } from './local-server.js';

const TOKEN = 'tok-CANARY-123';
const PAYLOAD: WatiPayload = { name: 'VIP Customers', refreshType: 1, contactIds: ['12345'] };

const servers: LocalServer[] = [];
const clients: WatiApi[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serve(handler: Handler): Promise<LocalServer> {
  const server = await startServer(handler);
  servers.push(server);
  return server;
}

function clientFor(endpoint: string, options: Partial<WatiApiOptions> = {}): WatiApi {
  const client = createWatiApi({
    endpoint,
    token: TOKEN,
    baseBackoffMs: 5,
    connectTimeoutMs: 2_000,
    responseTimeoutMs: 2_000,
    timing: { ...systemTiming, random: () => 0.5 },
    ...options,
  });
  clients.push(client);
  return client;
}

const created = (id: unknown) => ({ result: true, info: { id, name: PAYLOAD.name } });

describe('createSegment: answers', () => {
  it('sends the documented request and returns the created id', async () => {
    const server = await serve((_request, response) => reply(response, 200, created('seg-1')));
    const result = await clientFor(`${server.origin}/123456`).createSegment(PAYLOAD);

    expect(result).toEqual({ outcome: { kind: 'created', id: 'seg-1' }, attempts: 1 });
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/123456/api/v1/createCustomSegment');
    // The headers every request carries are the transport's (transport.test.ts).
    expect(request?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(JSON.parse(request?.body ?? '')).toEqual(PAYLOAD);
  });

  it('turns a numeric segment id into a string', async () => {
    const server = await serve((_request, response) => reply(response, 200, created(42)));
    const result = await clientFor(server.origin).createSegment(PAYLOAD);
    expect(result.outcome).toEqual({ kind: 'created', id: '42' });
  });

  it('reports 200 with result false as failed, with the server message, without retrying', async () => {
    const server = await serve((_request, response) =>
      reply(response, 200, { result: false, info: 'Invalid contact ids' }),
    );
    const result = await clientFor(server.origin).createSegment(PAYLOAD);
    expect(result.outcome.kind).toBe('failed');
    expect(result.outcome).toMatchObject({ status: 200 });
    expect(JSON.stringify(result.outcome)).toContain('Invalid contact ids');
    expect(server.requests).toHaveLength(1);
  });

  it('stops on a 400 saying the segment limit is reached', async () => {
    const server = await serve((_request, response) =>
      reply(response, 400, { message: 'Active segment limit reached' }),
    );
    const result = await clientFor(server.origin).createSegment(PAYLOAD);
    expect(result.outcome).toMatchObject({ kind: 'stop', reason: 'limit-reached', status: 400 });
    expect(server.requests).toHaveLength(1);
  });

  it('stops with unauthorized on 401 and tells the user what to check', async () => {
    const server = await serve((_request, response) => reply(response, 401, ''));
    const result = await clientFor(server.origin).createSegment(PAYLOAD);
    expect(result.outcome).toMatchObject({ kind: 'stop', reason: 'unauthorized', status: 401 });
    if (result.outcome.kind === 'stop') expect(result.outcome.message).toMatch(/token/i);
    expect(server.requests).toHaveLength(1);
  });

  it('decides an oversized error answer by its status without reading it', async () => {
    // 3 MiB: a 400 whose message comes first, then padding a misbehaving proxy might append.
    const padding = ' '.repeat(3 * 1024 * 1024);
    const server = await serve((_request, response) => {
      response.writeHead(400, { 'content-type': 'application/json' });
      response.end(`{"message": "Invalid attribute country"${padding}}`);
    });
    const result = await clientFor(server.origin).createSegment(PAYLOAD);
    expect(result.outcome).toMatchObject({ kind: 'failed', status: 400 });
    expect(server.requests).toHaveLength(1);
  });

  it('does not follow a redirect and names the host it points to', async () => {
    const other = await serve((_request, response) => reply(response, 200, created('wrong')));
    const server = await serve((_request, response) =>
      reply(response, 307, '', { location: `http://localhost:${other.port}/123/api/v1/x` }),
    );

    const result = await clientFor(server.origin).createSegment(PAYLOAD);
    expect(result.outcome.kind).toBe('stop');
    if (result.outcome.kind === 'stop') {
      expect(result.outcome.message).toContain(`localhost:${other.port}`);
    }
    expect(server.requests).toHaveLength(1);
    expect(other.requests).toHaveLength(0);
  });
});

describe('createSegment: retries', () => {
  it('retries a 500 and reports the attempts', async () => {
    const server = await serve((_request, response, index) =>
      index === 0 ? reply(response, 500, { message: 'boom' }) : reply(response, 200, created('s2')),
    );
    const sent: number[] = [];
    const retries: { attempt: number; reason: string }[] = [];
    const client = clientFor(server.origin, {
      onRetry: ({ attempt, reason }) => retries.push({ attempt, reason }),
    });
    const result = await client.createSegment(PAYLOAD, { onSent: () => sent.push(sent.length) });

    expect(result).toEqual({ outcome: { kind: 'created', id: 's2' }, attempts: 2 });
    expect(server.requests).toHaveLength(2);
    expect(sent).toHaveLength(2);
    expect(retries).toHaveLength(1);
    expect(retries[0]?.attempt).toBe(1);
    expect(retries[0]?.reason).toContain('500');
  });

  it('waits at least the Retry-After of a 429 before sending again', async () => {
    let answeredAt = 0;
    const server = await serve((_request, response, index) => {
      if (index === 0) {
        answeredAt = performance.now();
        reply(response, 429, { message: 'Too many requests' }, { 'retry-after': '1' });
      } else {
        reply(response, 200, created('after-wait'));
      }
    });
    const result = await clientFor(server.origin).createSegment(PAYLOAD);

    expect(result).toEqual({ outcome: { kind: 'created', id: 'after-wait' }, attempts: 2 });
    expect(server.requests[1]?.receivedAt).toBeGreaterThanOrEqual(answeredAt + 1_000);
  });

  it.each([
    ['a huge number of seconds', '1000000000', /wait 32 years/],
    ['an HTTP date in 2099', 'Thu, 01 Jan 2099 00:00:00 GMT', /wait \d+ years/],
    ['more digits than a number holds', '9'.repeat(400), /wait an unbounded time/],
    ['one hour', '3600', /wait 60 minutes/],
  ])(
    'stops at once on a Retry-After of %s, naming the wait (rate-limited, nothing more sent)',
    async (_label, retryAfter, wait) => {
      const server = await serve((_request, response) =>
        reply(response, 429, '', { 'retry-after': retryAfter }),
      );
      const started = performance.now();
      const result = await clientFor(server.origin).createSegment(PAYLOAD);
      expect(performance.now() - started).toBeLessThan(10_000);
      expect(result.outcome).toMatchObject({ kind: 'stop', reason: 'rate-limited', status: 429 });
      const message = result.outcome.kind === 'stop' ? result.outcome.message : '';
      expect(message).toMatch(wait);
      expect(message).toContain('longer than segsync waits (2 minutes)');
      expect(server.requests).toHaveLength(1);
    },
  );

  it('waits for a Retry-After within the bound', { timeout: 10_000 }, async () => {
    const server = await serve((_request, response, index) =>
      index === 0
        ? reply(response, 503, '', { 'retry-after': '1' })
        : reply(response, 200, created('later')),
    );
    const delays: number[] = [];
    const client = clientFor(server.origin, { onRetry: ({ delayMs }) => delays.push(delayMs) });
    const result = await client.createSegment(PAYLOAD);
    expect(result.outcome).toEqual({ kind: 'created', id: 'later' });
    expect(delays).toHaveLength(1);
    expect(delays[0]).toBeGreaterThan(900);
  });

  it('stops the run when a segment keeps meeting 429 through all its attempts', async () => {
    const server = await serve((_request, response) => reply(response, 429, ''));
    const result = await clientFor(server.origin, { maxAttempts: 3 }).createSegment(PAYLOAD);
    expect(result).toMatchObject({
      outcome: { kind: 'stop', reason: 'rate-limited', status: 429 },
      attempts: 3,
    });
  });

  it('stops once the run has been held back longer than its rate-limit budget', async () => {
    // 4 creates at once against an account that always says "wait 0.3 s": the waits overlap, so
    // the budget counts wall time, not the sum of every create's wait.
    const server = await serve((_request, response) =>
      reply(response, 429, '', { 'retry-after': '0.3' }),
    );
    const client = clientFor(server.origin, { maxAttempts: 100, rateLimitBudgetMs: 1_000 });
    const started = performance.now();
    const results = await Promise.all(
      [1, 2, 3, 4].map((n) => client.createSegment({ ...PAYLOAD, name: `S${n}` })),
    );
    const elapsed = performance.now() - started;
    const stops = results.filter((r) => r.outcome.kind === 'stop');
    expect(stops.length).toBeGreaterThan(0);
    for (const { outcome } of stops) {
      expect(outcome).toMatchObject({ reason: 'rate-limited' });
      if (outcome.kind === 'stop') expect(outcome.message).toContain('more than the 1 s');
    }
    // Far from the expected ~1 s, but far below what 100 attempts × 0.3 s would take.
    expect(elapsed).toBeLessThan(15_000);
  });

  it('gives up after maxAttempts retryable answers, as failed with the last reason', async () => {
    const server = await serve((_request, response) =>
      reply(response, 503, { message: 'Service busy' }),
    );
    const result = await clientFor(server.origin, { maxAttempts: 3 }).createSegment(PAYLOAD);

    expect(result.attempts).toBe(3);
    expect(result.outcome).toMatchObject({ kind: 'failed', status: 503 });
    if (result.outcome.kind === 'failed') {
      expect(result.outcome.message).toMatch(/gave up after 3 attempts/);
      expect(result.outcome.message).toContain('Service busy');
    }
    expect(server.requests).toHaveLength(3);
  });

  it('retries a refused connection, then fails after maxAttempts', async () => {
    const port = await closedPort();
    const sent: number[] = [];
    const result = await clientFor(`http://127.0.0.1:${port}`, { maxAttempts: 3 }).createSegment(
      PAYLOAD,
      { onSent: () => sent.push(1) },
    );
    expect(result.attempts).toBe(3);
    expect(sent).toHaveLength(3);
    expect(result.outcome.kind).toBe('failed');
    if (result.outcome.kind === 'failed') {
      expect(result.outcome.message).toMatch(/gave up after 3 attempts/);
      expect(result.outcome.message).toMatch(/connection refused/);
    }
  });

  it('retries a failed TLS handshake, which never carries the request', async () => {
    // https against a plain-HTTP port: the handshake fails before any request byte is written.
    const server = await serve((_request, response) => reply(response, 200, created('never')));
    const result = await clientFor(`https://127.0.0.1:${server.port}`, {
      maxAttempts: 2,
    }).createSegment(PAYLOAD);
    expect(result.attempts).toBe(2);
    expect(result.outcome.kind).toBe('failed');
    if (result.outcome.kind === 'failed') expect(result.outcome.message).toMatch(/TLS/);
    expect(server.requests).toHaveLength(0);
    expect(server.connections).toBe(2);
  });
});

describe('createSegment: outcomes that must never be retried', () => {
  it('is unknown when the connection drops after the request was read', async () => {
    const server = await serve((_request, _response, _index, socket) => socket.destroy());
    const result = await clientFor(server.origin).createSegment(PAYLOAD);
    expect(result.outcome.kind).toBe('unknown');
    expect(result.attempts).toBe(1);
    expect(server.requests).toHaveLength(1);
  });

  it('is unknown when no answer arrives within the response timeout', async () => {
    const server = await serve(() => {
      // Never answers; the connection is closed when the server closes.
    });
    const result = await clientFor(server.origin, { responseTimeoutMs: 200 }).createSegment(
      PAYLOAD,
    );
    expect(result.outcome.kind).toBe('unknown');
    if (result.outcome.kind === 'unknown') expect(result.outcome.message).toMatch(/200 ms/);
    expect(result.attempts).toBe(1);
    expect(server.requests).toHaveLength(1);
  });

  it.each([502, 504])('is unknown on a %i gateway error', async (status) => {
    const server = await serve((_request, response) => reply(response, status, 'Bad gateway'));
    const result = await clientFor(server.origin).createSegment(PAYLOAD);
    expect(result.outcome.kind).toBe('unknown');
    expect(server.requests).toHaveLength(1);
  });

  it('is unknown when a 200 is cut off before its body arrives', async () => {
    const server = await serve((_request, response, _index, socket) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '500' });
      response.write('{"result":true,');
      setTimeout(() => socket.destroy(), 20);
    });
    const result = await clientFor(server.origin).createSegment(PAYLOAD);
    expect(result.outcome.kind).toBe('unknown');
    expect(server.requests).toHaveLength(1);
  });
});

describe('createSegment: abort signal', () => {
  it('returns not-sent without contacting the server when already aborted', async () => {
    const server = await serve((_request, response) => reply(response, 200, created('x')));
    const sent: number[] = [];
    const result = await clientFor(server.origin).createSegment(PAYLOAD, {
      signal: AbortSignal.abort(),
      onSent: () => sent.push(1),
    });
    expect(result).toMatchObject({ outcome: { kind: 'not-sent' }, attempts: 0 });
    expect(sent).toHaveLength(0);
    expect(server.requests).toHaveLength(0);
  });

  it('returns not-sent when aborted while waiting to retry', async () => {
    const server = await serve((_request, response) =>
      reply(response, 503, '', { 'retry-after': '30' }),
    );
    const controller = new AbortController();
    const client = clientFor(server.origin, { onRetry: () => controller.abort() });
    const result = await client.createSegment(PAYLOAD, { signal: controller.signal });

    expect(result).toMatchObject({ outcome: { kind: 'not-sent' }, attempts: 1 });
    expect(server.requests).toHaveLength(1);
  });

  it('never cancels a request in flight: its answer is recorded', async () => {
    const server = await serve((_request, response) => {
      setTimeout(() => reply(response, 200, created('in-flight')), 150);
    });
    const controller = new AbortController();
    const result = await clientFor(server.origin).createSegment(PAYLOAD, {
      signal: controller.signal,
      onSent: () => setTimeout(() => controller.abort(), 20),
    });
    expect(result.outcome).toEqual({ kind: 'created', id: 'in-flight' });
    expect(controller.signal.aborted).toBe(true);
  });
});

describe('createSegment: shared Retry-After pause', () => {
  it('holds back other callers until the Retry-After of a 429 has passed', async () => {
    let answeredAt = 0;
    // Only the very first request (A's) is rate limited; B starts once A has met the 429.
    const server = await serve((request, response, index) => {
      const name = (JSON.parse(request.body) as WatiPayload).name;
      if (index === 0) {
        answeredAt = performance.now();
        reply(response, 429, '', { 'retry-after': '1' });
      } else {
        reply(response, 200, created(`id-${name}`));
      }
    });
    let paused!: () => void;
    const pauseSet = new Promise<void>((resolve) => (paused = resolve));
    const client = clientFor(server.origin, { onRetry: () => paused() });

    const first = client.createSegment({ ...PAYLOAD, name: 'A' });
    await pauseSet;
    const second = client.createSegment({ ...PAYLOAD, name: 'B' });
    const [a, b] = await Promise.all([first, second]);

    expect(a.outcome).toEqual({ kind: 'created', id: 'id-A' });
    expect(b).toEqual({ outcome: { kind: 'created', id: 'id-B' }, attempts: 1 });
    const bRequest = server.requests.find((r) => r.body.includes('"name":"B"'));
    expect(bRequest?.receivedAt).toBeGreaterThanOrEqual(answeredAt + 1_000);
  });
});

describe('token redaction', () => {
  const echoes: [string, Handler][] = [
    [
      '400 JSON echoing the Authorization header',
      (request, response) =>
        reply(response, 400, { message: `bad header ${request.headers.authorization ?? ''}` }),
    ],
    [
      '401 text echoing the bare token',
      (request, response) =>
        reply(response, 401, `token ${(request.headers.authorization ?? '').slice(7)} rejected`),
    ],
    [
      '200 result false echoing all headers',
      (request, response) =>
        reply(response, 200, { result: false, info: JSON.stringify(request.headers) }),
    ],
    [
      '400 where the token straddles the message length cap',
      (request, response) =>
        reply(response, 400, `${'x'.repeat(285)} ${request.headers.authorization ?? ''}`),
    ],
    [
      '400 where the bare token straddles the message length cap',
      (request, response) =>
        reply(
          response,
          400,
          `${'x'.repeat(290)} ${(request.headers.authorization ?? '').slice(7)}`,
        ),
    ],
    [
      '400 HTML page with the token in the title',
      (request, response) =>
        reply(
          response,
          400,
          `<html><title>Denied ${request.headers.authorization ?? ''}</title></html>`,
        ),
    ],
    [
      '503 retried until giving up',
      (request, response) => reply(response, 503, { error: request.headers.authorization }),
    ],
    ['502 gateway', (request, response) => reply(response, 502, { echo: request.headers })],
  ];

  it.each(echoes)('never shows the token: %s', async (_label, handler) => {
    const server = await serve(handler);
    const reasons: string[] = [];
    const client = clientFor(server.origin, {
      maxAttempts: 2,
      onRetry: ({ reason }) => reasons.push(reason),
    });
    const result = await client.createSegment(PAYLOAD);

    expect(server.requests[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(result.outcome.kind).not.toBe('created');
    const everything = JSON.stringify({ result, reasons });
    // Not even a piece of it, e.g. what remains when a message is cut at its length cap.
    for (let start = 0; start + 5 <= TOKEN.length; start += 1) {
      expect(everything).not.toContain(TOKEN.slice(start, start + 5));
    }
  });
});
