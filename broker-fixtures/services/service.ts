import type { X509Certificate } from 'node:crypto';
import type { Aedes, Client } from 'aedes';
import type { Clock } from '../../core/clock.js';
import type { Random } from '../../core/random.js';
import type { EventLog } from '../event-log.js';
import type { ConnectionIdentity } from '../mqtt/authorizer.js';
import type { CertificateAuthority } from '../pki/certificate-authority.js';
import type { Registry } from '../registry/registry.js';
import type { StateStore } from '../store/store.js';

/** A message a device published, as a service's server-side subscription receives it. */
export interface InboundMessage {
  topic: string;
  payload: Buffer;
  /** The publishing client; undefined for messages the broker itself published. */
  clientId?: string;
}

export interface StandInConfig {
  region: string;
  accountId: string;
  /** The endpoint name devices use, e.g. `abc123-ats.iot.eu-west-1.amazonaws.com`. */
  endpoint: string;
}

/** What a service may use. In headless mode (CLI on a stopped broker) `aedes` is undefined and publishing does nothing. */
export interface ServiceContext {
  clock: Clock;
  /** Identifiers, tokens and jitter: the stand-in's seeded generator, never an unseeded one. */
  random: Random;
  store: StateStore;
  registry: Registry;
  ca: CertificateAuthority;
  log: EventLog;
  config: StandInConfig;
  aedes: Aedes | undefined;
  /** Publishes as the service (no policy check), QoS 1 unless told otherwise. */
  publish(
    topic: string,
    payload: string | Buffer,
    options?: { qos?: 0 | 1; retain?: boolean },
  ): Promise<void>;
  /** Delivers to one connection only (e.g. fleet provisioning replies carrying a private key). */
  deliverTo(clientId: string, topic: string, payload: string | Buffer): Promise<boolean>;
  /** A server-side subscription: `handler` sees every publish on `filter`, errors are logged. */
  subscribe(filter: string, handler: (message: InboundMessage) => Promise<void> | void): Promise<void>;
  identityOf(client: Client): ConnectionIdentity | undefined;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface ApiRequest {
  params: Record<string, string>;
  query: URLSearchParams;
  /** The parsed JSON body (undefined when there is none, or for a `raw` route given `text`). */
  body: unknown;
  /** The body as sent over HTTP, for `raw` routes; undefined for in-process calls. */
  text?: string;
}

export interface ApiResponse {
  status?: number;
  body: unknown;
}

/** A control API route; `path` segments starting with `:` are parameters. */
export interface ApiRoute {
  method: HttpMethod;
  path: string;
  /** The route reads the body's text itself (the shadow API judges JSON exactly as over MQTT). */
  raw?: boolean;
  handler(request: ApiRequest): Promise<ApiResponse>;
}

/**
 * One AWS IoT service of the stand-in (Shadow, presence, fleet provisioning, JITP; Jobs and the
 * nRF Cloud services plug in the same way): it subscribes server-side to its topics in `start`,
 * may add console routes, and may take part in connection set-up.
 */
export interface BrokerService {
  readonly name: string;
  start(context: ServiceContext): Promise<void>;
  stop?(): Promise<void>;
  routes?(): ApiRoute[];
  /**
   * Sees every device publish after authorization and before aedes PUBACKs it (aedes acknowledges
   * QoS 1 before routing, so a server-side subscription is too late): a service whose answer must
   * be durable before the acknowledgement (Jobs updates) handles its topics here. Errors are logged.
   */
  beforeAcknowledge?(message: InboundMessage): Promise<void>;
  /**
   * Sees a certificate the registry does not know, before its connection is dropped (JITP). Return
   * true when the service dealt with it.
   */
  onUnknownCertificate?(cert: X509Certificate, certificateId: string): Promise<boolean>;
}
