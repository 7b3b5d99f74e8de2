// A 2xx whose body was not read in full, or is not the documented JSON, is an unknown outcome:
// Wati may have created the segment, so calling it failed would invite a duplicate. Answers are
// read only up to 1 MiB (decoded), against real servers on 127.0.0.1 that misbehave on purpose.
import zlib from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import type { WatiPayload } from '../../src/core/model.js';
import { systemTiming } from '../../src/core/timing.js';
import { createWatiApi } from '../../src/wati/api.js';
import type { WatiApi } from '../../src/wati/api.js';
import { MAX_ANSWER_BYTES } from '../../src/wati/transport.js';
import { reply, startServer } from './local-server.js';
import type { Handler, LocalServer } from './local-server.js';
import { zeros } from './zeros.js';

const TOKEN = 'tok-CANARY-77';
const PAYLOAD: WatiPayload = { name: 'VIP', refreshType: 1, contactIds: ['1'] };

const servers: LocalServer[] = [];
const clients: WatiApi[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function createAgainst(handler: Handler) {
  const server = await startServer(handler);
  servers.push(server);
  const client = createWatiApi({
    endpoint: server.origin,
    token: TOKEN,
    connectTimeoutMs: 5_000,
    responseTimeoutMs: 10_000,
    timing: systemTiming,
  });
  clients.push(client);
  const result = await client.createSegment(PAYLOAD);
  return { result, server };
}

function expectUnknown(outcome: { kind: string }, pattern: RegExp): void {
  expect(outcome.kind).toBe('unknown');
  if ('message' in outcome) expect(outcome.message).toMatch(pattern);
}

describe('2xx answers that do not say what happened are unknown, never failed', () => {
  it('gzip bomb: ~4 GiB of zeros behind content-encoding: gzip is cancelled after 1 MiB', async () => {
    let produced = 0;
    const { result, server } = await createAgainst((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      const source = zeros(4 * 1024 ** 3, (n) => (produced += n));
      source.pipe(zlib.createGzip({ level: 1 })).pipe(response);
      response.on('close', () => source.destroy());
    });
    expectUnknown(result.outcome, /more than 1048576 bytes \(decoded\)/);
    expect(result.attempts).toBe(1);
    expect(server.requests).toHaveLength(1);
    // The server only compressed what the client pulled: far less than the 4 GiB on offer.
    expect(produced).toBeLessThan(512 * 1024 * 1024);
  });

  it('HTML page with HTTP 200', async () => {
    const { result } = await createAgainst((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end('<html><title>Welcome to WATI</title></html>');
    });
    expectUnknown(result.outcome, /HTML or XML page instead of the documented JSON/);
  });

  it('truncated 200: the connection closes before the announced length', async () => {
    const { result } = await createAgainst((_request, response, _index, socket) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '200' });
      response.write('{"result": true, "info": {"id": "ab');
      setTimeout(() => socket.destroy(), 20);
    });
    expectUnknown(result.outcome, /could not be read/);
  });

  it('truncated chunked 200 that still parses as nothing', async () => {
    const { result } = await createAgainst((_request, response, _index, socket) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"result": tr');
      setTimeout(() => socket.destroy(), 20);
    });
    expect(result.outcome.kind).toBe('unknown');
  });

  it('oversize 200 announced by content-length is not read', async () => {
    const size = 2 * 1024 ** 3; // 2 GB announced; the server sends only the first part
    const { result } = await createAgainst((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': size });
      response.write('{"result": true, "info": {"id": "x"}, "pad": "');
    });
    expectUnknown(result.outcome, /more than 1048576 bytes/);
  });

  it('oversize chunked 200 (no length announced) is cut after 1 MiB', async () => {
    const { result } = await createAgainst((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"result": true, "info": {"id": "x"}, "pad": "');
      const source = zeros(64 * 1024 * 1024, () => undefined);
      source.pipe(response);
      response.on('close', () => source.destroy());
    });
    expectUnknown(result.outcome, /more than 1048576 bytes/);
  });

  it('an answer of exactly the bound is still read', async () => {
    const head = '{"result": true, "info": {"id": "fits"}, "pad": "';
    const body = `${head}${' '.repeat(MAX_ANSWER_BYTES - head.length - 2)}"}`;
    expect(Buffer.byteLength(body)).toBe(MAX_ANSWER_BYTES);
    const { result } = await createAgainst((_request, response) => reply(response, 200, body));
    expect(result.outcome).toEqual({ kind: 'created', id: 'fits' });
  });
});

describe('a hostile id is recorded as created, bounded', () => {
  it('records a control-laden id as created, with a placeholder instead of the id', async () => {
    const id = 'x\n::add-mask::y\u001b[2J';
    const { result } = await createAgainst((_request, response) =>
      reply(response, 200, { result: true, info: { id } }),
    );
    expect(result.outcome).toEqual({
      kind: 'created',
      id: "[id not kept: Wati's answer was not a usable id: it contains U+000A, a control, invisible or non-printable character, at character 2]",
    });
  });

  it('records a 900 kB id (within the answer bound) as created, with a placeholder', async () => {
    const id = 'i'.repeat(900_000);
    const { result } = await createAgainst((_request, response) =>
      reply(response, 200, { result: true, info: { id } }),
    );
    expect(result.outcome).toEqual({
      kind: 'created',
      id: "[id not kept: Wati's answer was not a usable id: it is more than 256 characters long]",
    });
  });

  it('never keeps an id that echoes the token, not even redacted', async () => {
    const { result } = await createAgainst((request, response) =>
      reply(response, 200, { result: true, info: { id: request.headers.authorization } }),
    );
    expect(result.outcome).toEqual({
      kind: 'created',
      id: "[id not kept: Wati's answer held a credential where the id belongs]",
    });
  });
});
