import { systemClock } from '../../core/clock.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CertificateAuthority } from '../../broker-fixtures/index.js';
import {
  closed,
  connectClient,
  createObserver,
  createThing,
  nextMessages,
  startStandIn,
  type StandIn,
  type ThingCredentials,
} from './broker-helpers.js';

let s: StandIn;
let a: ThingCredentials;
let b: ThingCredentials;

beforeAll(async () => {
  s = await startStandIn();
  a = await createThing(s.fixtures, 'thing-a');
  b = await createThing(s.fixtures, 'thing-b');
});
afterAll(() => s.stop());

describe('identity and policies', () => {
  it("thing A cannot publish to thing B's shadow: the connection is closed and B's shadow is untouched", async () => {
    const c = await connectClient(s.fixtures, a, 'thing-a');
    const gone = closed(c);
    c.publish('$aws/things/thing-b/shadow/update', JSON.stringify({ state: { desired: { evil: true } } }), {
      qos: 1,
    });
    await gone;
    const res = await fetch(`${s.fixtures.endpoints.apiUrl}/things/thing-b/shadow`);
    expect(res.status).toBe(404);
  });

  it("thing A cannot subscribe to thing B's topics", async () => {
    const c = await connectClient(s.fixtures, a, 'thing-a');
    const gone = closed(c);
    c.subscribe('$aws/things/thing-b/shadow/update/delta', { qos: 1 });
    await gone;
    expect(s.fixtures.log.recent({ type: 'subscribe-refused', clientId: 'thing-a' }).at(-1)?.detail).toMatch(
      /iot:Subscribe/,
    );
  });

  it("a thing cannot connect with another thing's client id", async () => {
    await expect(connectClient(s.fixtures, a, 'thing-b')).rejects.toThrow();
  });

  it('an unknown certificate from a foreign CA cannot connect', async () => {
    const rogue = await CertificateAuthority.create('rogue CA', systemClock);
    const issued = await rogue.issue({ commonName: 'thing-a' });
    await expect(
      connectClient(s.fixtures, { cert: issued.certificatePem, key: issued.privateKeyPem! }, 'thing-a'),
    ).rejects.toThrow();
    const unregistered = await s.fixtures.ca.issue({ commonName: 'thing-a' });
    await expect(
      connectClient(
        s.fixtures,
        { cert: unregistered.certificatePem, key: unregistered.privateKeyPem! },
        'thing-a',
      ),
    ).rejects.toThrow();
    expect(s.fixtures.log.recent({ type: 'connect-refused' }).at(-1)?.detail).toMatch(/not registered/);
  });

  it('revoking a certificate drops its live connection and refuses the next one', async () => {
    const t = await createThing(s.fixtures, 'thing-r');
    const c = await connectClient(s.fixtures, t, 'thing-r');
    const gone = closed(c);
    const res = await fetch(`${s.fixtures.endpoints.apiUrl}/certificates/${t.certificateId}`, {
      method: 'PATCH',
      body: JSON.stringify({ status: 'REVOKED' }),
    });
    expect(res.status).toBe(200);
    c.publish('thing-r/data', 'x', { qos: 1 });
    await gone;
    await expect(connectClient(s.fixtures, t, 'thing-r')).rejects.toThrow();
    expect(s.fixtures.log.recent({ type: 'connect-refused' }).at(-1)?.detail).toMatch(/REVOKED/);
  });
});

describe('AWS broker limits where aedes differs (§3.12)', () => {
  it('more than 8 filters in one SUBSCRIBE closes the connection without SUBACK', async () => {
    const o = await createObserver(s.fixtures, 'obs-filters');
    const c = await connectClient(s.fixtures, o, 'obs-filters');
    const gone = closed(c);
    let subacked = false;
    c.subscribe(
      Array.from({ length: 9 }, (_, i) => `f/${i}`),
      { qos: 1 },
      () => (subacked = true),
    );
    await gone;
    expect(subacked).toBe(false);
    const ok = await connectClient(s.fixtures, o, 'obs-filters');
    const granted = await ok.subscribeAsync(
      Array.from({ length: 8 }, (_, i) => `f/${i}`),
      { qos: 1 },
    );
    expect(granted.map((g) => g.qos)).toEqual(Array(8).fill(1));
    await ok.endAsync();
  });

  it('QoS 2 subscriptions, 8-level+ topics and payloads over 128 KB close the connection', async () => {
    const o = await createObserver(s.fixtures, 'obs-limits');
    const c1 = await connectClient(s.fixtures, o, 'obs-limits');
    const g1 = closed(c1);
    c1.subscribe('q/2', { qos: 2 });
    await g1;
    const c2 = await connectClient(s.fixtures, o, 'obs-limits');
    const g2 = closed(c2);
    c2.publish('a/b/c/d/e/f/g/h/i', 'deep', { qos: 1 });
    await g2;
    const c3 = await connectClient(s.fixtures, o, 'obs-limits');
    const g3 = closed(c3);
    c3.publish('obs-limits/big', Buffer.alloc(128 * 1024 + 1), { qos: 1 });
    await g3;
    const c4 = await connectClient(s.fixtures, o, 'obs-limits');
    await c4.publishAsync('obs-limits/max', Buffer.alloc(128 * 1024), { qos: 1 });
    expect(c4.connected).toBe(true);
    await c4.endAsync();
  });

  it('a/# does not receive messages on a; retained messages go to exact filters only', async () => {
    const o = await createObserver(s.fixtures, 'obs-match');
    const sub = await connectClient(s.fixtures, o, 'obs-match');
    await sub.subscribeAsync('m/#', { qos: 1 });
    const got = nextMessages(sub, '#', 1);
    await sub.publishAsync('m', 'parent', { qos: 1 });
    await sub.publishAsync('m/child', 'child', { qos: 1 });
    expect((await got).map((m) => m.topic)).toEqual(['m/child']);
    // The same with a wildcard before the `#` (as `.../jobs/+/update/#` subscriptions are).
    await sub.subscribeAsync('w/+/update/#', { qos: 1 });
    const gotW = nextMessages(sub, 'w/#', 1);
    await sub.publishAsync('w/j1/update', 'parent', { qos: 1 });
    await sub.publishAsync('w/j1/update/accepted', 'child', { qos: 1 });
    expect((await gotW).map((m) => m.topic)).toEqual(['w/j1/update/accepted']);

    await sub.publishAsync('r/state', 'kept', { qos: 1, retain: true });
    const other = await connectClient(
      s.fixtures,
      await createObserver(s.fixtures, 'obs-retain'),
      'obs-retain',
    );
    // A wildcard subscription gets no retained message, the exact one gets it once (with RETAIN).
    const seen = nextMessages(other, 'r/state', 2, 500).catch((err: Error) => err.message);
    await other.subscribeAsync('r/+', { qos: 1 });
    await other.subscribeAsync('r/state', { qos: 1 });
    expect(await seen).toBe(
      'only 1 of 2 messages on r/state: [{"topic":"r/state","payload":"kept","retain":true}]',
    );
    await sub.endAsync();
    await other.endAsync();
  });

  it('duplicate client id: the newer connection takes over', async () => {
    const first = await connectClient(s.fixtures, b, 'thing-b');
    const gone = closed(first);
    const second = await connectClient(s.fixtures, b, 'thing-b');
    await gone;
    expect(second.connected).toBe(true);
    await second.endAsync();
  });
});
