import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import type { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import type { Clock } from '../../core/clock.js';
import { ErrorCode, SimError } from '../../core/errors.js';
import type { Random } from '../../core/random.js';
import { CertificateAuthority } from '../pki/certificate-authority.js';
import { connectRedis, parseRedisUrl, type RedisLocation } from '../store/redis-connection.js';
import { RedisStore } from '../store/redis-store.js';

export interface ClusterOptions {
  /** `redis://HOST:PORT[/db]`, `rediss://…` or `unix:///path/redis.sock`. */
  redisUrl: string;
  /** This node's name: aedes' broker id, the writer name in change notices (default: random). */
  nodeId?: string;
  /** Prefix of the stand-in's own keys (default `nrf91sim`); aedes' keys are its own. */
  prefix?: string;
}

/**
 * The async persistence of aedes-persistence-redis 11 (aedes 1.x needs an async `setup`; the
 * package's main export wraps it in the callback API of aedes 0.x). Untyped: the part used is
 * aedes' persistence interface plus `destroy`.
 */
interface AsyncRedisPersistence {
  setup(broker: unknown): Promise<void>;
  createRetainedStreamCombi(patterns: string[]): unknown;
  destroy(): Promise<void>;
}
const require = createRequire(import.meta.url);
const AsyncPersistence = require('aedes-persistence-redis/asyncPersistence.js') as new (
  options: object,
) => AsyncRedisPersistence;
/** mqemitter-redis' emitter that puts a prefix before every topic it sends through Redis. */
const { MQEmitterRedisPrefix } = require('mqemitter-redis') as {
  MQEmitterRedisPrefix: new (prefix: string, options: object) => { state: EventEmitter };
};

/** aedes' routing and sessions, for one broker of a node. */
export interface BrokerRouting {
  /** aedes' emitter: a publish on any node reaches subscribers on every node. */
  mq: unknown;
  /** Sessions, subscriptions, retained messages and QoS 1 in-flight messages, in Redis. */
  persistence: AsyncRedisPersistence;
}

/** Binary files kept in Redis for every node (each node keeps its own copy on disk as well). */
export interface SharedFiles {
  put(name: string, content: Buffer): Promise<void>;
  get(name: string): Promise<Buffer | undefined>;
  delete(name: string): Promise<void>;
}

/** What a broker node shares with the others: state, routing, sessions, and the local CA. */
export interface ClusterParts {
  nodeId: string;
  location: RedisLocation;
  store: RedisStore;
  /** aedes' emitter: a publish on any node reaches subscribers on every node. */
  mq: unknown;
  /** Sessions, subscriptions, retained messages and QoS 1 in-flight messages, in Redis. */
  persistence: AsyncRedisPersistence;
  /** Where Redis connection errors of routing and sessions go (they reconnect on their own). */
  onError(listener: (err: Error) => void): void;
  /**
   * The cluster's CA, created by the first node and copied into `dir` (ca.crt, ca.key). `name`
   * tells the cluster's CAs apart (`ca`, the AWS stand-in's, by default).
   */
  certificateAuthority(
    dir: string,
    commonName: string,
    clock: Clock,
    name?: string,
  ): Promise<CertificateAuthority>;
  /**
   * Routing and sessions of the nRF Cloud stand-in's broker: topics under `<prefix>:nrfcloud/` on
   * Redis pub/sub and keys under `<prefix>:nrfcloud:`, so they never meet the AWS stand-in's.
   * Opened on first call; closed with the cluster.
   */
  nrfCloudRouting(): BrokerRouting;
  /** Files every node serves (firmware images), in Redis under `<prefix>:file:<name>`. */
  files: SharedFiles;
  close(): Promise<void>;
}

const NODE_ID = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * aedes 1.2 pipes the retained messages of a SUBSCRIBE (`.pipe`), persistence-redis 11 hands back
 * an async iterator of them: give aedes a stream over it.
 */
function retainedStreamOf(p: AsyncRedisPersistence): AsyncRedisPersistence {
  const iterate = p.createRetainedStreamCombi.bind(p);
  p.createRetainedStreamCombi = (patterns: string[]) =>
    Readable.from(iterate(patterns) as AsyncIterable<unknown>);
  return p;
}

export async function openCluster(options: ClusterOptions, random: Random): Promise<ClusterParts> {
  const location = parseRedisUrl(options.redisUrl);
  const nodeId = options.nodeId ?? `node-${random.bytes(6).toString('hex')}`;
  if (!NODE_ID.test(nodeId)) {
    throw new SimError(
      ErrorCode.INVALID_ARGUMENT,
      `--node-id ${JSON.stringify(nodeId)}: use 1-64 of [A-Za-z0-9_.-]`,
    );
  }
  const prefix = options.prefix ?? 'nrf91sim';
  const store = await RedisStore.open({ location, writer: nodeId, prefix });
  let admin: Redis | undefined;
  try {
    admin = await connectRedis(location, `nrf91sim-admin-${nodeId}`);
  } catch (err) {
    await store.close();
    throw err;
  }
  // A lost Redis must not crash the node: mqemitter-redis re-emits connection errors on `state`
  // (an EventEmitter that throws without a listener), ioredis reconnects on its own.
  let report: (err: Error) => void = () => undefined;
  // Each broker's topics go through Redis pub/sub under a prefix of its own (`<prefix>:aws/…`,
  // `<prefix>:nrfcloud/…`): a subscription to `#` becomes a Redis pattern, and without the prefix
  // it would take in the other broker's channels and the store's change notices too.
  const mq = new MQEmitterRedisPrefix(`${prefix}:aws/`, { ...location.options });
  mq.state.on('error', (err: Error) => report(err));
  const persistenceConn = new Redis({ ...location.options, connectionName: `nrf91sim-sessions-${nodeId}` });
  persistenceConn.on('error', (err: Error) => report(err));
  const persistence = retainedStreamOf(new AsyncPersistence({ conn: persistenceConn }));
  let nrfCloud: BrokerRouting | undefined;
  const shared = admin;
  return {
    nodeId,
    location,
    store,
    mq,
    persistence,
    onError(listener) {
      report = listener;
    },
    files: {
      async put(name, content) {
        await shared.set(`${prefix}:file:${name}`, content);
      },
      async get(name) {
        return (await shared.getBuffer(`${prefix}:file:${name}`)) ?? undefined;
      },
      async delete(name) {
        await shared.del(`${prefix}:file:${name}`);
      },
    },
    nrfCloudRouting() {
      if (nrfCloud) return nrfCloud;
      const routingMq = new MQEmitterRedisPrefix(`${prefix}:nrfcloud/`, { ...location.options });
      routingMq.state.on('error', (err: Error) => report(err));
      const conn = new Redis({
        ...location.options,
        keyPrefix: `${prefix}:nrfcloud:`,
        connectionName: `nrf91sim-nrfcloud-sessions-${nodeId}`,
      });
      conn.on('error', (err: Error) => report(err));
      nrfCloud = { mq: routingMq, persistence: retainedStreamOf(new AsyncPersistence({ conn })) };
      return nrfCloud;
    },
    async certificateAuthority(dir, commonName, clock, name = 'ca') {
      const key = `${prefix}:${name}`;
      for (let attempt = 0; attempt < 5; attempt++) {
        const stored = await shared.get(key);
        if (stored) {
          const { cert, privateKey } = JSON.parse(stored) as { cert: string; privateKey: string };
          const ca = await CertificateAuthority.fromPem(cert, privateKey, clock, key);
          await ca.save(dir);
          return ca;
        }
        const made = await CertificateAuthority.create(commonName, clock);
        const body = JSON.stringify({ cert: made.certificatePem, privateKey: await made.privateKeyPem() });
        // The first node to get here makes the cluster's CA; the others take it.
        if ((await shared.set(key, body, 'NX')) === 'OK') {
          await made.save(dir);
          return made;
        }
      }
      throw new SimError(
        ErrorCode.STATE_UNREACHABLE,
        `cannot agree on the cluster CA in ${location.display}`,
      );
    },
    async close() {
      await Promise.allSettled([
        persistence.destroy(),
        ...(nrfCloud ? [nrfCloud.persistence.destroy()] : []),
        store.close(),
        shared.quit().catch(() => shared.disconnect()),
      ]);
    },
  };
}
