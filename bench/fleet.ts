/**
 * A fleet of full devices against a bare-client baseline, in one run: N aws_iot devices through the
 * fleet runner (worker processes, each device with its own modem, credential store, flash and state
 * on disk), then (with --baseline) N bare mqtt.js mTLS clients in as many worker processes doing
 * the same connect / subscribe / get / report against the same AWS IoT stand-in. Prints one JSON
 * object: devices READY, time until all READY, boot-to-READY percentiles, RSS and heap per device,
 * idle CPU per device, and the ratios to the baseline.
 *
 *   npm run build:bench && node dist/bench/fleet.js --count 50 --baseline [--workers W]
 *     [--kind process|thread] [--idle S] [--lte instant|real] [--provision ahead|workers]
 *
 * --lte instant (default) sets the simulated LTE search and attach to 0 ms, so both sides do the
 * same work; real keeps the modem's 1.5 s search + 0.5 s attach. --provision ahead (default) makes
 * every key and certificate before the clock starts, on both sides; workers has the fleet's workers
 * make them (as `nrf91sim fleet boot` does).
 */
import { fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startBrokerFixtures, type BrokerFixtures } from '../broker-fixtures/index.js';
import { systemClock } from '../core/clock.js';
import { Random } from '../core/random.js';
import { deriveIdentity } from '../modem/identity.js';
import {
  FleetRunner,
  fleetSpecs,
  FLEET_APPS,
  FLEET_SEC_TAG,
  nodeWorkers,
  prepareFleetCa,
  type DeviceSpec,
  type FleetBroker,
  type WorkerKind,
} from '../fleet/index.js';
import type { BaselineJob } from './fleet-baseline-worker.js';
import { idleFigures, pct, round, rssOf, type Measured } from './fleet-measure.js';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(name);
  return i > 0 ? (process.argv[i + 1] ?? fallback) : fallback;
};
const COUNT = Number(arg('--count', '100'));
const WORKERS = Number(arg('--workers', String(os.availableParallelism())));
const KIND = arg('--kind', 'process') as WorkerKind;
const IDLE_MS = Number(arg('--idle', '5')) * 1000;
const LTE = arg('--lte', 'instant');
const PROVISION = arg('--provision', 'ahead');
const BASELINE = process.argv.includes('--baseline');
const TIMEOUT_MS = Number(arg('--timeout', '900')) * 1000;

function standIn(fixtures: BrokerFixtures): FleetBroker {
  return {
    endpoint: fixtures.endpoints.endpoint,
    host: fixtures.endpoints.host,
    mqttPort: fixtures.endpoints.mqttPort,
    caPem: fixtures.ca.certificatePem,
    started: true,
    fixtures,
    async request<T>(method: string, url: string, body?: unknown): Promise<T> {
      const reply = await fixtures.console.dispatch({ method, url, body });
      if (reply.status >= 300) throw new Error(`${method} ${url}: ${JSON.stringify(reply.body)}`);
      return reply.body as T;
    },
    close: () => fixtures.close(),
  };
}

function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof systemClock.setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = systemClock.setTimeout(
      () => reject(new Error(`${what} did not finish within ${TIMEOUT_MS / 1000} s`)),
      TIMEOUT_MS,
    );
  });
  return Promise.race([p, expired]).finally(() => timer?.cancel());
}

