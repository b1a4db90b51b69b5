import { afterEach, describe, expect, it, vi } from 'vitest';
import { SystemClock, VirtualClock } from '../../core/clock.js';
import { ScopedClock } from '../../core/scoped-clock.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('SystemClock timers longer than Node holds', () => {
  it('waits the whole delay past 2^31 - 1 ms instead of firing at once', () => {
    vi.useFakeTimers();
    const clock = new SystemClock();
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('timeout'), 2 ** 31 + 1000);
    const interval = clock.setInterval(() => fired.push('interval'), 2 ** 32);
    vi.advanceTimersByTime(2 ** 31 - 1);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1001);
    expect(fired).toEqual(['timeout']);
    vi.advanceTimersByTime(2 ** 32 - 2 ** 31 - 1000);
    expect(fired).toEqual(['timeout', 'interval']);
    vi.advanceTimersByTime(2 ** 32);
    expect(fired).toEqual(['timeout', 'interval', 'interval']);
    interval.cancel();
    vi.advanceTimersByTime(2 ** 33);
    expect(fired).toEqual(['timeout', 'interval', 'interval']);
  });

  it('gives Node no delay it would overflow (no TimeoutOverflowWarning)', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => {
      warnings.push(w.name);
    };
    process.on('warning', onWarning);
    try {
      let fired = false;
      const t = new SystemClock().setTimeout(() => (fired = true), 2 ** 31);
      await new Promise((r) => setTimeout(r, 20));
      t.cancel();
      expect(fired).toBe(false);
      expect(warnings).not.toContain('TimeoutOverflowWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });
});

describe('ScopedClock', () => {
  it('cancels every pending timer at dispose, and sets none afterwards', async () => {
    const parent = new VirtualClock();
    const scope = new ScopedClock(parent);
    const fired: string[] = [];
    scope.setTimeout(() => fired.push('early'), 10);
    scope.setTimeout(() => fired.push('late'), 1000);
    scope.setInterval(() => fired.push('tick'), 300);
    const sleeping = scope.sleep(5000).then(() => fired.push('woke'));
    await parent.advance(20);
    expect(fired).toEqual(['early']);
    scope.dispose();
    scope.setTimeout(() => fired.push('after'), 1);
    await parent.advance(10_000);
    expect(fired).toEqual(['early']);
    expect(parent.pending).toBe(0);
    expect(scope.now()).toBe(parent.now());
    void sleeping;
  });
});
