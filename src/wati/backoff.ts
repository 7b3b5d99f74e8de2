// Waiting before asking again, shared by the operations that retry (create-segment.ts,
// evaluate-segment.ts): full-jitter backoff, the run's shared pause after a Retry-After, and the
// wall time the run has spent held back. Time and chance come in as Timing (core/timing.ts).
import type { Timing } from '../core/timing.js';

/** Full jitter: uniform in [0, min(cap, base·2^(n-1))), where n is the attempt that just failed. */
export function backoffDelay(
  failedAttempts: number,
  limits: { baseMs: number; capMs: number },
  random: () => number,
): number {
  const ceiling = Math.min(limits.capMs, limits.baseMs * 2 ** (failedAttempts - 1));
  const fraction = Math.min(Math.max(random(), 0), 1);
  return Math.floor(fraction * ceiling);
}

/**
 * Waits until `notBefore()` (monotonic ms) has passed; it is read again after each sleep because
 * another caller may have pushed it back (a shared pause). False as soon as `signal` aborts.
 */
export async function waitUntil(
  notBefore: () => number,
  timing: Pick<Timing, 'clock' | 'sleep'>,
  signal: AbortSignal | undefined,
): Promise<boolean> {
  for (;;) {
    if (signal?.aborted) return false;
    const remaining = notBefore() - timing.clock.monotonic();
    if (remaining <= 0) return true;
    if (!(await timing.sleep(Math.ceil(remaining), signal))) return false;
  }
}

/**
 * What the requests of one run have waited for: a rate limit is the account's, not one request's,
 * so a Retry-After holds every caller back (`pausedUntil`), and the time held back is counted as
 * wall time (overlapping waits once), for a budget per run.
 */
export class RunWaits {
  /** Shared "not before" time (monotonic ms) set by a Retry-After. */
  pausedUntil = 0;
  private heldMs = 0;
  private heldUntil = 0;

  pause(until: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, until);
  }

  /** Counts a wait from `now` until `end`; returns the total held back so far. */
  hold(now: number, end: number): number {
    this.heldMs += Math.max(0, end - Math.max(now, this.heldUntil));
    this.heldUntil = Math.max(this.heldUntil, end);
    return this.heldMs;
  }
}

/** A wait for people: seconds, minutes, hours, days or years, rounded. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return 'an unbounded time';
  const seconds = ms / 1000;
  const units: [number, string][] = [
    [365.25 * 86_400, 'years'],
    [86_400, 'days'],
    [3_600, 'hours'],
    [60, 'minutes'],
  ];
  for (const [size, unit] of units) {
    if (seconds >= 2 * size) return `${Math.round(seconds / size)} ${unit}`;
  }
  return `${Math.round(seconds)} s`;
}
