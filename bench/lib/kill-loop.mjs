// The crash-safety loop shared by the kill test (test/apply/kill.test.ts) and `npm run soak`:
// SIGKILL `segsync apply` at random moments, clean up the way a user would (`state unlock`,
// `state resolve` after "checking the dashboard" — the emulator's snapshot), and rerun until an
// apply ends by itself with exit 0. Invariants are checked after every kill and at the end:
// Wati never saw a name created twice, and the state file knows every segment Wati has.

import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

/** The line apply prints (on stderr) just before it starts sending creates. */
const CREATING = /^Creating \d+ segment/m;

/** An invariant broken by segsync (or a run that ended in a way the loop cannot explain). */
export class KillLoopViolation extends Error {
  name = 'KillLoopViolation';
}

/** The counters one kill loop reports; the soak script sums them over its rounds. */
export function emptyKillCounts() {
  return {
    runs: 0,
    kills: 0,
    killsWithPending: 0,
    killsWithoutChange: 0,
    runsOverUnknowns: 0,
    unknownsResolvedCreated: 0,
    unknownsResolvedAbsent: 0,
    partialRuns: 0,
    /** With remoteState: the most unknown outcomes the remote held after a kill. */
    maxRemoteUnknown: 0,
  };
}

/**
 * Runs the loop. Options:
 * - cli: path of dist/cli.js; workspace: { root, defs, state };
 * - readState: segsync's own state reader (src/ or dist/ state/file.js `readState`), so the
 *   loop sees the state exactly as the next run will (journal replay and validation included);
 * - emulator: { url, token, snapshot() } — running in this process;
 * - random: () => [0, 1), seeded by the caller (and printed, so a failure can be replayed);
 * - kills: how many kills to attempt;
 * - killDelayMs: [min, max] — most kills land this long after the run starts creating (its
 *   "Creating N segment(s)" line), so they hit creates in flight whatever the machine's start-up
 *   time; one in `startUpKillEvery` (default 5) lands this long after spawn instead, during
 *   start-up, loading, planning or the first creates;
 * - concurrency (default 8); deadlineMs: stop killing after this long (default: none);
 * - applyArgs: more flags for apply (e.g. --push-state --checkpoint-every 1);
 * - remoteState: () => Promise<state | undefined>, with --push-state: the state on the remote,
 *   which must know every segment Wati has after every kill (a runner lost with its disk);
 * - env: the environment of the runs (default process.env), credentials added;
 * - afterSettle: () => Promise<void>, run after the unknowns are resolved (with --push-state: the
 *   user commits and pushes the settled state file, as the README says);
 * - log: (line) => void.
 * Resolves the counts; rejects with KillLoopViolation when an invariant breaks.
 */
