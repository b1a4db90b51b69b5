import { systemClock } from '../../core/clock.js';
import diagnostics from 'node:diagnostics_channel';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BootReport } from '../../firmware/boot/bootloader.js';
import { Device } from '../../firmware/device.js';
import { buildAppImage } from '../../firmware/image/app-image.js';
import { createThing, putThingCredentials, startStandIn, type StandIn } from './broker-helpers.js';
import { createJob } from './jobs-helpers.js';
import { nextApp } from '../helpers/app-events.js';

/**
 * A device running the aws_iot sample loses coverage in the middle of a firmware download: the job
 * must end FAILED at the stand-in, and what the device runs afterwards must agree with that.
 */

const TAG = 44;
const BUCKET = 'fota-failed-job';
let s: StandIn;
const cleanup: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  s = await startStandIn({ s3: {} });
  await s.fixtures.s3!.store.createBucket(BUCKET);
});
afterAll(() => s.stop());
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** download_client transitions, as the `nrf91sim:state` channel reports them. */
const downloadClientSteps: string[] = [];
const onState = (message: unknown): void => {
  const m = message as { machine: string; from: string; to: string };
  if (m.machine === 'download_client') downloadClientSteps.push(`${m.from}->${m.to}`);
};
beforeAll(() => diagnostics.subscribe('nrf91sim:state', onState));
afterAll(() => diagnostics.unsubscribe('nrf91sim:state', onState));

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function nextBoot(device: Device): Promise<BootReport> {
  return new Promise((resolve) => device.once('boot', (report) => resolve(report)));
}

async function executionStatus(thing: string, jobId: string): Promise<string> {
  const r = await s.fixtures.console.dispatch({ method: 'GET', url: `/things/${thing}/jobs/${jobId}` });
  const body = r.body as Record<string, unknown>;
  return ((body.execution ?? body) as Record<string, unknown>).status as string;
}

/** Waits until the job's execution for `thing` has one of the terminal statuses, and returns it. */
async function untilTerminal(thing: string, jobId: string): Promise<string> {
  for (;;) {
    const status = await executionStatus(thing, jobId);
    if (status === 'SUCCEEDED' || status === 'FAILED' || status === 'REJECTED') return status;
    await sleep(20);
  }
}

/**
 * A device running aws_iot 1.0.0 for `thing`, connected and ready, with `update.bin` (1.0.1, large
 * enough to download in many fragments) in the bucket.
 */
async function readyDevice(thing: string) {
  const creds = await createThing(s.fixtures, thing);
  const device = await Device.boot({ clock: systemClock, name: thing });
  cleanup.push(() => device.close());
  await putThingCredentials(device.modem, TAG, s.fixtures.ca.certificatePem, creds);
  const { endpoint, mqttPort } = s.fixtures.endpoints;
  const config = {
    endpoint,
    port: mqttPort,
    secTag: TAG,
    clientId: thing,
    appTopics: [`${thing}/in`],
    connectionRetryTimeoutS: 1,
  };
  const image = (version: string, size?: number): Buffer =>
    buildAppImage({ app: 'aws_iot', version, config, ...(size ? { size } : {}) });
  const s3 = s.fixtures.s3!;
  await s3.store.putObject(BUCKET, `${thing}/update.bin`, image('1.0.1', 200_000));
  await s3.store.putObject(BUCKET, `${thing}/fixed.bin`, image('1.0.2'));
  const ready = nextApp(device, 'ready');
  await device.control.program(image('1.0.0'));
  await ready;
  // Job ids are account-wide: each test's carry its thing's name.
  const job = (jobId: string, file: string): Promise<void> =>
    createJob(s.fixtures, `${thing}-${jobId}`, [thing], {
      operation: 'app_fw_update',
      location: {
        protocol: 'http:',
        host: new URL(s3.httpUrl as string).host,
        path: `${BUCKET}/${thing}/${file}`,
      },
    });
  return { device, job };
}

/**
 * Creates the job for update.bin and takes coverage away once a tenth of it is in the device; resolves
 * once the application has heard that the update failed, with coverage still off.
 */
async function failMidDownload(
  device: Device,
  job: (id: string, file: string) => Promise<void>,
): Promise<void> {
  let cut = false;
  const progress = (event: string, detail: Record<string, unknown>): void => {
    if (cut || event !== 'fota' || typeof detail.progress !== 'number' || detail.progress < 10) return;
    cut = true;
    device.modem.control.loseCoverage();
  };
  device.on('app', progress);
  const failed = nextApp(device, 'fota', (d) => d.id === 'AWS_IOT_EVT_FOTA_ERROR');
  await job('fw-101', 'update.bin');
  await failed;
  device.off('app', progress);
  expect(cut).toBe(true);
}

describe('aws_fota after a download abandoned for lack of coverage', () => {
  it('reports the job FAILED, and the next job downloads, SUCCEEDS and runs', async () => {
    const thing = 'failed-then-fixed';
    const { device, job } = await readyDevice(thing);
    await failMidDownload(device, job);

    device.modem.control.regainCoverage();
    expect(await untilTerminal(thing, `${thing}-fw-101`)).toBe('FAILED');

    const reboot = nextBoot(device);
    const reported = nextApp(
      device,
      'shadow-update',
      (d) => (d as { state: { reported: { app_version?: string } } }).state.reported.app_version === '1.0.2',
    );
    await job('fw-102', 'fixed.bin');
    expect(await untilTerminal(thing, `${thing}-fw-102`)).toBe('SUCCEEDED');
    const report = await reboot;
    expect(report.swapType).toBe('test');
    expect(report.image?.version).toBe('1.0.2');
    await reported;
    expect(device.manifest?.version).toBe('1.0.2');
    expect(await executionStatus(thing, `${thing}-fw-101`)).toBe('FAILED');
  });

  it('stops the download, and a reboot after the FAILED job keeps running the old image', async () => {
    const thing = 'failed-then-reboot';
    const { device, job } = await readyDevice(thing);
    await failMidDownload(device, job);
    const stepsAtFailure = downloadClientSteps.length;

    const reconnected = nextApp(device, 'ready');
    device.modem.control.regainCoverage();
    await reconnected;
    expect(await untilTerminal(thing, `${thing}-fw-101`)).toBe('FAILED');
    // A message after the FAILED update's answer: once it is in, the device has handled that answer.
    const probe = nextApp(device, 'data');
    s.fixtures.aedes.publish(
      {
        cmd: 'publish',
        topic: `${thing}/in`,
        payload: Buffer.from('after'),
        qos: 0,
        dup: false,
        retain: false,
      },
      () => undefined,
    );
    await probe;

    // Nothing of the failed job is fetched again, and nothing of it is pending for MCUboot.
    const restarts = downloadClientSteps.slice(stepsAtFailure).filter((step) => step.startsWith('IDLE->'));
    expect(restarts).toEqual([]);
    expect(device.flash.imageControl().swapType()).toBe('none');
    const report = await device.control.reboot();
    expect(report.swapType).toBe('none');
    expect(device.manifest?.version).toBe('1.0.0');
  });
});
