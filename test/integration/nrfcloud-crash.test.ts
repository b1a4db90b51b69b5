import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.js';
import { loadNrfCloudCa } from '../../broker-fixtures/index.js';
import { issueDeviceCertificate } from '../../modem/credentials/local-ca.js';
import { startCli, type CliProcess } from '../helpers/cli.js';

let work: string;
afterAll(() => rm(work, { recursive: true, force: true }));

interface NrfReady {
  mqttPort: number;
  apiUrl: string;
  apiKey: string;
  topicPrefix: string;
}

async function broker(state: string): Promise<{ cli: CliProcess; nrf: NrfReady }> {
  const cli = startCli([
    'broker',
    '--state',
    state,
    '--port',
    '0',
    '--alpn-port',
    '0',
    '--api-port',
    '0',
    '--no-s3',
    '--json',
  ]);
  const ready = await cli.nextEvent('ready', 30_000);
  return { cli, nrf: ready.nrfCloud as NrfReady };
}

function connect(
  nrf: NrfReady,
  ca: string,
  creds: { certPem: string; keyPem: string },
  clientId: string,
): Promise<MqttClient> {
  const client = mqtt.connect({
    protocol: 'mqtts',
    host: '127.0.0.1',
    port: nrf.mqttPort,
    servername: 'mqtt.nrfcloud.com',
    ca,
    cert: creds.certPem,
    key: creds.keyPem,
    clientId,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
  });
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve(client));
    client.once('close', () => reject(new Error('closed before CONNACK')));
  });
}

describe('nrf91sim broker killed with SIGKILL while a device sends messages', () => {
  it('keeps every d2c message the device got a PUBACK for, and the device and its association', async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'nrf91sim-nrfcloud-crash-'));
    const state = path.join(work, 'state');
    const id = 'nrf-352656100000060';
    const ca = await loadNrfCloudCa(state, systemClock);
    const creds = await issueDeviceCertificate(ca, id, Date.now());
    let { cli, nrf } = await broker(state);
    await connect(nrf, ca.certPem, creds, id).then(
      (c) => c.end(true),
      () => undefined,
    );
    const device = await connect(nrf, ca.certPem, creds, id);
    await fetch(`${nrf.apiUrl}/v1/association/${id}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${nrf.apiKey}` },
    });
    const acked: number[] = [];
    const topic = `${nrf.topicPrefix}m/d/${id}/d2c`;
    device.on('error', () => undefined);
    let n = 0;
    const burst = (async () => {
      for (; n < 100_000 && device.connected; n++) {
        const i = n;
        device.publish(
          topic,
          JSON.stringify({ appId: 'TEMP', data: String(i), messageType: 'DATA' }),
          { qos: 1 },
          (err) => {
            if (!err) acked.push(i);
          },
        );
        if (i % 20 === 19) await new Promise((r) => setImmediate(r));
      }
    })();
    while (acked.length < 50) await new Promise((r) => setTimeout(r, 5));
    await cli.stop('SIGKILL');
    await burst;
    device.end(true);
    expect(acked.length).toBeGreaterThanOrEqual(50);

    ({ cli, nrf } = await broker(state));
    try {
      const stored = new Set<string>();
      let token: string | undefined;
      do {
        const res = await fetch(
          `${nrf.apiUrl}/v1/messages?deviceId=${id}&pageLimit=100${token ? `&pageNextToken=${token}` : ''}`,
          {
            headers: { authorization: `Bearer ${nrf.apiKey}` },
          },
        );
        const page = (await res.json()) as {
          items: Array<{ message: { data: string } }>;
          pageNextToken?: string;
        };
        for (const m of page.items) stored.add(m.message.data);
        token = page.pageNextToken;
      } while (token);
      const lost = acked.filter((i) => !stored.has(String(i)));
      expect(lost).toEqual([]);
      const dev = await fetch(`${nrf.apiUrl}/v1/devices/${id}`, {
        headers: { authorization: `Bearer ${nrf.apiKey}` },
      }).then((r) => r.json() as Promise<{ state: { desired: { pairing: { state: string } } } }>);
      expect(dev.state.desired.pairing.state).toBe('paired');
      // The device connects again with the same certificate: no JITP round.
      (await connect(nrf, ca.certPem, creds, id)).end(true);
    } finally {
      await cli.stop();
    }
  }, 120_000);
});
