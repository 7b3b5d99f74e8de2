import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import type { State } from '../../src/core/model.js';
import { locateJsonSyntaxError } from '../../src/state/json-syntax.js';
import {
  emptyState,
  readState,
  serializeState,
  StateEncoder,
  writeFileAtomic,
} from '../../src/state/file.js';
import { createdFor, makeTempDir, pendingFor, removeDir } from './fixtures.js';

let dir: string;
let statePath: string;

beforeEach(async () => {
  dir = await makeTempDir();
  statePath = join(dir, 'segsync.state.json');
});
afterEach(async () => {
  await removeDir(dir);
});

function sampleState(): State {
  return {
    formatVersion: 1,
    endpoint: 'https://live-mt-server.wati.io/123456',
    segments: {
      'VIP Customers': { status: 'created', ...createdFor('VIP Customers', 'seg-1') },
      India: { status: 'pending', ...pendingFor('India'), reason: 'connection reset' },
      '10': { status: 'created', ...createdFor('10', 'seg-10') },
      '9': { status: 'created', ...createdFor('9', 'seg-9') },
    },
  };
}

/** Rebuilds a value with every object's keys inserted in reverse order. */
function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value).reverse();
  return Object.fromEntries(entries.map(([key, member]) => [key, reverseKeys(member)]));
}

/**
 * Independent check of the layout: at each nesting level, the keys of one object appear in the
 * text in sorted order. Works on the text, so JavaScript's integer-key ordering cannot hide a bug.
 */
function assertKeysSortedInText(text: string): number {
  const lastKeyAtDepth: (string | undefined)[] = [];
  let keysSeen = 0;
  for (const line of text.split('\n')) {
    const depth = (line.length - line.trimStart().length) / 2;
    lastKeyAtDepth.length = Math.min(lastKeyAtDepth.length, depth + 1);
    const match = /^\s*("(?:[^"\\]|\\.)*"): /.exec(line);
    if (!match?.[1]) continue;
    const key = JSON.parse(match[1]) as string;
    const previous = lastKeyAtDepth[depth];
    if (previous !== undefined) expect([previous, key].sort()).toEqual([previous, key]);
    lastKeyAtDepth[depth] = key;
    keysSeen++;
  }
  return keysSeen;
}

/** Same layout rules, implemented the obvious way, for states without integer-like keys. */
function sortedCopy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedCopy);
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value).sort();
  return Object.fromEntries(
    keys.map((key) => [key, sortedCopy((value as Record<string, unknown>)[key])]),
  );
}

