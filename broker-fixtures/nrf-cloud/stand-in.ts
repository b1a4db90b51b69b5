import type { EventEmitter } from 'node:events';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { Aedes, type PublishPacket } from 'aedes';
import type { Clock } from '../../core/clock.js';
import type { Random } from '../../core/random.js';
import type { EventLog } from '../event-log.js';
import { TlsListener } from '../mqtt/tls-listener.js';
import type { CertificateAuthority } from '../pki/certificate-authority.js';
import type { StateStore } from '../store/store.js';
import { loadAccount, type AccountOptions } from './account.js';
import { NrfCloudGate, type NrfCloudIdentity } from './authorizer.js';
import { NrfCloudBus } from './bus.js';
import { nrfCloudCaDir, openNrfCloudCa } from './ca.js';
import { NrfCloudRegistry } from './registry.js';
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
  private aedes: Aedes | undefined;
  private readonly closers: Array<() => Promise<void>> = [];
  private readonly handlers: PublishHandler[] = [];
  private served: NrfCloudEndpoints | undefined;

  private constructor(
    readonly parts: NrfCloudParts,
    readonly ca: CertificateAuthority,
    readonly account: NrfCloudAccount,
    readonly registry: NrfCloudRegistry,
  ) {
    this.bus = new NrfCloudBus(parts.log);
  }

  static async open(parts: NrfCloudParts): Promise<NrfCloudStandIn> {
    const ca = await openNrfCloudCa(parts.stateDir, parts.clock);
    const account = await loadAccount(
      parts.store,
      parts.clock,
      parts.random.fork('nrf-cloud'),
      parts.options,
    );
    const registry = await NrfCloudRegistry.open(parts.store, parts.clock);
    return new NrfCloudStandIn(parts, ca, account, registry);
  }

  get prefix(): string {
    return topicPrefix(this.account.tenantId);
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
    await this.registry.create({ id: clientId, certificateId, certificatePem, onboardedBy: 'jitp' });
    this.parts.log.add({ type: 'nrfcloud-jitp', clientId, detail: `device ${clientId} onboarded` });
  }

  async serve(host: string): Promise<NrfCloudEndpoints> {
    const options = this.parts.options ?? {};
    const gate = new NrfCloudGate({
      ca: this.ca,
      log: this.parts.log,
      prefix: this.prefix,
      deviceOfCertificate: (id) => this.registry.deviceOfCertificate(id),
      accountCertificateId: () => this.account.accountDevice?.certificateId,
      onboard: (clientId, cert, id) => this.onboard(clientId, cert.toString(), id),
      onPublish: async (identity, kind, packet) => {
        for (const handler of this.handlers) await handler(identity, kind, packet);
      },
    });
    const aedes = await Aedes.createBroker({ maxClientsIdLength: 128, ...gate.hooks() });
    (aedes as unknown as EventEmitter).on('error', (err: Error) =>
      this.parts.log.add({ type: 'nrfcloud-broker-error', detail: err.message }),
    );
    this.aedes = aedes;
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
    this.served = {
      endpoint: NRF_CLOUD_ENDPOINT,
      host,
      mqttPort: mqtt.port,
      apiUrl: '',
      apiKey: this.account.apiKey,
      caFile: this.caFile,
      tenantId: this.account.tenantId,
      topicPrefix: this.prefix,
      downloadHost: NRF_CLOUD_DOWNLOAD_HOST,
      downloadPort: 0,
    };
    return this.served;
  }

  async close(): Promise<void> {
    for (const close of this.closers.splice(0)) await close().catch(() => undefined);
  }
}
