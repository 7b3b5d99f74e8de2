// segsync apply end to end, in-process, over real HTTP: the emulator or purpose-built local
// servers on 127.0.0.1. The token is a canary that must never show up anywhere.
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { createGzip } from 'node:zlib';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApplyResult } from '../../src/apply/result.js';
import type { EmulatorHandle } from '../../src/emulator/server.js';
import { startEmulator } from '../../src/emulator/server.js';
import type { State } from '../../src/core/model.js';
import type { CliRun } from '../helpers/cli.js';
import { runCli } from '../helpers/cli.js';
import { EMPTY_STATE } from '../../bench/lib/workspace.mjs';
import { makeTestCertificates } from '../wati/tls-certificates.js';
import { zeros } from '../wati/zeros.js';

const CANARY = 'tok-CANARY-5b1e9c';

let dir: string;
let emulator: EmulatorHandle | undefined;
const servers: Server[] = [];
const outputs: string[] = [];

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'segsync-apply-'));
  // The empty state file `segsync init` writes: apply refuses to create without a state file.
  await writeFile(statePath(), EMPTY_STATE);
});

afterEach(async () => {
  // Whatever happened in the test, the token never appears in anything it produced.
  for (const text of outputs) expect(text).not.toContain(CANARY);
  const state = await readFile(statePath(), 'utf8').catch(() => '');
  expect(state).not.toContain(CANARY);
  outputs.length = 0;
  await emulator?.close();
  emulator = undefined;
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  await rm(dir, { recursive: true, force: true });
});

function statePath(): string {
  return path.join(dir, 'segsync.state.json');
}

async function readStateFile(): Promise<State> {
  return JSON.parse(await readFile(statePath(), 'utf8')) as State;
}

async function writeSegments(names: string[]): Promise<void> {
  await mkdir(path.join(dir, 'segments'), { recursive: true });
  const docs = names.map(
    (name) => `name: ${name}\nrefreshType: static\ncontactIds: ["${name.length}001"]\n`,
  );
  await writeFile(path.join(dir, 'segments', 'all.yaml'), docs.join('---\n'));
}

const names = (count: number, prefix = 'Segment') =>
  Array.from({ length: count }, (_, i) => `${prefix} ${String(i + 1).padStart(3, '0')}`);

async function apply(endpoint: string, extra: string[] = [], token = CANARY): Promise<CliRun> {
  const run = await runCli(['apply', 'segments', '--yes', '--state', statePath(), ...extra], {
    cwd: dir,
    env: { WATI_API_ENDPOINT: endpoint, WATI_API_TOKEN: `Bearer ${token}` },
  });
  outputs.push(run.stdout, run.stderr);
  return run;
}

const validateApplyResult = new Ajv2020({ allErrors: true }).compile(
  JSON.parse(
    readFileSync(new URL('../../schemas/apply-result.schema.json', import.meta.url), 'utf8'),
  ) as object,
);

/** `apply --format json`: stdout is one JSON document, valid against its schema. */
async function applyJson(
  endpoint: string,
  extra: string[] = [],
): Promise<{ run: CliRun; result: ApplyResult }> {
  const run = await apply(endpoint, ['--format', 'json', ...extra]);
  const result = JSON.parse(run.stdout) as ApplyResult;
  expect(validateApplyResult(result), JSON.stringify(validateApplyResult.errors)).toBe(true);
  expect(result.exitCode).toBe(run.code);
  return { run, result };
}

