import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import { startEmulator } from '../../src/emulator/server.js';
import type { EmulatorHandle } from '../../src/emulator/server.js';
import { createSegment, staticSegment } from './support.js';

let directory: string;
let dataFile: string;
const started: EmulatorHandle[] = [];

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'segsync-emulator-'));
  dataFile = join(directory, 'emulator.json');
});

afterEach(async () => {
  await Promise.all(started.splice(0).map((emulator) => emulator.close()));
  await rm(directory, { recursive: true, force: true });
});

async function start(): Promise<EmulatorHandle> {
  const emulator = await startEmulator({ dataFile, token: 'persisted-token-value' });
  started.push(emulator);
  return emulator;
}

describe('data file', () => {
  it('holds every create as soon as it is answered, without the token', async () => {
    const em = await start();
    const answer = await createSegment(em, staticSegment('Written'));
    const text = await readFile(dataFile, 'utf8');

    const data = JSON.parse(text) as { segments: { id: string; name: string }[] };
    expect(data.segments).toEqual([
      expect.objectContaining({ id: answer.body.info?.id, name: 'Written' }),
    ]);
    expect(text).not.toContain('persisted-token-value');
  });

  it('restores segments and counters after a restart and keeps ids unique', async () => {
    const first = await start();
    const a = await createSegment(first, staticSegment('A'));
    const b = await createSegment(first, staticSegment('A'), { tenantPath: '/42' });
    await first.close();

    const second = await start();
    const restored = second.snapshot();
    const c = await createSegment(second, staticSegment('C'));

    expect(restored.segments.map((segment) => [segment.id, segment.tenant])).toEqual([
      [a.body.info?.id, null],
      [b.body.info?.id, '42'],
    ]);
    expect(restored.duplicates).toEqual(['A']);
    expect(restored.requests).toEqual({ total: 2, byStatus: { '200': 2 } });
    expect(c.status).toBe(200);
    expect([a, b].map((answer) => answer.body.info?.id)).not.toContain(c.body.info?.id);
  });

  it('keeps a reset across a restart', async () => {
    const first = await start();
    await createSegment(first, staticSegment('A'));
    first.reset();
    await first.close();

    const second = await start();
    expect(second.snapshot().segments).toEqual([]);
  });

  it('refuses to start on a file that is not an emulator data file', async () => {
    await writeFile(dataFile, '{"segments": "nope"}');

    const failure = startEmulator({ dataFile });
    await expect(failure).rejects.toBeInstanceOf(UserError);
    await expect(failure).rejects.toThrow(dataFile);
  });

  it('refuses to start when the data file cannot be written', async () => {
    const failure = startEmulator({ dataFile: join(directory, 'missing-dir', 'data.json') });
    await expect(failure).rejects.toThrow(/Cannot write the emulator data file/);
  });
});
