import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../core/clock.js';

describe('VirtualClock', () => {
  it('fires timers in due order, ties in creation order, only when time reaches them', async () => {
    const clock = new VirtualClock(0);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('b@20'), 20);
    clock.setTimeout(() => fired.push('a@10'), 10);
    clock.setTimeout(() => fired.push('c@20'), 20);
    await clock.advance(9);
    expect(fired).toEqual([]);
    await clock.advance(11);
    expect(fired).toEqual(['a@10', 'b@20', 'c@20']);
    expect(clock.now()).toBe(20);
  });

  it('lets code woken by one timer schedule the next within the same advance', async () => {
    const clock = new VirtualClock(0);
    const at: number[] = [];
    const step = (): void => {
      at.push(clock.now());
      if (at.length < 3) void clock.sleep(100).then(step);
    };
    clock.setTimeout(step, 100);
    await clock.advance(1000);
    expect(at).toEqual([100, 200, 300]);
  });

  it('runs intervals until cancelled and reports a runaway in runUntilIdle', async () => {
    const clock = new VirtualClock(0);
    let n = 0;
    const handle = clock.setInterval(() => n++, 1000);
    await clock.advance(24 * 3600 * 1000);
    expect(n).toBe(24 * 3600);
    await expect(clock.runUntilIdle(50)).rejects.toThrow(/still busy/);
    handle.cancel();
    await clock.runUntilIdle();
    expect(clock.pending).toBe(0);
  });

  it('rejects sleep when aborted and never fires a cancelled timer', async () => {
    const clock = new VirtualClock(0);
    const ac = new AbortController();
    const sleeping = clock.sleep(1000, ac.signal);
    ac.abort(new Error('stop'));
    await expect(sleeping).rejects.toThrow('stop');
    let fired = false;
    clock.setTimeout(() => (fired = true), 5).cancel();
    await clock.advance(10);
    expect(fired).toBe(false);
  });

  it('keeps epoch time and monotonic time in step', async () => {
    const clock = new VirtualClock(Date.UTC(2024, 0, 1));
    await clock.advance(1500);
    expect(clock.now()).toBe(Date.UTC(2024, 0, 1) + 1500);
    expect(clock.monotonic()).toBe(1500);
  });
});
