import { percentile } from '../stats.js';
import { durationMs, shareFraction } from './load.js';
import type { ScenarioExpectation } from './schema.js';

/** What the run measured of one device. */
export interface DeviceOutcome {
  name: string;
  group: string;
  thing: string;
  /** Where it ended (fleet phase). */
  phase: string;
  /** Device ms from the scenario start to its first READY. */
  readyAt?: number;
  /** Device ms from its boot command to its first READY. */
  bootToReadyMs?: number;
  /** MCUboot found nothing to boot, or the device failed and never came back. */
  bricked: boolean;
  /** Mean current over the run in µA (undefined when the device did not answer). */
  averageUa?: number;
  totalUah?: number;
  version?: string;
}

/** What the steps did that expectations judge. */
export interface StepOutcomes {
  /** Things a shadow-desired step changed, and whether their shadow holds the change at the end. */
  shadow: Array<{ thing: string; updated: boolean }>;
  /** Devices a FOTA campaign targeted, and whether they run the campaign's version at the end. */
  fota: Array<{ device: string; succeeded: boolean }>;
}

export interface ExpectationResult {
  /** The line of the expectation in the scenario file. */
  line: number;
  expect: string;
  group?: string;
  pass: boolean;
  /** The measured value in the expectation's unit (ms, a share 0-1, a count, µA). */
  measured: number | null;
  /** What it was compared with, in words. */
  threshold: string;
  detail: string;
}

function inGroup(devices: readonly DeviceOutcome[], group: string | undefined): DeviceOutcome[] {
  return group === undefined ? [...devices] : devices.filter((d) => d.group === group);
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
const secs = (ms: number): string => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`);

function ratio(
  line: number,
  expect: string,
  hits: number,
  total: number,
  atLeast: number | string,
  what: string,
): ExpectationResult {
  const min = shareFraction(atLeast);
  const measured = total === 0 ? null : hits / total;
  return {
    line,
    expect,
    pass: measured !== null && measured >= min,
    measured,
    threshold: `≥ ${pct(min)}`,
    detail: total === 0 ? `no ${what}` : `${hits} of ${total} ${what} (${pct(hits / total)})`,
  };
}

/** Judges one expectation against the run's outcomes. */
export function judge(
  e: ScenarioExpectation,
  line: number,
  devices: readonly DeviceOutcome[],
  steps: StepOutcomes,
): ExpectationResult {
  const group = 'group' in e ? e.group : undefined;
  const scope = inGroup(devices, group);
  const base = { line, expect: e.expect, ...(group !== undefined ? { group } : {}) };
  switch (e.expect) {
    case 'all-ready': {
      const limit = durationMs(e.within);
      const ready = scope.filter((d) => d.readyAt !== undefined);
      const latest = ready.length === 0 ? null : Math.max(...ready.map((d) => d.readyAt as number));
      const all = ready.length === scope.length;
      return {
        ...base,
        pass: all && latest !== null && latest <= limit,
        measured: all ? latest : null,
        threshold: `≤ ${secs(limit)}`,
        detail: `${ready.length} of ${scope.length} READY${latest !== null ? `, the last at ${secs(latest)}` : ''}`,
      };
    }
    case 'boot-to-ready-p95': {
      const limit = durationMs(e.under);
      const times = scope
        .map((d) => d.bootToReadyMs)
        .filter((t): t is number => t !== undefined)
        .sort((a, b) => a - b);
      const p95 = times.length === 0 ? null : percentile(times, 95);
      const all = times.length === scope.length;
      return {
        ...base,
        pass: all && p95 !== null && p95 < limit,
        measured: p95,
        threshold: `< ${secs(limit)}`,
        detail: `p95 of ${times.length} of ${scope.length} devices${p95 !== null ? `: ${secs(p95)}` : ''}`,
      };
    }
    case 'no-bricked': {
      const bricked = scope.filter((d) => d.bricked);
      return {
        ...base,
        pass: bricked.length === 0,
        measured: bricked.length,
        threshold: '0 devices',
        detail:
          bricked.length === 0
            ? `none of ${scope.length} bricked`
            : `bricked: ${bricked.map((d) => d.name).join(', ')}`,
      };
    }
    case 'ready-at-end': {
      const ready = scope.filter((d) => d.phase === 'ready').length;
      return {
        ...base,
        ...ratio(line, e.expect, ready, scope.length, e.atLeast, 'devices READY at the end'),
      };
    }
    case 'shadow-updated': {
      const ok = steps.shadow.filter((s) => s.updated).length;
      return {
        ...base,
        ...ratio(line, e.expect, ok, steps.shadow.length, e.atLeast, 'shadows hold the change'),
      };
    }
    case 'fota-success': {
      const ok = steps.fota.filter((f) => f.succeeded).length;
      return { ...base, ...ratio(line, e.expect, ok, steps.fota.length, e.atLeast, 'devices updated') };
    }
    case 'energy': {
      const values = scope.map((d) => d.averageUa).filter((v): v is number => v !== undefined);
      const mean = values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
      const { under, atLeast } = e.averageUa;
      const pass =
        mean !== null &&
        values.length === scope.length &&
        (under === undefined || mean < under) &&
        (atLeast === undefined || mean >= atLeast);
      const bounds = [
        under !== undefined ? `< ${under} µA` : '',
        atLeast !== undefined ? `≥ ${atLeast} µA` : '',
      ]
        .filter(Boolean)
        .join(' and ');
      return {
        ...base,
        pass,
        measured: mean,
        threshold: bounds || 'any',
        detail: `mean current of ${values.length} of ${scope.length} devices${mean !== null ? `: ${mean.toFixed(2)} µA` : ''}`,
      };
    }
  }
}
