// An unknown outcome blocks only its own segment, as a user meets it: plan lists it under "needs
// settling" with the exact commands and is not blocked; apply creates the rest and exits 3 while
// it remains; `state resolve` settles several at once (names, or the JSON `state list` prints),
// also right after a killed run (a stale lock), never while the run that sent them is alive.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApplyResult } from '../../src/apply/result.js';
import type { EmulatorHandle } from '../../src/emulator/server.js';
import { startEmulator } from '../../src/emulator/server.js';
import type { Plan, State } from '../../src/core/model.js';
import { serializeState } from '../../src/state/file.js';
import { created, pending, staticPayload, stateOf } from '../helpers/builders.js';
import { runCli } from '../helpers/cli.js';

let dir: string;
let statePath: string;
let emulator: EmulatorHandle;

const names = ['Alpha', 'Beta', 'Gamma', 'Delta'];

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'segsync-unknown-'));
  statePath = path.join(dir, 'segsync.state.json');
  await mkdir(path.join(dir, 'segments'));
  await writeFile(
    path.join(dir, 'segments', 'all.yaml'),
    names
      .map((name) => `name: ${name}\nrefreshType: static\ncontactIds: ["111", "222"]\n`)
      .join('---\n'),
  );
  emulator = await startEmulator();
  // Beta and Gamma were sent by a run that never recorded the answer.
  const state = stateOf(
    created(staticPayload('Alpha'), 'seg-a'),
    pending(staticPayload('Beta')),
    pending(staticPayload('Gamma')),
  );
  await writeFile(statePath, serializeState({ ...state, endpoint: emulator.url }));
});
afterEach(async () => {
  await emulator.close();
  await rm(dir, { recursive: true, force: true });
});

const env = () => ({ WATI_API_ENDPOINT: emulator.url, WATI_API_TOKEN: emulator.token });
const cli = (args: string[], stdin?: string) =>
  runCli(args, { cwd: dir, env: env(), ...(stdin !== undefined ? { stdin } : {}) });
const readBack = async () => JSON.parse(await readFile(statePath, 'utf8')) as State;

describe('plan with unknown outcomes', () => {
  it('is not blocked: the unknowns are listed as needing settling, with the exact commands', async () => {
    const run = await cli(['plan', '--detailed-exitcode']);
    expect(run.code).toBe(2);
    expect(run.stdout).toContain('Needs settling (2):');
    expect(run.stdout).toContain('segsync state resolve "Beta" "Gamma" --absent');
    expect(run.stdout).toContain('segsync state resolve "Beta" --id <segment id>');
    expect(run.stdout).toMatch(/Ready: 1 segment to create and 2 warnings/);
    const json = JSON.parse((await cli(['plan', '-f', 'json'])).stdout) as Plan;
    expect(json.blocked).toBe(false);
    expect(json.actions.filter((a) => a.action === 'unknown').map((a) => a.blocking)).toEqual([
      false,
      false,
    ]);
    const markdown = await cli(['plan', '-f', 'markdown']);
    expect(markdown.stdout).toContain('✅ **Ready to apply**: 1 segment will be created on merge.');
    expect(markdown.stdout).toContain('#### Needs settling (2)');
  });

  it('counts unknown outcomes as used slots against the segment limit', async () => {
    await writeFile(path.join(dir, 'segsync.config.yaml'), 'segmentLimit: 3\n');
    const run = await cli(['plan', '-f', 'json']);
    const json = JSON.parse(run.stdout) as Plan;
    expect(json.quota).toMatchObject({ active: 1, unknown: 2, creates: 1, exceeded: true });
    expect(json.blocked).toBe(true);
  });
});

