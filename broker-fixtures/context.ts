import { Aedes, type AedesPublishPacket, type Client } from 'aedes';
import type { Clock } from '../core/clock.js';
import type { Random } from '../core/random.js';
import type { EventLog } from './event-log.js';
import type { Authorizer } from './mqtt/authorizer.js';
import type { CertificateAuthority } from './pki/certificate-authority.js';
import type { Registry } from './registry/registry.js';
import type { InboundMessage, ServiceContext, StandInConfig } from './services/service.js';
import type { StateStore } from './store/store.js';

export interface ContextParts {
  clock: Clock;
  random: Random;
  store: StateStore;
  registry: Registry;
  ca: CertificateAuthority;
  log: EventLog;
  config: StandInConfig;
  aedes: Aedes | undefined;
  authorizer: Authorizer | undefined;
}

function toBuffer(payload: string | Buffer): Buffer {
  return typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
}

/** The {@link ServiceContext} over a running aedes, or a silent one when `aedes` is undefined (headless). */
export function createServiceContext(parts: ContextParts): ServiceContext {
  const { aedes, log } = parts;
  const clients = new Map<string, Client>();
  if (aedes) {
    aedes.on('client', (client) => clients.set(client.id, client));
    aedes.on('clientDisconnect', (client) => {
      if (clients.get(client.id) === client) clients.delete(client.id);
    });
  }
  return {
    clock: parts.clock,
    random: parts.random,
    store: parts.store,
    registry: parts.registry,
    ca: parts.ca,
    log,
    config: parts.config,
    aedes,
    publish(topic, payload, options = {}) {
      if (!aedes || aedes.closed) return Promise.resolve();
      return new Promise((resolve) => {
        aedes.publish(
          {
            cmd: 'publish',
            topic,
            payload: toBuffer(payload),
            qos: options.qos ?? 1,
            retain: options.retain ?? false,
            dup: false,
          },
          (err) => {
            if (err) log.add({ type: 'service-publish-failed', detail: `${topic}: ${err.message}` });
            resolve();
          },
        );
      });
    },
    deliverTo(clientId, topic, payload) {
      const client = clients.get(clientId);
      if (!client || client.closed) return Promise.resolve(false);
      return new Promise((resolve) => {
        client.publish(
          { cmd: 'publish', topic, payload: toBuffer(payload), qos: 1, retain: false, dup: false },
          (err) => resolve(!err),
        );
      });
    },
    subscribe(filter, handler) {
      if (!aedes) return Promise.resolve();
      const deliver = (packet: AedesPublishPacket, cb: () => void): void => {
        // Release mqemitter at once: a slow handler must not hold up routing for everyone else.
        cb();
        // In a cluster every node sees every publish: a request is handled by the node it entered
        // through (where the requesting client is connected), so exactly once.
        if (packet.brokerId !== undefined && packet.brokerId !== aedes.id) return;
        const message: InboundMessage = {
          topic: packet.topic,
          payload: toBuffer(packet.payload as string | Buffer),
          ...((packet as { clientId?: string }).clientId
            ? { clientId: (packet as { clientId?: string }).clientId }
            : {}),
        };
        Promise.resolve()
          .then(() => handler(message))
          .catch((err: Error) => log.add({ type: 'service-error', detail: `${filter}: ${err.message}` }));
      };
      return new Promise((resolve) => aedes.subscribe(filter, deliver, () => resolve()));
    },
    identityOf(client) {
      return parts.authorizer?.identityOf(client);
    },
  };
}
