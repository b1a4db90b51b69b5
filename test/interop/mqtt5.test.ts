import { once } from 'node:events';
import sdk from 'aws-iot-device-sdk-v2';
import type { IConnackPacket } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectClient,
  createObserver,
  createThing,
  nextMessages,
  startStandIn,
  type StandIn,
} from '../integration/broker-helpers.js';
import { credentialFiles } from './broker-helpers-files.js';

const { iot, mqtt5 } = sdk;
let s: StandIn;

beforeAll(async () => {
  s = await startStandIn();
});
afterAll(async () => {
  await s?.stop();
});

describe('MQTT 5 on the stand-in (aedes 2)', () => {
  for (const listener of ['mqttPort', 'alpnPort'] as const) {
    it(`the AWS IoT Device SDK v2 Mqtt5Client connects, subscribes and publishes on ${listener}, user properties passed through`, async () => {
      const thing = `v5-sdk-${listener}`;
      const files = await credentialFiles(s.fixtures, await createThing(s.fixtures, thing));
      // The SDK's direct mTLS builder offers ALPN x-amzn-mqtt-ca, which both listeners accept.
      const builder = iot.AwsIotMqtt5ClientConfigBuilder.newDirectMqttBuilderWithMtlsFromPath(
        'localhost',
        files.cert,
        files.key,
      );
      builder.withCertificateAuthorityFromPath(undefined, files.ca);
      builder.withPort(s.fixtures.endpoints[listener]);
      builder.withConnectProperties({ clientId: thing, keepAliveIntervalSeconds: 60 });
      const client = new mqtt5.Mqtt5Client(builder.build());
      const failures: string[] = [];
      client.on('connectionFailure', (e) => failures.push(String(e.error)));
      const connected = once(client, 'connectionSuccess');
      client.start();
      try {
        await Promise.race([
          connected,
          new Promise((_, reject) =>
            setTimeout(() => reject(new Error(`no CONNACK: ${failures.join('; ')}`)), 15_000),
          ),
        ]);
        const suback = await client.subscribe({
          subscriptions: [{ topicFilter: `${thing}/t`, qos: mqtt5.QoS.AtLeastOnce }],
        });
        expect(suback.reasonCodes).toEqual([mqtt5.SubackReasonCode.GrantedQoS1]);
        const received = once(client, 'messageReceived');
        const puback = await client.publish({
          topicName: `${thing}/t`,
          qos: mqtt5.QoS.AtLeastOnce,
          payload: 'hello',
          userProperties: [{ name: 'k', value: 'v' }],
        });
        expect(puback).toMatchObject({ reasonCode: mqtt5.PubackReasonCode.Success });
        const [event] = (await received) as [
          { message: { payload: ArrayBuffer; userProperties?: Array<{ name: string; value: string }> } },
        ];
        expect(Buffer.from(event.message.payload).toString()).toBe('hello');
        expect(event.message.userProperties).toEqual([{ name: 'k', value: 'v' }]);
      } finally {
        const stopped = once(client, 'stopped');
        client.stop();
        await stopped;
        client.close();
      }
    }, 30_000);
  }

  it("advertises AWS's topic alias and receive maximums, clamps the session expiry to an hour, and delivers between 3.1.1 and 5", async () => {
    const v5 = await createThing(s.fixtures, 'v5-mqttjs');
    // An open policy: the 3.1.1 client uses the v5 client's topics.
    const v3 = await createObserver(s.fixtures, 'v3-mqttjs');
    const sub = await connectClient(s.fixtures, v5, 'v5-mqttjs', {
      protocolVersion: 5,
      properties: { sessionExpiryInterval: 7 * 86400 },
    });
    const pub = await connectClient(s.fixtures, v3, 'v3-mqttjs');
    try {
      const connack = (sub as unknown as { connackPacket?: IConnackPacket }).connackPacket;
      expect(connack?.properties).toMatchObject({
        topicAliasMaximum: 8,
        receiveMaximum: 100,
        sessionExpiryInterval: 3600,
      });
      await sub.subscribeAsync('v5-mqttjs/in', { qos: 1 });
      const fromV3 = nextMessages(sub, 'v5-mqttjs/in', 1);
      await pub.publishAsync('v5-mqttjs/in', 'from 3.1.1', { qos: 1 });
      expect((await fromV3)[0]!.payload).toBe('from 3.1.1');

      // A v5 publish with expiry, content type and a topic alias reaches a 3.1.1 subscriber.
      await pub.subscribeAsync('v5-mqttjs/out', { qos: 1 });
      const toV3 = nextMessages(pub, 'v5-mqttjs/out', 2);
      await sub.publishAsync('v5-mqttjs/out', 'one', {
        qos: 1,
        properties: { topicAlias: 3, messageExpiryInterval: 60, contentType: 'text/plain' },
      });
      await sub.publishAsync('', 'two', { qos: 1, properties: { topicAlias: 3 } });
      expect((await toV3).map((m) => m.payload)).toEqual(['one', 'two']);
    } finally {
      sub.end(true);
      pub.end(true);
    }
  });
});
