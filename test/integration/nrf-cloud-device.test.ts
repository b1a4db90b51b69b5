import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { missingTools, tools } from '../helpers/system-tools.js';
import { loadNrfCloudCa, makeBundle } from '../../broker-fixtures/index.js';
import { systemClock } from '../../core/clock.js';
import { Device } from '../../firmware/device.js';
import { buildAppImage } from '../../firmware/image/app-image.js';
import { buildModemDelta } from '../../firmware/image/modem-delta.js';
import { provisionNrfCloud } from '../../modem/credentials/provision.js';
import { startNrfCloud, type NrfCloudHarness } from './nrfcloud-helpers.js';

/** What the device's application reported, in order, with a way to wait for the next one. */
function appLog(device: Device) {
  const events: Array<{ event: string; detail: Record<string, unknown> }> = [];
  device.on('app', (event, detail) => events.push({ event, detail }));
  return {
    events,
    names: (): string[] => events.map((e) => e.event),
    async until(event: string, from = 0, limitMs = 30_000): Promise<Record<string, unknown>> {
      const started = Date.now();
      for (;;) {
        const hit = events.slice(from).find((e) => e.event === event);
        if (hit) return hit.detail;
        if (Date.now() - started > limitMs)
          throw new Error(`no app event ${event}; saw ${events.map((e) => e.event).join(', ')}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
  };
}

async function rest(h: NrfCloudHarness, method: string, path: string, body?: unknown, zip?: Buffer) {
  const res = await fetch(`${h.nrf.apiUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${h.nrf.apiKey}`,
      'content-type': zip ? 'application/zip' : 'application/json',
    },
    ...(zip ? { body: zip } : body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  // The replies are nRF Cloud's JSON documents; each test reads the fields it checks.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: res.status, body: text ? (JSON.parse(text) as any) : undefined };
}

async function waitFor<T>(fn: () => Promise<T | undefined>, what: string, limitMs = 30_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() - started > limitMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the nrf_cloud sample against the local nRF Cloud (real modem sockets, real TLS)', () => {
  let h: NrfCloudHarness | undefined;
  let device: Device | undefined;
  afterEach(async () => {
    await device?.close();
    device = undefined;
    await h?.stop();
    h = undefined;
  });

  async function bootProvisioned(name: string, version = '1.0.0', extra: Record<string, unknown> = {}) {
    h ??= await startNrfCloud();
    device = await Device.boot({ clock: systemClock, name });
    const ca = await loadNrfCloudCa(h.stateDir, systemClock);
    const clientId = `nrf-${device.identity.imei}`;
    await provisionNrfCloud(device.credentials, { ca, clientId, now: Date.now() });
    const log = appLog(device);
    const config = { port: h.nrf.mqttPort, connectionRetryTimeoutS: 1, sensorIntervalS: 0, ...extra };
    await device.control.program(buildAppImage({ app: 'nrf_cloud', version, config }));
    return { clientId, log, config };
  }

  it('onboards by JITP, waits for association, is associated over REST, reports and streams data', async () => {
    const { clientId, log } = await bootProvisioned('nrfc-onboard');
    await log.until('association-request');
    // The first connection of the unknown certificate was refused (JITP), the retry got through.
    const flow = log.names().filter((n) => n !== 'connecting');
    expect(flow.slice(0, 3)).toEqual(['disconnected', 'connected', 'association-request']);
    expect((await rest(h!, 'GET', `/v1/devices/${clientId}`)).body).toMatchObject({ id: clientId });

    expect((await rest(h!, 'PUT', `/v1/association/${clientId}`)).status).toBeLessThan(300);
    await log.until('ready');
    const after = log.names().filter((n) => n !== 'sensor' && n !== 'shadow');
    expect(after.slice(-2)).toEqual(['associated', 'ready']);
    await log.until('sensor');
    device!.control.pressButton(1);

    const messages = await waitFor(async () => {
      const r = await rest(h!, 'GET', `/v1/messages?deviceId=${clientId}&pageLimit=50`);
      const items = (r.body?.items ?? []) as Array<{ message: { appId: string } }>;
      return items.filter((m) => m.message.appId === 'BUTTON').length >= 2 ? items : undefined;
    }, 'stored messages');
    const appIds = messages.map((m) => m.message.appId);
    expect(appIds).toEqual(expect.arrayContaining(['GPS', 'FLIP', 'TEMP', 'BUTTON']));
    const buttons = messages.filter((m) => m.message.appId === 'BUTTON');
    expect(buttons.map((m) => (m.message as unknown as { data: string }).data).sort()).toEqual(['0', '1']);
    const gps = messages.find((m) => m.message.appId === 'GPS')?.message as unknown as { data: string };
    expect(gps.data).toMatch(/^\$GPGGA,\d{6}\.00,\d{4}\.\d{4},N,\d{5}\.\d{4},E,1,.*\*[0-9A-F]{2}$/);

    // The shadow holds the pairing report and the device info sent with it.
    const shadow = await waitFor(async () => {
      const r = await rest(h!, 'GET', `/v1/devices/${clientId}`);
      return r.body?.state?.reported?.device ? r.body.state : undefined;
    }, 'reported device info');
    expect(shadow.reported.pairing).toMatchObject({ state: 'paired' });
    expect(shadow.reported.device.serviceInfo).toEqual({
      ui: ['GPS', 'FLIP', 'TEMP', 'RSRP'],
      fota_v2: ['APP', 'MODEM'],
    });
    expect(shadow.reported.device.deviceInfo).toMatchObject({
      imei: device!.identity.imei,
      appVersion: '1.0.0',
    });

    // A paired device's next connection goes straight to USER_ASSOCIATED and READY.
    const from = log.events.length;
    await device!.control.reboot();
    await log.until('ready', from);
    expect(
      log
        .names()
        .slice(from)
        .filter((n) => !['connecting', 'sensor', 'shadow'].includes(n)),
    ).toEqual(['connected', 'associated', 'ready']);
  });

  const noMosquitto = missingTools(tools.mosquittoSub);
  it.skipIf(noMosquitto !== undefined)(
    `streams sensor data that an independent mosquitto_sub sees (the account device) ${noMosquitto ?? ''}`,
    async () => {
      const { clientId, log } = await bootProvisioned('nrfc-mosquitto', '1.0.0', { sensorIntervalS: 1 });
      await log.until('association-request');
      await rest(h!, 'PUT', `/v1/association/${clientId}`);
      const account = (await rest(h!, 'POST', '/v1/devices/account')).body;
      const dir = await mkdtemp(path.join(os.tmpdir(), 'nrfc-mosq-'));
      try {
        await writeFile(path.join(dir, 'ca.pem'), account.caCert);
        await writeFile(path.join(dir, 'cert.pem'), account.clientCert);
        await writeFile(path.join(dir, 'key.pem'), account.privateKey);
        const topic = `${h!.nrf.topicPrefix}m/d/${clientId}/d2c`;
        const sub = spawn('mosquitto_sub', [
          '-h',
          '127.0.0.1',
          '-p',
          String(h!.nrf.mqttPort),
          '--insecure',
          '--cafile',
          path.join(dir, 'ca.pem'),
          '--cert',
          path.join(dir, 'cert.pem'),
          '--key',
          path.join(dir, 'key.pem'),
          '-i',
          account.clientId,
          '-q',
          '1',
          '-t',
          topic,
          '-C',
          '4',
          '-W',
          '30',
        ]);
        let out = '';
        let err = '';
        sub.stdout.on('data', (d: Buffer) => (out += d.toString()));
        sub.stderr.on('data', (d: Buffer) => (err += d.toString()));
        const code = await new Promise<number | null>((resolve) => sub.on('exit', resolve));
        expect(err).toBe('');
        expect(code).toBe(0);
        const seen = out
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as { appId: string; messageType: string });
        expect(seen).toHaveLength(4);
        expect(seen.every((m) => m.messageType === 'DATA')).toBe(true);
        expect(seen.map((m) => m.appId)).toEqual(expect.arrayContaining(['GPS', 'FLIP']));
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );

  it('updates its application over the air: DOWNLOADING, IN_PROGRESS, reboot, SUCCEEDED, the new version runs', async () => {
    const { clientId, log, config } = await bootProvisioned('nrfc-app-fota');
    await log.until('association-request');
    await rest(h!, 'PUT', `/v1/association/${clientId}`);
    await log.until('ready');
    const image = buildAppImage({ app: 'nrf_cloud', version: '1.1.0', config });
    const up = await rest(h!, 'POST', '/v1/firmwares', undefined, makeBundle({ image, version: '1.1.0' }));
    expect(up.status).toBe(200);
    const job = await rest(h!, 'POST', '/v1/fota-jobs', {
      deviceIdentifiers: [clientId],
      bundleId: up.body.bundleId,
    });
    expect(job.status).toBe(200);
    const jobId = job.body.jobId as string;

    await log.until('rebooting');
    const execution = await waitFor(
      async () => {
        const r = await rest(h!, 'GET', `/v1/fota-job-executions/${clientId}/${jobId}`);
        return r.body?.status === 'SUCCEEDED' ? r.body : undefined;
      },
      'SUCCEEDED',
      45_000,
    );
    expect(execution.status).toBe('SUCCEEDED');
    expect(device!.manifest?.version).toBe('1.1.0');
    // The library confirmed the new image after the reboot (MCUboot keeps it).
    expect(device!.flash.imageControl().isImgConfirmed()).toBe(true);
    const fota = log.events.filter((e) => e.event === 'fota').map((e) => e.detail.id);
    expect(fota).toEqual(expect.arrayContaining(['NRF_CLOUD_EVT_FOTA_START', 'NRF_CLOUD_EVT_FOTA_DONE']));
  });

  it('updates the modem with a delta: +CGMR changes after the reboots and the job SUCCEEDED', async () => {
    const { clientId, log } = await bootProvisioned('nrfc-modem-fota');
    await log.until('association-request');
    await rest(h!, 'PUT', `/v1/association/${clientId}`);
    await log.until('ready');
    const before = device!.identity.firmwareVersion;
    const delta = buildModemDelta({ from: before, to: 'mfw_nrf9160_1.3.9' });
    const up = await rest(
      h!,
      'POST',
      '/v1/firmwares',
      undefined,
      makeBundle({ image: delta, version: '1.3.9', type: 'MODEM' }),
    );
    expect(up.status).toBe(200);
    const job = await rest(h!, 'POST', '/v1/fota-jobs', {
      deviceIdentifiers: [clientId],
      bundleId: up.body.bundleId,
    });
    const jobId = job.body.jobId as string;
    const execution = await waitFor(
      async () => {
        const r = await rest(h!, 'GET', `/v1/fota-job-executions/${clientId}/${jobId}`);
        return r.body?.status === 'SUCCEEDED' ? r.body : undefined;
      },
      'SUCCEEDED',
      45_000,
    );
    expect(execution.status).toBe('SUCCEEDED');
    const [cgmr] = await device!.modem.channel().command('AT+CGMR');
    expect(cgmr).toBe('mfw_nrf9160_1.3.9');
  });

  it('applies a modem delta by re-initialising the modem, without a reboot (nrf_cloud_modem_fota_completed)', async () => {
    const { clientId, log } = await bootProvisioned('nrfc-modem-reinit', '1.0.0', { modemFotaReinit: true });
    await log.until('association-request');
    await rest(h!, 'PUT', `/v1/association/${clientId}`);
    await log.until('ready');
    const boots: unknown[] = [];
    device!.on('boot', (r) => boots.push(r));
    const delta = buildModemDelta({ from: device!.identity.firmwareVersion, to: 'mfw_nrf9160_1.3.8' });
    const up = await rest(
      h!,
      'POST',
      '/v1/firmwares',
      undefined,
      makeBundle({ image: delta, version: '1.3.8', type: 'MODEM' }),
    );
    const job = await rest(h!, 'POST', '/v1/fota-jobs', {
      deviceIdentifiers: [clientId],
      bundleId: up.body.bundleId,
    });
    const jobId = job.body.jobId as string;
    expect(await log.until('modem-reinit')).toEqual({ result: 'ok', firmware: 'mfw_nrf9160_1.3.8' });
    const execution = await waitFor(async () => {
      const r = await rest(h!, 'GET', `/v1/fota-job-executions/${clientId}/${jobId}`);
      return r.body?.status === 'SUCCEEDED' ? r.body : undefined;
    }, 'SUCCEEDED');
    expect(execution.status).toBe('SUCCEEDED');
    expect(boots).toEqual([]);
    expect(log.names()).not.toContain('rebooting');
    const [cgmr] = await device!.modem.channel().command('AT+CGMR');
    expect(cgmr).toBe('mfw_nrf9160_1.3.8');
  });

  it('takes a BOOT job: two reboots, then SUCCEEDED with "FOTA update not validated"', async () => {
    const fotaTypes = ['NRF_CLOUD_FOTA_APPLICATION', 'NRF_CLOUD_FOTA_BOOTLOADER'];
    const { clientId, log, config } = await bootProvisioned('nrfc-boot-fota', '1.0.0', { fotaTypes });
    await log.until('association-request');
    await rest(h!, 'PUT', `/v1/association/${clientId}`);
    await log.until('ready');
    const image = buildAppImage({ app: 'nrf_cloud', version: '1.0.2', config });
    const up = await rest(
      h!,
      'POST',
      '/v1/firmwares',
      undefined,
      makeBundle({ image, version: '1.0.2', type: 'BOOT' }),
    );
    expect(up.status).toBe(200);
    const job = await rest(h!, 'POST', '/v1/fota-jobs', {
      deviceIdentifiers: [clientId],
      bundleId: up.body.bundleId,
    });
    expect(job.status).toBe(200);
    const jobId = job.body.jobId as string;
    const execution = await waitFor(
      async () => {
        const r = await rest(h!, 'GET', `/v1/fota-job-executions/${clientId}/${jobId}`);
        return r.body?.status === 'SUCCEEDED' ? r.body : undefined;
      },
      'SUCCEEDED',
      45_000,
    );
    expect(JSON.stringify(execution)).toContain('FOTA update not validated');
    // The download's reboot, then the one validation asks for on the first boot after it.
    expect(log.events.filter((e) => e.event === 'rebooting')).toHaveLength(2);
  });

  it('reports a corrupt bundle with the NCS error status and keeps running the old image', async () => {
    const { clientId, log } = await bootProvisioned('nrfc-corrupt');
    await log.until('association-request');
    await rest(h!, 'PUT', `/v1/association/${clientId}`);
    await log.until('ready');
    const garbage = Buffer.alloc(4096, 0x5a); // no MCUboot magic: not an update image
    const up = await rest(
      h!,
      'POST',
      '/v1/firmwares',
      undefined,
      makeBundle({ image: garbage, version: '9.9.9' }),
    );
    const job = await rest(h!, 'POST', '/v1/fota-jobs', {
      deviceIdentifiers: [clientId],
      bundleId: up.body.bundleId,
    });
    const jobId = job.body.jobId as string;
    const execution = await waitFor(async () => {
      const r = await rest(h!, 'GET', `/v1/fota-job-executions/${clientId}/${jobId}`);
      return ['FAILED', 'REJECTED'].includes(r.body?.status) ? r.body : undefined;
    }, 'a terminal status');
    // fota_download's INVALID_UPDATE: nrf_cloud_fota reports REJECTED.
    expect(execution.status).toBe('REJECTED');
    expect(log.names()).toContain('fota');
    expect(device!.manifest?.version).toBe('1.0.0');
  });
});
