// `segsync plan` while an apply is running: a real apply against the emulator, held mid-create by
// the emulator's latency, and a plan taken at that moment. Resolving the in-flight create
// `--absent` would make the next apply create it a second time, so that advice must not appear.

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { EmulatorHandle } from '../../src/emulator/server.js';
import { startEmulator } from '../../src/emulator/server.js';
import type { Plan } from '../../src/core/model.js';
import { runCli } from '../helpers/cli.js';
import { EMPTY_STATE } from '../../bench/lib/workspace.mjs';

let dir: string;
let emulator: EmulatorHandle | undefined;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'segsync-plan-during-apply-'));
  await writeFile(path.join(dir, 'segsync.state.json'), EMPTY_STATE);
  await mkdir(path.join(dir, 'segments'));
  await writeFile(
    path.join(dir, 'segments', 'vip.yaml'),
    'name: VIP\nrefreshType: static\ncontactIds: ["1", "2"]\n',
  );
});

afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await sleep(10);
  expect(condition()).toBe(true);
}

it('says an apply is in progress, with pid, host and start, and gives no resolve advice', async () => {
  emulator = await startEmulator({ latencyMs: 1500 });
  const env = { WATI_API_ENDPOINT: emulator.url, WATI_API_TOKEN: emulator.token };
  const applying = runCli(['apply', '--yes'], { cwd: dir, env });
  const live = emulator;
  await waitFor(() => live.snapshot().inFlight === 1);

  const text = await runCli(['plan'], { cwd: dir });
  const json = await runCli(['plan', '--format', 'json'], { cwd: dir });
  const markdown = await runCli(['plan', '--format', 'markdown'], { cwd: dir });
  const github = await runCli(['plan', '--format', 'github'], { cwd: dir });

  const plan = JSON.parse(json.stdout) as Plan;
  expect(plan.inProgress).toMatchObject({
    pid: process.pid,
    hostname: hostname(),
    command: 'apply',
  });
  expect(Date.parse(plan.inProgress?.startedAt ?? '')).not.toBeNaN();
  expect(text.stdout).toContain(
    `An apply is in progress (pid ${process.pid} on ${hostname()}, since ${plan.inProgress?.startedAt})`,
  );
  expect(text.stdout).toContain('? VIP: being created by the run in progress');
  for (const run of [text, json, markdown, github]) {
    expect(run.stdout).not.toContain('state resolve');
    expect(run.stdout).toContain(`pid ${process.pid}`);
  }

  // The apply finishes: its create is recorded, and the next plan sees it as created.
  const applied = await applying;
  expect(applied.code, applied.stderr).toBe(0);
  const after = JSON.parse(
    (await runCli(['plan', '--format', 'json'], { cwd: dir })).stdout,
  ) as Plan;
  expect(after.inProgress).toBeUndefined();
  expect(after.summary).toMatchObject({ create: 0, unchanged: 1, unknown: 0 });
  expect(emulator.snapshot().duplicates).toEqual([]);
});

it('treats a lock left by a dead process on this host as stale, and advises resolving', async () => {
  // A pending entry with nobody applying: what a killed apply leaves behind.
  await writeFile(
    path.join(dir, 'segsync.state.json'),
    `${JSON.stringify({
      formatVersion: 1,
      segments: {
        VIP: {
          status: 'pending',
          payload: { name: 'VIP', refreshType: 1, contactIds: ['1', '2'] },
          digest: 'sha256:' + '0'.repeat(64),
          startedAt: '2026-11-01T10:00:00.000Z',
          source: 'segments/vip.yaml',
        },
      },
    })}\n`,
  );
  // pid 2^22 + 1 is above Linux's default pid_max: no process has it.
  await writeFile(
    path.join(dir, 'segsync.state.json.lock'),
    JSON.stringify({
      pid: 4194305,
      hostname: hostname(),
      startedAt: '2026-11-01T10:00:00.000Z',
      command: 'apply',
      token: 'stale',
    }),
  );
  const run = await runCli(['plan'], { cwd: dir });
  expect(run.stdout).not.toContain('in progress');
  expect(run.stdout).toContain('state resolve "VIP" --absent');
});
