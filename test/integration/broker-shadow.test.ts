import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectClient,
  createThing,
  nextMessages,
  startStandIn,
  type StandIn,
  type ThingCredentials,
} from './broker-helpers.js';

let s: StandIn;
let a: ThingCredentials;

beforeAll(async () => {
  s = await startStandIn();
  a = await createThing(s.fixtures, 'shadow-thing');
});
afterAll(() => s.stop());

describe('Device Shadow over MQTT with mutual TLS', () => {
  it('update → accepted, delta, documents; get → accepted with delta; delete → accepted; get → 404', async () => {
    const c = await connectClient(s.fixtures, a, 'shadow-thing');
    const p = '$aws/things/shadow-thing/shadow';
    await c.subscribeAsync([`${p}/update/+`, `${p}/get/+`, `${p}/delete/+`], { qos: 1 });

    const upd = nextMessages(c, `${p}/update/+`, 3);
    await c.publishAsync(
      `${p}/update`,
      JSON.stringify({ state: { desired: { led: 'on' } }, clientToken: 'u1' }),
      { qos: 1 },
    );
    const [accepted, delta, documents] = await upd;
    expect(accepted!.topic).toBe(`${p}/update/accepted`);
    expect(JSON.parse(accepted!.payload)).toMatchObject({
      state: { desired: { led: 'on' } },
      version: 1,
      clientToken: 'u1',
    });
    expect(delta!.topic).toBe(`${p}/update/delta`);
    expect(JSON.parse(delta!.payload)).toMatchObject({ state: { led: 'on' }, version: 1, clientToken: 'u1' });
    expect(documents!.topic).toBe(`${p}/update/documents`);
    expect(JSON.parse(documents!.payload)).toMatchObject({
      previous: null,
      current: { version: 1 },
      clientToken: 'u1',
    });

    const get = nextMessages(c, `${p}/get/+`, 1);
    await c.publishAsync(`${p}/get`, JSON.stringify({ clientToken: 'g1' }), { qos: 1 });
    const [got] = await get;
    expect(got!.topic).toBe(`${p}/get/accepted`);
    expect(JSON.parse(got!.payload)).toMatchObject({
      state: { desired: { led: 'on' }, delta: { led: 'on' } },
      version: 1,
      clientToken: 'g1',
    });

    const del = nextMessages(c, `${p}/delete/+`, 1);
    await c.publishAsync(`${p}/delete`, '', { qos: 1 });
    const [deleted] = await del;
    expect(deleted!.topic).toBe(`${p}/delete/accepted`);
    expect(JSON.parse(deleted!.payload)).toMatchObject({ version: 1 });

    const get2 = nextMessages(c, `${p}/get/+`, 1);
    await c.publishAsync(`${p}/get`, JSON.stringify({ clientToken: 'g2' }), { qos: 1 });
    const [missing] = await get2;
    expect(missing!.topic).toBe(`${p}/get/rejected`);
    expect(JSON.parse(missing!.payload)).toMatchObject({
      code: 404,
      message: "No shadow exists with name: 'shadow-thing'",
      clientToken: 'g2',
    });

    // §1.5: re-created within 48 h, the version continues.
    const again = nextMessages(c, `${p}/update/accepted`, 1);
    await c.publishAsync(`${p}/update`, JSON.stringify({ state: { reported: { led: 'off' } } }), { qos: 1 });
    expect(JSON.parse((await again)[0]!.payload)).toMatchObject({ version: 2 });
    await c.endAsync();
  });

  it('bad JSON and a version conflict are rejected with AWS codes; the connection stays up', async () => {
    const c = await connectClient(s.fixtures, a, 'shadow-thing');
    const p = '$aws/things/shadow-thing/shadow/name/config';
    await c.subscribeAsync(`${p}/update/+`, { qos: 1 });
    const bad = nextMessages(c, `${p}/update/rejected`, 1);
    await c.publishAsync(`${p}/update`, '{"state": {', { qos: 1 });
    expect(JSON.parse((await bad)[0]!.payload)).toMatchObject({ code: 400, message: 'Invalid JSON' });

    const ok = nextMessages(c, `${p}/update/accepted`, 1);
    await c.publishAsync(`${p}/update`, JSON.stringify({ state: { reported: { interval: 60 } } }), {
      qos: 1,
    });
    expect(JSON.parse((await ok)[0]!.payload)).toMatchObject({ version: 1 });

    const conflict = nextMessages(c, `${p}/update/rejected`, 1);
    await c.publishAsync(
      `${p}/update`,
      JSON.stringify({ state: { reported: { interval: 30 } }, version: 7, clientToken: 'c9' }),
      { qos: 1 },
    );
    expect(JSON.parse((await conflict)[0]!.payload)).toMatchObject({
      code: 409,
      message: 'Version conflict',
      clientToken: 'c9',
    });
    expect(c.connected).toBe(true);

    const big = nextMessages(c, `${p}/update/rejected`, 1);
    await c.publishAsync(`${p}/update`, JSON.stringify({ state: { reported: { blob: 'x'.repeat(9000) } } }), {
      qos: 1,
    });
    expect(JSON.parse((await big)[0]!.payload)).toMatchObject({ code: 413 });
    await c.endAsync();
  });

  it('a shadow changed through the console notifies the device like an MQTT update', async () => {
    const c = await connectClient(s.fixtures, a, 'shadow-thing');
    const p = '$aws/things/shadow-thing/shadow';
    await c.subscribeAsync(`${p}/update/delta`, { qos: 1 });
    const delta = nextMessages(c, `${p}/update/delta`, 1);
    const res = await fetch(`${s.fixtures.endpoints.apiUrl}/things/shadow-thing/shadow`, {
      method: 'POST',
      body: JSON.stringify({ state: { desired: { fw: '1.2.0' } } }),
    });
    expect(res.status).toBe(200);
    expect(JSON.parse((await delta)[0]!.payload)).toMatchObject({ state: { fw: '1.2.0' } });

    const conflict = await fetch(`${s.fixtures.endpoints.apiUrl}/things/shadow-thing/shadow`, {
      method: 'POST',
      body: JSON.stringify({ state: { desired: { fw: '1.3.0' } }, version: 1 }),
    });
    expect(conflict.status).toBe(409);
    expect(await conflict.json()).toMatchObject({ code: 409, message: 'Version conflict' });
    await c.endAsync();
  });
});
