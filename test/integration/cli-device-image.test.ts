import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAppImage } from '../../firmware/image/app-image.js';
import { runCli, startCli } from '../helpers/cli.js';
import { createThing, startStandIn, type StandIn } from './broker-helpers.js';

let s: StandIn;
let dir: string;
beforeAll(async () => {
  s = await startStandIn();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'nrf91sim-cli-image-'));
});
afterAll(async () => {
  await s.stop();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('nrf91sim device boot --image', () => {
  it('flashes the aws_iot sample, which connects with the manifest credentials and reports to its shadow', async () => {
    const thing = 'cli-sample';
    const creds = await createThing(s.fixtures, thing);
    await fs.writeFile(path.join(dir, 'ca.pem'), s.fixtures.ca.certificatePem);
    await fs.writeFile(path.join(dir, 'cert.pem'), creds.cert);
    await fs.writeFile(path.join(dir, 'key.pem'), creds.key);
    const manifest = path.join(dir, 'credentials.json');
    await fs.writeFile(
      manifest,
      JSON.stringify([
        { secTag: 201, type: 0, file: 'ca.pem' },
        { secTag: 201, type: 1, file: 'cert.pem' },
        { secTag: 201, type: 2, file: 'key.pem' },
      ]),
    );
    const { endpoint, mqttPort } = s.fixtures.endpoints;
    const image = path.join(dir, 'aws_iot.bin');
    await fs.writeFile(
      image,
      buildAppImage({
        app: 'aws_iot',
        version: '1.2.0',
        config: { endpoint, port: mqttPort, secTag: 201, clientId: thing, appTopics: [`${thing}/in`] },
      }),
    );
    const cli = startCli([
      'device',
      'boot',
      '--serial',
      'none',
      '--state',
      path.join(dir, 'state'),
      '--name',
      thing,
      '--credentials',
      manifest,
      '--image',
      image,
      '--json',
    ]);
    try {
      expect(await cli.nextEvent('flashed')).toMatchObject({ app: 'aws_iot', version: '1.2.0' });
      let event: Record<string, unknown>;
      do event = await cli.nextEvent('app', 30_000);
      while (event.app !== 'shadow-update');
      expect(event).toMatchObject({ state: { reported: { app_version: '1.2.0' } } });
    } finally {
      await cli.stop();
    }
  });

  it('refuses a file that is no firmware image before anything is flashed', async () => {
    const junk = path.join(dir, 'junk.bin');
    await fs.writeFile(junk, Buffer.alloc(100, 0x42));
    const state = path.join(dir, 'junk-state');
    const r = await runCli(['device', 'boot', '--serial', 'none', '--state', state, '--image', junk]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^nrf91sim: --image .*junk\.bin: /);
    await expect(fs.stat(path.join(state, 'devices'))).rejects.toThrow();
  });

  it('says which application is missing when the image names one the simulator does not have', async () => {
    const image = path.join(dir, 'nrf_cloud.bin');
    await fs.writeFile(image, buildAppImage({ app: 'nrf_cloud', version: '1.0.0' }));
    const state = path.join(dir, 'missing-state');
    const cli = startCli([
      'device',
      'boot',
      '--serial',
      'none',
      '--state',
      state,
      '--image',
      image,
      '--json',
    ]);
    try {
      expect(await cli.nextEvent('app-missing')).toMatchObject({
        app: 'nrf_cloud',
        code: 'NRF91SIM_APP_UNKNOWN',
        message: expect.stringMatching(/^no application named "nrf_cloud" on this device \(known: /),
      });
      expect(await cli.nextEvent('flashed')).toMatchObject({ app: 'nrf_cloud', version: '1.0.0' });
    } finally {
      await cli.stop();
    }
  });
});
