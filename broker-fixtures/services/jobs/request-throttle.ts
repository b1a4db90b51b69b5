import type { Clock } from '../../../core/clock.js';

export interface ThrottleOptions {
  /** Sustained Jobs API requests per second per thing. */
  requestsPerSecond: number;
  /** Requests a thing may make at once after being idle (default: one second's worth). */
  burst?: number;
}

/**
 * A token bucket per thing on the injected Clock: a request beyond the allowance is answered with
 * `RequestThrottled` (cloud-services.md §2.6). Off unless configured; AWS's own quotas are per account.
 */
export class RequestThrottle {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly burst: number;

  constructor(
    private readonly clock: Clock,
    private readonly options: ThrottleOptions,
  ) {
    this.burst = Math.max(1, options.burst ?? options.requestsPerSecond);
  }

  /** Takes one token for `thingName`; false when none is left. */
  take(thingName: string): boolean {
    const now = this.clock.monotonic();
    const bucket = this.buckets.get(thingName) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(
      this.burst,
      bucket.tokens + ((now - bucket.at) / 1000) * this.options.requestsPerSecond,
    );
    bucket.at = now;
    this.buckets.set(thingName, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
