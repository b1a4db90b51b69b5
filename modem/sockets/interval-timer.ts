import { clockRate, type Clock, type TimerHandle } from '../../core/clock.js';

/** `setInterval`/`clearInterval` with numeric ids, on a {@link Clock} (mqtt.js `timerVariant`). */
export interface IntervalTimer {
  set(fn: () => void, ms: number): number;
  clear(id: number): void;
}

/**
 * An interval timer on `clock`, so keep-alive and similar periodic work follow virtual time. Every
 * interval asked for is multiplied by `stretch` (see {@link mqttKeepAlive}).
 */
export function clockIntervalTimer(clock: Clock, stretch = 1): IntervalTimer {
  const handles = new Map<number, TimerHandle>();
  let next = 1;
  return {
    set(fn, ms) {
      const id = next++;
      handles.set(id, clock.setInterval(fn, ms * stretch));
      return id;
    },
    clear(id) {
      handles.get(id)?.cancel();
      handles.delete(id);
    },
  };
}

/**
 * The mqtt.js `keepalive` and `timerVariant` for a keep-alive of `seconds` of device time. On a clock
 * running K times faster than wall time (accelerated device time) CONNECT announces `ceil(seconds / K)`
 * (at least 1): the broker's check of 1.5 × keep-alive runs in wall time, so a device that falls silent
 * is dropped after the same device time as at K = 1. The timer stretches mqtt.js' intervals back by the
 * same factor, so PINGREQs still go every `seconds` of device time. At K = 1 both are unchanged.
 */
export function mqttKeepAlive(
  clock: Clock,
  seconds: number,
): { keepalive: number; timerVariant: IntervalTimer } {
  const wire = wireKeepAliveSeconds(clock, seconds);
  if (wire === seconds) return { keepalive: seconds, timerVariant: clockIntervalTimer(clock) };
  return { keepalive: wire, timerVariant: clockIntervalTimer(clock, seconds / wire) };
}

/** The keep-alive CONNECT carries for `seconds` of device time on `clock` (0 stays 0: no keep-alive). */
export function wireKeepAliveSeconds(clock: Clock, seconds: number): number {
  const rate = clockRate(clock);
  if (seconds <= 0 || rate === 1) return seconds;
  return Math.max(1, Math.ceil(seconds / rate));
}
