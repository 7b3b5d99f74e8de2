// The preview operation (src/wati/evaluate-segment.ts) over the real transport: against the
// emulator, and against small servers on 127.0.0.1 for the answer shapes Wati does not document.
// Every case ends in a count or ONE typed reason — never a throw — and no server ever sees a
// create request (checked after every test).
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import type { Group } from '../../src/core/model.js';
import type { Timing } from '../../src/core/timing.js';
import { systemTiming } from '../../src/core/timing.js';
import { generateContacts } from '../../src/emulator/contact-generator.js';
import type { EmulatorHandle, EmulatorOptions } from '../../src/emulator/server.js';
import { startEmulator } from '../../src/emulator/server.js';
import { createWatiApi } from '../../src/wati/api.js';
import type { EvaluateCache, WatiApi, WatiApiOptions } from '../../src/wati/api.js';
import { EVALUATE_PATH } from '../../src/wati/evaluate-fields.js';
import { MAX_ANSWER_BYTES } from '../../src/wati/transport.js';
import { closedPort, reply, startServer } from './local-server.js';
import type { Handler, LocalServer } from './local-server.js';
import { makeTestCertificates } from './tls-certificates.js';

const TOKEN = 'tok-CANARY-e7q42z';
const INDIA: Group[] = [{ conditions: [{ attribute: 'country', operator: '==', value: 'India' }] }];

const servers: LocalServer[] = [];
const emulators: EmulatorHandle[] = [];
const apis: WatiApi[] = [];

afterEach(async () => {
  for (const api of apis.splice(0)) api.close();
  // A preview never creates: every request went to the evaluate path, and no emulator saw one.
  const paths = servers.flatMap((server) => server.requests.map((request) => request.path));
  const creates = emulators.map((emulator) => emulator.snapshot().requests.total);
  const segments = emulators.flatMap((emulator) => emulator.snapshot().segments);
  await Promise.all(servers.splice(0).map((server) => server.close()));
  await Promise.all(emulators.splice(0).map((emulator) => emulator.close()));
  expect(paths.filter((path) => path !== EVALUATE_PATH)).toEqual([]);
  expect(creates.filter((count) => count !== 0)).toEqual([]);
  expect(segments).toEqual([]);
});

/** Zero backoff; a Retry-After is still waited for on the real clock. */
const FAST: Timing = { ...systemTiming, random: () => 0 };

/** A clock that only moves when the code under test sleeps: waits are recorded, not spent. */
function virtualTiming(): Timing & { waits: number[] } {
  let now = 0;
  const waits: number[] = [];
  return {
    clock: { now: () => new Date(Date.UTC(2026, 0, 1) + now), monotonic: () => now },
    random: () => 0,
    sleep: (ms) => {
      waits.push(ms);
      now += ms;
      return Promise.resolve(true);
    },
    waits,
  };
}

function previewAt(origin: string, options: Partial<WatiApiOptions> = {}): WatiApi {
  const api = createWatiApi({
    // The create endpoint's tenant path is dropped for the preview (v3 calls have none).
    endpoint: `${origin}/123456`,
    token: TOKEN,
    connectTimeoutMs: 2_000,
    responseTimeoutMs: 2_000,
    timing: FAST,
    ...options,
  });
  apis.push(api);
  return api;
}

async function emulatorWith(options: EmulatorOptions): Promise<EmulatorHandle> {
  const emulator = await startEmulator({ token: TOKEN, seed: 1, ...options });
  emulators.push(emulator);
  return emulator;
}

async function serve(handler: Handler): Promise<LocalServer> {
  const server = await startServer(handler);
  servers.push(server);
  return server;
}

/** A server whose page N answers `answer(N)`. */
function pages(answer: (page: number) => unknown): Promise<LocalServer> {
  return serve((request, response) => {
    const { page_number: page } = JSON.parse(request.body) as { page_number: number };
    reply(response, 200, answer(page));
  });
}

const contacts = (count: number, from = 0) =>
  Array.from({ length: count }, (_, i) => ({ id: String(from + i), name: 'N', phone: '+1' }));

