import type { MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ShadowClient, ShadowReturnCode, mqttagentREQUIRE_TLS } from '../../cloud-libs/freertos/index.js';
import { VirtualClock } from '../../core/clock.js';
import { Modem } from '../../modem/modem.js';
import { untilRegistered } from '../helpers/registered.js';
import {
  connectClient,
  createObserver,
  createThing,
  putThingCredentials,
  startStandIn,
  type StandIn,
} from './broker-helpers.js';

const TAG = 62;
let s: StandIn;
let observer: MqttClient;
const seen: Array<{ topic: string; payload: string }> = [];
const cleanup: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  s = await startStandIn();
  observer = await connectClient(
    s.fixtures,
    await createObserver(s.fixtures, 'shadow-observer'),
    'shadow-observer',
  );
  observer.on('message', (topic, payload) => seen.push({ topic, payload: payload.toString() }));
});
afterAll(async () => {
  await observer.endAsync();
  await s.stop();
});
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** A Shadow client connected as `thing` over the modem's TLS. */
async function shadowClient(thing: string) {
  const creds = await createThing(s.fixtures, thing);
  const clock = new VirtualClock();
  const modem = new Modem({ name: thing, clock });
  cleanup.push(() => modem.close());
  await putThingCredentials(modem, TAG, s.fixtures.ca.certificatePem, creds);
  await modem.channel().command('AT+CFUN=1');
  await untilRegistered(modem);
  const client = ShadowClient.create(modem);
  cleanup.push(() => void client.clientDelete());
  const rc = await client.connect(
    {
      url: s.fixtures.endpoints.endpoint,
      port: s.fixtures.endpoints.mqttPort,
      flags: mqttagentREQUIRE_TLS,
      clientId: thing,
      secTags: [TAG],
      userData: thing,
    },
    10_000,
  );
  expect(rc).toBe(ShadowReturnCode.eShadowSuccess);
  return { client, clock, modem };
}

const shadowConsole = (method: string, thing: string, body?: unknown) =>
  s.fixtures.console.dispatch({ method, url: `/things/${thing}/shadow`, ...(body ? { body } : {}) });

const doc = (state: unknown, token: string, extra: object = {}) =>
  JSON.stringify({ state, clientToken: token, ...extra });

const json = (b: Buffer | undefined): Record<string, unknown> =>
  JSON.parse(b ? b.toString() : 'null') as Record<string, unknown>;

