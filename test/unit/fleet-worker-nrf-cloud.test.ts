import { X509Certificate } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.js';
import { FleetWorker, fleetSpecs, type FromWorker } from '../../fleet/index.js';
import { createLocalCa } from '../../modem/credentials/index.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
});

async function until<T>(find: () => T | undefined, what: string): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`no ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('a fleet worker with nrf-cloud-ca devices', () => {
  it(
    'issues nrf-<IMEI> certificates from the nRF Cloud CA, has them onboarded, then boots with them',
    { timeout: 60_000 },
    async () => {
      const stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'nrf91sim-fleet-worker-nrfc-'));
      dirs.push(stateDir);
      const ca = await createLocalCa('worker test nRF Cloud CA', systemClock.now());
      const sent: FromWorker[] = [];
      const worker = new FleetWorker((m) => sent.push(m), systemClock);
      await worker.handle({ type: 'init', init: { stateDir, nrfCloudCa: ca, metricsIntervalMs: 60_000 } });
      const [spec] = fleetSpecs({
        count: 1,
        image: { app: 'nrf_cloud', version: '1.0.0', config: { port: 1, connectionRetryTimeoutS: 60 } },
        credentials: { kind: 'nrf-cloud-ca', secTag: 16842753 },
      });
      const imei = spec!.profile!.identity!.imei!;
      const booting = worker.handle({ type: 'boot', spec: spec! });

      // Nothing boots before the runner has onboarded the device.
      const register = await until(
        () => sent.find((m): m is Extract<FromWorker, { type: 'register' }> => m.type === 'register'),
        'register message',
      );
      expect(register.things).toHaveLength(1);
      const thing = register.things[0]!;
      expect(thing).toMatchObject({ device: 'fleet-0', thingName: `nrf-${imei}` });
      const cert = new X509Certificate(thing.certificatePem);
      expect(cert.subject).toBe(`CN=nrf-${imei}`);
      expect(cert.verify(new X509Certificate(ca.certPem).publicKey)).toBe(true);
      expect(sent.some((m) => m.type === 'device' && m.phase === 'booting')).toBe(false);

      await worker.handle({ type: 'registered', names: ['fleet-0'] });
      await booting;
      expect(sent.some((m) => m.type === 'device' && m.phase === 'booting')).toBe(true);
      const store = await fs.readFile(path.join(stateDir, 'devices', 'fleet-0', 'credentials.json'), 'utf8');
      // The nRF Cloud CA as root, the issued certificate and its key, at the DK sec tag.
      const entries = JSON.stringify(JSON.parse(store));
      expect(entries).toContain('16842753');
      const normal = (pem: string): string => new X509Certificate(pem).fingerprint256;
      const pems = (entries.match(/-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----/g) ?? []).map(
        (p) => normal(p.replace(/\\n/g, '\n')),
      );
      expect(pems).toEqual(expect.arrayContaining([normal(ca.certPem), normal(thing.certificatePem)]));
      await worker.handle({ type: 'stop' });
    },
  );

  it('fails a device when the runner has no nRF Cloud CA to give', { timeout: 30_000 }, async () => {
    const stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'nrf91sim-fleet-worker-nrfc-'));
    dirs.push(stateDir);
    const sent: FromWorker[] = [];
    const worker = new FleetWorker((m) => sent.push(m), systemClock);
    await worker.handle({ type: 'init', init: { stateDir, metricsIntervalMs: 60_000 } });
    const [spec] = fleetSpecs({
      count: 1,
      image: { app: 'nrf_cloud', version: '1.0.0', config: {} },
      credentials: { kind: 'nrf-cloud-ca', secTag: 16842753 },
    });
    await worker.handle({ type: 'boot', spec: spec! });
    expect(sent.find((m) => m.type === 'device' && m.phase === 'failed')).toMatchObject({
      cause: expect.stringMatching(/no nRF Cloud CA/),
    });
    expect(sent.some((m) => m.type === 'register')).toBe(false);
    await worker.handle({ type: 'stop' });
  });
});
