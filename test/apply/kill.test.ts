// Crash safety of apply, end to end: SIGKILL the built CLI at random moments while it creates a
// few hundred segments against a slow emulator, clean up as a user would, rerun until an apply
// finishes by itself — then Wati (the emulator) must hold every segment exactly once and the state
// file must know each one with the right id. The loop is shared with `npm run soak`, which runs
// it with many more kills. Kill delays come from a printed seed: replay a failure with
// SEGSYNC_KILL_SEED=<seed>. The CLI under test is dist/, built by test/global-setup.ts.

import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFinalViolations, runKillLoop } from '../../bench/lib/kill-loop.mjs';
import { createRandom } from '../../bench/lib/random.mjs';
import { CLI, createWorkspace } from '../../bench/lib/workspace.mjs';
import type { Workspace } from '../../bench/lib/workspace.mjs';
import { startEmulator } from '../../src/emulator/server.js';
import type { EmulatorHandle } from '../../src/emulator/server.js';
import { readState } from '../../src/state/file.js';

const SEGMENTS = 200;
const KILLS = 6;

describe('apply killed with SIGKILL at random moments', () => {
  const seed = Number(process.env.SEGSYNC_KILL_SEED ?? randomInt(0, 2 ** 31));
  let emulator: EmulatorHandle;
  let workspace: Workspace;

  beforeAll(async () => {
    // Slow enough that kills land with creates in flight; a few 500s exercise the retries.
    // segmentLimit: SEGMENTS is far above Wati's default cap of 10.
    emulator = await startEmulator({
      port: 0,
      latencyMs: 40,
      failRate: 0.02,
      seed,
      segmentLimit: SEGMENTS,
    });
    workspace = await createWorkspace(SEGMENTS, { seed, prefix: 'segsync-kill-' });
  });

  afterAll(async () => {
    await emulator?.close();
    await workspace?.remove();
  });

  it('never creates a segment twice and never loses one from the state', async () => {
    console.log(`kill test seed ${seed} (replay with SEGSYNC_KILL_SEED=${seed})`);
    const counts = await runKillLoop({
      cli: CLI,
      workspace,
      readState,
      emulator,
      random: createRandom(seed),
      kills: KILLS,
      killDelayMs: [0, 500],
      concurrency: 8,
      log: (line) => console.log(`  ${line}`),
    });
    console.log(
      `kill test: ${counts.kills} kills (${counts.killsWithPending} with unknown outcomes, ` +
        `${counts.killsWithoutChange} before anything was recorded), ${counts.runs} runs, ` +
        `unknowns resolved: ${counts.unknownsResolvedCreated} created + ${counts.unknownsResolvedAbsent} absent`,
    );

    const snapshot = emulator.snapshot();
    const state = await readState(workspace.state);
    expect(counts.kills).toBeGreaterThan(0);
    expect(snapshot.duplicates).toEqual([]);
    expect(Object.entries(snapshot.createsByName).filter(([, count]) => count !== 1)).toEqual([]);
    const unknownToState = snapshot.segments
      .filter((segment) => {
        const entry = state.segments[segment.name];
        return entry?.status !== 'created' || entry.id !== segment.id;
      })
      .map((segment) => segment.name);
    expect(unknownToState).toEqual([]);
    expect(workspace.names.filter((name) => state.segments[name]?.status !== 'created')).toEqual(
      [],
    );
    expect(findFinalViolations(state, snapshot, workspace.names)).toEqual([]);
  }, 180_000);
});
