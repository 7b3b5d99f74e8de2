// segsync state …: what a user does by hand to reconcile the state file with the dashboard.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Plan, State } from '../../src/core/model.js';
import { serializeState } from '../../src/state/file.js';
import { created, pending, staticPayload, stateOf } from '../helpers/builders.js';
import { runCli } from '../helpers/cli.js';

let dir: string;
let statePath: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'segsync-state-cmd-'));
  statePath = path.join(dir, 'segsync.state.json');
  // The definitions: neither "Done" nor "Maybe" is defined any more.
  await mkdir(path.join(dir, 'segments'));
  await writeFile(
    path.join(dir, 'segments', 'other.yaml'),
    'name: Other\nrefreshType: static\ncontactIds: ["9"]\n',
  );
  await writeFile(
    statePath,
    serializeState(
      stateOf(created(staticPayload('Done'), 'seg-1'), pending(staticPayload('Maybe'))),
    ),
  );
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const state = (...args: string[]) => runCli(['state', ...args], { cwd: dir });
const readBack = async () => JSON.parse(await readFile(statePath, 'utf8')) as State;

describe('segsync state', () => {
  it('lists recorded segments, flagging unknown outcomes', async () => {
    const run = await state('list');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Done\s+created\s+id seg-1/);
    expect(run.stdout).toMatch(/Maybe\s+UNKNOWN/);
    expect(run.stdout).toContain('2 recorded, 1 with an unknown outcome.');
    const json = await state('list', '--format', 'json');
    expect((JSON.parse(json.stdout) as Array<{ name: string }>).map((r) => r.name)).toEqual([
      'Done',
      'Maybe',
    ]);
  });

  it('shows one record, and suggests near-miss names for a typo', async () => {
    const shown = await state('show', 'Done');
    expect(JSON.parse(shown.stdout)).toMatchObject({
      name: 'Done',
      status: 'created',
      id: 'seg-1',
    });
    const typo = await state('show', 'done');
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain('"done" is not recorded in the state file.');
    expect(typo.stderr).toContain('Did you mean "Done"?');
  });

  it('resolves an unknown outcome with the id found in the dashboard', async () => {
    const run = await state('resolve', 'Maybe', '--id', ' seg-77 ');
    expect(run.code).toBe(0);
    expect((await readBack()).segments.Maybe).toMatchObject({
      status: 'created',
      id: 'seg-77',
      recordedBy: 'resolve',
    });
  });

  it.each([
    [
      'a newline and an escape sequence',
      'x\n\u001b[31m',
      /U\+000A, a control, invisible or non-printable character, at character 2/,
    ],
    ['a right-to-left override', 'ab\u202Ec', /U\+202E, .* at character 3/],
    ['a zero-width space', 'a\u200Bb', /U\+200B, .* at character 2/],
    ['a lone surrogate', 'a\uD800', /U\+D800, .* at character 2/],
    ['257 characters', 'i'.repeat(257), /257 characters long; at most 256 are accepted/],
  ])('refuses resolve --id with %s, without echoing it', async (_label, id, problem) => {
    const before = await readFile(statePath, 'utf8');
    const run = await state('resolve', 'Maybe', '--id', id);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(problem);
    expect(run.stderr).not.toContain(id);
    expect(await readFile(statePath, 'utf8')).toBe(before);
  });

  it('accepts a printable id of 256 characters, non-ASCII included', async () => {
    const id = `é${'i'.repeat(255)}`;
    expect((await state('resolve', 'Maybe', '--id', id)).code).toBe(0);
    expect((await readBack()).segments.Maybe).toMatchObject({ status: 'created', id });
  });

  it('resolves an unknown outcome as absent, so the next apply creates it', async () => {
    expect((await state('resolve', 'Maybe', '--absent')).code).toBe(0);
    expect(Object.keys((await readBack()).segments)).toEqual(['Done']);
  });

  it('refuses resolve without exactly one of --id / --absent, and for a created segment', async () => {
    expect((await state('resolve', 'Maybe')).stderr).toContain('exactly one of --id ID');
    expect((await state('resolve', 'Maybe', '--id', 'x', '--absent')).code).toBe(1);
    const createdOne = await state('resolve', 'Done', '--absent');
    expect(createdOne.code).toBe(1);
    expect(createdOne.stderr).toContain('seg-1');
  });

  it('forgets a segment deleted in the dashboard whose definition is gone', async () => {
    const run = await state('forget', 'Done');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('Forgot "Done".\n');
    expect(Object.keys((await readBack()).segments)).toEqual(['Maybe']);
  });

  it('refuses to forget a segment that is still defined; --force forgets it and says the next plan creates it again', async () => {
    await writeFile(
      path.join(dir, 'segments', 'done.yaml'),
      'name: Done\nrefreshType: static\ncontactIds: ["111", "222"]\n',
    );
    const refused = await state('forget', 'Done');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      '"Done" is still defined (segments/done.yaml:1): forgetting it would make the next apply create it again.',
    );
    expect(refused.stderr).toContain('segsync state forget "Done" --force');
    expect(Object.keys((await readBack()).segments)).toEqual(['Done', 'Maybe']);

    const forced = await state('forget', 'Done', '--force');
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain('still defined (segments/done.yaml:1)');
    expect(forced.stdout).toContain('the next plan shows it as a create');
    const plan = await runCli(['plan', '--format', 'json'], { cwd: dir });
    const actions = (JSON.parse(plan.stdout) as Plan).actions;
    expect(actions.find((action) => action.name === 'Done')?.action).toBe('create');
  });

  it('refuses to forget while the definitions have errors (it cannot tell), unless --force', async () => {
    await writeFile(path.join(dir, 'segments', 'broken.yaml'), 'name: [unclosed\n');
    const refused = await state('forget', 'Done');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('cannot tell whether "Done" is still defined');
    expect(Object.keys((await readBack()).segments)).toEqual(['Done', 'Maybe']);
    expect((await state('forget', 'Done', '--force')).code).toBe(0);
    expect(Object.keys((await readBack()).segments)).toEqual(['Maybe']);
  });

  it('refuses to edit while another segsync holds the lock, and unlock clears it', async () => {
    await writeFile(
      `${statePath}.lock`,
      JSON.stringify({
        pid: 999999,
        hostname: os.hostname(),
        startedAt: '2026-11-26T00:00:00Z',
        command: 'apply',
        token: 'another-run',
      }),
    );
    const blocked = await state('forget', 'Done');
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain('segsync state unlock');
    const unlocked = await state('unlock');
    expect(unlocked.stdout).toContain('pid 999999');
    expect(existsSync(`${statePath}.lock`)).toBe(false);
    expect((await state('forget', 'Done')).code).toBe(0);
  });
});