describe('against the emulator', () => {
  it('counts the contacts a filter selects, paging 100 at a time at the host root', async () => {
    const people = generateContacts(1_000);
    const emulator = await emulatorWith({ contacts: people });
    const expected = people.filter((person) =>
      person.custom_params.some((param) => param.name === 'country' && param.value === 'India'),
    ).length;
    expect(expected).toBeGreaterThan(200);
    expect(expected).toBeLessThan(1_000);

    const result = await previewAt(emulator.url).evaluateSegment(INDIA);
    expect(result).toEqual({
      ok: true,
      count: expected,
      exact: true,
      requests: Math.ceil((expected + 1) / 100),
    });
    expect(emulator.snapshot().evaluateRequests.total).toBe(result.requests);
  });

  it('says "at least" the budget when more contacts match, unless a total is given', async () => {
    const people = generateContacts(1_500);
    const plain = await emulatorWith({ contacts: people });
    expect(await previewAt(plain.url).evaluateSegment(undefined)).toMatchObject({
      ok: true,
      count: 0,
      exact: true,
    });
    const everyone: Group[] = [
      { conditions: [{ attribute: 'name', operator: 'exist', value: '' }] },
    ];
    expect(await previewAt(plain.url).evaluateSegment(everyone)).toEqual({
      ok: true,
      count: 1_000,
      exact: false,
      requests: 10,
    });
    const withTotal = await emulatorWith({ contacts: people, evaluateTotal: true });
    expect(await previewAt(withTotal.url).evaluateSegment(everyone)).toEqual({
      ok: true,
      count: 1_500,
      exact: true,
      requests: 10,
    });
  });

  it('a smaller page budget reads fewer pages', async () => {
    const emulator = await emulatorWith({ contacts: generateContacts(450) });
    const everyone: Group[] = [
      { conditions: [{ attribute: 'phone', operator: 'exist', value: '' }] },
    ];
    const result = await previewAt(emulator.url).evaluateSegment(everyone, { pageBudget: 2 });
    expect(result).toEqual({ ok: true, count: 200, exact: false, requests: 2 });
  });

  it('feature disabled: feature-unavailable, asked once', async () => {
    const emulator = await emulatorWith({ contacts: generateContacts(10), featureDisabled: true });
    const result = await previewAt(emulator.url).evaluateSegment(INDIA);
    expect(result).toMatchObject({ ok: false, reason: 'feature-unavailable', requests: 1 });
    if (!result.ok) expect(result.message).toContain('Custom segments are not available');
  });

  it('a read-only preview token counts without the create token', async () => {
    const emulator = await emulatorWith({
      contacts: generateContacts(50),
      previewToken: 'tok-read-only',
    });
    const api = previewAt(emulator.url, { token: undefined, previewToken: 'tok-read-only' });
    expect(await api.evaluateSegment(INDIA)).toMatchObject({ ok: true, exact: true });
    // With a wrong create token beside it, the preview still goes with its own.
    const both = previewAt(emulator.url, { token: 'tok-wrong', previewToken: 'tok-read-only' });
    expect(await both.evaluateSegment(INDIA)).toMatchObject({ ok: true });
  });

  it('a rejected token: unauthorized, asked once', async () => {
    const emulator = await emulatorWith({ contacts: generateContacts(10) });
    const result = await previewAt(emulator.url, { token: 'tok-wrong' }).evaluateSegment(INDIA);
    expect(result).toMatchObject({ ok: false, reason: 'unauthorized', requests: 1 });
  });

  it('rate limited: waits for Retry-After and still counts exactly', async () => {
    const people = generateContacts(250);
    // The bucket holds 2: the third page meets a 429 with Retry-After 1.
    const emulator = await emulatorWith({ contacts: people, rateLimitRps: 2 });
    const everyone: Group[] = [
      { conditions: [{ attribute: 'phone', operator: 'exist', value: '' }] },
    ];
    const result = await previewAt(emulator.url).evaluateSegment(everyone);
    expect(result).toEqual({ ok: true, count: 250, exact: true, requests: 4 });
    expect(emulator.snapshot().evaluateRequests.byStatus['429']).toBeGreaterThan(0);
  });

  it('caches the run: the same filter is asked once, another one again', async () => {
    const emulator = await emulatorWith({ contacts: generateContacts(150) });
    const cache: EvaluateCache = new Map();
    const first = previewAt(emulator.url);
    const second = previewAt(emulator.url);
    const counted = await first.evaluateSegment(INDIA, { cache });
    const asked = emulator.snapshot().evaluateRequests.total;
    // Another WatiApi of the same run, sharing the cache, and the first one's own cache.
    expect(await second.evaluateSegment(INDIA, { cache })).toEqual({ ...counted, requests: 0 });
    expect(await first.evaluateSegment(INDIA)).toMatchObject({ requests: 1 });
    expect(await first.evaluateSegment(INDIA)).toMatchObject({ requests: 0 });
    expect(emulator.snapshot().evaluateRequests.total).toBe(asked + 1);
    const other: Group[] = [{ conditions: [{ attribute: 'plan', operator: '==', value: 'pro' }] }];
    expect(await first.evaluateSegment(other, { cache })).toMatchObject({ requests: 1 });
  });

  it('returns contacts only when asked for a sample, and never from the cache', async () => {
    const people = generateContacts(150);
    const emulator = await emulatorWith({ contacts: people });
    const api = previewAt(emulator.url);
    const counted = await api.evaluateSegment(INDIA);
    expect(counted).not.toHaveProperty('sample');

    const sampled = await api.evaluateSegment(INDIA, { sample: 3 });
    expect(sampled.ok && sampled.requests).toBeGreaterThan(0);
    const india = people.filter((person) =>
      person.custom_params.some((param) => param.name === 'country' && param.value === 'India'),
    );
    expect(sampled).toMatchObject({
      ok: true,
      count: india.length,
      sample: india.slice(0, 3).map(({ name, phone }) => ({ name, phone })),
    });
    // The counted result in the cache is still without contacts.
    expect(await api.evaluateSegment(INDIA)).not.toHaveProperty('sample');
  });

  it('no token: no-token, nothing sent', async () => {
    const emulator = await emulatorWith({ contacts: generateContacts(10) });
    const result = await previewAt(emulator.url, { token: undefined }).evaluateSegment(INDIA);
    expect(result).toMatchObject({ ok: false, reason: 'no-token', requests: 0 });
    expect(emulator.snapshot().evaluateRequests.total).toBe(0);
  });

  it('a preview endpoint overrides the host derived from the create endpoint', async () => {
    const emulator = await emulatorWith({ contacts: generateContacts(10) });
    const api = previewAt('http://127.0.0.1:1', { previewEndpoint: emulator.url });
    expect(await api.evaluateSegment(INDIA)).toMatchObject({ ok: true });
  });
});

