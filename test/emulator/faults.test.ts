import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { EmulatorHandle } from '../../src/emulator/server.js';
import { createSegment, emulatorPerTest, staticSegment, waitUntil } from './support.js';

const start = emulatorPerTest();

async function statusesOf(emulator: EmulatorHandle, count: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let index = 0; index < count; index += 1) {
    statuses.push((await createSegment(emulator, staticSegment(`S${index}`))).status);
  }
  return statuses;
}

describe('latency', () => {
  it('commits the create before answering', async () => {
    const em = await start({ latencyMs: 100 });
    const answer = await createSegment(em, staticSegment('Slow'));

    expect(answer.status).toBe(200);
    expect(em.snapshot().segments.map((segment) => segment.id)).toEqual([answer.body.info?.id]);
  });
});

describe('fail rate', () => {
  it('fails the same creates for the same seed, and creates nothing on a 500', async () => {
    const first = await start({ seed: 42, failRate: 0.5 });
    const second = await start({ seed: 42, failRate: 0.5 });
    const firstStatuses = await statusesOf(first, 20);
    const secondStatuses = await statusesOf(second, 20);

    expect(firstStatuses).toEqual(secondStatuses);
    expect(firstStatuses).toContain(200);
    expect(firstStatuses).toContain(500);
    const successes = firstStatuses.filter((status) => status === 200).length;
    expect(first.snapshot().segments).toHaveLength(successes);
    expect(first.snapshot().requests.byStatus['500']).toBe(20 - successes);
  });

  it('answers 500 with a JSON body', async () => {
    const em = await start({ failRate: 1 });
    const answer = await createSegment(em, staticSegment('A'));

    expect(answer.status).toBe(500);
    expect(answer.body).toEqual({ result: false, message: 'failed to create' });
    expect(em.snapshot().segments).toEqual([]);
  });

  it('replays the same faults after a reset', async () => {
    const em = await start({ seed: 7, failRate: 0.5 });
    const before = await statusesOf(em, 12);
    em.reset();
    const after = await statusesOf(em, 12);

    expect(after).toEqual(before);
  });
});

describe('rate limit', () => {
  it('answers 429 with an integer Retry-After once the bucket is empty', async () => {
    // 0.01 request/s: one token, and the next one a hundred seconds away.
    const em = await start({ rateLimitRps: 0.01 });
    const first = await createSegment(em, staticSegment('A'));
    const second = await createSegment(em, staticSegment('B'));

    expect(first.status).toBe(200);
    expect(second.status).toBe(429);
    expect(second.body.result).toBe(false);
    const retryAfter = second.headers.get('retry-after') ?? '';
    expect(retryAfter).toMatch(/^\d+$/);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(em.snapshot().segments.map((segment) => segment.name)).toEqual(['A']);
  });

  it('stops limiting when the rate limit is switched off', async () => {
    const em = await start({ rateLimitRps: 0.01 });
    await createSegment(em, staticSegment('A'));
    em.configure({ rateLimitRps: undefined });

    expect((await createSegment(em, staticSegment('B'))).status).toBe(200);
  });
});

describe('drop after commit', () => {
  it('creates the segment and then cuts the connection without an answer', async () => {
    const em = await start({ dropAfterCommitRate: 1 });

    await expect(createSegment(em, staticSegment('Lost'))).rejects.toThrow();
    const snapshot = em.snapshot();
    expect(snapshot.segments.map((segment) => segment.name)).toEqual(['Lost']);
    expect(snapshot.requests.byStatus).toEqual({ dropped: 1 });

    em.configure({ dropAfterCommitRate: 0 });
    expect((await createSegment(em, staticSegment('Lost'))).status).toBe(200);
    expect(em.snapshot().duplicates).toEqual(['Lost']);
  });
});

describe('concurrency and shutdown', () => {
  it('counts the most requests in flight at once', async () => {
    const em = await start({ latencyMs: 500 });
    const answers = await Promise.all(
      ['A', 'B', 'C', 'D'].map((name) => createSegment(em, staticSegment(name))),
    );

    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
    const snapshot = em.snapshot();
    expect(snapshot.maxInFlight).toBe(4);
    expect(snapshot.inFlight).toBe(0);
  });

  it('closes without waiting for requests stuck in a long latency, and commits none', async () => {
    const em = await start({ latencyMs: 60_000 });
    const pending = ['A', 'B', 'C'].map((name) => createSegment(em, staticSegment(name)));
    await waitUntil(() => em.snapshot().inFlight === 3);

    await em.close();

    const outcomes = await Promise.allSettled(pending);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected', 'rejected']);
    const snapshot = em.snapshot();
    expect(snapshot.segments).toEqual([]);
    expect(snapshot.inFlight).toBe(0);
    expect(snapshot.maxInFlight).toBe(3);
  });

  it('closes while a client is still sending its body', async () => {
    const em = await start();
    const client = request(`${em.url}/api/v1/createCustomSegment`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${em.token}`, 'Content-Length': '1000' },
    });
    const clientFailed = new Promise<void>((resolve) => client.on('error', () => resolve()));
    client.write('{"name": "Half');
    await waitUntil(() => em.snapshot().inFlight === 1);

    await em.close();

    await clientFailed;
    expect(em.snapshot().inFlight).toBe(0);
    expect(em.snapshot().segments).toEqual([]);
  });

  it('closes with an idle keep-alive connection open', async () => {
    const em = await start();
    const response = await fetch(`${em.url}/__emulator/state`, {
      headers: { Connection: 'keep-alive' },
    });
    await response.text();

    await em.close();
    await expect(fetch(`${em.url}/__emulator/state`)).rejects.toThrow();
  });
});
