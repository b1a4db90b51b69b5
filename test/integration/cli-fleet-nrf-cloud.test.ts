import { X509Certificate } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startBrokerFixtures } from '../../broker-fixtures/index.js';
import { systemClock } from '../../core/clock.js';
import { Random } from '../../core/random.js';
import { nrfCloudRegistrar } from '../../fleet/nrf-cloud.js';
import { createLocalCa, issueDeviceCertificate } from '../../modem/credentials/index.js';
import { runCli, startCli, type CliProcess } from '../helpers/cli.js';

const dirs: string[] = [];
const running: CliProcess[] = [];
afterAll(async () => {
  for (const c of running) await c.stop('SIGKILL');
  for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
});
async function tempState(): Promise<string> {
  const d = await fs.mkdtemp(path.join(os.tmpdir(), 'nrf91sim-fleet-nrfc-'));
  dirs.push(d);
  return d;
}

function lines(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

interface Api {
  apiUrl: string;
  apiKey: string;
}

async function rest<T>(api: Api, urlPath: string): Promise<T> {
  const res = await fetch(api.apiUrl + urlPath, { headers: { authorization: `Bearer ${api.apiKey}` } });
  expect(res.status, `GET ${urlPath}`).toBe(200);
  return (await res.json()) as T;
}

interface DeviceItem {
  id: string;
  state?: {
    desired?: { pairing?: { state?: string } };
    reported?: { device?: { deviceInfo?: { imei?: string; appName?: string } } };
  };
}

async function imeiOf(state: string, device: string): Promise<string> {
  const identity = JSON.parse(
    await fs.readFile(path.join(state, 'devices', device, 'identity.json'), 'utf8'),
  ) as { imei: string };
  return identity.imei;
}

async function listDevices(api: Api): Promise<DeviceItem[]> {
  const { items } = await rest<{ items: DeviceItem[] }>(api, '/v1/devices?pageLimit=100&includeState=true');
  return items;
}

describe('nrf91sim fleet boot --app nrf_cloud', () => {
  it(
    'boots 20 nrf_cloud devices, onboarded and associated through the REST API, all READY over TLS',
    { timeout: 180_000 },
    async () => {
      const state = await tempState();
      const cli = startCli([
        'fleet',
        'boot',
        '--count',
        '20',
        '--app',
        'nrf_cloud',
        '--workers',
        '2',
        '--json',
        '--state',
        state,
      ]);
      running.push(cli);
      const fleet = await cli.nextEvent('fleet', 60_000);
      expect(fleet).toMatchObject({ devices: 20, app: 'nrf_cloud', brokerStarted: true });
      const api = fleet.nrfCloud as Api;
      expect(api.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

      const ready = new Set<string>();
      while (ready.size < 20) {
        const e = await cli.nextEvent('device', 120_000);
        expect(e.phase, JSON.stringify(e)).not.toBe('failed');
        if (e.phase === 'ready') ready.add(e.device as string);
      }

      // The team has the 20 devices, each paired, named nrf-<IMEI>, its device info in the shadow.
      const items = await listDevices(api);
      expect(items).toHaveLength(20);
      const ids = await Promise.all(
        Array.from({ length: 20 }, async (_, i) => `nrf-${await imeiOf(state, `fleet-${i}`)}`),
      );
      expect(items.map((d) => d.id).sort()).toEqual([...ids].sort());
      for (const d of items) {
        expect(d.state?.desired?.pairing?.state, d.id).toBe('paired');
        expect(d.state?.reported?.device?.deviceInfo).toMatchObject({
          imei: d.id.slice('nrf-'.length),
          appName: 'nrf_cloud',
        });
      }

      // fleet-0's sensor report (GPS, FLIP, TEMP, RSRP at READY) reaches GET /v1/messages.
      let appIds: string[] = [];
      for (let i = 0; i < 200 && appIds.length < 2; i++) {
        const { items: messages } = await rest<{ items: Array<{ message?: { appId?: string } }> }>(
          api,
          `/v1/messages?deviceId=${ids[0]}&pageLimit=100`,
        );
        appIds = [...new Set(messages.map((m) => m.message?.appId ?? ''))];
        if (appIds.length < 2) await new Promise((r) => setTimeout(r, 100));
      }
      expect(appIds).toEqual(expect.arrayContaining(['GPS', 'FLIP']));

      // The device's credentials: at sec tag 16842753, a certificate for its client id from the local CA.
      const creds = JSON.parse(
        await fs.readFile(path.join(state, 'devices', 'fleet-0', 'credentials.json'), 'utf8'),
      ) as unknown;
      const text = JSON.stringify(creds);
      expect(text).toContain('16842753');
      const caPem = await fs.readFile(path.join(state, 'nrf-cloud', 'ca', 'ca.crt'), 'utf8');
      const pems = text.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [];
      const certs = pems.map((p) => new X509Certificate(p.replace(/\\n/g, '\n')));
      const client = certs.find((c) => c.subject.includes(`CN=${ids[0]}`));
      expect(client, 'a client certificate for the client id').toBeDefined();
      expect(client!.verify(new X509Certificate(caPem).publicKey)).toBe(true);

      cli.child.kill('SIGINT');
      const summary = await cli.nextEvent('summary', 30_000);
      expect(summary).toMatchObject({ devices: 20, ready: 20, failed: 0, errors: {} });
      expect((await cli.exited).code).toBe(0);
    },
  );

  it(
    'uses the nRF Cloud of a broker running on another loopback address, again on a second boot',
    { timeout: 120_000 },
    async () => {
      const state = await tempState();
      const broker = startCli([
        'broker',
        '--host',
        '127.0.0.2',
        '--port',
        '0',
        '--alpn-port',
        '0',
        '--api-port',
        '0',
        '--json',
        '--state',
        state,
      ]);
      running.push(broker);
      const ready = await broker.nextEvent('ready', 30_000);
      const nrf = ready.nrfCloud as Api & { host: string };
      expect(nrf.host).toBe('127.0.0.2');
      const args = ['fleet', 'boot', '--count', '4', '--app', 'nrf_cloud', '--workers', '2'];
      const credentials = path.join(state, 'devices', 'fleet-3', 'credentials.json');
      const stored: string[] = [];
      for (const run of [1, 2]) {
        const r = await runCli([...args, '--until-ready', '--json', '--state', state]);
        expect(r.code, `run ${run}: ${r.stderr}`).toBe(0);
        const events = lines(r.stdout);
        expect(events[0]).toMatchObject({ event: 'fleet', brokerStarted: false });
        expect(events.at(-1)).toMatchObject({ event: 'summary', devices: 4, ready: 4, failed: 0 });
        stored.push(await fs.readFile(credentials, 'utf8'));
      }
      // The second boot keeps each device's credentials: nothing is issued or onboarded again.
      expect(stored[1]).toBe(stored[0]);
      const items = await listDevices(nrf);
      expect(items).toHaveLength(4);
      expect(items.every((d) => d.state?.desired?.pairing?.state === 'paired')).toBe(true);
      await broker.stop('SIGINT');
    },
  );

  it('refuses nrf_cloud against a running broker without nRF Cloud', { timeout: 60_000 }, async () => {
    const state = await tempState();
    const broker = startCli([
      'broker',
      '--port',
      '0',
      '--alpn-port',
      '0',
      '--api-port',
      '0',
      '--no-nrfcloud',
      '--json',
      '--state',
      state,
    ]);
    running.push(broker);
    await broker.nextEvent('ready', 30_000);
    const r = await runCli(['fleet', 'boot', '--count', '1', '--app', 'nrf_cloud', '--state', state]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/has no nRF Cloud stand-in: start it without --no-nrfcloud/);
    await broker.stop('SIGINT');
  });
});

describe('the fleet nRF Cloud registrar', () => {
  it('onboards a batch in bulk, replaces a stale device, and associates them all', async () => {
    const stateDir = await tempState();
    const fixtures = await startBrokerFixtures({
      stateDir,
      clock: systemClock,
      random: new Random('fleet-nrfc-registrar'),
      port: 0,
      alpnPort: 0,
      apiPort: 0,
      nrfCloud: { port: 0, apiPort: 0, downloadPort: 0 },
    });
    try {
      const nrf = fixtures.endpoints.nrfCloud!;
      const ca = await createLocalCa('registrar test CA', systemClock.now());
      const names = ['nrf-1', 'nrf-2', 'nrf-3'];
      const issued = await Promise.all(names.map((n) => issueDeviceCertificate(ca, n, systemClock.now())));
      // nrf-2 is already on the team with another certificate (its device folder was removed).
      const stale = await issueDeviceCertificate(ca, 'nrf-2', systemClock.now());
      const added = await fetch(`${nrf.apiUrl}/v1/devices/nrf-2`, {
        method: 'POST',
        headers: { authorization: `Bearer ${nrf.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ certificate: stale.certPem }),
      });
      expect(added.status).toBeLessThan(300);

      await nrfCloudRegistrar(nrf)(
        names.map((n, i) => ({ device: `d${i}`, thingName: n, certificatePem: issued[i]!.certPem })),
      );
      const items = await listDevices(nrf);
      expect(items.map((d) => d.id).sort()).toEqual(names);
      expect(items.every((d) => d.state?.desired?.pairing?.state === 'paired')).toBe(true);
      const record = await fixtures.nrfCloud!.devices.registry.get('nrf-2');
      expect(new X509Certificate(record!.certificatePem!).fingerprint256).toBe(
        new X509Certificate(issued[1]!.certPem).fingerprint256,
      );

      // A certificate nRF Cloud refuses: the registrar fails with nRF Cloud's reason.
      await expect(
        nrfCloudRegistrar(nrf)([{ device: 'd9', thingName: 'nrf-9', certificatePem: 'not a certificate' }]),
      ).rejects.toThrow(/nrf-9/);
    } finally {
      await fixtures.close();
    }
  });
});
