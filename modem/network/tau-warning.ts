import type { Clock, TimerHandle } from '../../core/clock.js';
import type { TauPreWarning } from './config.js';

/**
 * `%XT3412` pre-warnings: when the modem sleeps until a periodic TAU at least the configured threshold
 * away, it reports the time left at once and again the configured time before the TAU.
 */
export class TauWarningTimer {
  private timer: TimerHandle | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly report: (remainingMs: number) => void,
  ) {}

  /** The modem went to sleep for `sleepMs` (or woke up: `asleep` false cancels the warning). */
  sleepChanged(asleep: boolean, sleepMs: number, warning: TauPreWarning | undefined): void {
    this.cancel();
    if (!asleep || !warning || sleepMs < warning.thresholdMs) return;
    this.report(sleepMs);
    if (sleepMs <= warning.timeMs) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.report(warning.timeMs);
    }, sleepMs - warning.timeMs);
  }

  cancel(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }
}
