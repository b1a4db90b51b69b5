import type { DevicePhase, WorkerMetrics } from './messages.js';

export interface DeviceRecord {
  name: string;
  worker: number;
  phase: DevicePhase;
  /** Why it failed (final), when it did. */
  cause?: string;
  /** Boot command to READY in the worker, the first time it got there. */
  bootToReadyMs?: number;
}

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
}

export interface WorkerStatus {
  index: number;
  pid: number | undefined;
  alive: boolean;
  devices: number;
  rssKb: number;
  heapKb: number;
  messagesPerS: number;
  cpuPercent: number;
  exit?: string;
}

/** The summary `fleet boot` prints last (one JSON object with `--json`). */
export interface FleetSummary {
  event: 'summary';
  devices: number;
  ready: number;
  failed: number;
  workers: number;
  elapsed_ms: number;
  /** From the first boot command until the last device got READY (undefined until all did). */
  all_ready_ms: number | undefined;
  boot_to_ready_ms: Percentiles;
  /** Failure causes and reported errors, by cause. */
  errors: Record<string, number>;
  rss_per_device_kb: number;
  heap_per_device_kb: number;
  messages_per_s: number;
  /** CPU of the workers per device, in percent of one core, over the last metrics interval. */
  cpu_per_device_percent: number;
}

/** `p` (0-100) of sorted `values`, nearest rank; 0 for none. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

const round = (x: number): number => Math.round(x * 10) / 10;

/** What the runner knows about a fleet: every device's phase, the errors, the workers' metrics. */
export class FleetStats {
  readonly devices = new Map<string, DeviceRecord>();
  readonly errors = new Map<string, number>();
  readonly metrics = new Map<number, WorkerMetrics>();
  readonly workerState = new Map<number, { pid: number | undefined; alive: boolean; exit?: string }>();
  firstBootAt: number | undefined;
  allReadyAt: number | undefined;

  constructor(private readonly now: () => number) {}

  add(name: string, worker: number): void {
    this.devices.set(name, { name, worker, phase: 'queued' });
  }

  update(name: string, phase: DevicePhase, sinceBootMs: number, cause?: string): void {
    const d = this.devices.get(name);
    if (!d || d.phase === 'failed') return;
    d.phase = phase;
    if (phase === 'ready' && d.bootToReadyMs === undefined) {
      d.bootToReadyMs = sinceBootMs;
      if (this.allReadyAt === undefined && this.count('ready') + this.count('failed') === this.devices.size) {
        if (this.count('failed') === 0) this.allReadyAt = this.now();
      }
    }
    if (phase === 'failed') {
      d.cause = cause ?? 'unknown';
      this.error(d.cause);
    }
  }

  error(cause: string): void {
    this.errors.set(cause, (this.errors.get(cause) ?? 0) + 1);
  }

  count(phase: DevicePhase): number {
    let n = 0;
    for (const d of this.devices.values()) if (d.phase === phase) n++;
    return n;
  }

  /** Devices by phase. */
  phases(): Record<DevicePhase, number> {
    const out: Record<string, number> = {};
    for (const d of this.devices.values()) out[d.phase] = (out[d.phase] ?? 0) + 1;
    return out as Record<DevicePhase, number>;
  }

  /** Every device is READY, failed or stopped. */
  get settled(): boolean {
    for (const d of this.devices.values()) {
      if (d.phase !== 'ready' && d.phase !== 'failed' && d.phase !== 'stopped') return false;
    }
    return true;
  }

  everReady(): number[] {
    const out: number[] = [];
    for (const d of this.devices.values()) if (d.bootToReadyMs !== undefined) out.push(d.bootToReadyMs);
    return out.sort((a, b) => a - b);
  }

  workers(): WorkerStatus[] {
    return [...this.workerState.entries()].map(([index, w]) => {
      const m = this.metrics.get(index);
      return {
        index,
        pid: w.pid,
        alive: w.alive,
        devices: [...this.devices.values()].filter((d) => d.worker === index).length,
        rssKb: Math.round((m?.rssBytes ?? 0) / 1024),
        heapKb: Math.round((m?.heapUsedBytes ?? 0) / 1024),
        messagesPerS: m ? round((m.messages * 1000) / m.intervalMs) : 0,
        cpuPercent: m ? round(m.cpuMicros / 10 / m.intervalMs) : 0,
        ...(w.exit ? { exit: w.exit } : {}),
      };
    });
  }

  summary(): FleetSummary {
    const ready = this.everReady();
    let rss = 0;
    let heap = 0;
    let messages = 0;
    let cpu = 0;
    let hosted = 0;
    for (const m of this.metrics.values()) {
      rss += Math.max(0, m.rssBytes - m.baseRssBytes);
      heap += Math.max(0, m.heapUsedBytes - m.baseHeapBytes);
      messages += (m.messages * 1000) / m.intervalMs;
      cpu += m.cpuMicros / 10 / m.intervalMs;
      hosted += m.devices;
    }
    const per = (x: number): number => (hosted > 0 ? round(x / hosted) : 0);
    return {
      event: 'summary',
      devices: this.devices.size,
      ready: [...this.devices.values()].filter((d) => d.bootToReadyMs !== undefined && d.phase !== 'failed')
        .length,
      failed: this.count('failed'),
      workers: this.workerState.size,
      elapsed_ms: this.firstBootAt === undefined ? 0 : Math.round(this.now() - this.firstBootAt),
      all_ready_ms:
        this.allReadyAt === undefined || this.firstBootAt === undefined
          ? undefined
          : Math.round(this.allReadyAt - this.firstBootAt),
      boot_to_ready_ms: {
        p50: Math.round(percentile(ready, 50)),
        p95: Math.round(percentile(ready, 95)),
        p99: Math.round(percentile(ready, 99)),
      },
      errors: Object.fromEntries(this.errors),
      rss_per_device_kb: per(rss / 1024),
      heap_per_device_kb: per(heap / 1024),
      messages_per_s: round(messages),
      cpu_per_device_percent: hosted > 0 ? Math.round((cpu / hosted) * 1000) / 1000 : 0,
    };
  }
}
