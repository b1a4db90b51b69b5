/**
 * nRF Cloud: boot → READY for N devices running the nrf_cloud sample (real modem TLS sockets to the
 * local nRF Cloud), then d2c messages/s from N nrf_cloud library instances, and the same publish
 * load from N bare mqtt.js mTLS clients against the same stand-in in the same run. Prints one JSON
 * object.
 *
 *   npm run build:bench && node dist/bench/nrf-cloud.js [--devices 100] [--messages 20]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { loadNrfCloudCa, startBrokerFixtures, type NrfCloudEndpoints } from '../broker-fixtures/index.js';
import { lteLcInitAndConnect } from '../cloud-libs/lte-lc/index.js';
import { NrfCloud, type NrfCloudEvt } from '../cloud-libs/nrf-cloud/index.js';
import { systemClock } from '../core/clock.js';
import { Random } from '../core/random.js';
import { Device } from '../firmware/device.js';
import { buildAppImage } from '../firmware/image/app-image.js';
import { issueDeviceCertificate } from '../modem/credentials/local-ca.js';
import { provisionNrfCloud } from '../modem/credentials/provision.js';
import { Modem } from '../modem/modem.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const DEVICES = arg('--devices', 100);
const MESSAGES = arg('--messages', 20);

function percentile(sorted: number[], p: number): number {
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] as number);
}

async function rest(nrf: NrfCloudEndpoints, method: string, url: string, body?: unknown): Promise<void> {
  const res = await fetch(`${nrf.apiUrl}${url}`, {
    method,
    headers: { authorization: `Bearer ${nrf.apiKey}`, 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  await res.arrayBuffer();
  if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status}`);
}

/** Devices known and associated before they connect (onboarded with `POST /v1/devices/{id}`). */
async function onboard(nrf: NrfCloudEndpoints, id: string, certificate: string): Promise<void> {
  await rest(nrf, 'POST', `/v1/devices/${id}`, { certificate });
  await rest(nrf, 'PUT', `/v1/association/${id}`);
}

const stateDir = await mkdtemp(path.join(os.tmpdir(), 'nrf91sim-bench-nrfc-'));
const fixtures = await startBrokerFixtures({
  stateDir,
  clock: systemClock,
  random: new Random('bench-nrf-cloud'),
  port: 0,
  alpnPort: 0,
  apiPort: 0,
  nrfCloud: { port: 0, apiPort: 0, downloadPort: 0 },
});
const nrf = fixtures.endpoints.nrfCloud!;
const ca = await loadNrfCloudCa(stateDir, systemClock);

// 1. boot → READY with the nrf_cloud sample.
const devices: Device[] = [];
const readyMs: number[] = [];
const bootStarted = performance.now();
await Promise.all(
  Array.from({ length: DEVICES }, async (_, i) => {
    const device = await Device.boot({
      clock: systemClock,
      name: `bench-nrfc-${i}`,
      profile: { seed: `bench-nrfc-${i}` },
    });
    devices.push(device);
    const clientId = `nrf-${device.identity.imei}`;
    await provisionNrfCloud(device.credentials, { ca, clientId, now: Date.now() });
    await onboard(nrf, clientId, device.credentials.read(16842753, 1).content);
    const t0 = performance.now();
    const ready = new Promise<void>((resolve) =>
      device.on('app', (event) => {
        if (event === 'ready') resolve();
      }),
    );
    await device.control.program(
      buildAppImage({
        app: 'nrf_cloud',
        version: '1.0.0',
        config: { port: nrf.mqttPort, sensorIntervalS: 0 },
      }),
    );
    await ready;
    readyMs.push(performance.now() - t0);
  }),
);
const bootAllMs = performance.now() - bootStarted;
await Promise.all(devices.map((d) => d.close()));
readyMs.sort((a, b) => a - b);

