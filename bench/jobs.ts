import { Random } from '../core/random.js';
import { systemClock } from '../core/clock.js';
/**
 * Jobs benchmark: one job created for a group of THINGS things (fan-out time until every device has its
 * notify-next), then every device runs the aws_fota update sequence (IN_PROGRESS, IN_PROGRESS,
 * SUCCEEDED, each waiting for update/accepted) — update round trips/s and executions done/s.
 * Broker and clients share this process. Prints one JSON object. Run with `npm run build:bench && node dist/bench/jobs.js`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import mqtt, { type MqttClient } from 'mqtt';
import { startBrokerFixtures } from '../broker-fixtures/index.js';

const THINGS = Number(process.env.BENCH_THINGS ?? 200);

const stateDir = await mkdtemp(path.join(os.tmpdir(), 'nrf91sim-bench-jobs-'));
const broker = await startBrokerFixtures({
  clock: systemClock,
  random: new Random('broker'),
  stateDir,
  port: 0,
  alpnPort: 0,
  apiPort: 0,
});
try {
  const names = Array.from({ length: THINGS }, (_, i) => `bench_${i}`);
  const things = await broker.provisioning.provisionThings(names);
  // A job takes at most 100 targets; a fleet is targeted through a thing group.
  await broker.registry.createThingGroup('bench-fleet');
  for (const n of names) await broker.registry.addThingToThingGroup('bench-fleet', n);
  const devices: Array<{ name: string; client: MqttClient; next: Promise<void> }> = [];
  for (const t of things) {
    const secureContext = tls.createSecureContext({
      ca: broker.ca.certificatePem,
      cert: t.certificatePem,
      key: t.privateKey ?? '',
    });
    const client = await mqtt.connectAsync({
      protocol: 'mqtts',
      host: '127.0.0.1',
      port: broker.endpoints.mqttPort,
      servername: 'localhost',
      secureContext,
      clientId: t.thingName,
      protocolVersion: 4,
      reconnectPeriod: 0,
    } as mqtt.IClientOptions);
    const p = `$aws/things/${t.thingName}/jobs`;
    await client.subscribeAsync([`${p}/notify-next`, `${p}/bench-job/update/#`], { qos: 1 });
    const next = new Promise<void>((resolve) =>
      client.on('message', (topic) => {
        if (topic.endsWith('/notify-next')) resolve();
      }),
    );
    devices.push({ name: t.thingName, client, next });
  }

  const created = performance.now();
  await broker.jobs.control.createJob('bench-job', {
    targets: ['thinggroup/bench-fleet'],
    document: {
      operation: 'app_fw_update',
      fwversion: 'v1.0.2',
      size: 1,
      location: { host: 'h', path: 'p' },
    },
  });
  await Promise.all(devices.map((d) => d.next));
  const fanOutMs = performance.now() - created;

  const update = (d: (typeof devices)[number], body: string): Promise<void> =>
    new Promise((resolve) => {
      const on = (topic: string): void => {
        if (!topic.endsWith('/update/accepted')) return;
        d.client.off('message', on);
        resolve();
      };
      d.client.on('message', on);
      void d.client.publishAsync(`$aws/things/${d.name}/jobs/bench-job/update`, body, { qos: 1 });
    });
  const started = performance.now();
  await Promise.all(
    devices.map(async (d) => {
      await update(
        d,
        '{"status":"IN_PROGRESS","statusDetails": {"nextState":"download_firmware"},"expectedVersion": "1","clientToken": ""}',
      );
      await update(
        d,
        '{"status":"IN_PROGRESS","statusDetails": {"nextState":"apply_update"},"expectedVersion": "2","clientToken": ""}',
      );
      await update(d, '{"status":"SUCCEEDED","expectedVersion": "3","clientToken": ""}');
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const job = (await broker.jobs.queries.describeJob('bench-job')) as { job: { status: string } };
  await Promise.all(devices.map((d) => d.client.endAsync()));
  process.stdout.write(
    `${JSON.stringify({
      things: THINGS,
      fanOutMs: Math.round(fanOutMs),
      updateRoundTripsPerSecond: Math.round((3 * THINGS) / seconds),
      executionsDonePerSecond: Math.round(THINGS / seconds),
      jobStatus: job.job.status,
    })}\n`,
  );
} finally {
  await broker.close();
  await rm(stateDir, { recursive: true, force: true });
}
