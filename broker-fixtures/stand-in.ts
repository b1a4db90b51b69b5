import { rm } from 'node:fs/promises';
import path from 'node:path';
import { Aedes } from 'aedes';
import { writeJsonAtomic } from '../core/atomic-file.js';
import { AwsApiServer } from './aws-api/aws-api-server.js';
import { AwsApiService } from './aws-api/aws-api-service.js';
import { createServiceContext } from './context.js';
import { ApiRouter } from './control-api/router.js';
import { ControlApiServer } from './control-api/http-server.js';
import { EventLog } from './event-log.js';
import { Authorizer } from './mqtt/authorizer.js';
import { markClusterNodeState, refuseClusterNodeState } from './cluster/node-state.js';
import { openCluster, type ClusterParts } from './cluster/redis-cluster.js';
import { createAedes } from './mqtt/create-aedes.js';
import { AWS_MQTT_ALPN, TlsListener } from './mqtt/tls-listener.js';
import { CertificateAuthority } from './pki/certificate-authority.js';
import { Registry } from './registry/registry.js';
import { FleetProvisioningService } from './services/fleet-provisioning.js';
import { JitpService } from './services/jitp.js';
import { JobsService } from './services/jobs/jobs-service.js';
import { PresenceService } from './services/presence.js';
import { RegistryApiService } from './services/registry-api.js';
import { S3HostingService } from './services/s3-hosting.js';
import type { StandInConfig } from './services/service.js';
import { ServiceRegistry } from './services/service-registry.js';
import { ShadowService } from './services/shadow/shadow-service.js';
import { ThingGroupsApiService } from './services/thing-groups-api.js';
import { NrfCloudStandIn } from './nrf-cloud/stand-in.js';
import { openBrokerStateDir } from './state/open-state.js';
import type { StateStore } from './store/store.js';
import type { S3Server } from './s3/server.js';
import type { BrokerEndpoints, BrokerFixturesOptions } from './stand-in-options.js';

export type { BrokerEndpoints, BrokerFixturesOptions } from './stand-in-options.js';

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
  awsApi: AwsApiService;
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
          ...(cluster ? { cluster } : {}),
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
  const awsApi = new AwsApiService({
    shadows,
    jobs,
    ...(options.awsCredentials ? { credentials: options.awsCredentials } : {}),
  });
  services.add(jobs).add(new ThingGroupsApiService()).add(awsApi);
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
    awsApi,
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
  if (!options.store) await refuseClusterNodeState(options.stateDir);
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
    const log = state.log;
    cluster?.onError((err) => log.add({ type: 'cluster-error', detail: err.message }));
  } catch (err) {
    await cluster?.close();
    throw err;
  }
  let aedes: Aedes;
  try {
    if (cluster) await markClusterNodeState(options.stateDir, cluster);
    aedes = await createAedes(options, state, cluster);
  } catch (err) {
    // The state directory stays locked until closed: give it back.
    await state.close().catch(() => undefined);
    await cluster?.close();
    throw err;
  }

  const opened: Array<{ close(): Promise<void>; stopAccepting?: () => void }> = [];
  const shutdown = async (): Promise<void> => {
    // No new connection from here on (a device reconnecting at once is refused and tries its next
    // address); then aedes closes the client connections that would otherwise hold the listeners open.
    for (const c of opened) c.stopAccepting?.();
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
    const awsApi =
      options.awsApiPort === null
        ? undefined
        : await AwsApiServer.listen(state.awsApi, options.awsApiPort ?? 0, host);
    if (awsApi) opened.push(awsApi);
    endpoints = {
      ...(cluster ? { nodeId: cluster.nodeId } : {}),
      endpoint: state.config.endpoint,
      host,
      mqttPort: mqtt.port,
      alpnPort: alpn.port,
      alpn: AWS_MQTT_ALPN,
      apiUrl: api.url,
      ...(awsApi ? { awsApiUrl: awsApi.url } : {}),
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