async function runFleet(broker: FleetBroker, stateDir: string): Promise<Measured & Record<string, unknown>> {
  const recipe = FLEET_APPS.aws_iot!(broker);
  const profile = LTE === 'instant' ? { network: { timings: { searchMs: 0, attachMs: 0 } } } : undefined;
  let specs: DeviceSpec[] = fleetSpecs({
    count: COUNT,
    image: recipe.image,
    credentials: recipe.credentials,
    ...(profile ? { profile } : {}),
  });
  if (PROVISION === 'ahead') {
    const names = specs.map((s) => `nrf-${s.profile?.identity?.imei ?? deriveIdentity(s.name).imei}`);
    const things = await broker.fixtures!.provisioning.provisionThings(names);
    specs = specs.map((s, i) => ({
      ...s,
      credentials: {
        kind: 'pem',
        secTag: FLEET_SEC_TAG,
        caPem: broker.caPem,
        certificatePem: things[i]!.certificatePem,
        privateKeyPem: things[i]!.privateKey as string,
      },
    }));
  }
  const fleetCaDir = await prepareFleetCa(stateDir, broker, systemClock);
  const parentRss = process.memoryUsage().rss;
  const t0 = performance.now();
  const runner = await FleetRunner.start({
    specs,
    workers: WORKERS,
    stateDir,
    clock: systemClock,
    // Threads take no V8 flags of their own: run the bench with --expose-gc for them.
    spawn: nodeWorkers(KIND, KIND === 'process' ? ['--expose-gc'] : []),
    registrar: async (things) => {
      await broker.request('POST', '/register-things', {
        things: things.map((t) => ({ thingName: t.thingName, certificatePem: t.certificatePem })),
      });
    },
    fleetCaDir,
    brokerCaPem: broker.caPem,
  });
  const started = performance.now() - t0;
  await withTimeout(runner.whenSettled(), 'the fleet');
  // Idle CPU from /proc over the idle window, then memory after a collection in every worker.
  const pids =
    KIND === 'thread'
      ? [{ pid: process.pid, baseRss: 0 }]
      : runner.stats.workers().map((w) => ({ pid: w.pid ?? process.pid, baseRss: 0 }));
  const idle = await idleFigures(pids, COUNT, IDLE_MS, (ms) => systemClock.sleep(ms));
  const metrics = [...(await runner.measure(true)).values()];
  // Threads share this process: its growth is the fleet's.
  const rss =
    KIND === 'thread'
      ? rssOf(process.pid) - parentRss
      : metrics.reduce((sum, m) => sum + m.rssBytes - m.baseRssBytes, 0);
  const heap = metrics.reduce((sum, m) => sum + m.heapUsedBytes - m.baseHeapBytes, 0);
  const summary = runner.stats.summary();
  await runner.stop();
  const ready = runner.stats.everReady();
  return {
    ready: summary.ready,
    failed: summary.failed,
    errors: summary.errors,
    workers_started_ms: round(started),
    // From the first boot command (the workers are up by then), as for the baseline's clients.
    all_ready_ms: summary.all_ready_ms ?? -1,
    ready_ms: { p50: round(pct(ready, 50)), p95: round(pct(ready, 95)), p99: round(pct(ready, 99)) },
    rss_per_device_kb: round(rss / 1024 / COUNT),
    heap_per_device_kb: round(heap / 1024 / COUNT),
    idle_cpu_per_device_percent: idle.idleCpuPercent,
  };
}

