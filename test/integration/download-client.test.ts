import { Random } from '../../core/random.js';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { S3Server } from '../../broker-fixtures/s3/index.js';
import { systemClock, VirtualClock } from '../../core/clock.js';
import {
  DownloadClient,
  type DownloadClientCallback,
  type DownloadClientEvt,
  type DownloadClientKconfig,
} from '../../cloud-libs/download-client/index.js';
import { Modem } from '../../modem/modem.js';
import { Errno } from '../../modem/sockets/index.js';
import { untilRegistered } from '../helpers/registered.js';
import { rawHttpServer, standardResponse } from './http-fixture.js';

const TAG = 12;
const FILE = 'firmware/v1.0.1/app_update.bin';
const image = Buffer.alloc(100_000);
for (let i = 0; i < image.length; i++) image[i] = (i * 31 + (i >> 8)) & 0xff;

let stateDir: string;
let s3: S3Server;
const cleanup: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'nrf91sim-dlc-'));
  s3 = await S3Server.start({ clock: systemClock, random: new Random('s3'), stateDir });
  await s3.store.createBucket('firmware');
  await s3.store.putObject('firmware', 'v1.0.1/app_update.bin', image);
});
afterAll(async () => {
  await s3.close();
  await fs.rm(stateDir, { recursive: true, force: true });
});
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function onlineModem(): Promise<Modem> {
  const modem = new Modem({ name: 'dlc-test', clock: new VirtualClock() });
  cleanup.push(() => modem.close());
  await modem.credentials.put({ secTag: TAG, type: 0, content: s3.caCert as string });
  await modem.channel().command('AT+CFUN=1');
  await untilRegistered(modem);
  return modem;
}

/** Every event the client delivers, fragments copied; `answer` decides the callback's return. */
function recorder(answer: (evt: DownloadClientEvt) => number = () => 0) {
  const events: Array<DownloadClientEvt['id'] | `ERROR ${number}`> = [];
  const fragments: Buffer[] = [];
  let wake: (() => void) | undefined;
  const callback: DownloadClientCallback = (evt) => {
    if (evt.id === 'DOWNLOAD_CLIENT_EVT_FRAGMENT') fragments.push(Buffer.from(evt.fragment));
    events.push(evt.id === 'DOWNLOAD_CLIENT_EVT_ERROR' ? `ERROR ${evt.error}` : evt.id);
    wake?.();
    return answer(evt);
  };
  /** Resolves once an event with this id (or this ERROR) has been delivered. */
  const until = async (id: (typeof events)[number]): Promise<void> => {
    while (!events.includes(id)) await new Promise<void>((r) => (wake = r));
  };
  return { callback, events, fragments, until, data: () => Buffer.concat(fragments) };
}

function client(modem: Modem, rec: ReturnType<typeof recorder>, kconfig?: Partial<DownloadClientKconfig>) {
  return new DownloadClient(modem.sockets, rec.callback, kconfig);
}

/** A fresh modem downloads `fw.bin` from the raw server on `port` with `get`; resolves after CLOSED. */
async function getFromRaw(
  port: number,
  answer?: (evt: DownloadClientEvt) => number,
  kconfig?: Partial<DownloadClientKconfig>,
) {
  const modem = await onlineModem();
  const rec = recorder(answer);
  client(modem, rec, kconfig).get(`http://127.0.0.1:${port}`, {}, 'fw.bin');
  await rec.until('DOWNLOAD_CLIENT_EVT_CLOSED');
  return { modem, rec };
}

