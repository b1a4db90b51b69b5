import diagnostics from 'node:diagnostics_channel';
import { describe, expect, it } from 'vitest';
import {
  MqttAgent,
  type MqttAgentCallbackParams,
  type MqttAgentConfig,
  type MqttPublishData,
} from '../../cloud-libs/freertos/index.js';
import { brokerPublish, CONNACK_OK, ScriptedPeer, sentId } from './freertos-scripted-peer.js';

const PARAMS = { url: 'broker.example', port: 1883, clientId: 'dev' };

function setup(config: Partial<MqttAgentConfig> = {}) {
  const peer = new ScriptedPeer();
  const agent = MqttAgent.create(peer.modem, config);
  const events: MqttAgentCallbackParams[] = [];
  const connect = (timeoutMs = 5000) =>
    agent.connect({ ...PARAMS, callback: (_u, p) => (events.push(p), false) }, timeoutMs);
  const connected = async () => {
    const rc = connect();
    await peer.settle();
    peer.push(CONNACK_OK);
    expect(await rc).toBe('eMQTTAgentSuccess');
  };
  return { peer, agent, events, connect, connected };
}

describe('MQTT agent: the CONNECT it sends and the keep-alive on the modem clock', () => {
  it('sends CONNECT with clean session, the metrics user name and keep-alive 1200 s', async () => {
    const { peer, connected } = setup();
    await connected();
    const user = Buffer.from('?SDK=AmazonFreeRTOS&Version=V10.0.1&Platform=nRF9160');
    const body = Buffer.concat([
      Buffer.from([0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 0x82, 0x04, 0xb0, 0, 3]),
      Buffer.from('dev'),
      Buffer.from([0, user.length]),
      user,
    ]);
    expect(peer.sent()[0]?.bytes).toEqual(Buffer.concat([Buffer.from([0x10, body.length]), body]));
  });

  it('sends PINGREQ after 5 s of silence; a missed PINGRESP is reported and another PINGREQ follows', async () => {
    const { peer, agent, connected } = setup();
    let timeouts = 0;
    agent.on('ping-timeout', () => timeouts++);
    await connected();
    const pings = () => peer.sentTypes().filter((t) => t === 12).length;
    await peer.clock.advance(4999);
    expect(pings()).toBe(0);
    await peer.clock.advance(1);
    expect(pings()).toBe(1);
    await peer.clock.advance(1000);
    expect(timeouts).toBe(1);
    expect(pings()).toBe(2);
    peer.push([0xd0, 0x00]);
    await peer.settle();
    await peer.clock.advance(4999);
    expect(pings()).toBe(2);
    // Anything sent postpones the keep-alive.
    expect(await agent.publish({ topic: 't', qos: 0, data: 'x' }, 100)).toBe('eMQTTAgentSuccess');
    await peer.clock.advance(4999);
    expect(pings()).toBe(2);
    await peer.clock.advance(1);
    expect(pings()).toBe(3);
    expect(agent.state).toBe('CONNECTED');
  });
});

describe('MQTT agent: connect outcomes', () => {
  it('no CONNACK in time ends the connection: eMQTTAgentFailure and a disconnect event', async () => {
    const { peer, agent, events, connect } = setup();
    const rc = connect(3000);
    await peer.settle();
    await peer.clock.advance(3000);
    expect(await rc).toBe('eMQTTAgentFailure');
    expect(events).toEqual([{ event: 'eMQTTAgentDisconnect' }]);
    expect(agent.state).toBe('NOT_CONNECTED');
    expect(peer.socketsOpen).toBe(0);
  });

  it('a refused CONNACK fails the connect with a disconnect event; a second connect works', async () => {
    const { peer, agent, events, connect, connected } = setup();
    const rc = connect();
    await peer.settle();
    peer.push([0x20, 0x02, 0x00, 0x05]);
    expect(await rc).toBe('eMQTTAgentFailure');
    expect(events).toEqual([{ event: 'eMQTTAgentDisconnect' }]);
    await connected();
    expect(agent.state).toBe('CONNECTED');
    expect(await agent.connect(PARAMS, 1000)).toBe('eMQTTAgentFailure');
  });

  it('a socket that will not connect in time is abandoned: failure, no disconnect event', async () => {
    const { peer, agent, events, connect } = setup();
    peer.holdConnect = true;
    const rc = connect(2000);
    await peer.settle();
    await peer.clock.advance(2000);
    expect(await rc).toBe('eMQTTAgentFailure');
    expect(events).toEqual([]);
    expect(peer.socketsOpen).toBe(0);
    expect(agent.state).toBe('NOT_CONNECTED');
  });
});

