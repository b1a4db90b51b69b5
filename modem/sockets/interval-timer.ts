import type { Clock, TimerHandle } from '../../core/clock.js';

/** `setInterval`/`clearInterval` with numeric ids, on a {@link Clock} (mqtt.js `timerVariant`). */
export interface IntervalTimer {
  set(fn: () => void, ms: number): number;
  clear(id: number): void;
}

/** An interval timer on `clock`, so keep-alive and similar periodic work follow virtual time. */
export function clockIntervalTimer(clock: Clock): IntervalTimer {
  const handles = new Map<number, TimerHandle>();
  let next = 1;
  return {
    set(fn, ms) {
      const id = next++;
      handles.set(id, clock.setInterval(fn, ms));
      return id;
    },
    clear(id) {
      handles.get(id)?.cancel();
      handles.delete(id);
    },
  };
}
