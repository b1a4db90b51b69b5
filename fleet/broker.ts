import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  CertificateAuthority,
  consoleFile,
  openBrokerConsole,
  startBrokerFixtures,
  type BrokerEndpoints,
  type BrokerFixtures,
  type NrfCloudEndpoints,
} from '../broker-fixtures/index.js';
import type { Clock } from '../core/clock.js';
import type { Random } from '../core/random.js';
import { readJsonFile, writeJsonAtomic } from '../core/atomic-file.js';
import { ErrorCode, isSimError, SimError } from '../core/errors.js';
import type { ThingRegistrar } from './runner.js';
import { fleetCaDir } from './worker.js';

/** The broker a fleet talks to: where devices connect, what they trust, and its console. */
export interface FleetBroker {
  endpoint: string;
  /** The address it listens on (a cluster node may be on 127.0.0.2, …). */
  host: string;
  mqttPort: number;
  caPem: string;
  /** True when this process started the stand-in (it stops with the fleet). */
  started: boolean;
  /** The stand-in, when this process runs it. */
  fixtures: BrokerFixtures | undefined;
  /** The local nRF Cloud beside it, when it runs one (always when asked for by `fleetBroker`). */
  nrfCloud: NrfCloudEndpoints | undefined;
  request<T>(method: string, url: string, body?: unknown): Promise<T>;
  /**
   * The stand-in this process runs stops (every connection drops) and, after `pause`, starts again
   * on the same MQTT port and state; undefined for a broker this process does not run.
   */
  restart?: (pause: () => Promise<void>) => Promise<void>;
  close(): Promise<void>;
}

async function runningEndpoints(stateDir: string): Promise<(BrokerEndpoints & { pid: number }) | undefined> {
  try {
    const info = JSON.parse(await readFile(consoleFile(stateDir), 'utf8')) as BrokerEndpoints & {
      pid: number;
    };
    process.kill(info.pid, 0);
    return info;
  } catch {
    return undefined;
  }
}

/**
 * The broker running on `stateDir` (`nrf91sim broker start`), or the AWS IoT stand-in started in
 * this process on free ports when none runs; with `nrfCloud`, the local nRF Cloud too (a running
 * broker must serve one).
 */
export async function fleetBroker(
  stateDir: string,
  env: { clock: Clock; random: Random },
  want: { nrfCloud?: boolean } = {},
): Promise<FleetBroker> {
  const running = await runningEndpoints(stateDir);
  if (running) {
    if (want.nrfCloud && !running.nrfCloud) {
      throw new SimError(
        ErrorCode.INVALID_STATE,
        `the broker running on ${stateDir} has no nRF Cloud stand-in: start it without --no-nrfcloud`,
      );
    }
    const console = await openBrokerConsole(stateDir, env);
    return {
      endpoint: running.endpoint,
      host: running.host,
      mqttPort: running.mqttPort,
      caPem: await readFile(running.caFile, 'utf8'),
      started: false,
      fixtures: undefined,
      nrfCloud: running.nrfCloud,
      request: (method, url, body) => console.request(method, url, body),
      close: () => console.close(),
    };
  }
  const withNrfCloud = want.nrfCloud === true;
  let fixtures = await startStandIn(stateDir, env, withNrfCloud);
  return {
    endpoint: fixtures.endpoints.endpoint,
    host: fixtures.endpoints.host,
    mqttPort: fixtures.endpoints.mqttPort,
    caPem: fixtures.ca.certificatePem,
    started: true,
    get fixtures() {
      return fixtures;
    },
    get nrfCloud() {
      return fixtures.endpoints.nrfCloud;
    },
    async restart(pause) {
      await fixtures.close();
      await pause();
      fixtures = await startStandIn(stateDir, env, withNrfCloud);
    },
    async request<T>(method: string, url: string, body?: unknown): Promise<T> {
      const reply = await fixtures.console.dispatch({ method, url, body });
      if (reply.status >= 300) {
        const b = (reply.body ?? {}) as { code?: string; message?: string };
        throw new SimError(
          (Object.values(ErrorCode) as string[]).includes(b.code ?? '')
            ? (b.code as ErrorCode)
            : ErrorCode.INVALID_STATE,
          b.message ?? `the console answered ${reply.status}`,
        );
      }
      return reply.body as T;
    },
    close: () => fixtures.close(),
  };
}

function portFile(stateDir: string): string {
  return path.join(stateDir, 'fleet', 'broker.json');
}

/**
 * The stand-in on the MQTT port the fleet used before, when it is free: the devices' images carry
 * the port (CONFIG_AWS_IOT_PORT), so a fleet booted again finds its broker where its images say.
 */
async function startStandIn(
  stateDir: string,
  env: { clock: Clock; random: Random },
  nrfCloud: boolean,
): Promise<BrokerFixtures> {
  const saved = await readJsonFile<{ mqttPort?: unknown }>(portFile(stateDir)).catch(() => undefined);
  const port = typeof saved?.mqttPort === 'number' ? saved.mqttPort : 0;
  let fixtures: BrokerFixtures;
  try {
    // With the S3 stand-in on HTTP: a scenario's FOTA campaigns put their images there.
    fixtures = await startBrokerFixtures({
      ...env,
      stateDir,
      port,
      alpnPort: 0,
      apiPort: 0,
      s3: { httpPort: 0, httpsPort: null },
      // nRF Cloud devices connect on the AWS port with SNI mqtt.nrfcloud.com: the port kept above.
      ...(nrfCloud ? { nrfCloud: { port: 0, apiPort: 0, downloadPort: 0 } } : {}),
    });
  } catch (err) {
    if (port === 0 || !isSimError(err, ErrorCode.PORT_IN_USE)) throw err;
    throw new SimError(
      ErrorCode.PORT_IN_USE,
      `the fleet's devices on ${stateDir} connect to port ${port}, which is in use: free it or use a new --state`,
    );
  }
  if (port === 0) await writeJsonAtomic(portFile(stateDir), { mqttPort: fixtures.endpoints.mqttPort });
  return fixtures;
}

/**
 * The fleet's CA in `<state>/fleet/ca` (made on first use), registered with the broker as a CA
 * (RegisterCACertificate): the workers sign their devices' certificates with it.
 */
export async function prepareFleetCa(stateDir: string, broker: FleetBroker, clock: Clock): Promise<string> {
  const dir = fleetCaDir(stateDir);
  const ca = await CertificateAuthority.loadOrCreate(dir, 'nrf91sim fleet CA', clock);
  const { cas } = await broker.request<{ cas: Array<{ caCertificateId: string }> }>('GET', '/cas');
  if (!cas.some((c) => c.caCertificateId === ca.certificateId)) {
    await broker.request('POST', '/cas', { caCertificatePem: ca.certificatePem });
  }
  return dir;
}

/** Registers the workers' things through the broker's console, one batch per call. */
export function consoleRegistrar(broker: FleetBroker): ThingRegistrar {
  return async (things) => {
    await broker.request('POST', '/register-things', {
      things: things.map((t) => ({ thingName: t.thingName, certificatePem: t.certificatePem })),
    });
  };
}
