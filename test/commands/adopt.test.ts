// segsync state adopt: a segment made in the Wati dashboard is recorded for its definition, so plan
// shows it unchanged and apply never sends it (checked at the emulator); every refusal leaves the
// state file exactly as it was.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EmulatorHandle } from '../../src/emulator/server.js';
import { startEmulator } from '../../src/emulator/server.js';
import type { Plan, State } from '../../src/core/model.js';
import { systemClock } from '../../src/core/timing.js';
import { runCli } from '../helpers/cli.js';

let dir: string;
let statePath: string;
let emulator: EmulatorHandle;

const DEFINITIONS = [
  'name: From dashboard\nrefreshType: static\ncontactIds: ["4915100000001"]\n',
  'name: New one\nrefreshType: dynamic\ngroups:\n  - conditions:\n      - attribute: country\n        operator: "=="\n        value: India\n',
].join('---\n');

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'segsync-adopt-'));
  statePath = path.join(dir, 'segsync.state.json');
  await mkdir(path.join(dir, 'segments'));
  await writeFile(path.join(dir, 'segments', 'all.yaml'), DEFINITIONS);
  emulator = await startEmulator();
});
afterEach(async () => {
  await emulator.close();
  await rm(dir, { recursive: true, force: true });
});

const cli = (...argv: string[]) =>
  runCli(argv, {
    cwd: dir,
    env: { WATI_API_ENDPOINT: emulator.url, WATI_API_TOKEN: emulator.token },
  });
const adopt = (name: string, ...rest: string[]) => cli('state', 'adopt', name, ...rest);
const stateText = () => readFile(statePath, 'utf8').catch(() => '(no state file)');

describe('state adopt', () => {
  it('stamps its record, and apply its creates, with the clock of the services', async () => {
    const at = new Date('2031-02-03T04:05:06.000Z');
    const clock = { now: () => at, monotonic: systemClock.monotonic };
    const withClock = (...argv: string[]) =>
      runCli(argv, {
        cwd: dir,
        env: { WATI_API_ENDPOINT: emulator.url, WATI_API_TOKEN: emulator.token },
        services: { clock },
      });
    expect((await withClock('state', 'adopt', 'From dashboard', '--id', 'dash-7')).code).toBe(0);
    const applied = await withClock('apply', '--yes', '--format', 'json');
    expect(JSON.parse(applied.stdout)).toMatchObject({
      startedAt: at.toISOString(),
      finishedAt: at.toISOString(),
    });
    const state = JSON.parse(await stateText()) as State;
    expect(state.segments['From dashboard']).toMatchObject({ createdAt: at.toISOString() });
    expect(state.segments['New one']).toMatchObject({ createdAt: at.toISOString() });
  });

  it('records the segment: plan shows it unchanged and apply sends nothing for it', async () => {
    const run = await adopt('From dashboard', '--id', 'dash-41');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Adopted: "From dashboard" exists in Wati with id dash-41');
    expect(run.stdout).toContain('segments/all.yaml:1');
    const state = JSON.parse(await stateText()) as State;
    expect(state.segments['From dashboard']).toMatchObject({
      status: 'created',
      id: 'dash-41',
      recordedBy: 'adopt',
      payload: { name: 'From dashboard', refreshType: 1, contactIds: ['4915100000001'] },
      source: 'segments/all.yaml',
    });

    const plan = await cli('plan', '--format', 'json');
    const actions = (JSON.parse(plan.stdout) as Plan).actions.map((a) => [a.name, a.action]);
    expect(actions).toEqual([
      ['From dashboard', 'unchanged'],
      ['New one', 'create'],
    ]);

    const applied = await cli('apply', '--yes');
    expect(applied.code).toBe(0);
    const snapshot = emulator.snapshot();
    expect(snapshot.createsByName).toEqual({ 'New one': 1 });
    expect(snapshot.requests.total).toBe(1);
    const after = JSON.parse(await stateText()) as State;
    expect(after.segments['From dashboard']).toMatchObject({ id: 'dash-41', recordedBy: 'adopt' });
    expect((await cli('state', 'list')).stdout).toMatch(
      /From dashboard\s+created\s+id dash-41 \(adopted\)/,
    );
  });

  it('refuses a name without a definition, suggesting the near miss', async () => {
    const run = await adopt('from dashbord', '--id', 'dash-41');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('"from dashbord" has no definition');
    expect(run.stderr).toContain('Did you mean "From dashboard"?');
    expect(await stateText()).toBe('(no state file)');
  });

  it('refuses a name already created, and one with an unknown outcome', async () => {
    expect((await cli('apply', '--yes', '--new-state')).code).toBe(0);
    const before = await stateText();
    const created = await adopt('New one', '--id', 'dash-9');
    expect(created.code).toBe(1);
    expect(created.stderr).toContain('"New one" is already recorded as created');
    expect(await stateText()).toBe(before);

    const state = JSON.parse(before) as State;
    const entry = state.segments['New one'];
    if (entry?.status !== 'created') throw new Error('expected a created entry');
    const { id: _id, createdAt, recordedBy: _by, ...rest } = entry;
    state.segments['New one'] = { ...rest, status: 'pending', startedAt: createdAt };
    await writeFile(statePath, JSON.stringify(state));
    const pending = await adopt('New one', '--id', 'dash-9');
    expect(pending.code).toBe(1);
    expect(pending.stderr).toContain('unknown outcome');
    expect(pending.stderr).toContain('state resolve "New one" --id ID');
  });

  it.each([
    ['a bidi override', 'dash\u202e14', 'U+202E'],
    ['a control character', 'dash\u000714', 'U+0007'],
    ['a zero-width space', 'dash\u200b14', 'U+200B'],
    ['too many characters', 'd'.repeat(257), '257 characters long'],
    ['nothing', '  ', 'it is empty'],
  ])('refuses an id with %s, without printing it', async (_, id, expected) => {
    const run = await adopt('From dashboard', '--id', id);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(expected);
    expect(run.stderr).not.toContain(id.trim() || '\u0000');
    expect(await stateText()).toBe('(no state file)');
  });

  it('refuses without --id, and while the definitions have errors', async () => {
    const missing = await adopt('From dashboard');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('needs --id ID');
    await writeFile(path.join(dir, 'segments', 'broken.yaml'), 'name: Broken\nrefreshType: 7\n');
    const broken = await adopt('From dashboard', '--id', 'dash-41');
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain('segsync validate');
    expect(await stateText()).toBe('(no state file)');
  });

  it('takes the state lock like every edit', async () => {
    await writeFile(
      `${statePath}.lock`,
      JSON.stringify({
        pid: process.pid,
        hostname: os.hostname(),
        startedAt: '2026-11-30T08:00:00.000Z',
        command: 'apply',
        token: 'running',
      }),
    );
    const run = await adopt('From dashboard', '--id', 'dash-41');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Another segsync');
    expect(await stateText()).toBe('(no state file)');
  });
});
