// apply --push-state against a real git remote (a bare repository), real runner processes (the
// built CLI) and the emulator as Wati: the intent to create reaches the remote before the create.
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/server.js';
import type { EmulatorHandle } from '../../src/emulator/server.js';
import type { State } from '../../src/core/model.js';
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

describe('the --push-state spelling', () => {
  it('`apply --push-state segments` means the folder segments; only --push-state=REMOTE/BRANCH takes a value', async () => {
    remote = await createGitRemote(3);
    const runner = await remote.clone('runner');
    const bare = await spawnCli(['apply', '--yes', '--push-state', 'segments'], runner, runnerEnv())
      .done;
    expect(bare.stderr).toContain('State pushed to origin/main');
    expect(bare.code).toBe(0);
    expect(entriesBy(await remote.remoteState(), 'created')).toEqual([...remote.names].sort());

    const named = await spawnCli(
      ['apply', '--yes', '--push-state=nowhere/main', 'segments'],
      runner,
      runnerEnv(),
    ).done;
    expect(named.code).toBe(1);
    expect(named.stderr).toContain('"nowhere/main" is not REMOTE/BRANCH with a known remote');
  });
});

describe('apply --push-state with more creates in flight than a window', () => {
  for (const [concurrency, window] of [
    [8, 1],
    [6, 2],
  ] as const) {
    it(`--concurrency ${concurrency} --checkpoint-every ${window} against a slow remote: one save at a time, every create sent after a push that holds it`, async () => {
      remote = await createGitRemote(12);
      await remote.slowPushes(0.05);
      emulator.configure({ latencyMs: 20 });
      const runner = await remote.clone('runner');
      const run = await apply(
        runner,
        '--checkpoint-every',
        String(window),
        '--concurrency',
        String(concurrency),
      ).done;
      expect(run.stderr).not.toMatch(/index\.lock|nothing to commit/);
      expect(run.code).toBe(0);
      expect(emulator.snapshot().duplicates).toEqual([]);
      expect(emulator.snapshot().segments).toHaveLength(12);
      const state = await remote.remoteState();
      expect(entriesBy(state, 'created')).toEqual([...remote.names].sort());
      expect(entriesBy(state, 'pending')).toEqual([]);
    });
  }
});

