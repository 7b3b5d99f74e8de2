import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import type { State } from '../../src/core/model.js';
import { StateSession } from '../../src/state/session.js';
import { acquireStateLock, lockPathOf } from '../../src/state/lock.js';
import { parseState, readState, serializeState } from '../../src/state/file.js';
import { forgetSegment, resolveAsAbsent } from '../../src/state/reconcile.js';
import { createdFor, makeTempDir, pendingFor, removeDir, writeStateFile } from './fixtures.js';

const ENDPOINT = 'https://live-mt-server.wati.io/123456';

let dir: string;
let statePath: string;
const opened: StateSession[] = [];

beforeEach(async () => {
  dir = await makeTempDir();
  statePath = join(dir, 'segsync.state.json');
});
afterEach(async () => {
  await Promise.allSettled(opened.splice(0).map((journal) => journal.close()));
  await removeDir(dir);
});

async function openJournal(endpoint: string | undefined = ENDPOINT): Promise<StateSession> {
  const journal = await StateSession.open(statePath, { command: 'apply', endpoint });
  opened.push(journal);
  return journal;
}

/** What a crash right now would leave: the state file with the journal beside it replayed. */
function durableState(): Promise<State> {
  return readState(statePath);
}

describe('StateSession', () => {
  it('records pending, then created, then clears, each durable when its promise resolves', async () => {
    const journal = await openJournal();
    await journal.recordPending('A', pendingFor('A'));
    expect((await durableState()).segments.A?.status).toBe('pending');
    await journal.recordCreated('A', createdFor('A', 'seg-1'));
    expect((await durableState()).segments.A).toMatchObject({ status: 'created', id: 'seg-1' });
    await journal.recordPending('B', pendingFor('B'));
    await journal.clear('B');
    expect((await durableState()).segments).not.toHaveProperty('B');
    await journal.recordPending('C', pendingFor('C'));
    await journal.markUnknown('C', 'socket hang up after the request was sent');
    expect((await durableState()).segments.C).toMatchObject({
      status: 'pending',
      reason: 'socket hang up after the request was sent',
    });
    expect((await durableState()).endpoint).toBe(ENDPOINT);
  });

  it('applies mutations to the in-memory state immediately', async () => {
    const journal = await openJournal();
    const durable = journal.recordPending('A', pendingFor('A'));
    expect(journal.state.segments.A?.status).toBe('pending');
    expect(Object.isFrozen(journal.state)).toBe(true);
    await durable;
  });

  it('resolves each mutation only once the file on disk contains it', async () => {
    const journal = await openJournal();
    const names = Array.from({ length: 60 }, (_, index) => `S${index}`);
    const seenOnDisk = await Promise.all(
      names.map((name) =>
        journal
          .recordPending(name, pendingFor(name))
          .then(async () => (await durableState()).segments[name]?.status),
      ),
    );
    expect(seenOnDisk).toEqual(names.map(() => 'pending'));
  });

  it('group-commits: 200 concurrent mutations take far fewer writes, and all reach the file', async () => {
    const journal = await openJournal();
    const names = Array.from({ length: 200 }, (_, index) => `Segment ${index}`);
    await Promise.all(names.map((name) => journal.recordPending(name, pendingFor(name))));
    expect(journal.stats.mutations).toBe(200);
    expect(journal.stats.writes).toBeLessThan(journal.stats.mutations);
    expect(journal.stats.writes).toBeGreaterThan(0);
    expect(Object.keys((await durableState()).segments).sort()).toEqual([...names].sort());
  });

  it('never exposes a partial file while mutations are being written', async () => {
    const journal = await openJournal();
    let done = false;
    let reads = 0;
    const reader = (async () => {
      while (!done) {
        let text: string;
        try {
          text = await readFile(statePath, 'utf8');
        } catch (error) {
          if ((error as { code?: string }).code === 'ENOENT') continue; // before the first write
          throw error;
        }
        parseState(text, statePath); // throws if partial or invalid
        await durableState(); // the journal beside it replays cleanly too
        reads++;
      }
    })();
    const writers = Array.from({ length: 8 }, async (_, worker) => {
      for (let index = 0; index < 20; index++) {
        const name = `W${worker}-${index}`;
        await journal.recordPending(name, pendingFor(name));
        await journal.recordCreated(name, createdFor(name, `id-${name}`));
      }
    });
    const writing = Promise.all(writers).finally(() => {
      done = true;
    });
    await Promise.all([writing, reader]);
    expect(reads).toBeGreaterThan(0);
    expect(Object.keys((await durableState()).segments)).toHaveLength(160);
  });

  it('flush waits for everything recorded so far; close releases the lock', async () => {
    const journal = await openJournal();
    void journal.recordPending('A', pendingFor('A'));
    void journal.recordPending('B', pendingFor('B'));
    await journal.flush();
    expect(Object.keys((await durableState()).segments).sort()).toEqual(['A', 'B']);
    await journal.close();
    expect(existsSync(lockPathOf(statePath))).toBe(false);
    await expect(journal.recordPending('C', pendingFor('C'))).rejects.toThrow(/closed/);
  });

  it('writes nothing when nothing was recorded', async () => {
    const journal = await openJournal();
    await journal.close();
    expect(existsSync(statePath)).toBe(false);
    expect(journal.stats.writes).toBe(0);
  });

  it('edit() records only the entries that differ, durably, through the same log', async () => {
    await writeStateFile(statePath, {
      formatVersion: 1,
      segments: {
        A: { status: 'created', ...createdFor('A', 'a1') },
        B: { status: 'pending', ...pendingFor('B') },
      },
    });
    const journal = await StateSession.open(statePath, { command: 'state forget' });
    await journal.edit((state) => forgetSegment(resolveAsAbsent(state, 'B'), 'A'));
    expect(journal.stats.mutations).toBe(2);
    expect((await durableState()).segments).toEqual({});
    await journal.close();
    expect(await readFile(statePath, 'utf8')).toBe(
      serializeState({ formatVersion: 1, segments: {} }),
    );
  });

  it('edit() that throws changes nothing', async () => {
    const journal = await StateSession.open(statePath, { command: 'state forget' });
    await expect(journal.edit((state) => forgetSegment(state, 'Nobody'))).rejects.toThrow(
      /not recorded/,
    );
    expect(journal.stats.mutations).toBe(0);
    await journal.close();
    expect(existsSync(statePath)).toBe(false);
  });

  it('holds the lock while open', async () => {
    await openJournal();
    await expect(StateSession.open(statePath, { command: 'apply' })).rejects.toThrow(
      /Another segsync/,
    );
  });

  it('adopts the endpoint when the state has none', async () => {
    await writeStateFile(statePath, { formatVersion: 1, segments: {} });
    const journal = await openJournal();
    expect(journal.state.endpoint).toBe(ENDPOINT);
    await journal.recordPending('A', pendingFor('A'));
    expect((await durableState()).endpoint).toBe(ENDPOINT);
  });

  it('refuses a state recorded against another endpoint, and releases the lock', async () => {
    await writeStateFile(statePath, {
      formatVersion: 1,
      endpoint: 'https://live-mt-server.wati.io/999',
      segments: {},
    });
    const error = await StateSession.open(statePath, {
      command: 'apply',
      endpoint: ENDPOINT,
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toContain('https://live-mt-server.wati.io/999');
    expect((error as UserError).message).toContain(ENDPOINT);
    expect((error as UserError).hint).toMatch(/different account/);
    const lock = await acquireStateLock(statePath, { command: 'apply' });
    await lock.release();
  });

  it('releases the lock when the state file is unreadable', async () => {
    await writeFile(statePath, '{ not json');
    await expect(openJournal()).rejects.toThrow(/not valid JSON/);
    expect(existsSync(lockPathOf(statePath))).toBe(false);
  });

  it('removes temp files a killed run left behind, and only those', async () => {
    const leftovers = ['.segsync.state.json.tmp-12345-1', '.segsync.state.json.tmp-999-42'];
    const unrelated = ['.other.json.tmp-12345-1', 'segsync.state.json.tmp-1-1', 'notes.txt'];
    for (const name of [...leftovers, ...unrelated]) await writeFile(join(dir, name), 'x');
    await openJournal();
    expect((await readdir(dir)).sort()).toEqual([...unrelated, 'segsync.state.json.lock'].sort());
  });

  it('refuses to overwrite or clear a created entry', async () => {
    const journal = await openJournal();
    await journal.recordCreated('A', createdFor('A', 'seg-1'));
    await expect(journal.recordPending('A', pendingFor('A'))).rejects.toThrow(
      /created \(id seg-1\)/,
    );
    await expect(journal.recordCreated('A', createdFor('A', 'seg-2'))).rejects.toThrow(/created/);
    await expect(journal.clear('A')).rejects.toThrow(/created/);
    await expect(journal.markUnknown('A', 'x')).rejects.toThrow(/created/);
    expect((await durableState()).segments.A).toMatchObject({ status: 'created', id: 'seg-1' });
  });

  it('refuses an entry whose payload names another segment, leaving memory unchanged', async () => {
    const journal = await openJournal();
    await expect(journal.recordPending('B', pendingFor('C'))).rejects.toThrow(/payload\.name/);
    expect(journal.state.segments).toEqual({});
  });

  it("holds an entry as a reader replays it: no undefined members, frozen, not the caller's object", async () => {
    const journal = await openJournal();
    const given = { ...pendingFor('A'), reason: undefined };
    await journal.recordPending('A', given);
    const held = journal.state.segments.A;
    expect(held).not.toBe(given);
    expect(Object.keys(held!)).not.toContain('reason');
    expect(Object.isFrozen(held!.payload)).toBe(true);
    expect(held).toEqual((await durableState()).segments.A);
  });

  it('edit() checks what it records against the schema, before recording any of it', async () => {
    const journal = await openJournal();
    const badId = { status: 'created' as const, ...createdFor('B', 'seg-2'), id: '' };
    await expect(
      journal.edit((state) => ({
        ...state,
        segments: { A: { status: 'pending', ...pendingFor('A') }, B: badId },
      })),
    ).rejects.toThrow(/invalid state entry.*id/);
    expect(journal.state.segments).toEqual({});
  });

  it('rejects waiting mutations with a UserError naming the file and the OS error', async () => {
    const journal = await openJournal();
    // The journal cannot be created: its path is taken by a directory.
    await mkdir(join(dir, 'segsync.state.json.journal'));
    const error = await journal
      .recordPending('B', pendingFor('B'))
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toContain(statePath);
    expect((error as UserError).message).toContain('EISDIR');
    await expect(journal.close()).rejects.toBeInstanceOf(UserError);
  });

  it('handles segment names that are special to JavaScript objects', async () => {
    const journal = await openJournal();
    for (const name of ['__proto__', 'constructor', 'toString']) {
      await journal.recordPending(name, pendingFor(name));
    }
    const state = await readState(statePath);
    expect(Object.keys(state.segments).sort()).toEqual(['__proto__', 'constructor', 'toString']);
    expect(Object.getPrototypeOf(journal.state.segments)).toBe(Object.prototype);
  });
});
