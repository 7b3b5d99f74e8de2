// Time and chance as values: whatever waits, retries or stamps a time receives them, so that tests
// can pass zero backoff (or a fixed clock) while the code under test talks to a real server.
// The real ones are at the bottom; the CLI's composition root hands them out (src/composition-root.ts).
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';

/** Functions, not methods: each may be passed on alone (`now: clock.now`). */
export interface Clock {
  /** Wall-clock time: timestamps recorded or shown, and HTTP dates. */
  now: () => Date;
  /** Monotonic milliseconds (performance.now's scale): durations and deadlines. */
  monotonic: () => number;
}

/** Resolves true after `ms`, or false as soon as `signal` aborts (at once if it already has). */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<boolean>;

/** What a retry loop needs: a clock, a jitter source in [0, 1), and a way to wait. */
export interface Timing {
  clock: Clock;
  random: () => number;
  sleep: Sleep;
}

export const systemClock: Clock = {
  now: () => new Date(),
  monotonic: () => performance.now(),
};

export const sleepFor: Sleep = (ms, signal) =>
  delay(ms, undefined, signal ? { signal } : {}).then(
    () => true,
    () => false,
  );

export const systemTiming: Timing = { clock: systemClock, random: Math.random, sleep: sleepFor };
