// What apply says besides its result document: the notes it prints while it works (the state
// file, the creates starting, the state pushes) and why a create was not attempted. The result
// itself is rendered by the formats in apply-report.ts; this module imports no apply code, so
// the result document (apply/result.ts) can word its rows with it.
import type { StopReason } from '../core/model.js';
import { terminalLines, terminalText } from './sinks/terminal.js';

export function stateFileNote(stateFile: string): string {
  return `State file: ${terminalText(stateFile)}`;
}

export const NOTHING_TO_CREATE = 'Nothing to create.';

export function creatingNote(count: number, endpoint: string, concurrency: number): string {
  return `Creating ${count} segment(s) at ${terminalText(endpoint)}, ${concurrency} at a time…`;
}

/** `apply --push-state`: the first window's pending records reached the remote. */
export function firstPushNote(target: string, windowSize: number): string {
  return `State pushed to ${terminalText(target)} before the first create; checkpoints every ${windowSize} creates.`;
}

export interface StatePushes {
  /** REMOTE/BRANCH. */
  target: string;
  pushes: number;
  /** Pushes rejected because the remote moved on, each followed by a merge. */
  catchUps: number;
  /** Durations of the successful saves, in ms. */
  durations: readonly number[];
}

/** The summary line of `--push-state`: how many pushes, and the median time one took. */
export function describePushes(pushes: StatePushes): string {
  const sorted = [...pushes.durations].sort((a, b) => a - b);
  const median = sorted.length > 0 ? Math.round(sorted[Math.floor(sorted.length / 2)]!) : 0;
  const merged = pushes.catchUps > 0 ? `, ${pushes.catchUps} merge(s) with newer pushes` : '';
  return `State pushes to ${terminalText(pushes.target)}: ${pushes.pushes} (median ${median} ms per checkpoint${merged}).`;
}

/**
 * The last push failed: git's output and what to do. It quotes git's output and the remote's
 * names, one line each: every line goes through the terminal sink, so a line of git's output can
 * neither form a workflow command nor carry control characters (segment names in it are quoted,
 * so none holds a line break).
 */
export function lastPushFailedNote(failure: string): string {
  return (
    `${terminalLines(failure)}\nThe remote still records this run's last pushed checkpoint: creates after it show there as ` +
    "unknown outcomes. Keep this run's state file (the workflow uploads it as an artifact), then in a clone " +
    "of the branch run `segsync state merge <the artifact's state file>` and commit: its created entries " +
    'settle the unknown ones. Until then the next apply refuses to create them again.'
  );
}

/** Why a create was not attempted, when the run stopped before it (or `stop` is undefined). */
export function notAttemptedReason(stop: StopReason | undefined): string {
  if (!stop) return 'Not attempted.';
  switch (stop) {
    case 'limit-reached':
      return "Not attempted: the account's active-segment limit was reached.";
    case 'feature-unavailable':
      return 'Not attempted: custom segments are not available for this account.';
    case 'unauthorized':
      return 'Not attempted: Wati rejected the token.';
    case 'misconfigured':
      return 'Not attempted: the endpoint does not answer like the Wati API.';
    case 'rate-limited':
      return "Not attempted: Wati's rate limit asked for a longer wait than segsync allows.";
    case 'untrusted-certificate':
      return "Not attempted: the endpoint's TLS certificate is not trusted.";
    case 'interrupted':
      return 'Not attempted: interrupted.';
    case 'too-many-unknown':
      return 'Not attempted: stopped after repeated unknown outcomes.';
    case 'repeated-refusal':
      return 'Not attempted: Wati refused the creates before it in the same way.';
    case 'state-write-failed':
      return 'Not attempted: the state file could not be written.';
  }
}
