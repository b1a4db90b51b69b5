import { systemClock } from '../../core/clock.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Device } from '../../firmware/device.js';
import { buildAppImage } from '../../firmware/image/app-image.js';
import { createThing, putThingCredentials, startStandIn, type StandIn } from './broker-helpers.js';

const TAG = 63;
let s: StandIn;
const cleanup: Array<() => Promise<void>> = [];
beforeAll(async () => {
  s = await startStandIn();
});
afterAll(() => s.stop());
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** The device's `app` events, and a wait for the next one matching. */
function appEvents(device: Device) {
  const events: Array<[string, Record<string, unknown>]> = [];
  device.on('app', (event, detail) => events.push([event, detail]));
  const until = async (name: string, match: Record<string, unknown> = {}, from = 0) => {
    await expect
      .poll(
        () =>
          events
            .slice(from)
            .some(([e, d]) => e === name && Object.entries(match).every(([k, v]) => d[k] === v)),
        { timeout: 10_000 },
      )
      .toBe(true);
  };
  return { events, until };
}

async function shadowDevice(thing: string, extra: Record<string, unknown> = {}) {
  const creds = await createThing(s.fixtures, thing);
  const device = await Device.boot({ clock: systemClock, name: thing });
  cleanup.push(() => device.close());
  await putThingCredentials(device.modem, TAG, s.fixtures.ca.certificatePem, creds);
  const rec = appEvents(device);
  const { endpoint, mqttPort } = s.fixtures.endpoints;
  const config = { endpoint, port: mqttPort, secTag: TAG, clientId: thing, ...extra };
  await device.control.program(buildAppImage({ app: 'freertos_shadow', version: '1.0.0', config }));
  return { device, ...rec };
}

const shadow = async (thing: string) =>
  (await s.fixtures.console.dispatch({ method: 'GET', url: `/things/${thing}/shadow` })).body as {
    state: { reported?: Record<string, unknown>; desired?: Record<string, unknown>; delta?: unknown };
  };

const desire = (thing: string, powerOn: number) =>
  s.fixtures.console.dispatch({
    method: 'POST',
    url: `/things/${thing}/shadow`,
    body: { state: { desired: { powerOn } } },
  });

describe('the freertos_shadow demo application', () => {
  it('reports powerOn, follows a desired change through the delta callback and reports it back', async () => {
    const thing = 'demo-follow';
    const { events, until } = await shadowDevice(thing);
    await until('reported', { powerOn: 0, code: 0 });
    expect((await shadow(thing)).state.reported).toEqual({ powerOn: 0 });

    const from = events.length;
    expect((await desire(thing, 1)).status).toBe(200);
    await until('reported', { powerOn: 1, code: 0 }, from);
    expect(events.slice(from).map(([e]) => e)).toEqual(expect.arrayContaining(['delta', 'reported']));
    const after = await shadow(thing);
    expect(after.state.reported).toEqual({ powerOn: 1 });
    expect(after.state.delta).toBeUndefined();
  });

  it('takes a desired state set while it was away, and reconnects (callbacks again) when the network drops', async () => {
    const thing = 'demo-catchup';
    expect((await desire(thing, 1)).status).toBe(200);
    const { device, events, until } = await shadowDevice(thing, { connectionRetryTimeoutS: 1 });
    await until('reported', { powerOn: 1, code: 0 });

    const from = events.length;
    device.modem.control.dropPdn();
    await until('disconnected', {}, from);
    await until('connected', {}, from);
    await until('reported', { powerOn: 1, code: 0 }, from);
    const again = events.length;
    expect((await desire(thing, 0)).status).toBe(200);
    await until('reported', { powerOn: 0, code: 0 }, again);
    expect((await shadow(thing)).state.reported).toEqual({ powerOn: 0 });
  });

  it('reports a configuration it cannot use instead of running', async () => {
    const device = await Device.boot({ clock: systemClock, name: 'demo-misconfigured' });
    cleanup.push(() => device.close());
    const { until } = appEvents(device);
    await device.control.program(
      buildAppImage({ app: 'freertos_shadow', version: '1.0.0', config: { secTag: 1 } }),
    );
    await until('config-error');
  });
});
