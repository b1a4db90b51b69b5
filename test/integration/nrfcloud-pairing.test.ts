import { afterEach, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import {
  closed,
  connectNrf,
  nextMessage,
  onboardAndConnect,
  startNrfCloud,
  type NrfCloudHarness,
} from './nrfcloud-helpers.js';

const TRANSFORM =
  '{ "nrfcloud_mqtt_topic_prefix": state.desired.nrfcloud_mqtt_topic_prefix, "pairing": state.desired.pairing }';

async function rest(
  h: NrfCloudHarness,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${h.nrf.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${h.nrf.apiKey}`, 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** What NCS v3.x does after CONNACK: subscribe the control channel, ask for the pairing by transform. */
async function controlChannel(client: MqttClient, id: string): Promise<Record<string, unknown>> {
  await client.subscribeAsync(
    [
      `${id}/shadow/get/accepted/tf`,
      `${id}/shadow/get/rejected`,
      `${id}/shadow/update/delta/trim`,
      `${id}/shadow/update/delta/trim/err`,
    ],
    { qos: 1 },
  );
  const answer = nextMessage(client, `${id}/shadow/get/accepted/tf`);
  await client.publishAsync(`${id}/shadow/get/tf`, JSON.stringify({ t: TRANSFORM }), { qos: 1 });
  return JSON.parse(await answer) as Record<string, unknown>;
}

describe('nRF Cloud stand-in: association over MQTT and REST', () => {
  let h: NrfCloudHarness | undefined;
  const clients: MqttClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.end(true);
    await h?.stop();
    h = undefined;
  });

  it('walks a new device from not_associated to paired: transform, delta/trim on association, READY topics, reconnect paired', async () => {
    h = await startNrfCloud();
    const id = 'nrf-352656100000010';
    const { client, creds } = await onboardAndConnect(h, id);
    clients.push(client);
    expect(await controlChannel(client, id)).toEqual({ tf: { pairing: { state: 'not_associated' } } });
    await client.publishAsync(
      `${id}/shadow/update`,
      JSON.stringify({
        state: {
          reported: {
            pairing: { state: 'not_associated', topics: null, config: null },
            connection: { keepalive: null },
            nrfcloud_mqtt_topic_prefix: null,
          },
        },
      }),
      { qos: 1 },
    );
    expect((await rest(h, 'GET', `/v1/devices/${id}`)).body).toMatchObject({
      id,
      state: { reported: { pairing: { state: 'not_associated' } } },
    });

    const delta = nextMessage(client, `${id}/shadow/update/delta/trim`);
    expect((await rest(h, 'PUT', `/v1/association/${id}`)).status).toBe(204);
    const p = h.nrf.topicPrefix;
    const d = JSON.parse(await delta) as { state: Record<string, unknown>; metadata?: unknown };
    expect(d.metadata).toBeUndefined();
    expect(d.state).toEqual({
      nrfcloud_mqtt_topic_prefix: p,
      pairing: { state: 'paired', topics: { d2c: `${p}m/d/${id}/d2c`, c2d: `${p}m/d/${id}/c2d` } },
    });
    // The library reports the pairing with the c2d topic rewritten to …/+/r, desired aligned.
    await client.publishAsync(
      `${id}/shadow/update`,
      JSON.stringify({
        state: {
          reported: {
            pairing: { state: 'paired', topics: { d2c: `${p}m/d/${id}/d2c`, c2d: `${p}m/d/${id}/+/r` } },
            connection: { keepalive: 1200 },
            nrfcloud_mqtt_topic_prefix: p,
          },
          desired: { pairing: { topics: { c2d: `${p}m/d/${id}/+/r` } } },
        },
      }),
      { qos: 1 },
    );
    await client.subscribeAsync([`${p}m/d/${id}/+/r`, `${p}${id}/jobs/rcv`], { qos: 1 });
    await client.publishAsync(`${p}${id}/jobs/req`, '[""]', { qos: 1 });
    client.end(true);
    clients.pop();

    const again = await connectNrf(h, creds, id);
    clients.push(again);
    expect(await controlChannel(again, id)).toEqual({
      tf: {
        nrfcloud_mqtt_topic_prefix: p,
        pairing: { state: 'paired', topics: { d2c: `${p}m/d/${id}/d2c`, c2d: `${p}m/d/${id}/+/r` } },
      },
    });
  });

  it('stores d2c messages for GET /v1/messages, sends c2d from REST, and sends DISCON to a deleted device', async () => {
    h = await startNrfCloud();
    const id = 'nrf-352656100000011';
    const { client } = await onboardAndConnect(h, id);
    clients.push(client);
    await rest(h, 'PUT', `/v1/association/${id}`);
    const p = h.nrf.topicPrefix;
    await client.subscribeAsync(`${p}m/d/${id}/+/r`, { qos: 1 });
    const ts = Date.now();
    await client.publishAsync(
      `${p}m/d/${id}/d2c`,
      JSON.stringify({ appId: 'TEMP', data: '24.3', messageType: 'DATA', ts }),
      { qos: 1 },
    );
    await client.publishAsync(
      `${p}m/d/${id}/d2c/bulk`,
      JSON.stringify([
        { appId: 'BUTTON', data: '1', messageType: 'DATA' },
        { appId: 'FLIP', data: 'NORMAL', messageType: 'DATA' },
      ]),
      { qos: 1 },
    );
    const page = (await rest(h, 'GET', `/v1/messages?deviceId=${id}&pageLimit=2`)).body as {
      items: Array<{ message: { appId: string } }>;
      total: number;
      pageNextToken?: string;
    };
    expect(page.total).toBe(3);
    expect(page.items.map((m) => m.message.appId)).toEqual(['FLIP', 'BUTTON']);
    const next = (
      await rest(h, 'GET', `/v1/messages?deviceId=${id}&pageLimit=2&pageNextToken=${page.pageNextToken}`)
    ).body as { items: Array<{ message: unknown; ts?: number }> };
    expect(next.items).toEqual([
      expect.objectContaining({ ts, message: { appId: 'TEMP', data: '24.3', messageType: 'DATA', ts } }),
    ]);

    const c2d = nextMessage(client, `${p}m/d/${id}/c2d/r`);
    expect(
      (await rest(h, 'POST', `/v1/devices/${id}/messages`, { appId: 'LED', messageType: 'CMD', data: 'on' }))
        .status,
    ).toBe(202);
    expect(JSON.parse(await c2d)).toEqual({ appId: 'LED', messageType: 'CMD', data: 'on' });

    const discon = nextMessage(client, `${p}m/d/${id}/c2d/r`);
    const gone = closed(client);
    expect((await rest(h, 'DELETE', `/v1/devices/${id}`)).status).toBe(202);
    expect(JSON.parse(await discon)).toEqual({ appId: 'DEVICE', messageType: 'DISCON' });
    await gone;
    expect((await rest(h, 'GET', `/v1/devices/${id}`)).status).toBe(404);
  });
});
