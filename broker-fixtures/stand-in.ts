import { rm } from 'node:fs/promises';
import path from 'node:path';
import { Aedes } from 'aedes';
import { writeJsonAtomic } from '../core/atomic-file.js';
import type { Clock } from '../core/clock.js';
import type { Random } from '../core/random.js';
import { createServiceContext } from './context.js';
import { ApiRouter } from './control-api/router.js';
import { ControlApiServer } from './control-api/http-server.js';
import { EventLog } from './event-log.js';
import { Authorizer } from './mqtt/authorizer.js';
import { createAedes } from './mqtt/create-aedes.js';
import { openCluster, type ClusterOptions, type ClusterParts } from './cluster/redis-cluster.js';
import { AWS_MQTT_ALPN, TlsListener } from './mqtt/tls-listener.js';
import { CertificateAuthority } from './pki/certificate-authority.js';
import { Registry } from './registry/registry.js';
import { FleetProvisioningService } from './services/fleet-provisioning.js';
import { JitpService } from './services/jitp.js';
import { JobsService } from './services/jobs/jobs-service.js';
import type { ThrottleOptions } from './services/jobs/request-throttle.js';
import { PresenceService } from './services/presence.js';
import { RegistryApiService } from './services/registry-api.js';
import { S3HostingService, type S3Endpoints } from './services/s3-hosting.js';
import type { BrokerService, StandInConfig } from './services/service.js';
import { ServiceRegistry } from './services/service-registry.js';
import { ShadowService, type ShadowServiceOptions } from './services/shadow/shadow-service.js';
import { ThingGroupsApiService } from './services/thing-groups-api.js';
import { NrfCloudStandIn, type NrfCloudEndpoints, type NrfCloudOptions } from './nrf-cloud/stand-in.js';
import { openBrokerStateDir } from './state/open-state.js';
import type { StateStore } from './store/store.js';
import type { S3Server } from './s3/server.js';

export interface BrokerFixturesOptions {
  /** The state directory; the stand-in keeps its files under `<stateDir>/broker/`. */
  stateDir: string;
  /** Replaces the embedded file store (e.g. a shared store for several nodes). */
  store?: StateStore;
  /**
   * Run as one node of a cluster on Redis (docs/cluster.md): state in a {@link RedisStore}, aedes
   * routing through mqemitter-redis and keeping sessions in aedes-persistence-redis, the CA shared.
   */
  cluster?: ClusterOptions;
  /** Time for everything the stand-in dates or times out: `systemClock`, or a `VirtualClock` in tests. */
  clock: Clock;
  /**
   * Every identifier and token the services draw (session ids, ownership tokens, request ids); a
   * run given the same seed draws the same (`Random.fromEntropy()` for a fresh one).
   */
  random: Random;
  host?: string;
  /** MQTT over mutual TLS (AWS: 8883). 0 picks a free port. */
  port?: number;
  /** MQTT over mutual TLS with ALPN `x-amzn-mqtt-ca` required (AWS: 443; default 8443). */
  alpnPort?: number;
  /** The HTTP/JSON console. */
  apiPort?: number;
  /** The endpoint name in the server certificate, e.g. `abc123-ats.iot.eu-west-1.amazonaws.com`. */
  endpoint?: string;
  region?: string;
  accountId?: string;
  /** More services (Jobs, nRF Cloud, …), started after the built-in ones. */
  services?: BrokerService[];
  shadow?: ShadowServiceOptions;
  /**
   * Serve the S3 stand-in from the broker process (state in `<stateDir>/s3/`); its presigned URLs
   * replace the `${aws:iot:s3-presigned-url:…}` placeholders of job documents. Off unless given.
   */
  s3?: {
    httpPort?: number | null;
    httpsPort?: number | null;
    region?: string;
    presignScheme?: 'https' | 'http';
    /** Accept PUT and DELETE without a presigned URL (default false: writes need credentials). */
    anonymousWrites?: boolean;
  };
  /** Jobs API requests per second per thing before RequestThrottled (off by default). */
  jobsThrottle?: ThrottleOptions;
  subscribeDenial?: 'disconnect' | 'suback-failure';
  /** Hand retained messages to wildcard subscriptions too (AWS documents exact filters only). */
  retainedOnWildcard?: boolean;
  /**
   * Run the local nRF Cloud too (its state in the same store, its CA in `<stateDir>/nrf-cloud/ca/`),
   * with its own mutual-TLS MQTT listener, REST API and firmware download server. Off unless given.
   */
  nrfCloud?: NrfCloudOptions;
}

