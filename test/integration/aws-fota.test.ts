import type { MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AwsFota, type AwsFotaEvt } from '../../cloud-libs/aws-fota/index.js';
import { createModemMqttClient } from '../../cloud-libs/common/index.js';
import { VirtualClock } from '../../core/clock.js';
import { Device } from '../../firmware/device.js';
import { buildAppImage } from '../../firmware/image/app-image.js';
import { untilRegistered } from '../helpers/registered.js';
import { createThing, putThingCredentials, startStandIn, type StandIn } from './broker-helpers.js';
import { createJob } from './jobs-helpers.js';

const TAG = 16;
const BUCKET = 'fota-bucket';
const update = buildAppImage({ app: 'at_client', version: '1.0.1', size: 30_000 });
let s: StandIn;
const cleanup: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  s = await startStandIn({ s3: {} });
  const s3 = s.fixtures.s3!;
  await s3.store.createBucket(BUCKET);
  await s3.store.putObject(BUCKET, 'v1.0.1/app_update.bin', update);
  await s3.store.putObject(BUCKET, 'v9/not-an-image.bin', Buffer.alloc(4000, 0x11));
});
afterAll(() => s.stop());
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** A device provisioned as `thing` (CA, certificate and key at TAG), registered, and an MQTT client over its modem. */
async function thingDevice(
  thing: string,
  beforeConnect?: () => Promise<void>,
): Promise<{ device: Device; client: MqttClient; clock: VirtualClock }> {
  const creds = await createThing(s.fixtures, thing);
  await beforeConnect?.();
  const clock = new VirtualClock();
  const device = await Device.boot({ name: thing, clock });
  cleanup.push(() => device.close());
  await putThingCredentials(device.modem, TAG, s.fixtures.ca.certificatePem, creds);
  await device.modem.channel().command('AT+CFUN=1');
  await untilRegistered(device.modem);
  const { endpoint, mqttPort } = s.fixtures.endpoints;
  const client = createModemMqttClient(device.modem, {
    host: endpoint,
    port: mqttPort,
    secTags: [TAG],
    clientId: thing,
    clean: true,
  });
  // A reboot shuts the modem down under the client: its connection fails, as on a device.
  client.on('error', () => undefined);
  cleanup.push(() => void client.end(true));
  return { device, client, clock };
}

function recordEvents() {
  const events: AwsFotaEvt[] = [];
  let wake: (() => void) | undefined;
  const callback = (evt: AwsFotaEvt): void => {
    events.push(evt);
    wake?.();
  };
  const until = async (id: AwsFotaEvt['id']): Promise<void> => {
    while (!events.some((e) => e.id === id)) await new Promise<void>((r) => (wake = r));
  };
  return { events, callback, until };
}

async function execution(thing: string, jobId: string): Promise<Record<string, unknown>> {
  const r = await s.fixtures.console.dispatch({ method: 'GET', url: `/things/${thing}/jobs/${jobId}` });
  expect(r.status).toBe(200);
  const body = r.body as Record<string, unknown>;
  return (body.execution ?? body) as Record<string, unknown>;
}

const s3Host = (): string => new URL(s.fixtures.s3!.httpUrl as string).host;

describe('aws_fota against the AWS IoT Jobs stand-in', () => {
  it('takes the queued job, downloads the image, marks the job SUCCEEDED and the reboot runs it', async () => {
    const thing = 'fota-ok';
    // The job is queued before the device connects: it comes as the answer to `$next/get`.
    const { device, client, clock } = await thingDevice(thing, async () => {
      await createJob(s.fixtures, 'fw-101', [thing], {
        operation: 'app_fw_update',
        fwversion: 'v1.0.1',
        size: update.length,
        location: { protocol: 'http:', host: s3Host(), path: `${BUCKET}/v1.0.1/app_update.bin` },
      });
    });
    const subscribeIds: number[] = [];
    client.on('packetsend', (p) => {
      if (p.cmd === 'subscribe') subscribeIds.push(p.messageId as number);
    });
    const rec = recordEvents();
    const fota = new AwsFota(
      client,
      { clientId: thing, sockets: device.modem.sockets, clock, dfu: device.dfu },
      rec.callback,
    );
    await rec.until('AWS_FOTA_EVT_DONE');
    const ids = rec.events.map((e) => e.id);
    expect(ids[0]).toBe('AWS_FOTA_EVT_START');
    expect(ids.at(-1)).toBe('AWS_FOTA_EVT_DONE');
    expect(ids).not.toContain('AWS_FOTA_EVT_ERROR');
    expect(rec.events.at(-2)).toEqual({ id: 'AWS_FOTA_EVT_DL_PROGRESS', progress: 100 });
    expect(fota.getJobId()).toBe('');
    // The library's fixed SUBSCRIBE message ids: notify-next, $next/get/#, <jobId>/update/#.
    expect(subscribeIds).toEqual([2112, 2114, 2115]);

    const ex = await execution(thing, 'fw-101');
    expect(ex.status).toBe('SUCCEEDED');
    // IN_PROGRESS, IN_PROGRESS, SUCCEEDED: three accepted updates after version 1.
    expect(ex.versionNumber).toBe(4);
    expect(ex.statusDetails).toEqual({ detailsMap: { nextState: 'none' } });

    await device.control.reboot();
    expect(device.manifest?.version).toBe('1.0.1');
  });

  it('marks the job FAILED and reports ERROR when the file is no firmware image', async () => {
    const thing = 'fota-bad';
    const { device, client, clock } = await thingDevice(thing);
    const rec = recordEvents();
    new AwsFota(
      client,
      { clientId: thing, sockets: device.modem.sockets, clock, dfu: device.dfu },
      rec.callback,
    );
    // Connected first: the job arrives on notify-next.
    await new Promise<void>((r) => client.once('connect', () => r()));
    await new Promise((r) => setTimeout(r, 50));
    await createJob(s.fixtures, 'fw-bad', [thing], {
      operation: 'app_fw_update',
      fwversion: 'v9',
      size: 4000,
      location: { url: `${s.fixtures.s3!.httpUrl}/${BUCKET}/v9/not-an-image.bin` },
    });
    await rec.until('AWS_FOTA_EVT_ERROR');
    expect(rec.events.map((e) => e.id)).toEqual(['AWS_FOTA_EVT_START', 'AWS_FOTA_EVT_ERROR']);
    for (let i = 0; i < 100; i++) {
      if ((await execution(thing, 'fw-bad')).status === 'FAILED') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect((await execution(thing, 'fw-bad')).status).toBe('FAILED');
    expect(device.flash.imageControl().swapType()).toBe('none');
  });

  it('the aws_fota sample application says which setting is missing and does nothing else', async () => {
    const device = await Device.boot({ name: 'fota-noconf', clock: new VirtualClock() });
    cleanup.push(() => device.close());
    const reports: Array<[string, Record<string, unknown>]> = [];
    device.on('app', (event, detail) => reports.push([event, detail]));
    await device.control.program(buildAppImage({ app: 'aws_fota', version: '1.0.0', config: { secTag: 1 } }));
    expect(reports).toEqual([
      ['config-error', { message: 'config.endpoint (the AWS IoT endpoint) is missing' }],
    ]);
    expect(device.modem.sockets.list()).toEqual([]);
  });
});
