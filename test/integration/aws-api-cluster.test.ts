import { CreateThingCommand, DescribeThingCommand, IoTClient } from '@aws-sdk/client-iot';
import {
  GetRetainedMessageCommand,
  IoTDataPlaneClient,
  ListRetainedMessagesCommand,
  PublishCommand,
} from '@aws-sdk/client-iot-data-plane';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrokerFixtures } from '../../broker-fixtures/index.js';
import { missingTools, tools } from '../helpers/system-tools.js';
import { startCluster, type TestCluster } from './cluster-helpers.js';

const skip = missingTools(tools.redisServer);
const credentials = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'example' };

describe.skipIf(skip !== undefined)('the AWS API on a two-node cluster', () => {
  let cluster: TestCluster;
  let a: BrokerFixtures;
  let b: BrokerFixtures;

  beforeAll(async () => {
    cluster = await startCluster(['aws-a', 'aws-b']);
    [a, b] = cluster.nodes as [BrokerFixtures, BrokerFixtures];
  }, 60_000);
  afterAll(() => cluster?.stop());

  const clients = (node: BrokerFixtures) => {
    const config = { endpoint: node.endpoints.awsApiUrl!, region: 'eu-west-1', credentials };
    return { iot: new IoTClient(config), data: new IoTDataPlaneClient(config) };
  };

  it('a thing created through node A is described by node B; a message retained through A is read back from B', async () => {
    const onA = clients(a);
    const onB = clients(b);
    await onA.iot.send(new CreateThingCommand({ thingName: 'clustered' }));
    expect((await onB.iot.send(new DescribeThingCommand({ thingName: 'clustered' }))).thingName).toBe(
      'clustered',
    );

    await onA.data.send(
      new PublishCommand({ topic: 'fleet/config', qos: 1, retain: true, payload: Buffer.from('{"v":2}') }),
    );
    const got = await onB.data.send(new GetRetainedMessageCommand({ topic: 'fleet/config' }));
    expect(Buffer.from(got.payload!).toString()).toBe('{"v":2}');
    expect(got.qos).toBe(1);
    const listed = await onB.data.send(new ListRetainedMessagesCommand({}));
    expect(listed.retainedTopics?.map((t) => t.topic)).toContain('fleet/config');
    for (const c of [onA, onB]) {
      c.iot.destroy();
      c.data.destroy();
    }
  });
});
