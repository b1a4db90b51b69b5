import sdk from 'aws-iot-device-sdk-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createThing, startStandIn, type StandIn } from '../integration/broker-helpers.js';
import { credentialFiles } from './broker-helpers-files.js';

const { iot, mqtt, iotshadow } = sdk;

let s: StandIn;
let connection: InstanceType<typeof mqtt.MqttClientConnection>;
let shadow: ReturnType<typeof iotshadow.IotShadowClientv2.newFromMqtt311>;

beforeAll(async () => {
  s = await startStandIn();
  const files = await credentialFiles(s.fixtures, await createThing(s.fixtures, 'sdk-thing'));
  // cloud-services §6.2: the SDK's MQTT 3.1.1 builder, pointed at the local CA and port.
  const builder = iot.AwsIotMqttConnectionConfigBuilder.new_mtls_builder_from_path(files.cert, files.key);
  builder.with_certificate_authority_from_path(undefined, files.ca);
  builder.with_endpoint('localhost');
  builder.with_port(s.fixtures.endpoints.mqttPort);
  builder.with_client_id('sdk-thing');
  builder.with_clean_session(true);
  connection = new mqtt.MqttClient().new_connection(builder.build());
  await connection.connect();
  shadow = iotshadow.IotShadowClientv2.newFromMqtt311(connection, {
    maxRequestResponseSubscriptions: 4,
    maxStreamingSubscriptions: 2,
    operationTimeoutInSeconds: 10,
  });
});

afterAll(async () => {
  shadow?.close();
  await connection?.disconnect();
  await s.stop();
});

describe('AWS IoT Device SDK v2 (MQTT 3.1.1) shadow client against the stand-in', () => {
  it('gets a 404 for a missing shadow, updates, receives a delta, gets and deletes', async () => {
    const missing = await shadow.getShadow({ thingName: 'sdk-thing' }).catch((err: unknown) => err);
    expect(JSON.stringify(missing)).toMatch(/404/);

    const deltas = shadow.createShadowDeltaUpdatedStream({ thingName: 'sdk-thing' });
    const delta = new Promise<unknown>((resolve) =>
      deltas.on('incomingPublish', (event: { message: unknown }) => resolve(event.message)),
    );
    const subscribed = new Promise<void>((resolve) => deltas.on('subscriptionStatus', () => resolve()));
    deltas.open();
    await subscribed;

    const updated = await shadow.updateShadow({
      thingName: 'sdk-thing',
      state: { desired: { color: 'RED' }, reported: { color: 'BLUE' } },
    });
    expect(updated.version).toBe(1);
    expect(updated.state?.desired).toEqual({ color: 'RED' });
    expect(await delta).toMatchObject({ state: { color: 'RED' }, version: 1 });

    const got = await shadow.getShadow({ thingName: 'sdk-thing' });
    expect(got.state).toMatchObject({
      desired: { color: 'RED' },
      reported: { color: 'BLUE' },
      delta: { color: 'RED' },
    });
    expect(got.version).toBe(1);

    const deleted = await shadow.deleteShadow({ thingName: 'sdk-thing' });
    expect(deleted.version).toBe(1);
    deltas.close();
  });

  it('the SDK session is identified as its thing', () => {
    expect(s.fixtures.log.recent({ type: 'connected', clientId: 'sdk-thing' })).toEqual([
      expect.objectContaining({ clientId: 'sdk-thing', thingName: 'sdk-thing' }),
    ]);
  });
});