describe('MQTT agent: the command queue and the acknowledgements in flight', () => {
  it('a command whose time ran out in the queue times out and is never sent', async () => {
    const { peer, agent, connect } = setup();
    peer.holdConnect = true;
    const rc = connect(10_000);
    await peer.settle();
    // The MQTT task is busy connecting the socket; the subscribe waits behind it.
    const sub = agent.subscribe({ topic: 'a/b', qos: 1 }, 100);
    await peer.clock.advance(100);
    expect(await sub).toBe('eMQTTAgentTimeout');
    peer.accept();
    await peer.settle();
    peer.push(CONNACK_OK);
    expect(await rc).toBe('eMQTTAgentSuccess');
    await peer.settle();
    expect(peer.sentTypes()).toEqual([1]);
  });

  it('a full command queue makes a call wait for room, and fail when its time is up', async () => {
    const { peer, agent, connect } = setup({ commandQueueLength: 1 });
    peer.holdConnect = true;
    void connect(10_000);
    await peer.settle();
    const queued = agent.publish({ topic: 't', qos: 0, data: '1' }, 1000);
    const noRoom = agent.publish({ topic: 't', qos: 0, data: '2' }, 500);
    await peer.clock.advance(500);
    expect(await noRoom).toBe('eMQTTAgentFailure');
    await peer.clock.advance(500);
    expect(await queued).toBe('eMQTTAgentTimeout');
  });

  it('at most 20 acknowledgements wait at once; QoS 0 needs none; a PUBACK makes room', async () => {
    const { peer, agent, connected } = setup();
    await connected();
    const waiting = Array.from({ length: 20 }, (_, i) =>
      agent.publish({ topic: 't', qos: 1, data: String(i) }, 60_000),
    );
    expect(await agent.publish({ topic: 't', qos: 1, data: 'x' }, 60_000)).toBe('eMQTTAgentFailure');
    expect(await agent.subscribe({ topic: 'f', qos: 1 }, 60_000)).toBe('eMQTTAgentFailure');
    expect(await agent.publish({ topic: 't', qos: 0, data: 'q0' }, 60_000)).toBe('eMQTTAgentSuccess');
    const first = peer.sent().find((p) => p.type === 3 && (p.flags & 6) === 2);
    const id = first ? sentId(first) : -1;
    peer.push([0x40, 0x02, id >> 8, id & 255]);
    expect(await waiting[0]).toBe('eMQTTAgentSuccess');
    const next = agent.publish({ topic: 't', qos: 1, data: 'room' }, 1000);
    await peer.settle();
    expect(peer.sent().filter((p) => p.type === 3 && (p.flags & 6) === 2)).toHaveLength(21);
    await peer.clock.advance(1000);
    expect(await next).toBe('eMQTTAgentTimeout');
  });

  it('a late acknowledgement is reported as unexpected and changes nothing', async () => {
    const { peer, agent, connected } = setup();
    const late: unknown[] = [];
    agent.on('unexpected-ack', (p, id) => late.push([p, id]));
    await connected();
    const rc = agent.publish({ topic: 't', qos: 1, data: 'x' }, 1000);
    await peer.settle();
    await peer.clock.advance(1000);
    expect(await rc).toBe('eMQTTAgentTimeout');
    const sent = peer.sent().find((p) => p.type === 3);
    const id = sent ? sentId(sent) : 0;
    peer.push([0x40, 0x02, id >> 8, id & 255]);
    await peer.settle();
    expect(late).toEqual([['PUBACK', id]]);
    expect(agent.state).toBe('CONNECTED');
  });
});

