import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli, type CliProcess } from '../helpers/cli.js';

const curlRun = promisify(execFile);
let work: string;
let env: NodeJS.ProcessEnv;
let broker: CliProcess;
let ready: {
  mqttPort: number;
  caFile: string;
  s3: { http: string; https: string; caFile: string };
};
let device: MqttClient;
const messages: Array<{ topic: string; body: Record<string, unknown> }> = [];

function lastJson(stdout: string): Record<string, unknown> {
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
}

async function waitFor(topic: string, from: number): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const hit = messages.slice(from).find((m) => m.topic === topic);
    if (hit) return hit.body;
    if (Date.now() > deadline)
      throw new Error(`no message on ${topic}: ${JSON.stringify(messages.slice(from))}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function curl(url: string, range: string): Promise<{ status: number; body: Buffer }> {
  const out = path.join(work, `dl-${messages.length}-${range}`);
  const { stdout } = await curlRun('curl', [
    '-s',
    '-D',
    '-',
    '-o',
    out,
    '--cacert',
    ready.s3.caFile,
    '-H',
    `Range: bytes=${range}`,
    url,
  ]);
  return { status: Number(/^HTTP\/1\.1 (\d+)/m.exec(stdout)?.[1]), body: await readFile(out) };
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'nrf91sim-fota-'));
  env = { NRF91SIM_STATE: path.join(work, 'state') };
  broker = startCli(['broker', '--port', '0', '--alpn-port', '0', '--api-port', '0', '--json'], env);
  ready = (await broker.nextEvent('ready')) as unknown as typeof ready;
  const project = path.join(work, 'demo');
  expect((await runCli(['project', 'init', 'demo', project, '--json'], env)).code).toBe(0);
  expect((await runCli(['things', 'add', project, '--count', '1', '--json'], env)).code).toBe(0);
  device = mqtt.connect({
    protocol: 'mqtts',
    host: '127.0.0.1',
    port: ready.mqttPort,
    servername: 'localhost',
    ca: await readFile(path.join(project, 'ca.pem')),
    cert: await readFile(path.join(project, 'things/demo_0/certificate.pem.crt')),
    key: await readFile(path.join(project, 'things/demo_0/private.pem.key')),
    clientId: 'demo_0',
    protocolVersion: 4,
    reconnectPeriod: 0,
  });
  device.on('message', (topic, payload) =>
    messages.push({ topic, body: JSON.parse(payload.toString()) as Record<string, unknown> }),
  );
  await new Promise<void>((resolve, reject) => {
    device.once('connect', () => resolve());
    device.once('error', reject);
  });
  // As nRF aws_fota subscribes (ncs-behaviour.md §5.1).
  await device.subscribeAsync(
    ['$aws/things/demo_0/jobs/notify-next', '$aws/things/demo_0/jobs/$next/get/#'],
    { qos: 1 },
  );
});

afterAll(async () => {
  await device?.endAsync();
  await broker?.stop();
  await rm(work, { recursive: true, force: true });
});

describe('nrf91sim image build → fota start → the device gets the job', () => {
  it('uploads the image, creates the app_fw_update job and the subscribed device downloads with ranges', async () => {
    const image = path.join(work, 'app_update.bin');
    const built = await runCli(
      ['image', 'build', '--app', 'at_client', '--version', '1.0.2', '--size', '9000', '-o', image, '--json'],
      env,
    );
    expect(built.code).toBe(0);
    const bytes = await readFile(image);

    const from = messages.length;
    const started = await runCli(
      [
        'fota',
        'start',
        '--thing',
        'demo_0',
        '--image',
        image,
        '--bucket',
        'fw-demo',
        '--duration',
        '900',
        '--json',
      ],
      env,
    );
    expect(started.stderr).toBe('');
    expect(started.code).toBe(0);
    const out = lastJson(started.stdout);
    expect(out).toMatchObject({
      event: 'started',
      thingName: 'demo_0',
      bucket: 'fw-demo',
      jobId: expect.stringMatching(/^fota-\d{14}-[0-9a-f]{4}$/),
    });

    const next = (await waitFor('$aws/things/demo_0/jobs/notify-next', from)) as {
      execution: {
        jobId: string;
        status: string;
        jobDocument: {
          operation: string;
          fwversion: string;
          size: number;
          location: { host: string; path: string };
        };
      };
    };
    expect(next.execution).toMatchObject({ jobId: out.jobId, status: 'QUEUED' });
    const doc = next.execution.jobDocument;
    expect(doc).toMatchObject({ operation: 'app_fw_update', fwversion: 'v1.0.2', size: bytes.length });
    // §5.2: host and path (no leading slash), as download_client joins them.
    expect(doc.location.host).toBe(new URL(ready.s3.https).host);
    expect(doc.location.path.startsWith(`fw-demo/${String(out.jobId)}/app_update.bin?X-Amz-`)).toBe(true);
    expect(doc.location.path).toContain('X-Amz-Expires=900');
    const url = `https://${doc.location.host}/${doc.location.path}`;
    const parts: Buffer[] = [];
    for (let at = 0; at < bytes.length; at += 2048) {
      const part = await curl(url, `${at}-${at + 2047}`);
      expect(part.status).toBe(206);
      parts.push(part.body);
    }
    expect(Buffer.concat(parts).equals(bytes)).toBe(true);

    // The same job, asked for as aws_fota does after connecting.
    const mark = messages.length;
    await device.publishAsync('$aws/things/demo_0/jobs/$next/get', '{"clientToken": ""}', { qos: 1 });
    expect(await waitFor('$aws/things/demo_0/jobs/$next/get/accepted', mark)).toMatchObject({
      execution: { jobId: out.jobId, jobDocument: doc },
    });

    const listed = await runCli(['jobs', 'list', '--thing', 'demo_0', '--json'], env);
    expect(lastJson(listed.stdout)).toMatchObject({ event: 'job', jobId: out.jobId, status: 'IN_PROGRESS' });
  });

  it('--url puts a placeholder in the job; the broker signs a fresh URL for the device', async () => {
    const image = path.join(work, 'app_update_url.bin');
    expect(
      (await runCli(['image', 'build', '--app', 'at_client', '--version', '1.1.0', '-o', image], env)).code,
    ).toBe(0);
    const started = await runCli(
      ['fota', 'start', '--thing', 'demo_0', '--image', image, '--url', '--job-id', 'fw-url', '--json'],
      env,
    );
    expect(started.code).toBe(0);
    expect(lastJson(started.stdout)).toMatchObject({
      jobId: 'fw-url',
      document: {
        location: {
          url: '${aws:iot:s3-presigned-url:https://nrf91sim-fota.s3.eu-west-1.amazonaws.com/fw-url/app_update_url.bin}',
        },
      },
    });
    const mark = messages.length;
    await device.subscribeAsync('$aws/things/demo_0/jobs/fw-url/get/#', { qos: 1 });
    await device.publishAsync('$aws/things/demo_0/jobs/fw-url/get', '{}', { qos: 1 });
    const got = (await waitFor('$aws/things/demo_0/jobs/fw-url/get/accepted', mark)) as {
      execution: { jobDocument: { fwversion: string; location: { url: string } } };
    };
    expect(got.execution.jobDocument.fwversion).toBe('v1.1.0');
    const part = await curl(got.execution.jobDocument.location.url, '0-31');
    expect(part.status).toBe(206);
    expect(part.body.equals((await readFile(image)).subarray(0, 32))).toBe(true);
  });

  it('reports bad input clearly', async () => {
    const junk = path.join(work, 'junk.bin');
    await writeFile(junk, 'not an image at all');
    const bad = await runCli(['fota', 'start', '--thing', 'demo_0', '--image', junk, '--json'], env);
    expect(bad.code).toBe(1);
    expect(lastJson(bad.stdout)).toMatchObject({ event: 'error', code: 'NRF91SIM_IMAGE_BAD_MAGIC' });
    expect(bad.stderr).toMatch(/junk\.bin is not a firmware image/);
    const image = path.join(work, 'app_update.bin');
    const ghost = await runCli(['fota', 'start', '--thing', 'ghost', '--image', image, '--json'], env);
    expect(lastJson(ghost.stdout)).toMatchObject({
      code: 'NRF91SIM_NOT_FOUND',
      message: 'thing ghost does not exist',
    });
    const missing = await runCli(
      ['fota', 'start', '--thing', 'demo_0', '--image', path.join(work, 'nope.bin')],
      env,
    );
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/cannot read .*nope\.bin: ENOENT/);
    // No broker on this state directory: nothing can sign a download URL now.
    const offline = await runCli(['fota', 'start', '--thing', 'demo_0', '--image', image, '--json'], {
      NRF91SIM_STATE: path.join(work, 'other'),
    });
    expect(lastJson(offline.stdout)).toMatchObject({ code: 'NRF91SIM_S3_NO_ENDPOINT' });
  });
});
