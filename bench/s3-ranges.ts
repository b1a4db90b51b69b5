import { Random } from '../core/random.js';
import { systemClock } from '../core/clock.js';
// Ranged 2 KB downloads over one keep-alive connection, as download_client fetches a FOTA image.
// Run: npm run build:bench && node dist/bench/s3-ranges.js — prints JSON, never fails.
import { promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Pool } from 'undici';
import { S3Server } from '../broker-fixtures/s3/index.js';

const size = 1_000_000;
const stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'nrf91sim-bench-s3-'));
const s3 = await S3Server.start({ clock: systemClock, random: new Random('s3'), stateDir });
await s3.store.createBucket('firmware');
await s3.store.putObject('firmware', 'app_update.bin', Buffer.alloc(size, 1));

async function run(origin: string, presigned: boolean): Promise<Record<string, number | string | boolean>> {
  const pool = new Pool(origin, { connections: 1, connect: { ca: readFileSync(s3.caFile, 'utf8') } });
  const url = presigned
    ? new URL(s3.presign('firmware', 'app_update.bin', { https: origin.startsWith('https') }))
    : new URL(`${origin}/firmware/app_update.bin`);
  const start = performance.now();
  let fragments = 0;
  for (let from = 0; from < size; from += 2048) {
    const res = await pool.request({
      path: url.pathname + url.search,
      method: 'GET',
      headers: { range: `bytes=${from}-${from + 2047}` },
    });
    await res.body.arrayBuffer();
    fragments++;
  }
  const seconds = (performance.now() - start) / 1000;
  await pool.close();
  return {
    origin: origin.split(':')[0] ?? origin,
    presigned,
    fragments,
    seconds: +seconds.toFixed(3),
    fragmentsPerSecond: Math.round(fragments / seconds),
  };
}

const results = [];
for (const origin of [s3.httpUrl ?? '', s3.httpsUrl ?? ''])
  for (const presigned of [false, true]) results.push(await run(origin, presigned));
await s3.close();
await fs.rm(stateDir, { recursive: true, force: true });
process.stdout.write(
  `${JSON.stringify({ bench: 's3-ranges', objectBytes: size, fragmentBytes: 2048, results }, null, 2)}\n`,
);
