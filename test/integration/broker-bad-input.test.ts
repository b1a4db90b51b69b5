import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  closed,
  connectClient,
  createThing,
  nextMessages,
  startStandIn,
  type StandIn,
  type ThingCredentials,
} from './broker-helpers.js';
import { createJob, JobsDevice } from './jobs-helpers.js';

let s: StandIn;
let creds: ThingCredentials;
const deep = (levels: number, leaf = '1'): string => '{"a":'.repeat(levels) + leaf + '}'.repeat(levels);

beforeAll(async () => {
  s = await startStandIn();
  creds = await createThing(s.fixtures, 'bad-input');
});
afterAll(() => s.stop());

describe('bad input gets a clear answer, never silence or a 500', () => {
  it('answers a shadow update nested 5,000 levels deep with 400 on update/rejected, and stays up', async () => {
    const c = await connectClient(s.fixtures, creds, 'bad-input');
    const p = '$aws/things/bad-input/shadow';
    await c.subscribeAsync(`${p}/update/+`, { qos: 1 });
    for (const body of [
      `{"clientToken":"d1","state":{"reported":${deep(5000)}}}`,
      `{"state":{"desired":${deep(7)}},"clientToken":"d2"}`,
    ]) {
      const answer = nextMessages(c, `${p}/update/+`, 1);
      await c.publishAsync(`${p}/update`, body, { qos: 1 });
      const [msg] = await answer;
      expect(msg!.topic).toBe(`${p}/update/rejected`);
      expect(JSON.parse(msg!.payload)).toMatchObject({
        code: 400,
        message: 'JSON contains too many levels of nesting; maximum is 6',
      });
    }
    const ok = nextMessages(c, `${p}/update/+`, 1);
    await c.publishAsync(`${p}/update`, JSON.stringify({ state: { reported: { fine: true } } }), { qos: 1 });
    expect((await ok)[0]!.topic).toBe(`${p}/update/accepted`);
    await c.endAsync();
  });

  it('answers the console the same way: 400 with the shadow error document', async () => {
    const res = await fetch(`${s.fixtures.endpoints.apiUrl}/things/bad-input/shadow`, {
      method: 'POST',
      body: `{"state":{"reported":${deep(5000)}}}`,
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      code: 400,
      message: expect.stringContaining('too many levels'),
    });
    const other = await fetch(`${s.fixtures.endpoints.apiUrl}/things/deep-thing`, {
      method: 'POST',
      body: `{"attributes":${deep(5000, '"x"')}}`,
    });
    expect(other.status).toBe(400);
    expect(await other.json()).toMatchObject({ code: 'NRF91SIM_INVALID_ARGUMENT' });
  });

  it('answers a jobs request nested 5,000 levels deep with InvalidJson on rejected', async () => {
    const d = await JobsDevice.connect(s.fixtures, 'deep-jobs');
    await createJob(s.fixtures, 'deep-1', ['deep-jobs']);
    await d.client.publishAsync(
      `${d.prefix}/deep-1/update`,
      `{"status":"IN_PROGRESS","statusDetails":${deep(5000, '"x"')}}`,
      {
        qos: 1,
      },
    );
    expect((await d.waitFor('deep-1/update/rejected')).body).toMatchObject({ code: 'InvalidJson' });
    await d.end();
  });

  it('answers a malformed percent-escape in a console path with 400', async () => {
    for (const path of ['/things/%ZZ', '/things/%E0%A4%A/shadow', '/things/a%']) {
      const res = await fetch(`${s.fixtures.endpoints.apiUrl}${path}`);
      expect(res.status, path).toBe(400);
      expect(await res.json()).toMatchObject({ code: 'NRF91SIM_INVALID_ARGUMENT' });
    }
  });

  it('stores a __proto__ key as AWS does and refuses 1e400 instead of storing null', async () => {
    const c = await connectClient(s.fixtures, creds, 'bad-input');
    const p = '$aws/things/bad-input/shadow/name/odd';
    await c.subscribeAsync([`${p}/update/+`, `${p}/get/+`], { qos: 1 });
    const upd = nextMessages(c, `${p}/update/accepted`, 1);
    await c.publishAsync(`${p}/update`, '{"state":{"reported":{"__proto__":{"x":1},"constructor":2}}}', {
      qos: 1,
    });
    await upd;
    const got = nextMessages(c, `${p}/get/accepted`, 1);
    await c.publishAsync(`${p}/get`, '', { qos: 1 });
    expect(JSON.parse((await got)[0]!.payload).state.reported).toEqual(
      JSON.parse('{"__proto__":{"x":1},"constructor":2}'),
    );

    const big = nextMessages(c, `${p}/update/+`, 1);
    await c.publishAsync(`${p}/update`, '{"state":{"reported":{"n":1e400}}}', { qos: 1 });
    const [answer] = await big;
    expect(answer!.topic).toBe(`${p}/update/rejected`);
    expect(JSON.parse(answer!.payload)).toMatchObject({ code: 400, message: 'Invalid JSON' });
    const console = await fetch(`${s.fixtures.endpoints.apiUrl}/things/bad-input/shadow?name=odd`, {
      method: 'POST',
      body: '{"state":{"reported":{"n":-1e400}}}',
    });
    expect(console.status).toBe(400);
    await c.endAsync();
  });

  it('closes a connection that publishes to, or subscribes to, a topic with U+0000 (no PUBACK)', async () => {
    const pub = await connectClient(s.fixtures, creds, 'bad-input');
    let acked = false;
    pub.publish('bad-input/a\u0000b', 'x', { qos: 1 }, (err) => (acked = !err));
    await closed(pub);
    expect(acked).toBe(false);
    const sub = await connectClient(s.fixtures, creds, 'bad-input');
    sub.subscribe('bad-input/\u0000/#', { qos: 1 });
    await closed(sub);
    expect(s.fixtures.log.recent({ type: 'publish-refused' }).at(-1)?.detail).toContain('U+0000');
    expect(s.fixtures.log.recent({ type: 'subscribe-refused' }).at(-1)?.detail).toContain('U+0000');
  });
});