async function runBaseline(fixtures: BrokerFixtures): Promise<Measured> {
  const names = Array.from({ length: COUNT }, (_, i) => `bare-${i}`);
  const things = await fixtures.provisioning.provisionThings(names);
  const entry = new URL('./fleet-baseline-worker.js', import.meta.url);
  const children = Array.from({ length: WORKERS }, () =>
    fork(entry, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv: ['--expose-gc'] }),
  );
  const readyMs: number[] = [];
  const errors: string[] = [];
  const bases = await Promise.all(
    children.map(
      (c) =>
        new Promise<number>((resolve) =>
          c.on(
            'message',
            (m: { type: string; baseRssBytes?: number; readyMs?: number; message?: string }) => {
              if (m.type === 'ready') resolve(m.baseRssBytes ?? 0);
              else if (m.type === 'client') readyMs.push(m.readyMs ?? 0);
              else if (m.type === 'client-error') errors.push(m.message ?? '');
            },
          ),
        ),
    ),
  );
  const t0 = performance.now();
  const allDone = new Promise<void>((resolve) => {
    const check = systemClock.setInterval(() => {
      if (readyMs.length + errors.length >= COUNT) {
        check.cancel();
        resolve();
      }
    }, 5);
  });
  children.forEach((c, w) => {
    const job: BaselineJob = {
      host: '127.0.0.1',
      port: fixtures.endpoints.mqttPort,
      servername: fixtures.endpoints.endpoint,
      caPem: fixtures.ca.certificatePem,
      things: things
        .filter((_, i) => i % WORKERS === w)
        .map((t) => ({
          thingName: t.thingName,
          certificatePem: t.certificatePem,
          privateKey: t.privateKey as string,
        })),
    };
    c.send({ type: 'run', job });
  });
  await withTimeout(allDone, 'the baseline');
  const allReady = performance.now() - t0;
  const idle = await idleFigures(
    children.map((c, i) => ({ pid: c.pid as number, baseRss: bases[i] as number })),
    COUNT,
    IDLE_MS,
    (ms) => systemClock.sleep(ms),
  );
  // Memory after a collection in every client process, as for the fleet's workers.
  const memory = await Promise.all(
    children.map(
      (c, i) =>
        new Promise<{ rss: number; heap: number }>((resolve) => {
          c.on(
            'message',
            (m: { type: string; rssBytes?: number; heapUsedBytes?: number; baseHeapBytes?: number }) => {
              if (m.type !== 'metrics') return;
              resolve({
                rss: (m.rssBytes ?? 0) - (bases[i] as number),
                heap: (m.heapUsedBytes ?? 0) - (m.baseHeapBytes ?? 0),
              });
            },
          );
          c.send({ type: 'metrics', intervalMs: IDLE_MS });
        }),
    ),
  );
  await Promise.all(
    children.map(
      (c) => new Promise<void>((resolve) => (c.once('exit', () => resolve()), c.send({ type: 'stop' }))),
    ),
  );
  readyMs.sort((a, b) => a - b);
  return {
    ready: readyMs.length,
    all_ready_ms: round(allReady),
    ready_ms: { p50: round(pct(readyMs, 50)), p95: round(pct(readyMs, 95)), p99: round(pct(readyMs, 99)) },
    rss_per_device_kb: round(memory.reduce((a, b) => a + b.rss, 0) / 1024 / COUNT),
    heap_per_device_kb: round(memory.reduce((a, b) => a + b.heap, 0) / 1024 / COUNT),
    idle_cpu_per_device_percent: idle.idleCpuPercent,
    ...(errors.length ? { errors: errors.length, first_error: errors[0] } : {}),
  } as Measured;
}

async function main(): Promise<void> {
  const stateDir = await mkdtemp(path.join(os.tmpdir(), 'nrf91sim-bench-fleet-'));
  const fixtures = await startBrokerFixtures({
    clock: systemClock,
    random: new Random('bench-fleet'),
    stateDir,
    port: 0,
    alpnPort: 0,
    apiPort: 0,
  });
  const broker = standIn(fixtures);
  try {
    const devices = await runFleet(broker, stateDir);
    const baseline = BASELINE ? await runBaseline(fixtures) : undefined;
    const ratio = (a: number, b: number | undefined): number | undefined =>
      b ? Math.round((a / b) * 100) / 100 : undefined;
    console.log(
      JSON.stringify(
        {
          bench: 'fleet',
          count: COUNT,
          workers: WORKERS,
          worker_kind: KIND,
          lte: LTE,
          provision: PROVISION,
          node: process.version,
          cores: os.availableParallelism(),
          broker_rss_mb: round(rssOf(process.pid) / 1e6),
          devices,
          ...(baseline
            ? {
                baseline,
                ratios: {
                  rss_per_device: ratio(devices.rss_per_device_kb, baseline.rss_per_device_kb),
                  heap_per_device: ratio(devices.heap_per_device_kb, baseline.heap_per_device_kb),
                  all_ready: ratio(devices.all_ready_ms, baseline.all_ready_ms),
                  idle_cpu_per_device: ratio(
                    devices.idle_cpu_per_device_percent,
                    baseline.idle_cpu_per_device_percent,
                  ),
                },
              }
            : {}),
        },
        null,
        2,
      ),
    );
  } finally {
    await fixtures.close();
    await rm(stateDir, { recursive: true, force: true });
  }
}

await main();
