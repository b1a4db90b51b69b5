import os from 'node:os';
import path from 'node:path';
import type { Clock } from '../../core/clock.js';
import { ErrorCode, SimError } from '../../core/errors.js';
import { Random } from '../../core/random.js';
import { ScaledClock } from '../../core/scaled-clock.js';
import type { EnergyReport } from '../../modem/network/energy-meter.js';
import { buildAppImage } from '../../firmware/image/app-image.js';
import type { ProfileInput } from '../../modem/profile.js';
import { consoleRegistrar, fleetBroker, prepareFleetCa, type FleetBroker } from '../broker.js';
import { FleetRunner } from '../runner.js';
import { FLEET_APPS } from '../session.js';
import { fleetImei, parseDeviceSpec, type DeviceSpec } from '../spec.js';
import { nodeWorkers, type WorkerSpawner } from '../worker-link.js';
import { durationMs } from './load.js';
import type { LoadedScenario } from './load.js';
import type { ScenarioFile } from './schema.js';
import type { ScenarioEvent, StepContext, StepRecord } from './context.js';
import { holds, runStep } from './steps.js';
import { judge, type DeviceOutcome, type ExpectationResult, type StepOutcomes } from './verdict.js';

export interface ScenarioRunOptions {
  loaded: LoadedScenario;
  stateDir: string;
  /** Wall time (the CLI's system clock); device time is this scaled by the scenario's timeScale. */
  clock: Clock;
  /** Overrides the file's seed. */
  seed?: string;
  workers?: number;
  spawn?: WorkerSpawner;
  /** Every event as it happens (the CLI's timeline). */
  onEvent?: (event: ScenarioEvent) => void;
  /** The fleet is booting (the CLI's live table). */
  onFleet?: (runner: FleetRunner) => void;
}

export interface GroupReport {
  name: string;
  count: number;
  ready: number;
  /** Mean current per device (µA = µAh per hour) and total charge, from each modem's estimate. */
  averageUa: number | null;
  totalUah: number | null;
  batteryLifeDays: number | null;
}

export interface ScenarioReport {
  scenario: string;
  file: string;
  seed: string;
  timeScale: number;
  /** Device time the story lasted, and the wall time it took. */
  durationMs: number;
  wallMs: number;
  verdict: 'pass' | 'fail';
  expectations: ExpectationResult[];
  groups: GroupReport[];
  steps: StepRecord[];
  devices: DeviceOutcome[];
  /** Every event in order, device time from the start. */
  trace: ScenarioEvent[];
}

interface Tracked extends DeviceOutcome {
  spec: DeviceSpec;
}

/**
 * The fleet's devices: `<group>-<i>`, each seeded from the scenario seed, its group and index; IMEIs
 * (and so thing names `nrf-<IMEI>`) count up from a start the seed picks, distinct across groups.
 */
function deviceSpecs(s: ScenarioFile, broker: FleetBroker, seed: string): Tracked[] {
  const out: Tracked[] = [];
  let index = 0;
  for (const g of s.groups) {
    const recipe = (FLEET_APPS[g.app] ?? FLEET_APPS.aws_iot)!.setup(broker);
    for (let i = 0; i < g.count; i++) {
      const name = `${g.name}-${i}`;
      const imei = fleetImei(`scenario:${s.name}:${seed}`, index++);
      const profile = (g.profile ?? {}) as ProfileInput;
      const spec = parseDeviceSpec({
        name,
        seed: `${g.seed ?? `${seed}:${g.name}`}:${i}`,
        credentials: recipe.credentials,
        image: { app: recipe.image.app, version: g.version, config: { ...recipe.image.config, ...g.config } },
        profile: { ...profile, identity: { ...profile.identity, imei } },
        ...(g.link ? { link: g.link } : {}),
      });
      out.push({ spec, name, group: g.name, thing: `nrf-${imei}`, phase: 'queued', bricked: false });
    }
  }
  return out;
}

