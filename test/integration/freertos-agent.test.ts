import tls from 'node:tls';
import type { MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  MqttAgent,
  mqttagentREQUIRE_TLS,
  mqttagentURL_IS_IP_ADDRESS,
  mqttagentUSE_AWS_IOT_ALPN_443,
  type AgentModem,
  type MqttAgentCallbackParams,
  type MqttAgentConfig,
  type MqttPublishData,
} from '../../cloud-libs/freertos/index.js';
import { VirtualClock } from '../../core/clock.js';
import { Modem } from '../../modem/modem.js';
import { untilRegistered } from '../helpers/registered.js';
import {
  connectClient,
  createObserver,
  createThing,
  nextMessages,
  putThingCredentials,
  startStandIn,
  type StandIn,
} from './broker-helpers.js';

const TAG = 61;
let s: StandIn;
let observer: MqttClient;
const cleanup: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  s = await startStandIn();
  observer = await connectClient(
    s.fixtures,
    await createObserver(s.fixtures, 'agent-observer'),
    'agent-observer',
  );
});
afterAll(async () => {
  await observer.endAsync();
  await s.stop();
});
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** A registered modem on a virtual clock holding `thing`'s credentials at TAG. */
async function thingModem(thing: string): Promise<{ modem: Modem; clock: VirtualClock }> {
  const creds = await createThing(s.fixtures, thing);
  const clock = new VirtualClock();
  const modem = new Modem({ name: thing, clock });
  cleanup.push(() => modem.close());
  await putThingCredentials(modem, TAG, s.fixtures.ca.certificatePem, creds);
  await modem.channel().command('AT+CFUN=1');
  await untilRegistered(modem);
  return { modem, clock };
}

/** An agent connected as `thing` over mutual TLS; its connect callback events are recorded. */
async function connectedAgent(thing: string, config: Partial<MqttAgentConfig> = {}) {
  const { modem, clock } = await thingModem(thing);
  const agent = MqttAgent.create(modem, config);
  cleanup.push(() => void agent.delete());
  const events: MqttAgentCallbackParams[] = [];
  const rc = await agent.connect(
    {
      url: s.fixtures.endpoints.endpoint,
      port: s.fixtures.endpoints.mqttPort,
      flags: mqttagentREQUIRE_TLS,
      clientId: thing,
      secTags: [TAG],
      userData: 'user-data',
      callback: (userData, params) => {
        expect(userData).toBe('user-data');
        events.push(params);
        return false;
      },
    },
    10_000,
  );
  expect(rc).toBe('eMQTTAgentSuccess');
  return { modem, clock, agent, events };
}

const text = (p: MqttPublishData): string => p.data.toString();

