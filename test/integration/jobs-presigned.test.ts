import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../core/clock.js';
import { buildAppImage } from '../../firmware/image/index.js';
import { startStandIn, type StandIn } from './broker-helpers.js';
import { createJob, JobsDevice } from './jobs-helpers.js';

const run = promisify(execFile);
const image = buildAppImage({ app: 'at_client', version: '1.0.2', size: 20_000 });
const clock = new VirtualClock(Date.now());
let s: StandIn;

async function curl(
  url: string,
  ...args: string[]
): Promise<{ status: number; headers: string; body: Buffer }> {
  const out = path.join(s.stateDir, `dl-${randomBytes(4).toString('hex')}`);
  const { stdout } = await run('curl', [
    '-s',
    '-D',
    '-',
    '-o',
    out,
    '--cacert',
    s.fixtures.s3!.caFile,
    ...args,
    url,
  ]);
  const body = await readFile(out).catch(() => Buffer.alloc(0));
  await rm(out, { force: true });
  return { status: Number(/^HTTP\/1\.1 (\d+)/m.exec(stdout)?.[1]), headers: stdout, body };
}

beforeAll(async () => {
  s = await startStandIn({ clock, s3: {} });
  await s.fixtures.s3!.store.createBucket('fw-bucket');
  await s.fixtures.s3!.store.putObject(
    'fw-bucket',
    'v1.0.2/app_update.bin',
    image,
    'application/octet-stream',
  );
});
afterAll(() => s.stop());

describe('${aws:iot:s3-presigned-url:…} in job documents', () => {
  it('hands each device a fresh presigned URL of the hosted S3 stand-in that downloads with Range, and expires', async () => {
    const d = await JobsDevice.connect(s.fixtures, 'url-dev');
    const placeholder =
      '${aws:iot:s3-presigned-url:https://fw-bucket.s3.eu-west-1.amazonaws.com/v1.0.2/app_update.bin}';
    await createJob(
      s.fixtures,
      'fw-url',
      ['url-dev'],
      { operation: 'app_fw_update', fwversion: 'v1.0.2', size: image.length, location: { url: placeholder } },
      { presignedUrlConfig: { expiresInSec: 60 } },
    );
    const next = (await d.waitFor('notify-next')).body as {
      execution: { jobDocument: { location: { url: string } } };
    };
    const url = next.execution.jobDocument.location.url;
    expect(url.startsWith(`${s.fixtures.endpoints.s3!.https}/fw-bucket/v1.0.2/app_update.bin?`)).toBe(true);
    const query = new URL(url).searchParams;
    expect(query.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(query.get('X-Amz-Expires')).toBe('60');
    expect(query.get('X-Amz-Credential')).toMatch(/^AKIA[A-Z2-7]{16}\/\d{8}\/eu-west-1\/s3\/aws4_request$/);
    expect(query.get('X-Amz-Security-Token')).toBeTruthy();

    // download_client style: 2 KB ranges, the last one past the end.
    const first = await curl(url, '-H', 'Range: bytes=0-2047');
    expect(first.status).toBe(206);
    expect(first.headers).toMatch(new RegExp(`content-range: bytes 0-2047/${image.length}`, 'i'));
    expect(first.body.equals(image.subarray(0, 2048))).toBe(true);
    const tailStart = image.length - 100;
    const tail = await curl(url, '-H', `Range: bytes=${tailStart}-${tailStart + 2047}`);
    expect(tail.status).toBe(206);
    expect(tail.body.equals(image.subarray(tailStart))).toBe(true);

    // The control plane keeps the placeholder.
    const raw = await s.fixtures.console.dispatch({ method: 'GET', url: '/jobs/fw-url/job-document' });
    expect((raw.body as { document: string }).document).toContain(placeholder);

    await clock.advance(61_000);
    const expired = await curl(url, '-H', 'Range: bytes=0-15');
    expect(expired.status).toBe(403);
    expect(expired.body.toString()).toContain('Request has expired');

    // Asking again signs anew.
    const again = await d.request('$next/get', '{"clientToken": ""}');
    const fresh = (again.body as { execution: { jobDocument: { location: { url: string } } } }).execution
      .jobDocument.location.url;
    expect(fresh).not.toBe(url);
    const ok = await curl(fresh, '-H', 'Range: bytes=0-15');
    expect(ok.status).toBe(206);
    expect(ok.body.equals(image.subarray(0, 16))).toBe(true);
    await d.end();
  });
});