export interface BrokerEndpoints {
  /** This node's id when the stand-in runs as a cluster node. */
  nodeId?: string;
  /** The endpoint name devices use, and that the server certificate names. */
  endpoint: string;
  host: string;
  mqttPort: number;
  alpnPort: number;
  alpn: string;
  apiUrl: string;
  /** PEM file of the local CA: clients' `--cafile`. */
  caFile: string;
  /** The hosted S3 stand-in, when the broker serves one. */
  s3?: S3Endpoints;
  /** The local nRF Cloud, when the broker runs one. */
  nrfCloud?: NrfCloudEndpoints;
}

export interface BrokerState {
  readonly dir: string;
  readonly registry: Registry;
  readonly ca: CertificateAuthority;
  readonly log: EventLog;
  readonly services: ServiceRegistry;
  readonly shadows: ShadowService;
  readonly jobs: JobsService;
  readonly provisioning: RegistryApiService;
  readonly console: ApiRouter;
  /** The local nRF Cloud (`options.nrfCloud`), or undefined. */
  readonly nrfCloud: NrfCloudStandIn | undefined;
  close(): Promise<void>;
}

export interface BrokerFixtures extends BrokerState {
  readonly endpoints: BrokerEndpoints;
  readonly aedes: Aedes;
  /** The hosted S3 stand-in (`options.s3`), or undefined. */
  readonly s3: S3Server | undefined;
}

export const DEFAULT_ENDPOINT = 'local-ats.iot.eu-west-1.amazonaws.com';
export const DEFAULT_REGION = 'eu-west-1';
export const DEFAULT_ACCOUNT_ID = '123456789012';
const CA_NAME = 'nrf91sim local AWS IoT CA';

/** The file a running stand-in leaves in its state directory so the CLI can find its console. */
export function consoleFile(stateDir: string): string {
  return path.join(stateDir, 'broker', 'console.json');
}

interface Assembly extends BrokerState {
  authorizer: Authorizer;
  store: StateStore;
  config: StandInConfig;
  s3: S3HostingService | undefined;
  startServices(aedes: Aedes | undefined): Promise<void>;
}

async function assemble(
  options: BrokerFixturesOptions,
  endpointInfo: () => Record<string, unknown>,
  cluster?: ClusterParts,
): Promise<Assembly> {
  const { clock, random } = options;
  let ca: CertificateAuthority | undefined;
  const store = cluster?.store ?? options.store;
  const opened = await openBrokerStateDir({
    stateDir: options.stateDir,
    clock,
    ...(store ? { store } : {}),
    afterChecks: async (dir) => {
      const caDir = path.join(dir, 'ca');
      ca = cluster
        ? await cluster.certificateAuthority(caDir, CA_NAME, clock)
        : await CertificateAuthority.loadOrCreate(caDir, CA_NAME, clock);
    },
  });
  const { dir } = opened;
  const config: StandInConfig = {
    region: options.region ?? DEFAULT_REGION,
    accountId: options.accountId ?? DEFAULT_ACCOUNT_ID,
    endpoint: options.endpoint ?? DEFAULT_ENDPOINT,
  };
  const registry = new Registry(opened.store, clock);
  const log = new EventLog(clock);
  for (const file of opened.leftovers)
    log.add({ type: 'state-recovered', detail: `removed ${file}, left by an interrupted write` });
  let nrfCloud: NrfCloudStandIn | undefined;
  try {
    nrfCloud = options.nrfCloud
      ? await NrfCloudStandIn.open({
          stateDir: options.stateDir,
          store: opened.store,
          clock,
          random,
          log,
          options: options.nrfCloud,
        })
      : undefined;
  } catch (err) {
    await opened.close().catch(() => undefined);
    throw err;
  }
  const services = new ServiceRegistry();
  const shadows = new ShadowService(options.shadow);
  const s3 = options.s3
    ? new S3HostingService({
        ...options.s3,
        stateDir: options.stateDir,
        host: options.host ?? '127.0.0.1',
        region: options.s3.region ?? config.region,
      })
    : undefined;
  const jobs = new JobsService({
    ...(s3 ? { presigner: s3.presigner } : {}),
    ...(options.jobsThrottle ? { throttle: options.jobsThrottle } : {}),
  });
  const provisioning = new RegistryApiService(endpointInfo);
  const authorizer = new Authorizer({
    registry,
    clock,
    log,
    region: config.region,
    accountId: config.accountId,
    onUnknownCertificate: (cert, id) => services.unknownCertificate(cert, id),
    beforeAcknowledge: (clientId, packet) =>
      services.beforeAcknowledge({
        topic: packet.topic,
        payload: Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload),
        clientId,
      }),
    ...(options.subscribeDenial ? { subscribeDenial: options.subscribeDenial } : {}),
  });
  services
    .add(provisioning)
    .add(shadows)
    .add(new PresenceService(authorizer))
    .add(new JitpService())
    .add(new FleetProvisioningService());
  if (s3) services.add(s3);
  services.add(jobs).add(new ThingGroupsApiService());
  for (const extra of options.services ?? []) services.add(extra);
  const router = new ApiRouter(services.routes());
  return {
    dir,
    registry,
    ca: ca!,
    log,
    services,
    shadows,
    jobs,
    provisioning,
    console: router,
    nrfCloud,
    authorizer,
    store: opened.store,
    config,
    s3,
    async startServices(aedes) {
      await services.start(
        createServiceContext({
          clock,
          random,
          store: opened.store,
          registry,
          ca: ca!,
          log,
          config,
          aedes,
          authorizer,
        }),
      );
    },
    async close() {
      try {
        await nrfCloud?.close();
        await services.stop();
      } finally {
        registry.close();
        await opened.close();
      }
    },
  };
}

