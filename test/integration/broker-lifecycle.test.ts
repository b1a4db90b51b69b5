import { describe, expect, it } from 'vitest';
import {
  closed,
  connectClient,
  createObserver,
  createThing,
  nextMessages,
  startStandIn,
} from './broker-helpers.js';

describe('presence events (§3.8)', () => {
  it('publishes connected, subscribed and disconnected with the reason', async () => {
    const s = await startStandIn();
    try {
      const obs = await connectClient(s.fixtures, await createObserver(s.fixtures), 'observer');
      await obs.subscribeAsync(['$aws/events/presence/+/dev-p', '$aws/events/subscriptions/+/dev-p'], {
        qos: 1,
      });
      const t = await createThing(s.fixtures, 'dev-p');
      const events = nextMessages(obs, '$aws/events/#', 5);
      const c = await connectClient(s.fixtures, t, 'dev-p');
      await c.subscribeAsync('dev-p/cmd', { qos: 1 });
      const second = await connectClient(s.fixtures, t, 'dev-p');
      await closed(c);
      await second.endAsync();
      const got = (await events).map((e) => ({
        topic: e.topic,
        body: JSON.parse(e.payload) as Record<string, unknown>,
      }));
      expect(got.map((e) => e.topic)).toEqual([
        '$aws/events/presence/connected/dev-p',
        '$aws/events/subscriptions/subscribed/dev-p',
        '$aws/events/presence/disconnected/dev-p',
        '$aws/events/presence/connected/dev-p',
        '$aws/events/presence/disconnected/dev-p',
      ]);
      expect(got[0]!.body).toMatchObject({
        clientId: 'dev-p',
        eventType: 'connected',
        principalIdentifier: t.certificateId,
        ipAddress: '127.0.0.1',
        versionNumber: 0,
      });
      expect(got[1]!.body).toMatchObject({ eventType: 'subscribed', topics: ['dev-p/cmd'] });
      expect(got[2]!.body).toMatchObject({
        disconnectReason: 'DUPLICATE_CLIENTID',
        clientInitiatedDisconnect: false,
      });
      expect(got[4]!.body).toMatchObject({
        disconnectReason: 'CLIENT_INITIATED_DISCONNECT',
        clientInitiatedDisconnect: true,
        versionNumber: 1,
      });
      expect(typeof got[0]!.body.timestamp).toBe('number');
      await obs.endAsync();
    } finally {
      await s.stop();
    }
  });
});

describe('persistence across a restart', () => {
  it('keeps things, certificates, shadows (with version) and retained messages', async () => {
    const first = await startStandIn();
    const t = await createThing(first.fixtures, 'dev-keep');
    const c = await connectClient(first.fixtures, t, 'dev-keep');
    await c.subscribeAsync('$aws/things/dev-keep/shadow/update/accepted', { qos: 1 });
    const acc = nextMessages(c, '$aws/things/dev-keep/shadow/update/accepted', 2);
    await c.publishAsync(
      '$aws/things/dev-keep/shadow/update',
      JSON.stringify({ state: { reported: { n: 1 } } }),
      { qos: 1 },
    );
    await c.publishAsync(
      '$aws/things/dev-keep/shadow/update',
      JSON.stringify({ state: { reported: { n: 2 } } }),
      { qos: 1 },
    );
    await acc;
    const obs = await connectClient(first.fixtures, await createObserver(first.fixtures), 'observer');
    await obs.publishAsync('fleet/config', 'v7', { qos: 1, retain: true });
    await obs.endAsync();
    await c.endAsync();
    await first.stop(true);

    const second = await startStandIn({ stateDir: first.stateDir });
    try {
      const again = await connectClient(second.fixtures, t, 'dev-keep');
      await again.subscribeAsync('$aws/things/dev-keep/shadow/get/accepted', { qos: 1 });
      const got = nextMessages(again, '$aws/things/dev-keep/shadow/get/accepted', 1);
      await again.publishAsync('$aws/things/dev-keep/shadow/get', '', { qos: 1 });
      expect(JSON.parse((await got)[0]!.payload)).toMatchObject({
        state: { reported: { n: 2 } },
        version: 2,
      });
      await again.endAsync();
      const [o] = await second.fixtures.provisioning.provisionThings(['observer-2'], 'open');
      const obs2 = await connectClient(
        second.fixtures,
        { cert: o!.certificatePem, key: o!.privateKey! },
        'observer-2',
      );
      const retained = nextMessages(obs2, 'fleet/config', 1);
      await obs2.subscribeAsync('fleet/config', { qos: 1 });
      expect((await retained)[0]).toMatchObject({ payload: 'v7', retain: true });
      await obs2.endAsync();
    } finally {
      await second.stop();
    }
  });
});
