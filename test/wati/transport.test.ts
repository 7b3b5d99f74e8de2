// The transport (src/wati/transport.ts) against real servers on 127.0.0.1: one exchange says
// whether the request was answered, certainly not sent, or maybe sent — never more, never a retry.
// What each of those means for a create or a preview is tested with the operations.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createTransport, MAX_ANSWER_BYTES } from '../../src/wati/transport.js';
import type { Transport, TransportOptions } from '../../src/wati/transport.js';
import { closedPort, reply, startServer } from './local-server.js';
import type { Handler, LocalServer } from './local-server.js';

const TOKEN = 'tok-CANARY-transport';
const BODY = JSON.stringify({ hello: 'wati' });

const PACKAGE_VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

const servers: LocalServer[] = [];
const transports: Transport[] = [];

afterEach(async () => {
  for (const transport of transports.splice(0)) transport.close();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serve(handler: Handler): Promise<LocalServer> {
  const server = await startServer(handler);
  servers.push(server);
  return server;
}

function transport(options: Partial<TransportOptions> = {}): Transport {
  const made = createTransport({
    token: TOKEN,
    connectTimeoutMs: 2_000,
    responseTimeoutMs: 2_000,
    maxSockets: 4,
    ...options,
  });
  transports.push(made);
  return made;
}

describe('answered', () => {
  it('POSTs the body with the token, JSON headers and segsync user agent; hands the answer back', async () => {
    const server = await serve((_request, response) =>
      reply(response, 201, { ok: true }, { 'x-extra': 'yes' }),
    );
    const exchange = await transport().exchange(`${server.origin}/some/path`, BODY);

    expect(exchange).toMatchObject({
      kind: 'answered',
      status: 201,
      headers: { 'x-extra': 'yes' },
      body: { read: 'whole', text: '{"ok":true}' },
    });
    const [request] = server.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/some/path', body: BODY });
    expect(request?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers.accept).toBe('application/json');
    expect(request?.headers['user-agent']).toBe(`segsync/${PACKAGE_VERSION}`);
  });

  it('hands a redirect back without following it', async () => {
    const other = await serve((_request, response) => reply(response, 200, 'elsewhere'));
    const server = await serve((_request, response) =>
      reply(response, 302, '', { location: `${other.origin}/x` }),
    );
    const exchange = await transport().exchange(server.origin, BODY);
    expect(exchange).toMatchObject({ kind: 'answered', status: 302 });
    expect(other.requests).toHaveLength(0);
  });

  it('does not read an answer beyond the bound, and says so', async () => {
    const server = await serve((_request, response) =>
      reply(response, 400, 'x'.repeat(MAX_ANSWER_BYTES + 1)),
    );
    const exchange = await transport().exchange(server.origin, BODY);
    expect(exchange).toMatchObject({ kind: 'answered', status: 400, body: { read: 'too-large' } });
  });

  it('says when the body was cut off after the headers', async () => {
    const server = await serve((_request, response, _index, socket) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '500' });
      response.write('{"partial":');
      setTimeout(() => socket.destroy(), 20);
    });
    const exchange = await transport().exchange(server.origin, BODY);
    expect(exchange).toMatchObject({ kind: 'answered', status: 200, body: { read: 'cut-off' } });
  });

  it('keeps at most maxSockets connections open, however many exchanges run at once', async () => {
    const server = await serve((_request, response) => {
      setTimeout(() => reply(response, 200, '{}'), 100);
    });
    const wire = transport({ maxSockets: 3 });
    const exchanges = await Promise.all(
      Array.from({ length: 9 }, () => wire.exchange(server.origin, BODY)),
    );
    expect(exchanges.every((exchange) => exchange.kind === 'answered')).toBe(true);
    expect(server.connections).toBe(3);
  });
});

describe('not sent: nothing left this machine', () => {
  it('a refused connection', async () => {
    const port = await closedPort();
    const exchange = await transport().exchange(`http://127.0.0.1:${port}`, BODY);
    expect(exchange).toEqual({
      kind: 'not-sent',
      reason: `could not connect to 127.0.0.1:${port} (connection refused)`,
    });
  });

  it('a failed TLS handshake (https to a plain-HTTP port)', async () => {
    const server = await serve((_request, response) => reply(response, 200, '{}'));
    const exchange = await transport().exchange(`https://127.0.0.1:${server.port}`, BODY);
    expect(exchange.kind).toBe('not-sent');
    if (exchange.kind === 'not-sent') expect(exchange.reason).toMatch(/TLS handshake/);
    expect(server.requests).toHaveLength(0);
  });
});

describe('maybe sent: the request may have been written', () => {
  it('the connection drops after the request arrived', async () => {
    const server = await serve((_request, _response, _index, socket) => socket.destroy());
    const exchange = await transport().exchange(server.origin, BODY);
    expect(exchange.kind).toBe('maybe-sent');
    expect(server.requests).toHaveLength(1);
  });

  it('no answer within the response timeout', async () => {
    const server = await serve(() => {
      // Never answers; the connection is closed when the server closes.
    });
    const exchange = await transport({ responseTimeoutMs: 150 }).exchange(server.origin, BODY);
    expect(exchange).toEqual({
      kind: 'maybe-sent',
      reason: `no answer from 127.0.0.1:${server.port} within 150 ms after the request was sent`,
    });
  });
});

describe('redaction', () => {
  it('hides the token it sends, in the forms a server may echo it', () => {
    const { redact } = transport();
    const echoed = `${TOKEN} ${encodeURIComponent(TOKEN)} ${Buffer.from(TOKEN).toString('base64')}`;
    expect(redact(echoed)).not.toContain('CANARY');
  });
});
