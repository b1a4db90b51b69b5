import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingTools, tools } from '../helpers/system-tools.js';
import { startStandIn, type StandIn } from '../integration/broker-helpers.js';

const skip = missingTools(tools.boto3);

// boto3 code as written for AWS IoT Core; only endpoint_url and the dummy keys are the stand-in's.
const SCRIPT = `
import json, os, sys, boto3
url = os.environ["AWS_API_URL"]
session = boto3.session.Session(aws_access_key_id="AKIAIOSFODNN7EXAMPLE", aws_secret_access_key="dummy", region_name="eu-west-1")
iot = session.client("iot", endpoint_url=url)
data = session.client("iot-data", endpoint_url=url)
jobs = session.client("iot-jobs-data", endpoint_url=url)
out = {}
out["endpoint"] = iot.describe_endpoint(endpointType="iot:Data-ATS")["endpointAddress"]
out["thing"] = iot.create_thing(thingName="boto3-thing")["thingArn"]
keys = iot.create_keys_and_certificate(setAsActive=True)
out["key"] = keys["keyPair"]["PrivateKey"].splitlines()[0]
iot.attach_thing_principal(thingName="boto3-thing", principal=keys["certificateArn"])
out["principals"] = iot.list_thing_principals(thingName="boto3-thing")["principals"] == [keys["certificateArn"]]
data.update_thing_shadow(thingName="boto3-thing", payload=json.dumps({"state": {"desired": {"led": "on"}}}))
out["shadow"] = json.loads(data.get_thing_shadow(thingName="boto3-thing")["payload"].read())["state"]["desired"]
iot.create_job(jobId="boto3-job", targets=[out["thing"]], document=json.dumps({"operation": "reboot"}))
out["pending"] = [j["jobId"] for j in jobs.get_pending_job_executions(thingName="boto3-thing")["queuedJobs"]]
try:
    iot.describe_thing(thingName="no-such-thing")
except iot.exceptions.ResourceNotFoundException as e:
    out["missing"] = e.response["Error"]["Code"]
try:
    data.update_thing_shadow(thingName="boto3-thing", payload=json.dumps({"state": {"desired": {"led": "off"}}, "version": 9}))
except data.exceptions.ConflictException as e:
    out["conflict"] = e.response["Error"]["Code"]
print(json.dumps(out))
`;

let s: StandIn;

beforeAll(async () => {
  if (!skip) s = await startStandIn();
});
afterAll(async () => {
  await s?.stop();
});

function python(
  script: string,
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(tools.boto3.command, ['-c', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: '/nonexistent',
        AWS_EC2_METADATA_DISABLED: 'true',
        ...env,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe.skipIf(skip)("boto3 (Debian's python3-boto3) with endpoint_url", () => {
  it('provisions a thing, writes its shadow, creates a job it sees pending, and gets the modeled exceptions', async () => {
    const r = await python(SCRIPT, { AWS_API_URL: s.fixtures.endpoints.awsApiUrl! });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      endpoint: s.fixtures.endpoints.endpoint,
      thing: 'arn:aws:iot:eu-west-1:123456789012:thing/boto3-thing',
      key: '-----BEGIN RSA PRIVATE KEY-----',
      principals: true,
      shadow: { led: 'on' },
      pending: ['boto3-job'],
      missing: 'ResourceNotFoundException',
      conflict: 'ConflictException',
    });
  }, 90_000);
});
