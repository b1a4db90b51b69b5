import type { Clock, TimerHandle } from '../core/clock.js';
import { ErrorCode, SimError } from '../core/errors.js';
import { TypedEmitter } from '../core/events.js';
import type { ControlRequest } from '../firmware/control/index.js';
import type { DevicePhase, FromWorker, ThingRegistration, WorkerMetrics } from './messages.js';
import type { DeviceSpec } from './spec.js';
import { FleetStats, type FleetSummary } from './stats.js';
import type { WorkerLink, WorkerSpawner } from './worker-link.js';

/** Registers things whose certificates the workers made (the broker's `POST /register-things`). */
export type ThingRegistrar = (things: ThingRegistration[]) => Promise<void>;

export interface FleetRunnerOptions {
  specs: readonly DeviceSpec[];
  /** Worker count (default 1); device `i` runs in worker `i % workers`. */
  workers?: number;
  /** Boot commands per second (default: all at once). */
  rate?: number;
  stateDir: string;
  clock: Clock;
  spawn: WorkerSpawner;
  registrar?: ThingRegistrar;
  fleetCaDir?: string;
  brokerCaPem?: string;
  metricsIntervalMs?: number;
  /** Workers collect garbage before each metrics message (they need `--expose-gc`). */
  gcBeforeMetrics?: boolean;
  /** How long a worker gets to close its devices on stop before it is killed (default 20 s). */
  stopTimeoutMs?: number;
}

export type FleetRunnerEvents = {
  /** `ms`: since the device's worker got its boot command. */
  device: [name: string, phase: DevicePhase, cause: string | undefined, ms: number];
  'device-error': [name: string, cause: string];
  metrics: [worker: number, metrics: WorkerMetrics];
  /** A worker ended without being asked: its devices are failed, nothing is restarted. */
  'worker-exit': [worker: number, cause: string, stderr: string];
  /** Every device is READY, failed or stopped. */
  settled: [];
};

interface Slot {
  link: WorkerLink;
  alive: boolean;
  stopping: boolean;
  exited: Promise<void>;
}

const RAMP_TICK_MS = 50;
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * Runs a fleet over worker processes: spreads the devices over the workers, sends their boot
 * commands at the ramp rate, registers the things the workers provision, and keeps every device's
 * phase and every worker's metrics in {@link stats}. A worker that dies fails its devices with a
 * cause (`worker-exit:…`); nothing is restarted behind the user's back.
 */
export class FleetRunner extends TypedEmitter<FleetRunnerEvents> {
  readonly stats: FleetStats;
  private readonly slots: Slot[] = [];
  private readonly owner = new Map<string, number>();
  private next = 0;
  private ramp: TimerHandle | undefined;
  private rampStart = 0;
  private requestId = 0;
  private readonly replies = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private stopped: Promise<FleetSummary> | undefined;
  private wasSettled = false;

  private constructor(private readonly options: FleetRunnerOptions) {
    super();
    this.stats = new FleetStats(() => options.clock.monotonic());
  }

  /** Starts the workers, waits until each is ready, and starts the ramp. */
  static async start(options: FleetRunnerOptions): Promise<FleetRunner> {
    const runner = new FleetRunner(options);
    await runner.startWorkers();
    runner.startRamp();
    return runner;
  }

  private get workerCount(): number {
    return Math.max(1, Math.min(this.options.workers ?? 1, this.options.specs.length || 1));
  }