describe('MQTT agent: subscriptions, received publishes and buffers', () => {
  it('a refused SUBSCRIBE fails and its callback is removed; an invalid filter is never sent', async () => {
    const { peer, agent, events, connected } = setup();
    await connected();
    const calls: string[] = [];
    const sub = agent.subscribe(
      { topic: 'a/b', qos: 1, callback: (_c, p) => (calls.push(p.topic), false) },
      1000,
    );
    await peer.settle();
    const sent = peer.sent().find((p) => p.type === 8);
    expect(sent?.bytes).toEqual(
      Buffer.from([0x82, 0x08, 0x00, sent ? sentId(sent) : 0, 0, 3, 0x61, 0x2f, 0x62, 1]),
    );
    peer.push([0x90, 0x03, 0x00, sent ? sentId(sent) : 0, 0x80]);
    expect(await sub).toBe('eMQTTAgentFailure');
    peer.push(brokerPublish('a/b', 'hi'));
    await peer.settle();
    expect(calls).toEqual([]);
    expect(events.map((e) => e.event)).toEqual(['eMQTTAgentPublish']);
    for (const bad of ['a/#/b', 'a+', '', 'x'.repeat(129)]) {
      expect(await agent.subscribe({ topic: bad, qos: 0 }, 1000)).toBe('eMQTTAgentFailure');
    }
    expect(await agent.subscribe({ topic: 'q2', qos: 2 }, 1000)).toBe('eMQTTAgentFailure');
    expect(peer.sentTypes().filter((t) => t === 8)).toHaveLength(1);
  });

  it('acknowledges a QoS 1 publish before the callbacks, and clears an untaken buffer after them', async () => {
    const { peer, agent, events, connected } = setup();
    await connected();
    peer.push(brokerPublish('t/1', 'payload', 1, 0x1234));
    await peer.settle();
    expect(peer.sent().at(-1)?.bytes).toEqual(Buffer.from([0x40, 0x02, 0x12, 0x34]));
    const [ev] = events;
    const data = ev?.event === 'eMQTTAgentPublish' ? ev.publishData.data : undefined;
    expect(data?.equals(Buffer.alloc(7))).toBe(true);
    expect(agent.buffersInUse).toBe(0);
  });

  it('when every buffer is taken, a publish is dropped unacknowledged until one is returned', async () => {
    const { peer, agent, connected } = setup({ bufferPoolSize: 1 });
    const dropped: string[] = [];
    agent.on('packet-dropped', (r) => dropped.push(r));
    await connected();
    const held: MqttPublishData[] = [];
    const sub = agent.subscribe({ topic: 'k', qos: 1, callback: (_c, p) => (held.push(p), true) }, 1000);
    await peer.settle();
    const subscribe = peer.sent().find((p) => p.type === 8);
    peer.push([0x90, 0x03, 0x00, subscribe ? sentId(subscribe) : 0, 0x01]);
    expect(await sub).toBe('eMQTTAgentSuccess');
    peer.push(brokerPublish('k', 'one', 1, 1));
    peer.push(brokerPublish('k', 'two', 1, 2));
    await peer.settle();
    expect(held.map((p) => p.data.toString())).toEqual(['one']);
    expect(dropped).toEqual(['no free buffer']);
    const pubacks = () =>
      peer
        .sent()
        .filter((p) => p.type === 4)
        .map((p) => p.body.readUInt16BE(0));
    expect(pubacks()).toEqual([1]);
    const [first] = held;
    expect(first && agent.returnBuffer(first.buffer)).toBe('eMQTTAgentSuccess');
    peer.push(brokerPublish('k', 'two', 1, 2));
    await peer.settle();
    expect(held.map((p) => p.data.toString())).toEqual(['\0\0\0', 'two']);
    expect(pubacks()).toEqual([1, 2]);
  });

  it('a callback that throws is reported and the others still run', async () => {
    const { peer, agent, connected } = setup();
    const errors: unknown[] = [];
    agent.on('callback-error', (e) => errors.push(e));
    await connected();
    const calls: string[] = [];
    for (const [topic, cb] of [
      [
        'a/b',
        () => {
          throw new Error('boom');
        },
      ],
      ['a/+', () => (calls.push('plus'), false)],
    ] as const) {
      const rc = agent.subscribe({ topic, qos: 0, callback: cb }, 1000);
      await peer.settle();
      const s = peer
        .sent()
        .filter((p) => p.type === 8)
        .at(-1);
      peer.push([0x90, 0x03, 0x00, s ? sentId(s) : 0, 0x00]);
      expect(await rc).toBe('eMQTTAgentSuccess');
    }
    peer.push(brokerPublish('a/b', 'x'));
    await peer.settle();
    expect(errors).toHaveLength(1);
    expect(calls).toEqual(['plus']);
  });
});

