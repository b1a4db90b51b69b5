import { Random } from '../../core/random.js';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { S3Server } from '../../broker-fixtures/s3/index.js';
import { systemClock, VirtualClock } from '../../core/clock.js';
import {
  FotaDownload,
  type FotaDownloadEvt,
  type FotaDownloadKconfig,
} from '../../cloud-libs/fota-download/index.js';
import { Device } from '../../firmware/device.js';
import { buildAppImage } from '../../firmware/image/app-image.js';
import { buildModemDelta } from '../../firmware/image/modem-delta.js';
import { Errno } from '../../modem/sockets/index.js';
import { untilRegistered } from '../helpers/registered.js';
import { rawHttpServer, standardResponse, type RawRequest } from './http-fixture.js';

const TAG = 21;
const update = buildAppImage({ app: 'at_client', version: '1.0.1', size: 60_000 });
const BASE_MFW = 'mfw_nrf9160_1.3.4';
const delta = buildModemDelta({ from: BASE_MFW, to: 'mfw_nrf9160_1.3.5', size: 30_000 });

let stateDir: string;
let s3: S3Server;
const cleanup: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'nrf91sim-fota-'));
  s3 = await S3Server.start({ clock: systemClock, random: new Random('s3'), stateDir });
  await s3.store.createBucket('firmware');
  await s3.store.putObject('firmware', 'app_update.bin', update);
  await s3.store.putObject('firmware', 'delta.bin', delta);
  await s3.store.putObject('firmware', 'junk.bin', Buffer.alloc(5000, 0x42));
});
afterAll(async () => {
  await s3.close();
  await fs.rm(stateDir, { recursive: true, force: true });
});
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** A running device (at_client 1.0.0, modem BASE_MFW) with the S3 CA at TAG, registered. */
async function runningDevice(
  options: { slotSize?: number; saveProgress?: boolean } = {},
): Promise<{ device: Device; clock: VirtualClock }> {
  const clock = new VirtualClock();
  const image = buildAppImage({
    app: 'at_client',
    version: '1.0.0',
    config: options.saveProgress ? { dfuSaveProgress: true } : {},
  });
  const device = await Device.boot({
    name: `fota-${cleanup.length}`,
    clock,
    profile: { identity: { firmwareVersion: BASE_MFW } },
    firmware: { image, ...(options.slotSize ? { layout: { slotSize: options.slotSize } } : {}) },
  });
  cleanup.push(() => device.close());
  await device.modem.credentials.put({ secTag: TAG, type: 0, content: s3.caCert as string });
  await device.modem.channel().command('AT+CFUN=1');
  await untilRegistered(device.modem);
  return { device, clock };
}

function fota(device: Device, clock: VirtualClock, kconfig?: Partial<FotaDownloadKconfig>) {
  const events: FotaDownloadEvt[] = [];
  let wake: (() => void) | undefined;
  const client = new FotaDownload(
    device.modem.sockets,
    clock,
    device.dfu,
    (evt) => {
      events.push(evt);
      wake?.();
    },
    kconfig,
  );
  const until = async (id: FotaDownloadEvt['id']): Promise<FotaDownloadEvt> => {
    for (;;) {
      const hit = events.find((e) => e.id === id);
      if (hit) return hit;
      await new Promise<void>((r) => (wake = r));
    }
  };
  return { client, events, until, ids: () => events.map((e) => e.id) };
}

/**
 * Starts a download whose target already holds part of the image: the first response is dropped
 * and, a second later on the device's clock (not before), the download asks for the rest. Resolves
 * with that resumed request.
 */
async function startAndResume(
  f: ReturnType<typeof fota>,
  server: { port: number; requests: RawRequest[] },
  clock: VirtualClock,
  file: string,
): Promise<RawRequest> {
  const before = server.requests.length;
  expect(f.client.start(`http://127.0.0.1:${server.port}`, file)).toBe(0);
  while (server.requests.length === before) await new Promise((r) => setTimeout(r, 5));
  expect(server.requests[before]?.range).toBe('0-2047');
  while (f.client.downloadClient.state !== 'IDLE') await new Promise((r) => setTimeout(r, 5));
  await clock.advance(999);
  expect(server.requests.length).toBe(before + 1);
  await clock.advance(1);
  while (server.requests.length === before + 1) await new Promise((r) => setTimeout(r, 5));
  return server.requests[before + 1] as RawRequest;
}

