import type { Clock } from '../../core/clock.js';
import type { ControlRequest } from '../../firmware/control/index.js';
import type { FleetBroker } from '../broker.js';
import type { StepOutcomes } from './verdict.js';

/** Something that happened during a run, in device time from the start (the timeline and the trace). */
export interface ScenarioEvent {
  t: number;
  kind: 'phase' | 'step' | 'step-done' | 'step-error' | 'all-ready' | 'end';
  device?: string;
  phase?: string;
  cause?: string;
  step?: number;
  action?: string;
  targets?: string[];
  message?: string;
}

/** What a step did, for the report. */
export interface StepRecord {
  index: number;
  line: number;
  id?: string;
  action: string;
  startedAt?: number;
  doneAt?: number;
  targets: string[];
  errors: string[];
}

/** What steps need from the run. */
export interface StepContext {
  seed: string;
  /** The scenario's clock (device time). */
  time: Clock;
  elapsed(): number;
  /** Ends every wait of a step when the run ends. */
  signal: AbortSignal;
  devicesOf(group: string | undefined): string[];
  thingOf(device: string): string;
  control(device: string, request: ControlRequest): Promise<unknown>;
  broker: FleetBroker;
  /** The scenario's name (job ids, S3 keys). */
  scenario: string;
  /** The image a device's group runs, at another version (a FOTA campaign's update). */
  imageFor(device: string, version: string): Buffer;
  outcomes: StepOutcomes;
  /** The desired changes made, to check at the end. */
  shadowChanges: Array<{ thing: string; desired: Record<string, unknown> }>;
  log(event: Omit<ScenarioEvent, 't'>): void;
}
