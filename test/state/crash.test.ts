// Kills a real process that is recording into the journal, at random moments, and checks that the
// state file is always complete and holds every record whose promise had resolved. The child runs
// the real state modules, transpiled from src/ (see buildStateModules).

import { spawn } from 'node:child_process';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { State } from '../../src/core/model.js';
import { StateSession } from '../../src/state/session.js';
import { forceUnlock } from '../../src/state/lock.js';
import { readState } from '../../src/state/file.js';
import { buildStateModules, makeTempDir, removeDir } from './fixtures.js';

const ROUNDS = 3;
const CHILD_SCRIPT = `
import { createHash } from 'node:crypto';
import { StateSession } from './src/state/session.js';

const [statePath, round] = process.argv.slice(2);
const journal = await StateSession.open(statePath, { command: 'apply', endpoint: 'https://example.test/1' });
const say = (line) => process.stdout.write(line + '\\n');
say('open');

// The fate is part of the name so the parent knows what each name may legitimately end as.
const fates = ['created', 'created', 'clear', 'unknown'];
let next = 0;

async function worker() {
  for (;;) {
    const index = next++;
    const fate = fates[index % fates.length];
    const name = 'r' + round + '-' + index + '-' + fate;
    const payload = { name, refreshType: 1, contactIds: [String(index)] };
    const digest = 'sha256:' + createHash('sha256').update(name).digest('hex');
    const source = 'segments/' + name + '.yaml';
    await journal.recordPending(name, { payload, digest, source, startedAt: new Date().toISOString() });
    say('P ' + name);
    if (fate === 'created') {
      const createdAt = new Date().toISOString();
      await journal.recordCreated(name, { id: 'id-' + name, payload, digest, source, createdAt, recordedBy: 'apply' });
      say('C ' + name);
    } else if (fate === 'clear') {
      await journal.clear(name);
      say('X ' + name);
    } else {
      await journal.markUnknown(name, 'timeout');
      say('U ' + name);
    }
  }
}
for (let slot = 0; slot < 8; slot++) void worker();
`;

type Event = 'P' | 'C' | 'X' | 'U';

let buildRoot: string;
let dir: string;

beforeAll(async () => {
  buildRoot = await buildStateModules();
  await writeFile(join(buildRoot, 'journal-child.mjs'), CHILD_SCRIPT);
  dir = await makeTempDir();
});
afterAll(async () => {
  await removeDir(buildRoot);
  await removeDir(dir);
});

/** Runs the child until it has printed `killAfter` records, SIGKILLs it, returns every line. */
async function runAndKill(statePath: string, round: number, killAfter: number): Promise<string[]> {
  const child = spawn(process.execPath, [
    join(buildRoot, 'journal-child.mjs'),
    statePath,
    String(round),
  ]);
  let stdout = '';
  let stderr = '';
  let records = 0;
  let killing = false;
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    stdout += text;
    records += (text.match(/^[PCXU] /gm) ?? []).length;
    if (records >= killAfter && !killing) {
      killing = true;
      // A little jitter so the kill lands at varied points of a write.
      setTimeout(() => child.kill('SIGKILL'), Math.floor(Math.random() * 4));
    }
  });
  const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const signal = await new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('close', (_code, closeSignal) => resolve(closeSignal)),
  );
  clearTimeout(guard);
  expect(stderr).toBe('');
  expect(signal).toBe('SIGKILL');
  return stdout.split('\n').filter((line) => line !== '');
}

/** What the file may hold for a name, given the last event the child reported for it. */
function assertRecorded(state: State, name: string, event: Event): void {
  const entry = Object.hasOwn(state.segments, name) ? state.segments[name] : undefined;
  const context = `${name} after ${event}`;
  switch (event) {
    case 'C':
      expect(entry, context).toMatchObject({ status: 'created', id: `id-${name}` });
      break;
    case 'X':
      expect(entry, context).toBeUndefined();
      break;
    case 'U':
      expect(entry, context).toMatchObject({ status: 'pending', reason: 'timeout' });
      break;
    case 'P':
      // Durable as pending; a later record may also have become durable before the kill.
      if (name.endsWith('-clear') && entry === undefined) break;
      expect(entry, context).toBeDefined();
      if (entry?.status === 'created') expect(entry.id, context).toBe(`id-${name}`);
      break;
  }
}

it('keeps the state complete and every acknowledged record across SIGKILLs', async () => {
  const statePath = join(dir, 'segsync.state.json');
  const lastEvent = new Map<string, Event>();

  for (let round = 0; round < ROUNDS; round++) {
    if (round > 0) {
      // The killed child could not release its lock: the next run must see it as stale.
      await expect(StateSession.open(statePath, { command: 'apply' })).rejects.toThrow(
        /stale lock/,
      );
      expect((await forceUnlock(statePath)).removed).toBe(true);
    }
    const killAfter = 1 + Math.floor(Math.random() * 150);
    for (const line of await runAndKill(statePath, round, killAfter)) {
      const [event, name] = line.split(' ');
      if (event === 'open' || name === undefined) continue;
      lastEvent.set(name, event as Event);
    }

    const state = await readState(statePath); // throws unless complete and schema-valid
    for (const [name, event] of lastEvent) assertRecorded(state, name, event);
    for (const [name, entry] of Object.entries(state.segments)) {
      if (entry.status === 'created') expect(entry.id).toBe(`id-${name}`);
    }
  }

  // Whatever temp files the kills left behind, the next open removes them.
  await forceUnlock(statePath);
  const journal = await StateSession.open(statePath, { command: 'apply' });
  expect((await readdir(dir)).sort()).toEqual(['segsync.state.json', 'segsync.state.json.lock']);
  await journal.close();
  expect(lastEvent.size).toBeGreaterThanOrEqual(ROUNDS);
});
