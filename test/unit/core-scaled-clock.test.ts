import { describe, expect, it } from 'vitest';
import { clockRate, SystemClock, VirtualClock } from '../../core/clock.js';
import { ScaledClock, validateTimeScale } from '../../core/scaled-clock.js';
import { ScopedClock } from '../../core/scoped-clock.js';
import { ErrorCode, isSimError } from '../../core/errors.js';
import { mqttKeepAlive, wireKeepAliveSeconds } from '../../modem/sockets/interval-timer.js';

describe('ScaledClock (accelerated device time)', () => {
  it('moves now() and monotonic() K times faster than its parent', async () => {
    const wall = new VirtualClock(Date.UTC(2024, 0, 1));
    const device = new ScaledClock(wall, 60);
    const epoch0 = device.now();
    const mono0 = device.monotonic();
    expect(epoch0).toBe(wall.now());
    await wall.advance(1000);
    expect(device.now() - epoch0).toBe(60_000);
    expect(device.monotonic() - mono0).toBe(60_000);
    expect(clockRate(device)).toBe(60);
    expect(clockRate(wall)).toBe(1);
  });

  it('fires a device-time timer after 1/K of the wall time, intervals too', async () => {
    const wall = new VirtualClock();
    const device = new ScaledClock(wall, 60);
    const fired: Array<[string, number]> = [];
    device.setTimeout(() => fired.push(['tau', wall.monotonic()]), 3_600_000);
    const tick = device.setInterval(() => fired.push(['tick', wall.monotonic()]), 600_000);
    await wall.advance(59_999);
    expect(fired.filter(([w]) => w === 'tau')).toEqual([]);
    await wall.advance(1);
    expect(fired).toContainEqual(['tau', 60_000]);
    expect(fired.filter(([w]) => w === 'tick').map(([, t]) => t)).toEqual([
      10_000, 20_000, 30_000, 40_000, 50_000, 60_000,
    ]);
    tick.cancel();
    await wall.advance(100_000);
    expect(fired).toHaveLength(7);
  });

  it('sleeps in device time and honours an abort', async () => {
    const wall = new VirtualClock();
    const device = new ScaledClock(wall, 100);
    let woke = false;
    const sleeping = device.sleep(10_000).then(() => (woke = true));
    await wall.advance(99);
    expect(woke).toBe(false);
    await wall.advance(1);
    await sleeping;
    expect(woke).toBe(true);
    const abort = new AbortController();
    const aborted = device.sleep(10_000, abort.signal);
    abort.abort(new Error('stop'));
    await expect(aborted).rejects.toThrow('stop');
  });

  it('runs on the system clock: a 6 s device wait at K = 600 passes in about 10 ms of wall time', async () => {
    const wall = new SystemClock();
    const device = new ScaledClock(wall, 600);
    const start = wall.monotonic();
    await device.sleep(6000);
    const elapsedWall = wall.monotonic() - start;
    expect(elapsedWall).toBeGreaterThanOrEqual(9);
    expect(elapsedWall).toBeLessThan(5000);
  });

  it('keeps its rate through a power-cycle scope', () => {
    const scoped = new ScopedClock(new ScaledClock(new VirtualClock(), 60));
    expect(clockRate(scoped)).toBe(60);
    expect(clockRate(new ScopedClock(new VirtualClock()))).toBe(1);
  });

  it('refuses a scale below 1 or not a number, naming it', () => {
    for (const bad of [0, 0.5, -3, Number.NaN, Number.POSITIVE_INFINITY]) {
      let caught: unknown;
      try {
        validateTimeScale(bad, '--time-scale');
      } catch (err) {
        caught = err;
      }
      expect(isSimError(caught, ErrorCode.INVALID_ARGUMENT)).toBe(true);
      expect((caught as Error).message).toContain('--time-scale');
    }
    expect(() => new ScaledClock(new VirtualClock(), 0)).toThrow(/time scale 0/);
  });
});

describe('MQTT keep-alive on accelerated device time', () => {
  it('announces the keep-alive in wall time and still pings every keep-alive of device time', async () => {
    const wall = new VirtualClock();
    const device = new ScaledClock(wall, 60);
    const k = mqttKeepAlive(device, 1200);
    expect(k.keepalive).toBe(20);
    // mqtt.js arms keepalive/2 in ms; the stretched timer brings it back to 600 s of device time.
    const at: number[] = [];
    const start = device.monotonic();
    const id = k.timerVariant.set(() => at.push(device.monotonic() - start), k.keepalive * 500);
    await wall.advance(20_000);
    k.timerVariant.clear(id);
    expect(at).toEqual([600_000, 1_200_000]);
  });

  it('leaves wall time, virtual time and a disabled keep-alive as they are', () => {
    expect(mqttKeepAlive(new VirtualClock(), 60).keepalive).toBe(60);
    expect(wireKeepAliveSeconds(new ScaledClock(new VirtualClock(), 60), 0)).toBe(0);
    expect(wireKeepAliveSeconds(new ScaledClock(new VirtualClock(), 1000), 60)).toBe(1);
    expect(wireKeepAliveSeconds(new ScaledClock(new VirtualClock(), 7), 60)).toBe(9);
  });
});