describe('MQTT agent: broken streams and delete', () => {
  it('a QoS 2 publish from the broker is malformed for this client: the connection ends', async () => {
    const { peer, agent, events, connected } = setup();
    await connected();
    const waiting = agent.publish({ topic: 't', qos: 1, data: 'x' }, 60_000);
    await peer.settle();
    peer.push(brokerPublish('t', 'q2', 2));
    expect(await waiting).toBe('eMQTTAgentFailure');
    expect(events).toEqual([{ event: 'eMQTTAgentDisconnect' }]);
    expect(agent.state).toBe('NOT_CONNECTED');
  });

  it('any malformed packet closes the connection cleanly, fails what waits, and the agent connects again', async () => {
    const bad: Array<number[] | Buffer> = [
      [0x21, 0x02, 0x00, 0x00], // CONNACK with fixed flags set
      [0x20, 0x03, 0x00, 0x00, 0x00], // CONNACK three bytes long
      [0xd0, 0x01, 0x00], // PINGRESP with a body
      [0x40, 0x00], // PUBACK without its identifier
      [0x32, 0x03, 0x00, 0x01, 0x61], // QoS 1 PUBLISH without its identifier
      [0x30, 0x03, 0x00, 0x05, 0x61], // topic longer than the packet
      [0x90, 0x03, 0x00, 0x01, 0x02], // SUBACK granting QoS 2
      [0xe0, 0x00], // DISCONNECT: only a client sends one in MQTT 3.1.1
      [0x00, 0x00], // reserved packet type
      [0x30, 0xff, 0xff, 0xff, 0xff, 0x01], // five-byte remaining length
    ];
    const { peer, agent, events, connected } = setup();
    for (const bytes of bad) {
      events.length = 0;
      await connected();
      const waiting = agent.publish({ topic: 't', qos: 1, data: 'x' }, 60_000);
      await peer.settle();
      peer.push(bytes);
      expect(await waiting).toBe('eMQTTAgentFailure');
      expect(events).toEqual([{ event: 'eMQTTAgentDisconnect' }]);
      expect(agent.state).toBe('NOT_CONNECTED');
      expect(peer.socketsOpen).toBe(0);
    }
  });

  it('a client id MQTT cannot carry fails the connect before a socket is opened', async () => {
    const { peer, agent, events } = setup();
    const rc = agent.connect({ ...PARAMS, clientId: 'x'.repeat(65_536) }, 1000);
    expect(await rc).toBe('eMQTTAgentFailure');
    expect(peer.connects).toBe(0);
    expect(peer.socketsOpen).toBe(0);
    expect(agent.state).toBe('NOT_CONNECTED');
    expect(events).toEqual([]);
  });

  it('the broker closing the stream is a disconnect event; subscriptions do not survive it', async () => {
    const { peer, agent, events, connected } = setup();
    await connected();
    const calls: string[] = [];
    const rc = agent.subscribe({ topic: 's', qos: 0, callback: () => (calls.push('s'), false) }, 1000);
    await peer.settle();
    const s = peer.sent().find((p) => p.type === 8);
    peer.push([0x90, 0x03, 0x00, s ? sentId(s) : 0, 0x00]);
    expect(await rc).toBe('eMQTTAgentSuccess');
    peer.end();
    await peer.settle();
    expect(events).toEqual([{ event: 'eMQTTAgentDisconnect' }]);
    events.length = 0;
    const c = agent.connect({ ...PARAMS, callback: (_u, p) => (events.push(p), false) }, 1000);
    await peer.settle();
    peer.push(CONNACK_OK);
    expect(await c).toBe('eMQTTAgentSuccess');
    peer.push(brokerPublish('s', 'x'));
    await peer.settle();
    expect(calls).toEqual([]);
    expect(events.map((e) => e.event)).toEqual(['eMQTTAgentPublish']);
  });

  it('delete closes the socket without DISCONNECT, fails waiting calls, and refuses later ones', async () => {
    const { peer, agent, events, connected } = setup();
    await connected();
    const waiting = agent.publish({ topic: 't', qos: 1, data: 'x' }, 60_000);
    await peer.settle();
    expect(agent.delete()).toBe('eMQTTAgentSuccess');
    expect(await waiting).toBe('eMQTTAgentFailure');
    expect(peer.socketsOpen).toBe(0);
    expect(peer.sentTypes()).not.toContain(14);
    expect(events).toEqual([]);
    expect(await agent.connect(PARAMS, 1000)).toBe('eMQTTAgentFailure');
    expect(agent.delete()).toBe('eMQTTAgentSuccess');
  });

  it('refuses a timeout that is not a number of milliseconds', () => {
    const { agent } = setup();
    expect(() => agent.disconnect(Number.NaN)).toThrow(
      expect.objectContaining({ code: 'NRF91SIM_INVALID_ARGUMENT' }),
    );
    expect(() => agent.disconnect(-1)).toThrow(/timeout/);
  });
});

