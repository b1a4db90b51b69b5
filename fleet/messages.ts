import type { ControlRequest } from '../firmware/control/index.js';
import type { DeviceSpec } from './spec.js';

/**
 * Where a fleet device is. `failed` is final: the device (or its worker) stopped with a cause and
 * nothing restarts it. `error` is a problem the device reported while it keeps running (a refused
 * connection it will retry); it does not change the device's place in the sequence.
 */
export type DevicePhase =
  | 'queued'
  | 'provisioning'
  | 'booting'
  | 'registered'
  | 'connected'
  | 'ready'
  | 'disconnected'
  | 'failed'
  | 'stopped';

/** What every worker is told when it starts. */
export interface WorkerInit {
  stateDir: string;
  /** The fleet CA's folder (`ca.crt`, `ca.key`): workers sign their devices' certificates with it. */
  fleetCaDir?: string;
  /** The broker's CA certificate, the devices' trust anchor for the server. */
  brokerCaPem?: string;
  /** Milliseconds between two metrics messages. */
  metricsIntervalMs: number;
  /** Collect garbage before measuring (needs `--expose-gc`): steadier figures for a bench. */
  gcBeforeMetrics?: boolean;
}

/** Parent → worker. */
export type ToWorker =
  | { type: 'init'; init: WorkerInit }
  | { type: 'boot'; spec: DeviceSpec }
  | { type: 'registered'; names: string[]; error?: string }
  | { type: 'attach'; id: number; device: string; serial: string }
  | { type: 'control'; id: number; device: string; request: ControlRequest }
  /** Send metrics now, after collecting garbage when `gc` (and the worker runs with `--expose-gc`). */
  | { type: 'measure'; gc: boolean }
  | { type: 'stop' };

/** A thing the runner registers for a device whose worker made its certificate. */
export interface ThingRegistration {
  device: string;
  thingName: string;
  certificatePem: string;
}

export interface WorkerMetrics {
  rssBytes: number;
  heapUsedBytes: number;
  /** RSS and heap when the worker started, before any device. */
  baseRssBytes: number;
  baseHeapBytes: number;
  /** MQTT messages (shadow updates sent, messages received) since the previous metrics. */
  messages: number;
  devices: number;
  /** CPU time (user + system) since the previous metrics, in microseconds. */
  cpuMicros: number;
  intervalMs: number;
  /** Sent in answer to a `measure` request. */
  requested?: boolean;
}

/** Worker → parent. */
export type FromWorker =
  | { type: 'ready'; pid: number; baseRssBytes: number }
  | { type: 'register'; things: ThingRegistration[] }
  | {
      type: 'device';
      device: string;
      phase: DevicePhase;
      /** Milliseconds since the worker got the boot command. */
      sinceBootMs: number;
      cause?: string;
      detail?: Record<string, unknown>;
    }
  | { type: 'device-error'; device: string; cause: string }
  | { type: 'metrics'; metrics: WorkerMetrics }
  | { type: 'reply'; id: number; ok: boolean; result?: unknown; error?: string }
  | { type: 'stopped' };
