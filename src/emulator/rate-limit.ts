// Token bucket for the emulator's optional rate limit. The clock is injected so the refill
// arithmetic can be tested without sleeping.

export type Clock = () => number;

export type TakeResult = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export class TokenBucket {
  private readonly capacity: number;
  private tokens: number;
  private lastRefillMs: number;

  /**
   * `ratePerSecond` tokens are added per second, up to a capacity of `ratePerSecond` (at least 1,
   * so a fractional rate such as 0.5 still lets one request through every two seconds).
   */
  constructor(
    private readonly ratePerSecond: number,
    private readonly now: Clock = Date.now,
  ) {
    if (!(ratePerSecond > 0) || !Number.isFinite(ratePerSecond)) {
      throw new RangeError(`rate must be a positive finite number, got ${ratePerSecond}`);
    }
    this.capacity = Math.max(1, ratePerSecond);
    this.tokens = this.capacity;
    this.lastRefillMs = now();
  }

  /** Takes one token, or says how many whole seconds (at least 1) until one is available. */
  take(): TakeResult {
    this.refill();
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { allowed: true };
    }
    const secondsUntilToken = (1 - this.tokens) / this.ratePerSecond;
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(secondsUntilToken)) };
  }

  private refill(): void {
    const nowMs = this.now();
    // A clock that steps backwards must not drain the bucket.
    const elapsedSeconds = Math.max(0, nowMs - this.lastRefillMs) / 1000;
    this.tokens = Math.min(this.capacity, this.tokens + elapsedSeconds * this.ratePerSecond);
    this.lastRefillMs = nowMs;
  }
}
