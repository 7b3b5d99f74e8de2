// What `apply --push-state` costs: the same apply of N creates against the emulator, with and
// without pushing the state to a local bare git remote, over several runs. Prints per run the
// wall times, the pushes, segsync's own median time per checkpoint (fold + commit + push) and the
// wall time added per push; then median and min–max of each.
//
//   npm run build && node bench/push-state.mjs [--creates 100] [--every 20] [--runs 5] [--latency 20]
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { startEmulator } from '../dist/emulator/server.js';
import { generateDefinitions } from './lib/definitions.mjs';
import { runNode } from './lib/measure.mjs';
import { CLI } from './lib/workspace.mjs';

const exec = promisify(execFile);
const { values } = parseArgs({
  options: {
    creates: { type: 'string', default: '100' },
    every: { type: 'string', default: '20' },
    runs: { type: 'string', default: '5' },
    latency: { type: 'string', default: '20' },
  },
});
const creates = Number(values.creates);
const every = Number(values.every);
const runs = Number(values.runs);

const root = await mkdtemp(path.join(tmpdir(), 'segsync-push-bench-'));
const env = { PATH: process.env.PATH, HOME: root, GIT_CONFIG_NOSYSTEM: '1' };
const git = (cwd, ...args) => exec('git', args, { cwd, env });
// segmentLimit: `creates` segments per run, above Wati's default cap of 10.
const emulator = await startEmulator({
  port: 0,
  latencyMs: Number(values.latency),
  segmentLimit: creates,
});

async function freshRemote(label) {
  const bare = path.join(root, `${label}.git`);
  const seed = path.join(root, `${label}-seed`);
  await git(root, 'init', '-q', '--bare', '-b', 'main', bare);
  await git(root, 'init', '-q', '-b', 'main', seed);
  await generateDefinitions(path.join(seed, 'segments'), creates, 3);
  await git(seed, 'add', '.');
  await git(seed, '-c', 'user.name=b', '-c', 'user.email=b@b', 'commit', '-qm', 'defs');
  await git(seed, 'remote', 'add', 'origin', bare);
  await git(seed, 'push', '-q', '-u', 'origin', 'main');
  const clone = path.join(root, `${label}-runner`);
  await git(root, 'clone', '-q', bare, clone);
  return clone;
}

async function applyIn(clone, extra) {
  emulator.reset();
  const run = await runNode([CLI, 'apply', '--yes', ...extra], {
    cwd: clone,
    env: { ...env, WATI_API_ENDPOINT: `${emulator.url}/1`, WATI_API_TOKEN: emulator.token },
  });
  if (run.code !== 0) throw new Error(`apply exited ${run.code}: ${run.stderr.slice(-500)}`);
  return run;
}

const rows = [];
try {
  for (let index = 1; index <= runs; index++) {
    const plain = await applyIn(await freshRemote(`plain-${index}`), []);
    const pushed = await applyIn(await freshRemote(`push-${index}`), [
      '--push-state',
      '--checkpoint-every',
      String(every),
    ]);
    const match = /State pushes to \S+: (\d+) \(median (\d+) ms per checkpoint/.exec(pushed.stderr);
    const pushes = Number(match?.[1] ?? NaN);
    const row = {
      run: index,
      plainMs: Math.round(plain.wallMs),
      pushMs: Math.round(pushed.wallMs),
      pushes,
      checkpointMedianMs: Number(match?.[2] ?? NaN),
      addedPerPushMs: Math.round((pushed.wallMs - plain.wallMs) / pushes),
    };
    rows.push(row);
    console.log(JSON.stringify(row));
  }
} finally {
  await emulator.close();
  await rm(root, { recursive: true, force: true });
}

const stat = (key) => {
  const sorted = rows.map((row) => row[key]).sort((a, b) => a - b);
  return `median ${sorted[Math.floor(sorted.length / 2)]}, min–max ${sorted[0]}–${sorted.at(-1)}`;
};
console.log(
  `\n${creates} creates, --checkpoint-every ${every}, emulator latency ${values.latency} ms, ${runs} runs`,
);
for (const key of ['plainMs', 'pushMs', 'pushes', 'checkpointMedianMs', 'addedPerPushMs']) {
  console.log(`${key.padEnd(20)} ${stat(key)}`);
}
