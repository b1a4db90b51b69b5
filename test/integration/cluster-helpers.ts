import { rm } from 'node:fs/promises';
import type { MqttClient } from 'mqtt';
import {
  startBrokerFixtures,
  type BrokerFixtures,
  type BrokerFixturesOptions,
} from '../../broker-fixtures/index.js';
import { systemClock } from '../../core/clock.js';
import { Random } from '../../core/random.js';
import { startRedis, type TestRedis } from '../helpers/redis-server.js';
import { tempStateDir } from './broker-helpers.js';

/** Several stand-in nodes on one test Redis, each with its own state directory. */
export interface TestCluster {
  /** Replaced by a test that restarts Redis, so `stop` stops the new one. */
  redis: TestRedis;
  nodes: BrokerFixtures[];
  addNode(
    nodeId: string,
    host?: string,
    ports?: { port: number; alpnPort: number; apiPort: number },
  ): Promise<BrokerFixtures>;
  stop(): Promise<void>;
}

export async function startCluster(
  nodeIds: string[],
  extra: Partial<BrokerFixturesOptions> = {},
): Promise<TestCluster> {
  const redis = await startRedis();
  const dirs: string[] = [];
  const nodes: BrokerFixtures[] = [];
  const cluster: TestCluster = {
    redis,
    nodes,
    async addNode(nodeId, host = '127.0.0.1', ports = { port: 0, alpnPort: 0, apiPort: 0 }) {
      const stateDir = await tempStateDir();
      dirs.push(stateDir);
      const node = await startBrokerFixtures({
        clock: systemClock,
        random: new Random(`cluster-node-${nodeId}`),
        ...extra,
        stateDir,
        host,
        ...ports,
        cluster: { redisUrl: redis.url, nodeId },
      });
      nodes.push(node);
      return node;
    },
    async stop() {
      await Promise.allSettled(nodes.map((n) => n.close()));
      await cluster.redis.stop();
      for (const d of dirs) await rm(d, { recursive: true, force: true });
    },
  };
  try {
    // One after another: the first creates the cluster's CA, the others take it.
    for (const id of nodeIds) await cluster.addNode(id);
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}

/** Every message a client receives, with a way to wait for some. */
export class Inbox {
  readonly messages: Array<{ topic: string; body: Record<string, unknown> }> = [];
  private waiters: Array<() => void> = [];

  constructor(client: MqttClient) {
    client.on('message', (topic, payload) => {
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(payload.toString()) as Record<string, unknown>;
      } catch {
        body = { raw: payload.toString() };
      }
      this.messages.push({ topic, body });
      this.waiters.splice(0).forEach((w) => w());
    });
  }

  on(topic: string): Array<Record<string, unknown>> {
    return this.messages.filter((m) => m.topic === topic).map((m) => m.body);
  }

  /** Waits until `count` messages arrived on `topic` (generous: the machine may be loaded). */
  async wait(topic: string, count = 1, timeoutMs = 20_000): Promise<Array<Record<string, unknown>>> {
    const deadline = Date.now() + timeoutMs;
    while (this.on(topic).length < count) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `${this.on(topic).length} of ${count} messages on ${topic}; got ${JSON.stringify(this.messages.map((m) => m.topic))}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 500));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.on(topic);
  }
}
