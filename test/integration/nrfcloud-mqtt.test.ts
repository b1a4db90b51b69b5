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
});
