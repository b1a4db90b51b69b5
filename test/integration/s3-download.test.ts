import { Random } from '../../core/random.js';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Agent, Pool, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Server } from '../../broker-fixtures/s3/index.js';
import { VirtualClock } from '../../core/clock.js';
import { buildAppImage } from '../../firmware/image/index.js';

const run = promisify(execFile);
const image = buildAppImage({ app: 'at_client', version: '1.0.1', size: 100_000 });
const clock = new VirtualClock(Date.UTC(2025, 5, 1));
let stateDir: string;
let s3: S3Server;
let agent: Agent;

async function curl(...args: string[]): Promise<{ status: number; headers: string; body: Buffer }> {
  const out = path.join(stateDir, `curl-${randomBytes(4).toString('hex')}`);
  const { stdout } = await run('curl', ['-s', '-D', '-', '-o', out, '--cacert', s3.caFile, ...args]);
  const body = await fs.readFile(out).catch(() => Buffer.alloc(0));
  const status = Number(/^HTTP\/1\.1 (\d+)/m.exec(stdout)?.[1]);
  return { status, headers: stdout, body };
}

beforeAll(async () => {
  stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'nrf91sim-s3-'));
  s3 = await S3Server.start({ random: new Random('s3'), stateDir, clock });
  agent = new Agent({ connect: { ca: readFileSync(s3.caFile, 'utf8') } });
  // Writes need a signature: presigned PUT URLs, as the CLI and the broker's fota command use.
  const put = await request(s3.presign('firmware', '', { https: false, method: 'PUT' }), { method: 'PUT' });
  expect(put.statusCode).toBe(200);
  await put.body.dump();
  const obj = await request(
    s3.presign('firmware', 'v1.0.1/app_update.bin', { https: false, method: 'PUT' }),
    {
      method: 'PUT',
      body: image,
    },
  );
  expect(obj.statusCode).toBe(200);
  await obj.body.dump();
});

afterAll(async () => {
  await agent.close();
  await s3.close();
  await fs.rm(stateDir, { recursive: true, force: true });
});

describe('ranged GET as download_client does it', () => {
  it('fetches the whole image in 2 KB fragments over one keep-alive HTTPS connection', async () => {
    const url = new URL(s3.presign('firmware', 'v1.0.1/app_update.bin'));
    const pool = new Pool(url.origin, { connections: 1, connect: { ca: readFileSync(s3.caFile, 'utf8') } });
    const before = s3.connections;
    const parts: Buffer[] = [];
    let total = Infinity;
    for (let from = 0; from < total; from += 2048) {
      // download_client asks for one byte past EOF on the last fragment; the server clamps.
      const res = await pool.request({
        path: url.pathname + url.search,
        method: 'GET',
        headers: { range: `bytes=${from}-${from + 2047}`, connection: 'keep-alive' },
      });
      expect(res.statusCode).toBe(206);
      const range = String(res.headers['content-range']);
      total = Number(range.split('/')[1]);
      const end = Math.min(from + 2047, total - 1);
      expect(range).toBe(`bytes ${from}-${end}/${image.length}`);
      expect(Number(res.headers['content-length'])).toBe(end - from + 1);
      parts.push(Buffer.from(await res.body.arrayBuffer()));
    }
    await pool.close();
    expect(Buffer.concat(parts).equals(image)).toBe(true);
    expect(s3.connections - before).toBe(1);
  });

  it('answers 416 with Content-Range: bytes */total past the end', async () => {
    const res = await request(`${s3.httpUrl}/firmware/v1.0.1/app_update.bin`, {
      headers: { range: `bytes=${image.length}-` },
    });
    expect(res.statusCode).toBe(416);
    expect(res.headers['content-range']).toBe(`bytes */${image.length}`);
    const xml = await res.body.text();
    expect(xml).toContain('<Code>InvalidRange</Code>');
    expect(xml).toContain(`<ActualObjectSize>${image.length}</ActualObjectSize>`);
  });

  it.each([
    [
      `bytes=${image.length - 10}-${image.length + 5000}`,
      206,
      `bytes ${image.length - 10}-${image.length - 1}/${image.length}`,
      10,
    ],
    ['bytes=-100', 206, `bytes ${image.length - 100}-${image.length - 1}/${image.length}`, 100],
    ['bytes=99000-', 206, `bytes 99000-${image.length - 1}/${image.length}`, image.length - 99000],
    ['bytes=0-1,5-6', 200, undefined, image.length],
    ['bytes=-0', 416, `bytes */${image.length}`, undefined],
  ])('Range %s → %i', async (range, status, contentRange, length) => {
    const res = await request(`${s3.httpUrl}/firmware/v1.0.1/app_update.bin`, { headers: { range } });
    expect(res.statusCode).toBe(status);
    expect(res.headers['content-range']).toBe(contentRange);
    const body = Buffer.from(await res.body.arrayBuffer());
    if (length !== undefined) expect(body.length).toBe(length);
  });

  it('serves curl: ranges, clamping, 416 and connection reuse', async () => {
    const url = `${s3.httpsUrl}/firmware/v1.0.1/app_update.bin`;
    const first = await curl('-r', '0-1023', url);
    expect(first.status).toBe(206);
    expect(first.headers).toMatch(/^content-range: bytes 0-1023\/100\d+\r$/im);
    expect(first.body.equals(image.subarray(0, 1024))).toBe(true);
    const last = await curl('-r', `${image.length - 3}-${image.length + 100}`, url);
    expect(last.status).toBe(206);
    expect(last.body.equals(image.subarray(image.length - 3))).toBe(true);
    expect((await curl('-r', `${image.length}-`, url)).headers).toMatch(/^content-range: bytes \*\/\d+\r$/im);
    const { stderr } = await run('curl', [
      '-sv',
      '--cacert',
      s3.caFile,
      '-r',
      '0-9',
      '-o',
      '/dev/null',
      url,
      '-r',
      '10-19',
      '-o',
      '/dev/null',
      url,
    ]);
    expect(stderr).toMatch(/Re-using existing connection/);
  });

  it('answers HEAD with the size and ETag, and 404 NoSuchKey for a missing key', async () => {
    const head = await request(`${s3.httpUrl}/firmware/v1.0.1/app_update.bin`, { method: 'HEAD' });
    expect(head.statusCode).toBe(200);
    expect(Number(head.headers['content-length'])).toBe(image.length);
    expect(head.headers.etag).toMatch(/^"[0-9a-f]{32}"$/);
    await head.body.dump();
    const missing = await request(`${s3.httpUrl}/firmware/nope.bin`);
    expect(missing.statusCode).toBe(404);
    expect(await missing.body.text()).toContain('<Code>NoSuchKey</Code>');
  });
});