describe('MQTT agent: tracing', () => {
  it('publishes its packets on the nrf91sim:mqtt:* channels like every MQTT client over the modem', async () => {
    const seen: Array<[string, unknown]> = [];
    const names = ['connect', 'connack', 'publish', 'subscribe', 'close'].map((n) => `nrf91sim:mqtt:${n}`);
    const listeners = names.map((name) => {
      const fn = (m: unknown): void => void seen.push([name.slice(14), m]);
      diagnostics.subscribe(name, fn);
      return () => diagnostics.unsubscribe(name, fn);
    });
    try {
      const { peer, agent, connected } = setup();
      await connected();
      const sub = agent.subscribe({ topic: 'cmd/#', qos: 1 }, 1000);
      await peer.settle();
      expect(await agent.publish({ topic: 'evt', qos: 0, data: 'abc' }, 1000)).toBe('eMQTTAgentSuccess');
      peer.push(brokerPublish('cmd/x', 'hello', 0));
      await peer.settle();
      expect(await agent.disconnect(1000)).toBe('eMQTTAgentSuccess');
      void sub;
      const base = { device: 'scripted', clientId: 'dev' };
      expect(seen).toEqual([
        [
          'connect',
          { ...base, host: 'broker.example', port: 1883, secure: false, clean: true, keepalive: 1200 },
        ],
        ['connack', { ...base, sessionPresent: false, returnCode: 0 }],
        ['subscribe', { ...base, topics: [{ topic: 'cmd/#', qos: 1 }] }],
        ['publish', { ...base, direction: 'out', topic: 'evt', qos: 0, bytes: 3, retain: false }],
        ['publish', { ...base, direction: 'in', topic: 'cmd/x', qos: 0, bytes: 5, retain: false }],
        ['close', base],
      ]);
    } finally {
      for (const off of listeners) off();
    }
  });
});