describe('answers whose total is or is not usable', () => {
  it('a total on every page, consistent: the count beyond the budget, exact', async () => {
    const server = await pages(() => ({ contact_list: contacts(100), total: 2_345 }));
    expect(await previewAt(server.origin).evaluateSegment(INDIA)).toEqual({
      ok: true,
      count: 2_345,
      exact: true,
      requests: 10,
    });
  });

  it.each([
    ['smaller than what was counted', () => 150],
    ['changing from page to page', (page: number) => 5_000 + page],
    ['not a whole number', () => 1_234.5],
    ['negative', () => -1],
    ['a string', () => '5000'],
    ['on the first page only', (page: number) => (page === 1 ? 5_000 : undefined)],
  ])('a total %s is ignored: at least the budget', async (_label, total) => {
    const server = await pages((page) => ({ contact_list: contacts(100), total: total(page) }));
    expect(await previewAt(server.origin).evaluateSegment(INDIA)).toEqual({
      ok: true,
      count: 1_000,
      exact: false,
      requests: 10,
    });
  });

  it('no total and exactly the budget in full pages: at least the budget (page 11 is not asked)', async () => {
    const server = await pages(() => ({ contact_list: contacts(100) }));
    expect(await previewAt(server.origin).evaluateSegment(INDIA)).toEqual({
      ok: true,
      count: 1_000,
      exact: false,
      requests: 10,
    });
    expect(server.requests).toHaveLength(10);
  });

  it('a short last page ends the count exactly, whatever total it claims', async () => {
    const server = await pages((page) => ({
      contact_list: contacts(page < 3 ? 100 : 37),
      total: 9_999,
    }));
    expect(await previewAt(server.origin).evaluateSegment(INDIA)).toEqual({
      ok: true,
      count: 237,
      exact: true,
      requests: 3,
    });
    const bodies = server.requests.map((request) => JSON.parse(request.body) as unknown);
    expect(bodies).toEqual(
      [1, 2, 3].map((page) => ({ groups: INDIA, page_number: page, page_size: 100 })),
    );
  });
});

