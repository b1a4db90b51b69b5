import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../core/clock.js';
import { TypedEmitter } from '../../core/events.js';
import {
  FleetRunner,
  fleetSpecs,
  type FromWorker,
  type ThingRegistration,
  type ToWorker,
  type WorkerLink,
  type WorkerLinkEvents,
} from '../../fleet/index.js';

/** A worker in memory: records what it is sent; the test answers for it. */
class FakeWorker extends TypedEmitter<WorkerLinkEvents> implements WorkerLink {
  readonly sent: Array<{ at: number; message: ToWorker }> = [];
  exitOnStop = true;
  constructor(
    readonly index: number,
    private readonly clock: VirtualClock,
  ) {
    super();
  }
  get pid(): number {
    return 1000 + this.index;
  }
  send(message: ToWorker): void {
    this.sent.push({ at: this.clock.monotonic(), message });
    if (message.type === 'init')
      queueMicrotask(() => this.reply({ type: 'ready', pid: this.pid, baseRssBytes: 0 }));
    if (message.type === 'stop' && this.exitOnStop) queueMicrotask(() => this.emit('exit', 0, null, ''));
  }
  kill(): void {
    queueMicrotask(() => this.emit('exit', null, 'SIGKILL', 'killed'));
  }
  reply(message: FromWorker): void {
    this.emit('message', message);
  }
  boots(): string[] {
    return this.sent.flatMap((s) => (s.message.type === 'boot' ? [s.message.spec.name] : []));
  }
  phase(device: string, phase: 'ready' | 'registered' | 'failed', sinceBootMs: number, cause?: string): void {
    this.reply({ type: 'device', device, phase, sinceBootMs, ...(cause ? { cause } : {}) });
  }
}

const image = { app: 'aws_iot', version: '1.0.0', config: {} };

async function start(
  count: number,
  workers: number,
  rate: number | undefined,
  registrar?: (t: ThingRegistration[]) => Promise<void>,
) {
  const clock = new VirtualClock();
  const fakes: FakeWorker[] = [];
  const runner = await FleetRunner.start({
    specs: fleetSpecs({ count, image, credentials: { kind: 'fleet-ca', secTag: 201 } }),
    workers,
    ...(rate !== undefined ? { rate } : {}),
    stateDir: '/nonexistent',
    clock,
    spawn: (i) => {
      const w = new FakeWorker(i, clock);
      fakes.push(w);
      return w;
    },
    ...(registrar ? { registrar } : {}),
  });
  return { clock, fakes, runner };
}

