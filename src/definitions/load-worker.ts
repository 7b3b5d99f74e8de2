// The worker thread's half of loadAndValidateDefinitions on large repositories: it claims chunks
// of files from the counter it shares with the main thread, reads, parses and validates them, and
// posts the results back as plain data (see work-sharing.ts).
import { parentPort, workerData } from 'node:worker_threads';
import type { SharedChunks } from './work-sharing.js';
import { serveChunks } from './work-sharing.js';
import type { LoadWorkerData } from './load-definitions.js';
import { collectFiles } from './load-definitions.js';

const { found, options, filesPerChunk, shared } = workerData as LoadWorkerData & {
  shared: SharedChunks;
};

serveChunks(
  shared,
  (index) => collectFiles(found.slice(index * filesPerChunk, (index + 1) * filesPerChunk), options),
  (results) => parentPort?.postMessage(results),
);
