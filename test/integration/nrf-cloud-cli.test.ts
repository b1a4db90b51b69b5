import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startBrokerFixtures } from '../../broker-fixtures/index.js';
import { systemClock } from '../../core/clock.js';
import { Random } from '../../core/random.js';
import { runCli, startCli } from '../helpers/cli.js';

const root = await fs.mkdtemp(path.join(os.tmpdir(), 'nrf91sim-cli-nrfc-'));
afterAll(() => fs.rm(root, { recursive: true, force: true }));

function events(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function rest(apiUrl: string, apiKey: string, method: string, url: string): Promise<number> {
  const res = await fetch(`${apiUrl}${url}`, { method, headers: { authorization: `Bearer ${apiKey}` } });
  await res.arrayBuffer();
  return res.status;
}

describe('nrf91sim and nRF Cloud', () => {
  it('demo --cloud nrf-cloud: onboard, associate, report, stream data, update over the air; the state stays', async () => {
    const state = path.join(root, 'demo');
    const r = await runCli(['demo', '--cloud', 'nrf-cloud', '--json', '--state', state]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const log = events(r.stdout);
    expect(log.map((e) => e.event).filter((n) => n !== 'progress')).toEqual([
      'broker',
      'device',
      'flashed',
      'onboarded',
      'associate',
      'ready',
      'messages',
      'job',
      'rebooted',
      'done',
    ]);
    expect(log.find((e) => e.event === 'messages')?.appIds).toEqual(
      expect.arrayContaining(['GPS', 'FLIP', 'TEMP']),
    );
    expect(log.find((e) => e.event === 'rebooted')).toMatchObject({
      version: '1.0.1',
      confirmed: true,
      status: 'SUCCEEDED',
    });
    expect(log.at(-1)?.seconds as number).toBeLessThan(60);
    // Everything it created is in the state directory for a later `nrf91sim broker --state`.
    await fs.access(path.join(state, 'nrf-cloud', 'ca', 'ca.crt'));
    const device = log.find((e) => e.event === 'device')?.name as string;
    await fs.access(path.join(state, 'devices', device, 'credentials.json'));
  });

  it('device boot --provision nrf-cloud --image <nrf_cloud>: the device onboards to a running local nRF Cloud', async () => {
    const state = path.join(root, 'boot');
    const fixtures = await startBrokerFixtures({
      stateDir: state,
      clock: systemClock,
      random: new Random('nrf-cloud-cli'),
      port: 0,
      alpnPort: 0,
      apiPort: 0,
      nrfCloud: { port: 0, apiPort: 0, downloadPort: 0 },
    });
    const nrf = fixtures.endpoints.nrfCloud!;
    const image = path.join(root, 'nrf_cloud.bin');
    const config = JSON.stringify({ port: nrf.mqttPort, connectionRetryTimeoutS: 1, sensorIntervalS: 0 });
    const built = await runCli([
      'image',
      'build',
      '--app',
      'nrf_cloud',
      '--version',
      '1.0.0',
      '--config',
      config,
      '-o',
      image,
      '--json',
    ]);
    expect(built.code).toBe(0);
    const cli = startCli([
      'device',
      'boot',
      '--name',
      'nrfc-cli',
      '--serial',
      'none',
      '--state',
      state,
      '--provision',
      'nrf-cloud',
      '--image',
      image,
      '--json',
    ]);
    try {
      const provisioned = await cli.nextEvent('provisioned');
      expect(provisioned).toMatchObject({
        profile: 'nrf-cloud',
        secTag: 16842753,
        written: [0, 1, 2],
        ca: path.join(state, 'nrf-cloud', 'ca', 'ca.crt'),
      });
      const ready = await cli.nextEvent('ready');
      const clientId = `nrf-${String(ready.imei)}`;
      expect(await cli.nextEvent('app', 30_000)).toMatchObject({ app: 'connecting' });
      // JITP: the first connection is refused, the library's retry is accepted and waits.
      for (;;) {
        const e = await cli.nextEvent('app', 30_000);
        if (e.app === 'association-request') {
          expect(e.clientId).toBe(clientId);
          break;
        }
      }
      expect(await rest(nrf.apiUrl, nrf.apiKey, 'PUT', `/v1/association/${clientId}`)).toBeLessThan(300);
      for (;;) {
        const e = await cli.nextEvent('app', 30_000);
        if (e.app === 'ready') break;
      }
    } finally {
      await cli.stop();
      await fixtures.close();
    }
  });
});