describe('serializeState', () => {
  it('gives the same bytes whatever the key order of the input', () => {
    const state = sampleState();
    expect(serializeState(reverseKeys(state) as State)).toBe(serializeState(state));
  });

  it('sorts keys at every level, integer-like names included', () => {
    const text = serializeState(sampleState());
    expect(assertKeysSortedInText(text)).toBeGreaterThan(20);
    const names = Object.keys(sampleState().segments).sort();
    const positions = names.map((name) => text.indexOf(`    ${JSON.stringify(name)}: {`));
    expect(positions.every((position) => position > 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it('matches JSON.stringify of a sorted copy with 2-space indent and a trailing newline', () => {
    const state = sampleState();
    delete state.segments['10'];
    delete state.segments['9'];
    expect(serializeState(state)).toBe(`${JSON.stringify(sortedCopy(state), null, 2)}\n`);
  });

  it('drops undefined members', () => {
    const state: State = {
      formatVersion: 1,
      endpoint: undefined,
      segments: { A: { status: 'pending', ...pendingFor('A'), reason: undefined } },
    };
    const text = serializeState(state);
    expect(text).not.toContain('endpoint');
    expect(text).not.toContain('reason');
  });
});

describe('StateEncoder', () => {
  it('produces the bytes of serializeState through additions, replacements and removals', () => {
    const encoder = new StateEncoder();
    const segments = new Map(Object.entries(sampleState().segments));
    const check = (header: { endpoint?: string }) => {
      const expected = serializeState({
        formatVersion: 1,
        ...header,
        segments: Object.fromEntries(segments),
      });
      expect(encoder.encode({ formatVersion: 1, ...header }, segments).toString('utf8')).toBe(
        expected,
      );
    };
    check({});
    check({ endpoint: 'https://live-mt-server.wati.io/123456' });
    segments.set('Ünïcode ✓', { status: 'pending', ...pendingFor('Ünïcode ✓') });
    check({});
    segments.set('India', { status: 'created', ...createdFor('India', 'seg-in') });
    check({});
    segments.delete('10');
    check({});
    segments.set('10', { status: 'created', ...createdFor('10', 'seg-10-again') });
    check({});
    segments.clear();
    check({ endpoint: 'https://live-mt-server.wati.io/123456' });
  });
});

describe('readState / writeFileAtomic', () => {
  it('reads a missing file as an empty state', async () => {
    expect(await readState(statePath)).toEqual(emptyState());
  });

  it('round-trips a state', async () => {
    const state = sampleState();
    await writeFileAtomic(statePath, serializeState(state));
    expect(await readState(statePath)).toEqual(state);
    expect(await readFile(statePath, 'utf8')).toBe(serializeState(state));
  });

  it('replaces the file and leaves no temp file behind', async () => {
    await writeFileAtomic(statePath, serializeState(emptyState()));
    await writeFileAtomic(statePath, serializeState(sampleState()));
    expect(await readdir(dir)).toEqual(['segsync.state.json']);
    expect(await readState(statePath)).toEqual(sampleState());
  });

  it('names the file and the OS error when the directory is missing', async () => {
    const missing = join(dir, 'no-such-dir', 'state.json');
    const error = await writeFileAtomic(missing, serializeState(emptyState())).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toContain(missing);
    expect((error as Error).message).toContain('ENOENT');
  });

  it('accepts a byte order mark', async () => {
    await writeFile(statePath, `\uFEFF${serializeState(sampleState())}`);
    expect(await readState(statePath)).toEqual(sampleState());
  });
});

async function readError(text: string): Promise<UserError> {
  await writeFile(statePath, text);
  const error = await readState(statePath).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(UserError);
  return error as UserError;
}

describe('readState errors', () => {
  it('reports invalid JSON with the file and line:column', async () => {
    const error = await readError('{\n  "formatVersion": 1,\n  "segments": {,}\n}\n');
    expect(error.message).toContain(statePath);
    expect(error.message).toContain('line 3, column 16');
    expect(error.hint).toMatch(/version control/);
  });

  it('locates errors JSON.parse reports without a position', async () => {
    // Node 20 says only "Unexpected token ... is not valid JSON" for this one.
    const error = await readError('{\n  "formatVersion": 1,\n  "segments": tru\n}\n');
    expect(error.message).toContain('line 3, column 15');
  });

  it('recognises git merge conflict markers and says how to resolve them', async () => {
    const text = [
      '{',
      '  "formatVersion": 1,',
      '  "segments": {',
      '<<<<<<< HEAD',
      '    "A": {}',
      '=======',
      '    "B": {}',
      '>>>>>>> feature',
      '  }',
      '}',
    ].join('\n');
    const error = await readError(text);
    expect(error.message).toContain('merge conflict');
    expect(error.message).toContain('line 4');
    expect(error.hint).toMatch(/BOTH sides/);
  });

  it('refuses a state written by a newer segsync', async () => {
    const error = await readError('{ "formatVersion": 2, "segments": {}, "somethingNew": true }');
    expect(error.message).toContain('written by a newer segsync');
    expect(error.hint).toMatch(/[Uu]pgrade/);
  });

  it('lists the JSON paths of schema problems', async () => {
    const state = sampleState() as unknown as {
      segments: Record<string, Record<string, unknown>>;
    };
    const vip = state.segments['VIP Customers'] as Record<string, unknown>;
    delete vip.id;
    (vip.payload as Record<string, unknown>).refreshType = 3;
    (state.segments.India as Record<string, unknown>).status = 'maybe';
    const error = await readError(JSON.stringify(state));
    expect(error.message).toContain(statePath);
    expect(error.message).toContain('$.segments["VIP Customers"]: missing required property "id"');
    expect(error.message).toContain(
      '$.segments["VIP Customers"].payload.refreshType: must be one of 1, 2',
    );
    expect(error.message).toContain('$.segments.India.status: must be one of "created", "pending"');
    expect(error.message).not.toContain('"then"');
  });

  it('caps the list of problems', async () => {
    const segments = Object.fromEntries(
      Array.from({ length: 8 }, (_, index) => [`S${index}`, { status: 'created' }]),
    );
    const error = await readError(JSON.stringify({ formatVersion: 1, segments }));
    expect(error.message.split('\n').filter((line) => line.startsWith('  - $'))).toHaveLength(5);
    expect(error.message).toMatch(/and \d+ more/);
  });

  it('rejects an entry whose payload name differs from its key', async () => {
    const state = sampleState();
    const entry = state.segments.India;
    if (entry) entry.payload.name = 'Indonesia';
    const error = await readError(JSON.stringify(state));
    expect(error.message).toContain('$.segments.India.payload.name');
  });
});

describe('locateJsonSyntaxError', () => {
  it('accepts valid JSON', () => {
    expect(locateJsonSyntaxError('{"a": [1, -2.5e3, "x\\n\\u00e9", true, null]}')).toBeUndefined();
  });

  it.each([
    ['{"a": 1,}', 1, 9],
    ['{"a" 1}', 1, 6],
    ['[1 2]', 1, 4],
    ['{"a": "line\nbreak"}', 1, 12],
    ['{"a": 01}', 1, 8],
    ['{}\n x', 2, 2],
    ['{"a": "unterminated', 1, 7],
  ])('locates %j at %i:%i', (text, line, column) => {
    expect(locateJsonSyntaxError(text)).toMatchObject({ line, column });
  });
});
