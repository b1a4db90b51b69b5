import { execFile, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const bin = path.resolve('bin/nrf91sim.js');
let state: string;

beforeAll(async () => {
  state = await fs.mkdtemp(path.join(os.tmpdir(), 'nrf91sim-s3cli-'));
});
afterAll(async () => {
  await fs.rm(state, { recursive: true, force: true });
});

describe('nrf91sim s3', () => {
  it('serves, uploads, presigns, and the URL works with curl', async () => {
    const server = spawn(process.execPath, [bin, 's3', 'serve', '--state', state, '--json'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const lines = readline.createInterface({ input: server.stdout });
      const ready = await new Promise<{ event: string; http: string; https: string; ca: string }>((resolve) =>
        lines.once('line', (l) => resolve(JSON.parse(l) as never)),
      );
      expect(ready).toMatchObject({
        event: 'ready',
        http: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
        https: expect.stringMatching(/^https:/),
      });

      const file = path.join(state, 'app_update.bin');
      await run(process.execPath, [
        bin,
        'image',
        'build',
        '--app',
        'at_client',
        '--version',
        '1.0.1',
        '--size',
        '30000',
        '-o',
        file,
      ]);
      const put = await run(process.execPath, [
        bin,
        's3',
        'put',
        'firmware',
        'fw/app_update.bin',
        file,
        '--state',
        state,
        '--json',
      ]);
      expect(JSON.parse(put.stdout)).toMatchObject({
        event: 'uploaded',
        bucket: 'firmware',
        key: 'fw/app_update.bin',
      });
      const viaHttp = await run(process.execPath, [
        bin,
        's3',
        'put',
        'firmware',
        'fw/copy.bin',
        file,
        '--endpoint',
        ready.http,
        // The server's access key signs the upload: writes need credentials.
        '--state',
        state,
        '--json',
      ]);
      expect(JSON.parse(viaHttp.stdout)).toMatchObject({
        event: 'uploaded',
        etag: JSON.parse(put.stdout).etag,
      });

      const presign = await run(process.execPath, [
        bin,
        's3',
        'presign',
        'firmware',
        'fw/app_update.bin',
        '--state',
        state,
        '--expires',
        '600',
      ]);
      const url = presign.stdout.trim();
      expect(url).toMatch(
        /^https:\/\/127\.0\.0\.1:\d+\/firmware\/fw\/app_update\.bin\?X-Amz-Algorithm=AWS4-HMAC-SHA256&.*X-Amz-Expires=600&.*X-Amz-Signature=[0-9a-f]{64}$/,
      );
      const out = path.join(state, 'downloaded.bin');
      await run('curl', ['-sf', '--cacert', ready.ca, '-o', out, url]);
      expect((await fs.readFile(out)).equals(await fs.readFile(file))).toBe(true);
    } finally {
      server.kill('SIGTERM');
      await new Promise((r) => server.once('exit', r));
    }
    await expect(fs.access(path.join(state, 's3', 'server.json'))).rejects.toThrow();
  });

  it('presign without a running server says how to start one', async () => {
    const r = await run(process.execPath, [
      bin,
      's3',
      'presign',
      'firmware',
      'x.bin',
      '--state',
      state,
      '--json',
    ]).catch((e: { stdout: string; code: number }) => e);
    expect((r as { code: number }).code).toBe(1);
    expect(JSON.parse((r as { stdout: string }).stdout)).toMatchObject({
      event: 'error',
      code: 'NRF91SIM_S3_NO_ENDPOINT',
    });
  });
});

describe('nrf91sim image', () => {
  it('builds, signs and reports images; corrupt ones exit 1 with the reason', async () => {
    const key = path.join(state, 'key.pem');
    const pub = path.join(state, 'pub.pem');
    const file = path.join(state, 'signed.bin');
    await run(process.execPath, [bin, 'image', 'keygen', '-o', key, '--public', pub]);
    await run(process.execPath, [
      bin,
      'image',
      'build',
      '--app',
      'aws_iot',
      '--version',
      '2.1.0+4',
      '--sign',
      key,
      '--config',
      '{"interval":60}',
      '-o',
      file,
    ]);
    const info = JSON.parse(
      (await run(process.execPath, [bin, 'image', 'info', file, '--key', pub, '--json'])).stdout,
    );
    expect(info).toMatchObject({
      valid: true,
      header: { version: '2.1.0+4' },
      signature: { status: 'valid' },
      manifest: { app: 'aws_iot', config: { interval: 60 } },
    });
    const bytes = await fs.readFile(file);
    await fs.writeFile(path.join(state, 'cut.bin'), bytes.subarray(0, bytes.length - 20));
    const bad = await run(process.execPath, [bin, 'image', 'info', path.join(state, 'cut.bin')]).catch(
      (e: { stdout: string; code: number }) => e,
    );
    expect((bad as { code: number }).code).toBe(1);
    expect((bad as { stdout: string }).stdout).toMatch(/NRF91SIM_IMAGE_TRUNCATED: TLV area truncated/);
  });
});
