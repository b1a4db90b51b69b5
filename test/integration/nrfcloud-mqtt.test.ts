import { afterEach, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import {
  closed,
  connectNrf,
  deviceCredentials,
  onboardAndConnect,
  startNrfCloud,
  type NrfCloudHarness,
} from './nrfcloud-helpers.js';

describe('nRF Cloud stand-in: connection gate', () => {
  let h: NrfCloudHarness | undefined;
  const clients: MqttClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.end(true);
    await h?.stop();
    h = undefined;
  });

  it('onboards an unknown certificate from its CA by JITP: the first connection is refused, the next accepted', async () => {
    h = await startNrfCloud();
    expect(h.nrf).toMatchObject({ endpoint: 'mqtt.nrfcloud.com', topicPrefix: `prod/${h.nrf.tenantId}/` });
    const id = 'nrf-352656100000001';
    const creds = await deviceCredentials(h.stateDir, id);
    await expect(connectNrf(h, creds, id)).rejects.toThrow();
    const device = await h.fixtures.nrfCloud!.registry.get(id);
    expect(device).toMatchObject({ id, association: 'not_associated', onboardedBy: 'jitp' });
    const client = await connectNrf(h, creds, id);
    clients.push(client);
    expect(client.connected).toBe(true);
  });

  it('refuses a client id other than the certificate’s, and a certificate from another CA', async () => {
    h = await startNrfCloud();
    const { creds } = await onboardAndConnect(h, 'nrf-352656100000002').then((r) => {
      r.client.end(true);
      return r;
    });
    await expect(connectNrf(h, creds, 'nrf-352656100000003')).rejects.toThrow();
    const other = await startNrfCloud();
    try {
      const foreign = await deviceCredentials(other.stateDir, 'nrf-352656100000004');
      await expect(connectNrf(h, foreign, 'nrf-352656100000004')).rejects.toThrow();
      expect(await h.fixtures.nrfCloud!.registry.get('nrf-352656100000004')).toBeUndefined();
    } finally {
      await other.stop();
    }
  });

  it('accepts the topics nRF Cloud allows and disconnects a device subscribing outside them', async () => {
    h = await startNrfCloud();
    const id = 'nrf-352656100000005';
    const { client } = await onboardAndConnect(h, id);
    clients.push(client);
    const p = h.nrf.topicPrefix;
    const granted = await client.subscribeAsync(
      [
        `${id}/shadow/get/accepted/tf`,
        `${id}/shadow/update/delta/trim`,
        `${p}m/d/${id}/+/r`,
        `${p}${id}/jobs/rcv`,
        `$aws/things/${id}/shadow/update/delta`,
      ],
      { qos: 1 },
    );
    expect(granted.map((g) => g.qos)).toEqual([1, 1, 1, 1, 1]);
    const gone = closed(client);
    client.subscribe(`${p}m/d/nrf-someone-else/+/r`, { qos: 1 });
    await gone;
  });

  it('disconnects a device publishing outside its topics', async () => {
    h = await startNrfCloud();
    const id = 'nrf-352656100000006';
    const { client } = await onboardAndConnect(h, id);
    clients.push(client);
    const gone = closed(client);
    client.publish('some/other/topic', 'x', { qos: 1 });
    await gone;
  });

  it("serves mqtt.nrfcloud.com on the AWS stand-in's port too, chosen by SNI", async () => {
    h = await startNrfCloud();
    expect(h.nrf.sniPort).toBe(h.fixtures.endpoints.mqttPort);
    const id = 'nrf-352656100000007';
    const { client } = await onboardAndConnect(h, id, { port: h.nrf.sniPort! });
    clients.push(client);
    await client.subscribeAsync(`${id}/shadow/get/accepted/tf`, { qos: 1 });
    expect(await h.fixtures.nrfCloud!.registry.get(id)).toMatchObject({ onboardedBy: 'jitp' });
    // Without the nRF Cloud name, the same port is AWS IoT, which does not know the certificate.
    const creds = await deviceCredentials(h.stateDir, 'nrf-352656100000008');
    await expect(
      connectNrf(h, creds, 'nrf-352656100000008', {
        port: h.nrf.sniPort!,
        servername: 'localhost',
        ca: h.fixtures.ca.certificatePem,
      }),
    ).rejects.toThrow();
  });

  it('keeps a persistent session (clean session 0): subscriptions and session present on reconnect, as NCS relies on', async () => {
    h = await startNrfCloud();
    const id = 'nrf-352656100000009';
    const { client, creds } = await onboardAndConnect(h, id, { clean: false });
    await client.subscribeAsync(`${id}/shadow/get/accepted/tf`, { qos: 1 });
    client.end(true);
    const again = await connectNrf(h, creds, id, { clean: false });
    clients.push(again);
    // mqtt.js keeps the CONNACK on the client.
    expect(
      (again as unknown as { connackPacket?: { sessionPresent?: boolean } }).connackPacket?.sessionPresent,
    ).toBe(true);
    const answer = new Promise<string>((resolve) => again.on('message', (_t, m) => resolve(m.toString())));
    await again.publishAsync(`${id}/shadow/get/tf`, JSON.stringify({ t: 'state.desired.pairing.state' }), {
      qos: 1,
    });
    expect(JSON.parse(await answer)).toEqual({ tf: 'not_associated' });
  });
});
