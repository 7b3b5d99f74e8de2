// State files merged by meaning where people meet them: `git merge` with segsync's merge driver
// (real git, the built CLI as the driver), the README's way without the driver, and
// `segsync state merge` on the command line.
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { State, StateEntry } from '../../src/core/model.js';
import { readState, serializeState } from '../../src/state/file.js';
import { runCli } from '../helpers/cli.js';
import { createdFor, makeTempDir, pendingFor, removeDir, REPO_ROOT } from './fixtures.js';

const exec = promisify(execFile);
const CLI = path.join(REPO_ROOT, 'dist', 'cli.js');
const ENDPOINT = 'https://live-mt-server.wati.io/123';
const STATE = 'segsync.state.json';

const created = (name: string, id: string): StateEntry => ({
  ...createdFor(name, id),
  status: 'created',
});
const pending = (name: string): StateEntry => ({ ...pendingFor(name), status: 'pending' });
const stateOf = (entries: Record<string, StateEntry>, endpoint = ENDPOINT): State => ({
  formatVersion: 1,
  endpoint,
  segments: entries,
});

let repo: string;
const git = async (...args: string[]) => (await exec('git', args, { cwd: repo })).stdout;
const writeState = (state: State, file = STATE) =>
  writeFile(path.join(repo, file), serializeState(state));
const names = async (file = STATE) =>
  Object.keys((await readState(path.join(repo, file))).segments).sort();

beforeEach(async () => {
  repo = await makeTempDir();
  await git('init', '-q', '-b', 'main');
  await git('config', 'user.email', 'dev@example.invalid');
  await git('config', 'user.name', 'Dev');
  await writeFile(path.join(repo, '.gitattributes'), `${STATE} merge=segsync\n`);
  await writeState(stateOf({ A: created('A', '1'), D: created('D', '4') }));
  await git('add', '.');
  await git('commit', '-qm', 'base');
});
afterEach(() => removeDir(repo));

/** main adds `ours`, branch `other` (from the base) adds `theirs`; main is checked out. */
async function divergingBranches(
  ours: Record<string, StateEntry>,
  theirs: Record<string, StateEntry>,
) {
  const base = (await readState(path.join(repo, STATE))).segments;
  await git('checkout', '-qb', 'other');
  await writeState(stateOf({ ...base, ...theirs }));
  await git('commit', '-qam', 'other adds');
  await git('checkout', '-q', 'main');
  await writeState(stateOf({ ...base, ...ours }));
  await git('commit', '-qam', 'main adds');
}

const configureDriver = () =>
  git(
    'config',
    'merge.segsync.driver',
    `'${process.execPath}' '${CLI}' state merge-driver %O %A %B`,
  );