/**
 * Opens the stand-in's state without serving anything: the console works (things, certificates,
 * policies, shadows), publishing goes nowhere. The CLI uses this when no broker is running.
 */
export async function openBrokerState(options: BrokerFixturesOptions): Promise<BrokerState> {
  const state = await assemble(options, () => ({ running: false }));
  try {
    await state.startServices(undefined);
  } catch (err) {
    await state.close().catch(() => undefined);
    throw err;
  }
  return state;
}

/** Starts the AWS IoT Core stand-in: aedes behind two mutual-TLS listeners, the services, the console. */
export async function startBrokerFixtures(options: BrokerFixturesOptions): Promise<BrokerFixtures> {
  const host = options.host ?? '127.0.0.1';
  let endpoints: BrokerEndpoints | undefined;
  const random = options.random;
  const cluster = options.cluster ? await openCluster(options.cluster, random.fork('cluster')) : undefined;
  let state: Assembly;
  try {
    state = await assemble({ ...options, random }, () => ({ running: true, ...endpoints }), cluster);
  } catch (err) {
    await cluster?.close();
    throw err;
  }
  let aedes: Aedes;
  try {
    aedes = await createAedes(options, state, cluster);
  } catch (err) {
    // The state directory stays locked until closed: give it back.
    await state.close().catch(() => undefined);
    await cluster?.close();
    throw err;
  }

  const opened: Array<{ close(): Promise<void> }> = [];
  const shutdown = async (): Promise<void> => {
    // aedes first: it closes the client connections that would otherwise hold the listeners open.
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    for (const c of opened.reverse()) await c.close().catch(() => {});
    try {
      await state.close();
    } finally {
      await cluster?.close();
    }
  };
  try {
    const serverCert = await state.ca.issue({
      commonName: state.config.endpoint,
      altNames: [...new Set([state.config.endpoint, 'localhost', '127.0.0.1', '::1', host])],
      serverAuth: true,
    });
    const tlsOptions = {
      host,
      key: serverCert.privateKeyPem ?? '',
      cert: serverCert.certificatePem,
      ca: state.ca.certificatePem,
      onConnection: (socket: import('node:tls').TLSSocket) => void aedes.handle(socket),
      onClientError: (err: Error) => state.log.add({ type: 'tls-error', detail: err.message }),
    };
    const mqtt = await TlsListener.listen({ ...tlsOptions, port: options.port ?? 8883, alpn: 'optional' });
    opened.push(mqtt);
    const alpn = await TlsListener.listen({
      ...tlsOptions,
      port: options.alpnPort ?? 8443,
      alpn: 'required',
    });
    opened.push(alpn);
    const api = await ControlApiServer.listen(state.console, options.apiPort ?? 8880, host);
    opened.push(api);
    endpoints = {
      ...(cluster ? { nodeId: cluster.nodeId } : {}),
      endpoint: state.config.endpoint,
      host,
      mqttPort: mqtt.port,
      alpnPort: alpn.port,
      alpn: AWS_MQTT_ALPN,
      apiUrl: api.url,
      caFile: path.join(state.dir, 'ca', 'ca.crt'),
      ...(state.s3?.endpoints ? { s3: state.s3.endpoints } : {}),
      ...(state.nrfCloud ? { nrfCloud: await state.nrfCloud.serve(host, mqtt) } : {}),
    };
    const marker = consoleFile(options.stateDir);
    await writeJsonAtomic(marker, { pid: process.pid, ...endpoints });
    opened.unshift({ close: () => rm(marker, { force: true }) });
  } catch (err) {
    await shutdown();
    throw err;
  }
  const ready = endpoints;
  let closing: Promise<void> | undefined;
  return {
    dir: state.dir,
    registry: state.registry,
    ca: state.ca,
    log: state.log,
    services: state.services,
    shadows: state.shadows,
    jobs: state.jobs,
    provisioning: state.provisioning,
    console: state.console,
    nrfCloud: state.nrfCloud,
    aedes,
    s3: state.s3?.server,
    endpoints: ready,
    close: () => (closing ??= shutdown()),
  };
}

export { AWS_MQTT_ALPN };
