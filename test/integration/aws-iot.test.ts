import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AwsConnectResult,
  AwsIot,
  type AwsIotConfig,
  type AwsIotEvt,
} from '../../cloud-libs/aws-iot/index.js';
import { VirtualClock } from '../../core/clock.js';
import { Device } from '../../firmware/device.js';
import { buildAppImage } from '../../firmware/image/app-image.js';
import { Modem } from '../../modem/modem.js';
import { Errno } from '../../modem/sockets/index.js';
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
import { rawHttpServer, standardResponse } from './http-fixture.js';
import { createJob } from './jobs-helpers.js';

const TAG = 31;
let s: StandIn;
const cleanup: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  s = await startStandIn({ s3: {} });
});
afterAll(() => s.stop());
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** A registered modem holding `thing`'s credentials at TAG (none with `noCredentials`). */
async function thingModem(thing: string, options: { noCredentials?: boolean } = {}): Promise<Modem> {
  const creds = await createThing(s.fixtures, thing);
  const modem = new Modem({ name: thing, clock: new VirtualClock() });
  cleanup.push(() => modem.close());
  await putThingCredentials(
    modem,
    TAG,
    s.fixtures.ca.certificatePem,
    options.noCredentials ? undefined : creds,
  );
  await modem.channel().command('AT+CFUN=1');
  await untilRegistered(modem);
  return modem;
}

function recorder() {
  const events: AwsIotEvt[] = [];
  let wake: (() => void) | undefined;
  const handler = (evt: AwsIotEvt): void => {
    events.push(evt);
    wake?.();
  };
  const until = async (pred: (e: AwsIotEvt) => boolean): Promise<AwsIotEvt> => {
    for (;;) {
      const hit = events.find(pred);
      if (hit) return hit;
      await new Promise<void>((r) => (wake = r));
    }
  };
  const types = (): string[] => events.map((e) => e.type);
  return { events, handler, until, types };
}

function start(
  modem: Modem,
  thing: string,
  rec: ReturnType<typeof recorder>,
  extra: Partial<AwsIotConfig> = {},
) {
  const { endpoint, mqttPort } = s.fixtures.endpoints;
  const iot = AwsIot.init(
    modem,
    { host: endpoint, port: mqttPort, secTag: TAG, clientId: thing, ...extra },
    rec.handler,
  );
  if (typeof iot === 'number') throw new Error(`init failed: ${iot}`);
  cleanup.push(() => void iot.disconnect());
  return iot;
}

/**
 * A registered device provisioned as `thing`, with job `jobId` queued for it (an app_fw_update
 * whose image `host`/`path` serve), running aws_iot with aws_fota on its dfu_target.
 */
async function fotaDevice(
  thing: string,
  jobId: string,
  location: { host: string; path: string },
  size: number,
) {
  const creds = await createThing(s.fixtures, thing);
  await createJob(s.fixtures, jobId, [thing], {
    operation: 'app_fw_update',
    fwversion: 'v1.0.x',
    size,
    location: { protocol: 'http:', ...location },
  });
  const device = await Device.boot({ name: thing, clock: new VirtualClock() });
  cleanup.push(() => device.close());
  await putThingCredentials(device.modem, TAG, s.fixtures.ca.certificatePem, creds);
  await device.modem.channel().command('AT+CFUN=1');
  await untilRegistered(device.modem);
  const rec = recorder();
  const iot = start(device.modem, thing, rec, { fota: { dfu: device.dfu } });
  return { device, rec, iot };
}

const received = (topicEnd: string) => (e: AwsIotEvt) =>
  e.type === 'AWS_IOT_EVT_DATA_RECEIVED' && e.msg.topic.endsWith(topicEnd);

