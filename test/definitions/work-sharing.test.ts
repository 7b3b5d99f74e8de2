// The work-sharing driver that lets a worker thread take part in loading large repositories. It
// runs the built modules (a worker needs JavaScript): test/global-setup.ts builds dist/ first.
import { describe, expect, it } from 'vitest';
import type { shareWork as shareWorkSource } from '../../src/definitions/work-sharing.js';

type ShareWork = typeof shareWorkSource;
const { shareWork } = (await import(
  new URL('../../dist/definitions/work-sharing.js', import.meta.url).href
)) as { shareWork: ShareWork };

interface Tagged {
  index: number;
  square: number;
  thread: number;
}

const MAIN_THREAD = 0;
const workerUrl = (name: string) => new URL(`../fixtures/workers/${name}`, import.meta.url);
const onMainThread = (index: number): Tagged => ({
  index,
  square: index * index,
  thread: MAIN_THREAD,
});

/**
 * The main thread's chunk function, holding its first chunk until the worker has claimed one of
 * its own (the worker raises `signal`), so the worker certainly takes part however slowly it
 * starts. Bounded: 20 s.
 */
function waitingForTheWorker(signal: SharedArrayBuffer): (index: number) => Tagged {
  const flag = new Int32Array(signal);
  let first = true;
  return (index) => {
    if (first) Atomics.wait(flag, 0, 0, 20_000);
    first = false;
    return onMainThread(index);
  };
}

function expectEveryChunkOnceInOrder(results: Tagged[], chunkCount: number): void {
  expect(results.map((result) => result.index)).toEqual([...Array(chunkCount).keys()]);
  for (const result of results) expect(result.square).toBe(result.index * result.index);
}

describe('shareWork', () => {
  it('shares chunks with the worker and returns every result once, in chunk order', async () => {
    const signal = new SharedArrayBuffer(4);
    const results = await shareWork<Tagged>({
      chunkCount: 60,
      processChunk: waitingForTheWorker(signal),
      workerUrl: workerUrl('tagging-worker.mjs'),
      workerData: { signal },
    });
    expectEveryChunkOnceInOrder(results, 60);
    const byWorker = results.filter((result) => result.thread !== MAIN_THREAD);
    expect(byWorker.length).toBeGreaterThan(0);
    expect(byWorker.length).toBeLessThan(60);
  });

  it('does every chunk on the main thread when the worker cannot start', async () => {
    const results = await shareWork<Tagged>({
      chunkCount: 5,
      processChunk: onMainThread,
      workerUrl: workerUrl('broken-worker.mjs'),
      workerData: {},
    });
    expectEveryChunkOnceInOrder(results, 5);
    expect(results.every((result) => result.thread === MAIN_THREAD)).toBe(true);
  });

  it('does every chunk on the main thread when the worker module does not exist', async () => {
    const results = await shareWork<Tagged>({
      chunkCount: 3,
      processChunk: onMainThread,
      workerUrl: workerUrl('no-such-worker.mjs'),
      workerData: {},
    });
    expectEveryChunkOnceInOrder(results, 3);
  });

  it('redoes the chunks of a worker that dies holding one', async () => {
    const signal = new SharedArrayBuffer(4);
    const results = await shareWork<Tagged>({
      chunkCount: 40,
      processChunk: waitingForTheWorker(signal),
      workerUrl: workerUrl('tagging-worker.mjs'),
      // The worker exits while doing its first claimed chunk and delivers nothing.
      workerData: { signal, crashAfter: 0 },
    });
    expectEveryChunkOnceInOrder(results, 40);
    expect(results.every((result) => result.thread === MAIN_THREAD)).toBe(true);
  });
});
