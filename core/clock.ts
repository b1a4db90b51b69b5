/**
 * Time for everything in the simulator. Nothing outside this file reads the wall clock or calls the
 * global timer functions, so a 24 h PSM scenario or a job step timeout runs in milliseconds under a
 * {@link VirtualClock} and the same seed gives the same trace.
 */

export interface TimerHandle {
  /** Cancels the timer; calling it again, or after the timer fired, does nothing. */
  cancel(): void;
  /** Keeps the process alive while the timer is pending (system clock only; a no-op on virtual time). */
  ref(): TimerHandle;
  /** Lets the process exit while the timer is pending (system clock only). */
  unref(): TimerHandle;
}

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Monotonic milliseconds, for measuring intervals. */
  monotonic(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  setInterval(fn: () => void, ms: number): TimerHandle;
  /** Resolves after `ms`; rejects with the signal's reason when aborted first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /**
   * How many times faster than wall time this clock runs (a `ScaledClock`); absent means 1. Code that
   * tells a party in wall time about a device-time interval (an MQTT keep-alive in CONNECT) divides by it.
   */
  readonly rate?: number;
}

/** The clock's {@link Clock.rate}: 1 for wall time and for virtual time, K for accelerated time. */
export function clockRate(clock: Clock): number {
  return clock.rate ?? 1;
}

function sleepOn(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      timer.cancel();
      reject(signal?.reason);
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The longest delay a Node timer holds (2^31 - 1 ms, about 24.8 days); longer ones overflow to 1 ms. */
const MAX_NODE_TIMER_MS = 2 ** 31 - 1;

/**
 * A Node timer for any delay: one longer than Node's limit is a chain of shorter ones, so a wait of
 * 30 days (an SLM `#XRECV=2592000`, a PSM timer) waits 30 days instead of firing at once with a
 * TimeoutOverflowWarning. `repeat` makes it an interval.
 */
function longTimer(fn: () => void, ms: number, repeat: boolean): TimerHandle {
  let current: ReturnType<typeof setTimeout> | undefined;
  let referenced = true;
  let cancelled = false;
  const arm = (left: number): void => {
    const step = Math.min(left, MAX_NODE_TIMER_MS);
    current = setTimeout(() => {
      if (left > step) return arm(left - step);
      if (repeat) arm(ms);
      fn();
    }, step);
    if (!referenced) current.unref();
  };
  arm(ms);
  const handle: TimerHandle = {
    cancel: () => {
      cancelled = true;
      clearTimeout(current);
    },
    ref: () => {
      referenced = true;
      if (!cancelled) current?.ref();
      return handle;
    },
    unref: () => {
      referenced = false;
      current?.unref();
      return handle;
    },
  };
  return handle;
}

/** Whether `clock` is the host's real time (a {@link SystemClock}), not a virtual or derived one. */
export function isSystemClock(clock: Clock): boolean {
  return clock instanceof SystemClock;
}

export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }

  monotonic(): number {
    return performance.now();
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return longTimer(fn, Math.max(0, ms), false);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    const period = Math.max(1, ms);
    if (period <= MAX_NODE_TIMER_MS) {
      const t = setInterval(fn, period);
      const handle: TimerHandle = {
        cancel: () => clearInterval(t),
        ref: () => (t.ref(), handle),
        unref: () => (t.unref(), handle),
      };
      return handle;
    }
    return longTimer(fn, period, true);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }
}

interface VirtualTimer {
  id: number;
  due: number;
  fn: () => void;
  interval: number | undefined;
  cancelled: boolean;
}

/** Yields to the event loop so promise chains and I/O callbacks woken by a timer can run. */
function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Deterministic time. Timers fire only from {@link advance}, {@link runUntilIdle} or {@link runNext},
 * in due order (ties in creation order), and the event loop gets a turn between timers so code woken
 * by one timer can schedule the next before time moves on.
 */
export class VirtualClock implements Clock {
  private current: number;
  private readonly startedAt: number;
  private nextId = 1;
  private timers: VirtualTimer[] = [];

  constructor(startEpochMs = Date.UTC(2024, 0, 1, 0, 0, 0)) {
    this.current = startEpochMs;
    this.startedAt = startEpochMs;
  }

  now(): number {
    return this.current;
  }

  monotonic(): number {
    return this.current - this.startedAt;
  }

  /** Number of timers that have not fired or been cancelled. */
  get pending(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.schedule(fn, ms, undefined);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    return this.schedule(fn, ms, Math.max(1, ms));
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  async advance(ms: number): Promise<void> {
    const target = this.current + Math.max(0, ms);
    await tick();
    for (;;) {
      const next = this.earliest();
      if (!next || next.due > target) break;
      this.fire(next);
      await tick();
    }
    this.current = target;
    await tick();
  }

  /** Fires the next pending timer, moving time to its due instant. Returns false when none is pending. */
  async runNext(): Promise<boolean> {
    await tick();
    const next = this.earliest();
    if (!next) return false;
    this.fire(next);
    await tick();
    return true;
  }

  /**
   * Fires timers until none is pending. Intervals would keep it busy forever, so it stops after
   * `maxTimers` firings and throws: a test that reaches the limit has a runaway timer.
   */
  async runUntilIdle(maxTimers = 10_000): Promise<void> {
    for (let i = 0; i < maxTimers; i++) {
      if (!(await this.runNext())) return;
    }
    throw new Error(`VirtualClock.runUntilIdle: still busy after ${maxTimers} timers`);
  }

  private schedule(fn: () => void, ms: number, interval: number | undefined): TimerHandle {
    const timer: VirtualTimer = {
      id: this.nextId++,
      due: this.current + Math.max(0, ms),
      fn,
      interval,
      cancelled: false,
    };
    this.timers.push(timer);
    const handle: TimerHandle = {
      cancel: () => {
        timer.cancelled = true;
        this.timers = this.timers.filter((t) => t !== timer);
      },
      ref: () => handle,
      unref: () => handle,
    };
    return handle;
  }

  private earliest(): VirtualTimer | undefined {
    let best: VirtualTimer | undefined;
    for (const t of this.timers) {
      if (t.cancelled) continue;
      if (!best || t.due < best.due || (t.due === best.due && t.id < best.id)) best = t;
    }
    return best;
  }

  private fire(timer: VirtualTimer): void {
    this.current = Math.max(this.current, timer.due);
    if (timer.interval === undefined) {
      timer.cancelled = true;
      this.timers = this.timers.filter((t) => t !== timer);
    } else {
      timer.due = this.current + timer.interval;
      timer.id = this.nextId++;
    }
    timer.fn();
  }
}

/** The process-wide system clock, for code that is not given one. */
export const systemClock: Clock = new SystemClock();
