// What a hostile answer costs: the client runs in a child process (the built dist/ client, see
// test/global-setup.ts) whose peak resident memory is compared with the same child receiving a
// normal answer. Before the bound, a gzip bomb of ~4 GiB took 8.5 GB and a 2 GB body crashed Node.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { reply, startServer } from './local-server.js';
import type { Handler, LocalServer } from './local-server.js';
import { zeros } from './zeros.js';

const CHILD = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '../fixtures/wati/create-once.mjs',
);
/** "Tens of MB" above a normal create; the unbounded client needed gigabytes. */
const ALLOWED_EXTRA_BYTES = 48 * 1024 * 1024;

const run = promisify(execFile);
const servers: LocalServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

interface ChildReport {
  outcome: { kind: string; message?: string };
  peakRssBytes: number;
}

async function createInChild(handler: Handler): Promise<ChildReport> {
  const server = await startServer(handler);
  servers.push(server);
  const { stdout } = await run(process.execPath, [CHILD, server.origin], { timeout: 60_000 });
  return JSON.parse(stdout) as ChildReport;
}

describe('memory spent on an answer is bounded', () => {
  it('a gzip bomb (~4 GiB decoded) or a 2 GB body costs tens of MB at most, and is unknown', async () => {
    const normal = await createInChild((_request, response) =>
      reply(response, 200, { result: true, info: { id: 'ok' } }),
    );
    expect(normal.outcome).toEqual({ kind: 'created', id: 'ok' });

    const bomb = await createInChild((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      const source = zeros(4 * 1024 ** 3, () => undefined);
      source.pipe(zlib.createGzip({ level: 1 })).pipe(response);
      response.on('close', () => source.destroy());
    });
    expect(bomb.outcome.kind).toBe('unknown');
    expect(bomb.peakRssBytes - normal.peakRssBytes).toBeLessThan(ALLOWED_EXTRA_BYTES);

    const huge = await createInChild((_request, response) => {
      response.writeHead(200, {
        'content-type': 'application/json',
        'content-length': String(2 * 1024 ** 3),
      });
      const source = zeros(2 * 1024 ** 3, () => undefined);
      source.pipe(response);
      response.on('close', () => source.destroy());
    });
    expect(huge.outcome.kind).toBe('unknown');
    expect(huge.peakRssBytes - normal.peakRssBytes).toBeLessThan(ALLOWED_EXTRA_BYTES);

    const chunked = await createInChild((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      const source = zeros(2 * 1024 ** 3, () => undefined);
      source.pipe(response);
      response.on('close', () => source.destroy());
    });
    expect(chunked.outcome.kind).toBe('unknown');
    expect(chunked.peakRssBytes - normal.peakRssBytes).toBeLessThan(ALLOWED_EXTRA_BYTES);
  });
});