/**
 * Runs a scenario on a fleet: boots its groups over worker processes against the broker of the
 * state directory (or the stand-in in this process), plays the timeline on device time, then
 * measures every device and judges the expectations. Resolves with the report; the verdict is
 * `fail` when any expectation fails.
 */
export async function runScenario(o: ScenarioRunOptions): Promise<ScenarioReport> {
  const s = o.loaded.scenario;
  const seed = String(o.seed ?? s.seed);
  const stateDir = path.resolve(o.stateDir);
  const wallStart = o.clock.monotonic();
  // The stand-in's randomness (its ids, certificate serials) follows the seed too.
  const broker = await fleetBroker(stateDir, { clock: o.clock, random: new Random(`${seed}:broker`) });
  const trace: ScenarioEvent[] = [];
  const abort = new AbortController();
  let runner: FleetRunner | undefined;
  try {
    const fleetCaDir = await prepareFleetCa(stateDir, broker, o.clock);
    const devices = deviceSpecs(s, broker, seed);
    const byName = new Map(devices.map((d) => [d.name, d]));
    const time = s.timeScale === 1 ? o.clock : new ScaledClock(o.clock, s.timeScale);
    let start = time.monotonic();
    const elapsed = (): number => time.monotonic() - start;
    const log = (e: Omit<ScenarioEvent, 't'>): void => {
      const event = { t: elapsed(), ...e };
      trace.push(event);
      o.onEvent?.(event);
    };
    runner = await FleetRunner.start({
      specs: devices.map((d) => d.spec),
      workers: o.workers ?? Math.min(os.availableParallelism(), Math.max(1, Math.ceil(devices.length / 50))),
      stateDir,
      clock: o.clock,
      spawn: o.spawn ?? nodeWorkers('process'),
      registrar: consoleRegistrar(broker),
      fleetCaDir,
      brokerCaPem: broker.caPem,
      timeScale: s.timeScale,
    });
    start = time.monotonic();
    const fleet = runner;
    o.onFleet?.(fleet);
    const outcomes: StepOutcomes = { shadow: [], fota: [] };
    const shadowChanges: StepContext['shadowChanges'] = [];
    const records: StepRecord[] = s.timeline.map((step, index) => ({
      index,
      line: o.loaded.lines.timeline[index] ?? 0,
      ...(step.id !== undefined ? { id: step.id } : {}),
      action: step.do.action,
      targets: [],
      errors: [],
    }));
    const ctx: StepContext = {
      seed,
      time,
      elapsed,
      signal: abort.signal,
      devicesOf: (group) =>
        devices.filter((d) => group === undefined || d.group === group).map((d) => d.name),
      thingOf: (device) => byName.get(device)?.thing ?? device,
      control: (device, request) => fleet.control(device, request),
      broker,
      scenario: s.name,
      imageFor: (device, version) => {
        const spec = byName.get(device)?.spec;
        if (!spec) throw new SimError(ErrorCode.NOT_FOUND, `no device ${device}`);
        return buildAppImage({ ...spec.image, version });
      },
      outcomes,
      shadowChanges,
      log,
    };
    const done = new Map<string, Promise<void>>();
    const pending: Array<Promise<void>> = [];
    const launch = (index: number): void => {
      const step = s.timeline[index];
      const record = records[index];
      if (!step || !record || abort.signal.aborted) return;
      const run = runStep(step, record, ctx);
      pending.push(run);
      if (step.id !== undefined) done.set(step.id, run);
      void run.then(() => {
        s.timeline.forEach((next, j) => {
          if (next.on === 'step-done' && next.step === step.id) schedule(j);
        });
      });
    };
    const schedule = (index: number): void => {
      const step = s.timeline[index];
      if (!step) return;
      const delay = step.at !== undefined ? durationMs(step.at) - elapsed() : durationMs(step.after ?? 0);
      void time.sleep(Math.max(0, delay), abort.signal).then(
        () => launch(index),
        () => undefined,
      );
    };
    let allReady = false;
    let ended = false;
    fleet.on('device', (name, phase, cause) => {
      const d = byName.get(name);
      if (!d || ended) return;
      d.phase = phase;
      if (phase === 'ready' && d.readyAt === undefined) {
        d.readyAt = elapsed();
        d.bootToReadyMs = fleet.stats.devices.get(name)?.bootToReadyMs ?? d.readyAt;
      }
      if (phase === 'failed' && cause === 'no-bootable-image') d.bricked = true;
      log({ kind: 'phase', device: name, phase, ...(cause !== undefined ? { cause } : {}) });
      if (!allReady && devices.every((x) => x.readyAt !== undefined)) {
        allReady = true;
        log({ kind: 'all-ready' });
        // The energy figures cover the story from here: booting is wall-bound work that a time
        // scale would stretch into hours of search and connection.
        for (const x of devices)
          void fleet.control(x.name, { action: 'energy', reset: true }).catch(() => undefined);
        s.timeline.forEach((step, j) => step.on === 'all-ready' && schedule(j));
      }
    });
    s.timeline.forEach((step, j) => step.at !== undefined && schedule(j));
    await time.sleep(durationMs(s.duration));
    abort.abort();
    await Promise.all(pending);
    await measure(fleet, devices, s.batteryMah);
    for (const change of shadowChanges) {
      const doc = await broker
        .request<{ state?: { desired?: unknown } }>(
          'GET',
          `/things/${encodeURIComponent(change.thing)}/shadow`,
        )
        .catch(() => undefined);
      outcomes.shadow.push({ thing: change.thing, updated: holds(doc?.state?.desired, change.desired) });
    }
    log({ kind: 'end' });
    // Stopping the fleet afterwards is not part of the story.
    ended = true;
    const outcomesOf = devices.map(({ spec: _spec, ...rest }) => rest);
    const expectations = s.expect.map((e, i) =>
      judge(e, o.loaded.lines.expect[i] ?? 0, outcomesOf, outcomes),
    );
    return {
      scenario: s.name,
      file: o.loaded.file,
      seed,
      timeScale: s.timeScale,
      durationMs: durationMs(s.duration),
      wallMs: o.clock.monotonic() - wallStart,
      verdict: expectations.every((e) => e.pass) ? 'pass' : 'fail',
      expectations,
      groups: s.groups.map((g) => groupReport(g.name, outcomesOf, s.batteryMah)),
      steps: records,
      devices: outcomesOf,
      trace,
    };
  } finally {
    abort.abort();
    await runner?.stop().catch(() => undefined);
    await broker.close().catch(() => undefined);
  }
}