async function startTestServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('apply against the emulator', () => {
  it('creates every planned segment, never more than --concurrency at once, and records each', async () => {
    // 20 segments: an account whose plan allows more than Wati's default 10.
    emulator = await startEmulator({ token: CANARY, latencyMs: 40, segmentLimit: 20 });
    await writeSegments(names(20));
    const { run, result } = await applyJson(`${emulator.url}/123456`, ['--concurrency', '3']);
    expect(run.code).toBe(0);
    expect(result.summary).toMatchObject({ planned: 20, created: 20, failed: 0, unknown: 0 });
    // 40 mutations (pending, then created, per segment), grouped into fewer durable appends.
    expect(result.stateWrites?.writes).toBeGreaterThan(0);
    expect(result.stateWrites?.writes).toBeLessThanOrEqual(40);
    expect(result.stateWrites?.bytes).toBeGreaterThan(0);
    const snapshot = emulator.snapshot();
    expect(snapshot.maxInFlight).toBeLessThanOrEqual(3);
    expect(snapshot.maxInFlight).toBeGreaterThan(1);
    expect(snapshot.duplicates).toEqual([]);
    const state = await readStateFile();
    expect(state.endpoint).toBe(`${emulator.url}/123456`);
    for (const segment of snapshot.segments) {
      expect(state.segments[segment.name]).toMatchObject({ status: 'created', id: segment.id });
    }
    // A second apply has nothing to do and sends nothing.
    const again = await apply(`${emulator.url}/123456`);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('Nothing to create.');
    const againJson = await applyJson(`${emulator.url}/123456`);
    expect(againJson.result.summary).toEqual({
      planned: 0,
      created: 0,
      failed: 0,
      unknown: 0,
      notAttempted: 0,
    });
    expect(emulator.snapshot().requests.total).toBe(20);
  });

  it('keeps exactly --concurrency creates in flight (the socket pool follows it) and reports it', async () => {
    // Before: the HTTP agent kept its default of 8 sockets whatever --concurrency said.
    emulator = await startEmulator({ token: CANARY, latencyMs: 300, segmentLimit: 48 });
    await writeSegments(names(48));
    const { run, result } = await applyJson(emulator.url, ['--concurrency', '16']);
    expect(run.code).toBe(0);
    expect(emulator.snapshot().maxInFlight).toBe(16);
    expect(result.concurrency).toEqual({ limit: 16, maxInFlight: 16 });
    const text = await apply(emulator.url);
    expect(text.stdout).toContain('Nothing to create.');
  });

  it('says in the text report how many creates were in flight at most', async () => {
    emulator = await startEmulator({ token: CANARY, latencyMs: 200 });
    await writeSegments(names(4));
    const run = await apply(emulator.url, ['--concurrency', '2']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/at most 2 of 2 in flight/);
  });

  it('stops at the segment limit: no new creates, in-flight ones recorded, exit 3', async () => {
    emulator = await startEmulator({ token: CANARY, latencyMs: 60, segmentLimit: 5 });
    await writeSegments(names(12));
    const { run, result } = await applyJson(emulator.url, ['--concurrency', '4']);
    expect(run.code).toBe(3);
    expect(result.stop?.reason).toBe('limit-reached');
    const snapshot = emulator.snapshot();
    expect(snapshot.segments).toHaveLength(5);
    expect(result.summary.created).toBe(5);
    expect(result.summary.notAttempted).toBeGreaterThan(0);
    // Each create left over says why, in the result document.
    const leftOver = result.results.filter((r) => r.result === 'not-attempted');
    for (const row of leftOver) {
      expect(row.message).toBe("Not attempted: the account's active-segment limit was reached.");
    }
    // Only requests already started when the limit answer came may follow it.
    expect(snapshot.requests.total).toBeLessThanOrEqual(5 + 4);
    const state = await readStateFile();
    const created = Object.values(state.segments).filter((e) => e.status === 'created');
    expect(created.map((e) => (e.status === 'created' ? e.id : '')).sort()).toEqual(
      snapshot.segments.map((s) => s.id).sort(),
    );
    expect(Object.values(state.segments).some((e) => e.status === 'pending')).toBe(false);
    expect(run.stderr + run.stdout).toMatch(/limit/i);
  });

  it('stops at once when the feature is unavailable (exit 1: nothing changed in Wati)', async () => {
    emulator = await startEmulator({ token: CANARY, featureDisabled: true, latencyMs: 20 });
    await writeSegments(names(8));
    const { run, result } = await applyJson(emulator.url, ['--concurrency', '2']);
    expect(run.code).toBe(1);
    expect(result.stop?.reason).toBe('feature-unavailable');
    expect(emulator.snapshot().requests.total).toBeLessThanOrEqual(2);
    expect(result.summary.notAttempted).toBeGreaterThanOrEqual(6);
    expect((await readStateFile()).segments).toEqual({});
  });

  it('stops at once on a rejected token, saying to check it without showing it', async () => {
    emulator = await startEmulator({ token: 'the-real-token', latencyMs: 20 });
    await writeSegments(names(6));
    const run = await apply(emulator.url, ['--concurrency', '1']);
    expect(run.code).toBe(1);
    expect(emulator.snapshot().requests.total).toBe(1);
    expect(run.stdout).toMatch(/token/i);
  });

  it('honours 429 Retry-After and creates everything without a failure', async () => {
    emulator = await startEmulator({ token: CANARY, rateLimitRps: 3 });
    await writeSegments(names(7));
    const { run, result } = await applyJson(emulator.url, ['--concurrency', '4']);
    expect(run.code).toBe(0);
    expect(result.summary.created).toBe(7);
    expect(emulator.snapshot().requests.byStatus['429']).toBeGreaterThan(0);
    expect(emulator.snapshot().duplicates).toEqual([]);
  });

  it('makes a dropped answer an unknown outcome that the next apply leaves alone (exit 3) until resolved', async () => {
    emulator = await startEmulator({ token: CANARY, dropAfterCommitRate: 1 });
    await writeSegments(['Dropped one']);
    const first = await apply(emulator.url);
    expect(first.code).toBe(3);
    expect(first.stdout).toContain('unknown');
    expect(emulator.snapshot().createsByName).toEqual({ 'Dropped one': 1 });
    expect((await readStateFile()).segments['Dropped one']?.status).toBe('pending');

    emulator.configure({ dropAfterCommitRate: 0 });
    const blocked = await apply(emulator.url);
    expect(blocked.code).toBe(3);
    expect(blocked.stdout).toContain('Needs settling (1)');
    expect(blocked.stdout).toContain('segsync state resolve "Dropped one"');
    expect(emulator.snapshot().createsByName).toEqual({ 'Dropped one': 1 });

    const id = emulator.snapshot().segments[0]!.id;
    const resolved = await runCli(
      ['state', 'resolve', 'Dropped one', '--id', id, '--state', statePath()],
      { cwd: dir },
    );
    expect(resolved.code).toBe(0);
    const after = await apply(emulator.url);
    expect(after.code).toBe(0);
    expect(after.stdout).toContain('Nothing to create.');
    expect(emulator.snapshot().duplicates).toEqual([]);
  });

  it('refuses a state file that belongs to another endpoint', async () => {
    emulator = await startEmulator({ token: CANARY });
    await writeSegments(['One']);
    expect((await apply(`${emulator.url}/111`)).code).toBe(0);
    await writeSegments(['One', 'Two']);
    const other = await apply(`${emulator.url}/222`);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain(`${emulator.url}/111`);
    expect(other.stderr).toContain(`${emulator.url}/222`);
    expect(emulator.snapshot().requests.total).toBe(1);
  });
});

