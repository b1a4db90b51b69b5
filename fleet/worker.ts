import path from 'node:path';
import type { Clock, TimerHandle } from '../core/clock.js';
import { CertificateAuthority } from '../broker-fixtures/index.js';
import { buildAppImage } from '../firmware/image/app-image.js';
import { DeviceHost } from './device-host.js';
import type { FromWorker, ThingRegistration, ToWorker, WorkerInit } from './messages.js';
import { parseDeviceSpec, type DeviceSpec } from './spec.js';

/** Registrations sent to the runner in one message at most. */
const REGISTER_BATCH = 200;
const REGISTER_DELAY_MS = 20;

interface PendingRegistration {
  registration: ThingRegistration;
  resolve(): void;
  reject(err: Error): void;
}

/**
 * The part of a fleet one worker runs: the devices the runner sends it, each booted from its own
 * state folder. It signs its devices' certificates with the fleet CA, asks the runner to register
 * the things in batches, and streams every device's phase and its own metrics back.
 */
export class FleetWorker {
  private init: WorkerInit | undefined;
  private readonly hosts = new Map<string, DeviceHost>();
  private readonly images = new Map<string, Buffer>();
  private ca: Promise<CertificateAuthority> | undefined;
  private pending: PendingRegistration[] = [];
  private readonly waiting = new Map<string, PendingRegistration>();
  private flushTimer: TimerHandle | undefined;
  private metricsTimer: TimerHandle | undefined;
  private messages = 0;
  private lastCpu = process.cpuUsage();
  private readonly baseRss: number;
  private readonly baseHeap: number;

  constructor(
    private readonly send: (message: FromWorker) => void,
    private readonly clock: Clock,
  ) {
    // The worker before any device: what per-device figures are counted from.
    (globalThis as { gc?: () => void }).gc?.();
    const memory = process.memoryUsage();
    this.baseRss = memory.rss;
    this.baseHeap = memory.heapUsed;
  }

  async handle(message: ToWorker): Promise<void> {
    switch (message.type) {
      case 'init':
        this.init = message.init;
        this.metricsTimer = this.clock.setInterval(() => this.sendMetrics(), message.init.metricsIntervalMs);
        this.send({ type: 'ready', pid: process.pid, baseRssBytes: this.baseRss });
        return;
      case 'boot':
        return this.boot(message.spec);
      case 'registered':
        return this.registered(message.names, message.error);
      case 'attach':
      case 'control':
        return this.request(message);
      case 'measure':
        this.sendMetrics(message.gc, true);
        return;
      case 'stop':
        return this.stop();
    }
  }

  private async boot(input: DeviceSpec): Promise<void> {
    const init = this.requireInit();
    let spec: DeviceSpec;
    try {
      spec = parseDeviceSpec(input);
    } catch (err) {
      this.send({
        type: 'device',
        device: String(input?.name),
        phase: 'failed',
        sinceBootMs: 0,
        cause: `bad-spec:${(err as Error).message}`,
      });
      return;
    }
    const host = new DeviceHost(spec, {
      stateDir: init.stateDir,
      clock: this.clock,
      brokerCaPem: init.brokerCaPem,
      image: (s) => this.image(s),
      provision: (s, thing) => this.provision(s, thing),
      phase: (device, phase, sinceBootMs, cause) =>
        this.send({ type: 'device', device, phase, sinceBootMs, ...(cause ? { cause } : {}) }),
      error: (device, cause) => this.send({ type: 'device-error', device, cause }),
      message: () => this.messages++,
    });
    this.hosts.set(spec.name, host);
    await host.boot();
  }

  /** One compiled image per distinct image spec: the fleet's flash pages then share it too. */
  private image(spec: DeviceSpec): Buffer {
    const key = JSON.stringify(spec.image);
    let image = this.images.get(key);
    if (!image) {
      image = buildAppImage(spec.image);
      this.images.set(key, image);
    }
    return image;
  }

  private async provision(
    spec: DeviceSpec,
    thingName: string,
  ): Promise<{ certificatePem: string; privateKeyPem: string }> {
    const dir = this.requireInit().fleetCaDir;
    if (!dir) throw new Error('the fleet has no CA to sign device certificates with');
    this.ca ??= CertificateAuthority.loadOrCreate(dir, 'nrf91sim fleet CA', this.clock);
    const issued = await (await this.ca).issue({ commonName: thingName });
    await new Promise<void>((resolve, reject) => {
      this.pending.push({
        registration: { device: spec.name, thingName, certificatePem: issued.certificatePem },
        resolve,
        reject,
      });
      if (this.pending.length >= REGISTER_BATCH) this.flush();
      else this.flushTimer ??= this.clock.setTimeout(() => this.flush(), REGISTER_DELAY_MS);
    });
    return { certificatePem: issued.certificatePem, privateKeyPem: issued.privateKeyPem ?? '' };
  }

  private flush(): void {
    this.flushTimer?.cancel();
    this.flushTimer = undefined;
    const batch = this.pending.splice(0);
    if (batch.length === 0) return;
    for (const p of batch) this.waiting.set(p.registration.device, p);
    this.send({ type: 'register', things: batch.map((p) => p.registration) });
  }

  private registered(names: string[], error: string | undefined): void {
    for (const name of names) {
      const p = this.waiting.get(name);
      this.waiting.delete(name);
      if (!p) continue;
      if (error) p.reject(new Error(`registration failed: ${error}`));
      else p.resolve();
    }
  }

  private async request(message: Extract<ToWorker, { type: 'attach' | 'control' }>): Promise<void> {
    const host = this.hosts.get(message.device);
    try {
      if (!host) throw new Error(`no device ${message.device} in this worker`);
      const result =
        message.type === 'attach'
          ? { address: await host.attach(message.serial) }
          : await host.control(message.request);
      this.send({ type: 'reply', id: message.id, ok: true, result });
    } catch (err) {
      this.send({ type: 'reply', id: message.id, ok: false, error: (err as Error).message });
    }
  }

  private sendMetrics(collect = this.init?.gcBeforeMetrics === true, requested = false): void {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (collect && gc) gc();
    const memory = process.memoryUsage();
    const cpu = process.cpuUsage(this.lastCpu);
    this.lastCpu = process.cpuUsage();
    this.send({
      type: 'metrics',
      metrics: {
        rssBytes: memory.rss,
        heapUsedBytes: memory.heapUsed,
        baseRssBytes: this.baseRss,
        baseHeapBytes: this.baseHeap,
        messages: this.messages,
        devices: this.hosts.size,
        cpuMicros: cpu.user + cpu.system,
        intervalMs: this.requireInit().metricsIntervalMs,
        ...(requested ? { requested } : {}),
      },
    });
    this.messages = 0;
  }

  async stop(): Promise<void> {
    this.metricsTimer?.cancel();
    this.flushTimer?.cancel();
    for (const p of [...this.pending, ...this.waiting.values()]) p.reject(new Error('the fleet is stopping'));
    this.pending = [];
    this.waiting.clear();
    await Promise.all([...this.hosts.values()].map((h) => h.stop()));
    this.send({ type: 'stopped' });
  }

  private requireInit(): WorkerInit {
    if (!this.init) throw new Error('the worker was not initialised');
    return this.init;
  }
}

/** The fleet CA's folder in a state directory. */
export function fleetCaDir(stateDir: string): string {
  return path.join(stateDir, 'fleet', 'ca');
}
