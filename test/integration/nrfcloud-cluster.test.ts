import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { MqttClient } from 'mqtt';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeBundle, type BrokerFixtures, type NrfCloudEndpoints } from '../../broker-fixtures/index.js';
import { missingTools, tools } from '../helpers/system-tools.js';
import { connectClient, createObserver } from './broker-helpers.js';
import { Inbox, startCluster, type TestCluster } from './cluster-helpers.js';
import {
  closed,
  connectNrf,
  deviceCredentials,
  nextMessage,
  type NrfCloudHarness,
} from './nrfcloud-helpers.js';

const skip = missingTools(tools.redisServer);

/** A node as the nRF Cloud device helpers see it: its endpoints, its state directory, the CA. */
async function harness(node: BrokerFixtures): Promise<NrfCloudHarness> {
  const nrf = node.endpoints.nrfCloud as NrfCloudEndpoints;
  return {
    fixtures: node,
    // <state>/nrf-cloud/ca/ca.crt
    stateDir: path.dirname(path.dirname(path.dirname(nrf.caFile))),
    nrf,
    caPem: await readFile(nrf.caFile, 'utf8'),
    stop: async () => undefined,
  };
}

interface Reply {
  status: number;
  body: Record<string, unknown> & { items?: Array<Record<string, unknown>>; total?: number };
}

