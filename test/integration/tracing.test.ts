import diagnostics from 'node:diagnostics_channel';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AwsIot, type AwsIotEvt } from '../../cloud-libs/aws-iot/index.js';
import { VirtualClock } from '../../core/clock.js';
import { Device } from '../../firmware/device.js';
import { buildAppImage } from '../../firmware/image/app-image.js';
import { Modem } from '../../modem/modem.js';
import {
  AF_INET,
  Errno,
  IPPROTO_TLS_1_2,
  SOCK_STREAM,
  SOL_TLS,
  SocketError,
  TLS_HOSTNAME,
  TLS_SEC_TAG_LIST,
} from '../../modem/sockets/index.js';
import { untilRegistered } from '../helpers/registered.js';
import { createThing, putThingCredentials, startStandIn, type StandIn } from './broker-helpers.js';
import { createJob } from './jobs-helpers.js';
import { socketPki, type SocketPki } from './socket-pki.js';
import { tlsEchoServer } from './socket-servers.js';

const TAG = 42;
const IOT_TAG = 33;
let pki: SocketPki;
let standIn: StandIn;
const cleanup: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  pki = await socketPki();
  standIn = await startStandIn({ s3: {} });
});
afterAll(() => standIn.stop());
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** Every message on the `nrf91sim:*` channels named, as [short name, message], in publish order. */
function record(names: string[]): Array<[string, Record<string, unknown>]> {
  const seen: Array<[string, Record<string, unknown>]> = [];
  for (const name of names) {
    const fn = (m: unknown): void => void seen.push([name, m as Record<string, unknown>]);
    diagnostics.subscribe(`nrf91sim:${name}`, fn);
    cleanup.push(() => void diagnostics.unsubscribe(`nrf91sim:${name}`, fn));
  }
  return seen;
}

async function tlsModem(name: string, ca: string): Promise<Modem> {
  const modem = new Modem({ name, clock: new VirtualClock() });
  cleanup.push(() => modem.close());
  await modem.credentials.put({ secTag: TAG, type: 0, content: ca });
  await modem.credentials.put({ secTag: TAG, type: 1, content: pki.clientCertPem });
  await modem.credentials.put({ secTag: TAG, type: 2, content: pki.clientKeyPem });
  await modem.channel().command('AT+CFUN=1');
  await untilRegistered(modem);
  return modem;
}

function tlsSocket(modem: Modem): number {
  const fd = modem.sockets.socket(AF_INET, SOCK_STREAM, IPPROTO_TLS_1_2);
  modem.sockets.setsockopt(fd, SOL_TLS, TLS_SEC_TAG_LIST, [TAG]);
  modem.sockets.setsockopt(fd, SOL_TLS, TLS_HOSTNAME, 'localhost');
  return fd;
}

const SOCKET_CHANNELS = ['socket:open', 'socket:connect', 'socket:connected', 'socket:error', 'socket:close'];
const TLS_CHANNELS = ['tls:handshake:start', 'tls:handshake:done', 'tls:handshake:error'];

describe('trace channels for a real TLS connection on loopback', () => {
  it('publishes the socket lifecycle and the handshake with its sec tags and cipher', async () => {
    const server = await tlsEchoServer(pki);
    cleanup.push(() => server.close());
    const modem = await tlsModem('trace-tls', pki.caPem);
    const seen = record([...SOCKET_CHANNELS, ...TLS_CHANNELS]);
    const fd = tlsSocket(modem);
    await modem.sockets.connect(fd, { family: AF_INET, address: '127.0.0.1', port: server.port });
    modem.sockets.close(fd);

    const peer = { address: '127.0.0.1', port: server.port };
    expect(seen).toEqual([
      ['socket:open', { device: 'trace-tls', fd, family: AF_INET, type: SOCK_STREAM, protocol: 258 }],
      ['socket:connect', { device: 'trace-tls', fd, protocol: 258, peer }],
      [
        'tls:handshake:start',
        { device: 'trace-tls', fd, secTags: [TAG], hostname: 'localhost', peer, sessionCache: false },
      ],
      [
        'tls:handshake:done',
        {
          device: 'trace-tls',
          fd,
          secTags: [TAG],
          hostname: 'localhost',
          cipher: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
          cipherSuite: 0xc02b,
          protocol: 'TLSv1.2',
          resumed: false,
        },
      ],
      ['socket:connected', { device: 'trace-tls', fd, protocol: 258, peer }],
      ['socket:close', { device: 'trace-tls', fd, protocol: 258, from: 'connected', lingering: true }],
    ]);
  });

  it('publishes a refused handshake with the errno connect() reports and the TLS cause', async () => {
    const server = await tlsEchoServer(pki);
    cleanup.push(() => server.close());
    const modem = await tlsModem('trace-refused', pki.otherCaPem);
    const seen = record([...SOCKET_CHANNELS, ...TLS_CHANNELS]);
    const fd = tlsSocket(modem);
    const err = await modem.sockets
      .connect(fd, { family: AF_INET, address: '127.0.0.1', port: server.port })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SocketError);
    expect((err as SocketError).errno).toBe(Errno.ECONNREFUSED);

    const error = seen.find(([name]) => name === 'tls:handshake:error')?.[1];
    expect(error).toMatchObject({
      device: 'trace-refused',
      fd,
      secTags: [TAG],
      hostname: 'localhost',
      errno: Errno.ECONNREFUSED,
      error: 'ECONNREFUSED',
    });
    expect(error?.cause).toMatch(/^[A-Z_]+$/);
    expect(seen.find(([name]) => name === 'socket:error')?.[1]).toMatchObject({
      device: 'trace-refused',
      fd,
      errno: Errno.ECONNREFUSED,
      error: 'ECONNREFUSED',
      cause: error?.cause,
    });
    expect(seen.map(([name]) => name)).not.toContain('tls:handshake:done');
  });
});