export async function runKillLoop(options) {
  const {
    cli,
    workspace,
    emulator,
    random,
    kills: plannedKills,
    killDelayMs,
    log = () => {},
  } = options;
  const readState = (when) => readStateChecked(options.readState, workspace.state, when);
  const concurrency = options.concurrency ?? 8;
  const deadline = performance.now() + (options.deadlineMs ?? Infinity);
  // Every run either creates something, is killed, or leaves unknowns that are then resolved, so
  // this many runs without finishing means segsync is stuck.
  const maxRuns = plannedKills * 2 + 20;
  const env = {
    ...(options.env ?? process.env),
    WATI_API_ENDPOINT: emulator.url,
    WATI_API_TOKEN: emulator.token,
  };
  const applyArgs = options.applyArgs ?? [];
  delete env.GITHUB_STEP_SUMMARY;
  const startUpKillEvery = options.startUpKillEvery ?? 5;
  const cliRun = (args, kill) =>
    runChild([cli, ...args, '--state', workspace.state], { cwd: workspace.root, env, kill });

  const counts = emptyKillCounts();

  for (;;) {
    if (counts.runs >= maxRuns) {
      throw new KillLoopViolation(`apply did not finish within ${maxRuns} runs`);
    }
    counts.runs++;
    const before = await readState('before a run');
    const pendingBefore = pendingNames(before);
    const mayKill = counts.kills < plannedKills && performance.now() < deadline;
    // A run over unknown outcomes is not killed: its job is to name them and leave them alone.
    let kill;
    if (mayKill && pendingBefore.length === 0) {
      const delayMs = killDelayMs[0] + Math.floor(random() * (killDelayMs[1] - killDelayMs[0] + 1));
      kill =
        (counts.kills + 1) % startUpKillEvery === 0 ? { delayMs } : { delayMs, after: CREATING };
    }
    const startedAt = performance.now();
    const run = await cliRun(
      ['apply', workspace.defs, '--yes', '--concurrency', String(concurrency), ...applyArgs],
      kill,
    );
    const ms = () => `${Math.round(performance.now() - startedAt)} ms`;

    if (run.killed) {
      counts.kills++;
      await waitForQuiet(emulator);
      const state = await readState(`after kill ${counts.kills}`);
      assertStateKnowsEmulator(state, emulator.snapshot(), `after kill ${counts.kills}`);
      if (options.remoteState) {
        const remote = (await options.remoteState()) ?? { segments: {} };
        assertStateKnowsEmulator(
          remote,
          emulator.snapshot(),
          `on the remote after kill ${counts.kills}`,
        );
        counts.maxRemoteUnknown = Math.max(counts.maxRemoteUnknown, pendingNames(remote).length);
      }
      const pending = pendingNames(state);
      if (pending.length > 0) counts.killsWithPending++;
      // Killed during start-up, loading or planning: nothing was recorded (or sent).
      if (JSON.stringify(state.segments) === JSON.stringify(before.segments)) {
        counts.killsWithoutChange++;
      }
      log(
        `run ${counts.runs}: killed ${kill.delayMs} ms after ${kill.after ? 'creating started' : 'spawn'} — ${createdCount(state)} created, ${pending.length} pending (${ms()})`,
      );
      // The killed run's lock stays behind by design (a stale lock is reported, never broken
      // silently); the user removes it once sure no segsync is running.
      const unlock = await cliRun(['state', 'unlock']);
      if (unlock.code !== 0) throw unexpected('state unlock', unlock);
      continue;
    }

    if (run.code === 0) {
      if (pendingBefore.length > 0) throw unexpected('apply over unknown outcomes', run);
      log(`run ${counts.runs}: finished by itself (exit 0, ${ms()})`);
      break;
    }
    // Unknown outcomes block only themselves: the run creates the rest, leaves them pending and
    // exits 3, naming them; the user settles them from the dashboard.
    if (run.code === 3 && pendingBefore.length > 0) {
      counts.runsOverUnknowns++;
      const output = run.stdout + run.stderr;
      const unnamed = pendingBefore.filter((name) => !output.includes(name));
      if (unnamed.length > 0) {
        throw new KillLoopViolation(
          `the apply did not name the unknown outcome(s) ${unnamed.map((n) => JSON.stringify(n)).join(', ')}:\n${tail(output)}`,
        );
      }
      const still = pendingNames(await readState('after a run over unknown outcomes'));
      const sentAgain = pendingBefore.filter((name) => !still.includes(name));
      if (sentAgain.length > 0) {
        throw new KillLoopViolation(
          `the apply touched unknown outcome(s) it must leave alone: ${sentAgain.map((n) => JSON.stringify(n)).join(', ')}`,
        );
      }
      const resolved = await resolveUnknowns(pendingBefore, emulator, cliRun);
      await options.afterSettle?.();
      counts.unknownsResolvedCreated += resolved.created;
      counts.unknownsResolvedAbsent += resolved.absent;
      log(
        `run ${counts.runs}: left ${pendingBefore.length} unknown outcome(s) alone (exit 3) — resolved ${resolved.created} as created, ${resolved.absent} as absent (${ms()})`,
      );
      continue;
    }
    // 3: partial (a 500 after all retries, or an answer lost on the way): rerun like a user.
    if (run.code === 3 && pendingBefore.length === 0) {
      counts.partialRuns++;
      log(`run ${counts.runs}: ended partially (exit 3, ${ms()})`);
      continue;
    }
    throw unexpected('apply', run);
  }
  return counts;
}

/**
 * Settles each unknown outcome as a user would after looking in the Wati dashboard: the segment
 * is there (record its id) or it is not (let the next apply create it).
 */
async function resolveUnknowns(names, emulator, cliRun) {
  await waitForQuiet(emulator);
  const snapshot = emulator.snapshot();
  const result = { created: 0, absent: 0 };
  const absent = [];
  for (const name of names) {
    const found = snapshot.segments.filter((segment) => segment.name === name);
    if (found.length > 1) {
      throw new KillLoopViolation(`${JSON.stringify(name)} was created ${found.length} times`);
    }
    if (found.length === 0) {
      absent.push(name);
      continue;
    }
    const run = await cliRun(['state', 'resolve', name, '--id', found[0].id]);
    if (run.code !== 0) throw unexpected(`state resolve ${JSON.stringify(name)}`, run);
    result.created++;
  }
  // Those not in the dashboard: one call for all of them.
  if (absent.length > 0) {
    const run = await cliRun(['state', 'resolve', ...absent, '--absent']);
    if (run.code !== 0) throw unexpected(`state resolve (${absent.length} names) --absent`, run);
    result.absent += absent.length;
  }
  return result;
}

