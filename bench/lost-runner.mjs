// A runner lost mid-apply with --push-state, measured: the VM is gone (SIGKILL, clone deleted),
// so only what reached the remote survives. Each trial: a fresh remote whose pushes take
// --push-delay seconds, apply with --checkpoint-every W --concurrency C, killed a random moment
// after it starts creating; then, in a fresh clone, every segment Wati has must be recorded on the
// remote (created or unknown: "lost" counts those that are not), the unknowns are settled from the
// "dashboard" (the emulator) in one resolve call, and the next apply must create no duplicate.
//
//   npm run build && node bench/lost-runner.mjs [--trials 10] [--creates 60] [--every 20]
//        [--concurrency 40] [--push-delay 0.2] [--latency 30] [--max-kill-delay 1500] [--seed N]
import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { startEmulator } from '../dist/emulator/server.js';
import { parseState } from '../dist/state/file.js';
import { createGitWorkspace } from './lib/git-workspace.mjs';
import { runNode } from './lib/measure.mjs';
import { createRandom } from './lib/random.mjs';
import { CLI } from './lib/workspace.mjs';

const { values } = parseArgs({
  options: {
    trials: { type: 'string', default: '10' },
    creates: { type: 'string', default: '60' },
    every: { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '40' },
    'push-delay': { type: 'string', default: '0.2' },
    latency: { type: 'string', default: '30' },
    'max-kill-delay': { type: 'string', default: '1500' },
    seed: { type: 'string', default: String(randomInt(0, 2 ** 31)) },
  },
});
const trials = Number(values.trials);
const creates = Number(values.creates);
const seed = Number(values.seed);
const random = createRandom(seed);
// segmentLimit: `creates` segments per trial (reset between trials), above Wati's default cap of 10.
const emulator = await startEmulator({
  port: 0,
  latencyMs: Number(values.latency),
  segmentLimit: creates,
});
const applyFlags = [
  '--yes',
  '--push-state',
  '--checkpoint-every',
  values.every,
  '--concurrency',
  values.concurrency,
];

/**
 * Spawns apply; `delayMs` after it says it starts creating, SIGKILLs its whole process group — the
 * git it runs included, as when the VM goes away (killing node alone would let a push finish).
 */
function killedApply(cwd, env, delayMs) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'apply', ...applyFlags], {
      cwd,
      env,
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    let armed = false;
    child.stderr.on('data', (chunk) => {
      stderr += chunk.toString();
      if (!armed && /^Creating \d+ segment/m.test(stderr)) {
        armed = true;
        setTimeout(() => {
          try {
            process.kill(-child.pid, 'SIGKILL');
          } catch {
            // It finished first: nothing left to kill (the trial reports killed: false).
          }
        }, delayMs);
      }
    });
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
}

async function quiet() {
  while (emulator.snapshot().inFlight > 0) await sleep(10);
}

const rows = [];
try {
  for (let trial = 1; trial <= trials; trial++) {
    emulator.reset();
    const workspace = await createGitWorkspace(creates, {
      seed: seed + trial,
      prefix: 'segsync-lost-runner-',
      pushDelaySeconds: Number(values['push-delay']),
    });
    try {
      const env = {
        ...process.env,
        ...workspace.env,
        WATI_API_ENDPOINT: `${emulator.url}/1`,
        WATI_API_TOKEN: emulator.token,
      };
      const delayMs = Math.floor(random() * (Number(values['max-kill-delay']) + 1));
      const killed = await killedApply(workspace.root, env, delayMs);
      await quiet();
      // The runner is lost with its disk: only the remote is left.
      const fresh = await workspace.clone('fresh');
      const remote = (await workspace.remoteState((text) => parseState(text, 'remote'))) ?? {
        segments: {},
      };
      const entry = (name) =>
        Object.hasOwn(remote.segments, name) ? remote.segments[name] : undefined;
      const inWati = emulator.snapshot().segments;
      const lost = inWati.filter((segment) => entry(segment.name) === undefined).length;
      const unknown = Object.entries(remote.segments).filter(([, e]) => e.status === 'pending');
      // Settled as a person would from the dashboard: ids of those found, the rest absent.
      const ids = new Map(inWati.map((segment) => [segment.name, segment.id]));
      const absent = [];
      for (const [name] of unknown) {
        const id = ids.get(name);
        if (id === undefined) absent.push(name);
        else await runNode([CLI, 'state', 'resolve', name, '--id', id], { cwd: fresh, env });
      }
      if (absent.length > 0) {
        await runNode([CLI, 'state', 'resolve', ...absent, '--absent'], { cwd: fresh, env });
      }
      await workspace.commitAndPushState(fresh, 'settle the lost run');
      const next = await runNode([CLI, 'apply', ...applyFlags], { cwd: fresh, env });
      const snapshot = emulator.snapshot();
      const row = {
        trial,
        killedAfterMs: delayMs,
        killed: killed.signal === 'SIGKILL',
        createdBeforeKill: inWati.length,
        unknownOnRemote: unknown.length,
        lost,
        nextApplyExit: next.code,
        duplicates: snapshot.duplicates.length,
        segmentsAtEnd: snapshot.segments.length,
      };
      rows.push(row);
      console.log(JSON.stringify(row));
    } finally {
      await workspace.remove();
    }
  }
} finally {
  await emulator.close();
}

const stat = (key) => {
  const sorted = rows.map((row) => row[key]).sort((a, b) => a - b);
  return `median ${sorted[Math.floor(sorted.length / 2)]}, min–max ${sorted[0]}–${sorted.at(-1)}`;
};
console.log(
  `\n${trials} trials (seed ${seed}), ${creates} creates, --checkpoint-every ${values.every} --concurrency ${values.concurrency}, ` +
    `pushes take ${values['push-delay']} s, emulator latency ${values.latency} ms, killed 0–${values['max-kill-delay']} ms after creating started`,
);
for (const key of ['createdBeforeKill', 'unknownOnRemote', 'lost', 'duplicates']) {
  console.log(
    `${key.padEnd(20)} ${stat(key)}   (total ${rows.reduce((sum, row) => sum + row[key], 0)})`,
  );
}
