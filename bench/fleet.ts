import { Random } from '../core/random.js';
import { systemClock } from '../core/clock.js';
/**
 * A fleet in one process: N devices running the `aws_iot` sample connect to the AWS IoT stand-in
 * (mutual TLS over each device's modem socket) and report to their shadows. Measures the time until
 * every device has reported, and the memory the fleet holds. Prints one JSON object.
 *
 *   npm run build:bench && node --expose-gc dist/bench/fleet.js [--devices N]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startBrokerFixtures } from '../broker-fixtures/index.js';
import { Device } from '../firmware/device.js';
import { buildAppImage } from '../firmware/image/app-image.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const DEVICES = arg('--devices', 100);
const TAG = 201;

const gc = (globalThis as { gc?: () => void }).gc;
const heapMb = (): number => {
  gc?.();
  return process.memoryUsage().heapUsed / 1e6;
};

async function main(): Promise<void> {
  const stateDir = await mkdtemp(path.join(os.tmpdir(), 'nrf91sim-bench-fleet-'));
  const fixtures = await startBrokerFixtures({
    clock: systemClock,
    random: new Random('broker'),
    stateDir,
    port: 0,
    alpnPort: 0,
    apiPort: 0,
  });
  const names = Array.from({ length: DEVICES }, (_, i) => `fleet-${i}`);
  const things = await fixtures.provisioning.provisionThings(names);
  const { endpoint, mqttPort } = fixtures.endpoints;
  const heapBefore = heapMb();
  const rssBefore = process.memoryUsage().rss / 1e6;

  const t0 = performance.now();
  const devices: Device[] = [];
  const reported: Array<Promise<number>> = [];
  for (const [i, thing] of things.entries()) {
    const device = await Device.boot({ clock: systemClock, name: names[i] as string, serial: 'none' });
    devices.push(device);
    await device.modem.credentials.put({ secTag: TAG, type: 0, content: fixtures.ca.certificatePem });
    await device.modem.credentials.put({ secTag: TAG, type: 1, content: thing.certificatePem });
    await device.modem.credentials.put({ secTag: TAG, type: 2, content: thing.privateKey as string });
    reported.push(
      new Promise((resolve) =>
        device.on('app', (event) => {
          if (event === 'shadow-update') resolve(performance.now() - t0);
        }),
      ),
    );
    const config = {
      endpoint,
      port: mqttPort,
      secTag: TAG,
      clientId: names[i],
      appTopics: [`${names[i]}/in`],
    };
    await device.control.program(buildAppImage({ app: 'aws_iot', version: '1.0.0', config }));
  }
  const booted = performance.now() - t0;
  const times = await Promise.all(reported);
  const allReported = performance.now() - t0;
  const heapFleet = heapMb() - heapBefore;
  const rssFleet = process.memoryUsage().rss / 1e6 - rssBefore;

  for (const d of devices) await d.close();
  await fixtures.close();
  await rm(stateDir, { recursive: true, force: true });

  const sorted = [...times].sort((a, b) => a - b);
  const round = (x: number): number => Math.round(x * 10) / 10;
  console.log(
    JSON.stringify(
      {
        bench: 'fleet',
        devices: DEVICES,
        app: 'aws_iot',
        link: 'ideal',
        boot_and_flash_all_ms: round(booted),
        all_reported_ms: round(allReported),
        first_report_ms: round(sorted[0] ?? 0),
        median_report_ms: round(sorted[Math.floor(sorted.length / 2)] ?? 0),
        heap_per_device_kb: round((heapFleet * 1000) / DEVICES),
        rss_per_device_kb: round((rssFleet * 1000) / DEVICES),
        gc_exposed: gc !== undefined,
        note: 'LTE registration of each device takes its simulated search and attach time on the system clock',
      },
      null,
      2,
    ),
  );
}

await main();
