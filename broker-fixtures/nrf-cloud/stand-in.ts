import type { EventEmitter } from 'node:events';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { Aedes, type PublishPacket } from 'aedes';
import type { Clock } from '../../core/clock.js';
import type { Random } from '../../core/random.js';
import type { EventLog } from '../event-log.js';
import { TlsListener } from '../mqtt/tls-listener.js';
import type { ClusterParts } from '../cluster/redis-cluster.js';
import type { CertificateAuthority } from '../pki/certificate-authority.js';
import type { ExternalChange, StateStore } from '../store/store.js';
import { loadAccount, type AccountOptions } from './account.js';
import { NrfCloudGate, type NrfCloudIdentity } from './authorizer.js';
import { NrfCloudBus } from './bus.js';
import { nrfCloudCaDir, openClusterNrfCloudCa, openNrfCloudCa } from './ca.js';
import { commitChecked } from './checked-commit.js';
import { NrfCloudDevices } from './devices.js';
import { FirmwareDownloadServer } from './fota/download-server.js';
import { NrfCloudFirmwares } from './fota/firmwares.js';
import { NrfCloudFota } from './fota/fota.js';
import { NrfCloudMessages } from './messages.js';
import { NrfCloudRegistry } from './registry.js';
import type { RestContext } from './rest/context.js';
import { deviceRoutes } from './rest/device-routes.js';
import { fotaRoutes } from './rest/fota-routes.js';
import { messageRoutes } from './rest/message-routes.js';
import { RestRouter } from './rest/router.js';
import { RestServer } from './rest/server.js';
import { NrfCloudShadows } from './shadows.js';
import { topicPrefix, type PublishKind } from './topics.js';
import {
  NRF_CLOUD_API_HOST,
  NRF_CLOUD_DOWNLOAD_HOST,
  NRF_CLOUD_ENDPOINT,
  type NrfCloudAccount,
} from './types.js';

export interface NrfCloudOptions extends AccountOptions {
  /** MQTT over mutual TLS (nRF Cloud: 8883; default 8884, beside the AWS stand-in's 8883). 0 picks a free port. */
  port?: number;
  /** The REST API over HTTP (default 8890). */
  apiPort?: number;
  /** The HTTPS firmware download server (default 8446). */
  downloadPort?: number;
}

/** What the broker's ready line carries as `nrfCloud`. */
export interface NrfCloudEndpoints {
  /** The MQTT host name devices use, named by the server certificate. */
  endpoint: string;
  host: string;
  mqttPort: number;
  /**
   * The AWS stand-in's MQTT port, where a client whose SNI is `mqtt.nrfcloud.com` reaches this
   * broker too (so a device keeping nRF Cloud's port 8883 needs no port setting).
   */
  sniPort?: number;
  /** Base URL of the REST API: `${apiUrl}/v1/devices`, … */
  apiUrl: string;
  /** The Bearer token of the REST API. */
  apiKey: string;
  /** PEM file of the nRF Cloud CA (server and device certificates). */
  caFile: string;
  tenantId: string;
  /** `prod/<tenantId>/`. */
  topicPrefix: string;
  /** Host name and port firmware downloads use (`https://<downloadHost>:<downloadPort>/<path>`). */
  downloadHost: string;
  downloadPort: number;
}

export interface NrfCloudParts {
  stateDir: string;
  store: StateStore;
  clock: Clock;
  random: Random;
  log: EventLog;
  options?: NrfCloudOptions;
  /**
   * A broker cluster node (docs/cluster.md): the CA comes from the cluster, the broker routes and
   * keeps sessions in Redis, and what other nodes change in the store reaches this one's caches.
   */
  cluster?: ClusterParts;
}

type PublishHandler = (
  identity: NrfCloudIdentity,
  kind: PublishKind | 'account',
  packet: PublishPacket,
) => Promise<void>;

/**
 * The local nRF Cloud: its own CA, team, devices (JITP, onboarding, association), the broker with
 * nRF Cloud's topic rules, and (see the services it composes) shadows, messages, FOTA and REST.
 * It shares the AWS stand-in's state store and process; `open` works on the state alone (the CLI on
 * a stopped broker), `serve` adds the listeners.
 */
export class NrfCloudStandIn {
  readonly bus: NrfCloudBus;
  readonly shadows: NrfCloudShadows;
  readonly devices: NrfCloudDevices;
  readonly messages: NrfCloudMessages;
  readonly fota: NrfCloudFota;
  /** The REST API, callable in-process (the CLI on a stopped broker) as over HTTP. */
  readonly api: RestRouter;
  private readonly closers: Array<() => Promise<void>> = [];
  private readonly handlers: PublishHandler[] = [];
  private served: NrfCloudEndpoints | undefined;
  private downloadAuthority = NRF_CLOUD_DOWNLOAD_HOST;