describe('Shadow client against the stand-in Device Shadow service', () => {
  it('updates, gets and deletes; the updated and delta callbacks hear the changes', async () => {
    const thing = 'shadow-ops';
    const { client } = await shadowClient(thing);
    const updated: Array<Record<string, unknown>> = [];
    const deltas: Array<Record<string, unknown>> = [];
    const deleted: string[] = [];
    expect(
      await client.registerCallbacks(
        {
          thingName: thing,
          updated: (user, name, document) => {
            expect([user, name]).toEqual([thing, thing]);
            updated.push(json(document));
            return false;
          },
          delta: (_u, _n, document) => (deltas.push(json(document)), false),
          deleted: (_u, name) => void deleted.push(name),
        },
        5000,
      ),
    ).toBe(ShadowReturnCode.eShadowSuccess);

    const reported = doc({ reported: { powerOn: 0 } }, '000001');
    expect(await client.update({ thingName: thing, data: reported, qos: 1 }, 5000)).toBe(0);
    await expect.poll(() => updated.length).toBe(1);
    expect(updated[0]).toMatchObject({ previous: null, current: { state: { reported: { powerOn: 0 } } } });

    expect((await shadowConsole('POST', thing, { state: { desired: { powerOn: 1 } } })).status).toBe(200);
    await expect.poll(() => deltas.length).toBe(1);
    expect(deltas[0]).toMatchObject({ state: { powerOn: 1 }, version: 2 });

    const got = await client.get({ thingName: thing, qos: 1 }, 5000);
    expect(got.code).toBe(ShadowReturnCode.eShadowSuccess);
    expect(json(got.data)).toMatchObject({
      state: { desired: { powerOn: 1 }, reported: { powerOn: 0 }, delta: { powerOn: 1 } },
      version: 2,
    });
    expect(client.agent.buffersInUse).toBe(1);
    expect(got.buffer && client.returnBuffer(got.buffer)).toBe(ShadowReturnCode.eShadowSuccess);
    expect(client.agent.buffersInUse).toBe(0);

    // Its own delete does not reach the deleted callback; another client's does.
    expect(await client.delete({ thingName: thing, qos: 1 }, 5000)).toBe(ShadowReturnCode.eShadowSuccess);
    expect((await client.get({ thingName: thing, qos: 1 }, 5000)).code).toBe(404);
    expect(await client.update({ thingName: thing, data: reported, qos: 0 }, 5000)).toBe(0);
    expect((await shadowConsole('DELETE', thing)).status).toBe(200);
    await expect.poll(() => deleted).toEqual([thing]);
    expect(await client.disconnect()).toBe(ShadowReturnCode.eShadowSuccess);
  });

  it('passes a 409 version conflict and a 404 through as return codes', async () => {
    const thing = 'shadow-reject';
    const { client } = await shadowClient(thing);
    expect(await client.delete({ thingName: thing, qos: 1 }, 5000)).toBe(
      ShadowReturnCode.eShadowRejectedNotFound,
    );
    expect((await client.get({ thingName: thing, qos: 0 }, 5000)).code).toBe(404);
    expect(
      await client.update({ thingName: thing, data: doc({ reported: { a: 1 } }, 't1'), qos: 1 }, 5000),
    ).toBe(0);
    const stale = doc({ reported: { a: 2 } }, 't2', { version: 7 });
    expect(await client.update({ thingName: thing, data: stale, qos: 1 }, 5000)).toBe(
      ShadowReturnCode.eShadowRejectedConflict,
    );
    // No round trip has consequences after a rejection: the next call works.
    expect(
      await client.update({ thingName: thing, data: doc({ reported: { a: 3 } }, 't3'), qos: 1 }, 5000),
    ).toBe(0);
  });

  it('refuses a document over 8 KB with 413 without sending it', async () => {
    const thing = 'shadow-large';
    const { client } = await shadowClient(thing);
    await observer.subscribeAsync(`$aws/things/${thing}/shadow/update`, { qos: 1 });
    const big = doc({ reported: { blob: 'x'.repeat(8200) } }, 'big');
    expect(await client.update({ thingName: thing, data: big, qos: 1 }, 5000)).toBe(413);
    const fits = doc({ reported: { blob: 'x'.repeat(100) } }, 'fits');
    expect(await client.update({ thingName: thing, data: fits, qos: 1 }, 5000)).toBe(0);
    await expect.poll(() => seen.filter((m) => m.topic.endsWith(`${thing}/shadow/update`)).length).toBe(1);
    expect(
      seen
        .filter((m) => m.topic.endsWith(`${thing}/shadow/update`))
        .map((m) => json(Buffer.from(m.payload)).clientToken),
    ).toEqual(['fits']);
  });

  it('a timeout is not a rejection: an update without clientToken times out and was still applied', async () => {
    const thing = 'shadow-token';
    const { client, clock } = await shadowClient(thing);
    const rc = client.update(
      { thingName: thing, data: JSON.stringify({ state: { reported: { v: 9 } } }), qos: 1 },
      3000,
    );
    await expect.poll(async () => (await shadowConsole('GET', thing)).status).toBe(200);
    await clock.advance(3000);
    expect(await rc).toBe(ShadowReturnCode.eShadowTimeout);
    expect(((await shadowConsole('GET', thing)).body as { state: unknown }).state).toEqual({
      reported: { v: 9 },
    });
    // Bad JSON is rejected by the service without the token: a timeout too, not 400.
    const bad = client.update({ thingName: thing, data: '{"state": {"reported": ', qos: 1 }, 3000);
    await new Promise((r) => setTimeout(r, 100));
    await clock.advance(3000);
    expect(await bad).toBe(ShadowReturnCode.eShadowTimeout);
  });

  it('removes the per-operation subscriptions unless the operation keeps them', async () => {
    const thing = 'shadow-subs';
    const { client } = await shadowClient(thing);
    const events: Array<[string, string[]]> = [];
    observer.on('message', (topic, payload) => {
      const m = /^\$aws\/events\/subscriptions\/(\w+)\/shadow-subs$/.exec(topic);
      if (m?.[1]) events.push([m[1], (JSON.parse(payload.toString()) as { topics: string[] }).topics]);
    });
    await observer.subscribeAsync(`$aws/events/subscriptions/+/${thing}`, { qos: 1 });
    const base = `$aws/things/${thing}/shadow/update`;
    const update = (token: string, keepSubscriptions: boolean) =>
      client.update(
        { thingName: thing, data: doc({ reported: { n: token } }, token), qos: 1, keepSubscriptions },
        5000,
      );
    expect(await update('k1', true)).toBe(0);
    expect(await update('k2', false)).toBe(0);
    expect(await update('k3', false)).toBe(0);
    const expected: Array<[string, string[]]> = [
      ['subscribed', [`${base}/accepted`]],
      ['subscribed', [`${base}/rejected`]],
      // k2 found the subscriptions kept and removed them afterwards; k3 subscribed anew.
      ['unsubscribed', [`${base}/accepted`]],
      ['unsubscribed', [`${base}/rejected`]],
      ['subscribed', [`${base}/accepted`]],
      ['subscribed', [`${base}/rejected`]],
      ['unsubscribed', [`${base}/accepted`]],
      ['unsubscribed', [`${base}/rejected`]],
    ];
    await expect.poll(() => events.length).toBe(expected.length);
    expect(events).toEqual(expected);
  });
});