async function call(
  h: NrfCloudHarness,
  method: string,
  route: string,
  body?: unknown,
  raw?: Buffer,
): Promise<Reply> {
  const res = await fetch(`${h.nrf.apiUrl}${route}`, {
    method,
    headers: {
      authorization: `Bearer ${h.nrf.apiKey}`,
      'content-type': raw ? 'application/zip' : 'application/json',
    },
    ...(raw ? { body: raw } : body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {} };
}

/** Waits until `check` holds (the other node hears of store changes through Redis). */
async function eventually<T>(read: () => Promise<T>, check: (v: T) => boolean, what: string): Promise<T> {
  const until = Date.now() + 20_000;
  for (;;) {
    const v = await read();
    if (check(v)) return v;
    if (Date.now() > until) throw new Error(`${what}: still ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(skip !== undefined)(
  'the nRF Cloud stand-in on two cluster nodes (one Redis, real mTLS, mqtt.js devices)',
  { timeout: 120_000 },
  () => {
    let cluster: TestCluster;
    let a: NrfCloudHarness;
    let b: NrfCloudHarness;
    const clients: MqttClient[] = [];

    beforeAll(async () => {
      cluster = await startCluster(['node-a', 'node-b'], {
        nrfCloud: { port: 0, apiPort: 0, downloadPort: 0 },
      });
      a = await harness(cluster.nodes[0]!);
      b = await harness(cluster.nodes[1]!);
    }, 90_000);
    afterEach(() => {
      for (const c of clients.splice(0)) c.end(true);
    });
    afterAll(() => cluster?.stop());

    /** JITP through node A (first connection refused), then the connection through `on`. */
    async function jitp(id: string, on: NrfCloudHarness): Promise<MqttClient> {
      // Credentials from node A's state directory (its copy of the cluster's CA).
      const creds = await deviceCredentials(a.stateDir, id);
      await expect(connectNrf(a, creds, id)).rejects.toThrow();
      const client = await connectNrf(on, creds, id);
      clients.push(client);
      return client;
    }

    it('shares the team and the CA: one tenant id and API key, the same CA file content on each node', async () => {
      expect(b.nrf.tenantId).toBe(a.nrf.tenantId);
      expect(b.nrf.apiKey).toBe(a.nrf.apiKey);
      expect(b.nrf.caFile).not.toBe(a.nrf.caFile);
      expect(b.caPem).toBe(a.caPem);
      // Not the AWS stand-in's CA.
      expect(a.caPem).not.toBe(cluster.nodes[0]!.ca.certificatePem);
      expect((await call(b, 'GET', '/v1/account')).status).toBe(200);
    });

    it('onboards a device by JITP on node A; it connects on node B and both REST APIs list it', async () => {
      const id = 'nrf-cluster-jitp';
      const client = await jitp(id, b);
      expect(client.connected).toBe(true);
      for (const h of [a, b]) {
        const got = await call(h, 'GET', `/v1/devices/${id}`);
        expect(got.status).toBe(200);
      }
    });

    it('association through node B reaches the device on node A as a delta', async () => {
      const id = 'nrf-cluster-pair';
      const client = await jitp(id, a);
      await client.subscribeAsync(`${id}/shadow/update/delta/trim`, { qos: 1 });
      const delta = nextMessage(client, `${id}/shadow/update/delta/trim`, 20_000);
      expect((await call(b, 'PUT', `/v1/association/${id}`)).status).toBe(204);
      expect(JSON.parse(await delta)).toMatchObject({
        state: { pairing: { state: 'paired' } },
      });
      const device = await call(a, 'GET', `/v1/devices/${id}`);
      expect(JSON.stringify(device.body)).toContain('paired');
    });

    it('stores a d2c message published on node A once, listed by node B; c2d through node B reaches the device on node A', async () => {
      const id = 'nrf-cluster-msg';
      const client = await jitp(id, a);
      const prefix = a.nrf.topicPrefix;
      await client.publishAsync(
        `${prefix}m/d/${id}/d2c`,
        JSON.stringify({ appId: 'TEMP', messageType: 'DATA', data: '21.5' }),
        { qos: 1 },
      );
      const listed = await eventually(
        () => call(b, 'GET', `/v1/messages?deviceId=${id}`),
        (r) => r.body.total === 1,
        'messages listed by node B',
      );
      expect(listed.body.items![0]).toMatchObject({ deviceId: id, message: { data: '21.5' } });

      await client.subscribeAsync(`${prefix}m/d/${id}/+/r`, { qos: 1 });
      const c2d = nextMessage(client, `${prefix}m/d/${id}/c2d/r`, 20_000);
      expect((await call(b, 'POST', `/v1/devices/${id}/messages`, { appId: 'LED', data: 'on' })).status).toBe(
        202,
      );
      expect(JSON.parse(await c2d)).toEqual({ appId: 'LED', data: 'on' });
      // Handled by the node it entered through only: still one message.
      expect((await call(a, 'GET', `/v1/messages?deviceId=${id}`)).body.total).toBe(1);
    });

    it('delivers a FOTA job created through node B on the jobs/rcv of a device on node A', async () => {
      const id = 'nrf-cluster-fota';
      const client = await jitp(id, a);
      await client.subscribeAsync(`${a.nrf.topicPrefix}${id}/jobs/rcv`, { qos: 1 });
      await client.subscribeAsync(`${id}/shadow/update/accepted`, { qos: 1 });
      const accepted = nextMessage(client, `${id}/shadow/update/accepted`);
      await client.publishAsync(
        `${id}/shadow/update`,
        JSON.stringify({ state: { reported: { device: { serviceInfo: { fota_v2: ['APP'] } } } } }),
        { qos: 1 },
      );
      await accepted;
      const image = Buffer.alloc(4000, 3);
      image.writeUInt32LE(0x96f3b83d, 0);
      const uploaded = await call(
        b,
        'POST',
        '/v1/firmwares',
        undefined,
        makeBundle({ image, version: '2.0.0' }),
      );
      expect(uploaded.status).toBe(200);
      const offered = nextMessage(client, `${a.nrf.topicPrefix}${id}/jobs/rcv`, 20_000);
      const created = await call(b, 'POST', '/v1/fota-jobs', {
        deviceIdentifiers: [id],
        bundleId: uploaded.body.bundleId,
      });
      expect(created.status).toBe(200);
      const job = JSON.parse(await offered) as unknown[];
      expect(job[0]).toBe(created.body.jobId);
      // Sent by node B, the job array names B's download port (nodes normally share one port on
      // their own addresses); node A's download server has the image uploaded through B as well.
      expect(job[3]).toBe(`firmware.nrfcloud.com:${b.nrf.downloadPort}`);
      const agent = new Agent({ connect: { ca: a.caPem, servername: 'firmware.nrfcloud.com' } });
      const part = await undiciFetch(`https://127.0.0.1:${a.nrf.downloadPort}/${String(job[4])}`, {
        headers: { range: 'bytes=0-1023' },
        dispatcher: agent,
      });
      expect(part.status).toBe(206);
      expect(Buffer.from(await part.arrayBuffer())).toEqual(image.subarray(0, 1024));
      await agent.close();
      // The device's status report through node A is what node B's REST shows.
      await client.publishAsync(
        `${a.nrf.topicPrefix}${id}/jobs/update`,
        JSON.stringify([created.body.jobId, 1]), // 1: IN_PROGRESS
        { qos: 1 },
      );
      await eventually(
        () => call(b, 'GET', `/v1/fota-job-executions/${id}/${String(created.body.jobId)}`),
        (r) => r.body.status === 'IN_PROGRESS',
        'the execution as node B sees it',
      );
    });

    it('sends DISCON to a device on node A deleted through node B, then closes its connection there', async () => {
      const id = 'nrf-cluster-gone';
      const client = await jitp(id, a);
      await client.subscribeAsync(`${a.nrf.topicPrefix}m/d/${id}/+/r`, { qos: 1 });
      const discon = nextMessage(client, `${a.nrf.topicPrefix}m/d/${id}/c2d/r`, 20_000);
      const gone = closed(client, 20_000);
      expect((await call(b, 'DELETE', `/v1/devices/${id}`)).status).toBe(202);
      expect(JSON.parse(await discon)).toEqual({ appId: 'DEVICE', messageType: 'DISCON' });
      // mqtt.js does not disconnect on DISCON by itself: node A closes the connection.
      await gone;
      expect((await call(a, 'GET', `/v1/devices/${id}`)).status).toBe(404);
      // Its certificate is unknown again on node A: the next connection is a new JITP (refused).
      const creds = await deviceCredentials(a.stateDir, id);
      await expect(connectNrf(a, creds, id)).rejects.toThrow();
    });

    it('an account device created through node B connects on node A and hears a device there', async () => {
      const made = await call(b, 'POST', '/v1/devices/account');
      expect(made.status).toBe(201);
      const clientId = String(made.body.clientId);
      const creds = { cert: String(made.body.clientCert), key: String(made.body.privateKey) };
      const account = await eventually(
        () =>
          connectNrf(a, creds, clientId).then(
            (c) => c,
            () => undefined,
          ),
        (c) => c !== undefined,
        'the account device on node A',
      );
      clients.push(account!);
      await account!.subscribeAsync(`${a.nrf.topicPrefix}m/#`, { qos: 1 });
      const id = 'nrf-cluster-watched';
      const device = await jitp(id, a);
      const heard = nextMessage(account!, `${a.nrf.topicPrefix}m/d/${id}/d2c`, 20_000);
      await device.publishAsync(
        `${a.nrf.topicPrefix}m/d/${id}/d2c`,
        JSON.stringify({ appId: 'X', data: 1 }),
        {
          qos: 1,
        },
      );
      expect(JSON.parse(await heard)).toEqual({ appId: 'X', data: 1 });
      // Deleted through node A: node B no longer has it.
      expect((await call(a, 'DELETE', '/v1/devices/account')).status).toBe(204);
      await eventually(
        () => call(b, 'GET', '/v1/devices/account'),
        (r) => r.status === 404,
        'the account device as node B sees it',
      );
    });

    it('checks shadow versions across nodes: concurrent updates through both lose nothing, one If-Match wins', async () => {
      const id = 'nrf-cluster-race';
      await jitp(id, a);
      const before = await call(a, 'GET', `/v1/devices/${id}`);
      const start = (before.body.state as { version: number }).version;
      const writes = Array.from({ length: 20 }, (_, i) =>
        call(i % 2 ? a : b, 'PATCH', `/v1/devices/${id}/state`, { desired: { [`k${i}`]: i } }),
      );
      expect((await Promise.all(writes)).map((r) => r.status)).toEqual(Array(20).fill(202));
      const after = await call(b, 'GET', `/v1/devices/${id}`);
      const state = after.body.state as { version: number; desired: Record<string, unknown> };
      expect(state.version).toBe(start + 20);
      for (let i = 0; i < 20; i++) expect(state.desired[`k${i}`]).toBe(i);
      // Two writers holding the same version: exactly one gets through.
      const guarded = await Promise.all(
        [a, b].map((h, i) =>
          fetch(`${h.nrf.apiUrl}/v1/devices/${id}/state`, {
            method: 'PATCH',
            headers: {
              authorization: `Bearer ${h.nrf.apiKey}`,
              'content-type': 'application/json',
              'if-match': String(state.version),
            },
            body: JSON.stringify({ desired: { guarded: i } }),
          }).then((r) => r.status),
        ),
      );
      expect(guarded.sort()).toEqual([202, 412]);
    });

    it("keeps nRF Cloud's routing apart from the AWS stand-in's: an AWS client on '#' hears none of it", async () => {
      const node = cluster.nodes[1]!;
      const observer = await createObserver(cluster.nodes[0]!, 'nrf-cluster-obs');
      const aws = await connectClient(node, observer, 'nrf-cluster-obs');
      const inbox = new Inbox(aws);
      await aws.subscribeAsync('#', { qos: 1 });
      await aws.subscribeAsync('$aws/things/+/shadow/#', { qos: 1 });
      const id = 'nrf-cluster-apart';
      const client = await jitp(id, a);
      await client.subscribeAsync(`${id}/shadow/update/accepted`, { qos: 1 });
      const accepted = nextMessage(client, `${id}/shadow/update/accepted`);
      await client.publishAsync(`${id}/shadow/update`, JSON.stringify({ state: { reported: { x: 1 } } }), {
        qos: 1,
      });
      await client.publishAsync(
        `$aws/things/${id}/shadow/update`,
        JSON.stringify({ state: { reported: { x: 2 } } }),
        {
          qos: 1,
        },
      );
      await accepted;
      // A barrier through the AWS side: everything published before it has been routed.
      await aws.publishAsync('barrier-nrf', '{}', { qos: 1 });
      await inbox.wait('barrier-nrf');
      expect(inbox.messages.filter((m) => m.topic.includes(id))).toEqual([]);
      await aws.endAsync();
    });
  },
);
