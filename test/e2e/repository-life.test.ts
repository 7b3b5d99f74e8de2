// The whole life of a repository, as a team lives it, against the emulator: init in a git
// repository, add definitions, review the plan, apply the reviewed plan, commit the state, plan
// again, then the ways a change goes wrong (an edited segment, too many segments, a stale plan).
import { execFile } from 'node:child_process';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { EmulatorHandle } from '../../src/emulator/server.js';
import { startEmulator } from '../../src/emulator/server.js';
import type { State } from '../../src/core/model.js';
import type { CliRun } from '../helpers/cli.js';
import { runCli } from '../helpers/cli.js';

const exec = promisify(execFile);
let repo: string;
let emulator: EmulatorHandle;

beforeAll(async () => {
  repo = await mkdtemp(path.join(os.tmpdir(), 'segsync-life-'));
  emulator = await startEmulator({ latencyMs: 5 });
});
afterAll(async () => {
  await emulator.close();
  await rm(repo, { recursive: true, force: true });
});

const git = (...args: string[]) => exec('git', args, { cwd: repo });
const credentials = () => ({
  WATI_API_ENDPOINT: `${emulator.url}/4242`,
  WATI_API_TOKEN: emulator.token,
});
const segsync = (...args: string[]): Promise<CliRun> =>
  runCli(args, { cwd: repo, env: credentials() });
const write = (file: string, text: string) => writeFile(path.join(repo, file), text);

const vip = 'name: VIP Customers\nrefreshType: static\ncontactIds: ["12345", "67890"]\n';
const india =
  'name: Customers from India\nrefreshType: dynamic\ngroups:\n' +
  '  - conditions:\n      - { attribute: country, operator: "==", value: India }\n';

it('plays init → plan → apply the reviewed plan → commit → nothing to do → blocked changes', async () => {
  await git('init', '-q', '-b', 'main');
  await git('config', 'user.email', 'dev@example.invalid');
  await git('config', 'user.name', 'Dev');
  expect((await segsync('init')).code).toBe(0);
  await rm(path.join(repo, 'segments', 'example.yaml'));
  await write('segments/vip.yaml', vip);
  await write('segments/india.yaml', india);

  // Pull request: the comment body and the check.
  const comment = await segsync(
    'plan',
    '--format',
    'markdown',
    '--detailed-exitcode',
    '--out',
    'plan.json',
  );
  expect(comment.code).toBe(2);
  expect(comment.stdout.split('\n')[0]).toBe('<!-- segsync:plan -->');
  expect(comment.stdout).toContain('**Plan: 2 to create, 0 unchanged, 0 changed, 0 removed**');
  expect(comment.stdout).not.toContain('12345');
  const reviewed = JSON.parse(await readFile(path.join(repo, 'plan.json'), 'utf8')) as {
    checksum: string;
  };
  expect(comment.stdout).toContain(reviewed.checksum);

  // Merge: apply exactly what was reviewed, then commit the state file.
  const applied = await segsync('apply', 'plan.json', '--yes', '--format', 'json');
  expect(applied.code).toBe(0);
  expect(JSON.parse(applied.stdout)).toMatchObject({
    planChecksum: reviewed.checksum,
    summary: { created: 2 },
  });
  await git('add', '-A');
  await git('commit', '-q', '-m', 'segments + state');
  const state = JSON.parse(await readFile(path.join(repo, 'segsync.state.json'), 'utf8')) as State;
  expect(Object.keys(state.segments).sort()).toEqual(['Customers from India', 'VIP Customers']);
  expect(state.endpoint).toBe(`${emulator.url}/4242`);

  // The next pull request: nothing to do.
  const again = await segsync('plan', '--detailed-exitcode');
  expect(again.code).toBe(0);
  expect(again.stdout).toContain('Plan: 0 to create, 2 unchanged');

  // Editing a created segment is blocked with a diff and what to do about it.
  await write('segments/india.yaml', india.replace('value: India', 'value: Bharat'));
  const edited = await segsync('plan', '--detailed-exitcode');
  expect(edited.code).toBe(1);
  expect(edited.stdout).toContain('-          "value": "India"');
  expect(edited.stdout).toContain('+          "value": "Bharat"');
  expect(edited.stdout).toContain('Rename it to create a new segment');
  await git('checkout', '--', 'segments/india.yaml');

  // One more than the account allows is blocked before anything is sent.
  await appendFile(path.join(repo, 'segsync.config.yaml'), '\nsegmentLimit: 2\n');
  await write(
    'segments/extra.yaml',
    'name: One too many\nrefreshType: static\ncontactIds: ["1"]\n',
  );
  const overQuota = await segsync('apply', '--yes');
  expect(overQuota.code).toBe(1);
  expect(overQuota.stdout).toContain('2 active + 1 to create = 3, over the limit of 2');
  expect(emulator.snapshot().requests.total).toBe(2);

  // A plan saved before the state moved is refused.
  await git('checkout', '--', 'segsync.config.yaml');
  expect((await segsync('plan', '--out', 'plan.json')).code).toBe(0);
  await segsync('state', 'forget', 'VIP Customers', '--force');
  const stale = await segsync('apply', 'plan.json', '--yes');
  expect(stale.code).toBe(1);
  expect(stale.stderr).toContain('stale: the state file segsync.state.json changed');
  expect(emulator.snapshot().duplicates).toEqual([]);
});