describe('apply against purpose-built servers', () => {
  it('retries a 500 and then succeeds', async () => {
    let calls = 0;
    const url = await startTestServer((req, res) => {
      req.resume();
      req.on('end', () => {
        calls++;
        res.setHeader('content-type', 'application/json');
        if (calls === 1) {
          res.statusCode = 500;
          res.end(JSON.stringify({ result: false, message: 'failed to create' }));
        } else {
          res.end(JSON.stringify({ result: true, info: { id: 'seg-42', name: 'Only' } }));
        }
      });
    });
    await writeSegments(['Only']);
    const { run, result } = await applyJson(url);
    expect(run.code).toBe(0);
    expect(calls).toBe(2);
    expect(result.results[0]).toMatchObject({ result: 'created', id: 'seg-42', attempts: 2 });
  });

  it('does not follow a redirect, names its host, and sends nothing more', async () => {
    let calls = 0;
    const url = await startTestServer((req, res) => {
      calls++;
      req.resume();
      res
        .writeHead(302, { location: 'https://elsewhere.example/api/v1/createCustomSegment' })
        .end();
    });
    await writeSegments(names(3));
    const run = await apply(url, ['--concurrency', '1']);
    expect(run.code).toBe(1);
    expect(calls).toBe(1);
    expect(run.stdout).toContain('elsewhere.example');
  });

  it('never echoes the token even when the server puts it in its error message', async () => {
    const url = await startTestServer((req, res) => {
      req.resume();
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: `bad request for ${req.headers.authorization ?? ''}` }));
    });
    await writeSegments(['Echo']);
    const run = await apply(url);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('bad request for');
  });
});

