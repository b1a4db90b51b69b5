import type { Clock, TimerHandle } from '../../core/clock.js';

/**
 * The Shadow client's `xOperationMutex`: one operation at a time. A caller waits for it at most its
 * timeout (`xSemaphoreTake(mutex, ticks)`), in the order callers came.
 */
export class OperationLock {
  private held = false;
  private readonly waiters: Array<{ grant: () => void; timer: TimerHandle }> = [];

  constructor(private readonly clock: Clock) {}

  /** Resolves true once the lock is this caller's, false when `timeoutMs` passed first. */
  acquire(timeoutMs: number): Promise<boolean> {
    if (!this.held) {
      this.held = true;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const waiter = {
        grant: () => resolve(true),
        timer: this.clock.setTimeout(() => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          resolve(false);
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  release(): void {
    const next = this.waiters.shift();
    if (!next) {
      this.held = false;
      return;
    }
    next.timer.cancel();
    next.grant();
  }
}