describe('git merge of the state file', () => {
  it('with the driver: merges two branches that each added entries cleanly, by meaning', async () => {
    await configureDriver();
    await divergingBranches({ B: created('B', '2') }, { C: created('C', '3'), E: pending('E') });
    await git('merge', '-q', '--no-edit', 'other');
    expect(await names()).toEqual(['A', 'B', 'C', 'D', 'E']);
    expect(await git('status', '--porcelain')).toBe('');
  });

  it('with the driver: a forget on one branch stays a forget', async () => {
    await configureDriver();
    await git('checkout', '-qb', 'other');
    await writeState(stateOf({ A: created('A', '1') }));
    await git('commit', '-qam', 'forget D');
    await git('checkout', '-q', 'main');
    await writeState(stateOf({ A: created('A', '1'), B: created('B', '2'), D: created('D', '4') }));
    await git('commit', '-qam', 'main adds B');
    await git('merge', '-q', '--no-edit', 'other');
    expect(await names()).toEqual(['A', 'B']);
  });

  it('with the driver: two ids for one name stop the merge and leave both sides for a person', async () => {
    await configureDriver();
    await divergingBranches({ B: created('B', '2') }, { B: created('B', '99') });
    const merge = await exec('git', ['merge', '--no-edit', 'other'], { cwd: repo }).catch(
      (error: { code: number; stderr: string; stdout: string }) => error,
    );
    expect('code' in merge && merge.code).toBe(1);
    expect(String((merge as { stderr: string }).stderr)).toMatch(
      /"B": two different ids: 2 and 99/,
    );
    await expect(readState(path.join(repo, STATE))).rejects.toThrow(/merge conflict markers/);
  });

  it('without the driver: the README steps (git show :3: then state merge) give the same result', async () => {
    await divergingBranches({ B: created('B', '2') }, { C: created('C', '3'), E: pending('E') });
    const merge = await exec('git', ['merge', '--no-edit', 'other'], { cwd: repo }).catch(
      () => 'conflict',
    );
    expect(merge).toBe('conflict');
    // README: "The state file must be committed" → merging without the driver.
    await writeFile(path.join(repo, 'theirs.json'), await git('show', `:3:${STATE}`));
    await git('checkout', '--ours', STATE);
    const run = await runCli(['state', 'merge', 'theirs.json'], { cwd: repo });
    expect(run.code).toBe(0);
    await git('add', STATE);
    await git('commit', '-qm', 'merge other');
    const byHand = await readFile(path.join(repo, STATE), 'utf8');

    await git('reset', '-q', '--hard', 'HEAD~1');
    await configureDriver();
    await git('merge', '-q', '--no-edit', 'other');
    expect(await readFile(path.join(repo, STATE), 'utf8')).toBe(byHand);
  });
});

describe('segsync state merge', () => {
  it('settles the unknown outcomes of a lost run from its artifact and adds what only it knows', async () => {
    await writeState(stateOf({ A: created('A', '1'), P: pending('P'), Q: pending('Q') }));
    await writeState(stateOf({ P: created('P', '7'), R: created('R', '8') }), 'artifact.json');
    const run = await runCli(['state', 'merge', 'artifact.json'], { cwd: repo });
    expect(run).toMatchObject({ code: 0 });
    expect(run.stdout).toContain('1 entry added, 1 unknown outcome(s) settled as created');
    expect(run.stdout).toContain('1 unknown outcome(s) remain');
    const state = await readState(path.join(repo, STATE));
    expect(state.segments.P).toMatchObject({ status: 'created', id: '7' });
    expect(state.segments.Q?.status).toBe('pending');
    expect(Object.keys(state.segments).sort()).toEqual(['A', 'P', 'Q', 'R']);
  });

  it('folds a journal left beside the artifact (a run killed before it compacted)', async () => {
    await writeState(stateOf({ P: pending('P') }));
    await writeState(stateOf({}), 'artifact.json');
    const record = { op: 'set', name: 'P', entry: created('P', '5') };
    const { encodeRecord } = await import('../../src/state/wal.js');
    await writeFile(path.join(repo, 'artifact.json.journal'), encodeRecord(record as never));
    expect((await runCli(['state', 'merge', 'artifact.json'], { cwd: repo })).code).toBe(0);
    expect((await readState(path.join(repo, STATE))).segments.P).toMatchObject({ id: '5' });
  });

  it('writes nothing when the two files record two ids for one name, and names both', async () => {
    await writeState(stateOf({ A: created('A', '1'), B: pending('B') }));
    const before = await readFile(path.join(repo, STATE), 'utf8');
    await writeState(stateOf({ A: created('A', '2'), B: created('B', '3') }), 'artifact.json');
    const run = await runCli(['state', 'merge', 'artifact.json'], { cwd: repo });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('two different ids: 1 and 2');
    expect(run.stderr).toContain('nothing was written');
    expect(await readFile(path.join(repo, STATE), 'utf8')).toBe(before);
  });

  it('refuses a state file of another endpoint', async () => {
    await writeState(stateOf({ Z: created('Z', '1') }, 'https://other.example/9'), 'artifact.json');
    const run = await runCli(['state', 'merge', 'artifact.json'], { cwd: repo });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('refusing to merge');
    expect(await names()).toEqual(['A', 'D']);
  });
});
