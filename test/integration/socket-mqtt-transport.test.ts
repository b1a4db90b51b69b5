import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModemMqttClient } from '../../cloud-libs/common/index.js';
import { VirtualClock } from '../../core/clock.js';
import { Modem } from '../../modem/modem.js';
import { Errno, SocketError } from '../../modem/sockets/index.js';
import {
  connectClient,
  createObserver,
  createThing,
  nextMessages,
  putThingCredentials,
  startStandIn,
  type StandIn,
  type ThingCredentials,
} from './broker-helpers.js';
import { untilRegistered } from '../helpers/registered.js';

const TAG = 201;
let standIn: StandIn;
let thing: ThingCredentials;

beforeAll(async () => {
  standIn = await startStandIn();
  thing = await createThing(standIn.fixtures, 'modem-mqtt-thing');
});
afterAll(async () => {
  await standIn.stop();
});

async function provisionedModem(): Promise<Modem> {
  const modem = new Modem({ name: 'mqtt-transport', clock: new VirtualClock() });
  await putThingCredentials(modem, TAG, standIn.fixtures.ca.certificatePem, thing);
  await modem.channel().command('AT+CFUN=1');
  await untilRegistered(modem);
  return modem;
}

/** mqtt.js over a modem TLS socket to the stand-in's endpoint, as the test thing. */
function thingClient(modem: Modem, extra: Partial<Parameters<typeof createModemMqttClient>[1]> = {}) {
  const { endpoint, mqttPort } = standIn.fixtures.endpoints;
  return createModemMqttClient(modem, {
    host: endpoint,
    port: mqttPort,
    secTags: [TAG],
    clientId: thing.thingName,
    ...extra,
  });
}

describe('mqtt.js over a modem TLS socket against the AWS IoT stand-in', () => {
  it('connects by endpoint name with the sec tag credentials and gets its shadow', async () => {
    const modem = await provisionedModem();
    const client = thingClient(modem, { keepalive: 1200 });
    try {
      await new Promise<void>((resolve, reject) => {
        client.once('connect', () => resolve());
        client.once('error', reject);
      });
      // The connection is a modem socket: the modem lists it, TLS on the sec tag.
      expect(modem.sockets.list()).toEqual([
        expect.objectContaining({ protocol: 258, state: 'connected', secTags: [TAG] }),
      ]);
      const accepted = `$aws/things/${thing.thingName}/shadow/get/accepted`;
      const rejected = `$aws/things/${thing.thingName}/shadow/get/rejected`;
      await client.subscribeAsync([accepted, rejected], { qos: 1 });
      const answer = new Promise<string>((r) => client.once('message', (topic) => r(topic)));
      await client.publishAsync(`$aws/things/${thing.thingName}/shadow/get`, '', { qos: 1 });
      // A thing without a shadow document gets "rejected" (404).
      expect(await answer).toBe(rejected);
    } finally {
      await client.endAsync();
      await modem.close();
    }
  });

  it('a clean disconnect reaches the broker: presence says CLIENT_INITIATED_DISCONNECT', async () => {
    const observerCreds = await createObserver(standIn.fixtures, 'presence-observer');
    const observer = await connectClient(standIn.fixtures, observerCreds, 'presence-observer');
    const topic = `$aws/events/presence/disconnected/${thing.thingName}`;
    await observer.subscribeAsync(topic, { qos: 1 });
    const modem = await provisionedModem();
    const client = thingClient(modem);
    try {
      await new Promise<void>((resolve) => client.once('connect', () => resolve()));
      const events = nextMessages(observer, topic, 1);
      // DISCONNECT crosses the modem socket before it closes: the broker tells a clean end apart.
      await client.endAsync();
      const [event] = await events;
      expect(JSON.parse(event?.payload ?? '{}')).toMatchObject({
        clientId: thing.thingName,
        eventType: 'disconnected',
        disconnectReason: 'CLIENT_INITIATED_DISCONNECT',
      });
    } finally {
      await modem.close();
      await observer.endAsync();
    }
  });

  it('loses the connection with ENETDOWN when the PDN drops', async () => {
    const modem = await provisionedModem();
    const client = thingClient(modem);
    try {
      await new Promise<void>((resolve) => client.once('connect', () => resolve()));
      const closed = new Promise<Error | undefined>((resolve) => {
        let error: Error | undefined;
        client.once('error', (e) => (error = e));
        client.once('close', () => resolve(error));
      });
      modem.control.dropPdn();
      const error = await closed;
      expect(error).toBeInstanceOf(SocketError);
      expect((error as SocketError).errno).toBe(Errno.ENETDOWN);
    } finally {
      client.end(true);
      await modem.close();
    }
  });

  it('fails to connect without the sec tag CA: the stream errors with ECONNREFUSED', async () => {
    const modem = new Modem({ name: 'no-ca', clock: new VirtualClock() });
    await modem.credentials.put({ secTag: TAG, type: 1, content: thing.cert });
    await modem.credentials.put({ secTag: TAG, type: 2, content: thing.key });
    await modem.channel().command('AT+CFUN=1');
    await untilRegistered(modem);
    const client = thingClient(modem);
    try {
      const error = await new Promise<Error>((resolve) => client.once('error', resolve));
      expect((error as SocketError).errno).toBe(Errno.ECONNREFUSED);
    } finally {
      client.end(true);
      await modem.close();
    }
  });
});
