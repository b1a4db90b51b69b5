import type { Aedes, AedesPublishPacket } from 'aedes';
import persistenceFactory, { type AedesMemoryPersistence } from 'aedes-persistence';
import type { StateStore } from '../store/store.js';

interface StoredRetained {
  payload: string;
  qos: 0 | 1;
}

type Persistence = AedesMemoryPersistence;
// A CommonJS module whose typings describe an ES default export: at run time the import is the factory.
const memoryPersistence = persistenceFactory as unknown as () => Persistence;

export interface RetainedOptions {
  store: StateStore;
  /**
   * AWS IoT (as documented in 2023) hands a retained message to a new subscription only when the
   * filter is exactly the topic; wildcard filters get none (cloud-services.md §3.4).
   */
  deliverOnWildcard?: boolean;
}

/**
 * AWS's retained-message rule on any aedes persistence (aedes-persistence-redis in a cluster): a
 * new subscription gets the retained messages of exact filters only, unless `deliverOnWildcard`.
 */
export function applyAwsRetainedRule<P extends { createRetainedStreamCombi(patterns: string[]): unknown }>(
  persistence: P,
  deliverOnWildcard = false,
): P {
  if (deliverOnWildcard) return persistence;
  const combi = persistence.createRetainedStreamCombi.bind(persistence);
  persistence.createRetainedStreamCombi = (patterns: string[]) =>
    combi(patterns.filter((p) => !p.includes('+') && !p.includes('#')));
  // aedes hands retained messages to new subscriptions through the combined stream only; the single
  // one stays whole (some persistences build it on the combined one) for readers such as the AWS
  // data plane's ListRetainedMessages.
  (persistence as { createRetainedStream?: unknown }).createRetainedStream = (pattern: string) =>
    combi([pattern]);
  return persistence;
}

/**
 * aedes' in-memory persistence with AWS's retained-message rules, and retained messages kept in the
 * state store so they survive a restart (AWS keeps them for years).
 */
export function awsPersistence(options: RetainedOptions): {
  persistence: Persistence;
  restore(aedes: Aedes): Promise<void>;
} {
  const persistence = applyAwsRetainedRule(memoryPersistence(), options.deliverOnWildcard);
  const store = persistence.storeRetained.bind(persistence) as (packet: AedesPublishPacket) => Promise<void>;
  (persistence as { storeRetained: unknown }).storeRetained = (
    packet: AedesPublishPacket,
    cb?: (err?: Error | null) => void,
  ) => {
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    const saved =
      payload.length === 0
        ? options.store.delete('retained', packet.topic)
        : options.store.put<StoredRetained>('retained', packet.topic, {
            payload: payload.toString('base64'),
            qos: packet.qos === 1 ? 1 : 0,
          });
    const done = Promise.all([saved, store(packet)]).then(() => undefined);
    if (cb) done.then(() => cb(null), cb);
    else return done;
  };
  return {
    persistence,
    async restore(): Promise<void> {
      for (const [topic, r] of await options.store.list<StoredRetained>('retained')) {
        await store({
          cmd: 'publish',
          topic,
          payload: Buffer.from(r.payload, 'base64'),
          qos: r.qos,
          retain: true,
          dup: false,
        } as AedesPublishPacket);
      }
    },
  };
}