describe('answers that are not a page of contacts: unexpected-answer or too-large', () => {
  it.each([
    ['an HTML page', 'text/html', '<html><title>Login</title></html>', /HTML or XML page/],
    ['plain text', 'text/plain', 'OK', /text instead of the documented JSON/],
    [
      'JSON without contact_list',
      'application/json',
      '{"contacts":[{"name":"Priya"}]}',
      /no contact_list/,
    ],
    [
      'contact_list that is not a list',
      'application/json',
      '{"contact_list":{}}',
      /no contact_list/,
    ],
  ])('HTTP 200 with %s', async (_label, type, body, message) => {
    const server = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': type });
      response.end(body);
    });
    const result = await previewAt(server.origin).evaluateSegment(INDIA);
    expect(result).toMatchObject({ ok: false, reason: 'unexpected-answer', requests: 1 });
    if (!result.ok) {
      expect(result.message).toMatch(message);
      // Described, never quoted: what a 2xx holds may be contacts.
      expect(result.message).not.toContain('Priya');
    }
  });

  it('more contacts than the page size asked for', async () => {
    const server = await pages(() => ({ contact_list: contacts(101) }));
    expect(await previewAt(server.origin).evaluateSegment(INDIA)).toMatchObject({
      ok: false,
      reason: 'unexpected-answer',
    });
  });

  it('an answer beyond the bound is not read', async () => {
    const server = await serve((_request, response) =>
      reply(response, 200, `{"contact_list": [], "pad": "${'x'.repeat(MAX_ANSWER_BYTES)}"}`),
    );
    const result = await previewAt(server.origin).evaluateSegment(INDIA);
    expect(result).toMatchObject({ ok: false, reason: 'too-large', requests: 1 });
  });

  it('a redirect is not followed', async () => {
    const other = await serve((_request, response) => reply(response, 200, { contact_list: [] }));
    const server = await serve((_request, response) =>
      reply(response, 307, '', { location: `${other.origin}${EVALUATE_PATH}` }),
    );
    const result = await previewAt(server.origin).evaluateSegment(INDIA);
    expect(result).toMatchObject({ ok: false, reason: 'unexpected-answer' });
    expect(other.requests).toHaveLength(0);
  });

  it('404: no such API at that host', async () => {
    const server = await serve((_request, response) => reply(response, 404, ''));
    const result = await previewAt(server.origin).evaluateSegment(INDIA);
    expect(result).toMatchObject({ ok: false, reason: 'unexpected-answer' });
    if (!result.ok) expect(result.message).toMatch(/preview endpoint/);
  });
});