  private constructor(
    readonly parts: NrfCloudParts,
    readonly ca: CertificateAuthority,
    private team: NrfCloudAccount,
    readonly registry: NrfCloudRegistry,
  ) {
    const { store, clock, log } = parts;
    const random = parts.random.fork('nrf-cloud-ids');
    this.bus = new NrfCloudBus(log);
    this.shadows = new NrfCloudShadows(store, clock, this.bus, log);
    this.devices = new NrfCloudDevices(registry, this.shadows, this.bus, log, this.prefix, clock);
    this.messages = new NrfCloudMessages(store, clock, this.bus, this.prefix);
    const firmwares = new NrfCloudFirmwares(
      store,
      clock,
      random,
      path.join(parts.stateDir, 'nrf-cloud', 'firmwares'),
      parts.cluster?.files,
    );
    this.fota = new NrfCloudFota(
      firmwares,
      store,
      clock,
      random,
      this.bus,
      this.shadows,
      log,
      this.prefix,
      () => this.downloadAuthority,
    );
    const context: RestContext = {
      store,
      clock,
      random,
      ca,
      account: () => this.team,
      updateAccount: async (change) => {
        this.team = await commitChecked(store, 'the nRF Cloud team', async () => {
          const current = (await store.get<NrfCloudAccount>('nrfcloud-account', 'team')) ?? this.team;
          const next = change(current);
          return {
            expect: [{ collection: 'nrfcloud-account', key: 'team', value: current }],
            changes: [{ collection: 'nrfcloud-account', key: 'team', value: next }],
            result: next,
          };
        });
        return this.team;
      },
      prefix: this.prefix,
      mqttEndpoint: NRF_CLOUD_ENDPOINT,
      devices: this.devices,
      shadows: this.shadows,
      messages: this.messages,
      fota: this.fota,
    };
    this.api = new RestRouter(
      [...deviceRoutes(context), ...messageRoutes(context), ...fotaRoutes(context)],
      () => this.team.apiKey,
    );
    this.onPublish((identity, kind, packet) => this.dispatch(identity, kind, packet));
    const unwatch = store.watch((changes) => {
      this.changedElsewhere(changes).catch((err: Error) =>
        log.add({ type: 'nrfcloud-cache-error', detail: err.message }),
      );
    });
    this.closers.push(async () => unwatch());
  }

  /**
   * What another broker node changed in the shared store: the team (account devices), the
   * certificate index, the message keys; a device deleted there has had its DISCON message
   * through the cluster's routing, and a connection to it here is closed a moment later.
   */
  private async changedElsewhere(changes: readonly ExternalChange[]): Promise<void> {
    if (changes.some((c) => c.collection === 'nrfcloud-account')) {
      const team = await this.parts.store.get<NrfCloudAccount>('nrfcloud-account', 'team');
      if (team) this.team = team;
    }
    this.messages.changedElsewhere(changes);
    await this.registry.changedElsewhere(changes);
    for (const c of changes) {
      if (c.collection !== 'nrfcloud-devices' || !this.bus.connected(c.key)) continue;
      if (await this.registry.get(c.key)) continue;
      this.devices.closeLater(c.key);
    }
  }

  static async open(parts: NrfCloudParts): Promise<NrfCloudStandIn> {
    const ca = parts.cluster
      ? await openClusterNrfCloudCa(parts.stateDir, parts.clock, parts.cluster)
      : await openNrfCloudCa(parts.stateDir, parts.clock);
    const account = await loadAccount(
      parts.store,
      parts.clock,
      parts.random.fork('nrf-cloud'),
      parts.options,
    );
    const registry = await NrfCloudRegistry.open(parts.store, parts.clock);
    const standIn = new NrfCloudStandIn(parts, ca, account, registry);
    await standIn.messages.prune();
    return standIn;
  }

  get account(): NrfCloudAccount {
    return this.team;
  }

  /** Device publishes on allowed topics, handled before aedes acknowledges them. */
  private async dispatch(
    identity: NrfCloudIdentity,
    kind: PublishKind | 'account',
    packet: PublishPacket,
  ): Promise<void> {
    if (identity.kind !== 'device') return;
    const id = identity.clientId;
    // A device deleted while connected (it has the DISCON message) leaves nothing behind.
    if (!(await this.registry.get(id))) return;
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    switch (kind) {
      case 'shadow-update':
      case 'aws-shadow-update':
        await this.devices.ensureShadow(id);
        return this.shadows.deviceUpdate(id, payload);
      case 'shadow-get-tf':
        await this.devices.ensureShadow(id);
        return this.shadows.transform(id, payload);
      case 'shadow-get-trim':
      case 'shadow-get':
      case 'aws-shadow-get':
        await this.devices.ensureShadow(id);
        return this.shadows.deviceGet(
          id,
          payload,
          kind === 'aws-shadow-get' ? 'aws' : kind === 'shadow-get-trim' ? 'trim' : 'plain',
        );
      case 'd2c':
      case 'd2c-bulk':
      case 'd2c-bin':
        return this.messages.received(id, packet.topic, payload, kind);
      case 'jobs-req':
        return this.fota.deviceRequest(id, payload);
      case 'jobs-update':
        return this.fota.deviceUpdate(id, payload);
      default:
        return;
    }
  }

  get prefix(): string {
    return topicPrefix(this.team.tenantId);
  }