describe('apply with unknown outcomes', () => {
  it('creates the others, leaves the unknowns alone and exits 3 while they remain', async () => {
    const run = await cli(['apply', '--yes', '--format', 'json']);
    expect(run.code).toBe(3);
    expect(emulator.snapshot().createsByName).toEqual({ Delta: 1 });
    const result = JSON.parse(run.stdout) as ApplyResult;
    expect(result.exitCode).toBe(3);
    expect(result.unsettled).toEqual(['Beta', 'Gamma']);
    expect(run.stderr).toContain('2 unknown outcome(s) still need settling');
    const text = await cli(['apply', '--yes']);
    expect(text.code).toBe(3);
    expect(text.stdout).toContain('Nothing to create.');
    expect(text.stdout).toContain('segsync state resolve "Beta" "Gamma" --absent');
  });
});

describe('state resolve', () => {
  it('settles several names in one call, all or nothing', async () => {
    const typo = await cli(['state', 'resolve', 'Beta', 'Gama', '--absent']);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain('"Gama" is not recorded');
    expect((await readBack()).segments.Beta?.status).toBe('pending');

    const run = await cli(['state', 'resolve', 'Beta', 'Gamma', '--absent']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Recorded: "Beta", "Gamma" do not exist in Wati.');
    expect(Object.keys((await readBack()).segments)).toEqual(['Alpha']);
  });

  it('--id takes exactly one name', async () => {
    const run = await cli(['state', 'resolve', 'Beta', 'Gamma', '--id', 'seg-9']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('--id records one segment');
  });

  it('settles from the JSON `state list --format json` prints (a file or stdin), ids where added', async () => {
    const listed = JSON.parse((await cli(['state', 'list', '--format', 'json'])).stdout) as Array<{
      name: string;
      status: string;
      id?: string;
    }>;
    // What the user found in the dashboard: Beta exists (its id added), Gamma does not.
    const edited = listed.map((row) => (row.name === 'Beta' ? { ...row, id: 'seg-b' } : row));
    await writeFile(path.join(dir, 'unknown.json'), JSON.stringify(edited));
    const withoutAbsent = await cli(['state', 'resolve', '--from', 'unknown.json']);
    expect(withoutAbsent.code).toBe(1);
    expect(withoutAbsent.stderr).toContain('"Gamma" has no id');

    const run = await cli(['state', 'resolve', '--from', '-', '--absent'], JSON.stringify(edited));
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Recorded: "Beta" exists in Wati with id seg-b.');
    expect(run.stdout).toContain('Recorded: "Gamma" does not exist in Wati.');
    const state = await readBack();
    expect(state.segments.Beta).toMatchObject({ status: 'created', id: 'seg-b' });
    expect(state.segments.Gamma).toBeUndefined();
    expect(state.segments.Alpha).toMatchObject({ id: 'seg-a' });
  });

  it('after a killed run: removes the dead run’s stale lock and settles', async () => {
    // A run on this host that is gone: a pid that exited.
    const child = spawn(process.execPath, ['-e', '0']);
    const pid = child.pid!;
    await new Promise((resolve) => child.on('exit', resolve));
    await writeFile(
      `${statePath}.lock`,
      JSON.stringify({
        pid,
        hostname: os.hostname(),
        startedAt: '2026-11-26T00:00:00Z',
        command: 'apply',
        token: 'dead-run',
      }),
    );
    const plan = await cli(['plan']);
    expect(plan.stdout).toContain('segsync state resolve "Beta" "Gamma" --absent');
    const run = await cli(['state', 'resolve', 'Beta', 'Gamma', '--absent']);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`Removed the stale lock of pid ${pid}`);
    expect(Object.keys((await readBack()).segments)).toEqual(['Alpha']);
  });

  it('refuses while the run that sent them still holds the lock', async () => {
    await writeFile(
      `${statePath}.lock`,
      JSON.stringify({
        pid: process.pid,
        hostname: os.hostname(),
        startedAt: '2026-11-26T00:00:00Z',
        command: 'apply',
        token: 'live-run',
      }),
    );
    const plan = await cli(['plan']);
    expect(plan.stdout).toContain('being created by the run in progress');
    expect(plan.stdout).not.toContain('state resolve');
    const run = await cli(['state', 'resolve', 'Beta', '--absent']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('still running');
    expect((await readBack()).segments.Beta?.status).toBe('pending');
  });
});