describe('TLS on the listeners', () => {
  const handshake = (port: number, options: tls.ConnectionOptions): Promise<tls.TLSSocket> =>
    new Promise((resolve, reject) => {
      const socket = tls.connect({
        host: '127.0.0.1',
        port,
        servername: 'localhost',
        ca: s.fixtures.ca.certificatePem,
        cert: creds.cert,
        key: creds.key,
        ...options,
      });
      socket.once('secureConnect', () => resolve(socket));
      socket.once('error', reject);
    });

  it('speaks TLS 1.2 and TLS 1.3 on both listeners', async () => {
    for (const port of [s.fixtures.endpoints.mqttPort, s.fixtures.endpoints.alpnPort]) {
      for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
        const socket = await handshake(port, {
          minVersion: version,
          maxVersion: version,
          ALPNProtocols: ['x-amzn-mqtt-ca'],
        });
        expect(socket.getProtocol(), `${port} ${version}`).toBe(version);
        socket.destroy();
      }
    }
  });

  it('refuses at the handshake on the ALPN port a client that offers no ALPN or another protocol', async () => {
    const port = s.fixtures.endpoints.alpnPort;
    for (const ALPNProtocols of [undefined, ['mqtt']]) {
      const err = await handshake(port, ALPNProtocols ? { ALPNProtocols } : {}).then(
        (socket) => (socket.destroy(), undefined),
        (e: Error) => e,
      );
      expect(err?.message, JSON.stringify(ALPNProtocols)).toMatch(/no application protocol/);
    }
    const ok = await handshake(port, { ALPNProtocols: ['x-amzn-mqtt-ca'] });
    expect(ok.alpnProtocol).toBe('x-amzn-mqtt-ca');
    ok.destroy();
    // The MQTT port takes a client without ALPN.
    const plain = await handshake(s.fixtures.endpoints.mqttPort, {});
    expect(plain.authorized).toBe(true);
    plain.destroy();
  });
});