describe('refusals: one typed reason, asked once', () => {
  it.each([
    [
      '400 with an error field',
      400,
      { error: 'Custom segments are not on your plan' },
      'feature-unavailable',
      /not on your plan/,
    ],
    [
      '400 in the v3 error shape',
      400,
      { code: 400, message: 'groups[0] is invalid', timestamp: 'x' },
      'invalid-request',
      /groups\[0\] is invalid/,
    ],
    ['422', 422, { message: 'Unprocessable' }, 'invalid-request', /422/],
    [
      '403 with no body',
      403,
      '',
      'unauthorized',
      /HTTP 403 \(not authorised\); check the token used for previews/,
    ],
    ['401 with a text body', 401, 'Unauthorized', 'unauthorized', /401/],
  ] as const)('%s', async (_label, status, body, reason, message) => {
    const server = await serve((_request, response) => reply(response, status, body));
    const result = await previewAt(server.origin).evaluateSegment(INDIA);
    expect(result).toMatchObject({ ok: false, reason, requests: 1 });
    if (!result.ok) expect(result.message).toMatch(message);
  });

  it.each([
    ['400 JSON', 400, (auth: string) => ({ message: `bad request ${auth}` })],
    ['403 text', 403, (auth: string) => `denied for ${auth}`],
    ['400 with an error field', 400, (auth: string) => ({ error: `no plan for ${auth}` })],
    ['500 until giving up', 500, (auth: string) => ({ message: `boom ${auth}` })],
  ])('a token echoed in %s never shows', async (_label, status, body) => {
    const server = await serve((request, response) =>
      reply(response, status, body(request.headers.authorization ?? '')),
    );
    const result = await previewAt(server.origin).evaluateSegment(INDIA);
    expect(result.ok).toBe(false);
    expect(server.requests[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    const text = JSON.stringify(result);
    for (let start = 0; start + 5 <= TOKEN.length; start += 1) {
      expect(text).not.toContain(TOKEN.slice(start, start + 5));
    }
  });
});

describe('asked again: a read is safe to repeat', () => {
  it('429 with Retry-After: waits that long (on the real clock), then counts', async () => {
    let answeredAt = 0;
    const server = await serve((_request, response, index) => {
      if (index > 0) return reply(response, 200, { contact_list: contacts(7) });
      answeredAt = performance.now();
      reply(response, 429, '', { 'retry-after': '0.3' });
    });
    const result = await previewAt(server.origin).evaluateSegment(INDIA);
    expect(result).toEqual({ ok: true, count: 7, exact: true, requests: 2 });
    expect(server.requests[1]!.receivedAt - answeredAt).toBeGreaterThanOrEqual(290);
  });

  it('429 with Retry-After as an HTTP date, on a virtual clock', async () => {
    const timing = virtualTiming();
    const server = await serve((_request, response, index) =>
      index > 0
        ? reply(response, 200, { contact_list: [] })
        : reply(response, 429, '', { 'retry-after': 'Thu, 01 Jan 2026 00:00:12 GMT' }),
    );
    const result = await previewAt(server.origin, { timing }).evaluateSegment(INDIA);
    expect(result).toMatchObject({ ok: true, count: 0 });
    expect(timing.waits).toEqual([12_000]);
  });

  it('429 without Retry-After: backoff, then counts', async () => {
    const timing = virtualTiming();
    const server = await serve((_request, response, index) =>
      index < 2 ? reply(response, 429, '') : reply(response, 200, { contact_list: contacts(3) }),
    );
    const api = previewAt(server.origin, { timing: { ...timing, random: () => 0.5 } });
    expect(await api.evaluateSegment(INDIA)).toMatchObject({ ok: true, count: 3, requests: 3 });
    // Full jitter at 0.5 of 500 ms, then of 1 s.
    expect(timing.waits).toEqual([250, 500]);
  });

  it('429 on every attempt: rate-limited after the attempts', async () => {
    const server = await serve((_request, response) => reply(response, 429, ''));
    const result = await previewAt(server.origin).evaluateSegment(INDIA);
    expect(result).toMatchObject({ ok: false, reason: 'rate-limited', requests: 5 });
    if (!result.ok) expect(result.message).toMatch(/gave up after 5 attempts/);
  });

  it('a Retry-After beyond the time budget: rate-limited at once, without waiting', async () => {
    const timing = virtualTiming();
    const server = await serve((_request, response) =>
      reply(response, 429, '', { 'retry-after': '3600' }),
    );
    const result = await previewAt(server.origin, { timing }).evaluateSegment(INDIA);
    expect(result).toMatchObject({ ok: false, reason: 'rate-limited', requests: 1 });
    if (!result.ok) expect(result.message).toMatch(/more than the 30 s segsync allows/);
    expect(timing.waits).toEqual([]);
  });

  it('the time budget is the run’s: later previews give up once it is spent', async () => {
    const timing = virtualTiming();
    const server = await serve((_request, response) =>
      reply(response, 429, '', { 'retry-after': '4' }),
    );
    const api = previewAt(server.origin, { timing, previewRetryBudgetMs: 10_000 });
    // 4 s + 4 s fit in 10 s, a third wait does not.
    expect(await api.evaluateSegment(INDIA)).toMatchObject({ reason: 'rate-limited', requests: 3 });
    expect(await api.evaluateSegment(undefined)).toMatchObject({
      reason: 'rate-limited',
      requests: 1,
    });
    expect(timing.waits).toEqual([4_000, 4_000]);
  });

  it.each([500, 502, 503, 504])('HTTP %i, then a page', async (status) => {
    const server = await serve((_request, response, index) =>
      index === 0 ? reply(response, status, 'busy') : reply(response, 200, { contact_list: [] }),
    );
    expect(await previewAt(server.origin).evaluateSegment(INDIA)).toMatchObject({
      ok: true,
      requests: 2,
    });
  });

  it('a lost answer (connection reset after the request) is asked again', async () => {
    const server = await serve((_request, response, index, socket) =>
      index === 0 ? socket.destroy() : reply(response, 200, { contact_list: contacts(2) }),
    );
    expect(await previewAt(server.origin).evaluateSegment(INDIA)).toMatchObject({
      ok: true,
      count: 2,
      requests: 2,
    });
  });

  it('nobody listening: network, after the attempts', async () => {
    const port = await closedPort();
    const result = await previewAt(`http://127.0.0.1:${port}`).evaluateSegment(INDIA);
    expect(result).toMatchObject({ ok: false, reason: 'network', requests: 5 });
    if (!result.ok) expect(result.message).toMatch(/connection refused/);
  });
});

describe('TLS', () => {
  it('an untrusted certificate: network, with the hint, nothing sent, asked once', async () => {
    const certificates = makeTestCertificates();
    let requests = 0;
    let connections = 0;
    const server = https.createServer(certificates.selfSigned, (_req, res) => {
      requests++;
      res.end();
    });
    server.on('connection', () => connections++);
    try {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const result = await previewAt(origin).evaluateSegment(INDIA);
      expect(result).toMatchObject({ ok: false, reason: 'network', requests: 1 });
      if (!result.ok) expect(result.message).toContain('NODE_EXTRA_CA_CERTS=');
      expect(requests).toBe(0);
      expect(connections).toBe(1);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      certificates.remove();
    }
  });
});
