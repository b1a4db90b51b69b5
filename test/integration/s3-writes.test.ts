import { Random } from '../../core/random.js';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../core/clock.js';
import { S3Server } from '../../broker-fixtures/index.js';

const clock = new VirtualClock(Date.UTC(2024, 5, 1));
let dir: string;
let s3: S3Server;
let open: S3Server;
const image = Buffer.from(Array.from({ length: 4096 }, (_, i) => i & 0xff));

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'nrf91sim-s3w-'));
  s3 = await S3Server.start({ random: new Random('s3'), stateDir: dir, clock, httpsPort: null });
  open = await S3Server.start({
    random: new Random('s3'),
    stateDir: dir,
    clock,
    httpsPort: null,
    anonymousWrites: true,
  });
  await s3.store.createBucket('firmware');
  await s3.store.putObject('firmware', 'app.bin', image);
});
afterAll(async () => {
  await s3.close();
  await open.close();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('S3 stand-in writes and request checks', () => {
  it('refuses anonymous PUT and DELETE with 403 AccessDenied, and changes nothing', async () => {
    for (const [method, url] of [
      ['PUT', '/firmware/app.bin'],
      ['PUT', '/other-bucket'],
      ['DELETE', '/firmware/app.bin'],
      ['DELETE', '/firmware'],
    ] as const) {
      const res = await request(`${s3.httpUrl}${url}`, {
        method,
        ...(method === 'PUT' ? { body: 'evil' } : {}),
      });
      expect(res.statusCode, `${method} ${url}`).toBe(403);
      expect(await res.body.text()).toContain('<Code>AccessDenied</Code>');
    }
    expect(await s3.store.getObject('firmware', 'app.bin')).toEqual(image);
    expect(await s3.store.bucketExists('other-bucket')).toBe(false);
  });

  it('accepts writes with a presigned PUT URL, and anonymous ones only when asked to', async () => {
    const put = await request(s3.presign('firmware', 'new.bin', { https: false, method: 'PUT' }), {
      method: 'PUT',
      body: 'new',
    });
    expect(put.statusCode).toBe(200);
    await put.body.dump();
    // A GET URL does not sign a PUT.
    const wrong = await request(s3.presign('firmware', 'new.bin', { https: false }), {
      method: 'PUT',
      body: 'x',
    });
    expect(wrong.statusCode).toBe(403);
    await wrong.body.dump();
    const anon = await request(`${open.httpUrl}/firmware/anon.bin`, { method: 'PUT', body: 'anon' });
    expect(anon.statusCode).toBe(200);
    await anon.body.dump();
    expect((await s3.store.getObject('firmware', 'anon.bin'))?.toString()).toBe('anon');
  });

  it('refuses a query that carries X-Amz-Signature twice', async () => {
    const url = s3.presign('firmware', 'app.bin', { https: false });
    const res = await request(`${url}&X-Amz-Signature=${'0'.repeat(64)}`);
    expect(res.statusCode).toBe(400);
    expect(await res.body.text()).toContain('AuthorizationQueryParametersError');
  });

  it('answers a non-matching If-Range with 200 and the whole object, a matching one with 206', async () => {
    const head = await request(`${s3.httpUrl}/firmware/app.bin`, { method: 'HEAD' });
    const etag = String(head.headers.etag);
    const lastModified = String(head.headers['last-modified']);
    await head.body.dump();
    for (const [ifRange, status, length] of [
      ['"0123456789abcdef0123456789abcdef"', 200, 4096],
      ['Wed, 21 Oct 2015 07:28:00 GMT', 200, 4096],
      [`W/${etag}`, 200, 4096],
      [etag, 206, 16],
      [lastModified, 206, 16],
    ] as const) {
      const res = await request(`${s3.httpUrl}/firmware/app.bin`, {
        headers: { range: 'bytes=0-15', 'if-range': ifRange },
      });
      expect(res.statusCode, ifRange).toBe(status);
      expect((await res.body.arrayBuffer()).byteLength, ifRange).toBe(length);
    }
  });

  it('answers a malformed percent-escape in the path with 400 InvalidURI', async () => {
    const res = await request(`${s3.httpUrl}/firmware/%ZZ`);
    expect(res.statusCode).toBe(400);
    expect(await res.body.text()).toContain('<Code>InvalidURI</Code>');
  });
});