describe('apply --push-state reads every push back from the remote', () => {
  it('stops new creates (exit 3, with the artifact advice) when the remote loses a push', async () => {
    remote = await createGitRemote(12);
    emulator.configure({ latencyMs: 20 });
    await remote.losePushesAfter(1);
    const runner = await remote.clone('runner');
    const run = await apply(runner, '--checkpoint-every', '4', '--concurrency', '2').done;
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('did not keep');
    expect(run.stderr).toContain('segsync state merge');
    // Only the first window went out: its pending records are what the remote kept.
    const sent = emulator.snapshot().segments.map((segment) => segment.name);
    expect(sent.length).toBeLessThanOrEqual(4);
    const state = await remote.remoteState();
    const known = new Set([...entriesBy(state, 'created'), ...entriesBy(state, 'pending')]);
    for (const name of sent) expect(known.has(name)).toBe(true);
  });

  it('sends nothing (exit 1) when the remote loses the first push', async () => {
    remote = await createGitRemote(6);
    await remote.losePushesAfter(0);
    const runner = await remote.clone('runner');
    const run = await apply(runner).done;
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('did not keep');
    expect(run.stderr).toContain('Nothing was sent to Wati');
    expect(emulator.snapshot().requests.total).toBe(0);
  });

  it('retries a push that lost a race for the branch ("cannot lock ref"), merging by meaning', async () => {
    remote = await createGitRemote(8);
    const other = await remote.clone('other');
    // Another job's commit, ready on a side branch; the remote moves main to it mid-push.
    await writeFile(
      path.join(other, STATE_FILE),
      serializeState({
        formatVersion: 1,
        segments: { 'Made elsewhere': createdEntry('Made elsewhere', '777') },
      }),
    );
    await writeFile(path.join(other, 'NOTES.md'), 'from the other clone\n');
    await remote.git(other, 'add', '.');
    await remote.commitAsDeveloper(other, 'other');
    await remote.git(other, 'push', '-q', 'origin', 'HEAD:refs/heads/other');
    await remote.raceOnPush(2, 'other');
    const runner = await remote.clone('runner');
    const run = await apply(runner, '--checkpoint-every', '4', '--concurrency', '2').done;
    expect(run.stderr).not.toContain('refused');
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/1 merge\(s\) with newer pushes/);
    const state = await remote.remoteState();
    expect(entriesBy(state, 'created')).toEqual([...remote.names, 'Made elsewhere'].sort());
    expect(await remote.git(remote.bare, 'show', 'main:NOTES.md')).toContain('other clone');
  });

  it('a refused later checkpoint while the branch moved on: the final push clears what this run never sent', async () => {
    remote = await createGitRemote(24);
    emulator.configure({ latencyMs: 30 });
    await remote.refusePush(3, 'pre-receive hook: not now', { moveBranch: true });
    const runner = await remote.clone('runner');
    const run = await apply(runner, '--checkpoint-every', '2', '--concurrency', '8').done;
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('the remote refused it');
    expect(run.stderr).not.toContain('two applies ran at once');
    const state = await remote.remoteState();
    const inWati = emulator
      .snapshot()
      .segments.map((segment) => segment.name)
      .sort();
    // The final push landed: every segment sent is recorded as created, nothing else is pending.
    expect(entriesBy(state, 'created')).toEqual(inWati);
    expect(entriesBy(state, 'pending')).toEqual([]);
  });
});

describe('a runner lost mid-apply (SIGKILL, clone deleted)', () => {
  for (const {
    killAfterPushes,
    settleBy,
    count,
    window,
    concurrency,
    slowRemote = false,
    killAfterRequests = 0,
  } of [
    {
      killAfterPushes: 1,
      settleBy: 'state merge of a saved copy',
      count: 30,
      window: 5,
      concurrency: 4,
    },
    { killAfterPushes: 3, settleBy: 'resolve', count: 30, window: 5, concurrency: 4 },
    { killAfterPushes: 5, settleBy: 'resolve', count: 30, window: 5, concurrency: 4 },
    // More creates in flight than a window (the default window with --concurrency 40, a window
    // of 1 with 8), against a slow remote: a window waits for the push that holds it.
    {
      killAfterPushes: 1,
      settleBy: 'resolve',
      count: 60,
      window: 20,
      concurrency: 40,
      slowRemote: true,
      // Killed the moment a create of the second window reaches Wati.
      killAfterRequests: 21,
    },
    {
      killAfterPushes: 2,
      settleBy: 'resolve',
      count: 30,
      window: 1,
      concurrency: 8,
      slowRemote: true,
    },
  ] as const) {
    it(`${count} creates, --checkpoint-every ${window} --concurrency ${concurrency}, killed after ${killAfterPushes} push(es): at most the windows in flight unknown, settled by ${settleBy}, then 0 duplicates`, async () => {
      const COUNT = count;
      const WINDOW = window;
      remote = await createGitRemote(COUNT);
      if (slowRemote) await remote.slowPushes(0.2);
      emulator.configure({ latencyMs: 30 });
      const runner = await remote.clone('runner');
      const running = apply(
        runner,
        '--checkpoint-every',
        String(WINDOW),
        '--concurrency',
        String(concurrency),
      );
      await waitUntil(
        async () =>
          (await remote!.pushCount()) >= killAfterPushes &&
          emulator.snapshot().requests.total >= killAfterRequests,
        20_000,
        1,
      );
      running.killAll();
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
      // Two windows, or the creates in flight and the window waiting behind them.
      expect(unknown.length).toBeLessThanOrEqual(Math.max(2 * WINDOW, concurrency + WINDOW));
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
