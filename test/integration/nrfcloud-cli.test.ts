import { systemClock } from '../../core/clock.js';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadNrfCloudCa } from '../../broker-fixtures/index.js';
import { issueDeviceCertificate } from '../../modem/credentials/local-ca.js';
import { runCli, startCli } from '../helpers/cli.js';

let work: string;
let env: NodeJS.ProcessEnv;

const lines = (stdout: string): Array<Record<string, unknown>> =>
  stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

async function cli(
  ...args: string[]
): Promise<{ code: number | null; out: Array<Record<string, unknown>>; stderr: string }> {
  const r = await runCli([...args, '--json'], env);
  return { code: r.code, out: lines(r.stdout), stderr: r.stderr };
}

function connect(
  ready: Record<string, unknown>,
  caPem: string,
  creds: { certPem: string; keyPem: string },
  clientId: string,
): Promise<MqttClient> {
  const nrf = ready.nrfCloud as { mqttPort: number };
  const client = mqtt.connect({
    protocol: 'mqtts',
    host: '127.0.0.1',
    port: nrf.mqttPort,
    servername: 'mqtt.nrfcloud.com',
    ca: caPem,
    cert: creds.certPem,
    key: creds.keyPem,
    clientId,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
  });
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve(client));
    client.once('close', () => reject(new Error('closed before CONNACK')));
  });
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'nrf91sim-nrfcloud-cli-'));
  env = { NRF91SIM_STATE: path.join(work, 'state') };
});
afterAll(() => rm(work, { recursive: true, force: true }));

describe('nrf91sim nrfcloud', () => {
  it('onboards, associates and lists devices on the state files, then against a running broker: shadow, send, messages, bundles, fota', async () => {
    const state = path.join(work, 'state');
    const id = 'nrf-352656100000040';
    const ca = await loadNrfCloudCa(state, systemClock);
    const creds = await issueDeviceCertificate(ca, id, Date.now());
    await writeFile(path.join(work, 'dev.pem'), creds.certPem);
    expect((await cli('nrfcloud', 'onboard', id, '--cert', path.join(work, 'dev.pem'))).out[0]).toMatchObject(
      { event: 'onboarded', deviceId: id },
    );
    expect((await cli('nrfcloud', 'devices')).out).toEqual([
      expect.objectContaining({ event: 'device', id, association: 'not_associated' }),
    ]);
    expect((await cli('nrfcloud', 'associate', id)).out[0]).toMatchObject({
      event: 'associated',
      running: false,
    });
    expect((await cli('nrfcloud', 'devices')).out[0]).toMatchObject({ association: 'paired' });
    const missing = await cli('nrfcloud', 'associate', 'nrf-nobody');
    expect(missing.code).toBe(1);
    expect(missing.out[0]).toMatchObject({ event: 'error', code: 'NRF91SIM_NOT_FOUND' });

    const broker = startCli(
      ['broker', '--port', '0', '--alpn-port', '0', '--api-port', '0', '--no-s3', '--json'],
      env,
    );
    try {
      const ready = await broker.nextEvent('ready', 30_000);
      expect(ready.nrfCloud).toMatchObject({
        endpoint: 'mqtt.nrfcloud.com',
        caFile: path.join(state, 'nrf-cloud', 'ca', 'ca.crt'),
      });
      expect((await cli('nrfcloud', 'account')).out[0]).toMatchObject({
        team: { tenantId: (ready.nrfCloud as { tenantId: string }).tenantId },
      });
      const device = await connect(ready, ca.certPem, creds, id);
      try {
        const p = (ready.nrfCloud as { topicPrefix: string }).topicPrefix;
        await device.subscribeAsync(
          [`${id}/shadow/update/delta/trim`, `${p}m/d/${id}/+/r`, `${p}${id}/jobs/rcv`],
          { qos: 1 },
        );
        const delta = new Promise<string>((resolve) =>
          device.on('message', (t, m) => t.endsWith('/delta/trim') && resolve(m.toString())),
        );
        expect(
          (await cli('nrfcloud', 'shadow', id, '--desired', '{"config":{"interval":30}}')).out[0],
        ).toMatchObject({ event: 'shadow', state: { desired: { config: { interval: 30 } } } });
        expect(JSON.parse(await delta)).toMatchObject({ state: { config: { interval: 30 } } });
        const c2d = new Promise<string>((resolve) =>
          device.on('message', (t, m) => t.endsWith('/c2d/r') && resolve(m.toString())),
        );
        expect(
          (await cli('nrfcloud', 'send', id, '{"appId":"LED","messageType":"CMD","data":"on"}')).out[0],
        ).toMatchObject({ event: 'sent', running: true });
        expect(JSON.parse(await c2d)).toEqual({ appId: 'LED', messageType: 'CMD', data: 'on' });
        await device.publishAsync(`${p}m/d/${id}/d2c`, '{"appId":"TEMP","data":"22","messageType":"DATA"}', {
          qos: 1,
        });
        expect((await cli('nrfcloud', 'messages', '--device', id)).out).toEqual([
          expect.objectContaining({
            event: 'message',
            deviceId: id,
            message: { appId: 'TEMP', data: '22', messageType: 'DATA' },
          }),
        ]);

        await device.publishAsync(
          `${id}/shadow/update`,
          JSON.stringify({ state: { reported: { device: { serviceInfo: { fota_v2: ['APP'] } } } } }),
          { qos: 1 },
        );
        await writeFile(path.join(work, 'app.bin'), Buffer.alloc(1024, 3));
        const up = await cli(
          'nrfcloud',
          'bundles',
          'upload',
          path.join(work, 'app.bin'),
          '--version',
          '1.2.0',
        );
        const bundleId = up.out[0]!.bundleId as string;
        expect((await cli('nrfcloud', 'bundles', 'list')).out[0]).toMatchObject({
          bundleId,
          type: 'APP',
          version: '1.2.0',
          size: 1024,
        });
        const offered = new Promise<string>((resolve) =>
          device.on('message', (t, m) => t.endsWith('/jobs/rcv') && resolve(m.toString())),
        );
        const jobId = (await cli('nrfcloud', 'fota', 'create', '--bundle', bundleId, '--device', id)).out[0]!
          .jobId as string;
        expect((JSON.parse(await offered) as unknown[]).slice(0, 3)).toEqual([jobId, 0, 1024]);
        await device.publishAsync(`${p}${id}/jobs/update`, JSON.stringify([jobId, 7, 40]), { qos: 1 });
        expect((await cli('nrfcloud', 'fota', 'show', jobId)).out).toEqual([
          expect.objectContaining({ event: 'job', jobId, status: 'IN_PROGRESS' }),
          expect.objectContaining({ event: 'execution', deviceId: id, status: 'DOWNLOADING', progress: 40 }),
        ]);
        expect((await cli('nrfcloud', 'fota', 'cancel', jobId)).out[0]).toMatchObject({ event: 'cancelled' });
        expect((await cli('nrfcloud', 'fota', 'list')).out[0]).toMatchObject({ jobId, status: 'CANCELLED' });
      } finally {
        device.end(true);
      }
    } finally {
      await broker.stop();
    }
    expect(await readFile(path.join(state, 'nrf-cloud', 'ca', 'ca.crt'), 'utf8')).toBe(ca.certPem);
  }, 180_000);
});
