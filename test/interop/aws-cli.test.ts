import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingTools, tools } from '../helpers/system-tools.js';
import { startStandIn, type StandIn } from '../integration/broker-helpers.js';

const skip = missingTools(tools.awscli);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let s: StandIn;
let home: string;

/** The AWS CLI with only `--endpoint-url`, a region and dummy keys: no profile, pager or metadata look-ups. */
function aws(args: string[], timeoutMs = 60_000): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(
      tools.awscli.command,
      [
        ...args,
        '--endpoint-url',
        s.fixtures.endpoints.awsApiUrl!,
        '--region',
        'eu-west-1',
        '--output',
        'json',
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: home,
          AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
          AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
          AWS_CONFIG_FILE: path.join(home, 'config'),
          AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'credentials'),
          AWS_PAGER: '',
          AWS_EC2_METADATA_DISABLED: 'true',
        },
      },
    );
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

beforeAll(async () => {
  if (skip) return;
  home = await mkdtemp(path.join(os.tmpdir(), 'nrf91sim-awscli-'));
  s = await startStandIn();
});

afterAll(async () => {
  await s?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

describe.skipIf(skip)("Debian's AWS CLI v2 with --endpoint-url", () => {
  it('aws iot describe-endpoint names the endpoint devices use', async () => {
    const r = await aws(['iot', 'describe-endpoint', '--endpoint-type', 'iot:Data-ATS']);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ endpointAddress: s.fixtures.endpoints.endpoint });
  }, 90_000);

  it('aws iot create-thing creates it in the registry; a missing thing fails with ResourceNotFoundException', async () => {
    const r = await aws([
      'iot',
      'create-thing',
      '--thing-name',
      'cli-thing',
      '--attribute-payload',
      'attributes={site=lab}',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      thingName: 'cli-thing',
      thingArn: 'arn:aws:iot:eu-west-1:123456789012:thing/cli-thing',
    });
    expect(await s.fixtures.registry.getThing('cli-thing')).toMatchObject({ attributes: { site: 'lab' } });

    const missing = await aws(['iot', 'describe-thing', '--thing-name', 'no-such-thing']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('(ResourceNotFoundException)');
  }, 120_000);

  it('aws iot-data update-thing-shadow writes the shadow and the response document', async () => {
    const out = path.join(home, 'shadow-response.json');
    const r = await aws([
      'iot-data',
      'update-thing-shadow',
      '--thing-name',
      'cli-shadow',
      '--cli-binary-format',
      'raw-in-base64-out',
      '--payload',
      JSON.stringify({ state: { reported: { temperature: 21 } } }),
      out,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(await readFile(out, 'utf8'))).toMatchObject({
      state: { reported: { temperature: 21 } },
      version: 1,
    });
    const stored = await s.fixtures.shadows.handle({ thingName: 'cli-shadow' }, 'get', '');
    expect(stored.body).toMatchObject({ state: { reported: { temperature: 21 } } });
  }, 90_000);
});
