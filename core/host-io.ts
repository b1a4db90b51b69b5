import { systemClock, type TimerHandle } from './clock.js';

/**
 * Waits on the host's own I/O, which runs in real time whatever clock the simulation runs on: a PTY
 * whose kernel buffer is full (retry the write shortly), a TCP client that reconnects before its old
 * connection's FIN arrived. A virtual clock must never drive these (it would stall real I/O until the
 * test advanced time), so the transports take them from here rather than from the device's clock.
 * Simulated behaviour never uses this: it takes the caller's `Clock`.
 */
export const hostIo = {
  /** Runs `fn` after `ms` of real time. */
  after(ms: number, fn: () => void): TimerHandle {
    return systemClock.setTimeout(fn, ms);
  },
  /** Runs `fn` once the I/O callbacks now due have run (`setImmediate`). */
  soon(fn: () => void): void {
    setImmediate(fn);
  },
};
