// apply --push-state: wires the checkpoint gate (apply/checkpoint-gate.ts) to the git pusher
// (git/state-pusher.ts) over the state session. Neither the runner nor the session knows about git.
import type { CheckpointWindow } from './runner/checkpoint-gate.js';
import { CheckpointGate } from './runner/checkpoint-gate.js';
import { UserError } from '../core/errors.js';
import type { CreateAction } from '../core/model.js';
import type { Clock } from '../core/timing.js';
import type { GitStatePusher, StateSaveHooks } from '../git/state-pusher.js';
import type { MergeResult } from '../state/merge.js';
import { mergeStates, withoutWithdrawn } from '../state/merge.js';
import { describeConflicts } from '../render/merge-conflicts.js';
import type { StateSession } from '../state/session.js';

export const DEFAULT_CHECKPOINT_EVERY = 20;
const MAX_CHECKPOINT_EVERY = 1000;

export interface StatePush {
  gate: CheckpointGate;
  /** Pushes the final results; resolves to an error message when that failed. */
  finish(): Promise<string | undefined>;
  /** Durations of the successful saves, in ms (for the summary line). */
  readonly durations: number[];
  readonly pusher: GitStatePusher;
}

export function resolveCheckpointEvery(value: number | undefined): number {
  const every = value ?? DEFAULT_CHECKPOINT_EVERY;
  if (!Number.isInteger(every) || every < 1 || every > MAX_CHECKPOINT_EVERY) {
    throw new UserError(
      `--checkpoint-every must be a whole number from 1 to ${MAX_CHECKPOINT_EVERY} (got ${String(value)}).`,
    );
  }
  return every;
}

export function setUpStatePush(input: {
  pusher: GitStatePusher;
  session: StateSession;
  creates: readonly CreateAction[];
  windowSize: number;
  environment?: string;
  clock: Clock;
}): StatePush {
  const { pusher, session, creates, clock } = input;
  const planned = new Set(creates.map((action) => action.name));
  const label = input.environment ? `segsync [${input.environment}]` : 'segsync';
  const durations: number[] = [];
  const hooks: StateSaveHooks = {
    fold: () => session.foldIntoStateFile(),
    merge: (remote) => {
      // Saves start from the gate's checkpoints (or after them): the gate exists by then. The
      // records it withdrew (never sent) are dropped from the remote's side first: a merge must
      // not keep them as another run's.
      const theirs = withoutWithdrawn(remote, gate.withdrawn);
      const result = mergeStates(session.state, theirs);
      if (!result.ok) throw remoteMergeRefused(result, pusher.describeTarget());
      const { changes } = result;
      // Another apply recorded a segment this run plans to create: two applies ran at once.
      const clash = [...changes.added, ...changes.resolved].filter((name) => planned.has(name));
      if (clash.length > 0) {
        throw new UserError(
          `Another apply recorded ${clash.length} segment(s) this run plans to create on ${pusher.describeTarget()} ` +
            `(${clash
              .slice(0, 5)
              .map((name) => JSON.stringify(name))
              .join(', ')}): two applies ran at once.`,
          'Let one apply run at a time (a CI concurrency group), then run apply again: it plans from the merged state.',
        );
      }
      return session.adoptMerged(result.state);
    },
  };
  const save = async (message: string) => {
    const started = clock.monotonic();
    await pusher.save(message, hooks);
    durations.push(clock.monotonic() - started);
  };
  const gate = new CheckpointGate(session, creates, {
    windowSize: input.windowSize,
    now: clock.now,
    checkpoint: (windows) => save(`${label}: ${describeCheckpoint(windows)} [skip ci]`),
  });
  return {
    gate,
    durations,
    pusher,
    finish: async () => {
      await gate.releaseUnsent();
      try {
        await save(`${label}: record applied segments [skip ci]`);
        return undefined;
      } catch (error) {
        return error instanceof Error ? error.message : String(error);
      }
    },
  };
}

/** The remote's state file records segments differently from this run (or another account). */
function remoteMergeRefused(
  result: Extract<MergeResult, { ok: false }>,
  target: string,
): UserError {
  return new UserError(
    result.endpointMismatch
      ? `The state file on ${target} belongs to ${result.endpointMismatch.theirs}, this run to ${result.endpointMismatch.ours}.`
      : `The state file on ${target} records segments differently from this run; nothing more was pushed:\n  ` +
          describeConflicts(result.conflicts, ['this run', 'remote']),
    'Settle the conflicting entries (check the Wati dashboard; `segsync state resolve`), then apply again.',
  );
}

/** "checkpoint 3, 20 create(s) about to be sent"; windows that waited together share one. */
function describeCheckpoint(windows: readonly CheckpointWindow[]): string {
  const first = windows[0]?.index ?? 0;
  const last = windows.at(-1)?.index ?? first;
  const creates = windows.reduce((sum, window) => sum + window.names.length, 0);
  const which = first === last ? `checkpoint ${first}` : `checkpoints ${first}–${last}`;
  return `${which}, ${creates} create(s) about to be sent`;
}
