import { Random } from '../core/random.js';
/**
 * The firmware download path on the ideal link: download_client fetching a 400 KB image from the S3
 * stand-in over HTTP in 2 KB ranges (one request per fragment on a keep-alive connection, as NCS
 * does), the same ranges fetched by a plain node:http client for comparison, and fota_download
 * streaming the image into a device's secondary slot (in-memory flash). Prints one JSON object.
 *
 *   npm run build:bench && node dist/bench/fota.js [--kilobytes K] [--runs N]
 */
import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { S3Server } from '../broker-fixtures/s3/index.js';
import { systemClock, VirtualClock } from '../core/clock.js';
import { DownloadClient, type DownloadClientEvt } from '../cloud-libs/download-client/index.js';
import { FotaDownload } from '../cloud-libs/fota-download/index.js';
import { Device } from '../firmware/device.js';
import { buildAppImage } from '../firmware/image/app-image.js';
import type { Modem } from '../modem/modem.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
// 400 KB by default: an application image must fit the nRF9160's 464 KB secondary slot.
const BYTES = Math.round(arg('--kilobytes', 400) * 1024);
const RUNS = arg('--runs', 5);
const FRAGMENT = 2048;

async function online(modem: Modem): Promise<void> {
  await modem.channel().command('AT+CFUN=1');
  const clock = modem.clock as VirtualClock;
  while (!modem.dataPath.up) if (!(await clock.runNext())) break;
  await modem.dataPath.whenUp();
}

/** download_client to completion; resolves with the bytes received. */
function downloadClientRun(modem: Modem, host: string, file: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let bytes = 0;
    const dl = new DownloadClient(modem.sockets, (evt: DownloadClientEvt) => {
      if (evt.id === 'DOWNLOAD_CLIENT_EVT_FRAGMENT') bytes += evt.fragment.length;
      if (evt.id === 'DOWNLOAD_CLIENT_EVT_ERROR') reject(new Error(`download_client error ${evt.error}`));
      if (evt.id === 'DOWNLOAD_CLIENT_EVT_CLOSED') resolve(bytes);
      return evt.id === 'DOWNLOAD_CLIENT_EVT_ERROR' ? 1 : 0;
    });
    dl.get(host, {}, file);
  });
}

/** The same 2 KB ranges one after another with node:http on one keep-alive connection. */
async function plainRanges(url: string, size: number): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let bytes = 0;
  try {
    for (let from = 0; from < size; from += FRAGMENT) {
      const to = Math.min(from + FRAGMENT, size) - 1;
      bytes += await new Promise<number>((resolve, reject) => {
        http
          .get(url, { agent, headers: { range: `bytes=${from}-${to}` } }, (res) => {
            let n = 0;
            res.on('data', (d: Buffer) => (n += d.length));
            res.on('end', () => resolve(n));
            res.on('error', reject);
          })
          .on('error', reject);
      });
    }
  } finally {
    agent.destroy();
  }
  return bytes;
}

async function timed(run: () => Promise<number>): Promise<{ ms: number; bytes: number }> {
  const t0 = performance.now();
  const bytes = await run();
  return { ms: performance.now() - t0, bytes };
}

const median = (xs: number[]): number => {
  const v = [...xs].sort((a, b) => a - b);
  return v[Math.floor(v.length / 2)] as number;
};
const round = (x: number): number => Math.round(x * 10) / 10;

async function main(): Promise<void> {
  const stateDir = await mkdtemp(path.join(os.tmpdir(), 'nrf91sim-bench-fota-'));
  const s3 = await S3Server.start({
    clock: systemClock,
    random: new Random('s3'),
    stateDir,
    httpsPort: null,
  });
  const image = buildAppImage({ app: 'at_client', version: '1.0.1', size: BYTES });
  await s3.store.createBucket('bench');
  await s3.store.putObject('bench', 'app_update.bin', image);
  const host = s3.httpUrl as string;
  const device = await Device.boot({ name: 'bench-fota', clock: new VirtualClock() });
  await online(device.modem);

  const dlc: number[] = [];
  const plain: number[] = [];
  const fota: number[] = [];
  for (let i = 0; i < RUNS + 1; i++) {
    const a = await timed(() => downloadClientRun(device.modem, host, 'bench/app_update.bin'));
    const b = await timed(() => plainRanges(`${host}/bench/app_update.bin`, image.length));
    if (a.bytes !== image.length || b.bytes !== image.length) throw new Error('short download');
    const c = await timed(
      () =>
        new Promise<number>((resolve, reject) => {
          const f = new FotaDownload(device.modem.sockets, device.modem.clock, device.dfu, (evt) => {
            if (evt.id === 'FOTA_DOWNLOAD_EVT_FINISHED') resolve(image.length);
            if (evt.id === 'FOTA_DOWNLOAD_EVT_ERROR') reject(new Error(evt.cause));
          });
          f.start(host, 'bench/app_update.bin');
        }),
    );
    if (i === 0) continue; // warm-up
    dlc.push(a.ms);
    plain.push(b.ms);
    fota.push(c.ms);
  }
  await device.close();
  await s3.close();
  await rm(stateDir, { recursive: true, force: true });

  const ranges = Math.ceil(image.length / FRAGMENT);
  const mbps = (ms: number): number => round(image.length / 1e6 / (ms / 1000));
  console.log(
    JSON.stringify(
      {
        bench: 'fota',
        link: 'ideal',
        image_bytes: image.length,
        fragment_bytes: FRAGMENT,
        ranges,
        runs: RUNS,
        download_client: {
          ms: round(median(dlc)),
          MB_per_s: mbps(median(dlc)),
          ranges_per_s: Math.round(ranges / (median(dlc) / 1000)),
        },
        node_http_same_ranges: {
          ms: round(median(plain)),
          MB_per_s: mbps(median(plain)),
          ranges_per_s: Math.round(ranges / (median(plain) / 1000)),
        },
        fota_download_into_flash: { ms: round(median(fota)), MB_per_s: mbps(median(fota)) },
      },
      null,
      2,
    ),
  );
}

await main();
