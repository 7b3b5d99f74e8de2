// The write-ahead log beside the state file: what a run killed mid-apply leaves behind must be
// read back exactly — acknowledged records kept, a torn last line dropped, damage reported.
import { existsSync } from 'node:fs';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import type { StateEntry } from '../../src/core/model.js';
import { readState, serializeState } from '../../src/state/file.js';
import { resolveAsCreated } from '../../src/state/reconcile.js';
import { editStateFile, StateSession } from '../../src/state/session.js';
import { encodeRecord, journalPathOf } from '../../src/state/wal.js';
import { createdFor, makeTempDir, pendingFor, removeDir, writeStateFile } from './fixtures.js';

let dir: string;
let statePath: string;

beforeEach(async () => {
  dir = await makeTempDir();
  statePath = join(dir, 'segsync.state.json');
});
afterEach(() => removeDir(dir));

const created = (name: string, id: string): StateEntry => ({
  status: 'created',
  ...createdFor(name, id),
});
const pending = (name: string): StateEntry => ({ status: 'pending', ...pendingFor(name) });

describe('reading a state file with its journal', () => {
  it('replays the journal over the state file, in order', async () => {
    await writeStateFile(statePath, { formatVersion: 1, segments: { A: created('A', 'a1') } });
    await writeFile(
      journalPathOf(statePath),
      encodeRecord({ op: 'set', name: 'B', entry: pending('B') }) +
        encodeRecord({ op: 'set', name: 'B', entry: created('B', 'b1') }) +
        encodeRecord({ op: 'set', name: 'C', entry: pending('C') }) +
        encodeRecord({ op: 'delete', name: 'C' }),
    );
    const state = await readState(statePath);
    expect(Object.keys(state.segments).sort()).toEqual(['A', 'B']);
    expect(state.segments.B).toMatchObject({ status: 'created', id: 'b1' });
  });

  it('reads a journal left by a killed first apply, with no state file yet', async () => {
    await writeFile(
      journalPathOf(statePath),
      encodeRecord({ op: 'set', name: 'A', entry: pending('A') }),
    );
    expect((await readState(statePath)).segments.A?.status).toBe('pending');
  });

  it('drops a torn last line (never acknowledged), keeps everything before it', async () => {
    const whole = encodeRecord({ op: 'set', name: 'A', entry: pending('A') });
    const torn = encodeRecord({ op: 'set', name: 'B', entry: pending('B') }).slice(0, 40);
    await writeFile(journalPathOf(statePath), whole + torn);
    const state = await readState(statePath);
    expect(Object.keys(state.segments)).toEqual(['A']);
  });

  it('reports a damaged line in the middle instead of guessing, and says not to delete it', async () => {
    await writeFile(
      journalPathOf(statePath),
      `${encodeRecord({ op: 'set', name: 'A', entry: pending('A') })}{oops\n${encodeRecord({ op: 'delete', name: 'A' })}`,
    );
    const error = await readState(statePath).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toContain('damaged at line 2');
    expect((error as UserError).hint).toContain('do not delete it');
  });

  it('rejects a record whose entry would make the state invalid', async () => {
    const bad = { ...pending('A'), digest: 'md5:nope' };
    await writeFile(
      journalPathOf(statePath),
      `${JSON.stringify({ op: 'set', name: 'A', entry: bad })}\n`,
    );
    await expect(readState(statePath)).rejects.toThrow(/damaged at line 1/);
  });
});

describe('the journal during and after an apply', () => {
  it('appends while open, folds everything into the state file on close, and removes the log', async () => {
    const journal = await StateSession.open(statePath, {
      command: 'apply',
      endpoint: 'https://x.example/1',
    });
    await journal.recordPending('A', pendingFor('A'));
    await journal.recordCreated('A', createdFor('A', 'a1'));
    await journal.recordPending('B', pendingFor('B'));
    expect(existsSync(journalPathOf(statePath))).toBe(true);
    expect((await readState(statePath)).segments.A).toMatchObject({ status: 'created', id: 'a1' });
    await journal.close();
    expect(existsSync(journalPathOf(statePath))).toBe(false);
    const text = await readFile(statePath, 'utf8');
    const state = await readState(statePath);
    expect(text).toBe(serializeState(state));
    expect(state.endpoint).toBe('https://x.example/1');
    expect(Object.keys(state.segments).sort()).toEqual(['A', 'B']);
  });

  it('folds a log left by a killed run into the state file when the next run opens it', async () => {
    await writeStateFile(statePath, { formatVersion: 1, segments: { A: created('A', 'a1') } });
    // A killed run: the log holds a record the state file does not, and ends in a torn line.
    await appendFile(
      journalPathOf(statePath),
      encodeRecord({ op: 'set', name: 'B', entry: pending('B') }) + '{"op":"set","na',
    );
    const journal = await StateSession.open(statePath, { command: 'apply' });
    expect(existsSync(journalPathOf(statePath))).toBe(false);
    expect(JSON.parse(await readFile(statePath, 'utf8'))).toMatchObject({
      segments: { B: { status: 'pending' } },
    });
    // Its own records start a fresh log: no torn line in the middle of it.
    await journal.recordCreated('C', createdFor('C', 'c1'));
    expect(Object.keys((await readState(statePath)).segments).sort()).toEqual(['A', 'B', 'C']);
    await journal.close();
  });

  it('replaying a log the state file already contains changes nothing (crash between the two)', async () => {
    const records = [
      { op: 'set', name: 'A', entry: created('A', 'a1') },
      { op: 'set', name: 'B', entry: pending('B') },
      { op: 'delete', name: 'B' },
    ] as const;
    await writeStateFile(statePath, { formatVersion: 1, segments: { A: created('A', 'a1') } });
    await writeFile(journalPathOf(statePath), records.map((r) => encodeRecord(r)).join(''));
    expect(Object.keys((await readState(statePath)).segments)).toEqual(['A']);
  });

  it('a state edit (resolve, forget) retires the log so it cannot undo the edit', async () => {
    await writeFile(
      journalPathOf(statePath),
      encodeRecord({ op: 'set', name: 'A', entry: pending('A') }),
    );
    await editStateFile(statePath, 'state resolve', (state) =>
      resolveAsCreated(state, 'A', 'resolved', '2026-01-01T00:00:00.000Z'),
    );
    expect(existsSync(journalPathOf(statePath))).toBe(false);
    expect((await readState(statePath)).segments.A).toMatchObject({
      status: 'created',
      id: 'resolved',
    });
  });
});