describe('download_client against the S3 stand-in', () => {
  it('downloads over HTTP in 2 KB ranges on one keep-alive connection, then DONE and CLOSED', async () => {
    const modem = await onlineModem();
    const rec = recorder();
    const dl = client(modem, rec);
    const connections = s3.connections;
    const requests = s3.requests;
    expect(dl.get(s3.httpUrl as string, {}, FILE)).toBe(0);
    await rec.until('DOWNLOAD_CLIENT_EVT_CLOSED');
    expect(rec.data().equals(image)).toBe(true);
    expect(rec.fragments.slice(0, -1).every((f) => f.length === 2048)).toBe(true);
    expect(rec.fragments.at(-1)?.length).toBe(image.length % 2048);
    expect(rec.events.slice(-2)).toEqual(['DOWNLOAD_CLIENT_EVT_DONE', 'DOWNLOAD_CLIENT_EVT_CLOSED']);
    expect(s3.requests - requests).toBe(Math.ceil(image.length / 2048));
    expect(s3.connections - connections).toBe(1);
    expect(dl.fileSizeGet()).toBe(image.length);
    expect(dl.state).toBe('IDLE');
    expect(modem.sockets.list()).toEqual([]);
  });

  it('downloads over HTTPS with the sec tag CA and host name check, in 1 KB fragments', async () => {
    const modem = await onlineModem();
    const rec = recorder();
    const dl = client(modem, rec);
    const port = new URL(s3.httpsUrl as string).port;
    const host = `https://localhost:${port}`;
    expect(dl.get(host, { secTagList: [TAG], setTlsHostname: true, fragSizeOverride: 1024 }, FILE)).toBe(0);
    await rec.until('DOWNLOAD_CLIENT_EVT_CLOSED');
    expect(rec.events.filter((e) => e.startsWith('ERROR'))).toEqual([]);
    expect(rec.data().equals(image)).toBe(true);
    expect(rec.fragments[0]?.length).toBe(1024);
  });

  it('fails HTTPS in 2 KB fragments: header and fragment exceed the modem TLS buffer (ECONNRESET)', async () => {
    // CONFIG_DOWNLOAD_CLIENT_HTTP_FRAG_SIZE: "with the Modem library and TLS, the fragment size may
    // not exceed 2 kB minus the largest HTTP header" — the record carrying both is refused.
    const modem = await onlineModem();
    const rec = recorder((evt) => (evt.id === 'DOWNLOAD_CLIENT_EVT_ERROR' ? 1 : 0));
    const dl = client(modem, rec);
    const port = new URL(s3.httpsUrl as string).port;
    expect(dl.get(`https://localhost:${port}`, { secTagList: [TAG], setTlsHostname: true }, FILE)).toBe(0);
    await rec.until('DOWNLOAD_CLIENT_EVT_CLOSED');
    expect(rec.events).toEqual([`ERROR -${Errno.ECONNRESET}`, 'DOWNLOAD_CLIENT_EVT_CLOSED']);
    expect(rec.fragments).toEqual([]);
  });

  it('resumes from an offset: the first request starts there and the size counts the whole file', async () => {
    const modem = await onlineModem();
    const rec = recorder();
    const dl = client(modem, rec);
    expect(dl.get(s3.httpUrl as string, {}, FILE, 50_000)).toBe(0);
    await rec.until('DOWNLOAD_CLIENT_EVT_CLOSED');
    expect(rec.data().equals(image.subarray(50_000))).toBe(true);
    expect(dl.fileSizeGet()).toBe(image.length);
    expect(dl.progress).toBe(image.length);
  });

  it('needs CONFIG_DOWNLOAD_CLIENT_MAX_FILENAME_SIZE raised for a presigned URL (192 by default)', async () => {
    const url = new URL(s3.presign('firmware', 'v1.0.1/app_update.bin', { https: false }));
    const file = url.pathname.slice(1) + url.search;
    expect(file.length).toBeGreaterThan(192);
    const modem = await onlineModem();
    // The request cannot be written: the library reports ECONNRESET and, told to stop, closes.
    const refused = recorder((evt) => (evt.id === 'DOWNLOAD_CLIENT_EVT_ERROR' ? 1 : 0));
    client(modem, refused).get(url.host, {}, file);
    await refused.until('DOWNLOAD_CLIENT_EVT_CLOSED');
    expect(refused.events).toEqual([`ERROR -${Errno.ECONNRESET}`, 'DOWNLOAD_CLIENT_EVT_CLOSED']);
    // The device sends Host without the port, as NCS does; the stand-in accepts the signature.
    const rec = recorder();
    client(modem, rec, { maxFilenameSize: 1024 }).get(url.host, {}, file);
    await rec.until('DOWNLOAD_CLIENT_EVT_CLOSED');
    expect(rec.data().equals(image)).toBe(true);
  });

  it('downloads two files over one connection with connect + start, and closes on disconnect', async () => {
    const modem = await onlineModem();
    const rec = recorder();
    const dl = client(modem, rec);
    const connections = s3.connections;
    expect(dl.connect(s3.httpUrl as string, {})).toBe(0);
    expect(dl.start(FILE)).toBe(0);
    expect(dl.start(FILE)).toBe(-Errno.EALREADY);
    await rec.until('DOWNLOAD_CLIENT_EVT_DONE');
    await new Promise((r) => setImmediate(r));
    expect(dl.state).toBe('FINISHED');
    rec.fragments.length = 0;
    rec.events.length = 0;
    expect(dl.start(FILE, 90_000)).toBe(0);
    await rec.until('DOWNLOAD_CLIENT_EVT_DONE');
    expect(rec.data().equals(image.subarray(90_000))).toBe(true);
    expect(s3.connections - connections).toBe(1);
    expect(dl.disconnect()).toBe(0);
    await rec.until('DOWNLOAD_CLIENT_EVT_CLOSED');
    expect(dl.state).toBe('IDLE');
    expect(dl.disconnect()).toBe(-Errno.EINVAL);
  });
});

