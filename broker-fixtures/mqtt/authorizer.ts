import { X509Certificate } from 'node:crypto';
import { TLSSocket } from 'node:tls';
import type {
  AedesOptions,
  AedesPublishPacket,
  Client,
  ConnectPacket,
  PublishPacket,
  Subscription,
} from 'aedes';
import type { Clock } from '../../core/clock.js';
import type { EventLog } from '../event-log.js';
import { certificateIdOf } from '../pki/x509.js';
import { parsePolicyDocument, type PolicyDocument } from '../policy/policy-document.js';
import { CompiledPolicies } from '../policy/policy-evaluator.js';
import type { Registry } from '../registry/registry.js';
import { subscriptionFilters, tapPackets } from './aedes-internals.js';
import {
  AWS_LIMITS,
  awsFilterMatches,
  checkClientId,
  checkPublishTopic,
  checkSubscribeFilter,
  clampKeepalive,
} from './aws-rules.js';

export interface AuthorizerOptions {
  registry: Registry;
  clock: Clock;
  log: EventLog;
  region: string;
  accountId: string;
  /** JITP and friends: called for a certificate the registry does not know; the connection is dropped either way. */
  onUnknownCertificate?: (cert: X509Certificate, certificateId: string) => Promise<void>;
  /** Runs on an authorized device publish before aedes acknowledges it; its errors are logged, not refusals. */
  beforeAcknowledge?: (clientId: string, packet: PublishPacket) => Promise<void>;
  /**
   * What an unauthorised SUBSCRIBE gets: AWS IoT has historically closed the connection
   * (cloud-services.md §3.9); `suback-failure` answers SUBACK 0x80 instead.
   */
  subscribeDenial?: 'disconnect' | 'suback-failure';
}

/** Who is on a connection, as policies and services see it. */
export interface ConnectionIdentity {
  clientId: string;
  certificateId: string;
  /** The thing named like the client id, when it is attached to the certificate. */
  thingName?: string;
  remoteAddress?: string;
}

interface ConnectionContext {
  identity: ConnectionIdentity;
  cert: X509Certificate;
  policies: CompiledPolicies;
  revision: number;
  refreshing?: Promise<void>;
  revoked: boolean;
}

/** AWS lifecycle `disconnectReason` values the gate can cause (cloud-services.md §3.8). */
export type RefusalReason = 'AUTH_ERROR' | 'FORBIDDEN_ACCESS' | 'CLIENT_ERROR';

class Refused extends Error {
  constructor(
    message: string,
    readonly reason: RefusalReason = 'CLIENT_ERROR',
  ) {
    super(message);
  }
}

/**
 * The broker's gate: identity from the TLS client certificate, AWS's protocol limits, and the
 * attached policies for iot:Connect / Publish / Subscribe / Receive, as aedes hooks.
 */
export class Authorizer {
  private readonly contexts = new WeakMap<Client, ConnectionContext>();
  private readonly oversized = new WeakSet<object>();
  private readonly refusals = new WeakMap<Client, RefusalReason>();
  /** Client ids whose CONNECT is being processed, to tell a takeover from other disconnects. */
  readonly connecting = new Map<string, Client>();
  private readonly policyCache = new Map<string, { text: string; doc: PolicyDocument }>();

  constructor(private readonly options: AuthorizerOptions) {}

  identityOf(client: Client): ConnectionIdentity | undefined {
    return this.contexts.get(client)?.identity;
  }

  /** Why the gate closed this connection, if it did. */
  refusalOf(client: Client): RefusalReason | undefined {
    return this.refusals.get(client);
  }

