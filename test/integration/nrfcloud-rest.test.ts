import { afterEach, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { makeBundle } from '../../broker-fixtures/index.js';
import { createLocalCa, issueDeviceCertificate } from '../../modem/credentials/local-ca.js';
import {
  connectNrf,
  deviceCredentials,
  nextMessage,
  onboardAndConnect,
  startNrfCloud,
  type NrfCloudHarness,
} from './nrfcloud-helpers.js';

interface Reply {
  status: number;
  body: Record<string, unknown> & { items?: Array<Record<string, unknown>>; code?: number; message?: string };
}

async function api(
  h: NrfCloudHarness,
  method: string,
  path: string,
  options: { body?: string; key?: string | null; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const key = options.key === undefined ? h.nrf.apiKey : options.key;
  const res = await fetch(`${h.nrf.apiUrl}${path}`, {
    method,
    headers: { ...(key !== null ? { authorization: `Bearer ${key}` } : {}), ...options.headers },
    ...(options.body !== undefined ? { body: options.body } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Reply['body']) : {} };
}

describe('nRF Cloud stand-in: REST API', () => {
  let h: NrfCloudHarness | undefined;
  const clients: MqttClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.end(true);
    await h?.stop();
    h = undefined;
  });

  it('answers 401 without the API key, 404 for an unknown device, 400 for bad JSON, and stores nothing then', async () => {
    h = await startNrfCloud();
    expect(await api(h, 'GET', '/v1/account', { key: null })).toEqual({
      status: 401,
      body: { code: 40100, message: 'Unauthorized' },
    });
    expect((await api(h, 'GET', '/v1/account', { key: 'wrong' })).status).toBe(401);
    const openapi = await api(h, 'GET', '/v1/openapi.json', { key: null });
    expect(openapi.status).toBe(200);
    expect(Object.keys(openapi.body.paths as object)).toEqual(
      expect.arrayContaining(['/v1/devices/{id}', '/v1/fota-jobs', '/v1/messages']),
    );
    expect(await api(h, 'GET', '/v1/account')).toEqual({
      status: 200,
      body: {
        mqttEndpoint: 'mqtt.nrfcloud.com',
        mqttMessagesTopicPrefix: `${h.nrf.topicPrefix}m/`,
        mqttTopicPrefix: h.nrf.topicPrefix,
        team: { tenantId: h.nrf.tenantId, name: 'nrf91sim team' },
      },
    });
    expect(await api(h, 'GET', '/v1/devices/nrf-404')).toMatchObject({ status: 404, body: { code: 40410 } });
    const id = 'nrf-352656100000030';
    const { client } = await onboardAndConnect(h, id);
    clients.push(client);
    const before = (await api(h, 'GET', `/v1/devices/${id}`)).body.state as { version: number };
    const bad = await api(h, 'PATCH', `/v1/devices/${id}/state`, { body: '{"desired": {' });
    expect(bad).toMatchObject({ status: 400, body: { code: 40000 } });
    expect(await api(h, 'PATCH', `/v1/devices/${id}/state`, { body: '[1]' })).toMatchObject({ status: 400 });
    expect(await api(h, 'POST', '/v1/fota-jobs', { body: '{"deviceIdentifiers":' })).toMatchObject({
      status: 400,
    });
    expect(((await api(h, 'GET', `/v1/devices/${id}`)).body.state as { version: number }).version).toBe(
      before.version,
    );
    expect((await api(h, 'GET', '/v1/fota-jobs')).body.total).toBe(0);
    expect(await api(h, 'PUT', '/v1/association/nrf-404')).toMatchObject({
      status: 404,
      body: { code: 40410 },
    });
    expect(await api(h, 'POST', '/v1/firmwares', { body: 'not a zip!' })).toMatchObject({ status: 400 });
    expect((await api(h, 'GET', '/v1/firmwares')).body.total).toBe(0);
  });

  it('lists devices with pageLimit, pageNextToken, deviceIds, deviceNameFuzzy and includeState; PATCHes state with If-Match', async () => {
    h = await startNrfCloud();
    const ids = ['nrf-352656100000031', 'nrf-352656100000032', 'nrf-352656100000033'];
    for (const id of ids) {
      const { cert } = await deviceCredentials(h.stateDir, id);
      expect(
        (
          await api(h, 'POST', `/v1/devices/${id}`, {
            body: JSON.stringify({ certificate: cert, name: id.endsWith('2') ? 'kitchen' : id }),
          })
        ).status,
      ).toBe(202);
    }
    const first = await api(h, 'GET', '/v1/devices?pageLimit=2');
    expect(first.body.items!.map((d) => d.id)).toEqual(ids.slice(0, 2));
    expect(first.body.total).toBe(3);
    expect(first.body.items![0]!.state).toBeUndefined();
    const second = await api(
      h,
      'GET',
      `/v1/devices?pageLimit=2&pageNextToken=${first.body.pageNextToken as string}&includeState=true`,
    );
    expect(second.body.items!.map((d) => d.id)).toEqual([ids[2]]);
    expect(second.body.items![0]!.state).toMatchObject({ desired: { pairing: { state: 'not_associated' } } });
    expect(
      (await api(h, 'GET', `/v1/devices?deviceIds=${ids[0]},${ids[2]}`)).body.items!.map((d) => d.id),
    ).toEqual([ids[0], ids[2]]);
    expect((await api(h, 'GET', '/v1/devices?deviceNameFuzzy=KITCH')).body.items!.map((d) => d.id)).toEqual([
      ids[1],
    ]);
    expect(await api(h, 'GET', '/v1/devices?pageLimit=0')).toMatchObject({ status: 400 });

    const id = ids[0]!;
    const version = Number(
      ((await api(h, 'GET', `/v1/devices/${id}`)).body.$meta as { version: string }).version,
    );
    const patch = JSON.stringify({ desired: { config: { interval: 60 } } });
    expect(
      (
        await api(h, 'PATCH', `/v1/devices/${id}/state`, {
          body: patch,
          headers: { 'if-match': String(version + 5) },
        })
      ).status,
    ).toBe(412);
    expect(
      (
        await api(h, 'PATCH', `/v1/devices/${id}/state`, {
          body: patch,
          headers: { 'if-match': String(version) },
        })
      ).status,
    ).toBe(202);
    expect((await api(h, 'GET', `/v1/devices/${id}`)).body.state).toMatchObject({
      desired: { config: { interval: 60 } },
      delta: { config: { interval: 60 } },
    });
  });

  it('onboards a certificate from another CA with POST /v1/devices/{id} (no JITP round) and provisions in bulk from CSV', async () => {
    h = await startNrfCloud();
    const own = await createLocalCa('my own CA', Date.now());
    const id = 'nrf-352656100000034';
    const creds = await issueDeviceCertificate(own, id, Date.now());
    expect(
      (await api(h, 'POST', `/v1/devices/${id}`, { body: JSON.stringify({ certificate: creds.certPem }) }))
        .status,
    ).toBe(202);
    expect(
      (await api(h, 'POST', `/v1/devices/${id}`, { body: JSON.stringify({ certificate: creds.certPem }) }))
        .status,
    ).toBe(409);
    const client = await connectNrf(h, { cert: creds.certPem, key: creds.keyPem }, id);
    clients.push(client);

    const a = await deviceCredentials(h.stateDir, 'nrf-352656100000035');
    const csv = `nrf-352656100000035,,lab:floor2,APP|MODEM,"${a.cert.trim()}"\nnrf-352656100000036,,,,"not a certificate"\n`;
    const accepted = await api(h, 'POST', '/v1/devices', {
      body: csv,
      headers: { 'content-type': 'text/csv' },
    });
    expect(accepted.status).toBe(202);
    const op = await api(h, 'GET', `/v1/bulk-ops-requests/${accepted.body.bulkOpsRequestId as string}`);
    expect(op.body).toMatchObject({
      status: 'FAILED',
      succeededDevices: ['nrf-352656100000035'],
      failedDevices: [{ deviceId: 'nrf-352656100000036' }],
    });
    expect((await api(h, 'GET', '/v1/devices/nrf-352656100000035')).body).toMatchObject({
      tags: ['lab', 'floor2'],
    });
    expect((await api(h, 'GET', '/v1/bulk-ops-requests/nope')).status).toBe(404);
  });

  it('gives the team an account device that sees every device message over MQTT', async () => {
    h = await startNrfCloud();
    const made = await api(h, 'POST', '/v1/devices/account');
    expect(made.status).toBe(201);
    const { clientId, clientCert, privateKey } = made.body as {
      clientId: string;
      clientCert: string;
      privateKey: string;
    };
    expect(clientId).toBe(`account-${h.nrf.tenantId}`);
    expect((await api(h, 'POST', '/v1/devices/account')).status).toBe(409);
    const account = await connectNrf(h, { cert: clientCert, key: privateKey }, clientId);
    clients.push(account);
    const p = h.nrf.topicPrefix;
    await account.subscribeAsync(`${p}m/#`, { qos: 1 });
    const id = 'nrf-352656100000037';
    const { client } = await onboardAndConnect(h, id);
    clients.push(client);
    await api(h, 'PUT', `/v1/association/${id}`);
    const seen = nextMessage(account, `${p}m/d/${id}/d2c`);
    await client.publishAsync(`${p}m/d/${id}/d2c`, '{"appId":"TEMP","data":"21.5","messageType":"DATA"}', {
      qos: 1,
    });
    expect(JSON.parse(await seen)).toEqual({ appId: 'TEMP', data: '21.5', messageType: 'DATA' });

    const team = (await api(h, 'POST', '/v1/devices/mqtt-team')).body as {
      clientId: string;
      clientCert: string;
      privateKey: string;
    };
    expect(team.clientId).toMatch(new RegExp(`^mqtt-team-${h.nrf.tenantId}-`));
    const teamClient = await connectNrf(h, { cert: team.clientCert, key: team.privateKey }, team.clientId);
    clients.push(teamClient);
    await teamClient.subscribeAsync(`${p}m/d/+/d2c`, { qos: 1 });
  });

  it('issues JITP credentials with POST /v1/devices/{id}/certificates, as the device simulator asks', async () => {
    h = await startNrfCloud();
    const id = 'nrf-352656100000039';
    const made = await fetch(`${h.nrf.apiUrl}/v1/devices/${id}/certificates`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.nrf.apiKey}`, 'content-type': 'text/plain' },
      body: '123456',
    });
    expect(made.status).toBe(201);
    const creds = (await made.json()) as { caCert: string; clientCert: string; privateKey: string };
    expect(creds.caCert).toBe(h.caPem);
    expect((await api(h, 'GET', `/v1/devices/${id}`)).status).toBe(404);
    await expect(connectNrf(h, { cert: creds.clientCert, key: creds.privateKey }, id)).rejects.toThrow();
    clients.push(await connectNrf(h, { cert: creds.clientCert, key: creds.privateKey }, id));
    expect((await api(h, 'PUT', `/v1/association/${id}`, { body: '123456' })).status).toBe(204);
  });

  it('keeps devices, association, shadows, messages, bundles, jobs, tenant and key across a restart', async () => {
    h = await startNrfCloud();
    const id = 'nrf-352656100000038';
    const { client, creds } = await onboardAndConnect(h, id);
    await api(h, 'PUT', `/v1/association/${id}`);
    const p = h.nrf.topicPrefix;
    await client.publishAsync(
      `${id}/shadow/update`,
      JSON.stringify({ state: { reported: { device: { serviceInfo: { fota_v2: ['APP'] } } } } }),
      { qos: 1 },
    );
    await client.publishAsync(`${p}m/d/${id}/d2c`, '{"appId":"BUTTON","data":"1","messageType":"DATA"}', {
      qos: 1,
    });
    client.end(true);
    const raw = makeBundle({ image: Buffer.alloc(300, 1), version: '3.0.0' });
    const bundleId = (
      (await fetch(`${h.nrf.apiUrl}/v1/firmwares`, {
        method: 'POST',
        headers: { authorization: `Bearer ${h.nrf.apiKey}` },
        body: raw.toString('base64'),
      }).then((r) => r.json())) as { bundleId: string }
    ).bundleId;
    const jobId = (
      await api(h, 'POST', '/v1/fota-jobs', { body: JSON.stringify({ deviceIdentifiers: [id], bundleId }) })
    ).body.jobId as string;
    const before = { tenantId: h.nrf.tenantId, apiKey: h.nrf.apiKey };
    const dir = h.stateDir;
    await h.stop(true);
    h = await startNrfCloud(dir);
    expect({ tenantId: h.nrf.tenantId, apiKey: h.nrf.apiKey }).toEqual(before);
    expect((await api(h, 'GET', `/v1/devices/${id}`)).body).toMatchObject({
      state: {
        desired: { pairing: { state: 'paired' } },
        reported: { device: { serviceInfo: { fota_v2: ['APP'] } } },
      },
    });
    expect(
      ((await api(h, 'GET', `/v1/messages?deviceId=${id}`)).body.items as Array<{ message: unknown }>).map(
        (m) => m.message,
      ),
    ).toEqual([{ appId: 'BUTTON', data: '1', messageType: 'DATA' }]);
    expect((await api(h, 'GET', `/v1/fota-jobs/${jobId}`)).body).toMatchObject({
      status: 'IN_PROGRESS',
      bundleId,
    });
    const again = await connectNrf(h, creds, id);
    clients.push(again);
    await again.subscribeAsync(`${p}${id}/jobs/rcv`, { qos: 1 });
    const offered = nextMessage(again, `${p}${id}/jobs/rcv`);
    await again.publishAsync(`${p}${id}/jobs/req`, '[""]', { qos: 1 });
    const job = JSON.parse(await offered) as unknown[];
    expect(job.slice(0, 3)).toEqual([jobId, 0, 300]);
    expect(job[3]).toBe(`firmware.nrfcloud.com:${h.nrf.downloadPort}`);
  });
});