const httpsHost = (): string => `https://localhost:${new URL(s3.httpsUrl as string).port}`;

describe('fota_download into the device flash', () => {
  it('downloads an application image over HTTPS, requests a test swap, and the reboot runs it', async () => {
    const { device, clock } = await runningDevice();
    expect(device.manifest?.version).toBe('1.0.0');
    const f = fota(device, clock, { progressEvt: true });
    expect(f.client.start(httpsHost(), 'firmware/app_update.bin', TAG, 0, 1024)).toBe(0);
    expect(f.client.start(httpsHost(), 'firmware/app_update.bin', TAG, 0, 1024)).toBe(-Errno.EALREADY);
    await f.until('FOTA_DOWNLOAD_EVT_FINISHED');
    expect(f.events.filter((e) => e.id === 'FOTA_DOWNLOAD_EVT_ERROR')).toEqual([]);
    expect(f.client.target()).toBe('DFU_TARGET_IMAGE_TYPE_MCUBOOT');
    const progress = f.events.flatMap((e) => (e.id === 'FOTA_DOWNLOAD_EVT_PROGRESS' ? [e.progress] : []));
    expect(progress.at(-1)).toBe(100);
    expect(progress.every((p, i) => i === 0 || p >= (progress[i - 1] as number))).toBe(true);
    expect(device.flash.imageControl().swapType()).toBe('test');
    expect(f.client.busy).toBe(false);

    const report = await device.control.reboot();
    expect(report.swapType).toBe('test');
    expect(device.manifest?.version).toBe('1.0.1');
  });

  it('downloads a modem delta, schedules it, and the modem runs the new firmware after a reset', async () => {
    const { device, clock } = await runningDevice();
    const f = fota(device, clock);
    expect(f.client.start(httpsHost(), 'firmware/delta.bin', TAG, 0, 1024)).toBe(0);
    await f.until('FOTA_DOWNLOAD_EVT_FINISHED');
    expect(f.client.target()).toBe('DFU_TARGET_IMAGE_TYPE_MODEM_DELTA');
    expect(device.flash.modemDfu.scheduled).toBe(true);
    await device.control.reboot();
    expect(await device.modem.channel().command('AT+CGMR')).toEqual(['mfw_nrf9160_1.3.5']);
  });

  it('dfu_target reset after a finished download takes the upgrade back: the reboot keeps the old image', async () => {
    const { device, clock } = await runningDevice();
    const f = fota(device, clock);
    expect(f.client.start(s3.httpUrl as string, 'firmware/app_update.bin')).toBe(0);
    await f.until('FOTA_DOWNLOAD_EVT_FINISHED');
    expect(device.flash.imageControl().swapType()).toBe('test');
    expect(await device.dfu.reset()).toBe(0);
    expect(device.flash.imageControl().swapType()).toBe('none');
    expect(device.flash.secondary.isErased(0, 4)).toBe(true);
    const report = await device.control.reboot();
    expect(report.swapType).toBe('none');
    expect(device.manifest?.version).toBe('1.0.0');
  });

  it('refuses a file that is no image (INVALID_UPDATE) and one of another type (TYPE_MISMATCH)', async () => {
    const { device, clock } = await runningDevice();
    const junk = fota(device, clock);
    expect(junk.client.start(s3.httpUrl as string, 'firmware/junk.bin')).toBe(0);
    expect(await junk.until('FOTA_DOWNLOAD_EVT_ERROR')).toEqual({
      id: 'FOTA_DOWNLOAD_EVT_ERROR',
      cause: 'FOTA_DOWNLOAD_ERROR_CAUSE_INVALID_UPDATE',
    });
    expect(device.flash.imageControl().swapType()).toBe('none');

    const typed = fota(device, clock);
    expect(
      typed.client.startWithImageType(s3.httpUrl as string, 'firmware/app_update.bin', -1, 0, 0, [
        'DFU_TARGET_IMAGE_TYPE_MODEM_DELTA',
      ]),
    ).toBe(0);
    expect(await typed.until('FOTA_DOWNLOAD_EVT_ERROR')).toEqual({
      id: 'FOTA_DOWNLOAD_EVT_ERROR',
      cause: 'FOTA_DOWNLOAD_ERROR_CAUSE_TYPE_MISMATCH',
    });
    expect(device.flash.imageControl().swapType()).toBe('none');
    expect(device.modem.sockets.list()).toEqual([]);
  });

  it('refuses an image larger than the secondary slot (INVALID_UPDATE)', async () => {
    const { device, clock } = await runningDevice({ slotSize: 0x10000 });
    await s3.store.putObject(
      'firmware',
      'big.bin',
      buildAppImage({ app: 'at_client', version: '2.0.0', size: 0x12000 }),
    );
    const f = fota(device, clock);
    expect(f.client.start(s3.httpUrl as string, 'firmware/big.bin')).toBe(0);
    expect(await f.until('FOTA_DOWNLOAD_EVT_ERROR')).toMatchObject({
      cause: 'FOTA_DOWNLOAD_ERROR_CAUSE_INVALID_UPDATE',
    });
  });

  it('cancels: CANCELLED, the connection closes, and a second cancel says -EAGAIN', async () => {
    const { device, clock } = await runningDevice();
    const silent = await rawHttpServer(cleanup, update, () => true);
    const f = fota(device, clock);
    expect(f.client.cancel()).toBe(-Errno.EAGAIN);
    expect(f.client.start(`http://127.0.0.1:${silent.port}`, 'app_update.bin')).toBe(0);
    while (silent.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    expect(f.client.cancel()).toBe(0);
    await f.until('FOTA_DOWNLOAD_EVT_CANCELLED');
    expect(f.client.cancel()).toBe(-Errno.EAGAIN);
    while (device.modem.sockets.list().length > 0) await new Promise((r) => setTimeout(r, 5));
    expect(f.ids()).toEqual(['FOTA_DOWNLOAD_EVT_CANCELLED']);
  });
});

describe('fota_download when the connection breaks', () => {
  /** Serves `body` but cuts the responses numbered in `cut` after their header and 300 bytes. */
  async function flakyServer(body: Buffer, cut: (index: number) => boolean) {
    return rawHttpServer(cleanup, body, (req, socket, index) => {
      if (!cut(index)) return false;
      const whole = standardResponse(body, req.range);
      const headerEnd = whole.indexOf('\r\n\r\n') + 4;
      socket.end(whole.subarray(0, headerEnd + 300));
      return true;
    });
  }

  it('retries two socket errors on its own (CONFIG_FOTA_SOCKET_RETRIES) and finishes', async () => {
    const { device, clock } = await runningDevice();
    const server = await flakyServer(update, (i) => i === 3 || i === 7);
    const f = fota(device, clock);
    f.client.start(`http://127.0.0.1:${server.port}`, 'app_update.bin');
    await f.until('FOTA_DOWNLOAD_EVT_FINISHED');
    expect(f.ids()).toEqual(['FOTA_DOWNLOAD_EVT_FINISHED']);
    expect(server.connections()).toBe(3);
    await device.control.reboot();
    expect(device.manifest?.version).toBe('1.0.1');
  });

  it('fails after the retries, then a new start resumes from the target offset after 1 s', async () => {
    const { device, clock } = await runningDevice();
    let healthy = false;
    const server = await flakyServer(update, (i) => !healthy && i >= 3);
    const f = fota(device, clock);
    f.client.start(`http://127.0.0.1:${server.port}`, 'app_update.bin');
    expect(await f.until('FOTA_DOWNLOAD_EVT_ERROR')).toMatchObject({
      cause: 'FOTA_DOWNLOAD_ERROR_CAUSE_DOWNLOAD_FAILED',
    });
    const held = device.dfu.offsetGet();
    expect(held).toBe(3 * 2048 + 3 * 300);

    healthy = true;
    // The client closes its connection right after the error event.
    while (f.client.downloadClient.state !== 'IDLE') await new Promise((r) => setTimeout(r, 5));
    f.events.length = 0;
    const resumed = await startAndResume(f, server, clock, 'app_update.bin');
    await f.until('FOTA_DOWNLOAD_EVT_FINISHED');
    expect(resumed.range).toBe(`${held}-${held + 2047}`);
    await device.control.reboot();
    expect(device.manifest?.version).toBe('1.0.1');
  });

  it('continues a modem delta after a reset from the offset the modem kept', async () => {
    const { device, clock } = await runningDevice();
    let healthy = false;
    const server = await flakyServer(delta, (i) => !healthy && i >= 2);
    const first = fota(device, clock);
    first.client.start(`http://127.0.0.1:${server.port}`, 'delta.bin');
    await first.until('FOTA_DOWNLOAD_EVT_ERROR');
    const held = device.flash.modemDfu.offset;
    expect(held).toBe(2 * 2048 + 3 * 300);

    await device.control.reboot();
    await device.modem.channel().command('AT+CFUN=1');
    await untilRegistered(device.modem);
    healthy = true;
    const second = fota(device, clock);
    const resumed = await startAndResume(second, server, clock, 'delta.bin');
    await second.until('FOTA_DOWNLOAD_EVT_FINISHED');
    expect(resumed.range).toBe(`${held}-${held + 2047}`);
    await device.control.reboot();
    expect(await device.modem.channel().command('AT+CGMR')).toEqual(['mfw_nrf9160_1.3.5']);
  });

  it('continues an application image after a reset from the offset saved in flash (dfuSaveProgress)', async () => {
    const { device, clock } = await runningDevice({ saveProgress: true });
    let healthy = false;
    const server = await flakyServer(update, (i) => !healthy && i >= 3);
    const first = fota(device, clock);
    first.client.start(`http://127.0.0.1:${server.port}`, 'app_update.bin');
    await first.until('FOTA_DOWNLOAD_EVT_ERROR');
    // 7044 bytes arrived; the stream saved its offset after the first whole 4 KB sector.
    expect(device.dfu.offsetGet()).toBe(3 * 2048 + 3 * 300);

    await device.control.reboot();
    await device.modem.channel().command('AT+CFUN=1');
    await untilRegistered(device.modem);
    healthy = true;
    const second = fota(device, clock);
    const resumed = await startAndResume(second, server, clock, 'app_update.bin');
    await second.until('FOTA_DOWNLOAD_EVT_FINISHED');
    expect(resumed.range).toBe('4096-6143');
    await device.control.reboot();
    expect(device.manifest?.version).toBe('1.0.1');
  });

  it('starts an application image over after a reset without saved progress', async () => {
    const { device, clock } = await runningDevice();
    let healthy = false;
    const server = await flakyServer(update, (i) => !healthy && i >= 3);
    const first = fota(device, clock);
    first.client.start(`http://127.0.0.1:${server.port}`, 'app_update.bin');
    await first.until('FOTA_DOWNLOAD_EVT_ERROR');
    await device.control.reboot();
    await device.modem.channel().command('AT+CFUN=1');
    await untilRegistered(device.modem);
    healthy = true;
    const before = server.requests.length;
    const second = fota(device, clock);
    second.client.start(`http://127.0.0.1:${server.port}`, 'app_update.bin');
    await second.until('FOTA_DOWNLOAD_EVT_FINISHED');
    expect(server.requests.slice(before, before + 2).map((r) => r.range)).toEqual(['0-2047', '2048-4095']);
    await device.control.reboot();
    expect(device.manifest?.version).toBe('1.0.1');
  });
});