  hooks(): Pick<AedesOptions, 'preConnect' | 'authorizePublish' | 'authorizeSubscribe' | 'authorizeForward'> {
    return {
      preConnect: (client, packet, done) => {
        this.connect(client, packet).then(
          () => done(null, true),
          (err: Error) => {
            this.refuse('connect-refused', packet.clientId, err);
            done(err, false);
          },
        );
      },
      authorizePublish: (client, packet, done) => {
        if (!client) return done(null);
        this.publish(client, packet).then(
          () =>
            (this.options.beforeAcknowledge?.(client.id, packet) ?? Promise.resolve())
              .catch((err: Error) =>
                this.options.log.add({
                  type: 'service-error',
                  clientId: client.id,
                  detail: `${packet.topic}: ${err.message}`,
                }),
              )
              .then(() => done(null)),
          (err: Error) => {
            this.refuse('publish-refused', client.id, err, packet.topic);
            this.refusals.set(client, err instanceof Refused ? err.reason : 'CLIENT_ERROR');
            done(err);
          },
        );
      },
      authorizeSubscribe: (client, sub, done) => {
        this.subscribe(client, sub).then(
          () => done(null, sub),
          (err: Error) => {
            this.refuse('subscribe-refused', client.id, err, sub.topic);
            if (
              err instanceof Refused &&
              err.reason === 'FORBIDDEN_ACCESS' &&
              this.options.subscribeDenial === 'suback-failure'
            ) {
              done(null, null);
              return;
            }
            this.refusals.set(client, err instanceof Refused ? err.reason : 'CLIENT_ERROR');
            done(err);
          },
        );
      },
      authorizeForward: (client, packet) => (this.mayReceive(client, packet) ? packet : null),
    };
  }

  private refuse(type: string, clientId: string | undefined, err: Error, topic?: string): void {
    this.options.log.add({
      type,
      ...(clientId ? { clientId } : {}),
      detail: topic ? `${topic}: ${err.message}` : err.message,
    });
  }

  private async connect(client: Client, packet: ConnectPacket): Promise<void> {
    const clientId = packet.clientId ?? '';
    const socket = client.conn;
    if (!(socket instanceof TLSSocket)) throw new Refused('the connection is not TLS');
    const idProblem = checkClientId(clientId);
    if (idProblem) throw new Refused(idProblem);
    // [MQTT-1.5.3-2] holds for the will topic too.
    if (packet.will?.topic.includes('\u0000'))
      throw new Refused('the will topic contains U+0000, which MQTT forbids');
    packet.keepalive = clampKeepalive(packet.keepalive ?? 0);
    const cert = socket.getPeerX509Certificate();
    if (!cert) throw new Refused('no client certificate');
    const certificateId = certificateIdOf(cert);
    const context = await this.buildContext(clientId, cert, certificateId, socket.remoteAddress);
    if (!context.policies.allows('iot:Connect', clientId))
      throw new Refused(`iot:Connect on client/${clientId} is not allowed`, 'FORBIDDEN_ACCESS');
    this.contexts.set(client, context);
    tapPackets(client, (p) => {
      if (
        p.cmd === 'subscribe' &&
        p.subscriptions &&
        p.subscriptions.length > AWS_LIMITS.maxFiltersPerSubscribe
      ) {
        for (const s of p.subscriptions) this.oversized.add(s);
      }
    });
    this.connecting.set(clientId, client);
    const settled = (): void => {
      if (this.connecting.get(clientId) === client) this.connecting.delete(clientId);
    };
    client.once('connected', settled);
    socket.once('close', settled);
  }

  private async buildContext(
    clientId: string,
    cert: X509Certificate,
    certificateId: string,
    remoteAddress?: string,
  ): Promise<ConnectionContext> {
    const { registry, clock } = this.options;
    const revision = registry.revision;
    const record = await registry.getCertificate(certificateId);
    if (!record) {
      await this.options.onUnknownCertificate?.(cert, certificateId);
      throw new Refused(`certificate ${certificateId} is not registered`, 'AUTH_ERROR');
    }
    if (record.status !== 'ACTIVE')
      throw new Refused(`certificate ${certificateId} is ${record.status}`, 'AUTH_ERROR');
    const now = clock.now();
    if (Date.parse(cert.validFrom) > now || Date.parse(cert.validTo) < now) {
      throw new Refused(`certificate ${certificateId} is outside its validity period`, 'AUTH_ERROR');
    }
    const thing = await registry.getThing(clientId);
    const attached = thing?.principals.includes(certificateId) === true;
    const docs: PolicyDocument[] = [];
    for (const name of record.policies) {
      const policy = await registry.getPolicy(name);
      if (policy) docs.push(this.parsed(name, policy.policyDocument));
    }
    const subjectCommonName = /(?:^|\n)CN=([^\n]*)/.exec(cert.subject)?.[1];
    const policies = new CompiledPolicies(docs, {
      clientId,
      certificateId,
      region: this.options.region,
      accountId: this.options.accountId,
      ...(attached && thing ? { thingName: thing.thingName, thingAttributes: thing.attributes } : {}),
      ...(subjectCommonName !== undefined ? { subjectCommonName } : {}),
    });
    return {
      identity: {
        clientId,
        certificateId,
        ...(attached ? { thingName: clientId } : {}),
        ...(remoteAddress ? { remoteAddress } : {}),
      },
      cert,
      policies,
      revision,
      revoked: false,
    };
  }