describe('MQTT agent over a modem TLS socket to the AWS IoT stand-in', () => {
  it('connects on the mutual TLS listener, publishes QoS 0 and 1, refuses QoS 2, and disconnects', async () => {
    const thing = 'agent-mtls';
    const { agent, events } = await connectedAgent(thing);
    expect(agent.state).toBe('CONNECTED');
    await observer.subscribeAsync(`${thing}/out/#`, { qos: 1 });
    const got = nextMessages(observer, `${thing}/out/#`, 2);
    expect(await agent.publish({ topic: `${thing}/out/q0`, qos: 0, data: 'zero' }, 5000)).toBe(
      'eMQTTAgentSuccess',
    );
    expect(await agent.publish({ topic: `${thing}/out/q1`, qos: 1, data: Buffer.from('one') }, 5000)).toBe(
      'eMQTTAgentSuccess',
    );
    expect(await agent.publish({ topic: `${thing}/out/q2`, qos: 2, data: 'two' }, 5000)).toBe(
      'eMQTTAgentFailure',
    );
    expect((await got).map((m) => [m.topic, m.payload])).toEqual([
      [`${thing}/out/q0`, 'zero'],
      [`${thing}/out/q1`, 'one'],
    ]);
    expect(await agent.disconnect(5000)).toBe('eMQTTAgentSuccess');
    expect(events).toEqual([{ event: 'eMQTTAgentDisconnect' }]);
    expect(agent.state).toBe('NOT_CONNECTED');
    expect(await agent.publish({ topic: `${thing}/out/q1`, qos: 1, data: 'late' }, 5000)).toBe(
      'eMQTTAgentFailure',
    );
    expect(await agent.disconnect(5000)).toBe('eMQTTAgentSuccess');
  });

  it('connects on the ALPN listener with mqttagentUSE_AWS_IOT_ALPN_443; without ALPN that listener refuses', async () => {
    const thing = 'agent-alpn';
    const { modem } = await thingModem(thing);
    const { endpoint, alpnPort } = s.fixtures.endpoints;
    // The ALPN flag connects to securesocketsDEFAULT_TLS_DESTINATION_PORT, whatever `port` says.
    const agent = MqttAgent.create(modem, { defaultTlsDestinationPort: alpnPort });
    cleanup.push(() => void agent.delete());
    const params = { url: endpoint, port: 1, clientId: thing, secTags: [TAG] };
    const alpn = mqttagentREQUIRE_TLS | mqttagentUSE_AWS_IOT_ALPN_443;
    expect(await agent.connect({ ...params, flags: alpn }, 10_000)).toBe('eMQTTAgentSuccess');
    await observer.subscribeAsync(`${thing}/alpn`, { qos: 1 });
    const got = nextMessages(observer, `${thing}/alpn`, 1);
    expect(await agent.publish({ topic: `${thing}/alpn`, qos: 1, data: '443' }, 5000)).toBe(
      'eMQTTAgentSuccess',
    );
    expect((await got)[0]?.payload).toBe('443');
    expect(await agent.disconnect(5000)).toBe('eMQTTAgentSuccess');

    const plain = { ...params, port: alpnPort, flags: mqttagentREQUIRE_TLS };
    expect(await agent.connect(plain, 10_000)).toBe('eMQTTAgentFailure');
    expect(agent.state).toBe('NOT_CONNECTED');
  });

  it('with mqttagentURL_IS_IP_ADDRESS sets no TLS_HOSTNAME: no SNI and no name check', async () => {
    const thing = 'agent-ip';
    const { modem } = await thingModem(thing);
    const agent = MqttAgent.create(modem);
    cleanup.push(() => void agent.delete());
    // Resolves to the stand-in (*.amazonaws.com) but is not a name its certificate carries.
    const url = 'elsewhere-ats.iot.eu-west-1.amazonaws.com';
    const params = { url, port: s.fixtures.endpoints.mqttPort, clientId: thing, secTags: [TAG] };
    expect(await agent.connect({ ...params, flags: mqttagentREQUIRE_TLS }, 10_000)).toBe('eMQTTAgentFailure');
    const ip = mqttagentREQUIRE_TLS | mqttagentURL_IS_IP_ADDRESS;
    expect(await agent.connect({ ...params, flags: ip }, 10_000)).toBe('eMQTTAgentSuccess');
  });
  it('runs the exact-match callback first, then wildcards, and stops when one takes the buffer', async () => {
    const thing = 'agent-subs';
    const { agent, events } = await connectedAgent(thing);
    const calls: string[] = [];
    let take = '';
    const held: MqttPublishData[] = [];
    const record = (name: string) => (_ctx: unknown, p: MqttPublishData) => {
      calls.push(`${name}:${text(p)}`);
      if (take !== name) return false;
      held.push(p);
      return true;
    };
    // Wildcards subscribed first: order of subscription does not put them ahead of the exact one.
    for (const [topic, name] of [
      [`${thing}/a/#`, 'hash'],
      [`${thing}/a/+`, 'plus'],
      [`${thing}/a/b`, 'exact'],
    ] as const) {
      expect(await agent.subscribe({ topic, qos: 1, callback: record(name) }, 5000)).toBe(
        'eMQTTAgentSuccess',
      );
    }
    // A filter without a callback: its publishes go to the connect callback.
    expect(await agent.subscribe({ topic: `${thing}/plain`, qos: 0 }, 5000)).toBe('eMQTTAgentSuccess');

    const until = async (n: number): Promise<void> => {
      await expect.poll(() => calls.length + events.length, { timeout: 5000 }).toBeGreaterThanOrEqual(n);
    };
    await observer.publishAsync(`${thing}/a/b`, 'm1', { qos: 1 });
    await until(3);
    expect(calls[0]).toBe('exact:m1');
    expect(calls.slice(1).sort()).toEqual(['hash:m1', 'plus:m1']);
    expect(agent.buffersInUse).toBe(0);

    calls.length = 0;
    take = 'exact';
    await observer.publishAsync(`${thing}/a/b`, 'm2', { qos: 1 });
    await until(1);
    await new Promise((r) => setTimeout(r, 50));
    expect(calls).toEqual(['exact:m2']);
    expect(agent.buffersInUse).toBe(1);
    const [kept] = held;
    expect(kept && text(kept)).toBe('m2');
    expect(kept && agent.returnBuffer(kept.buffer)).toBe('eMQTTAgentSuccess');
    expect(agent.buffersInUse).toBe(0);
    // Back in the pool, the buffer is cleared; returning it twice is a failure.
    expect(kept?.data.equals(Buffer.alloc(2))).toBe(true);
    expect(kept && agent.returnBuffer(kept.buffer)).toBe('eMQTTAgentFailure');

    calls.length = 0;
    await observer.publishAsync(`${thing}/plain`, 'p1', { qos: 1 });
    await expect.poll(() => events.length, { timeout: 5000 }).toBe(1);
    const [ev] = events;
    expect(ev?.event).toBe('eMQTTAgentPublish');
    expect(ev?.event === 'eMQTTAgentPublish' && [ev.publishData.topic, ev.publishData.qos]).toEqual([
      `${thing}/plain`,
      0,
    ]);
    expect(calls).toEqual([]);

    expect(await agent.unsubscribe({ topic: `${thing}/a/b` }, 5000)).toBe('eMQTTAgentSuccess');
    take = '';
    await observer.publishAsync(`${thing}/a/b`, 'm3', { qos: 1 });
    await until(2);
    expect(calls.sort()).toEqual(['hash:m3', 'plus:m3']);
  });

  it('a call made inside a callback returns eMQTTAgentAPICalledFromCallback; afterwards it works', async () => {
    const thing = 'agent-reentry';
    const { agent } = await connectedAgent(thing);
    const inside: Array<Promise<string>> = [];
    expect(
      await agent.subscribe(
        {
          topic: `${thing}/in`,
          qos: 1,
          callback: () => {
            inside.push(agent.publish({ topic: `${thing}/echo`, qos: 1, data: 'x' }, 1000));
            inside.push(agent.subscribe({ topic: `${thing}/other`, qos: 0 }, 1000));
            return false;
          },
        },
        5000,
      ),
    ).toBe('eMQTTAgentSuccess');
    await observer.publishAsync(`${thing}/in`, 'go', { qos: 1 });
    await expect.poll(() => inside.length, { timeout: 5000 }).toBe(2);
    expect(await Promise.all(inside)).toEqual([
      'eMQTTAgentAPICalledFromCallback',
      'eMQTTAgentAPICalledFromCallback',
    ]);
    expect(await agent.publish({ topic: `${thing}/echo`, qos: 1, data: 'x' }, 5000)).toBe(
      'eMQTTAgentSuccess',
    );
  });

  it('times out while the link is partitioned; after heal the publish still arrives and the agent carries on', async () => {
    const thing = 'agent-partition';
    const { modem, clock, agent, events } = await connectedAgent(thing);
    const late: Array<[string, number | undefined]> = [];
    agent.on('unexpected-ack', (packet, id) => late.push([packet, id]));
    const calls: string[] = [];
    await observer.subscribeAsync(`${thing}/held`, { qos: 1 });
    const delivered = nextMessages(observer, `${thing}/held`, 1);

    modem.control.partitionLink();
    const publish = agent.publish({ topic: `${thing}/held`, qos: 1, data: 'stalled' }, 3000);
    const subscribe = agent.subscribe(
      { topic: `${thing}/cb`, qos: 1, callback: (_c, p) => (calls.push(text(p)), false) },
      3000,
    );
    let settled = 0;
    void publish.then(() => settled++);
    await clock.advance(2999);
    expect(settled).toBe(0);
    await clock.advance(1);
    expect(await publish).toBe('eMQTTAgentTimeout');
    expect(await subscribe).toBe('eMQTTAgentTimeout');

    modem.control.healLink();
    // What the modem held crosses on heal: the broker takes the publish and the subscription,
    // and their acknowledgements find nobody waiting.
    expect((await delivered)[0]?.payload).toBe('stalled');
    await expect.poll(() => late.map((l) => l[0]).sort(), { timeout: 5000 }).toEqual(['PUBACK', 'SUBACK']);
    expect(agent.state).toBe('CONNECTED');
    // The timed-out subscription's callback is gone, though the broker has the subscription.
    await observer.publishAsync(`${thing}/cb`, 'after', { qos: 1 });
    expect(await agent.publish({ topic: `${thing}/held`, qos: 1, data: 'next' }, 5000)).toBe(
      'eMQTTAgentSuccess',
    );
    await expect
      .poll(() => events.map((e) => e.event === 'eMQTTAgentPublish' && e.publishData.topic), {
        timeout: 5000,
      })
      .toEqual([`${thing}/cb`]);
    expect(calls).toEqual([]);
  });

  it('keeps the connection alive on the modem clock: PINGREQ after 5 s of silence, the PINGRESP read back', async () => {
    const thing = 'agent-keepalive';
    const { modem, clock } = await thingModem(thing);
    // The modem's sockets, with what the agent reads recorded.
    let received: Buffer[] = [];
    const real = modem.sockets;
    const sockets: AgentModem['sockets'] = {
      getaddrinfo: (...a) => real.getaddrinfo(...a),
      socket: (...a) => real.socket(...a),
      setsockopt: (...a) => real.setsockopt(...a),
      connect: (...a) => real.connect(...a),
      send: (...a) => real.send(...a),
      recv: async (...a) => {
        const chunk = await real.recv(...a);
        received.push(chunk);
        return chunk;
      },
      close: (...a) => real.close(...a),
      isOpen: (...a) => real.isOpen(...a),
    };
    const agent = MqttAgent.create({ sockets, clock, name: thing });
    cleanup.push(() => void agent.delete());
    let timeouts = 0;
    agent.on('ping-timeout', () => timeouts++);
    let pings = 0;
    const onPing = (_packet: unknown, client: { id: string }): void => void (client.id === thing && pings++);
    s.fixtures.aedes.on('ping', onPing);
    cleanup.push(() => void s.fixtures.aedes.off('ping', onPing));
    const params = {
      url: s.fixtures.endpoints.endpoint,
      port: s.fixtures.endpoints.mqttPort,
      clientId: thing,
    };
    expect(await agent.connect({ ...params, flags: mqttagentREQUIRE_TLS, secTags: [TAG] }, 10_000)).toBe(
      'eMQTTAgentSuccess',
    );
    const pingResp = () => Buffer.concat(received).includes(Buffer.from([0xd0, 0x00]));
    for (let round = 1; round <= 2; round++) {
      received = [];
      await clock.advance(4999);
      expect(pings).toBe(round - 1);
      await clock.advance(1);
      await expect.poll(() => pings, { timeout: 10_000 }).toBe(round);
      await expect.poll(pingResp, { timeout: 10_000 }).toBe(true);
    }
    await clock.advance(1000);
    expect(timeouts).toBe(0);
    expect(agent.state).toBe('CONNECTED');
  });

  it('a malformed packet from a broker over real TLS closes the connection cleanly; the agent connects again', async () => {
    const thing = 'agent-malformed';
    const { modem } = await thingModem(thing);
    // A broker that answers CONNECT and then, to the first PUBLISH, sends a PUBACK without its
    // packet identifier. Its certificate comes from the stand-in's CA, which the modem trusts.
    const issued = await s.fixtures.ca.issue({
      commonName: '127.0.0.1',
      altNames: ['127.0.0.1'],
      serverAuth: true,
    });
    const closed: string[] = [];
    const server = tls.createServer({ cert: issued.certificatePem, key: issued.privateKeyPem }, (sock) => {
      let seen = Buffer.alloc(0);
      sock.on('data', (d: Buffer) => {
        seen = Buffer.concat([seen, d]);
        if (seen[0] === 0x10 && !sock.writableEnded) {
          sock.write(Buffer.from([0x20, 0x02, 0x00, 0x00]));
          seen = Buffer.alloc(0);
        } else if (seen[0] === 0x32) {
          sock.write(Buffer.from([0x40, 0x00]));
        }
      });
      sock.on('error', () => undefined);
      sock.on('close', () => closed.push('closed'));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanup.push(() => new Promise<void>((r) => server.close(() => r())));
    const port = (server.address() as { port: number }).port;
    const agent = MqttAgent.create(modem);
    cleanup.push(() => void agent.delete());
    const events: MqttAgentCallbackParams[] = [];
    const params = {
      url: '127.0.0.1',
      port,
      flags: mqttagentREQUIRE_TLS | mqttagentURL_IS_IP_ADDRESS,
      clientId: thing,
      secTags: [TAG],
      callback: (_u: unknown, p: MqttAgentCallbackParams) => (events.push(p), false),
    };
    for (let round = 1; round <= 2; round++) {
      events.length = 0;
      expect(await agent.connect(params, 10_000)).toBe('eMQTTAgentSuccess');
      expect(await agent.publish({ topic: 't', qos: 1, data: 'x' }, 60_000)).toBe('eMQTTAgentFailure');
      expect(events).toEqual([{ event: 'eMQTTAgentDisconnect' }]);
      expect(agent.state).toBe('NOT_CONNECTED');
      await expect.poll(() => closed.length, { timeout: 10_000 }).toBe(round);
    }
  });

  it('a lost network ends the connection: the callback hears eMQTTAgentDisconnect, waiting calls fail', async () => {
    const thing = 'agent-lost';
    const { modem, agent, events } = await connectedAgent(thing);
    modem.control.partitionLink();
    const waiting = agent.publish({ topic: `${thing}/x`, qos: 1, data: 'x' }, 60_000);
    await modem.channel().command('AT+CFUN=4');
    expect(await waiting).toBe('eMQTTAgentFailure');
    expect(events).toEqual([{ event: 'eMQTTAgentDisconnect' }]);
    expect(agent.state).toBe('NOT_CONNECTED');
  });
});