describe('the same unrecognised refusal every time stops the run', () => {
  const refuseEvery = (message: (body: string) => string) => {
    let requests = 0;
    const endpoint = startTestServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        requests++;
        res.writeHead(422, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ result: false, message: message(body) }));
      });
    });
    return { endpoint, requests: () => requests };
  };

  it('after 3 identical 4xx answers with no success between, the rest is not sent (stop reason repeated-refusal)', async () => {
    const server = refuseEvery(() => 'Workspace suspended pending review');
    await writeSegments(names(12));
    const { run, result } = await applyJson(await server.endpoint, ['--concurrency', '1']);
    expect(run.code).toBe(1);
    expect(server.requests()).toBe(3);
    expect(result.stop?.reason).toBe('repeated-refusal');
    expect(result.stop?.message).toContain('Workspace suspended pending review');
    expect(result.summary).toMatchObject({ failed: 3, notAttempted: 9 });
    const text = await apply(await server.endpoint, ['--concurrency', '1']);
    expect(text.stdout).toMatch(
      /Stopped: Wati refused 3 creates with the same answer and created none in between/,
    );
    expect((await readStateFile()).segments).toEqual({});
  });

  it('refusals that name their segment are that segment’s own: every create is sent', async () => {
    const server = refuseEvery(
      (body) => `Invalid filter in ${(JSON.parse(body) as { name: string }).name}`,
    );
    await writeSegments(names(6));
    const { result } = await applyJson(await server.endpoint, ['--concurrency', '1']);
    expect(server.requests()).toBe(6);
    expect(result.stop).toBeUndefined();
    expect(result.summary.failed).toBe(6);
  });
});

describe('an untrusted TLS certificate stops the run at once', () => {
  it('self-signed: one connection, nothing sent, not attempted, the NODE_EXTRA_CA_CERTS hint', async () => {
    const certificates = makeTestCertificates();
    let connections = 0;
    let requests = 0;
    const server = createHttpsServer(certificates.selfSigned, (req, res) => {
      requests++;
      req.resume();
      res.end();
    });
    server.on('connection', () => connections++);
    try {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
      await writeSegments(names(5));
      const { run, result } = await applyJson(url, ['--concurrency', '1']);
      expect(run.code).toBe(1);
      expect(result.stop?.reason).toBe('untrusted-certificate');
      expect(result.stop?.message).toContain('NODE_EXTRA_CA_CERTS=');
      expect(result.summary).toMatchObject({ created: 0, failed: 0, unknown: 0, notAttempted: 5 });
      expect(connections).toBe(1);
      expect(requests).toBe(0);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      certificates.remove();
    }
  });
});

