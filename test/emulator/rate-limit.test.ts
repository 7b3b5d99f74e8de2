import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../src/emulator/rate-limit.js';

function fakeClock(): { now: () => number; advance: (ms: number) => void } {
  let time = 1_000_000;
  return { now: () => time, advance: (ms) => (time += ms) };
}

describe('TokenBucket', () => {
  it('lets a burst of `rate` requests through, then refills at `rate` per second', () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(3, clock.now);

    expect([bucket.take(), bucket.take(), bucket.take()].every((r) => r.allowed)).toBe(true);
    expect(bucket.take()).toEqual({ allowed: false, retryAfterSeconds: 1 });
    clock.advance(340);
    expect(bucket.take().allowed).toBe(true);
    expect(bucket.take().allowed).toBe(false);
  });

  it('never holds more than its capacity however long it idles', () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(2, clock.now);
    clock.advance(60_000);

    const results = [bucket.take(), bucket.take(), bucket.take()];
    expect(results.map((result) => result.allowed)).toEqual([true, true, false]);
  });

  it('rounds Retry-After up to whole seconds for slow rates', () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(0.4, clock.now);

    expect(bucket.take().allowed).toBe(true);
    // One token at 0.4/s is 2.5 s away: a client must wait 3 whole seconds.
    expect(bucket.take()).toEqual({ allowed: false, retryAfterSeconds: 3 });
    clock.advance(1500);
    expect(bucket.take()).toEqual({ allowed: false, retryAfterSeconds: 1 });
    clock.advance(1000);
    expect(bucket.take().allowed).toBe(true);
  });

  it('rejects a rate that is not positive', () => {
    expect(() => new TokenBucket(0)).toThrow(RangeError);
    expect(() => new TokenBucket(Number.NaN)).toThrow(RangeError);
  });
});