/**
 * Requests a killed run had sent are still being answered by the emulator (and may still commit):
 * look at the "dashboard" only once nothing is in flight.
 */
async function waitForQuiet(emulator, timeoutMs = 30_000) {
  const until = performance.now() + timeoutMs;
  while (emulator.snapshot().inFlight > 0) {
    if (performance.now() > until) {
      throw new KillLoopViolation(
        `the emulator still had requests in flight after ${timeoutMs} ms`,
      );
    }
    await sleep(10);
  }
}

/**
 * The invariant that makes kills safe: every segment the emulator created is in the state file,
 * either as created with the same id or as pending (an unknown outcome the user will resolve).
 */
export function assertStateKnowsEmulator(state, snapshot, when) {
  const problems = [];
  for (const segment of snapshot.segments) {
    const entry = Object.hasOwn(state.segments, segment.name)
      ? state.segments[segment.name]
      : undefined;
    if (entry === undefined) {
      problems.push(`${JSON.stringify(segment.name)} exists in the emulator but not in the state`);
    } else if (entry.status === 'created' && entry.id !== segment.id) {
      problems.push(
        `${JSON.stringify(segment.name)} has id ${segment.id} in the emulator but ${entry.id} in the state`,
      );
    }
  }
  if (snapshot.duplicates.length > 0) {
    problems.push(
      `created more than once: ${snapshot.duplicates.map((n) => JSON.stringify(n)).join(', ')}`,
    );
  }
  if (problems.length > 0) throw new KillLoopViolation(`${when}: ${problems.join('; ')}`);
}

/**
 * The end state every loop must reach: each defined name created exactly once in the emulator,
 * and recorded as created with the emulator's id; nothing else in either. Returns the problems.
 */
export function findFinalViolations(state, snapshot, names) {
  const problems = [];
  if (snapshot.duplicates.length > 0) {
    problems.push(`duplicates: ${snapshot.duplicates.map((n) => JSON.stringify(n)).join(', ')}`);
  }
  for (const [name, count] of Object.entries(snapshot.createsByName)) {
    if (count !== 1) problems.push(`${JSON.stringify(name)} created ${count} times`);
  }
  const byName = new Map(snapshot.segments.map((segment) => [segment.name, segment]));
  for (const name of names) {
    const entry = Object.hasOwn(state.segments, name) ? state.segments[name] : undefined;
    const segment = byName.get(name);
    if (segment === undefined) problems.push(`${JSON.stringify(name)} was never created`);
    if (entry?.status !== 'created') {
      problems.push(`${JSON.stringify(name)} is ${entry ? entry.status : 'missing'} in the state`);
    } else if (segment !== undefined && entry.id !== segment.id) {
      problems.push(`${JSON.stringify(name)}: state id ${entry.id}, emulator id ${segment.id}`);
    }
  }
  const defined = new Set(names);
  for (const segment of snapshot.segments) {
    if (!defined.has(segment.name))
      problems.push(`unexpected segment ${JSON.stringify(segment.name)}`);
  }
  return problems;
}

/** Reads the state with segsync's reader: after a kill it must still be readable and valid. */
async function readStateChecked(readState, path, when) {
  try {
    return await readState(path);
  } catch (error) {
    throw new KillLoopViolation(
      `segsync cannot read the state ${when}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

function pendingNames(state) {
  return Object.entries(state.segments)
    .filter(([, entry]) => entry.status === 'pending')
    .map(([name]) => name);
}

function createdCount(state) {
  return Object.values(state.segments).filter((entry) => entry.status === 'created').length;
}

/**
 * Runs `node ...args`. With `kill`, SIGKILLs it `kill.delayMs` after spawn, or after its stderr
 * first matches `kill.after`. Resolves how it ended.
 */
function runChild(args, { cwd, env, kill }) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout = [];
    const stderr = [];
    let timer;
    const armKill = () => {
      timer = setTimeout(() => child.kill('SIGKILL'), kill.delayMs);
    };
    if (kill && !kill.after) armKill();
    child.stdout.on('data', (chunk) => stdout.push(chunk));
    child.stderr.on('data', (chunk) => {
      stderr.push(chunk);
      if (kill?.after && timer === undefined && kill.after.test(Buffer.concat(stderr).toString())) {
        armKill();
      }
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code,
        killed: signal === 'SIGKILL',
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      });
    });
  });
}

function unexpected(what, run) {
  return new KillLoopViolation(
    `${what} ended with exit ${run.code}${run.killed ? ' (killed)' : ''}:\n${tail(run.stdout + run.stderr)}`,
  );
}

function tail(text) {
  return text.trim().split('\n').slice(-12).join('\n');
}
