import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsIot, type AwsIotEvt } from '../../cloud-libs/aws-iot/index.js';
import type { BrokerFixtures } from '../../broker-fixtures/index.js';
import { VirtualClock } from '../../core/clock.js';
import { Modem } from '../../modem/modem.js';
import { freePort, startRedisOn } from '../helpers/redis-server.js';
import { untilRegistered } from '../helpers/registered.js';
import { missingTools, tools } from '../helpers/system-tools.js';
import { createThing, putThingCredentials } from './broker-helpers.js';
import { startCluster, type TestCluster } from './cluster-helpers.js';

const skip = missingTools(tools.redisServer);
const TAG = 42;

/** aws_iot on a registered modem whose DNS answers both nodes' addresses for the endpoint, in `order`. */
async function device(node: BrokerFixtures, thing: string, order: string[]) {
  const creds = await createThing(node, thing);
  const modem = new Modem({ name: thing, clock: new VirtualClock() });
  await putThingCredentials(modem, TAG, node.ca.certificatePem, creds);
  modem.control.dns.set(node.endpoints.endpoint, order);
  await modem.channel().command('AT+CFUN=1');
  await untilRegistered(modem);
  const events: AwsIotEvt[] = [];
  let wake: (() => void) | undefined;
  const iot = AwsIot.init(
    modem,
    { host: node.endpoints.endpoint, port: node.endpoints.mqttPort, secTag: TAG, clientId: thing },
    (evt) => {
      events.push(evt);
      wake?.();
    },
  );
  if (typeof iot === 'number') throw new Error(`aws_iot_init: ${iot}`);
  const count = (type: string): number => events.filter((e) => e.type === type).length;
  const until = async (type: string, n: number): Promise<void> => {
    while (count(type) < n) await new Promise<void>((r) => (wake = r));
  };
  return { modem, iot, until, count };
}

describe.skipIf(skip !== undefined)(
  'cluster nodes on 127.0.0.2 and 127.0.0.3 with the same ports',
  { timeout: 90_000 },
  () => {
    let cluster: TestCluster;
    let a: BrokerFixtures;
    let b: BrokerFixtures;

    beforeAll(async () => {
      cluster = await startCluster([]);
      const ports = {
        port: await freePort('127.0.0.2'),
        alpnPort: await freePort('127.0.0.2'),
        apiPort: await freePort('127.0.0.2'),
      };
      a = await cluster.addNode('node-a', '127.0.0.2', ports);
      b = await cluster.addNode('node-b', '127.0.0.3', ports);
    }, 60_000);
    afterAll(() => cluster?.stop());

    it('listens on the same ports on both addresses', () => {
      expect(b.endpoints.mqttPort).toBe(a.endpoints.mqttPort);
      expect([a.endpoints.host, b.endpoints.host]).toEqual(['127.0.0.2', '127.0.0.3']);
    });

    it('connects aws_iot devices to the first A record; when that node goes, they reconnect to the next and are READY', async () => {
      const onA = await device(a, 'fleet-1', ['127.0.0.2', '127.0.0.3']);
      const onB = await device(a, 'fleet-2', ['127.0.0.3', '127.0.0.2']);
      try {
        expect(onA.iot.connect()).toBe(0);
        expect(onB.iot.connect()).toBe(0);
        await onA.until('AWS_IOT_EVT_READY', 1);
        await onB.until('AWS_IOT_EVT_READY', 1);
        expect(a.log.recent({ type: 'connected', clientId: 'fleet-1' })).toHaveLength(1);
        expect(b.log.recent({ type: 'connected', clientId: 'fleet-2' })).toHaveLength(1);

        await a.close();
        await onA.until('AWS_IOT_EVT_DISCONNECTED', 1);
        // The application reconnects, as the NCS samples do on DISCONNECTED: 127.0.0.2 refuses now,
        // the library goes on to 127.0.0.3.
        expect(onA.iot.connect()).toBe(0);
        await onA.until('AWS_IOT_EVT_READY', 2);
        // aedes reports the client ready after the session it kept in Redis is restored, which can
        // come after the device's SUBACKs: wait for node B's record of it.
        await expect
          .poll(() => b.log.recent({ type: 'connected', clientId: 'fleet-1' }), { timeout: 10_000 })
          .toHaveLength(1);
        // The device on node B never noticed.
        expect(onB.count('AWS_IOT_EVT_DISCONNECTED')).toBe(0);
      } finally {
        await onA.iot.disconnect();
        await onB.iot.disconnect();
        await onA.modem.close();
        await onB.modem.close();
      }
    });
  },
);

describe.skipIf(skip !== undefined)('a cluster node when Redis goes away', { timeout: 90_000 }, () => {
  it('stays up, logs the lost connection, and serves again once Redis is back', async () => {
    const cluster = await startCluster(['survivor']);
    const node = cluster.nodes[0]!;
    const port = cluster.redis.port;
    try {
      await createThing(node, 'before-outage');
      await cluster.redis.stop();
      // Routing and sessions notice at once; the node must not crash on their connection errors.
      await expect
        .poll(() => node.log.recent({ type: 'cluster-error' }).length, { timeout: 20_000 })
        .toBeGreaterThan(0);
      const again = await startRedisOn(port);
      expect(again).toBeDefined();
      cluster.redis = again!;
      // The restarted Redis kept nothing (no persistence here), but the node writes to it again.
      await expect
        .poll(
          async () => (await node.registry.getThing('after-outage').catch(() => undefined)) === undefined,
          {
            timeout: 20_000,
          },
        )
        .toBe(true);
      await createThing(node, 'after-outage');
      expect(await node.registry.getThing('after-outage')).toMatchObject({ thingName: 'after-outage' });
    } finally {
      await cluster.stop();
    }
  });
});
