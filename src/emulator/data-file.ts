// Optional persistence of the emulator's state, so an emulator running in its own process can
// be restarted and a test can read what was created. Written synchronously (temp file + rename)
// before a create is answered: whoever sees the 200 can already read the segment from the file.

import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { readTextFileOrThrow } from '../files/read.js';
import { UserError } from '../core/errors.js';
import { isRecord } from '../core/guards.js';
import type { PersistedCounters } from './state.js';

const FORMAT = 'segsync-emulator-data';
const VERSION = 1;

interface DataFileContent extends PersistedCounters {
  format: typeof FORMAT;
  version: typeof VERSION;
}

/** Reads a data file; a missing file means a fresh start. */
export function readDataFile(path: string): PersistedCounters | undefined {
  const text = readTextFileOrThrow(
    path,
    'emulatorData',
    path,
    'Check the path and its permissions, or point --data somewhere else.',
  );
  if (text === undefined) return undefined;
  let content: unknown;
  try {
    content = JSON.parse(text);
  } catch {
    throw notADataFile(path, 'it is not valid JSON');
  }
  const problem = findShapeProblem(content);
  if (problem !== undefined) throw notADataFile(path, problem);
  const { nextId, segments, createsByName, maxInFlight, requests } = content as DataFileContent;
  return { nextId, segments, createsByName, maxInFlight, requests };
}

/** Replaces the data file atomically, so a reader never sees half a file. */
export function writeDataFile(path: string, data: PersistedCounters): void {
  const content: DataFileContent = { format: FORMAT, version: VERSION, ...data };
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, `${JSON.stringify(content, null, 2)}\n`);
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw new UserError(
      `Cannot write the emulator data file ${path}: ${(error as Error).message}`,
      'Check that its directory exists and is writable.',
    );
  }
}

function notADataFile(path: string, why: string): UserError {
  return new UserError(
    `${path} is not an emulator data file: ${why}.`,
    'Delete it to start empty, or point --data at another file.',
  );
}

function findShapeProblem(content: unknown): string | undefined {
  if (typeof content !== 'object' || content === null) return 'it is not a JSON object';
  const data = content as Record<string, unknown>;
  if (data.format !== FORMAT) return `"format" is not "${FORMAT}"`;
  if (data.version !== VERSION) return `version ${String(data.version)} is not supported`;
  if (!Number.isSafeInteger(data.nextId)) return '"nextId" is not a whole number';
  if (!Number.isSafeInteger(data.maxInFlight)) return '"maxInFlight" is not a whole number';
  if (!Array.isArray(data.segments)) return '"segments" is not a list';
  for (const segment of data.segments as unknown[]) {
    const fields = segment as Record<string, unknown> | null;
    if (typeof fields?.id !== 'string' || typeof fields.name !== 'string') {
      return 'a segment lacks its "id" or "name"';
    }
  }
  if (!isCountMap(data.createsByName)) return '"createsByName" is not a map of counts';
  const requests = data.requests as Record<string, unknown> | null | undefined;
  if (
    typeof requests !== 'object' ||
    requests === null ||
    !Number.isSafeInteger(requests.total) ||
    !isCountMap(requests.byStatus)
  ) {
    return '"requests" is not { total, byStatus }';
  }
  return undefined;
}

function isCountMap(value: unknown): boolean {
  return isRecord(value) && Object.values(value).every((count) => Number.isSafeInteger(count));
}
