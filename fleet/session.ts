import os from 'node:os';
import path from 'node:path';
import type { Clock } from '../core/clock.js';
import type { Random } from '../core/random.js';
import { ErrorCode, isSimError, SimError } from '../core/errors.js';
import type { LinkPresetName } from '../core/link.js';
import { builtInApps } from '../firmware/apps/built-in.js';
import { consoleRegistrar, fleetBroker, prepareFleetCa, type FleetBroker } from './broker.js';
import { ensureNoFleet, FleetControlServer } from './control.js';
import { FleetRunner } from './runner.js';
import { fleetSpecs, type CredentialRecipe, type ImageSpec } from './spec.js';
import type { FleetSummary } from './stats.js';
import { nodeWorkers, type WorkerKind, type WorkerSpawner } from './worker-link.js';

/** The sec tag fleet devices keep their MQTT credentials in (the samples' CONFIG_*_SEC_TAG). */
export const FLEET_SEC_TAG = 201;

/**
 * How a fleet runs an application: its image configuration for the broker, and its credentials.
 * Every application reports `connected` and `ready` the way the `aws_iot` sample does.
 */
export type FleetApp = (broker: FleetBroker) => { image: ImageSpec; credentials: CredentialRecipe };

export const FLEET_APPS: Readonly<Record<string, FleetApp>> = {
  aws_iot: (broker) => ({
    // No client id in the image: one image for the whole fleet, each device connects as nrf-<IMEI>.
    image: {
      app: 'aws_iot',
      version: '1.0.0',
      config: {
        endpoint: broker.endpoint,
        port: broker.mqttPort,
        secTag: FLEET_SEC_TAG,
        // Connect, subscribe to the shadow's answers, get the shadow, report (READY comes between).
        appTopics: [],
        shadowSubscriptions: ['get/accepted', 'get/rejected', 'update/delta'],
      },
    },
    credentials: { kind: 'fleet-ca', secTag: FLEET_SEC_TAG },
  }),
  nrf_cloud: () => {
    // The nrf_cloud sample onboards by JITP with a certificate of the nRF Cloud CA, then waits to be
    // associated with a team: the fleet does neither yet, so its devices would never get READY.
    throw new SimError(
      ErrorCode.INVALID_ARGUMENT,
      '--app nrf_cloud: a fleet cannot provision and associate nRF Cloud devices yet; use --app aws_iot',
    );
  },
};

export interface FleetSessionOptions {
  stateDir: string;
  count: number;
  app?: string;
  /** Boot commands per second (default: all at once). */
  rate?: number;
  link?: LinkPresetName;
  /** Default: one per core. */
  workers?: number;
  workerKind?: WorkerKind;
  /** Device names are `<prefix>-<i>` (default `fleet`). */
  prefix?: string;
  clock: Clock;
  /** Randomness for the stand-in when the fleet starts one. */
  random: Random;
  metricsIntervalMs?: number;
  /** Workers other than Node's (tests). */
  spawn?: WorkerSpawner;
}

/** A running fleet: its runner, its broker, and the control socket `fleet status`/`attach` reach. */
export interface FleetSession {
  runner: FleetRunner;
  broker: FleetBroker;
  stop(): Promise<FleetSummary>;
}

/**
 * `nrf91sim fleet boot`: finds the broker on the state directory (or starts the stand-in), makes
 * the fleet CA, and boots `count` devices over the workers at the ramp rate.
 */
export async function startFleet(options: FleetSessionOptions): Promise<FleetSession> {
  const appName = options.app ?? 'aws_iot';
  const recipe = FLEET_APPS[appName];
  if (!recipe) {
    throw new SimError(
      ErrorCode.INVALID_ARGUMENT,
      `--app ${appName}: a fleet runs ${Object.keys(FLEET_APPS).join(' or ')}`,
    );
  }
  try {
    builtInApps().get(appName);
  } catch (err) {
    if (!isSimError(err, ErrorCode.APP_UNKNOWN)) throw err;
    throw new SimError(ErrorCode.APP_UNKNOWN, `--app ${appName}: this build has no ${appName} application`);
  }
  const stateDir = path.resolve(options.stateDir);
  // Before anything boots: two fleets on one state would run the same devices from the same files.
  await ensureNoFleet(stateDir);
  const broker = await fleetBroker(stateDir, { clock: options.clock, random: options.random });
  let runner: FleetRunner | undefined;
  let control: FleetControlServer | undefined;
  try {
    const fleetCaDir = await prepareFleetCa(stateDir, broker, options.clock);
    const { image, credentials } = recipe(broker);
    // The devices resolve the endpoint name in their modem: point it at a broker not on 127.0.0.1.
    const profile =
      broker.host === '127.0.0.1' ? undefined : { dns: { table: { [broker.endpoint]: broker.host } } };
    const specs = fleetSpecs({
      count: options.count,
      image,
      credentials,
      ...(profile ? { profile } : {}),
      ...(options.prefix ? { prefix: options.prefix } : {}),
      ...(options.link ? { link: options.link } : {}),
    });
    runner = await FleetRunner.start({
      specs,
      workers: options.workers ?? os.availableParallelism(),
      ...(options.rate !== undefined ? { rate: options.rate } : {}),
      stateDir,
      clock: options.clock,
      spawn: options.spawn ?? nodeWorkers(options.workerKind ?? 'process'),
      registrar: consoleRegistrar(broker),
      fleetCaDir,
      brokerCaPem: broker.caPem,
      ...(options.metricsIntervalMs ? { metricsIntervalMs: options.metricsIntervalMs } : {}),
    });
    control = await FleetControlServer.start(runner, stateDir);
  } catch (err) {
    await runner?.stop().catch(() => undefined);
    await broker.close().catch(() => undefined);
    throw err;
  }
  const started = runner;
  const server = control;
  let stopping: Promise<FleetSummary> | undefined;
  return {
    runner: started,
    broker,
    stop: () =>
      (stopping ??= (async () => {
        const summary = started.stats.summary();
        await server.close().catch(() => undefined);
        await started.stop();
        await broker.close();
        return summary;
      })()),
  };
}