describe('download_client with a faulty server', () => {
  const body = image.subarray(0, 10_000);

  it('reconnects when the server says Connection: close, and asks for the next range', async () => {
    const server = await rawHttpServer(cleanup, body, (req, socket) => {
      socket.end(standardResponse(body, req.range, 'Connection: close\r\n'));
      return true;
    });
    const { rec } = await getFromRaw(server.port);
    expect(rec.data().equals(body)).toBe(true);
    expect(server.connections()).toBe(5);
    expect(server.requests.map((r) => r.range)).toEqual([
      '0-2047',
      '2048-4095',
      '4096-6143',
      '6144-8191',
      '8192-9999',
    ]);
    expect(server.requests[0]?.path).toBe('/fw.bin');
  });

  it('hands over the partial fragment, reports ECONNRESET and resumes when the callback returns 0', async () => {
    const server = await rawHttpServer(cleanup, body, (req, socket, index) => {
      if (index !== 2) return false;
      // Cut the third response after its header and 700 bytes of the fragment.
      const whole = standardResponse(body, req.range);
      socket.end(whole.subarray(0, whole.length - 2048 + 700));
      return true;
    });
    const { rec } = await getFromRaw(server.port);
    expect(rec.data().equals(body)).toBe(true);
    expect(rec.events).toContain(`ERROR -${Errno.ECONNRESET}`);
    expect(rec.fragments.map((f) => f.length)).toContain(700);
    expect(server.requests.map((r) => r.range)).toEqual([
      '0-2047',
      '2048-4095',
      '4096-6143',
      '4796-6843',
      '6844-8891',
      '8892-9999',
    ]);
    expect(server.connections()).toBe(2);
  });

  it('reports EBADMSG for a 200 answer to a range request, and ETIMEDOUT when the server is silent', async () => {
    const wrong = await rawHttpServer(cleanup, body, (_req, socket) => {
      socket.write(standardResponse(body, undefined));
      return true;
    });
    const { modem, rec } = await getFromRaw(wrong.port);
    expect(rec.events).toEqual([`ERROR -${Errno.EBADMSG}`, 'DOWNLOAD_CLIENT_EVT_CLOSED']);

    const silent = await rawHttpServer(cleanup, body, () => true);
    const quiet = recorder((evt) => (evt.id === 'DOWNLOAD_CLIENT_EVT_ERROR' ? 1 : 0));
    client(modem, quiet).get(`http://127.0.0.1:${silent.port}`, {}, 'fw.bin');
    while (silent.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    // CONFIG_DOWNLOAD_CLIENT_TCP_SOCK_TIMEO_MS (30 s) on the modem's clock.
    await (modem.clock as VirtualClock).advance(29_000);
    expect(quiet.events).toEqual([]);
    await (modem.clock as VirtualClock).advance(1_000);
    await quiet.until('DOWNLOAD_CLIENT_EVT_CLOSED');
    expect(quiet.events).toEqual([`ERROR -${Errno.ETIMEDOUT}`, 'DOWNLOAD_CLIENT_EVT_CLOSED']);
  });

  it('reports E2BIG when the response header does not fit the buffer', async () => {
    const server = await rawHttpServer(cleanup, body, (_req, socket) => {
      socket.write(`HTTP/1.1 206 Partial Content\r\nX-Padding: ${'p'.repeat(3000)}\r\n\r\n`);
      return true;
    });
    const { rec } = await getFromRaw(server.port);
    expect(rec.events).toEqual([`ERROR -${Errno.E2BIG}`, 'DOWNLOAD_CLIENT_EVT_CLOSED']);
  });

  it('streams a plain GET without ranges when CONFIG_DOWNLOAD_CLIENT_RANGE_REQUESTS is off', async () => {
    const server = await rawHttpServer(cleanup, body);
    const { rec } = await getFromRaw(server.port, undefined, { rangeRequests: false });
    expect(rec.data().equals(body)).toBe(true);
    expect(server.requests.map((r) => r.range)).toEqual([undefined]);
  });

  it('stops at once on disconnect while a fragment is awaited, and frees the socket', async () => {
    const silent = await rawHttpServer(cleanup, body, () => true);
    const modem = await onlineModem();
    const rec = recorder();
    const dl = client(modem, rec);
    dl.get(`http://127.0.0.1:${silent.port}`, {}, 'fw.bin');
    while (silent.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    expect(dl.state).toBe('DOWNLOADING');
    expect(dl.disconnect()).toBe(0);
    await rec.until('DOWNLOAD_CLIENT_EVT_CLOSED');
    expect(rec.events).toEqual(['DOWNLOAD_CLIENT_EVT_CLOSED']);
    expect(modem.sockets.list()).toEqual([]);
  });
});

describe('download_client refuses what it cannot do', () => {
  it('checks its arguments and reports connect failures as errors followed by CLOSED', async () => {
    const modem = await onlineModem();
    const rec = recorder();
    const dl = client(modem, rec);
    expect(dl.start('fw.bin')).toBe(-Errno.EINVAL);
    expect(dl.setHost('http://x', { fragSizeOverride: 4096 })).toBe(-Errno.E2BIG);
    expect(dl.disconnect()).toBe(-Errno.EINVAL);

    const cases: Array<[string, { secTagList?: number[]; setTlsHostname?: boolean }, number]> = [
      ['http://no-such-host.example', {}, Errno.EHOSTUNREACH],
      ['coap://127.0.0.1', {}, Errno.EPROTONOSUPPORT],
      ['https://127.0.0.1', {}, Errno.EINVAL],
      ['http://127.0.0.1', { setTlsHostname: true }, Errno.EINVAL],
      ['http://127.0.0.1:1', {}, Errno.ECONNREFUSED],
    ];
    for (const [host, cfg, errno] of cases) {
      rec.events.length = 0;
      expect(dl.get(host, cfg, 'fw.bin')).toBe(0);
      await rec.until('DOWNLOAD_CLIENT_EVT_CLOSED');
      expect([host, rec.events]).toEqual([host, [`ERROR -${errno}`, 'DOWNLOAD_CLIENT_EVT_CLOSED']]);
    }
    expect(modem.sockets.list()).toEqual([]);
  });

  it('fails with ECONNRESET when coverage is lost mid-download, and stays closed when told to stop', async () => {
    // The fourth answer is held back: the device loses coverage while waiting for it.
    const slow = await rawHttpServer(cleanup, image, (_req, _socket, index) => index >= 3);
    const modem = await onlineModem();
    const rec = recorder((evt) => (evt.id === 'DOWNLOAD_CLIENT_EVT_ERROR' ? 1 : 0));
    client(modem, rec).get(`http://127.0.0.1:${slow.port}`, {}, 'fw.bin');
    while (slow.requests.length < 4) await new Promise((r) => setTimeout(r, 5));
    await modem.channel().command('AT+CFUN=4');
    await rec.until('DOWNLOAD_CLIENT_EVT_CLOSED');
    expect(rec.fragments.length).toBe(3);
    expect(rec.events.slice(-2)).toEqual([`ERROR -${Errno.ECONNRESET}`, 'DOWNLOAD_CLIENT_EVT_CLOSED']);
  });
});