describe('trace channels for aws_iot with aws_fota against the AWS IoT stand-in', () => {
  it('publishes MQTT over the modem, the FOTA download and the job states', async () => {
    const thing = 'trace-iot';
    const update = buildAppImage({ app: 'at_client', version: '1.0.1', size: 10_000 });
    const s3 = standIn.fixtures.s3!;
    await s3.store.createBucket('trace-fw');
    await s3.store.putObject('trace-fw', 'app.bin', update);
    const creds = await createThing(standIn.fixtures, thing);
    const host = new URL(s3.httpUrl as string).host;
    await createJob(standIn.fixtures, 'trace-job', [thing], {
      operation: 'app_fw_update',
      fwversion: 'v1.0.1',
      size: update.length,
      location: { protocol: 'http:', host, path: 'trace-fw/app.bin' },
    });
    const device = await Device.boot({ name: thing, clock: new VirtualClock() });
    cleanup.push(() => device.close());
    await putThingCredentials(device.modem, IOT_TAG, standIn.fixtures.ca.certificatePem, creds);
    await device.modem.channel().command('AT+CFUN=1');
    await untilRegistered(device.modem);

    const seen = record([
      'tls:handshake:done',
      'mqtt:connect',
      'mqtt:connack',
      'mqtt:subscribe',
      'mqtt:publish',
      'mqtt:close',
      'fota:download:progress',
      'fota:download:done',
      'fota:download:error',
      'fota:job',
    ]);
    const events: AwsIotEvt[] = [];
    let wake: (() => void) | undefined;
    const { endpoint, mqttPort } = standIn.fixtures.endpoints;
    const iot = AwsIot.init(
      device.modem,
      {
        host: endpoint,
        port: mqttPort,
        secTag: IOT_TAG,
        clientId: thing,
        shadowSubscriptions: ['get/accepted'],
        fota: { dfu: device.dfu },
      },
      (evt) => {
        events.push(evt);
        wake?.();
      },
    );
    if (typeof iot === 'number') throw new Error(`init failed: ${iot}`);
    expect(iot.connect()).toBe(0);
    while (!events.some((e) => e.type === 'AWS_IOT_EVT_FOTA_DONE')) {
      await new Promise<void>((r) => (wake = r));
    }
    const closed = new Promise<void>((r) => iot.mqttClient?.stream.once('close', () => r()));
    iot.disconnect();
    await closed;

    const of = (name: string): Array<Record<string, unknown>> =>
      seen.filter(([n]) => n === name).map(([, m]) => m);
    const onDevice = { device: thing };
    expect(of('tls:handshake:done')[0]).toMatchObject({
      ...onDevice,
      secTags: [IOT_TAG],
      protocol: 'TLSv1.2',
    });
    expect(of('mqtt:connect')).toEqual([
      {
        ...onDevice,
        clientId: thing,
        host: endpoint,
        port: mqttPort,
        secure: true,
        clean: true,
        keepalive: 60,
      },
    ]);
    expect(of('mqtt:connack')).toEqual([
      { ...onDevice, clientId: thing, sessionPresent: false, returnCode: 0 },
    ]);
    expect(
      of('mqtt:subscribe').flatMap((m) => (m.topics as Array<{ topic: string }>).map((t) => t.topic)),
    ).toEqual(
      expect.arrayContaining([
        `$aws/things/${thing}/shadow/get/accepted`,
        `$aws/things/${thing}/jobs/notify-next`,
      ]),
    );
    expect(of('mqtt:publish')).toContainEqual({
      ...onDevice,
      clientId: thing,
      direction: 'out',
      topic: `$aws/things/${thing}/shadow/get`,
      qos: 0,
      bytes: 0,
      retain: false,
    });
    expect(of('mqtt:publish')).toContainEqual(
      expect.objectContaining({ direction: 'in', topic: `$aws/things/${thing}/jobs/$next/get/accepted` }),
    );
    expect(of('mqtt:close')).toEqual([{ ...onDevice, clientId: thing }]);

    const progress = of('fota:download:progress');
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.at(-1)).toEqual({
      ...onDevice,
      host: expect.stringContaining(host),
      file: 'trace-fw/app.bin',
      percent: 100,
      bytes: update.length,
      size: update.length,
    });
    const percents = progress.map((m) => m.percent as number);
    expect([...percents].sort((a, b) => a - b)).toEqual(percents);
    expect(of('fota:download:done')).toEqual([
      { ...onDevice, host: expect.stringContaining(host), file: 'trace-fw/app.bin', size: update.length },
    ]);
    expect(of('fota:download:error')).toEqual([]);
    expect(of('fota:job').map((m) => [m.jobId, m.status, m.statusDetails])).toEqual([
      ['trace-job', 'IN_PROGRESS', '{"nextState":"download_firmware"}'],
      ['trace-job', 'IN_PROGRESS', '{"nextState":"apply_update"}'],
      ['trace-job', 'SUCCEEDED', '{"nextState":"none"}'],
    ]);
  });
});
