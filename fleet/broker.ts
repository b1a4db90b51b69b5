import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  CertificateAuthority,
  consoleFile,
  openBrokerConsole,
  startBrokerFixtures,
  type BrokerEndpoints,
  type BrokerFixtures,
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
  request<T>(method: string, url: string, body?: unknown): Promise<T>;
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
 * this process on free ports when none runs.
 */
export async function fleetBroker(
  stateDir: string,
  env: { clock: Clock; random: Random },
): Promise<FleetBroker> {
  const running = await runningEndpoints(stateDir);
  if (running) {
    const console = await openBrokerConsole(stateDir, env);
    return {
      endpoint: running.endpoint,
      host: running.host,
      mqttPort: running.mqttPort,
      caPem: await readFile(running.caFile, 'utf8'),
      started: false,
      fixtures: undefined,
      request: (method, url, body) => console.request(method, url, body),
      close: () => console.close(),
    };
  }
  const fixtures = await startStandIn(stateDir, env);
  return {
    endpoint: fixtures.endpoints.endpoint,
    host: fixtures.endpoints.host,
    mqttPort: fixtures.endpoints.mqttPort,
    caPem: fixtures.ca.certificatePem,
    started: true,
    fixtures,
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
): Promise<BrokerFixtures> {
  const saved = await readJsonFile<{ mqttPort?: unknown }>(portFile(stateDir)).catch(() => undefined);
  const port = typeof saved?.mqttPort === 'number' ? saved.mqttPort : 0;
  let fixtures: BrokerFixtures;
  try {
    fixtures = await startBrokerFixtures({ ...env, stateDir, port, alpnPort: 0, apiPort: 0 });
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
