import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, startCli, type CliProcess } from '../helpers/cli.js';

const work = await mkdtemp(path.join(os.tmpdir(), 'nrf91sim-cli-fota-device-'));
const env = { NRF91SIM_STATE: path.join(work, 'state') };
const running: CliProcess[] = [];
afterAll(async () => {
  for (const p of running.reverse()) await p.stop();
  await rm(work, { recursive: true, force: true });
});

async function cli(args: string[]): Promise<string> {
  const r = await runCli([...args, '--json'], env);
  expect([args.join(' '), r.stderr, r.code]).toEqual([args.join(' '), '', 0]);
  return r.stdout;
}

describe('over the air from the command line', () => {
  it('broker, thing, aws_iot image on a device, fota start --http: the device runs and reports the update', async () => {
    const broker = startCli(['broker', '--port', '0', '--alpn-port', '0', '--api-port', '0', '--json'], env);
    running.push(broker);
    const ready = (await broker.nextEvent('ready')) as { endpoint: string; mqttPort: number };
    const project = path.join(work, 'demo');
    await cli(['project', 'init', 'demo', project]);
    await cli(['things', 'add', project, '--count', '1']);
    const creds = path.join(work, 'credentials.json');
    await writeFile(
      creds,
      JSON.stringify([
        { secTag: 201, type: 0, file: 'demo/ca.pem' },
        { secTag: 201, type: 1, file: 'demo/things/demo_0/certificate.pem.crt' },
        { secTag: 201, type: 2, file: 'demo/things/demo_0/private.pem.key' },
      ]),
    );
    const config = JSON.stringify({
      endpoint: ready.endpoint,
      port: ready.mqttPort,
      secTag: 201,
      clientId: 'demo_0',
      appTopics: ['demo_0/in'],
    });
    const v100 = path.join(work, 'app.bin');
    const v101 = path.join(work, 'app_update.bin');
    await cli(['image', 'build', '--app', 'aws_iot', '--version', '1.0.0', '--config', config, '-o', v100]);
    await cli([
      'image',
      'build',
      '--app',
      'aws_iot',
      '--version',
      '1.0.1',
      '--size',
      '60000',
      '--config',
      config,
      '-o',
      v101,
    ]);

    const device = startCli(
      [
        'device',
        'boot',
        '--name',
        'demo_0',
        '--serial',
        'none',
        '--credentials',
        creds,
        '--image',
        v100,
        '--json',
      ],
      env,
    );
    running.push(device);
    const reported = async (version: string): Promise<void> => {
      for (;;) {
        const e = (await device.nextEvent('app', 30_000)) as {
          app: string;
          state?: { reported?: { app_version?: string } };
        };
        if (e.app === 'shadow-update' && e.state?.reported?.app_version === version) return;
      }
    };
    await reported('1.0.0');
    // A presigned URL longer than download_client's default file name limit, and a Host header
    // without the port: both as a real device meets them.
    await cli(['fota', 'start', '--thing', 'demo_0', '--image', v101, '--http']);
    await reported('1.0.1');
  });
});
