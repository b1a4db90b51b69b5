import type { Clock, TimerHandle } from './clock.js';

/**
 * A clock whose timers all end with {@link dispose}: what a device gives the modem and application
 * of one power cycle. When the power goes, every wait they started (an `AT#XPOLL=-1`, a receive
 * timeout, a retry timer) is gone with them, so nothing of a device that stopped keeps the process
 * alive. Time itself is the parent clock's.
 */
export class ScopedClock implements Clock {
  private readonly live = new Set<TimerHandle>();
  private disposed = false;

  constructor(readonly parent: Clock) {}

  get rate(): number | undefined {
    return this.parent.rate;
  }

  now(): number {
    return this.parent.now();
  }

  monotonic(): number {
    return this.parent.monotonic();
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.track((done) =>
      this.parent.setTimeout(() => {
        done();
        fn();
      }, ms),
    );
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    return this.track(() => this.parent.setInterval(fn, ms));
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = (): void => {
        timer.cancel();
        reject(signal?.reason);
      };
      const timer = this.setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Cancels every pending timer; timers set afterwards never fire. */
  dispose(): void {
    this.disposed = true;
    for (const t of this.live) t.cancel();
    this.live.clear();
  }

  private track(start: (done: () => void) => TimerHandle): TimerHandle {
    if (this.disposed) return inert;
    const box: { timer?: TimerHandle } = {};
    const inner = start(() => {
      if (box.timer) this.live.delete(box.timer);
    });
    box.timer = inner;
    this.live.add(inner);
    const handle: TimerHandle = {
      cancel: () => {
        inner.cancel();
        this.live.delete(inner);
      },
      ref: () => (inner.ref(), handle),
      unref: () => (inner.unref(), handle),
    };
    return handle;
  }
}

const inert: TimerHandle = {
  cancel: () => undefined,
  ref: () => inert,
  unref: () => inert,
};
