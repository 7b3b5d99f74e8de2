// What `apply --push-state` costs: the same apply of N creates against the emulator, with and
// without pushing the state to a local bare git remote, over several runs. Prints per run the
// wall times, the pushes, segsync's own median time per checkpoint (fold + commit + push) and the
// wall time added per push; then median and min–max of each.
//
//   npm run build && node bench/push-state.mjs [--creates 100] [--every 20] [--runs 5] [--latency 20]
//        [--concurrency 4] [--push-delay 0]   (--push-delay S: every push waits S seconds on the
//        remote, a slow or distant one; the plain run is not slowed, so "added per push" includes it)
import { parseArgs } from 'node:util';
import { startEmulator } from '../dist/emulator/server.js';
import { createGitWorkspace } from './lib/git-workspace.mjs';
import { runNode } from './lib/measure.mjs';
import { CLI } from './lib/workspace.mjs';

const { values } = parseArgs({
  options: {
    creates: { type: 'string', default: '100' },
    every: { type: 'string', default: '20' },
    runs: { type: 'string', default: '5' },
    latency: { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '4' },
    'push-delay': { type: 'string', default: '0' },
  },
});
const creates = Number(values.creates);
const every = Number(values.every);
const runs = Number(values.runs);

// segmentLimit: `creates` segments per run, above Wati's default cap of 10.
const emulator = await startEmulator({
  port: 0,
  latencyMs: Number(values.latency),
  segmentLimit: creates,
});
const workspaces = [];

/** A fresh remote (slowed by --push-delay for the pushed runs only) and its runner clone. */
async function freshRemote(pushDelaySeconds) {
  const workspace = await createGitWorkspace(creates, {
    seed: 3,
    prefix: 'segsync-push-bench-',
    pushDelaySeconds,
  });
  workspaces.push(workspace);
  return workspace;
}

async function applyIn(workspace, extra) {
  emulator.reset();
  const run = await runNode(
    [CLI, 'apply', '--yes', '--concurrency', values.concurrency, ...extra],
    {
      cwd: workspace.root,
      env: {
        ...workspace.env,
        WATI_API_ENDPOINT: `${emulator.url}/1`,
        WATI_API_TOKEN: emulator.token,
      },
    },
  );
  if (run.code !== 0) throw new Error(`apply exited ${run.code}: ${run.stderr.slice(-500)}`);
  return run;
}

const rows = [];
try {
  for (let index = 1; index <= runs; index++) {
    const plain = await applyIn(await freshRemote(0), []);
    const pushed = await applyIn(await freshRemote(Number(values['push-delay'])), [
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
  await Promise.all(workspaces.map((workspace) => workspace.remove()));
}

const stat = (key) => {
  const sorted = rows.map((row) => row[key]).sort((a, b) => a - b);
  return `median ${sorted[Math.floor(sorted.length / 2)]}, min–max ${sorted[0]}–${sorted.at(-1)}`;
};
console.log(
  `\n${creates} creates, --checkpoint-every ${every} --concurrency ${values.concurrency}, pushes delayed ${values['push-delay']} s, emulator latency ${values.latency} ms, ${runs} runs`,
);
for (const key of ['plainMs', 'pushMs', 'pushes', 'checkpointMedianMs', 'addedPerPushMs']) {
  console.log(`${key.padEnd(20)} ${stat(key)}`);
}
