import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { connectClient, nextMessages, tempStateDir } from './broker-helpers.js';
import type { BrokerFixtures } from '../../broker-fixtures/index.js';

const BIN = fileURLToPath(new URL('../../bin/nrf91sim.js', import.meta.url));
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function cli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function jsonLines(text: string): Array<Record<string, unknown>> {
  return text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('nrf91sim project / things / shadow / broker', () => {
  it('runs the thing workflow offline, then against a running broker that notifies devices', async () => {
    const work = await tempStateDir();
    dirs.push(work);
    const state = path.join(work, 'state');
    const project = path.join(work, 'demo');
    const env = { NRF91SIM_STATE: state };

    expect((await cli(['project', 'init', 'demo', project, '--json'], env)).code).toBe(0);
    const added = await cli(['things', 'add', project, '--count', '3', '--json'], env);
    expect(added.code).toBe(0);
    expect(jsonLines(added.stdout).at(-1)).toMatchObject({ event: 'added', count: 3, active: 'demo_0' });
    const conf = JSON.parse(await readFile(path.join(project, 'thing.conf.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(conf).toMatchObject({
      name: 'demo',
      thingName: 'demo_0',
      things: ['demo_0', 'demo_1', 'demo_2'],
      certificate: 'things/demo_0/certificate.pem.crt',
    });

    expect((await cli(['things', 'set-active', project, '--thing-id', '2'], env)).code).toBe(0);
    const list = jsonLines((await cli(['things', 'list', project, '--json'], env)).stdout);
    expect(list.map((t) => [t.thingName, t.active, t.status])).toEqual([
      ['demo_0', false, 'ACTIVE'],
      ['demo_1', false, 'ACTIVE'],
      ['demo_2', true, 'ACTIVE'],
    ]);

    const offline = await cli(
      ['shadow', 'update', '--thing', 'demo_2', '--reported', '{"fw":"1.0.0"}', '--json'],
      env,
    );
    expect(jsonLines(offline.stdout)[0]).toMatchObject({ event: 'update', document: { version: 1 } });
    const bad = await cli(
      [
        'shadow',
        'update',
        '--thing',
        'demo_2',
        '--reported',
        '{"fw":2}',
        '--expected-version',
        '9',
        '--json',
      ],
      env,
    );
    expect(bad.code).toBe(1);
    expect(jsonLines(bad.stdout)[0]).toMatchObject({ event: 'error', code: 'NRF91SIM_SHADOW_REJECTED' });

    const broker = spawn(
      process.execPath,
      [BIN, 'broker', '--port', '0', '--alpn-port', '0', '--api-port', '0', '--json'],
      { env: { ...process.env, ...env } },
    );
    try {
      const ready = await firstLine(broker);
      expect(ready).toMatchObject({
        event: 'ready',
        alpn: 'x-amzn-mqtt-ca',
        caFile: path.join(state, 'broker', 'ca', 'ca.crt'),
      });
      const fixtures = {
        endpoints: ready,
        ca: { certificatePem: await readFile(path.join(project, 'ca.pem'), 'utf8') },
      } as unknown as BrokerFixtures;
      const creds = {
        cert: await readFile(path.join(project, 'things/demo_2/certificate.pem.crt'), 'utf8'),
        key: await readFile(path.join(project, 'things/demo_2/private.pem.key'), 'utf8'),
      };
      const device = await connectClient(fixtures, creds, 'demo_2');
      await device.subscribeAsync('$aws/things/demo_2/shadow/update/delta', { qos: 1 });
      const delta = nextMessages(device, '$aws/things/demo_2/shadow/update/delta', 1);
      const upd = await cli(['shadow', 'update', '--thing', 'demo_2', '--desired', '{"fw":"1.1.0"}'], env);
      expect(upd.code).toBe(0);
      expect(JSON.parse((await delta)[0]!.payload)).toMatchObject({ state: { fw: '1.1.0' }, version: 2 });
      await device.endAsync();

      const busy = await cli([
        'broker',
        '--port',
        String(ready.mqttPort),
        '--alpn-port',
        '0',
        '--api-port',
        '0',
        '--state',
        path.join(work, 'other'),
        '--json',
      ]);
      expect(busy.code).toBe(1);
      expect(jsonLines(busy.stdout)[0]).toMatchObject({ event: 'error', code: 'NRF91SIM_PORT_IN_USE' });
    } finally {
      broker.kill('SIGINT');
      await new Promise((r) => broker.once('close', r));
    }

    const cleanup = await cli(['things', 'cleanup', project, '--json'], env);
    expect(jsonLines(cleanup.stdout)[0]).toMatchObject({ event: 'cleanup', removed: 3 });
    const after = JSON.parse(await readFile(path.join(project, 'thing.conf.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(after).toMatchObject({ things: [], thingName: null });
  });

  it('rejects bad input with a clear message and exit code', async () => {
    const r = await cli(['broker', '--port', 'eighty', '--json']);
    expect(r.code).toBe(1);
    expect(jsonLines(r.stdout)[0]).toMatchObject({ code: 'NRF91SIM_INVALID_ARGUMENT' });
    const p = await cli(['things', 'add', '/nonexistent/project']);
    expect(p.code).toBe(1);
    expect(p.stderr).toMatch(/not a device project/);
  });
});

function firstLine(child: ChildProcess): Promise<Record<string, unknown> & { mqttPort: number }> {
  return new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: child.stdout! });
    rl.once('line', (line) => resolve(JSON.parse(line) as Record<string, unknown> & { mqttPort: number }));
    child.once('close', () => reject(new Error('the broker exited before its ready line')));
  });
}
