import type { MqttPublishCallback, MqttPublishData } from './agent-types.js';
import { topicFilterType, topicMatchesFilter } from './topic-filter.js';

interface Subscription {
  filter: string;
  type: 'simple' | 'wildcard';
  context: unknown;
  callback: MqttPublishCallback | undefined;
}

/** Why a subscription could not be stored (MQTT_Subscribe then fails without sending). */
export type StoreRefusal = 'invalid-filter' | 'topic-too-long' | 'full';

/**
 * The agent's subscription manager (aws_mqtt_lib.c, mqttconfigENABLE_SUBSCRIPTION_MANAGEMENT):
 * per-filter callbacks, stored when the SUBSCRIBE is sent, removed when the broker refuses it, the
 * request times out, the UNSUBACK arrives or the connection ends.
 */
export class SubscriptionManager {
  private readonly entries: Subscription[] = [];

  /**
   * @param maxSubscriptions mqttconfigSUBSCRIPTION_MANAGER_MAX_SUBSCRIPTIONS
   * @param maxTopicLength mqttconfigSUBSCRIPTION_MANAGER_MAX_TOPIC_LENGTH (bytes)
   */
  constructor(
    private readonly maxSubscriptions: number,
    private readonly maxTopicLength: number,
  ) {}

  get size(): number {
    return this.entries.length;
  }

  /** `prvStoreSubscription`: replaces an entry for the same filter. */
  store(
    filter: string,
    context: unknown,
    callback: MqttPublishCallback | undefined,
  ): StoreRefusal | undefined {
    if (Buffer.byteLength(filter) > this.maxTopicLength) return 'topic-too-long';
    const type = topicFilterType(filter);
    if (type === 'invalid') return 'invalid-filter';
    this.remove(filter);
    if (this.entries.length >= this.maxSubscriptions) return 'full';
    this.entries.push({ filter, type, context, callback });
    return undefined;
  }

  remove(filter: string): void {
    const i = this.entries.findIndex((e) => e.filter === filter);
    if (i >= 0) this.entries.splice(i, 1);
  }

  clear(): void {
    this.entries.length = 0;
  }

  /**
   * `prvInvokeSubscriptionCallbacks`: callbacks of exact filters first, then of matching wildcard
   * filters; the first one that takes the buffer ends the round. `invoked` says whether any
   * callback ran (if none did, the connect callback gets the publish).
   */
  dispatch(
    publish: MqttPublishData,
    invoke: (callback: MqttPublishCallback, context: unknown) => boolean,
  ): { taken: boolean; invoked: boolean } {
    let invoked = false;
    // A callback may unsubscribe (from another task, later); iterate over a snapshot.
    const entries = [...this.entries];
    for (const pass of ['simple', 'wildcard'] as const) {
      for (const e of entries) {
        if (e.type !== pass || !e.callback) continue;
        const hit =
          pass === 'simple' ? e.filter === publish.topic : topicMatchesFilter(publish.topic, e.filter);
        if (!hit) continue;
        invoked = true;
        if (invoke(e.callback, e.context)) return { taken: true, invoked };
      }
    }
    return { taken: false, invoked };
  }
}
