import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { Agent, fetch as undiciFetch } from 'undici';
import { makeBundle } from '../../broker-fixtures/index.js';
import { missingTools, tools } from '../helpers/system-tools.js';
import { nextMessage, onboardAndConnect, startNrfCloud, type NrfCloudHarness } from './nrfcloud-helpers.js';

/** The reply fields these tests read. */
interface Reply {
  status: number;
  body: { items: unknown[]; total: number; bundleId: string; jobId: string; message: string; status: string };
}

async function call(
  h: NrfCloudHarness,
  method: string,
  path: string,
  body?: unknown,
  raw?: Buffer,
): Promise<Reply> {
  const res = await fetch(`${h.nrf.apiUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${h.nrf.apiKey}`,
      'content-type': raw ? 'application/zip' : 'application/json',
    },
    ...(raw ? { body: raw } : body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function pairedDevice(h: NrfCloudHarness, id: string, fota: string[]): Promise<MqttClient> {
  const { client } = await onboardAndConnect(h, id);
  await call(h, 'PUT', `/v1/association/${id}`);
  await client.subscribeAsync(`${h.nrf.topicPrefix}${id}/jobs/rcv`, { qos: 1 });
  await client.publishAsync(
    `${id}/shadow/update`,
    JSON.stringify({ state: { reported: { device: { serviceInfo: { ui: ['TEMP'], fota_v2: fota } } } } }),
    { qos: 1 },
  );
  return client;
}

describe('nRF Cloud stand-in: FOTA', () => {
  let h: NrfCloudHarness | undefined;
  const clients: MqttClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.end(true);
    await h?.stop();
    h = undefined;
  });

  it('takes a bundle ZIP, offers the job array on jobs/rcv and jobs/req, serves ranged downloads, and follows jobs/update to SUCCEEDED', async () => {
    h = await startNrfCloud();
    const id = 'nrf-352656100000020';
    const client = await pairedDevice(h, id, ['APP', 'MODEM', 'BOOT']);
    clients.push(client);
    const image = Buffer.alloc(5000, 7);
    image.writeUInt32LE(0x96f3b83d, 0);
    const uploaded = await call(
      h,
      'POST',
      '/v1/firmwares',
      undefined,
      makeBundle({ image, version: '1.1.0', name: 'app 1.1.0' }),
    );
    expect(uploaded.status).toBe(200);
    const bundleId = uploaded.body.bundleId as string;
    expect((await call(h, 'GET', '/v1/firmwares')).body.items).toEqual([
      expect.objectContaining({ bundleId, type: 'APP', version: '1.1.0', size: 5000 }),
    ]);

    const offered = nextMessage(client, `${h.nrf.topicPrefix}${id}/jobs/rcv`);
    const created = await call(h, 'POST', '/v1/fota-jobs', { deviceIdentifiers: [id], bundleId });
    expect(created.status).toBe(200);
    const jobId = created.body.jobId as string;
    const job = JSON.parse(await offered) as [string, number, number, string, string];
    expect(job).toEqual([
      jobId,
      0,
      5000,
      `firmware.nrfcloud.com:${h.nrf.downloadPort}`,
      `v1/firmwares/${bundleId}/app_update.bin`,
    ]);

    const again = nextMessage(client, `${h.nrf.topicPrefix}${id}/jobs/rcv`);
    await client.publishAsync(`${h.nrf.topicPrefix}${id}/jobs/req`, '[""]', { qos: 1 });
    expect(JSON.parse(await again)).toEqual(job);

    const agent = new Agent({ connect: { ca: h.caPem, servername: 'firmware.nrfcloud.com' } });
    const url = `https://127.0.0.1:${h.nrf.downloadPort}/${job[4]}`;
    const part = await undiciFetch(url, { headers: { range: 'bytes=0-2047' }, dispatcher: agent });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe('bytes 0-2047/5000');
    expect(Buffer.from(await part.arrayBuffer())).toEqual(image.subarray(0, 2048));
    const last = await undiciFetch(url, { headers: { range: 'bytes=4096-6143' }, dispatcher: agent });
    expect([last.status, last.headers.get('content-range'), (await last.arrayBuffer()).byteLength]).toEqual([
      206,
      'bytes 4096-4999/5000',
      904,
    ]);
    await agent.close();

    const update = (body: unknown[]): Promise<unknown> =>
      client.publishAsync(`${h!.nrf.topicPrefix}${id}/jobs/update`, JSON.stringify(body), { qos: 1 });
    await update([jobId, 7, 50]);
    expect((await call(h, 'GET', `/v1/fota-job-executions/${id}/${jobId}`)).body).toMatchObject({
      status: 'DOWNLOADING',
      progress: 50,
    });
    await update([jobId, 1, '']);
    await update([jobId, 3, '']);
    expect((await call(h, 'GET', `/v1/fota-job-executions/${id}/${jobId}`)).body).toMatchObject({
      status: 'SUCCEEDED',
    });
    expect((await call(h, 'GET', `/v1/fota-jobs/${jobId}`)).body).toMatchObject({
      status: 'COMPLETED',
      executionStats: { succeeded: 1, deviceCount: 1 },
    });
  });

  it('records FAILED with the NCS error text, cancels a job (CANCELLED), and refuses a type the device does not report', async () => {
    h = await startNrfCloud();
    const id = 'nrf-352656100000021';
    const client = await pairedDevice(h, id, ['APP']);
    clients.push(client);
    const bundleId = (
      await call(
        h,
        'POST',
        '/v1/firmwares',
        undefined,
        makeBundle({ image: Buffer.alloc(100), version: '2.0.0' }),
      )
    ).body.bundleId as string;
    const first = (await call(h, 'POST', '/v1/fota-jobs', { deviceIdentifiers: [id], bundleId })).body
      .jobId as string;
    await client.publishAsync(
      `${h.nrf.topicPrefix}${id}/jobs/update`,
      JSON.stringify([first, 2, 'FW file does not match specified FOTA type']),
      { qos: 1 },
    );
    expect((await call(h, 'GET', `/v1/fota-job-execution-statuses/${first}`)).body.items).toEqual([
      expect.objectContaining({
        deviceId: id,
        status: 'FAILED',
        statusDetail: 'FW file does not match specified FOTA type',
      }),
    ]);
    const second = (await call(h, 'POST', '/v1/fota-jobs', { deviceIdentifiers: [id], bundleId })).body
      .jobId as string;
    expect((await call(h, 'PUT', `/v1/fota-jobs/${second}/cancel`)).status).toBe(204);
    expect((await call(h, 'GET', `/v1/fota-job-executions/${id}/${second}`)).body.status).toBe('CANCELLED');
    await client.publishAsync(`${h.nrf.topicPrefix}${id}/jobs/update`, JSON.stringify([second, 3, '']), {
      qos: 1,
    });
    expect((await call(h, 'GET', `/v1/fota-job-executions/${id}/${second}`)).body.status).toBe('CANCELLED');

    const modem = (
      await call(
        h,
        'POST',
        '/v1/firmwares',
        undefined,
        makeBundle({ image: Buffer.alloc(64), version: 'mfw_1.3.1-delta', type: 'MODEM' }),
      )
    ).body.bundleId as string;
    const refused = await call(h, 'POST', '/v1/fota-jobs', { deviceIdentifiers: [id], bundleId: modem });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toMatch(/does not report support for MODEM/);
    expect((await call(h, 'GET', '/v1/fota-jobs')).body.total).toBe(2);
  });

  it('serves the image to curl with a byte range', async (ctx) => {
    if (missingTools(tools.curl)) return ctx.skip();
    h = await startNrfCloud();
    const image = Buffer.from(Array.from({ length: 3000 }, (_, i) => i & 0xff));
    const bundleId = (
      await call(h, 'POST', '/v1/firmwares', undefined, makeBundle({ image, version: '1.0.1' }))
    ).body.bundleId as string;
    const host = `firmware.nrfcloud.com:${h.nrf.downloadPort}`;
    // Asynchronously: the server runs in this process. (`-D /dev/stderr` crashes curl 7.88 on a pipe.)
    const headers = path.join(h.stateDir, 'headers.txt');
    const r = await new Promise<{ status: number | null; stdout: Buffer; stderr: Buffer }>((resolve) => {
      const child = spawn('curl', [
        '-sS',
        '--fail',
        '--cacert',
        h!.nrf.caFile,
        '--resolve',
        `${host}:127.0.0.1`,
        '-r',
        '1000-1999',
        '-D',
        headers,
        `https://${host}/v1/firmwares/${bundleId}/app_update.bin`,
      ]);
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (c: Buffer) => out.push(c));
      child.stderr.on('data', (c: Buffer) => err.push(c));
      child.on('close', (status, signal) =>
        resolve({
          status,
          stdout: Buffer.concat(out),
          stderr: Buffer.concat([...err, Buffer.from(signal ?? '')]),
        }),
      );
    });
    expect(r.status, r.stderr.toString()).toBe(0);
    const head = await readFile(headers, 'utf8');
    expect(head).toMatch(/^HTTP\/1\.1 206/);
    expect(head).toMatch(/content-range: bytes 1000-1999\/3000/i);
    expect(r.stdout).toEqual(image.subarray(1000, 2000));
  });
});
