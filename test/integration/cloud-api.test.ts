import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadNrfCloudCa } from '../../broker-fixtures/index.js';
import { systemClock } from '../../core/clock.js';
import { Device } from '../../firmware/device.js';
import { buildAppImage } from '../../firmware/image/app-image.js';
import { provisionNrfCloud } from '../../modem/credentials/provision.js';
import { createThing, putThingCredentials, startStandIn, type StandIn } from './broker-helpers.js';

const AWS_TAG = 44;
let s: StandIn;
beforeAll(async () => {
  s = await startStandIn({ nrfCloud: { port: 0, apiPort: 0, downloadPort: 0 } });
});
afterAll(() => s.stop());

function cloudEvents(device: Device) {
  const seen: Array<Record<string, unknown>> = [];
  device.on('app', (event, detail) => {
    if (event === 'cloud' || event === 'sent') seen.push({ event, ...detail });
  });
  return {
    seen,
    async until(evt: string, from: number, limitMs = 30_000): Promise<void> {
      const started = Date.now();
      while (!seen.slice(from).some((e) => e.evt === evt || e.event === evt)) {
        if (Date.now() - started > limitMs)
          throw new Error(`no ${evt}; saw ${seen.map((e) => e.evt ?? e.event).join(', ')}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
  };
}

async function poll<T>(fn: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 600; i++) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('cloud_api: one cloud_client image, pointed at either cloud by configuration', () => {
  it('reports its message to the AWS IoT shadow, then, reconfigured, to the nRF Cloud shadow', async () => {
    const device = await Device.boot({ clock: systemClock, name: 'cloud-api-switch' });
    try {
      const clientId = `nrf-${device.identity.imei}`;
      const thing = await createThing(s.fixtures, clientId);
      await putThingCredentials(device.modem, AWS_TAG, s.fixtures.ca.certificatePem, thing);
      const ca = await loadNrfCloudCa(s.stateDir, systemClock);
      await provisionNrfCloud(device.credentials, { ca, clientId, now: Date.now() });
      const log = cloudEvents(device);
      const { endpoint, mqttPort } = s.fixtures.endpoints;
      const nrf = s.fixtures.endpoints.nrfCloud!;

      await device.control.program(
        buildAppImage({
          app: 'cloud_client',
          version: '1.0.0',
          config: { backend: 'AWS_IOT', endpoint, port: mqttPort, secTag: AWS_TAG },
        }),
      );
      await log.until('sent', 0);
      expect(log.seen.map((e) => e.evt ?? e.event)).toEqual([
        'CLOUD_EVT_CONNECTING',
        'CLOUD_EVT_CONNECTED',
        'CLOUD_EVT_READY',
        'sent',
      ]);
      const aws = await poll(async () => {
        const r = await s.fixtures.console.dispatch({ method: 'GET', url: `/things/${clientId}/shadow` });
        const reported = (r.body as { state?: { reported?: { message?: string } } }).state?.reported;
        return reported?.message ? reported : undefined;
      }, 'the AWS shadow');
      expect(aws.message).toBe('Hello Internet of Things!');

      const from = log.seen.length;
      await device.control.program(
        buildAppImage({
          app: 'cloud_client',
          version: '1.0.0',
          config: { backend: 'NRF_CLOUD', port: nrf.mqttPort, connectionRetryTimeoutS: 1 },
        }),
      );
      await log.until('CLOUD_EVT_PAIR_REQUEST', from);
      const res = await fetch(`${nrf.apiUrl}/v1/association/${clientId}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${nrf.apiKey}` },
      });
      expect(res.status).toBeLessThan(300);
      await log.until('sent', from);
      const after = log.seen.slice(from).map((e) => e.evt ?? e.event);
      // JITP refuses the first connection (CONNECTING with an error, or DISCONNECTED), the retry pairs.
      expect(after.slice(after.lastIndexOf('CLOUD_EVT_CONNECTED'))).toEqual([
        'CLOUD_EVT_CONNECTED',
        'CLOUD_EVT_PAIR_REQUEST',
        // The association delta, passed on as shadow data.
        'CLOUD_EVT_DATA_RECEIVED',
        'CLOUD_EVT_PAIR_DONE',
        'CLOUD_EVT_READY',
        'sent',
      ]);
      const shadow = await poll(async () => {
        const r = await fetch(`${nrf.apiUrl}/v1/devices/${clientId}`, {
          headers: { authorization: `Bearer ${nrf.apiKey}` },
        });
        const body = (await r.json()) as { state?: { reported?: { message?: string } } };
        return body.state?.reported?.message ? body.state.reported : undefined;
      }, 'the nRF Cloud shadow');
      expect(shadow.message).toBe('Hello Internet of Things!');
    } finally {
      await device.close();
    }
  });
});
