import type { X509Certificate } from 'node:crypto';
import { TLSSocket } from 'node:tls';
import type { AedesOptions, Client, ConnectPacket, PublishPacket, Subscription } from 'aedes';
import type { EventLog } from '../event-log.js';
import type { CertificateAuthority } from '../pki/certificate-authority.js';
import { certificateIdOf } from '../pki/x509.js';
import { allowedSubscriptions, classifyPublish, type PublishKind } from './topics.js';

/** Who is on a connection of the nRF Cloud broker. */
export interface NrfCloudIdentity {
  /** A team device, or the team's account device (`POST /v1/devices/account`). */
  kind: 'device' | 'account';
  clientId: string;
  certificateId: string;
}

export interface NrfCloudGateOptions {
  ca: CertificateAuthority;
  log: EventLog;
  /** `prod/<tenantId>/`. */
  prefix: string;
  /** The device id a certificate belongs to, or undefined for an unknown certificate. */
  deviceOfCertificate(certificateId: string): Promise<string | undefined>;
  /** The client id of the team device (account or MQTT team device) with this certificate, if any. */
  teamDeviceOf(certificateId: string): string | undefined;
  /** JITP: an unknown certificate from the nRF Cloud CA whose common name is the client id. */
  onboard(clientId: string, cert: X509Certificate, certificateId: string): Promise<void>;
  /** A device publish on an allowed topic, before aedes acknowledges it (durable first). */
  onPublish(identity: NrfCloudIdentity, kind: PublishKind | 'account', packet: PublishPacket): Promise<void>;
}

class Refused extends Error {}

const MAX_PAYLOAD = 128 * 1024;

/**
 * The nRF Cloud broker's gate: the client certificate must come from the nRF Cloud CA and belong to
 * the client id (its common name); an unknown one is onboarded (JITP) and its first connection
 * dropped. Devices may subscribe and publish only on the topics of topics.ts; anything else closes
 * the connection, as nRF Cloud's documentation says it does.
 */
export class NrfCloudGate {
  private readonly identities = new WeakMap<Client, NrfCloudIdentity>();

  constructor(private readonly options: NrfCloudGateOptions) {}

  identityOf(client: Client): NrfCloudIdentity | undefined {
    return this.identities.get(client);
  }

  hooks(): Pick<AedesOptions, 'preConnect' | 'authorizePublish' | 'authorizeSubscribe' | 'authorizeForward'> {
    return {
      preConnect: (client, packet, done) => {
        this.connect(client, packet).then(
          () => done(null, true),
          (err: Error) => {
            this.options.log.add({
              type: 'nrfcloud-connect-refused',
              clientId: packet.clientId,
              detail: err.message,
            });
            done(err, false);
          },
        );
      },
      authorizeSubscribe: (client, sub, done) => {
        try {
          this.subscribe(client, sub);
          done(null, sub);
        } catch (err) {
          this.options.log.add({
            type: 'nrfcloud-subscribe-refused',
            clientId: client.id,
            detail: `${sub.topic}: ${(err as Error).message}`,
          });
          done(err as Error);
        }
      },
      authorizePublish: (client, packet, done) => {
        if (!client) return done(null);
        let identity: NrfCloudIdentity;
        let kind: PublishKind | 'account';
        try {
          ({ identity, kind } = this.publish(client, packet));
        } catch (err) {
          this.options.log.add({
            type: 'nrfcloud-publish-refused',
            clientId: client.id,
            detail: `${packet.topic}: ${(err as Error).message}`,
          });
          return done(err as Error);
        }
        this.options
          .onPublish(identity, kind, packet)
          .catch((err: Error) =>
            this.options.log.add({
              type: 'nrfcloud-service-error',
              clientId: client.id,
              detail: `${packet.topic}: ${err.message}`,
            }),
          )
          .then(() => done(null));
      },
      authorizeForward: (client, packet) => (this.identities.has(client) ? packet : null),
    };
  }

  private async connect(client: Client, packet: ConnectPacket): Promise<void> {
    const clientId = packet.clientId ?? '';
    const socket = client.conn;
    if (!(socket instanceof TLSSocket)) throw new Refused('the connection is not TLS');
    const cert = socket.getPeerX509Certificate();
    if (!cert) throw new Refused('no client certificate');
    const certificateId = certificateIdOf(cert);
    const teamDevice = this.options.teamDeviceOf(certificateId);
    if (teamDevice !== undefined && this.options.ca.issued(cert)) {
      if (clientId !== teamDevice) throw new Refused(`this certificate connects as ${teamDevice}`);
      this.identities.set(client, { kind: 'account', clientId, certificateId });
      return;
    }
    const owner = await this.options.deviceOfCertificate(certificateId);
    if (owner === undefined) {
      // Onboarded certificates may come from any CA; JITP takes only the nRF Cloud CA's.
      if (!this.options.ca.issued(cert))
        throw new Refused('the client certificate is not from the nRF Cloud CA');
      const commonName = /(?:^|\n)CN=([^\n]*)/.exec(cert.subject)?.[1];
      if (commonName !== clientId)
        throw new Refused(`the certificate's common name ${JSON.stringify(commonName)} is not the client id`);
      await this.options.onboard(clientId, cert, certificateId);
      throw new Refused(
        `certificate ${certificateId} was not known: device ${clientId} onboarded (JITP), connect again`,
      );
    }
    if (owner !== clientId) throw new Refused(`the certificate belongs to device ${owner}, not ${clientId}`);
    this.identities.set(client, { kind: 'device', clientId, certificateId });
  }

  private subscribe(client: Client, sub: Subscription): void {
    const identity = this.identities.get(client);
    if (!identity) throw new Refused('the connection has no identity');
    if (identity.kind === 'account') {
      if (!sub.topic.startsWith(this.options.prefix))
        throw new Refused(`the account device may subscribe under ${this.options.prefix} only`);
      return;
    }
    if (!allowedSubscriptions(this.options.prefix, identity.clientId).has(sub.topic))
      throw new Refused('not a topic nRF Cloud allows this device to subscribe to');
  }

  private publish(
    client: Client,
    packet: PublishPacket,
  ): { identity: NrfCloudIdentity; kind: PublishKind | 'account' } {
    const identity = this.identities.get(client);
    if (!identity) throw new Refused('the connection has no identity');
    if (packet.qos > 1) throw new Refused('QoS 2 is not supported');
    const size =
      typeof packet.payload === 'string' ? Buffer.byteLength(packet.payload) : packet.payload.length;
    if (size > MAX_PAYLOAD) throw new Refused(`the payload is ${size} bytes (at most 128 KB)`);
    if (identity.kind === 'account') {
      if (!packet.topic.startsWith(`${this.options.prefix}m/`))
        throw new Refused('the account device publishes under <prefix>m/ only');
      return { identity, kind: 'account' };
    }
    const kind = classifyPublish(packet.topic, this.options.prefix, identity.clientId);
    if (!kind) throw new Refused('not a topic nRF Cloud allows this device to publish to');
    return { identity, kind };
  }
}
