import type { Clock, TimerHandle } from './clock.js';
import { ErrorCode, SimError } from './errors.js';

/** The largest time scale accepted: past it a 1 ms wall-clock timer tick is more than 17 minutes of device time. */
export const MAX_TIME_SCALE = 1_000_000;

/** Checks a `--time-scale` value: a finite number from 1 (wall time) to {@link MAX_TIME_SCALE}. */
export function validateTimeScale(scale: number, label = 'time scale'): number {
  if (!Number.isFinite(scale) || scale < 1 || scale > MAX_TIME_SCALE) {
    throw new SimError(
      ErrorCode.INVALID_ARGUMENT,
      `${label} ${String(scale)}: expected a number from 1 to ${MAX_TIME_SCALE}`,
    );
  }
  return scale;
}

/**
 * Accelerated device time: a clock that runs `rate` times faster than its parent (the system clock).
 * A device given one sees every delay it sets (PSM, TAU, eDRX, RRC inactivity, application timers,
 * socket timeouts) pass `rate` times sooner in wall time, and its `now()` move `rate` times faster
 * from the moment the clock was made; sockets, TLS and the broker on the other end stay in wall time.
 * The parent's timer resolution (1 ms for Node timers) becomes `rate` ms of device time.
 */
export class ScaledClock implements Clock {
  private readonly wallOrigin: number;
  private readonly monoOrigin: number;

  constructor(
    readonly parent: Clock,
    readonly rate: number,
  ) {
    validateTimeScale(rate);
    this.wallOrigin = parent.now();
    this.monoOrigin = parent.monotonic();
  }

  now(): number {
    return this.wallOrigin + this.elapsed();
  }

  monotonic(): number {
    return this.monoOrigin + this.elapsed();
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.parent.setTimeout(fn, Math.max(0, ms) / this.rate);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    return this.parent.setInterval(fn, Math.max(1, ms) / this.rate);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return this.parent.sleep(Math.max(0, ms) / this.rate, signal);
  }

  /** Device milliseconds since the clock was made. */
  private elapsed(): number {
    return (this.parent.monotonic() - this.monoOrigin) * this.rate;
  }
}