describe('fleet runner', () => {
  it('spreads devices over the workers and boots them at the ramp rate', async () => {
    const { clock, fakes, runner } = await start(6, 2, 10);
    expect(fakes).toHaveLength(2);
    expect(runner.launched).toBe(1);
    await clock.advance(250);
    expect(runner.launched).toBe(3);
    await clock.advance(1000);
    expect(runner.launched).toBe(6);
    expect(fakes[0]!.boots()).toEqual(['fleet-0', 'fleet-2', 'fleet-4']);
    expect(fakes[1]!.boots()).toEqual(['fleet-1', 'fleet-3', 'fleet-5']);
    const times = fakes
      .flatMap((f) => f.sent.filter((s) => s.message.type === 'boot').map((s) => s.at))
      .sort((a, b) => a - b);
    // 10 per second: one every 100 ms from the start.
    expect(times.map((t) => t - times[0]!)).toEqual([0, 100, 200, 300, 400, 500]);
    await runner.stop();
  });

  it('boots every device at once without a rate', async () => {
    const { fakes, runner } = await start(5, 3, undefined);
    expect(fakes.map((f) => f.boots().length)).toEqual([2, 2, 1]);
    await runner.stop();
  });

  it('registers the things a worker provisions and answers it', async () => {
    const registered: ThingRegistration[][] = [];
    const { fakes, runner } = await start(2, 1, undefined, async (things) => void registered.push(things));
    const things = [{ device: 'fleet-0', thingName: 'nrf-1', certificatePem: 'PEM' }];
    fakes[0]!.reply({ type: 'register', things });
    await new Promise((r) => setImmediate(r));
    expect(registered).toEqual([things]);
    expect(fakes[0]!.sent.at(-1)?.message).toEqual({ type: 'registered', names: ['fleet-0'] });
    await runner.stop();
  });

  it('reports a registration the broker refused to the worker', async () => {
    const { fakes, runner } = await start(1, 1, undefined, async () => {
      throw new Error('certificate already registered');
    });
    fakes[0]!.reply({
      type: 'register',
      things: [{ device: 'fleet-0', thingName: 't', certificatePem: 'P' }],
    });
    await new Promise((r) => setImmediate(r));
    expect(fakes[0]!.sent.at(-1)?.message).toEqual({
      type: 'registered',
      names: ['fleet-0'],
      error: 'certificate already registered',
    });
    await runner.stop();
  });

  it('fails the devices of a worker that dies, with the cause, and restarts nothing', async () => {
    const { fakes, runner } = await start(4, 2, undefined);
    const exits: string[] = [];
    runner.on('worker-exit', (w, cause) => exits.push(`${w} ${cause}`));
    fakes[0]!.phase('fleet-0', 'ready', 1200);
    fakes[1]!.phase('fleet-1', 'ready', 1500);
    fakes[1]!.phase('fleet-3', 'ready', 900);
    const settled = runner.whenSettled();
    runner.killWorker(0);
    await settled;
    expect(exits).toEqual(['0 worker-exit:SIGKILL']);
    expect(runner.stats.devices.get('fleet-0')).toMatchObject({
      phase: 'failed',
      cause: 'worker-exit:SIGKILL',
    });
    expect(runner.stats.devices.get('fleet-2')).toMatchObject({
      phase: 'failed',
      cause: 'worker-exit:SIGKILL',
    });
    expect(runner.stats.devices.get('fleet-3')?.phase).toBe('ready');
    expect(fakes).toHaveLength(2);
    await expect(runner.attach('fleet-2', 'tcp:0')).rejects.toThrow(/has exited/);
    const summary = await runner.stop();
    expect(summary).toMatchObject({ devices: 4, ready: 2, failed: 2, errors: { 'worker-exit:SIGKILL': 2 } });
    // fleet-0 got READY before its worker died: its boot time counts.
    expect(summary.boot_to_ready_ms).toEqual({ p50: 1200, p95: 1500, p99: 1500 });
  });

  it('reports per-device memory from the workers metrics', async () => {
    const { fakes, runner } = await start(4, 2, undefined);
    for (const [i, f] of fakes.entries()) {
      f.reply({
        type: 'metrics',
        metrics: {
          rssBytes: (100 + i * 100) * 1024 + 50 * 1024,
          baseRssBytes: 50 * 1024,
          heapUsedBytes: 80 * 1024,
          baseHeapBytes: 40 * 1024,
          messages: 10,
          devices: 2,
          cpuMicros: 20_000,
          intervalMs: 1000,
        },
      });
    }
    const s = runner.stats.summary();
    expect(s.rss_per_device_kb).toBe(75);
    expect(s.heap_per_device_kb).toBe(20);
    expect(s.messages_per_s).toBe(20);
    expect(s.cpu_per_device_percent).toBe(1);
    await runner.stop();
  });

  it('kills a worker that does not stop in time', async () => {
    const { clock, fakes, runner } = await start(2, 1, undefined);
    fakes[0]!.exitOnStop = false;
    const stopped = runner.stop();
    await clock.advance(20_000);
    await stopped;
    expect(runner.stats.workerState.get(0)).toMatchObject({ alive: false, exit: 'worker-exit:SIGKILL' });
  });

  it('answers attach and control through the device worker', async () => {
    const { fakes, runner } = await start(2, 2, undefined);
    const attached = runner.attach('fleet-1', 'tcp:0');
    const sent = fakes[1]!.sent.at(-1)!.message as Extract<ToWorker, { type: 'attach' }>;
    expect(sent).toMatchObject({ type: 'attach', device: 'fleet-1', serial: 'tcp:0' });
    fakes[1]!.reply({ type: 'reply', id: sent.id, ok: true, result: { address: '127.0.0.1:4000' } });
    await expect(attached).resolves.toEqual({ address: '127.0.0.1:4000' });
    await expect(runner.control('nope', { action: 'status' })).rejects.toThrow(/no device nope/);
    await runner.stop();
  });
});
