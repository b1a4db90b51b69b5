import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createThing, startStandIn, type StandIn } from '../integration/broker-helpers.js';
import { credentialFiles } from './broker-helpers-files.js';
import { missingTools, tools } from '../helpers/system-tools.js';

const skip = missingTools(tools.mosquittoPub, tools.mosquittoSub);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], timeoutMs = 10_000): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

let s: StandIn;
let files: { cert: string; key: string; ca: string };

beforeAll(async () => {
  if (skip) return;
  s = await startStandIn();
  files = await credentialFiles(s.fixtures, await createThing(s.fixtures, 'mosq-thing'));
});
afterAll(async () => {
  if (!skip) await s.stop();
});

const tls = (): string[] => [
  '-h',
  'localhost',
  '--cafile',
  files.ca,
  '--cert',
  files.cert,
  '--key',
  files.key,
  '-i',
  'mosq-thing',
];

describe.skipIf(skip !== undefined)(
  `Debian mosquitto clients against the stand-in${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    it('mosquitto_sub sees the shadow delta of a console update; a foreign client id is refused', async () => {
      const port = String(s.fixtures.endpoints.mqttPort);
      const subscribed = run('mosquitto_sub', [
        ...tls(),
        '-p',
        port,
        '-t',
        '$aws/things/mosq-thing/shadow/update/delta',
        '-C',
        '1',
        '-W',
        '8',
        '-q',
        '1',
      ]);
      await waitForSubscription(s, 'mosq-thing');
      const pub = await run('curl', [
        '-s',
        '-X',
        'POST',
        `${s.fixtures.endpoints.apiUrl}/things/mosq-thing/shadow`,
        '-d',
        '{"state":{"desired":{"led":"green"}}}',
      ]);
      expect(pub.code).toBe(0);
      const got = await subscribed;
      expect(got.code).toBe(0);
      expect(JSON.parse(got.stdout)).toMatchObject({ state: { led: 'green' }, version: 1 });

      const foreign = await run('mosquitto_sub', [
        ...tls(),
        '-i',
        'someone-else',
        '-p',
        port,
        '-t',
        'mosq-thing/x',
        '-C',
        '1',
        '-W',
        '3',
      ]);
      expect(foreign.code).not.toBe(0);
    });

    it('mosquitto_pub with --tls-alpn x-amzn-mqtt-ca on the ALPN listener gets PUBACK; without ALPN it is refused', async () => {
      const port = String(s.fixtures.endpoints.alpnPort);
      const ok = await run('mosquitto_pub', [
        ...tls(),
        '-p',
        port,
        '--tls-alpn',
        'x-amzn-mqtt-ca',
        '-t',
        'mosq-thing/hello',
        '-m',
        'hi',
        '-q',
        '1',
        '-d',
      ]);
      expect(ok.code).toBe(0);
      expect(ok.stdout).toMatch(/received PUBACK/);
      const refused = await run('mosquitto_pub', [
        ...tls(),
        '-p',
        port,
        '-t',
        'mosq-thing/hello',
        '-m',
        'hi',
        '-q',
        '1',
      ]);
      expect(refused.code).not.toBe(0);
    });

    it("mosquitto_pub to another thing's shadow is disconnected", async () => {
      const r = await run('mosquitto_pub', [
        ...tls(),
        '-p',
        String(s.fixtures.endpoints.mqttPort),
        '-t',
        '$aws/things/other/shadow/update',
        '-m',
        '{}',
        '-q',
        '1',
        '-d',
      ]);
      expect(r.stdout).not.toMatch(/received PUBACK/);
      expect(r.code).not.toBe(0);
    });
  },
);

async function waitForSubscription(s: StandIn, clientId: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (s.fixtures.log.recent({ type: 'subscribed', clientId }).length > 0) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${clientId} never subscribed`);
}
