import diagnostics from 'node:diagnostics_channel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.js';
import { ScaledClock } from '../../core/scaled-clock.js';
import { Device } from '../../firmware/device.js';
import { buildAppImage } from '../../firmware/image/app-image.js';
import { createThing, putThingCredentials, startStandIn, type StandIn } from './broker-helpers.js';
import { nextApp } from '../helpers/app-events.js';

const TAG = 45;
let s: StandIn;
beforeAll(async () => {
  s = await startStandIn();
});
afterAll(() => s.stop());

describe('accelerated device time (--time-scale)', () => {
  it('at time scale 60 a device enters PSM and does its periodic TAU in a fraction of the wall time, its MQTT session staying up', async () => {
    const thing = 'psm-scaled';
    const creds = await createThing(s.fixtures, thing);
    const clock = new ScaledClock(systemClock, 60);
    const device = await Device.boot({ name: thing, clock });
    const appEvents: string[] = [];
    device.on('app', (event) => appEvents.push(event));
    const announced: number[] = [];
    const onConnect = (m: unknown): void => {
      const msg = m as { clientId: string; keepalive: number };
      if (msg.clientId === thing) announced.push(msg.keepalive);
    };
    diagnostics.subscribe('nrf91sim:mqtt:connect', onConnect);
    try {
      await putThingCredentials(device.modem, TAG, s.fixtures.ca.certificatePem, creds);
      const { endpoint, mqttPort } = s.fixtures.endpoints;
      // T3412 1 min (Timer 3 unit 101 = 1 min), T3324 2 s: PSM for 58 s between TAUs.
      const config = {
        endpoint,
        port: mqttPort,
        secTag: TAG,
        clientId: thing,
        appTopics: [`${thing}/in`],
        publicationIntervalS: 86_400,
        keepaliveS: 1200,
        psm: { periodicTau: '10100001', activeTime: '00000001' },
      };
      const ready = nextApp(device, 'ready');
      await device.control.program(buildAppImage({ app: 'aws_iot', version: '1.0.0', config }));
      const network = device.modem.network;
      const psmEntries: number[] = [];
      let tauConnections = 0;
      network.on('sleep', (state) => {
        if (state === 'psm') psmEntries.push(clock.monotonic());
      });
      network.on('rrc', (state) => {
        if (state === 'connected' && psmEntries.length > 0) tauConnections++;
      });
      await ready;
      expect(network.powerSaving.psmTimers).toEqual({ activeS: 2, tauS: 60 });

      const wallStart = systemClock.monotonic();
      const deviceStart = clock.monotonic();
      await new Promise<void>((resolve) => {
        network.on('sleep', () => {
          if (psmEntries.length >= 4) resolve();
        });
      });
      const wallMs = systemClock.monotonic() - wallStart;
      const deviceMs = clock.monotonic() - deviceStart;

      // Each cycle: the TAU's 1 s radio connection, 2 s of Active-Time, 58 s in PSM (device time).
      const cycles = psmEntries.slice(1).map((t, i) => t - (psmEntries[i] ?? 0));
      for (const cycle of cycles.slice(-2)) {
        expect(cycle).toBeGreaterThanOrEqual(60_000);
        // Event-loop lag on a loaded machine is stretched 60 times in device time: a generous bound.
        expect(cycle).toBeLessThan(180_000);
      }
      expect(tauConnections).toBeGreaterThanOrEqual(3);
      // Three minutes of device life; at time scale 60 about three seconds of wall time.
      expect(deviceMs).toBeGreaterThan(120_000);
      expect(wallMs).toBeLessThan(deviceMs / 10);

      // The MQTT session stayed up through the sleeps: one connection, no disconnect either side.
      expect(appEvents.filter((e) => e === 'disconnected')).toEqual([]);
      const log = s.fixtures.log.recent({ clientId: thing }).map((e) => e.type);
      expect(log.filter((t) => t === 'connected')).toHaveLength(1);
      expect(log).not.toContain('disconnected');
      // CONNECT announced the keep-alive in wall time: 1200 s of device time / 60.
      expect(announced).toEqual([20]);
    } finally {
      diagnostics.unsubscribe('nrf91sim:mqtt:connect', onConnect);
      await device.close();
    }
  }, 60_000);
});
