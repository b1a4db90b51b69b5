import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { CreateThingCommand, IoTClient } from '@aws-sdk/client-iot';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, startCli, type CliProcess } from '../helpers/cli.js';
import { tempStateDir } from './broker-helpers.js';

const running: CliProcess[] = [];
const dirs: string[] = [];
afterAll(async () => {
  for (const p of running) await p.stop();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const KEY = { accessKeyId: 'AKIACLITEST000000000', secretAccessKey: 'cli-test-secret' };

describe('nrf91sim broker serves the AWS API', () => {
  it('puts awsApiUrl on the ready line and in console.json, verifies --aws-access-key, and the console sees what the SDK created', async () => {
    const state = await tempStateDir();
    dirs.push(state);
    const broker = startCli([
      'broker',
      '--state',
      state,
      '--port',
      '0',
      '--alpn-port',
      '0',
      '--api-port',
      '0',
      '--aws-api-port',
      '0',
      '--aws-access-key',
      `${KEY.accessKeyId}:${KEY.secretAccessKey}`,
      '--no-s3',
      '--json',
    ]);
    running.push(broker);
    const ready = await broker.nextEvent('ready', 30_000);
    expect(ready.awsApiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const marker = JSON.parse(await readFile(path.join(state, 'broker', 'console.json'), 'utf8')) as {
      awsApiUrl?: string;
    };
    expect(marker.awsApiUrl).toBe(ready.awsApiUrl);

    const config = { endpoint: ready.awsApiUrl as string, region: 'eu-west-1' };
    const good = new IoTClient({ ...config, credentials: KEY });
    await good.send(new CreateThingCommand({ thingName: 'from-sdk' }));
    const bad = new IoTClient({ ...config, credentials: { ...KEY, secretAccessKey: 'wrong' } });
    await expect(bad.send(new CreateThingCommand({ thingName: 'refused' }))).rejects.toMatchObject({
      name: 'InvalidSignatureException',
    });
    good.destroy();
    bad.destroy();

    // The console (the CLI's API) sees what the SDK created: the same registry.
    const things = (await (await fetch(`${ready.apiUrl as string}/things`)).json()) as {
      things: Array<{ thingName: string }>;
    };
    expect(things.things.map((t) => t.thingName)).toEqual(['from-sdk']);
  }, 60_000);

  it('refuses a malformed --aws-access-key with a clear message', async () => {
    const state = await tempStateDir();
    dirs.push(state);
    const r = await runCli(['broker', '--state', state, '--aws-access-key', 'no-colon', '--json']);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toContain('--aws-access-key takes ACCESS_KEY_ID:SECRET_ACCESS_KEY');
  }, 30_000);
});
