// Splits CPU-bound work between the main thread and one worker thread.
//
// Why: parsing YAML is ~70% of `plan` on a large repository and the yaml package has no faster
// mode, so a second core is the one lever left that is not a trade-off (10,000 files on 2 cores:
// 3.2 s → 2.7 s; more on machines whose second core is not busy with V8's own threads).
//
// How: the work is cut into numbered chunks. Both threads claim chunk numbers from one shared
// counter (Atomics), so whichever thread is free takes the next chunk: a worker that is slow to
// start simply ends up with fewer. The worker sends all its results in one message at the end.
// Anything the worker did not deliver — it could not start, it failed, or it was cut off — is
// done on the main thread, so the result never depends on the worker. Chunk results are returned
// in chunk order, exactly as a serial run would produce them.

import type { Worker } from 'node:worker_threads';

/** The shared counter's slots. */
const NEXT_CHUNK = 0;
/** How many chunks the worker has claimed: 0 means it is not busy, so the main thread need not wait. */
const WORKER_CLAIMS = 1;

export interface SharedChunks {
  /** Two Int32 slots: the next chunk number, and the worker's claim count. */
  counter: SharedArrayBuffer;
  chunkCount: number;
}

/** What the worker posts back: [chunk number, result] pairs. */
export type ChunkResults<T> = [number, T][];

export interface ShareWorkOptions<T> {
  chunkCount: number;
  /** Does one chunk on the main thread (also used for every chunk the worker did not deliver). */
  processChunk: (index: number) => T;
  /** The worker's module; it must call `serveChunks` with the same chunking. */
  workerUrl: URL;
  /** Plain data the worker needs besides the counter (structured-cloned). */
  workerData: object;
}

/** Runs every chunk once, sharing them with one worker thread; results in chunk order. */
export async function shareWork<T>(options: ShareWorkOptions<T>): Promise<T[]> {
  const { chunkCount, processChunk } = options;
  // Loaded here, not at start: only large repositories share work, and the module costs ~1.5 ms.
  const { Worker: WorkerThread } = await import('node:worker_threads');
  const counter = new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT);
  const slots = new Int32Array(counter);
  const shared: SharedChunks = { counter, chunkCount };

  let worker: Worker | undefined;
  const delivered = new Promise<Map<number, T>>((resolve) => {
    const none = () => resolve(new Map());
    try {
      worker = new WorkerThread(options.workerUrl, {
        workerData: { ...options.workerData, shared },
      });
    } catch {
      none();
      return;
    }
    worker.once('message', (results: ChunkResults<T>) => resolve(new Map(results)));
    // Whatever went wrong in the worker, the main thread redoes its chunks: never fatal.
    worker.once('error', none);
    worker.once('exit', none);
  });

  const mine = new Map<number, T>();
  claimChunks(slots, chunkCount, (index) => mine.set(index, processChunk(index)));

  // A worker that never claimed a chunk (still starting) has nothing to deliver: don't wait for it.
  // If it claims one right after this check, that chunk is simply redone below.
  const theirs = Atomics.load(slots, WORKER_CLAIMS) > 0 ? await delivered : new Map<number, T>();
  void worker?.terminate();

  const results: T[] = [];
  for (let index = 0; index < chunkCount; index++) {
    results.push(mine.get(index) ?? theirs.get(index) ?? processChunk(index));
  }
  return results;
}

/** The worker's side: claims chunks until none are left, then posts every result at once. */
export function serveChunks<T>(
  shared: SharedChunks,
  processChunk: (index: number) => T,
  post: (results: ChunkResults<T>) => void,
): void {
  const slots = new Int32Array(shared.counter);
  const results: ChunkResults<T> = [];
  claimChunks(
    slots,
    shared.chunkCount,
    (index) => results.push([index, processChunk(index)]),
    () => Atomics.add(slots, WORKER_CLAIMS, 1),
  );
  post(results);
}

function claimChunks(
  slots: Int32Array,
  chunkCount: number,
  run: (index: number) => void,
  onClaim?: () => void,
): void {
  for (;;) {
    const index = Atomics.add(slots, NEXT_CHUNK, 1);
    if (index >= chunkCount) return;
    onClaim?.();
    run(index);
  }
}