/** Asks every device for its status and energy estimate at the end. */
async function measure(
  runner: FleetRunner,
  devices: Tracked[],
  batteryMah: number | undefined,
): Promise<void> {
  await Promise.all(
    devices.map(async (d) => {
      const status = (await runner.control(d.name, { action: 'status' }).catch(() => undefined)) as
        { power?: string; version?: string } | undefined;
      if (status?.power === 'halted') d.bricked = true;
      if (status?.version !== undefined) d.version = status.version;
      const energy = (await runner
        .control(d.name, { action: 'energy', ...(batteryMah ? { batteryMah } : {}) })
        .catch(() => undefined)) as EnergyReport | undefined;
      if (energy) {
        d.averageUa = energy.averageUa;
        d.totalUah = energy.totalUah;
      }
    }),
  );
}

function groupReport(name: string, devices: DeviceOutcome[], batteryMah: number | undefined): GroupReport {
  const members = devices.filter((d) => d.group === name);
  const measured = members.filter((d) => d.averageUa !== undefined);
  const averageUa =
    measured.length === 0
      ? null
      : measured.reduce((a, d) => a + (d.averageUa as number), 0) / measured.length;
  const totalUah = measured.length === 0 ? null : measured.reduce((a, d) => a + (d.totalUah as number), 0);
  return {
    name,
    count: members.length,
    ready: members.filter((d) => d.phase === 'ready').length,
    averageUa,
    totalUah,
    batteryLifeDays: batteryMah && averageUa ? (batteryMah * 1000) / averageUa / 24 : null,
  };
}
