import type { EventEmitter } from 'node:events';
import { Aedes } from 'aedes';
import type { ClusterParts } from '../cluster/redis-cluster.js';
import type { EventLog } from '../event-log.js';
import type { StateStore } from '../store/store.js';
import type { Authorizer } from './authorizer.js';
import { AWS_MQTT5_LIMITS } from './mqtt5-limits.js';
import { applyAwsRetainedRule, awsPersistence } from './retained.js';

/** What the broker is built around: the authorizer's hooks, the store, the log and the services. */
export interface AedesParts {
  authorizer: Authorizer;
  store: StateStore;
  log: EventLog;
  startServices(aedes: Aedes): Promise<void>;
}

/** aedes over the embedded persistence (retained messages in the state store) or the cluster's. */
export async function createAedes(
  options: { retainedOnWildcard?: boolean },
  state: AedesParts,
  cluster: ClusterParts | undefined,
): Promise<Aedes> {
  const hooks = {
    // AWS IoT allows 128-byte client ids on every protocol level (§3.2).
    maxClientsIdLength: 128,
    ...AWS_MQTT5_LIMITS,
    ...state.authorizer.hooks(),
  };
  let aedes: Aedes;
  if (cluster) {
    aedes = await Aedes.createBroker({
      id: cluster.nodeId,
      mq: cluster.mq,
      persistence: applyAwsRetainedRule(cluster.persistence, options.retainedOnWildcard),
      ...hooks,
    } as Parameters<typeof Aedes.createBroker>[0]);
  } else {
    const retained = awsPersistence({
      store: state.store,
      ...(options.retainedOnWildcard ? { deliverOnWildcard: true } : {}),
    });
    aedes = await Aedes.createBroker({ persistence: retained.persistence, ...hooks });
    await retained.restore(aedes);
  }
  (aedes as unknown as EventEmitter).on('error', (err: Error) =>
    state.log.add({ type: 'broker-error', detail: err.message }),
  );
  try {
    await state.startServices(aedes);
  } catch (err) {
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    throw err;
  }
  return aedes;
}
