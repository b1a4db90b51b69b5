import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli, type CliProcess } from '../helpers/cli.js';
import { freePort, startRedis, type TestRedis } from '../helpers/redis-server.js';
import { missingTools, tools } from '../helpers/system-tools.js';
import { AwsIot, type AwsIotEvt } from '../../cloud-libs/aws-iot/index.js';
import { VirtualClock } from '../../core/clock.js';
import { Modem } from '../../modem/modem.js';
import { untilRegistered } from '../helpers/registered.js';
import { OPEN_POLICY, putThingCredentials } from './broker-helpers.js';
import { Inbox } from './cluster-helpers.js';

const skip = missingTools(tools.redisServer);
const TAG = 42;

interface Ready {
  endpoint: string;
  host: string;
  mqttPort: number;
  apiUrl: string;
  caFile: string;
  nodeId: string;
  nrfCloud?: { tenantId: string; apiKey: string; caFile: string; mqttPort: number; apiUrl: string };
}

interface Thing {
  thingName: string;
  certificatePem: string;
  privateKey: string;
}

async function api(node: Ready, method: string, route: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${node.apiUrl}${route}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${text}`);
  return JSON.parse(text) as unknown;
}

function connect(
  node: Ready,
  ca: string,
  thing: Thing,
  extra: mqtt.IClientOptions = {},
): Promise<MqttClient> {
  const client = mqtt.connect({
    protocol: 'mqtts',
    host: node.host,
    port: node.mqttPort,
    ca,
    cert: thing.certificatePem,
    key: thing.privateKey,
    clientId: thing.thingName,
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
    ...extra,
  });
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve(client));
    client.once('error', (err) => {
      client.end(true);
      reject(err);
    });
  });
}

/** aws_iot on a registered modem whose DNS answers `order` for the endpoint. */
async function awsIotDevice(node: Ready & { endpoint: string }, ca: string, thing: Thing, order: string[]) {
  const modem = new Modem({ name: thing.thingName, clock: new VirtualClock() });
  await putThingCredentials(modem, TAG, ca, { cert: thing.certificatePem, key: thing.privateKey });
  modem.control.dns.set(node.endpoint, order);
  await modem.channel().command('AT+CFUN=1');
  await untilRegistered(modem);
  const events: AwsIotEvt[] = [];
  let wake: (() => void) | undefined;
  const iot = AwsIot.init(
    modem,
    { host: node.endpoint, port: node.mqttPort, secTag: TAG, clientId: thing.thingName },
    (evt) => {
      events.push(evt);
      wake?.();
    },
  );
  if (typeof iot === 'number') throw new Error(`aws_iot_init: ${iot}`);
  const until = async (type: string, n: number): Promise<void> => {
    while (events.filter((e) => e.type === type).length < n) await new Promise<void>((r) => (wake = r));
  };
  return { modem, iot, until };
}

describe.skipIf(skip !== undefined)(
  'nrf91sim broker --cluster: two node processes on one Redis',
  { timeout: 90_000 },
  () => {
    let redis: TestRedis;
    let work: string;
    const nodes: CliProcess[] = [];
    let a: Ready;
    let b: Ready;
    let ca: string;
    let device: Thing;
    let observer: Thing;

    async function startNode(nodeId: string, host: string, ports: number[]): Promise<Ready> {
      const cli = startCli([
        'broker',
        ...['--cluster', redis.url, '--node-id', nodeId, '--host', host],
        ...['--port', String(ports[0]), '--alpn-port', String(ports[1]), '--api-port', String(ports[2])],
        ...['--nrfcloud-port', String(ports[3]), '--nrfcloud-api-port', String(ports[4])],
        ...['--nrfcloud-download-port', String(ports[5])],
        ...['--no-s3', '--json', '--state', path.join(work, nodeId)],
      ]);
      nodes.push(cli);
      return (await cli.nextEvent('ready', 60_000)) as unknown as Ready;
    }

    beforeAll(async () => {
      redis = await startRedis();
      work = await mkdtemp(path.join(os.tmpdir(), 'nrf91sim-cluster-cli-'));
      const ports: number[] = [];
      for (let i = 0; i < 6; i++) ports.push(await freePort('127.0.0.2'));
      a = await startNode('node-a', '127.0.0.2', ports);
      b = await startNode('node-b', '127.0.0.3', ports);
      ca = await readFile(a.caFile, 'utf8');
      await api(a, 'POST', '/policies/open', { policyDocument: OPEN_POLICY });
      const made = (await api(a, 'POST', '/provision-things', { thingNames: ['cli-dev'] })) as {
        things: Thing[];
      };
      device = made.things[0]!;
      const watcher = (await api(b, 'POST', '/provision-things', {
        thingNames: ['cli-obs'],
        policyName: 'open',
      })) as {
        things: Thing[];
      };
      observer = watcher.things[0]!;
    }, 120_000);

    afterAll(async () => {
      for (const n of nodes) await n.stop('SIGKILL');
      await redis?.stop();
      if (work) await rm(work, { recursive: true, force: true });
    });

    it('runs both nodes on the same ports of 127.0.0.2 and 127.0.0.3, with one CA', async () => {
      expect([a.nodeId, b.nodeId]).toEqual(['node-a', 'node-b']);
      expect(b.mqttPort).toBe(a.mqttPort);
      expect(await readFile(b.caFile, 'utf8')).toBe(ca);
      // The nRF Cloud stand-in runs on every node: one team, one CA.
      expect(a.nrfCloud).toBeDefined();
      expect(b.nrfCloud!.mqttPort).toBe(a.nrfCloud!.mqttPort);
      expect(b.nrfCloud!.tenantId).toBe(a.nrfCloud!.tenantId);
      expect(b.nrfCloud!.apiKey).toBe(a.nrfCloud!.apiKey);
      expect(b.nrfCloud!.caFile).not.toBe(a.nrfCloud!.caFile);
      expect(await readFile(b.nrfCloud!.caFile, 'utf8')).toBe(await readFile(a.nrfCloud!.caFile, 'utf8'));
      expect(await readFile(a.nrfCloud!.caFile, 'utf8')).not.toBe(ca);
    });

    it("lets mosquitto clients on node B and a device on node A see each other's messages", async (ctx) => {
      if (missingTools(tools.mosquittoSub)) return ctx.skip();
      const files = path.join(work, 'obs');
      await mkdir(files, { recursive: true });
      await writeFile(path.join(files, 'cert.pem'), observer.certificatePem);
      await writeFile(path.join(files, 'key.pem'), observer.privateKey);
      const sub = spawn('mosquitto_sub', [
        ...['-h', b.host, '-p', String(b.mqttPort), '--cafile', b.caFile],
        ...['--cert', path.join(files, 'cert.pem'), '--key', path.join(files, 'key.pem')],
        ...['-i', 'cli-obs', '-t', 'cli-dev/out', '-q', '1', '-C', '1', '-W', '30'],
      ]);
      let out = '';
      sub.stdout.on('data', (d: Buffer) => (out += d.toString()));
      const done = new Promise<number | null>((resolve) => sub.once('exit', resolve));
      const dev = await connect(a, ca, device);
      // Publish until the subscriber (connecting on its own time) has it.
      for (let i = 0; i < 100 && sub.exitCode === null && out === ''; i++) {
        await dev.publishAsync('cli-dev/out', 'from node A', { qos: 1 });
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(await done).toBe(0);
      expect(out.trim()).toBe('from node A');
      // And the other way: mosquitto_pub on node B, the device on node A receives it.
      if (missingTools(tools.mosquittoPub)) return void (await dev.endAsync());
      const inbox = new Inbox(dev);
      await dev.subscribeAsync('cli-dev/in', { qos: 1 });
      const pub = spawn('mosquitto_pub', [
        ...['-h', b.host, '-p', String(b.mqttPort), '--cafile', b.caFile],
        ...['--cert', path.join(files, 'cert.pem'), '--key', path.join(files, 'key.pem')],
        ...['-i', 'cli-obs', '-t', 'cli-dev/in', '-q', '1', '-m', '{"from":"mosquitto on node B"}'],
      ]);
      expect(await new Promise((resolve) => pub.once('exit', resolve))).toBe(0);
      expect(await inbox.wait('cli-dev/in')).toEqual([{ from: 'mosquitto on node B' }]);
      await dev.endAsync();
    });

    it('kill -9 of node A mid-fleet: aws_iot devices are READY again on node B; a persistent session keeps its subscription and queued QoS 1', async () => {
      const fleet = await Promise.all(
        ['fleet-0', 'fleet-1', 'fleet-2'].map(async (name) => {
          const [thing] = (
            (await api(a, 'POST', '/provision-things', { thingNames: [name] })) as { things: Thing[] }
          ).things;
          return awsIotDevice(a, ca, thing!, ['127.0.0.2', '127.0.0.3']);
        }),
      );
      for (const d of fleet) expect(d.iot.connect()).toBe(0);
      for (const d of fleet) await d.until('AWS_IOT_EVT_READY', 1);
      const first = await connect(a, ca, device, { clean: false });
      await first.subscribeAsync('cli-dev/inbox', { qos: 1 });
      const killed = nodes[0]!;
      await killed.stop('SIGKILL');
      first.end(true);
      for (const d of fleet) await d.until('AWS_IOT_EVT_DISCONNECTED', 1);
      // The devices reconnect as the NCS samples do: 127.0.0.2 refuses, 127.0.0.3 takes them.
      for (const d of fleet) expect(d.iot.connect()).toBe(0);
      for (const d of fleet) await d.until('AWS_IOT_EVT_READY', 2);
      for (const d of fleet) {
        await d.iot.disconnect();
        await d.modem.close();
      }
      const obs = await connect(b, ca, observer);
      await obs.publishAsync('cli-dev/inbox', JSON.stringify({ queued: 1 }), { qos: 1 });
      await obs.publishAsync('cli-dev/inbox', JSON.stringify({ queued: 2 }), { qos: 1 });
      // The device's next connect goes to node B (127.0.0.2 is dead): the session is there.
      const again = mqtt.connect({
        protocol: 'mqtts',
        host: b.host,
        port: b.mqttPort,
        ca,
        cert: device.certificatePem,
        key: device.privateKey,
        clientId: device.thingName,
        protocolVersion: 4,
        reconnectPeriod: 0,
        clean: false,
      });
      const inbox = new Inbox(again);
      const connack = await new Promise<{ sessionPresent: boolean }>((resolve, reject) => {
        again.once('connect', (p) => resolve(p as { sessionPresent: boolean }));
        again.once('error', reject);
      });
      expect(connack.sessionPresent).toBe(true);
      expect(await inbox.wait('cli-dev/inbox', 2, 30_000)).toEqual([{ queued: 1 }, { queued: 2 }]);
      // Still subscribed without subscribing again.
      await obs.publishAsync('cli-dev/inbox', JSON.stringify({ live: true }), { qos: 1 });
      expect((await inbox.wait('cli-dev/inbox', 3, 30_000))[2]).toEqual({ live: true });
      await Promise.all([again.endAsync(), obs.endAsync()]);
    });

    it("refuses to edit a stopped node's state files: the cluster state is in Redis", async () => {
      // Node A was killed above; a CLI command on its --state would otherwise change files no node reads.
      const r = await runCli(['shadow', 'update', '--thing', 'cli-dev', '--reported', '{"a":1}', '--json'], {
        NRF91SIM_STATE: path.join(work, 'node-a'),
      });
      expect(r.code).toBe(1);
      expect(JSON.parse(r.stdout.trim().split('\n')[0]!)).toMatchObject({
        event: 'error',
        code: 'NRF91SIM_INVALID_STATE',
        message: expect.stringContaining('cluster node node-a'),
      });
    });
  },
);
