import { afterEach, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { makeBundle } from '../../broker-fixtures/index.js';
import { nextMessage, onboardAndConnect, startNrfCloud, type NrfCloudHarness } from './nrfcloud-helpers.js';

async function rest(h: NrfCloudHarness, method: string, path: string, body?: unknown): Promise<number> {
  const res = await fetch(`${h.nrf.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${h.nrf.apiKey}` },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  await res.arrayBuffer();
  return res.status;
}

describe('nRF Cloud stand-in: shadow topics of every generation', () => {
  let h: NrfCloudHarness | undefined;
  const clients: MqttClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.end(true);
    await h?.stop();
    h = undefined;
  });

  it('answers the v1.x get on both accepted topics and the v2.x trimmed get, without metadata where trimmed', async () => {
    h = await startNrfCloud();
    const id = 'nrf-352656100000050';
    const { client } = await onboardAndConnect(h, id);
    clients.push(client);
    await client.subscribeAsync(
      [
        `${id}/shadow/get/accepted`,
        `$aws/things/${id}/shadow/get/accepted`,
        `${id}/shadow/get/accepted/trim`,
      ],
      { qos: 1 },
    );
    const trimmed = nextMessage(client, `${id}/shadow/get/accepted`);
    const full = nextMessage(client, `$aws/things/${id}/shadow/get/accepted`);
    await client.publishAsync(`$aws/things/${id}/shadow/get`, '', { qos: 1 });
    const t = JSON.parse(await trimmed) as Record<string, unknown>;
    expect(t).toMatchObject({ state: { desired: { pairing: { state: 'not_associated' } } } });
    expect(t.metadata).toBeUndefined();
    expect(JSON.parse(await full)).toMatchObject({
      state: { desired: { pairing: { state: 'not_associated' } } },
      metadata: { desired: {} },
    });
    const v2 = nextMessage(client, `${id}/shadow/get/accepted/trim`);
    await client.publishAsync(`${id}/shadow/get/trim`, '', { qos: 1 });
    expect(JSON.parse(await v2)).toMatchObject({
      state: { desired: { pairing: { state: 'not_associated' } } },
    });
  });

  it('sends disassociation as a delta, a too-large delta to /err, and transform errors on accepted/tf', async () => {
    h = await startNrfCloud();
    const id = 'nrf-352656100000051';
    const { client } = await onboardAndConnect(h, id);
    clients.push(client);
    await client.subscribeAsync(
      [
        `${id}/shadow/update/delta/trim`,
        `${id}/shadow/update/delta/trim/err`,
        `${id}/shadow/get/accepted/tf`,
        `${id}/shadow/get/rejected`,
      ],
      { qos: 1 },
    );
    expect(await rest(h, 'PUT', `/v1/association/${id}`)).toBe(204);
    const p = h.nrf.topicPrefix;
    await client.publishAsync(
      `${id}/shadow/update`,
      JSON.stringify({
        state: {
          reported: {
            nrfcloud_mqtt_topic_prefix: p,
            pairing: { state: 'paired', topics: { d2c: `${p}m/d/${id}/d2c`, c2d: `${p}m/d/${id}/c2d` } },
          },
        },
      }),
      { qos: 1 },
    );
    const away = nextMessage(client, `${id}/shadow/update/delta/trim`);
    expect(await rest(h, 'DELETE', `/v1/association/${id}`)).toBe(204);
    expect((JSON.parse(await away) as { state: unknown }).state).toEqual({
      pairing: { state: 'not_associated' },
    });

    const big = nextMessage(client, `${id}/shadow/update/delta/trim/err`);
    expect(
      await rest(h, 'PATCH', `/v1/devices/${id}/state`, { desired: { config: { blob: 'x'.repeat(2000) } } }),
    ).toBe(202);
    expect(JSON.parse(await big)).toMatchObject({ code: 413 });

    const bad = nextMessage(client, `${id}/shadow/get/accepted/tf`);
    await client.publishAsync(`${id}/shadow/get/tf`, JSON.stringify({ t: '$keys(state)' }), { qos: 1 });
    expect(JSON.parse(await bad)).toMatchObject({ err: { code: 400 } });
    const tooLong = nextMessage(client, `${id}/shadow/get/accepted/tf`);
    await client.publishAsync(`${id}/shadow/get/tf`, JSON.stringify({ t: 'state.desired', l: 20 }), {
      qos: 1,
    });
    expect(JSON.parse(await tooLong)).toMatchObject({ err: { code: 413 } });
    const ok = nextMessage(client, `${id}/shadow/get/accepted/tf`);
    await client.publishAsync(
      `${id}/shadow/get/tf`,
      JSON.stringify({ t: '{"c": state.desired.config.blob}', l: 4000 }),
      { qos: 1 },
    );
    expect(JSON.parse(await ok)).toEqual({ tf: { c: 'x'.repeat(2000) } });

    const rejected = nextMessage(client, `${id}/shadow/get/rejected`);
    await client.publishAsync(`${id}/shadow/update`, '{"state": 5}', { qos: 1 });
    expect(JSON.parse(await rejected)).toMatchObject({ code: 400, message: 'State node must be an object' });
  });

  it('answers ["<jobId>"] on jobs/req with that job, as nRF Cloud’s device simulator asks', async () => {
    h = await startNrfCloud();
    const id = 'nrf-352656100000052';
    const { client } = await onboardAndConnect(h, id);
    clients.push(client);
    const p = h.nrf.topicPrefix;
    await client.publishAsync(
      `$aws/things/${id}/shadow/update`,
      JSON.stringify({ state: { reported: { device: { serviceInfo: { fota_v2: ['APP', 'MODEM'] } } } } }),
      { qos: 1 },
    );
    const nrf = h.fixtures.nrfCloud!;
    const bundle = await nrf.fota.firmwares.upload(makeBundle({ image: Buffer.alloc(10), version: '1.0.0' }));
    const job = await nrf.fota.create({ deviceIds: [id], bundleId: bundle.bundleId }, async () => true);
    await client.subscribeAsync(`${p}${id}/jobs/rcv`, { qos: 1 });
    const offered = nextMessage(client, `${p}${id}/jobs/rcv`);
    await client.publishAsync(`${p}${id}/jobs/req`, JSON.stringify([job.jobId]), { qos: 1 });
    expect((JSON.parse(await offered) as unknown[])[0]).toBe(job.jobId);
    await client.publishAsync(`${p}${id}/jobs/update`, JSON.stringify([job.jobId, 3, '']), { qos: 1 });
    expect((await nrf.fota.getExecution(id, job.jobId))?.status).toBe('SUCCEEDED');
  });

  it('takes garbage on every allowed topic without dropping the device, and keeps answering', async () => {
    h = await startNrfCloud();
    const id = 'nrf-352656100000053';
    const { client } = await onboardAndConnect(h, id);
    clients.push(client);
    const p = h.nrf.topicPrefix;
    await client.subscribeAsync(`${id}/shadow/get/accepted/tf`, { qos: 1 });
    const garbage = [
      '',
      'not json',
      '{',
      '[]',
      '[1,2,3]',
      '{"t":5}',
      '{"t":"(((","l":-1}',
      '\u0000\u00ff',
      'x'.repeat(5000),
    ];
    const topics = [
      `${p}${id}/jobs/update`,
      `${p}${id}/jobs/req`,
      `${p}m/d/${id}/d2c`,
      `${p}m/d/${id}/d2c/bulk`,
      `${id}/shadow/update`,
      `$aws/things/${id}/shadow/get`,
    ];
    for (const topic of topics) for (const g of garbage) await client.publishAsync(topic, g, { qos: 1 });
    for (const g of garbage.slice(0, 7)) {
      const answer = nextMessage(client, `${id}/shadow/get/accepted/tf`);
      await client.publishAsync(`${id}/shadow/get/tf`, g, { qos: 1 });
      expect(JSON.parse(await answer)).toHaveProperty('err');
    }
    expect(client.connected).toBe(true);
    const ok = nextMessage(client, `${id}/shadow/get/accepted/tf`);
    await client.publishAsync(`${id}/shadow/get/tf`, JSON.stringify({ t: 'state.desired.pairing.state' }), {
      qos: 1,
    });
    expect(JSON.parse(await ok)).toEqual({ tf: 'not_associated' });
  });
});
