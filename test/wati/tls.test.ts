// TLS certificate problems against a real https server on 127.0.0.1 with certificates made by
// `openssl` in the test: each stops at once as an untrusted certificate with the
// NODE_EXTRA_CA_CERTS hint, after one connection and without a byte of the request sent. The
// client runs in a child process so that NODE_EXTRA_CA_CERTS (read at start-up) can trust the
// test CA, which also proves that the hint works.
import { execFile } from 'node:child_process';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyPair, TestCertificates } from './tls-certificates.js';
import { makeTestCertificates } from './tls-certificates.js';

const run = promisify(execFile);
const CHILD = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '../fixtures/wati/create-once.mjs',
);

let certificates: TestCertificates;
beforeAll(() => {
  certificates = makeTestCertificates();
});
afterAll(() => certificates.remove());

interface Seen {
  connections: number;
  requests: number;
}

async function withHttpsServer<T>(
  pair: KeyPair,
  use: (origin: string, seen: Seen) => Promise<T>,
): Promise<T> {
  const seen: Seen = { connections: 0, requests: 0 };
  const server = https.createServer({ key: pair.key, cert: pair.cert }, (req, res) => {
    seen.requests++;
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ result: true, info: { id: 'tls-ok' } }));
    });
  });
  server.on('connection', () => seen.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    return await use(`https://127.0.0.1:${port}`, seen);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

async function createInChild(origin: string) {
  const { stdout } = await run(process.execPath, [CHILD, origin], {
    timeout: 30_000,
    env: { ...process.env, NODE_EXTRA_CA_CERTS: certificates.caFile },
  });
  return (JSON.parse(stdout) as { outcome: { kind: string; reason?: string; message?: string } })
    .outcome;
}

describe('TLS certificates', () => {
  it('creates through a certificate signed by a CA given in NODE_EXTRA_CA_CERTS', async () => {
    await withHttpsServer(certificates.valid, async (origin, seen) => {
      expect(await createInChild(origin)).toEqual({ kind: 'created', id: 'tls-ok' });
      expect(seen.requests).toBe(1);
    });
  });

  it.each([
    ['self-signed', 'selfSigned', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'it is self-signed'],
    ['for another host', 'wrongHost', 'ERR_TLS_CERT_ALTNAME_INVALID', 'another host name'],
    ['expired', 'expired', 'CERT_HAS_EXPIRED', 'it has expired'],
    ['from an unknown CA', 'unknownCa', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'does not know'],
  ] as const)(
    'a certificate %s stops at once as untrusted, with the NODE_EXTRA_CA_CERTS hint',
    async (_label, which, code, meaning) => {
      await withHttpsServer(certificates[which], async (origin, seen) => {
        const outcome = await createInChild(origin);
        expect(outcome).toMatchObject({ kind: 'stop', reason: 'untrusted-certificate' });
        expect(outcome.message).toContain(code);
        expect(outcome.message).toContain(meaning);
        expect(outcome.message).toContain('NODE_EXTRA_CA_CERTS=');
        expect(outcome.message).toContain('nothing was sent');
        // One handshake, no retries, and the request itself never reached the server.
        expect(seen.connections).toBe(1);
        expect(seen.requests).toBe(0);
      });
    },
  );
});
