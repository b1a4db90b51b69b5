import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli, type CliProcess } from '../helpers/cli.js';

let work: string;
let env: NodeJS.ProcessEnv;
let broker: CliProcess;
let ready: { endpoint: string; mqttPort: number };

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'nrf91sim-freertos-cli-'));
  env = { NRF91SIM_STATE: path.join(work, 'state') };
  broker = startCli(
    ['broker', '--port', '0', '--alpn-port', '0', '--api-port', '0', '--no-s3', '--json'],
    env,
  );
  ready = (await broker.nextEvent('ready')) as unknown as typeof ready;
});

afterAll(async () => {
  await broker?.stop();
  await rm(work, { recursive: true, force: true });
});

/** The next `app` event of the device named `name` (waits past the others). */
async function nextApp(device: CliProcess, name: string, match: Record<string, unknown> = {}) {
  for (;;) {
    const e = await device.nextEvent('app', 30_000);
    if (e.app === name && Object.entries(match).every(([k, v]) => e[k] === v)) return e;
  }
}

describe('nrf91sim image build --app freertos_shadow → device boot --image → shadow update', () => {
  it('boots the demo, which reports powerOn and follows a desired change made with the CLI', async () => {
    const project = path.join(work, 'demo');
    expect((await runCli(['project', 'init', 'demo', project, '--json'], env)).code).toBe(0);
    expect((await runCli(['things', 'add', project, '--count', '1', '--json'], env)).code).toBe(0);
    const thing = 'demo_0';
    const credentials = path.join(work, 'credentials.json');
    await writeFile(
      credentials,
      JSON.stringify([
        { secTag: 24, type: 0, file: path.join(project, 'ca.pem') },
        { secTag: 24, type: 1, file: path.join(project, 'things', thing, 'certificate.pem.crt') },
        { secTag: 24, type: 2, file: path.join(project, 'things', thing, 'private.pem.key') },
      ]),
    );
    const image = path.join(work, 'freertos_shadow.bin');
    const config = JSON.stringify({
      endpoint: ready.endpoint,
      port: ready.mqttPort,
      secTag: 24,
      clientId: thing,
    });
    const built = await runCli(
      [
        'image',
        'build',
        '--app',
        'freertos_shadow',
        '--version',
        '1.0.0',
        '--config',
        config,
        '-o',
        image,
        '--json',
      ],
      env,
    );
    expect(built.code).toBe(0);
    expect(built.stdout).not.toContain('not a sample');

    const device = startCli(
      [
        'device',
        'boot',
        '--serial',
        'none',
        '--state',
        path.join(work, 'device-state'),
        '--name',
        thing,
        '--credentials',
        credentials,
        '--image',
        image,
        '--json',
      ],
      env,
    );
    try {
      expect(await device.nextEvent('flashed')).toMatchObject({ app: 'freertos_shadow', version: '1.0.0' });
      await nextApp(device, 'reported', { powerOn: 0, code: 0 });
      const update = await runCli(
        ['shadow', 'update', '--thing', thing, '--desired', '{"powerOn":1}', '--json'],
        env,
      );
      expect(update.code).toBe(0);
      expect(await nextApp(device, 'delta')).toMatchObject({ powerOn: 1 });
      await nextApp(device, 'reported', { powerOn: 1, code: 0 });
      const got = await runCli(['shadow', 'get', '--thing', thing, '--json'], env);
      const doc = JSON.parse(got.stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
      expect(JSON.stringify(doc)).toContain('"reported":{"powerOn":1}');
    } finally {
      await device.stop();
    }
  });
});