describe('aws_iot against the AWS IoT stand-in', () => {
  it('connects, subscribes the application and shadow lists, asks for the shadow and is READY', async () => {
    const thing = 'iot-ready';
    const modem = await thingModem(thing);
    const rec = recorder();
    const iot = start(modem, thing, rec, {
      shadowSubscriptions: ['get/accepted', 'get/rejected', 'update/accepted', 'update/delta'],
    });
    expect(iot.subscriptionTopicsAdd([`${thing}/commands`])).toBe(0);
    expect(iot.send({ type: 'AWS_IOT_SHADOW_TOPIC_UPDATE', payload: '{}' })).toBe(-Errno.ENOTCONN);
    expect(iot.connect()).toBe(0);
    expect(iot.connect()).toBe(-Errno.EINPROGRESS);
    const subscribes: string[][] = [];
    iot.mqttClient?.on('packetsend', (p) => {
      if (p.cmd === 'subscribe') subscribes.push(p.subscriptions.map((x) => x.topic));
    });
    await rec.until((e) => e.type === 'AWS_IOT_EVT_READY');
    // Two SUBSCRIBE packets, the application's list and the shadow list, both acknowledged by READY.
    expect(subscribes).toEqual([
      [`${thing}/commands`],
      ['get/accepted', 'get/rejected', 'update/accepted', 'update/delta'].map(
        (t) => `$aws/things/${thing}/shadow/${t}`,
      ),
    ]);
    expect(rec.events.slice(0, 3)).toEqual([
      { type: 'AWS_IOT_EVT_CONNECTING', err: 0 },
      { type: 'AWS_IOT_EVT_CONNECTED', persistentSession: false },
      { type: 'AWS_IOT_EVT_READY' },
    ]);
    // The automatic empty shadow/get finds no shadow yet.
    const rejected = await rec.until(received('/shadow/get/rejected'));
    expect(JSON.parse((rejected as { msg: { payload: Buffer } }).msg.payload.toString())).toMatchObject({
      code: 404,
    });

    expect(
      iot.send({ type: 'AWS_IOT_SHADOW_TOPIC_UPDATE', payload: '{"state":{"reported":{"fw":"1.0.0"}}}' }),
    ).toBe(0);
    await rec.until(received('/shadow/update/accepted'));
    const desired = await s.fixtures.console.dispatch({
      method: 'POST',
      url: `/things/${thing}/shadow`,
      body: { state: { desired: { interval: 60 } } },
    });
    expect(desired.status).toBe(200);
    const delta = await rec.until(received('/shadow/update/delta'));
    expect(JSON.parse((delta as { msg: { payload: Buffer } }).msg.payload.toString()).state).toEqual({
      interval: 60,
    });

    // A message on the application topic reaches the application as DATA_RECEIVED, and what the
    // device publishes on a topic of its own reaches a subscriber.
    const observerCreds = await createObserver(s.fixtures, 'iot-ready-observer');
    const observer = await connectClient(s.fixtures, observerCreds, 'iot-ready-observer');
    await observer.subscribeAsync(`${thing}/events`, { qos: 1 });
    const events = nextMessages(observer, `${thing}/events`, 1);
    await observer.publishAsync(`${thing}/commands`, '{"led":"on"}', { qos: 1 });
    const command = await rec.until(received(`${thing}/commands`));
    expect(command).toMatchObject({ msg: { topic: `${thing}/commands`, qos: 1 } });
    expect((command as { msg: { payload: Buffer } }).msg.payload.toString()).toBe('{"led":"on"}');
    expect(iot.send({ topic: `${thing}/events`, payload: '{"button":1}', qos: 1 })).toBe(0);
    expect(await events).toEqual([{ topic: `${thing}/events`, payload: '{"button":1}', retain: false }]);
    await observer.endAsync();

    expect(iot.send({ topic: '', payload: 'x' })).toBe(-Errno.ENODATA);
    expect(iot.disconnect()).toBe(0);
    expect(await rec.until((e) => e.type === 'AWS_IOT_EVT_DISCONNECTED')).toEqual({
      type: 'AWS_IOT_EVT_DISCONNECTED',
      err: 0,
    });
    expect(iot.state).toBe('IDLE');
  });

  it('reports a lost network as DISCONNECTED by the remote side, and connects again when asked', async () => {
    const thing = 'iot-lost';
    const modem = await thingModem(thing);
    const rec = recorder();
    const iot = start(modem, thing, rec);
    iot.connect();
    await rec.until((e) => e.type === 'AWS_IOT_EVT_READY');
    await modem.channel().command('AT+CFUN=4');
    expect(await rec.until((e) => e.type === 'AWS_IOT_EVT_DISCONNECTED')).toEqual({
      type: 'AWS_IOT_EVT_DISCONNECTED',
      err: 1,
    });
    await modem.channel().command('AT+CFUN=1');
    await untilRegistered(modem);
    rec.events.length = 0;
    expect(iot.connect()).toBe(0);
    await rec.until((e) => e.type === 'AWS_IOT_EVT_READY');
    expect(rec.types()).toEqual(['AWS_IOT_EVT_CONNECTING', 'AWS_IOT_EVT_CONNECTED', 'AWS_IOT_EVT_READY']);
  });

  it('reports failed connection attempts as a second CONNECTING with the aws_connect_result', async () => {
    const thing = 'iot-fail';
    const modem = await thingModem(thing, { noCredentials: true });
    const unknown = recorder();
    start(modem, thing, unknown, { host: 'no-such-endpoint.example' }).connect();
    await unknown.until((e) => e.type === 'AWS_IOT_EVT_CONNECTING' && e.err !== 0);
    expect(unknown.events).toEqual([
      { type: 'AWS_IOT_EVT_CONNECTING', err: 0 },
      { type: 'AWS_IOT_EVT_CONNECTING', err: AwsConnectResult.AWS_CONNECT_RES_ERR_NETWORK },
    ]);

    // A CA that did not sign the broker's certificate: the modem's handshake fails.
    await modem.channel().command('AT+CFUN=4');
    await modem.credentials.put({ secTag: TAG, type: 0, content: s.fixtures.s3!.caCert as string });
    await modem.channel().command('AT+CFUN=1');
    await untilRegistered(modem);
    const wrongCa = recorder();
    const iot = start(modem, thing, wrongCa);
    iot.connect();
    await wrongCa.until((e) => e.type === 'AWS_IOT_EVT_CONNECTING' && e.err !== 0);
    expect(wrongCa.events).toEqual([
      { type: 'AWS_IOT_EVT_CONNECTING', err: 0 },
      { type: 'AWS_IOT_EVT_CONNECTING', err: AwsConnectResult.AWS_CONNECT_RES_ERR_CERT_MISC },
    ]);
    expect(iot.state).toBe('IDLE');
    expect(modem.sockets.list()).toEqual([]);

    const long = AwsIot.init(modem, { host: 'h', secTag: TAG, clientId: 'x'.repeat(30) }, () => undefined);
    expect(long).toBe(-Errno.EMSGSIZE);
  });

  it('is dropped like AWS IoT drops an unknown client: TLS completes, then DISCONNECTED by the remote side', async () => {
    const thing = 'iot-nocert';
    const modem = await thingModem(thing, { noCredentials: true });
    const rec = recorder();
    start(modem, thing, rec).connect();
    await rec.until((e) => e.type === 'AWS_IOT_EVT_DISCONNECTED');
    expect(rec.events).toEqual([
      { type: 'AWS_IOT_EVT_CONNECTING', err: 0 },
      { type: 'AWS_IOT_EVT_DISCONNECTED', err: 1 },
    ]);
  });

  it('runs aws_fota on its connection: FOTA events, and Jobs messages are not handed to the application', async () => {
    const thing = 'iot-fota';
    const s3 = s.fixtures.s3!;
    await s3.store.createBucket('iot-fw');
    const update = buildAppImage({ app: 'at_client', version: '1.0.1', size: 10_000 });
    await s3.store.putObject('iot-fw', 'app.bin', update);
    const { device, rec, iot } = await fotaDevice(
      thing,
      'iot-job',
      { host: new URL(s3.httpUrl as string).host, path: 'iot-fw/app.bin' },
      update.length,
    );
    iot.connect();
    await rec.until((e) => e.type === 'AWS_IOT_EVT_FOTA_DONE');
    const types = rec.types();
    expect(types.indexOf('AWS_IOT_EVT_FOTA_START')).toBeGreaterThan(types.indexOf('AWS_IOT_EVT_READY'));
    expect(rec.events).toContainEqual({ type: 'AWS_IOT_EVT_FOTA_DL_PROGRESS', fotaProgress: 100 });
    expect(
      rec.events.filter((e) => e.type === 'AWS_IOT_EVT_DATA_RECEIVED' && e.msg.topic.includes('/jobs/')),
    ).toEqual([]);
    iot.disconnect();
    await device.control.reboot();
    expect(device.manifest?.version).toBe('1.0.1');
  });

  it('keeps aws_fota and its download across a reconnect: the job still ends SUCCEEDED', async () => {
    const thing = 'iot-fota-reconnect';
    const update = buildAppImage({ app: 'at_client', version: '1.0.2', size: 12_000 });
    let release: (() => void) | undefined;
    const server = await rawHttpServer(cleanup, update, (req, socket, index) => {
      if (index !== 2) return false;
      // The third fragment waits until the device has reconnected to AWS IoT.
      release = () => socket.write(standardResponse(update, req.range));
      return true;
    });
    const { rec, iot } = await fotaDevice(
      thing,
      'iot-job-2',
      { host: `127.0.0.1:${server.port}`, path: 'app.bin' },
      update.length,
    );
    iot.connect();
    await rec.until((e) => e.type === 'AWS_IOT_EVT_FOTA_START');
    while (!release) await new Promise((r) => setTimeout(r, 5));

    iot.disconnect();
    await rec.until((e) => e.type === 'AWS_IOT_EVT_DISCONNECTED');
    rec.events.length = 0;
    iot.connect();
    await rec.until((e) => e.type === 'AWS_IOT_EVT_READY');
    release();
    await rec.until((e) => e.type === 'AWS_IOT_EVT_FOTA_DONE');
    expect(rec.types().filter((t) => t === 'AWS_IOT_EVT_FOTA_START')).toEqual([]);
    const r = await s.fixtures.console.dispatch({ method: 'GET', url: `/things/${thing}/jobs/iot-job-2` });
    expect((r.body as { execution?: { status?: string } }).execution?.status).toBe('SUCCEEDED');
    expect(server.requests.filter((q) => q.range === '0-2047')).toHaveLength(1);
  });
});
