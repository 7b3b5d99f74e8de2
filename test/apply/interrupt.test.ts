// Ctrl-C / SIGTERM during apply: start nothing new, let the creates in flight finish, record them,
// and exit 3 with the lock released and the log folded into the state file.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { EmulatorHandle } from '../../src/emulator/server.js';
import { startEmulator } from '../../src/emulator/server.js';
import type { State } from '../../src/core/model.js';
import { EMPTY_STATE } from '../../bench/lib/workspace.mjs';

const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
let dir: string;
let emulator: EmulatorHandle;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'segsync-interrupt-'));
  await writeFile(path.join(dir, 'segsync.state.json'), EMPTY_STATE);
  emulator = await startEmulator({ latencyMs: 400 });
});
afterEach(async () => {
  await emulator.close();
  await rm(dir, { recursive: true, force: true });
});

it.each(['SIGINT', 'SIGTERM'] as const)(
  '%s stops new creates and records the ones in flight',
  async (signal) => {
    await mkdir(path.join(dir, 'segments'));
    const docs = Array.from(
      { length: 30 },
      (_, i) => `name: S${i}\nrefreshType: static\ncontactIds: ["${i}"]\n`,
    );
    await writeFile(path.join(dir, 'segments', 'all.yaml'), docs.join('---\n'));
    const child = spawn(
      process.execPath,
      [cli, 'apply', 'segments', '--yes', '--concurrency', '3'],
      {
        cwd: dir,
        env: { ...process.env, WATI_API_ENDPOINT: emulator.url, WATI_API_TOKEN: emulator.token },
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    // Interrupt once the first answers are recorded and more requests are in flight.
    await new Promise<void>((resolve) => {
      const check = () => (stderr.includes('[3/30]') ? resolve() : setTimeout(check, 10));
      check();
    });
    child.kill(signal);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));

    expect(code).toBe(3);
    expect(stderr).toContain(`${signal} received`);
    // It says how many creates it waits for, and waits only for them.
    expect(stderr).toMatch(/waiting for the [1-3] create\(s\) in flight/);
    const state = JSON.parse(await readFile(path.join(dir, 'segsync.state.json'), 'utf8')) as State;
    const snapshot = emulator.snapshot();
    // Everything the emulator created is recorded as created, nothing is left pending.
    expect(Object.values(state.segments).every((entry) => entry.status === 'created')).toBe(true);
    expect(Object.keys(state.segments).sort()).toEqual(snapshot.segments.map((s) => s.name).sort());
    expect(snapshot.segments.length).toBeGreaterThanOrEqual(3);
    expect(snapshot.segments.length).toBeLessThan(30);
    expect(snapshot.duplicates).toEqual([]);
    expect(existsSync(path.join(dir, 'segsync.state.json.lock'))).toBe(false);
    expect(existsSync(path.join(dir, 'segsync.state.json.journal'))).toBe(false);
  },
);
