// The everyday mistakes that would re-create everything, as a user meets them: a mistyped or
// missing state path. apply refuses to create without a state file unless told it is new; plan
// says loudly that it plans against none; both say what git's history knows about the path.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EmulatorHandle } from '../../src/emulator/server.js';
import { startEmulator } from '../../src/emulator/server.js';
import type { Plan } from '../../src/core/model.js';
import { runCli } from '../helpers/cli.js';

const exec = promisify(execFile);
let dir: string;
let emulator: EmulatorHandle;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'segsync-missing-state-'));
  await mkdir(path.join(dir, 'segments'));
  await writeFile(
    path.join(dir, 'segments', 'vip.yaml'),
    'name: VIP\nrefreshType: static\ncontactIds: ["1", "2"]\n',
  );
  emulator = await startEmulator();
});
afterEach(async () => {
  await emulator.close();
  await rm(dir, { recursive: true, force: true });
});

const env = () => ({
  PATH: process.env.PATH,
  HOME: dir,
  GIT_CONFIG_NOSYSTEM: '1',
  WATI_API_ENDPOINT: emulator.url,
  WATI_API_TOKEN: emulator.token,
});
const cli = (...args: string[]) => runCli(args, { cwd: dir, env: env() });
const git = (...args: string[]) => exec('git', args, { cwd: dir, env: env() });

describe('a state file that does not exist', () => {
  it('apply refuses to create, naming the path; nothing is sent', async () => {
    const run = await cli('apply', '--yes', '--state', 'segsync.stat.json');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      'segsync: error: There is no state file at segsync.stat.json: apply would create every segment as if none existed',
    );
    expect(run.stderr).toContain('segsync state init');
    expect(run.stderr).toContain('--new-state');
    expect(emulator.snapshot().requests.total).toBe(0);
  });

  it('in a git repository, says whether the path was ever committed, and how to restore it', async () => {
    await git('init', '-q', '-b', 'main');
    const never = await cli('apply', '--yes');
    expect(never.stderr).toContain('No commit in this repository ever held segsync.state.json.');

    await writeFile(path.join(dir, 'segsync.state.json'), '{"formatVersion": 1, "segments": {}}\n');
    await git('add', '.');
    await git('-c', 'user.name=D', '-c', 'user.email=d@e.invalid', 'commit', '-qm', 'state');
    await git('rm', '-q', 'segsync.state.json');
    await git('-c', 'user.name=D', '-c', 'user.email=d@e.invalid', 'commit', '-qm', 'oops');
    const deleted = await cli('apply', '--yes');
    expect(deleted.code).toBe(1);
    expect(deleted.stderr).toMatch(
      /segsync\.state\.json is in this repository's history \(last written in commit [0-9a-f]{7,}, \d{4}-\d\d-\d\d: "state"\)/,
    );
    expect(deleted.stderr).toMatch(/git checkout [0-9a-f]{7,} -- segsync\.state\.json/);
    expect(emulator.snapshot().requests.total).toBe(0);
  });

  it('plan says first that it plans against no state (a warning, in every format)', async () => {
    const text = await cli('plan', '--state', 'typo.json');
    expect(text.code).toBe(0);
    expect(text.stdout.split('\n')[2]).toBe(
      'typo.json: warning: There is no state file at typo.json: this plan is made against no state, so every segment plans as new.',
    );
    const json = JSON.parse(
      (await cli('plan', '--state', 'typo.json', '-f', 'json')).stdout,
    ) as Plan;
    expect(json.diagnostics[0]).toMatchObject({ severity: 'warning', code: 'no-state-file' });
    const markdown = await cli('plan', '--state', 'typo.json', '-f', 'markdown');
    expect(markdown.stdout).toMatch(/#### State file\n\n- ⚠️ `typo\.json` There is no state file/);
  });

  it('`state init` writes the empty state file; apply then creates and binds it to its endpoint', async () => {
    const init = await cli('state', 'init');
    expect(init.code).toBe(0);
    expect(init.stdout).toContain('Created segsync.state.json, an empty state file');
    expect(await readFile(path.join(dir, 'segsync.state.json'), 'utf8')).toBe(
      '{\n  "formatVersion": 1,\n  "segments": {}\n}\n',
    );
    expect((await cli('state', 'init')).stdout).toContain('already exists; left as it is.');
    const plan = await cli('plan', '-f', 'json');
    expect((JSON.parse(plan.stdout) as Plan).diagnostics).toEqual([]);
    const applied = await cli('apply', '--yes');
    expect(applied.code).toBe(0);
    const state = JSON.parse(await readFile(path.join(dir, 'segsync.state.json'), 'utf8')) as {
      endpoint: string;
    };
    expect(state.endpoint).toBe(emulator.url);
  });

  it('apply --new-state starts a new state where there is none', async () => {
    const run = await cli('apply', '--yes', '--new-state', '--state', 'fresh/new.state.json');
    expect(run.code).toBe(0);
    expect(emulator.snapshot().segments).toHaveLength(1);
  });
});
