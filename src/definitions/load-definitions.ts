// The definitions' loading orchestration: find the files, read and parse each one (src/yaml),
// run the segment rules on every document (rules.ts) and the rules across documents at the end.
// Keeps no parsed document longer than it takes to validate it. On large repositories a worker
// thread (load-worker.ts) takes a share of the files (work-sharing.ts).

import { appendAll } from '../core/append-all.js';
import { availableParallelism } from 'node:os';
import type { Diagnostic } from '../core/model.js';
import type { ParsedFile } from '../yaml/read.js';
import { readYamlFile } from '../yaml/read.js';
import { findDefinitionFiles } from './find-files.js';
import type { FoundFile } from './find-files.js';
import type { CollectedPart, ValidateOptions, ValidateResult } from './rules.js';
import { SegmentCollector } from './rules.js';
import { shareWork } from './work-sharing.js';

/** `cwd`: the paths are resolved, and displayed, relative to it (default: process.cwd()). */
export interface LoadDefinitionsOptions extends ValidateOptions {
  /** The paths were typed on the command line (see FindOptions.given). */
  given?: boolean;
  parallel?: ParallelOptions;
}

/**
 * Below this many files one thread is as fast or faster. Measured on 2 cores (fresh process each
 * run): 2,000 files +11% with a worker, 5,000 ±2%, 10,000 −16%. The worker's own start-up (yaml,
 * ajv, schema compile) costs ~150 ms, and the two threads then compete with V8's background
 * compiler and garbage collector, which a single thread leaves the second core to.
 */
const PARALLEL_MIN_FILES = 5000;
/** Files per unit of shared work: small enough that neither thread waits long for the other. */
const FILES_PER_CHUNK = 100;

export interface ParallelOptions {
  /** Use a worker thread from this many files on (default 5000); Infinity disables it. */
  minFiles?: number;
  /** Files per chunk of shared work (default 100). */
  filesPerChunk?: number;
}

/**
 * Loads every `.yaml`/`.yml` file under `paths` (see find-files.ts for which files, in what
 * order) and validates them file by file, without keeping parsed documents. From `minFiles`
 * files on, when the machine has a second core, a worker thread takes a share of the files; the
 * result is identical either way.
 *
 * Reads are synchronous: for thousands of small files in the page cache they measured faster
 * than bounded-concurrency async reads, whose per-file promise and thread-pool hops cost more
 * than the I/O they overlap. Holding 10,000 parsed documents at once measured about 10% slower,
 * from garbage collection alone: hence one file at a time.
 */
export async function loadAndValidateDefinitions(
  paths: string[],
  options: LoadDefinitionsOptions = {},
): Promise<ValidateResult & { files: string[] }> {
  const cwd = options.cwd ?? process.cwd();
  const validateOptions: ValidateOptions = {
    ...(options.operators ? { operators: options.operators } : {}),
    ...(options.attributes ? { attributes: options.attributes } : {}),
    ...(options.allowEmpty ? { allowEmpty: true } : {}),
    ...(options.build ? { build: options.build } : {}),
    cwd,
    root: options.root ?? cwd,
  };
  // The walk's diagnostics first, then each chunk's reading and parsing ones, in file order.
  const loaderDiagnostics: Diagnostic[] = [];
  const found = await findDefinitionFiles(paths, cwd, loaderDiagnostics, {
    ...(options.allowEmpty ? { allowEmpty: true } : {}),
    root: validateOptions.root ?? cwd,
    ...(options.given ? { given: true } : {}),
  });
  const chunks = await collectInChunks(found, validateOptions, options.parallel ?? {});

  const collector = new SegmentCollector(validateOptions);
  for (const chunk of chunks) {
    appendAll(loaderDiagnostics, chunk.loaderDiagnostics);
    collector.absorb(chunk.part);
  }
  return { ...collector.finish(loaderDiagnostics), files: found.map(({ file }) => file) };
}

async function collectInChunks(
  found: readonly FoundFile[],
  options: ValidateOptions,
  parallel: ParallelOptions,
): Promise<CollectedFiles[]> {
  const minFiles = parallel.minFiles ?? PARALLEL_MIN_FILES;
  if (found.length < minFiles || availableParallelism() < 2) return [collectFiles(found, options)];
  const filesPerChunk = Math.max(1, parallel.filesPerChunk ?? FILES_PER_CHUNK);
  const chunkOf = (index: number) =>
    found.slice(index * filesPerChunk, (index + 1) * filesPerChunk);
  const workerData: LoadWorkerData = { found, options, filesPerChunk };
  return shareWork({
    chunkCount: Math.ceil(found.length / filesPerChunk),
    processChunk: (index) => collectFiles(chunkOf(index), options),
    workerUrl: new URL('./load-worker.js', import.meta.url),
    workerData,
  });
}

/** What load-worker.ts receives (besides the shared chunk counter). */
export interface LoadWorkerData {
  found: readonly FoundFile[];
  options: ValidateOptions;
  filesPerChunk: number;
}

/** One chunk of files, read, parsed and validated: plain data a worker can post back. */
export interface CollectedFiles {
  loaderDiagnostics: Diagnostic[];
  part: CollectedPart;
}

/** Reads, parses and validates `found` in order; the cross-document rules wait for `finish`. */
export function collectFiles(
  found: readonly FoundFile[],
  options: ValidateOptions,
): CollectedFiles {
  const collector = new SegmentCollector(options);
  const loaderDiagnostics = readDefinitionFiles(found, (parsed) => {
    for (const document of parsed.documents) collector.add(document);
  });
  return { loaderDiagnostics, part: collector.part() };
}

/**
 * Reads and parses files the walk found, handing each file's documents to `onFile`; returns the
 * reading and parsing diagnostics (unreadable files, YAML errors, empty files), in file order.
 */
export function readDefinitionFiles(
  found: readonly FoundFile[],
  onFile: (parsed: ParsedFile) => void,
): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const { absolute, file } of found) {
    const parsed = readYamlFile(absolute, file);
    appendAll(diagnostics, parsed.diagnostics);
    if (parsed.documents.length === 0 && parsed.diagnostics.length === 0) {
      diagnostics.push(emptyFileWarning(file));
    }
    onFile(parsed);
  }
  return diagnostics;
}

function emptyFileWarning(file: string): Diagnostic {
  return {
    severity: 'warning',
    code: 'empty-file',
    message: 'This file holds no segment definition: it is empty or has only comments.',
    file,
    line: 1,
    column: 1,
    hint: 'Add a definition to it, or delete it.',
  };
}
