// `segsync state unlock` against a lock whose holder is alive: a real `segsync apply` process (the
// built CLI) holding the lock while it waits for a slow emulator, and a lock from another host.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EmulatorHandle } from '../../src/emulator/server.js';
import { startEmulator } from '../../src/emulator/server.js';
import type { LockInfo } from '../../src/state/lock.js';
import { runCli } from '../helpers/cli.js';
import { EMPTY_STATE } from '../../bench/lib/workspace.mjs';

const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

let dir: string;
let statePath: string;
let lockPath: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'segsync-unlock-'));
  statePath = path.join(dir, 'segsync.state.json');
  lockPath = `${statePath}.lock`;
  await writeFile(statePath, EMPTY_STATE);
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const unlock = (...flags: string[]) => runCli(['state', 'unlock', ...flags], { cwd: dir });

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('state unlock while an apply is running on this host', () => {
  let emulator: EmulatorHandle;
  beforeEach(async () => {
    emulator = await startEmulator({ latencyMs: 4000 });
  });
  afterEach(() => emulator.close());

  it('refuses; with --force removes the lock and warns', async () => {
    await mkdir(path.join(dir, 'segments'));
    await writeFile(
      path.join(dir, 'segments', 'one.yaml'),
      'name: Slow\nrefreshType: static\ncontactIds: ["1"]\n',
    );
    const child = spawn(process.execPath, [cli, 'apply', 'segments', '--yes'], {
      cwd: dir,
      env: { ...process.env, WATI_API_ENDPOINT: emulator.url, WATI_API_TOKEN: emulator.token },
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    // The create is in flight (the emulator holds it for 4 s), so the lock is the apply's.
    await waitFor(() => emulator.snapshot().inFlight === 1, 'the create to reach the emulator');
    const holder = JSON.parse(await readFile(lockPath, 'utf8')) as LockInfo;
    expect(holder.pid).toBe(child.pid);

    const refused = await unlock();
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`pid ${child.pid}`);
    expect(refused.stderr).toContain('still running on this host');
    expect(refused.stderr).toContain('--force');
    expect(existsSync(lockPath)).toBe(true);

    const forced = await unlock('--force');
    expect(forced.code).toBe(0);
    expect(forced.stderr).toMatch(/^Warning: .*still running on this host.*--force/m);
    expect(forced.stdout).toContain(`Removed the lock held by pid ${child.pid}`);
    expect(existsSync(lockPath)).toBe(false);

    // The apply itself is unharmed and records its create.
    expect(await exited).toBe(0);
    expect(emulator.snapshot().duplicates).toEqual([]);
  });
});

describe('state unlock of a lock taken on another host', () => {
  it('refuses and names the host; with --force removes it and warns', async () => {
    const holder: LockInfo = {
      pid: process.pid,
      hostname: 'build-agent-7',
      startedAt: '2026-11-30T08:00:00.000Z',
      command: 'apply',
      token: 'elsewhere',
    };
    await writeFile(lockPath, JSON.stringify(holder));

    const refused = await unlock();
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('on build-agent-7');
    expect(refused.stderr).toContain('another host');
    expect(refused.stderr).toContain('state unlock --force');
    expect(existsSync(lockPath)).toBe(true);

    const forced = await unlock('--force');
    expect(forced.code).toBe(0);
    expect(forced.stderr).toMatch(/^Warning: .*build-agent-7/m);
    expect(existsSync(lockPath)).toBe(false);
  });

  it('removes a lock whose holder on this host is gone without --force, and says whose', async () => {
    const child = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => child.on('close', resolve));
    const holder: LockInfo = {
      pid: child.pid!,
      hostname: os.hostname(),
      startedAt: '2026-11-30T08:00:00.000Z',
      command: 'apply',
      token: 'gone',
    };
    await writeFile(lockPath, JSON.stringify(holder));
    const run = await unlock();
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain(`Removed the lock held by pid ${child.pid}`);
    expect(existsSync(lockPath)).toBe(false);
    expect((await unlock()).stdout).toContain('was not locked');
  });
});