// 2. d2c QoS 1 messages/s from the nrf_cloud library on the modem's TLS sockets.
const clouds: NrfCloud[] = [];
const modems: Modem[] = [];
const acks = new Map<NrfCloud, () => void>();
await Promise.all(
  Array.from({ length: DEVICES }, async (_, i) => {
    const modem = new Modem({
      clock: systemClock,
      name: `bench-lib-${i}`,
      profile: { seed: `bench-lib-${i}` },
    });
    modems.push(modem);
    const clientId = `nrf-${modem.identity.imei}`;
    await provisionNrfCloud(modem.control.credentials, { ca, clientId, now: Date.now() });
    await onboard(nrf, clientId, modem.control.credentials.read(16842753, 1).content);
    await lteLcInitAndConnect(modem);
    let cloud: NrfCloud | undefined;
    const ready = new Promise<void>((resolve) => {
      const handler = (evt: NrfCloudEvt): void => {
        if (evt.type === 'NRF_CLOUD_EVT_READY') resolve();
        if (evt.type === 'NRF_CLOUD_EVT_SENSOR_DATA_ACK' && cloud) acks.get(cloud)?.();
      };
      void NrfCloud.init(modem, { port: nrf.mqttPort }, handler).then((c) => {
        if (typeof c === 'number') throw new Error(`nrf_cloud_init ${c}`);
        cloud = c;
        clouds.push(c);
        c.connect();
      });
    });
    await ready;
  }),
);
const libStarted = performance.now();
await Promise.all(
  clouds.map(async (cloud) => {
    for (let m = 0; m < MESSAGES; m++) {
      const acked = new Promise<void>((resolve) => acks.set(cloud, resolve));
      const rc = cloud.sensorDataSend({
        type: 'NRF_CLOUD_SENSOR_TEMP',
        data: String(20 + m),
        tag: 10000 + m,
      });
      if (rc !== 0) throw new Error(`sensor_data_send ${rc}`);
      await acked;
    }
  }),
);
const libMs = performance.now() - libStarted;
for (const c of clouds) c.disconnect();
await Promise.all(modems.map((m) => m.close()));

// 3. Baseline: bare mqtt.js mTLS clients, the same d2c QoS 1 load (one in flight per client).
const bare: MqttClient[] = [];
await Promise.all(
  Array.from({ length: DEVICES }, async (_, i) => {
    const id = `nrf-bench-bare-${i}`;
    const issued = await issueDeviceCertificate(ca, id, Date.now());
    await onboard(nrf, id, issued.certPem);
    const client = mqtt.connect({
      protocol: 'mqtts',
      host: '127.0.0.1',
      port: nrf.mqttPort,
      servername: nrf.endpoint,
      ca: ca.certPem,
      cert: issued.certPem,
      key: issued.keyPem,
      clientId: id,
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    bare.push(client);
  }),
);
const bareStarted = performance.now();
await Promise.all(
  bare.map(async (client) => {
    const topic = `${nrf.topicPrefix}m/d/${client.options.clientId}/d2c`;
    for (let m = 0; m < MESSAGES; m++) {
      await client.publishAsync(topic, `{"appId":"TEMP","data":"${20 + m}","messageType":"DATA"}`, {
        qos: 1,
      });
    }
  }),
);
const bareMs = performance.now() - bareStarted;
await Promise.all(bare.map((c) => c.endAsync()));
await fixtures.close();
await rm(stateDir, { recursive: true, force: true });

const total = DEVICES * MESSAGES;
const libRate = Math.round(total / (libMs / 1000));
const bareRate = Math.round(total / (bareMs / 1000));
console.log(
  JSON.stringify(
    {
      devices: DEVICES,
      messages_per_device: MESSAGES,
      boot_to_ready_ms: {
        median: percentile(readyMs, 0.5),
        p95: percentile(readyMs, 0.95),
        max: percentile(readyMs, 1),
      },
      all_ready_ms: Math.round(bootAllMs),
      d2c_qos1_per_s: {
        nrf_cloud_library: libRate,
        bare_mqtt_js: bareRate,
        ratio: Math.round((libRate / bareRate) * 100) / 100,
      },
    },
    null,
    2,
  ),
);