  get caFile(): string {
    return path.join(nrfCloudCaDir(this.parts.stateDir), 'ca.crt');
  }

  /** The endpoints once serving. */
  get endpoints(): NrfCloudEndpoints | undefined {
    return this.served;
  }

  /** Adds a handler of device publishes (shadows, messages, FOTA); each sees every allowed publish. */
  onPublish(handler: PublishHandler): void {
    this.handlers.push(handler);
  }

  /** JITP: the device named by the certificate is created, `not_associated`. */
  private async onboard(clientId: string, certificatePem: string, certificateId: string): Promise<void> {
    await this.devices.create({ id: clientId, certificateId, certificatePem, onboardedBy: 'jitp' });
    this.parts.log.add({ type: 'nrfcloud-jitp', clientId, detail: `device ${clientId} onboarded` });
  }

  /** Starts the listeners; `shared` (the AWS MQTT listener) also routes SNI `mqtt.nrfcloud.com` here. */
  async serve(host: string, shared?: TlsListener): Promise<NrfCloudEndpoints> {
    const options = this.parts.options ?? {};
    const gate = new NrfCloudGate({
      ca: this.ca,
      log: this.parts.log,
      prefix: this.prefix,
      deviceOfCertificate: (id) => this.registry.deviceOfCertificate(id),
      teamDeviceOf: (certificateId) =>
        [
          ...(this.team.accountDevice ? [this.team.accountDevice] : []),
          ...(this.team.teamDevices ?? []),
        ].find((d) => d.certificateId === certificateId)?.clientId,
      onboard: (clientId, cert, id) => this.onboard(clientId, cert.toString(), id),
      onPublish: async (identity, kind, packet) => {
        for (const handler of this.handlers) await handler(identity, kind, packet);
      },
    });
    // On a cluster node: routing and sessions in Redis, in a namespace of their own.
    const routing = this.parts.cluster?.nrfCloudRouting();
    const aedes = await Aedes.createBroker({
      maxClientsIdLength: 128,
      ...(routing
        ? { id: this.parts.cluster!.nodeId, mq: routing.mq, persistence: routing.persistence }
        : {}),
      ...gate.hooks(),
    } as Parameters<typeof Aedes.createBroker>[0]);
    (aedes as unknown as EventEmitter).on('error', (err: Error) =>
      this.parts.log.add({ type: 'nrfcloud-broker-error', detail: err.message }),
    );
    this.bus.attach(aedes);
    this.closers.push(() => new Promise<void>((resolve) => aedes.close(() => resolve())));
    const serverCert = await this.ca.issue({
      commonName: NRF_CLOUD_ENDPOINT,
      altNames: [
        ...new Set([
          NRF_CLOUD_ENDPOINT,
          NRF_CLOUD_DOWNLOAD_HOST,
          NRF_CLOUD_API_HOST,
          '*.nrfcloud.com',
          'localhost',
          '127.0.0.1',
          '::1',
          host,
        ]),
      ],
      serverAuth: true,
    });
    const mqtt = await TlsListener.listen({
      host,
      port: options.port ?? 8884,
      key: serverCert.privateKeyPem ?? '',
      cert: serverCert.certificatePem,
      ca: this.ca.certificatePem,
      alpn: 'optional',
      onConnection: (socket: TLSSocket) => void aedes.handle(socket),
      onClientError: (err: Error) => this.parts.log.add({ type: 'nrfcloud-tls-error', detail: err.message }),
    });
    this.closers.push(() => mqtt.close());
    shared?.addVirtualHost({
      servername: NRF_CLOUD_ENDPOINT,
      key: serverCert.privateKeyPem ?? '',
      cert: serverCert.certificatePem,
      ca: this.ca.certificatePem,
      onConnection: (socket: TLSSocket) => void aedes.handle(socket),
    });
    const api = await RestServer.listen(this.api, options.apiPort ?? 8890, host);
    this.closers.push(() => api.close());
    const download = await FirmwareDownloadServer.listen(this.fota.firmwares, {
      host,
      port: options.downloadPort ?? 8446,
      key: serverCert.privateKeyPem ?? '',
      cert: serverCert.certificatePem + this.ca.certificatePem,
    });
    this.closers.push(() => download.close());
    this.downloadAuthority =
      download.port === 443 ? NRF_CLOUD_DOWNLOAD_HOST : `${NRF_CLOUD_DOWNLOAD_HOST}:${download.port}`;
    this.served = {
      endpoint: NRF_CLOUD_ENDPOINT,
      host,
      mqttPort: mqtt.port,
      ...(shared ? { sniPort: shared.port } : {}),
      apiUrl: api.url,
      apiKey: this.team.apiKey,
      caFile: this.caFile,
      tenantId: this.team.tenantId,
      topicPrefix: this.prefix,
      downloadHost: NRF_CLOUD_DOWNLOAD_HOST,
      downloadPort: download.port,
    };
    return this.served;
  }

  async close(): Promise<void> {
    for (const close of this.closers.splice(0)) await close().catch(() => undefined);
  }
}
