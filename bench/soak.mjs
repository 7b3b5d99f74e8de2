// npm run soak [-- --kills=200 --seconds=1200 --segments=300 --seed=N --latency=30 --fail-rate=0.02
//               --drop-rate=0.01 --concurrency=8 --push-state --checkpoint-every=20
//               --push-delay=0.1 --quiet]
// The kill test at scale, against dist/: SIGKILL `segsync apply` at random moments, clean up like
// a user, rerun until done; when every segment of a round is created, check the round and start
// the next one, until the kills or the time run out. With --push-state, each round's workspace is
// a clone of a local bare remote whose pushes take --push-delay seconds (a slow remote), apply
// runs with --push-state --checkpoint-every N, and after every kill the REMOTE's state file must
// know every segment Wati has too (what a runner lost with its disk leaves). Environment:
// SOAK_KILLS, SOAK_SECONDS, SOAK_SEED. Exit 1 on any violation (printed with the seed that
// replays it).

import { randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { startEmulator } from '../dist/emulator/server.js';
import { parseState, readState } from '../dist/state/file.js';
import { createGitWorkspace } from './lib/git-workspace.mjs';
import {
  emptyKillCounts,
  findFinalViolations,
  KillLoopViolation,
  runKillLoop,
} from './lib/kill-loop.mjs';
import { createRandom } from './lib/random.mjs';
import { CLI, createWorkspace } from './lib/workspace.mjs';

const DEFAULTS = {
  kills: Number(process.env.SOAK_KILLS ?? 200),
  seconds: Number(process.env.SOAK_SECONDS ?? 1200),
  seed: Number(process.env.SOAK_SEED ?? randomInt(0, 2 ** 31)),
  segments: 300,
  latency: 30,
  'fail-rate': 0.02,
  'drop-rate': 0.01,
  concurrency: 8,
  'push-state': false,
  'checkpoint-every': 20,
  'push-delay': 0.1,
  quiet: false,
};
const SWITCHES = new Set(['quiet', 'push-state']);

function parseArgs(argv) {
  const options = { ...DEFAULTS };
  for (const arg of argv) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match || !(match[1] in DEFAULTS)) {
      throw new Error(
        `Unknown argument ${arg}. Options: ${Object.keys(DEFAULTS)
          .map((k) => `--${k}`)
          .join(' ')}`,
      );
    }
    const [, key, value] = match;
    if (SWITCHES.has(key)) {
      options[key] = true;
      continue;
    }
    const number = Number(value);
    if (value === undefined || !Number.isFinite(number) || number < 0) {
      throw new Error(`--${key} needs a number, 0 or more (got ${arg}).`);
    }
    options[key] = number;
  }
  return options;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first.`);
  console.log(
    `segsync soak — seed ${options.seed} (replay with SOAK_SEED=${options.seed}), up to ${options.kills} kills in ${options.seconds} s, ` +
      `${options.segments} segments per round, latency ${options.latency} ms, fail rate ${options['fail-rate']}, drop rate ${options['drop-rate']}, ` +
      `concurrency ${options.concurrency}` +
      (options['push-state']
        ? `, --push-state --checkpoint-every ${options['checkpoint-every']} to a remote taking ${options['push-delay']} s per push`
        : ''),
  );
  const random = createRandom(options.seed);
  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  const totals = {
    rounds: 0,
    ...emptyKillCounts(),
    creates: 0,
    duplicates: 0,
    answers500: 0,
    answersDropped: 0,
  };

  const emulator = await startEmulator({
    port: 0,
    latencyMs: options.latency,
    failRate: options['fail-rate'],
    dropAfterCommitRate: options['drop-rate'],
    seed: options.seed,
    // Each round creates options.segments, far above Wati's default cap of 10.
    segmentLimit: options.segments,
  });
  try {
    while (totals.kills < options.kills && performance.now() < deadline) {
      totals.rounds++;
      emulator.reset();
      const seed = options.seed + totals.rounds;
      const workspace = options['push-state']
        ? await createGitWorkspace(options.segments, {
            seed,
            prefix: 'segsync-soak-',
            pushDelaySeconds: options['push-delay'],
          })
        : await createWorkspace(options.segments, { seed, prefix: 'segsync-soak-' });
      const pushState = options['push-state']
        ? {
            applyArgs: ['--push-state', '--checkpoint-every', String(options['checkpoint-every'])],
            remoteState: () => workspace.remoteState((text) => parseState(text, 'remote')),
            afterSettle: () =>
              workspace.commitAndPushState(workspace.root, 'settle unknown outcomes [skip ci]'),
            env: { ...process.env, ...workspace.env },
          }
        : {};
      try {
        const counts = await runKillLoop({
          cli: CLI,
          workspace,
          readState,
          emulator,
          random,
          kills: options.kills - totals.kills,
          killDelayMs: [0, 500],
          concurrency: options.concurrency,
          ...pushState,
          deadlineMs: deadline - performance.now(),
          log: options.quiet
            ? undefined
            : (line) => console.log(`  round ${totals.rounds} ${line}`),
        });
        for (const key of Object.keys(counts)) {
          totals[key] =
            key === 'maxRemoteUnknown'
              ? Math.max(totals[key], counts[key])
              : totals[key] + counts[key];
        }
        const snapshot = emulator.snapshot();
        totals.creates += snapshot.segments.length;
        totals.duplicates += snapshot.duplicates.length;
        totals.answers500 += snapshot.requests.byStatus['500'] ?? 0;
        totals.answersDropped += snapshot.requests.byStatus.dropped ?? 0;
        const problems = findFinalViolations(
          await readState(workspace.state),
          snapshot,
          workspace.names,
        );
        if (pushState.remoteState) {
          const remote = (await pushState.remoteState()) ?? { segments: {} };
          for (const problem of findFinalViolations(remote, snapshot, workspace.names)) {
            problems.push(`on the remote: ${problem}`);
          }
        }
        if (problems.length > 0) {
          throw new KillLoopViolation(
            `round ${totals.rounds} ended wrong: ${problems.slice(0, 10).join('; ')}`,
          );
        }
        console.log(
          `round ${totals.rounds}: ${counts.kills} kills, ${snapshot.segments.length} segments created once each — ` +
            `${totals.kills}/${options.kills} kills, ${Math.round((performance.now() - started) / 1000)} s`,
        );
      } finally {
        await workspace.remove();
      }
    }
  } finally {
    await emulator.close();
  }

  const seconds = ((performance.now() - started) / 1000).toFixed(0);
  console.log(`\nSoak finished in ${seconds} s (seed ${options.seed})`);
  console.log(`  rounds                    ${totals.rounds} × ${options.segments} segments`);
  console.log(`  apply runs                ${totals.runs}`);
  console.log(
    `  kills                     ${totals.kills} (${totals.killsWithPending} left unknown outcomes, ${totals.killsWithoutChange} before anything was recorded)`,
  );
  console.log(
    `  runs over unknown outcomes ${totals.runsOverUnknowns} (exit 3, the unknowns left alone)`,
  );
  console.log(
    `  unknowns resolved         ${totals.unknownsResolvedCreated + totals.unknownsResolvedAbsent} (${totals.unknownsResolvedCreated} found created, ${totals.unknownsResolvedAbsent} absent)`,
  );
  console.log(
    `  faults injected           ${totals.answers500} × 500 (retried), ${totals.answersDropped} answers dropped after commit`,
  );
  console.log(`  runs ended partially      ${totals.partialRuns}`);
  if (options['push-state']) {
    console.log(
      `  most unknown on remote    ${totals.maxRemoteUnknown} after a kill (records lost: 0, or a violation above)`,
    );
  }
  console.log(`  creates                   ${totals.creates}`);
  console.log(`  duplicates                ${totals.duplicates}`);
}

main().catch((error) => {
  const violation = error instanceof KillLoopViolation;
  console.error(
    `\nsoak: ${violation ? 'VIOLATION: ' : ''}${error instanceof Error ? error.message : String(error)}`,
  );
  process.exitCode = 1;
});
