// apply --push-state against a real git remote (a bare repository), real runner processes (the
// built CLI) and the emulator as Wati: the intent to create reaches the remote before the create.
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/server.js';
import type { EmulatorHandle } from '../../src/emulator/server.js';
import type { State } from '../../src/model.js';
import { readState, serializeState } from '../../src/state/file.js';
import { runCli } from '../helpers/cli.js';
import type { GitRemote } from '../helpers/git-remote.js';
import { createGitRemote, spawnCli, STATE_FILE, waitUntil } from '../helpers/git-remote.js';

let emulator: EmulatorHandle;
let remote: GitRemote | undefined;

beforeEach(async () => {
  // More segments than Wati's default cap of 10 in one account.
  emulator = await startEmulator({ port: 0, latencyMs: 10, segmentLimit: 1_000 });
});
afterEach(async () => {
  await emulator.close();
  await remote?.remove();
  remote = undefined;
});

function runnerEnv(): NodeJS.ProcessEnv {
  return {
    ...remote!.env,
    WATI_API_ENDPOINT: `${emulator.url}/4242`,
    WATI_API_TOKEN: emulator.token,
  };
}
const apply = (cwd: string, ...args: string[]) =>
  spawnCli(['apply', '--yes', '--push-state', ...args], cwd, runnerEnv());
const plan = (cwd: string) => spawnCli(['plan', '--format', 'json'], cwd, runnerEnv()).done;

function entriesBy(state: State | undefined, status: 'created' | 'pending'): string[] {
  return Object.entries(state?.segments ?? {})
    .filter(([, entry]) => entry.status === status)
    .map(([name]) => name)
    .sort();
}

describe('apply --push-state', () => {
  it('sends nothing, exits 1 and leaves no pending record when every push is refused', async () => {
    remote = await createGitRemote(5);
    await remote.refuseEveryPush('GH006: Protected branch update failed for refs/heads/main.');
    const runner = await remote.clone('runner');
    // A token in the remote URL (as CI checkouts have) must not reach the output.
    await remote.git(
      runner,
      'remote',
      'set-url',
      'origin',
      `file://ci:SECRET-TOKEN@localhost${remote.bare}`,
    );

    const run = await apply(runner).done;
    expect(run.code).toBe(1);
    expect(emulator.snapshot().requests.total).toBe(0);
    expect(run.stderr).toContain('the remote refused it (a protected branch or a server hook)');
    expect(run.stderr).toContain('Nothing was sent to Wati');
    expect(run.stderr).toContain('Let this job push to main');
    expect(`${run.stdout}${run.stderr}`).not.toContain('SECRET-TOKEN');
    const local = await readFile(path.join(runner, STATE_FILE), 'utf8').catch(() => '');
    expect(local).not.toContain('"pending"');
    // The refused checkpoint commit is undone: the clone is where it started.
    expect(await remote.git(runner, 'log', '--oneline')).toMatch(/^\w+ segments\n$/);
  });

  it('pushes about N/k + 1 times, as the default identity with [skip ci], and a fresh clone plans nothing', async () => {
    remote = await createGitRemote(40);
    const runner = await remote.clone('runner');
    const run = await apply(runner, '--checkpoint-every', '8').done;
    expect(run.code).toBe(0);
    expect(await remote.pushCount()).toBe(40 / 8 + 1);
    expect(run.stderr).toMatch(/State pushes to origin\/main: 6 \(median \d+ ms per checkpoint\)/);

    const log = await remote.git(remote.bare, 'log', '--format=%an <%ae>|%s', 'main');
    const commits = log.trim().split('\n').slice(0, 6);
    for (const commit of commits) {
      expect(commit).toMatch(
        /^segsync <segsync@users\.noreply\.github\.com>\|segsync: .*\[skip ci\]$/,
      );
    }
    const fresh = await remote.clone('fresh');
    const planned = await plan(fresh);
    expect(JSON.parse(planned.stdout)).toMatchObject({
      summary: { create: 0, unchanged: 40, unknown: 0 },
    });
  });

  it('merges a state another clone pushed meanwhile (by meaning) and keeps its other files', async () => {
    remote = await createGitRemote(24);
    emulator.configure({ latencyMs: 150 });
    const runner = await remote.clone('runner');
    const other = await remote.clone('other');
    const running = apply(runner, '--checkpoint-every', '4', '--concurrency', '2');
    await waitUntil(async () => (await remote!.pushCount()) >= 2);
    await pushStateEdit(other, (state) => ({
      ...state,
      segments: { ...state.segments, 'Made elsewhere': createdEntry('Made elsewhere', '777') },
    }));
    const run = await running.done;
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/merge\(s\) with newer pushes/);
    const state = await remote.remoteState();
    expect(entriesBy(state, 'created')).toEqual([...remote.names, 'Made elsewhere'].sort());
    expect(await remote.git(remote.bare, 'show', 'main:NOTES.md')).toContain('other clone');
  });

  it('stops with nothing more written when the remote records another id for a segment it created', async () => {
    remote = await createGitRemote(24);
    emulator.configure({ latencyMs: 150 });
    const runner = await remote.clone('runner');
    const other = await remote.clone('other');
    const running = apply(runner, '--checkpoint-every', '4', '--concurrency', '2');
    let conflicted = '';
    await waitUntil(async () => {
      const state = await remote!.remoteState();
      const created = entriesBy(state, 'created');
      conflicted = created[0] ?? '';
      return conflicted !== '';
    });
    const theirs = await pushStateEdit(other, (state) => ({
      ...state,
      segments: {
        ...state.segments,
        [conflicted]: { ...state.segments[conflicted]!, id: 'ffff' } as never,
      },
    }));
    const run = await running.done;
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('records segments differently from this run');
    expect(run.stderr).toContain(`${JSON.stringify(conflicted)}: two different ids`);
    expect(run.stderr).toContain('segsync state merge');
    // The other clone's push stays the tip: the conflicting run wrote nothing over it.
    expect((await remote.git(remote.bare, 'rev-parse', 'main')).trim()).toBe(theirs);
  });
});