  private parsed(name: string, text: string): PolicyDocument {
    const cached = this.policyCache.get(name);
    if (cached?.text === text) return cached.doc;
    const doc = parsePolicyDocument(text);
    this.policyCache.set(name, { text, doc });
    return doc;
  }

  /** Re-reads certificate status and policies after a registry change; a revoked certificate loses its connection. */
  private async current(client: Client): Promise<ConnectionContext> {
    const ctx = this.contexts.get(client);
    if (!ctx) throw new Refused('the connection has no identity');
    if (ctx.revision !== this.options.registry.revision) await this.refresh(client, ctx);
    const now = this.contexts.get(client);
    if (!now || now.revoked) throw new Refused('the certificate is no longer active', 'AUTH_ERROR');
    return now;
  }

  private refresh(client: Client, ctx: ConnectionContext): Promise<void> {
    ctx.refreshing ??= this.buildContext(
      ctx.identity.clientId,
      ctx.cert,
      ctx.identity.certificateId,
      ctx.identity.remoteAddress,
    )
      .then((next) => void this.contexts.set(client, next))
      .catch(() => {
        ctx.revoked = true;
        this.refusals.set(client, 'AUTH_ERROR');
        ctx.revision = this.options.registry.revision;
        client.close();
      });
    return ctx.refreshing;
  }

  private async publish(client: Client, packet: PublishPacket): Promise<void> {
    const ctx = await this.current(client);
    if (packet.qos > 1) throw new Refused('QoS 2 is not supported (AWS IoT supports QoS 0 and 1)');
    const topicProblem = checkPublishTopic(packet.topic);
    if (topicProblem) throw new Refused(topicProblem);
    const size =
      typeof packet.payload === 'string' ? Buffer.byteLength(packet.payload) : packet.payload.length;
    if (size > AWS_LIMITS.maxPayloadBytes)
      throw new Refused(`the payload is ${size} bytes (AWS IoT allows at most 128 KB)`);
    if (!ctx.policies.allows('iot:Publish', packet.topic))
      throw new Refused(`iot:Publish on topic/${packet.topic} is not allowed`, 'FORBIDDEN_ACCESS');
    if (packet.retain && !ctx.policies.allows('iot:RetainPublish', packet.topic)) {
      throw new Refused(`iot:RetainPublish on topic/${packet.topic} is not allowed`, 'FORBIDDEN_ACCESS');
    }
  }

  private async subscribe(client: Client, sub: Subscription): Promise<void> {
    if (this.oversized.has(sub)) {
      throw new Refused(`more than ${AWS_LIMITS.maxFiltersPerSubscribe} topic filters in one SUBSCRIBE`);
    }
    const problem = checkSubscribeFilter(sub.topic, sub.qos);
    if (problem) throw new Refused(problem);
    const ctx = await this.current(client);
    if (!ctx.policies.allows('iot:Subscribe', sub.topic))
      throw new Refused(`iot:Subscribe on topicfilter/${sub.topic} is not allowed`, 'FORBIDDEN_ACCESS');
  }

  private mayReceive(client: Client, packet: AedesPublishPacket): boolean {
    const ctx = this.contexts.get(client);
    if (!ctx || ctx.revoked) return false;
    if (ctx.revision !== this.options.registry.revision) void this.refresh(client, ctx);
    const topic = packet.topic;
    if (!ctx.policies.allows('iot:Receive', topic)) return false;
    // aedes lets `a/#` (and `+/#`, `x/+/#` …) match the parent level; AWS IoT does not (§3.3).
    const filters = subscriptionFilters(client);
    if (!filters.some((f) => f === '#' || f.endsWith('/#'))) return true;
    return filters.some((f) => awsFilterMatches(f, topic));
  }
}
