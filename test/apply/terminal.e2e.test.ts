// The live progress line, on a real terminal: the built CLI runs inside a tmux pane (a real
// pseudo-terminal) against the emulator with latency, and the test reads the screen as the user
// sees it. On a terminal the line is redrawn in place (never more than one progress line on the
// screen) and the final counts appear once; through a pipe it is one line per segment.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmulatorHandle } from '../../src/emulator/server.js';
import { startEmulator } from '../../src/emulator/server.js';
import { makeTempDir, removeDir, REPO_ROOT } from '../init/support.js';

const run = promisify(execFile);
const CLI = path.join(REPO_ROOT, 'dist/cli.js');
const SEGMENTS = 8;
const hasTmux = (() => {
  try {
    execFileSync('tmux', ['-V']);
    return true;
  } catch {
    return false;
  }
})();

let dir: string;
let emulator: EmulatorHandle;
// A private tmux server (-L): the test never touches a user's sessions.
const socket = `segsync-test-${process.pid}`;
const tmux = (...args: string[]) => run('tmux', ['-L', socket, ...args]);

beforeAll(async () => {
  dir = await makeTempDir('segsync-terminal-');
  await mkdir(path.join(dir, 'segments'));
  for (let index = 1; index <= SEGMENTS; index++) {
    await writeFile(
      path.join(dir, 'segments', `s${index}.yaml`),
      `name: Segment ${index}\nrefreshType: static\ncontactIds: ['${1000 + index}']\n`,
    );
  }
  // Latency: the run lasts long enough (~8 × 250 ms / 2 in flight) for redraws to be seen.
  // Each test creates SEGMENTS in the same emulator: more than Wati's default cap of 10.
  emulator = await startEmulator({ latencyMs: 250, segmentLimit: 10 * SEGMENTS });
});

afterAll(async () => {
  await tmux('kill-server').catch(() => undefined);
  await emulator?.close();
  await removeDir(dir);
});

function applyCommand(state: string): string {
  const env = `NO_COLOR=1 WATI_API_ENDPOINT=${emulator.url}/1 WATI_API_TOKEN=${emulator.token}`;
  return `cd ${dir} && env ${env} ${process.execPath} ${CLI} apply --yes --new-state --concurrency 2 --state ${state}`;
}

const progressLines = (screen: string) =>
  screen.split('\n').filter((line) => line.includes('remaining'));

describe('apply progress', () => {
  it.skipIf(!hasTmux)('redraws one line in place on a terminal', async () => {
    await tmux(
      'new-session',
      '-d',
      '-x',
      '160',
      '-y',
      '40',
      `${applyCommand('tty.state.json')}; echo EXIT=$?; sleep 30`,
    );
    const screens: string[] = [];
    for (let attempt = 0; attempt < 200; attempt++) {
      const { stdout } = await tmux('capture-pane', '-p');
      screens.push(stdout);
      if (stdout.includes('EXIT=')) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const final = screens.at(-1)!;
    expect(final).toContain('EXIT=0');
    // Seen while running: exactly one progress line, rewritten.
    const during = screens.filter((screen) => progressLines(screen).length > 0);
    expect(during.length).toBeGreaterThan(0);
    for (const screen of during) expect(progressLines(screen)).toHaveLength(1);
    const counts = new Set(during.map((screen) => progressLines(screen)[0]));
    expect(counts.size).toBeGreaterThan(1); // it moved
    // At the end: the live line is gone, the report says the counts once.
    expect(progressLines(final)).toEqual([]);
    expect(final.match(/Apply: 8 created/g)).toHaveLength(1);
    expect(final).not.toMatch(/\[\d+\/8\]/);
  });

  it('prints one line per segment when stderr is not a terminal', async () => {
    const child = spawn('sh', ['-c', applyCommand('pipe.state.json')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(stderr).not.toContain('\r');
    const lines = stderr.split('\n').filter((line) => /^\[\d+\/8\] created Segment \d/.test(line));
    expect(lines).toHaveLength(SEGMENTS);
    expect(lines.at(-1)).toMatch(/^\[8\/8\]/);
  });
});