describe('a runner lost mid-apply (SIGKILL, clone deleted)', () => {
  const COUNT = 30;
  const WINDOW = 5;

  for (const [killAfterPushes, settleBy] of [
    [1, 'state merge of a saved copy'],
    [3, 'resolve'],
    [5, 'resolve'],
  ] as const) {
    it(`after ${killAfterPushes} push(es): at most two windows unknown, settled by ${settleBy}, then 0 duplicates`, async () => {
      remote = await createGitRemote(COUNT);
      emulator.configure({ latencyMs: 30 });
      const runner = await remote.clone('runner');
      const running = apply(runner, '--checkpoint-every', String(WINDOW), '--concurrency', '4');
      await waitUntil(async () => (await remote!.pushCount()) >= killAfterPushes);
      running.child.kill('SIGKILL');
      const killed = await running.done;
      expect(killed.signal).toBe('SIGKILL');
      // Creates already sent still land after the kill (the emulator answers after its latency):
      // look at Wati only once they have, as a person checking the dashboard later would.
      await waitUntil(async () => Promise.resolve(emulator.snapshot().inFlight === 0));
      const saved = path.join(remote.root, 'saved-state');
      if (settleBy === 'state merge of a saved copy') {
        await cp(runner, saved, { recursive: true });
      }
      await rm(runner, { recursive: true, force: true });

      const fresh = await remote.clone('fresh');
      const state = await remote.remoteState();
      const created = entriesBy(state, 'created');
      const unknown = entriesBy(state, 'pending');
      console.log(
        `kill after ${killAfterPushes} push(es): ${unknown.length} unknown on the remote`,
      );
      expect(unknown.length).toBeLessThanOrEqual(2 * WINDOW);
      // Every segment Wati has is recorded or unknown on the remote: none is unrecorded.
      const known = new Set([...created, ...unknown]);
      for (const segment of emulator.snapshot().segments)
        expect(known.has(segment.name)).toBe(true);

      if (settleBy === 'state merge of a saved copy') {
        const merged = await spawnCli(
          ['state', 'merge', path.join(saved, STATE_FILE)],
          fresh,
          runnerEnv(),
        ).done;
        expect(merged.code).toBe(0);
      }
      // What is still unknown is settled as a person would, from the Wati dashboard.
      const stillUnknown = entriesBy(await readState(path.join(fresh, STATE_FILE)), 'pending');
      const inWati = new Map(
        emulator.snapshot().segments.map((segment) => [segment.name, segment.id]),
      );
      for (const name of stillUnknown) {
        const id = inWati.get(name);
        const args = id === undefined ? ['--absent'] : ['--id', id];
        expect((await runCli(['state', 'resolve', name, ...args], { cwd: fresh })).code).toBe(0);
      }
      await remote.git(fresh, 'add', STATE_FILE);
      await remote.commitAsDeveloper(fresh, 'settle');
      await remote.git(fresh, 'push', '-q');

      const next = await apply(fresh, '--checkpoint-every', String(COUNT)).done;
      expect(next.code).toBe(0);
      const snapshot = emulator.snapshot();
      expect(snapshot.duplicates).toEqual([]);
      expect(snapshot.segments).toHaveLength(COUNT);
      expect(entriesBy(await remote.remoteState(), 'created')).toHaveLength(COUNT);
    });
  }
});

function createdEntry(name: string, id: string) {
  return {
    status: 'created' as const,
    id,
    payload: { name, refreshType: 1 as const, contactIds: ['1'] },
    digest: `sha256:${'a'.repeat(64)}`,
    createdAt: '2026-12-01T00:00:00.000Z',
    source: 'elsewhere.yaml',
  };
}

/**
 * Another writer: takes the remote's tip, edits its state file (and adds a file), pushes; again
 * if the runner pushed meanwhile. Resolves to the commit it pushed.
 */
async function pushStateEdit(clone: string, edit: (state: State) => State): Promise<string> {
  const git = (...args: string[]) => remote!.git(clone, ...args);
  for (;;) {
    await git('fetch', '-q', 'origin');
    await git('reset', '-q', '--hard', 'origin/main');
    const text = await readFile(path.join(clone, STATE_FILE), 'utf8').catch(() => undefined);
    const state = text ? (JSON.parse(text) as State) : { formatVersion: 1 as const, segments: {} };
    await writeFile(path.join(clone, STATE_FILE), serializeState(edit(state)));
    await writeFile(path.join(clone, 'NOTES.md'), 'from the other clone\n');
    await git('add', '.');
    await git(
      '-c',
      'user.name=Other',
      '-c',
      'user.email=other@example.invalid',
      'commit',
      '-qm',
      'other',
    );
    const pushed = await git('push', '-q', 'origin', 'main').then(
      () => true,
      () => false,
    );
    if (pushed) return (await git('rev-parse', 'HEAD')).trim();
  }
}
