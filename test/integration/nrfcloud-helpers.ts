import { rm } from 'node:fs/promises';
import type { IClientOptions, MqttClient } from 'mqtt';
import {
  loadNrfCloudCa,
  startBrokerFixtures,
  type BrokerFixtures,
  type NrfCloudEndpoints,
} from '../../broker-fixtures/index.js';
import { issueDeviceCertificate } from '../../modem/credentials/local-ca.js';
import { systemClock } from '../../core/clock.js';
import { Random } from '../../core/random.js';
import { connectMqtts, tempStateDir } from './broker-helpers.js';

export interface NrfCloudHarness {
  fixtures: BrokerFixtures;
  stateDir: string;
  nrf: NrfCloudEndpoints;
  caPem: string;
  stop(keepState?: boolean): Promise<void>;
}

export async function startNrfCloud(stateDir?: string): Promise<NrfCloudHarness> {
  const dir = stateDir ?? (await tempStateDir());
  const fixtures = await startBrokerFixtures({
    clock: systemClock,
    random: new Random('nrf-cloud'),
    stateDir: dir,
    port: 0,
    alpnPort: 0,
    apiPort: 0,
    nrfCloud: { port: 0, apiPort: 0, downloadPort: 0 },
  });
  const caPem = (await loadNrfCloudCa(dir, systemClock)).certPem;
  return {
    fixtures,
    stateDir: dir,
    nrf: fixtures.endpoints.nrfCloud!,
    caPem,
    async stop(keepState = false) {
      await fixtures.close();
      if (!keepState) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A device certificate from the nRF Cloud CA, as `--provision nrf-cloud` makes one. */
export async function deviceCredentials(
  stateDir: string,
  clientId: string,
): Promise<{ cert: string; key: string }> {
  const ca = await loadNrfCloudCa(stateDir, systemClock);
  const issued = await issueDeviceCertificate(ca, clientId, Date.now());
  return { cert: issued.certPem, key: issued.keyPem };
}

/** mqtt.js over mutual TLS to the nRF Cloud listener; rejects when the broker drops the connection. */
export function connectNrf(
  h: NrfCloudHarness,
  creds: { cert: string; key: string },
  clientId: string,
  extra: IClientOptions = {},
): Promise<MqttClient> {
  return connectMqtts({
    host: '127.0.0.1',
    port: h.nrf.mqttPort,
    servername: h.nrf.endpoint,
    ca: h.caPem,
    cert: creds.cert,
    key: creds.key,
    clientId,
    connectTimeout: 10_000,
    ...extra,
  });
}

/** Connects a new device: the JITP refusal first, then the connection that succeeds. */
export async function onboardAndConnect(
  h: NrfCloudHarness,
  clientId: string,
  extra: IClientOptions = {},
): Promise<{ client: MqttClient; creds: { cert: string; key: string } }> {
  const creds = await deviceCredentials(h.stateDir, clientId);
  await connectNrf(h, creds, clientId, extra).then(
    (c) => {
      c.end(true);
      throw new Error('the first connection of an unknown certificate was accepted');
    },
    () => undefined,
  );
  return { client: await connectNrf(h, creds, clientId, extra), creds };
}

export function nextMessage(client: MqttClient, topic: string, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('message', on);
      reject(new Error(`no message on ${topic} within ${timeoutMs} ms`));
    }, timeoutMs);
    const on = (t: string, payload: Buffer): void => {
      if (t !== topic) return;
      clearTimeout(timer);
      client.off('message', on);
      resolve(payload.toString());
    };
    client.on('message', on);
  });
}

export function closed(client: MqttClient, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!client.connected) return resolve();
    const timer = setTimeout(() => reject(new Error('the connection stayed open')), timeoutMs);
    client.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
