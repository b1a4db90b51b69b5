import type { Client, Subscription } from 'aedes';
import { uuidFrom } from '../ids.js';
import { localClient, onClientAnnounced, sentDisconnect } from '../mqtt/aedes-internals.js';
import type { Authorizer, ConnectionIdentity } from '../mqtt/authorizer.js';
import type { BrokerService, ServiceContext } from './service.js';

interface Session {
  sessionIdentifier: string;
  versionNumber: number;
  keepaliveTimeout: boolean;
}

/**
 * Lifecycle events (cloud-services.md §3.8): `$aws/events/presence/connected|disconnected/<id>`
 * and `$aws/events/subscriptions/subscribed|unsubscribed/<id>`, timestamps in epoch milliseconds.
 * Client ids containing `#` or `+` get no events, as on AWS.
 */
export class PresenceService implements BrokerService {
  readonly name = 'presence';
  private ctx: ServiceContext | undefined;
  private readonly sessions = new WeakMap<Client, Session>();
  private readonly versions = new Map<string, number>();
  /** Client ids connected here that another cluster node has just taken over. */
  private readonly takenOver = new Set<string>();
  /** Client ids whose disconnect is being reported (see {@link disconnected}). */
  private readonly closingNow = new Set<string>();
  private closing = false;

  constructor(private readonly authorizer: Authorizer) {}

  async start(context: ServiceContext): Promise<void> {
    this.ctx = context;
    const aedes = context.aedes;
    if (!aedes) return;
    aedes.on('clientReady', (client) => this.connected(client));
    // aedes announces every connect on `$SYS/<broker id>/new/clients`; a node with the same client
    // id connected closes its own (a takeover across the cluster). Heard here before that close
    // completes, so the disconnect says why.
    onClientAnnounced(aedes, (brokerId, clientId) => {
      if (brokerId === aedes.id) return;
      if (localClient(aedes, clientId) || this.closingNow.has(clientId)) this.takenOver.add(clientId);
    });
    aedes.on('keepaliveTimeout', (client) => {
      const session = this.sessions.get(client);
      if (session) session.keepaliveTimeout = true;
    });
    aedes.on('clientDisconnect', (client) => this.disconnected(client));
    aedes.on('subscribe', (subs, client) =>
      this.subscriptions(
        client,
        'subscribed',
        subs.filter((s: Subscription) => Number(s.qos) !== 128).map((s: Subscription) => s.topic),
      ),
    );
    // aedes also unsubscribes a closing connection; AWS reports that as a disconnect only.
    aedes.on('unsubscribe', (topics, client) => {
      if (!client.closed) this.subscriptions(client, 'unsubscribed', topics);
    });
    aedes.on('closed', () => (this.closing = true));
  }

  async stop(): Promise<void> {
    this.closing = true;
  }

  private silent(clientId: string): boolean {
    return clientId.includes('#') || clientId.includes('+');
  }

  private connected(client: Client): void {
    const ctx = this.ctx;
    const identity = this.authorizer.identityOf(client);
    if (!ctx || !identity) return;
    this.takenOver.delete(client.id);
    const versionNumber = (this.versions.get(client.id) ?? -1) + 1;
    this.versions.set(client.id, versionNumber);
    const session: Session = {
      sessionIdentifier: uuidFrom(ctx.random),
      versionNumber,
      keepaliveTimeout: false,
    };
    this.sessions.set(client, session);
    ctx.log.add({
      type: 'connected',
      clientId: client.id,
      ...(identity.thingName ? { thingName: identity.thingName } : {}),
    });
    if (this.silent(client.id)) return;
    void ctx.publish(
      `$aws/events/presence/connected/${client.id}`,
      JSON.stringify({
        clientId: client.id,
        timestamp: ctx.clock.now(),
        eventType: 'connected',
        sessionIdentifier: session.sessionIdentifier,
        principalIdentifier: identity.certificateId,
        ipAddress: identity.remoteAddress ?? '',
        versionNumber,
      }),
    );
  }

  private reason(client: Client, session: Session): string {
    if (sentDisconnect(client)) return 'CLIENT_INITIATED_DISCONNECT';
    const taking = this.authorizer.connecting.get(client.id);
    if (taking && taking !== client) return 'DUPLICATE_CLIENTID';
    if (this.takenOver.delete(client.id)) return 'DUPLICATE_CLIENTID';
    const refusal = this.authorizer.refusalOf(client);
    if (refusal) return refusal;
    if (session.keepaliveTimeout) return 'MQTT_KEEP_ALIVE_TIMEOUT';
    if (this.closing) return 'SERVER_INITIATED_DISCONNECT';
    return 'CONNECTION_LOST';
  }

  private disconnected(client: Client): void {
    const ctx = this.ctx;
    const session = this.sessions.get(client);
    const identity = this.authorizer.identityOf(client);
    if (!ctx || !session || !identity) return;
    const timestamp = ctx.clock.now();
    // aedes closes a connection another node took over from inside the dispatch of that node's
    // announcement, before this service's own listener for it has run: decide the reason once that
    // dispatch is over.
    this.closingNow.add(client.id);
    void Promise.resolve().then(() => {
      this.closingNow.delete(client.id);
      this.reportDisconnect(ctx, client, session, identity, timestamp);
    });
  }

  private reportDisconnect(
    ctx: ServiceContext,
    client: Client,
    session: Session,
    identity: ConnectionIdentity,
    timestamp: number,
  ): void {
    const disconnectReason = this.reason(client, session);
    ctx.log.add({ type: 'disconnected', clientId: client.id, detail: disconnectReason });
    if (this.silent(client.id) || ctx.aedes?.closed) return;
    void ctx.publish(
      `$aws/events/presence/disconnected/${client.id}`,
      JSON.stringify({
        clientId: client.id,
        timestamp,
        eventType: 'disconnected',
        sessionIdentifier: session.sessionIdentifier,
        principalIdentifier: identity.certificateId,
        clientInitiatedDisconnect: disconnectReason === 'CLIENT_INITIATED_DISCONNECT',
        disconnectReason,
        versionNumber: session.versionNumber,
      }),
    );
  }

  private subscriptions(client: Client, eventType: 'subscribed' | 'unsubscribed', topics: string[]): void {
    const ctx = this.ctx;
    const session = this.sessions.get(client);
    const identity = this.authorizer.identityOf(client);
    if (!ctx || !session || !identity || topics.length === 0) return;
    ctx.log.add({ type: eventType, clientId: client.id, detail: topics.join(' ') });
    if (this.silent(client.id)) return;
    void ctx.publish(
      `$aws/events/subscriptions/${eventType}/${client.id}`,
      JSON.stringify({
        clientId: client.id,
        timestamp: ctx.clock.now(),
        eventType,
        sessionIdentifier: session.sessionIdentifier,
        principalIdentifier: identity.certificateId,
        topics,
      }),
    );
  }
}