  private async startWorkers(): Promise<void> {
    const { specs } = this.options;
    const n = this.workerCount;
    specs.forEach((spec, i) => {
      this.owner.set(spec.name, i % n);
      this.stats.add(spec.name, i % n);
    });
    const ready: Array<Promise<void>> = [];
    for (let i = 0; i < n; i++) {
      const link = this.options.spawn(i);
      let exited!: () => void;
      const slot: Slot = { link, alive: true, stopping: false, exited: new Promise((r) => (exited = r)) };
      this.slots.push(slot);
      this.stats.workerState.set(i, { pid: link.pid, alive: true });
      ready.push(
        new Promise<void>((resolve, reject) => {
          link.on('message', (m) => {
            if (m.type === 'ready') resolve();
            this.onMessage(i, m);
          });
          link.once('exit', (code, signal, stderr) => {
            reject(
              new SimError(ErrorCode.FLEET_WORKER_FAILED, `worker ${i} exited while starting: ${stderr}`),
            );
            this.onExit(i, code, signal, stderr);
            exited();
          });
        }),
      );
      link.send({
        type: 'init',
        init: {
          stateDir: this.options.stateDir,
          ...(this.options.fleetCaDir ? { fleetCaDir: this.options.fleetCaDir } : {}),
          ...(this.options.brokerCaPem ? { brokerCaPem: this.options.brokerCaPem } : {}),
          metricsIntervalMs: this.options.metricsIntervalMs ?? 1000,
          ...(this.options.gcBeforeMetrics ? { gcBeforeMetrics: true } : {}),
        },
      });
    }
    try {
      await Promise.all(ready);
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  private startRamp(): void {
    const { clock, rate } = this.options;
    this.rampStart = clock.monotonic();
    this.stats.firstBootAt = this.rampStart;
    if (!rate || !Number.isFinite(rate)) {
      this.sendBoots(this.options.specs.length);
      return;
    }
    const tick = (): void => {
      const due = Math.floor(((clock.monotonic() - this.rampStart) * rate) / 1000) + 1;
      this.sendBoots(due);
      if (this.next >= this.options.specs.length) {
        this.ramp?.cancel();
        this.ramp = undefined;
      }
    };
    this.ramp = clock.setInterval(tick, Math.min(RAMP_TICK_MS, 1000 / rate));
    tick();
  }

  /** Sends boot commands until `due` devices have had theirs. */
  private sendBoots(due: number): void {
    const { specs } = this.options;
    while (this.next < Math.min(due, specs.length)) {
      const spec = specs[this.next++] as DeviceSpec;
      const slot = this.slots[this.owner.get(spec.name) as number] as Slot;
      if (!slot.alive || slot.stopping) continue;
      slot.link.send({ type: 'boot', spec });
    }
  }

  /** Devices whose boot command has been sent. */
  get launched(): number {
    return this.next;
  }

  private onMessage(worker: number, m: FromWorker): void {
    switch (m.type) {
      case 'device':
        this.stats.update(m.device, m.phase, m.sinceBootMs, m.cause);
        this.emit('device', m.device, m.phase, m.cause, m.sinceBootMs);
        this.checkSettled();
        break;
      case 'device-error':
        this.stats.error(m.cause);
        this.emit('device-error', m.device, m.cause);
        break;
      case 'metrics':
        this.stats.metrics.set(worker, m.metrics);
        this.emit('metrics', worker, m.metrics);
        break;
      case 'register':
        void this.register(worker, m.things);
        break;
      case 'reply': {
        const r = this.replies.get(m.id);
        this.replies.delete(m.id);
        if (m.ok) r?.resolve(m.result);
        else r?.reject(new SimError(ErrorCode.INVALID_ARGUMENT, m.error ?? 'the worker refused'));
        break;
      }
      case 'ready':
      case 'stopped':
        break;
    }
  }

  private async register(worker: number, things: ThingRegistration[]): Promise<void> {
    const names = things.map((t) => t.device);
    const slot = this.slots[worker];
    try {
      if (!this.options.registrar) throw new Error('this fleet has no broker to register things with');
      await this.options.registrar(things);
      slot?.link.send({ type: 'registered', names });
    } catch (err) {
      slot?.link.send({ type: 'registered', names, error: (err as Error).message });
    }
  }

  private onExit(worker: number, code: number | null, signal: string | null, stderr: string): void {
    const slot = this.slots[worker];
    if (!slot) return;
    slot.alive = false;
    const cause = `worker-exit:${signal ?? `code ${code}`}`;
    this.stats.workerState.set(worker, { pid: slot.link.pid, alive: false, exit: cause });
    if (slot.stopping) return;
    for (const d of this.stats.devices.values()) {
      if (d.worker !== worker || d.phase === 'failed' || d.phase === 'stopped') continue;
      this.stats.update(d.name, 'failed', 0, cause);
      this.emit('device', d.name, 'failed', cause, 0);
    }
    this.emit('worker-exit', worker, cause, stderr);
    this.checkSettled();
  }

  private checkSettled(): void {
    if (this.wasSettled || !this.stats.settled) return;
    this.wasSettled = true;
    this.emit('settled');
  }

  /** Resolves once every device is READY, failed or stopped. */
  whenSettled(): Promise<void> {
    if (this.stats.settled) return Promise.resolve();
    return new Promise((resolve) => this.once('settled', () => resolve()));
  }

  /** Opens one device's AT port (`pty`, `tcp:0`, …) in its worker; resolves with where it is. */
  async attach(device: string, serial: string): Promise<{ address: string }> {
    return (await this.request(device, (id) => ({ type: 'attach', id, device, serial }))) as {
      address: string;
    };
  }

  /** One device control request (signal, coverage, reboot, …), carried out in its worker. */
  control(device: string, request: ControlRequest): Promise<unknown> {
    return this.request(device, (id) => ({ type: 'control', id, device, request }));
  }

  private request(device: string, make: (id: number) => Parameters<WorkerLink['send']>[0]): Promise<unknown> {
    const worker = this.owner.get(device);
    const slot = worker === undefined ? undefined : this.slots[worker];
    if (!slot) return Promise.reject(new SimError(ErrorCode.NOT_FOUND, `no device ${device} in this fleet`));
    if (!slot.alive) {
      return Promise.reject(new SimError(ErrorCode.DEVICE_NOT_RUNNING, `the worker of ${device} has exited`));
    }
    const id = ++this.requestId;
    return new Promise((resolve, reject) => {
      const timer = this.options.clock.setTimeout(() => {
        this.replies.delete(id);
        reject(new SimError(ErrorCode.DEVICE_NOT_RUNNING, `the worker of ${device} did not answer`));
      }, REQUEST_TIMEOUT_MS);
      this.replies.set(id, {
        resolve: (v) => (timer.cancel(), resolve(v)),
        reject: (e) => (timer.cancel(), reject(e)),
      });
      slot.link.send(make(id));
    });
  }

  /**
   * Fresh metrics from every live worker (after a garbage collection when `gc` and the workers run
   * with `--expose-gc`): what a bench reads once the fleet is idle.
   */
  async measure(gc: boolean): Promise<Map<number, WorkerMetrics>> {
    const out = new Map<number, WorkerMetrics>();
    await Promise.all(
      this.slots.map(
        (slot, index) =>
          new Promise<void>((resolve) => {
            if (!slot.alive) return resolve();
            const timer = this.options.clock.setTimeout(
              () => (slot.link.off('message', listener), resolve()),
              REQUEST_TIMEOUT_MS,
            );
            const listener = (m: FromWorker): void => {
              if (m.type !== 'metrics' || !m.metrics.requested) return;
              slot.link.off('message', listener);
              timer.cancel();
              out.set(index, m.metrics);
              resolve();
            };
            slot.link.on('message', listener);
            slot.link.send({ type: 'measure', gc });
          }),
      ),
    );
    return out;
  }

  /** Test and operator hook: ends worker `index` at once, as a crash would. */
  killWorker(index: number): void {
    this.slots[index]?.link.kill();
  }

  /** Stops every device and worker (a worker that does not finish in time is killed); the summary. */
  stop(): Promise<FleetSummary> {
    this.stopped ??= (async () => {
      this.ramp?.cancel();
      const { clock } = this.options;
      const timeout = this.options.stopTimeoutMs ?? 20_000;
      await Promise.all(
        this.slots.map(async (slot) => {
          if (!slot.alive) return;
          slot.stopping = true;
          slot.link.send({ type: 'stop' });
          const timer = clock.setTimeout(() => slot.link.kill(), timeout);
          await slot.exited;
          timer.cancel();
        }),
      );
      for (const r of this.replies.values())
        r.reject(new SimError(ErrorCode.INVALID_STATE, 'the fleet stopped'));
      this.replies.clear();
      return this.stats.summary();
    })();
    return this.stopped;
  }
}
