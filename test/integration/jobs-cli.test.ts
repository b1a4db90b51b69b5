import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../helpers/cli.js';

let work: string;
let env: NodeJS.ProcessEnv;
let project: string;

const lines = (stdout: string): Array<Record<string, unknown>> =>
  stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

async function cli(
  ...args: string[]
): Promise<{ code: number | null; out: Array<Record<string, unknown>>; stderr: string }> {
  const r = await runCli([...args, '--json'], env);
  return { code: r.code, out: lines(r.stdout), stderr: r.stderr };
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'nrf91sim-jobs-cli-'));
  env = { NRF91SIM_STATE: path.join(work, 'state') };
  project = path.join(work, 'fleet');
  expect((await runCli(['project', 'init', 'fleet', project], env)).code).toBe(0);
  expect((await runCli(['things', 'add', project, '--count', '3'], env)).code).toBe(0);
});
afterAll(() => rm(work, { recursive: true, force: true }));

describe('nrf91sim jobs / thing-groups', () => {
  it('creates, lists, describes, cancels and deletes jobs on the state files, which a broker then serves', async () => {
    expect((await cli('thing-groups', 'create', 'north')).out[0]).toMatchObject({
      event: 'created',
      thingGroupName: 'north',
    });
    expect((await cli('thing-groups', 'add', 'north', 'fleet_1', 'fleet_2')).code).toBe(0);
    expect((await cli('thing-groups', 'list')).out).toEqual([
      expect.objectContaining({ thingGroupName: 'north', things: ['fleet_1', 'fleet_2'] }),
    ]);

    const docFile = path.join(work, 'doc.json');
    await writeFile(docFile, JSON.stringify({ operation: 'blink', times: 2 }));
    const created = await cli(
      'jobs',
      'create',
      'blink-1',
      '--thing',
      'fleet_0',
      '--thing-group',
      'north',
      '--document-file',
      docFile,
      '--retries',
      '1',
    );
    expect(created.out[0]).toMatchObject({
      event: 'created',
      jobId: 'blink-1',
      jobArn: 'arn:aws:iot:eu-west-1:123456789012:job/blink-1',
      running: false,
    });
    expect(
      (await cli('jobs', 'create', 'blink-2', '--thing', 'fleet_0', '--document', '{"operation":"noop"}'))
        .code,
    ).toBe(0);

    const described = (await cli('jobs', 'describe', 'blink-1')).out[0] as {
      job: Record<string, unknown>;
      document: unknown;
      executions: Array<{ thingName: string; status: string }>;
    };
    expect(described.document).toEqual({ operation: 'blink', times: 2 });
    expect(described.job).toMatchObject({
      status: 'IN_PROGRESS',
      jobExecutionsRetryConfig: { criteriaList: [{ failureType: 'ALL', numberOfRetries: 1 }] },
    });
    expect(described.executions.map((e) => [e.thingName, e.status])).toEqual([
      ['fleet_0', 'QUEUED'],
      ['fleet_1', 'QUEUED'],
      ['fleet_2', 'QUEUED'],
    ]);

    expect((await cli('jobs', 'cancel', 'blink-1', '--thing', 'fleet_2')).out[0]).toMatchObject({
      event: 'canceled',
      thingName: 'fleet_2',
    });
    const list = (await cli('jobs', 'list')).out;
    expect(list.map((j) => [j.jobId, j.status])).toEqual([
      ['blink-1', 'IN_PROGRESS'],
      ['blink-2', 'IN_PROGRESS'],
    ]);
    expect((await cli('jobs', 'cancel', 'blink-2', '--comment', 'not needed')).code).toBe(0);
    expect((await cli('jobs', 'list', '--status', 'CANCELED')).out.map((j) => j.jobId)).toEqual(['blink-2']);
    expect((await cli('jobs', 'delete', 'blink-2')).out[0]).toMatchObject({
      event: 'deleted',
      jobId: 'blink-2',
    });

    // The broker, started later on the same state, hands fleet_0 the job created offline.
    const broker = startCli(
      ['broker', '--port', '0', '--alpn-port', '0', '--api-port', '0', '--no-s3', '--json'],
      env,
    );
    try {
      const ready = (await broker.nextEvent('ready')) as { mqttPort: number; s3?: unknown };
      expect(ready.s3).toBeUndefined();
      const client = await mqtt.connectAsync({
        protocol: 'mqtts',
        host: '127.0.0.1',
        port: ready.mqttPort,
        servername: 'localhost',
        ca: await readFile(path.join(project, 'ca.pem')),
        cert: await readFile(path.join(project, 'things/fleet_0/certificate.pem.crt')),
        key: await readFile(path.join(project, 'things/fleet_0/private.pem.key')),
        clientId: 'fleet_0',
        protocolVersion: 4,
        reconnectPeriod: 0,
      });
      await client.subscribeAsync('$aws/things/fleet_0/jobs/$next/get/#', { qos: 1 });
      const answer = new Promise<Record<string, unknown>>((resolve) =>
        client.once('message', (_t, payload) =>
          resolve(JSON.parse(payload.toString()) as Record<string, unknown>),
        ),
      );
      await client.publishAsync('$aws/things/fleet_0/jobs/$next/get', '{"clientToken": ""}', { qos: 1 });
      expect(await answer).toMatchObject({
        execution: { jobId: 'blink-1', status: 'QUEUED', jobDocument: { operation: 'blink', times: 2 } },
      });
      // With a broker running, the CLI goes through its console.
      const viaConsole = await cli('jobs', 'create', 'blink-3', '--thing', 'fleet_1', '--document', '{}');
      expect(viaConsole.out[0]).toMatchObject({ jobId: 'blink-3', running: true });
      await client.endAsync();
    } finally {
      await broker.stop();
    }
  });

  it('answers bad input with clear errors and exit code 1', async () => {
    const notJson = path.join(work, 'bad.json');
    await writeFile(notJson, '{"operation": ');
    const bad = await cli('jobs', 'create', 'x1', '--thing', 'fleet_0', '--document-file', notJson);
    expect(bad.code).toBe(1);
    expect(bad.out[0]).toMatchObject({ event: 'error', code: 'NRF91SIM_JOB_DOCUMENT_INVALID' });
    expect(bad.stderr).toMatch(/bad\.json is not valid JSON/);
    expect(
      (
        await cli(
          'jobs',
          'create',
          'x1',
          '--thing',
          'fleet_0',
          '--document-file',
          path.join(work, 'none.json'),
        )
      ).out[0],
    ).toMatchObject({
      code: 'NRF91SIM_INVALID_ARGUMENT',
      message: expect.stringMatching(/cannot read .*none\.json: ENOENT/),
    });
    expect((await cli('jobs', 'create', 'x1', '--document', '{}')).out[0]).toMatchObject({
      code: 'NRF91SIM_INVALID_ARGUMENT',
    });
    expect(
      (await cli('jobs', 'create', 'x1', '--thing-group', 'nowhere', '--document', '{}')).out[0],
    ).toMatchObject({
      code: 'NRF91SIM_NOT_FOUND',
      message: 'thing group nowhere does not exist',
    });
    expect(
      (await cli('jobs', 'create', 'blink-1', '--thing', 'fleet_0', '--document', '{}')).out[0],
    ).toMatchObject({ code: 'NRF91SIM_ALREADY_EXISTS' });
    const placeholder = '{"u":"${aws:iot:s3-presigned-url:https://example.com/a}"}';
    expect(
      (await cli('jobs', 'create', 'x2', '--thing', 'fleet_0', '--document', placeholder)).out[0],
    ).toMatchObject({
      code: 'NRF91SIM_JOB_DOCUMENT_INVALID',
    });
    expect((await cli('jobs', 'describe', 'ghost')).out[0]).toMatchObject({ code: 'NRF91SIM_NOT_FOUND' });
    expect((await cli('jobs', 'cancel', 'blink-1', '--thing', 'fleet_2')).out[0]).toMatchObject({
      code: 'NRF91SIM_INVALID_STATE',
    });
  });
});
