import { access, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { StateLockedError } from '../../src/core/errors.js';
import type { LockInfo } from '../../src/state/lock.js';
import {
  acquireStateLock,
  forceUnlock,
  inspectStateLock,
  lockPathOf,
  readLockInfo,
} from '../../src/state/lock.js';
import { buildStateModules, deadPid, execNode, makeTempDir, removeDir } from './fixtures.js';

let dir: string;
let statePath: string;

beforeEach(async () => {
  dir = await makeTempDir();
  statePath = join(dir, 'segsync.state.json');
});
afterEach(async () => {
  await removeDir(dir);
});

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

async function lockError(): Promise<StateLockedError> {
  const error = await acquireStateLock(statePath, { command: 'apply' }).catch(
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(StateLockedError);
  return error as StateLockedError;
}

describe('acquireStateLock', () => {
  it('writes who holds the lock beside the state file', async () => {
    const lock = await acquireStateLock(statePath, { command: 'apply' });
    const info = JSON.parse(await readFile(`${statePath}.lock`, 'utf8')) as LockInfo;
    expect(info).toMatchObject({ pid: process.pid, hostname: hostname(), command: 'apply' });
    expect(Number.isNaN(Date.parse(info.startedAt))).toBe(false);
    await lock.release();
    expect(await exists(lockPathOf(statePath))).toBe(false);
  });

  it('refuses a second holder and says who holds it', async () => {
    const lock = await acquireStateLock(statePath, { command: 'apply' });
    const error = await lockError();
    expect(error.message).toContain(`pid ${process.pid}`);
    expect(error.message).toContain(hostname());
    expect(error.message).toContain('apply');
    expect(error.message).toContain(lock.info.startedAt);
    expect(error.hint).toMatch(/[Ww]ait/);
    // The holder runs on this host: nothing invites the user to break its lock.
    expect(error.hint).not.toContain('state unlock');
    await lock.release();
  });

  it('can be taken again after release, and release is idempotent', async () => {
    const first = await acquireStateLock(statePath, { command: 'apply' });
    await first.release();
    await first.release();
    const second = await acquireStateLock(statePath, { command: 'state resolve' });
    await second.release();
  });

  it('reports a stale lock left by a dead process with the unlock hint', async () => {
    const pid = await deadPid();
    const info: LockInfo = {
      pid,
      hostname: hostname(),
      startedAt: '2026-11-26T09:00:00.000Z',
      command: 'apply',
      token: 'another-run',
    };
    await writeFile(lockPathOf(statePath), JSON.stringify(info));
    const error = await lockError();
    expect(error.message).toContain('stale');
    expect(error.message).toContain(`pid ${pid}`);
    expect(error.message).toContain('2026-11-26T09:00:00.000Z');
    expect(error.hint).toContain('segsync state unlock');
  });

  it('treats a lock from another host as held, whatever the pid', async () => {
    const pid = await deadPid();
    const info: LockInfo = {
      pid,
      hostname: 'some-other-host',
      startedAt: '2026-11-26T09:00:00.000Z',
      command: 'apply',
      token: 'another-run',
    };
    await writeFile(lockPathOf(statePath), JSON.stringify(info));
    const error = await lockError();
    expect(error.message).toContain('Another segsync');
    expect(error.message).toContain('some-other-host');
    expect(error.hint).toContain('segsync state unlock --force');
  });

  it('reports an unreadable lock file', async () => {
    await writeFile(lockPathOf(statePath), '');
    const error = await lockError();
    expect(error.message).toContain('unreadable');
    expect(error.hint).toContain('segsync state unlock');
  });

  it('does not remove a lock that is no longer its own', async () => {
    const lock = await acquireStateLock(statePath, { command: 'apply' });
    await forceUnlock(statePath);
    const other = await acquireStateLock(statePath, { command: 'apply' });
    await lock.release();
    expect(await exists(lockPathOf(statePath))).toBe(true);
    await other.release();
    expect(await exists(lockPathOf(statePath))).toBe(false);
  });

  it('tells its own lock from a newer one taken by the same process in the same millisecond', async () => {
    const lock = await acquireStateLock(statePath, { command: 'apply' });
    await forceUnlock(statePath);
    // Same pid, host and start time: only the per-acquisition token differs.
    const newer: LockInfo = { ...lock.info, token: 'newer-acquisition' };
    await writeFile(lockPathOf(statePath), JSON.stringify(newer));
    await lock.release();
    expect(readLockInfo(lockPathOf(statePath))).toEqual(newer);
  });
});

describe('inspectStateLock', () => {
  const holder = (pid: number, host: string): LockInfo => ({
    pid,
    hostname: host,
    startedAt: '2026-11-26T09:00:00.000Z',
    command: 'apply',
    token: 'another-run',
  });

  it('says whether the holder runs on this host, is gone, or is elsewhere', async () => {
    expect(inspectStateLock(statePath)).toMatchObject({ state: 'free' });
    const lock = await acquireStateLock(statePath, { command: 'apply' });
    expect(inspectStateLock(statePath)).toEqual({
      state: 'held',
      path: lockPathOf(statePath),
      holder: lock.info,
      liveness: 'running',
    });
    await lock.release();
    const dead = await deadPid();
    await writeFile(lockPathOf(statePath), JSON.stringify(holder(dead, hostname())));
    expect(inspectStateLock(statePath)).toMatchObject({ state: 'held', liveness: 'gone' });
    // A live pid means nothing on another host.
    await writeFile(lockPathOf(statePath), JSON.stringify(holder(process.pid, 'build-agent-7')));
    expect(inspectStateLock(statePath)).toMatchObject({
      state: 'held',
      liveness: 'other-host',
    });
    await writeFile(lockPathOf(statePath), '{"pid": "not a number"}');
    expect(inspectStateLock(statePath)).toMatchObject({ state: 'unreadable' });
  });
});

describe('forceUnlock', () => {
  it('removes the lock and returns who held it', async () => {
    const lock = await acquireStateLock(statePath, { command: 'apply' });
    const result = await forceUnlock(statePath);
    expect(result.removed).toBe(true);
    expect(result.holder).toEqual(lock.info);
    expect(await exists(lockPathOf(statePath))).toBe(false);
    expect(await forceUnlock(statePath)).toEqual({ removed: false });
  });

  it('leaves a lock alone that changed hands since it was inspected', async () => {
    const first = await acquireStateLock(statePath, { command: 'apply' });
    const seen = inspectStateLock(statePath);
    await forceUnlock(statePath);
    const second = await acquireStateLock(statePath, { command: 'apply' });
    expect(await forceUnlock(statePath, { expected: seen })).toEqual({
      removed: false,
      holder: second.info,
      changed: true,
    });
    expect(readLockInfo(lockPathOf(statePath))).toEqual(second.info);
    await second.release();
    await first.release();
  });

  it('removes an unreadable lock too', async () => {
    await writeFile(lockPathOf(statePath), 'garbage');
    expect(await forceUnlock(statePath)).toEqual({ removed: true });
  });
});

describe('release on exit', () => {
  let buildRoot: string;
  beforeAll(async () => {
    buildRoot = await buildStateModules();
  });
  afterAll(async () => {
    await removeDir(buildRoot);
  });

  it('a process that exits normally without releasing leaves no lock behind', async () => {
    const script = join(buildRoot, 'hold-lock.mjs');
    await writeFile(
      script,
      [
        "import { acquireStateLock } from './src/state/lock.js';",
        "await acquireStateLock(process.argv[2], { command: 'apply' });",
        "process.stdout.write('locked\\n');",
        'process.exit(3);',
      ].join('\n'),
    );
    const outcome = await execNode(process.execPath, [script, statePath]).catch(
      (caught: { code?: number; stdout?: string }) => caught,
    );
    expect(outcome).toMatchObject({ code: 3, stdout: 'locked\n' });
    expect(await exists(lockPathOf(statePath))).toBe(false);
  });
});
