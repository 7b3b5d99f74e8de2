// A state file reached through more than one name. Two real `segsync apply` processes (the built
// CLI) race against the emulator through a symlink and its target, through a symlinked directory,
// and through two hard links; one runs after the other through a symlink and then its target.
// Whatever the names, Wati must see each segment created once, and a link must stay a link.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import {
  link,
  lstat,
  mkdir,
  mkdtemp,
  readFile,
  realpath,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EmulatorHandle } from '../../src/emulator/server.js';
import { startEmulator } from '../../src/emulator/server.js';
import type { State } from '../../src/core/model.js';

const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const NAMES = ['S1', 'S2', 'S3', 'S4', 'S5', 'S6'];

let dir: string;
let emulator: EmulatorHandle;

beforeEach(async () => {
  dir = await realpath(await mkdtemp(path.join(os.tmpdir(), 'segsync-links-')));
  await mkdir(path.join(dir, 'segments'));
  const docs = NAMES.map((name, i) => `name: ${name}\nrefreshType: static\ncontactIds: ["${i}"]\n`);
  await writeFile(path.join(dir, 'segments', 'all.yaml'), docs.join('---\n'));
});
afterEach(async () => {
  await emulator.close();
  await rm(dir, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `segsync apply segments --yes --state <statePath>` as a child process. */
function apply(statePath: string): Promise<Run> {
  const child = spawn(
    process.execPath,
    [cli, 'apply', 'segments', '--yes', '--new-state', '--concurrency', '2', '--state', statePath],
    {
      cwd: dir,
      env: { ...process.env, WATI_API_ENDPOINT: emulator.url, WATI_API_TOKEN: emulator.token },
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

async function recordedIds(statePath: string): Promise<Record<string, string>> {
  const state = JSON.parse(await readFile(statePath, 'utf8')) as State;
  return Object.fromEntries(
    Object.entries(state.segments).map(([name, entry]) => [
      name,
      entry.status === 'created' ? entry.id : 'pending',
    ]),
  );
}

function expectEachCreatedOnce(): void {
  const snapshot = emulator.snapshot();
  expect(snapshot.duplicates).toEqual([]);
  expect(Object.keys(snapshot.createsByName).sort()).toEqual(NAMES);
  expect(Object.values(snapshot.createsByName).every((count) => count === 1)).toBe(true);
}

describe('two applies at once through two names of one state file', () => {
  // Slow answers (6 creates, 2 at a time: ~3 s) keep the first apply holding the lock while the
  // second one starts.
  beforeEach(async () => {
    emulator = await startEmulator({ latencyMs: 1000 });
  });

  it.each([
    ['a symlink and its target', 'segsync.state.json', 'real.state.json'],
    [
      'a symlinked directory and the real one',
      'alias/segsync.state.json',
      'state/segsync.state.json',
    ],
  ])('through %s: one waits its turn, nothing is created twice', async (_, linkName, realName) => {
    const realPath = path.join(dir, realName);
    const linkPath = path.join(dir, linkName);
    await mkdir(path.dirname(realPath), { recursive: true });
    if (linkName.startsWith('alias/')) await symlink('state', path.join(dir, 'alias'));
    else await symlink(realName, linkPath);

    const runs = await Promise.all([apply(linkPath), apply(realPath)]);

    expectEachCreatedOnce();
    // The second apply was refused while the first held the lock of the real file.
    expect(runs.map((run) => run.code).sort()).toEqual([0, 1]);
    const refused = runs.find((run) => run.code === 1);
    expect(refused?.stderr).toContain('Another segsync');
    // Both names read the same complete state, and the link is still a link.
    const ids = await recordedIds(realPath);
    expect(Object.keys(ids).sort()).toEqual(NAMES);
    expect(await recordedIds(linkPath)).toEqual(ids);
    const linked = linkName.startsWith('alias/') ? path.join(dir, 'alias') : linkPath;
    expect((await lstat(linked)).isSymbolicLink()).toBe(true);
    expect(existsSync(`${realPath}.lock`)).toBe(false);
    expect(existsSync(`${linkPath}.lock`)).toBe(false);
  });

  it('through two hard links: both refuse before sending anything, the links stay linked', async () => {
    const one = path.join(dir, 'one.state.json');
    const two = path.join(dir, 'two.state.json');
    await writeFile(one, '{\n  "formatVersion": 1,\n  "segments": {}\n}\n');
    await link(one, two);

    const runs = await Promise.all([apply(one), apply(two)]);

    expect(runs.map((run) => run.code)).toEqual([1, 1]);
    for (const run of runs) expect(run.stderr).toContain('has 2 hard links');
    expect(emulator.snapshot().requests.total).toBe(0);
    const [first, second] = await Promise.all([stat(one), stat(two)]);
    expect(first.ino).toBe(second.ino);
    expect(first.nlink).toBe(2);
  });
});

describe('one apply after the other', () => {
  beforeEach(async () => {
    emulator = await startEmulator();
  });

  it('through a symlink, then through its target: the second creates nothing', async () => {
    const realPath = path.join(dir, 'real.state.json');
    const linkPath = path.join(dir, 'segsync.state.json');
    await symlink('real.state.json', linkPath);

    const first = await apply(linkPath);
    expect(first.code).toBe(0);
    expect((await lstat(linkPath)).isSymbolicLink()).toBe(true);
    expect(Object.keys(await recordedIds(realPath)).sort()).toEqual(NAMES);

    const second = await apply(realPath);
    expect(second.code).toBe(0);
    expectEachCreatedOnce();
    expect(emulator.snapshot().requests.total).toBe(NAMES.length);
    expect((await lstat(linkPath)).isSymbolicLink()).toBe(true);
  });
});