describe('presigned URLs', () => {
  it('work until they expire on the clock, then answer 403 Request has expired', async () => {
    const url = s3.presign('firmware', 'v1.0.1/app_update.bin', { expiresSeconds: 300 });
    const ok = await request(url, { dispatcher: agent, headers: { range: 'bytes=0-15' } });
    expect(ok.statusCode).toBe(206);
    expect(Buffer.from(await ok.body.arrayBuffer()).equals(image.subarray(0, 16))).toBe(true);
    await clock.advance(299_000);
    expect((await curl('-r', '0-15', url)).status).toBe(206);
    await clock.advance(1_000);
    const expired = await request(url, { dispatcher: agent });
    expect(expired.statusCode).toBe(403);
    const xml = await expired.body.text();
    expect(xml).toContain('<Code>AccessDenied</Code><Message>Request has expired</Message>');
    const viaCurl = await curl(url);
    expect(viaCurl.status).toBe(403);
    expect(viaCurl.body.toString()).toContain('Request has expired');
  });

  it('reject a tampered signature or object key with 403 SignatureDoesNotMatch', async () => {
    const url = new URL(s3.presign('firmware', 'v1.0.1/app_update.bin', { https: false }));
    const sig = url.searchParams.get('X-Amz-Signature') ?? '';
    url.searchParams.set('X-Amz-Signature', `${sig.slice(0, -1)}${sig.endsWith('0') ? '1' : '0'}`);
    const tampered = await request(url.toString());
    expect(tampered.statusCode).toBe(403);
    expect(await tampered.body.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
    const other = new URL(s3.presign('firmware', 'v1.0.1/app_update.bin', { https: false }));
    other.pathname = '/firmware/v1.0.1/other.bin';
    const moved = await request(other.toString());
    expect(moved.statusCode).toBe(403);
    await moved.body.dump();
  });

  it('accept the Host header without the port, as NCS download_client sends it, and no other host', async () => {
    const url = new URL(s3.presign('firmware', 'v1.0.1/app_update.bin', { https: false }));
    expect(url.port).not.toBe('');
    const bare = await curl('-H', `Host: ${url.hostname}`, '-r', '0-3', url.toString());
    expect(bare.status).toBe(206);
    expect(bare.body.toString('hex')).toBe('3db8f396');
    const wrong = await curl('-H', `Host: ${url.hostname}:1`, '-r', '0-3', url.toString());
    expect(wrong.status).toBe(403);
    const other = await curl('-H', 'Host: localhost', '-r', '0-3', url.toString());
    expect(other.status).toBe(403);
  });

  it('serve virtual-hosted style requests (bucket in the Host header)', async () => {
    const url = new URL(s3.presign('firmware', 'v1.0.1/app_update.bin', { https: false }));
    const res = await request(`${s3.httpUrl}/v1.0.1/app_update.bin`, {
      headers: { host: 'firmware.s3.amazonaws.com', range: 'bytes=0-3' },
    });
    expect(res.statusCode).toBe(206);
    expect(Buffer.from(await res.body.arrayBuffer()).toString('hex')).toBe('3db8f396');
    expect(url.pathname).toBe('/firmware/v1.0.1/app_update.bin');
  });
});