describe('a throttled account stops the run within a bounded time, nothing lost', () => {
  // Before: each segment waited up to 60 s per retry, 5 tries: 8 segments took 480 s to fail.
  it.each([
    ['Retry-After: 1000000000', { 'retry-after': '1000000000' }, /wait 32 years/],
    ['an HTTP date in 2099', { 'retry-after': 'Thu, 01 Jan 2099 00:00:00 GMT' }, /wait \d+ years/],
    ['persistent 429 without Retry-After', {}, /still answered 429/],
  ])('%s', async (_label, headers: Record<string, string>, message) => {
    let calls = 0;
    const url = await startTestServer((req, res) => {
      calls++;
      req.resume();
      res.writeHead(429, headers).end();
    });
    await writeSegments(names(8));
    const started = performance.now();
    const { run, result } = await applyJson(url, ['--concurrency', '2']);
    // The expected time is a few seconds at most; the bound is far from it and far below 480 s.
    expect(performance.now() - started).toBeLessThan(60_000);
    expect(run.code).toBe(1);
    expect(result.stop).toMatchObject({ reason: 'rate-limited' });
    expect(result.stop?.message).toMatch(message);
    expect(result.summary).toMatchObject({ created: 0, failed: 0, unknown: 0, notAttempted: 8 });
    expect(calls).toBeLessThanOrEqual(2 * 5);
    // Nothing pending: every segment is simply still to do, and the next plan says so.
    expect(Object.keys((await readStateFile().catch(() => ({ segments: {} }))).segments)).toEqual(
      [],
    );
  });
});

describe('a 2xx that does not say what happened: unknown, pending kept, the next apply sends nothing', () => {
  const answers: Record<string, (res: ServerResponse) => void> = {
    'an HTML page': (res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><title>Welcome</title></html>');
    },
    'a truncated body': (res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"result": true, "info": {"id": "ab');
      setTimeout(() => res.socket?.destroy(), 20);
    },
    'an oversize body': (res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"result": true, "info": {"id": "x"}, "pad": "');
      const source = zeros(64 * 1024 * 1024, () => undefined);
      source.pipe(res);
      res.on('close', () => source.destroy());
    },
    'a gzip bomb': (res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      const source = zeros(4 * 1024 ** 3, () => undefined);
      source.pipe(createGzip({ level: 1 })).pipe(res);
      res.on('close', () => source.destroy());
    },
  };

  it.each(Object.keys(answers))('HTTP 200 with %s', async (kind) => {
    let calls = 0;
    const url = await startTestServer((req, res) => {
      calls++;
      req.resume();
      req.on('end', () => answers[kind]!(res));
    });
    await writeSegments(['Hostile']);
    const { run, result } = await applyJson(url);
    expect(run.code).toBe(3);
    expect(result.results[0]).toMatchObject({ name: 'Hostile', result: 'unknown', attempts: 1 });
    expect((await readStateFile()).segments['Hostile']?.status).toBe('pending');

    // It blocks only itself: nothing else to create, and apply stays at exit 3 until settled.
    const next = await apply(url);
    expect(next.code).toBe(3);
    expect(next.stdout).toContain('segsync state resolve "Hostile"');
    expect(calls).toBe(1);
  });
});

describe('apply refuses before sending anything', () => {
  it('refuses http to a non-loopback host', async () => {
    await writeSegments(['One']);
    const run = await apply('http://wati.example.com/123');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/https/i);
  });

  it('refuses without --yes when not on a terminal', async () => {
    emulator = await startEmulator({ token: CANARY });
    await writeSegments(['One']);
    const run = await runCli(['apply', 'segments', '--state', statePath()], {
      cwd: dir,
      env: { WATI_API_ENDPOINT: emulator.url, WATI_API_TOKEN: CANARY },
    });
    outputs.push(run.stdout, run.stderr);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('--yes');
    expect(emulator.snapshot().requests.total).toBe(0);
  });

  it('says which variable is missing', async () => {
    await writeSegments(['One']);
    const run = await runCli(['apply', 'segments', '--yes', '--state', statePath()], {
      cwd: dir,
      env: {},
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('WATI_API_ENDPOINT is not set');
  });
});
