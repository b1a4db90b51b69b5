import type { Clock } from '../../core/clock.js';

/** The time the modem keeps for `+CCLK`: a point on the clock plus a time zone. */
export interface ModemTime {
  /** Epoch ms the time was set to, at `setAt` on the monotonic clock. */
  epochMs: number;
  setAt: number;
  /** Time zone in quarter hours east of UTC (`+CCLK` `±zz`). */
  timezoneQuarters: number;
}

/** The modem's real-time clock: unknown until network time (NITZ) or `AT+CCLK=` sets it. */
export class ModemClock {
  time: ModemTime | undefined;

  constructor(private readonly clock: Clock) {}

  /** The modem's current time, or undefined before network time or `AT+CCLK=` set it. */
  now(): { epochMs: number; timezoneQuarters: number } | undefined {
    if (!this.time) return undefined;
    return {
      epochMs: this.time.epochMs + (this.clock.monotonic() - this.time.setAt),
      timezoneQuarters: this.time.timezoneQuarters,
    };
  }

  set(epochMs: number, timezoneQuarters: number): void {
    this.time = { epochMs, setAt: this.clock.monotonic(), timezoneQuarters };
  }
}
