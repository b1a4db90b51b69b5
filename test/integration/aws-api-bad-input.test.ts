import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStandIn, type StandIn } from './broker-helpers.js';

let s: StandIn;
beforeAll(async () => {
  s = await startStandIn();
});
afterAll(async () => {
  await s?.stop();
});

/** A well-formed SigV4 header for `service` (the stand-in verifies nothing more without configured keys). */
function signed(service: string): Record<string, string> {
  return {
    'x-amz-date': '20260101T000000Z',
    authorization: `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/eu-west-1/${service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`,
  };
}

async function call(
  method: string,
  path: string,
  body?: string | Buffer,
  service = 'iot',
): Promise<{ status: number; type: string | null; message: unknown }> {
  const res = await fetch(`${s.fixtures.endpoints.awsApiUrl}${path}`, {
    method,
    headers: signed(service),
    ...(body !== undefined ? { body } : {}),
  });
  const json = (await res.json()) as { message?: unknown };
  return { status: res.status, type: res.headers.get('x-amzn-errortype'), message: json.message };
}

describe('the AWS API on wrong input', () => {
  it('answers each with AWS error shapes and keeps serving', async () => {
    expect(await call('POST', '/things/ok-thing', '{"attributePayload":')).toMatchObject({
      status: 400,
      type: 'SerializationException',
    });
    expect(await call('POST', '/things/ok-thing', '[1,2]')).toMatchObject({
      status: 400,
      type: 'InvalidRequestException',
    });
    const deep = '['.repeat(10_000) + ']'.repeat(10_000);
    expect((await call('PUT', '/jobs/deep', deep)).status).toBe(400);
    expect(await call('GET', '/things/%ZZ')).toMatchObject({ status: 400, type: 'InvalidRequestException' });
    expect(await call('GET', '/no/such/operation')).toMatchObject({
      status: 403,
      type: 'MissingAuthenticationTokenException',
    });
    expect(await call('PUT', '/things/ok-thing')).toMatchObject({
      status: 405,
      type: 'MethodNotAllowedException',
    });
    expect(await call('GET', '/things', undefined, 'sqs')).toMatchObject({
      status: 400,
      type: 'UnrecognizedClientException',
    });
    expect(await call('POST', '/things/big', Buffer.alloc(2 * 1024 * 1024, 0x20))).toMatchObject({
      status: 413,
      type: 'RequestEntityTooLargeException',
    });
    expect(await call('PUT', '/certificates/abc?newStatus=SOMETHING')).toMatchObject({
      status: 400,
      type: 'InvalidRequestException',
    });
    expect(await call('POST', '/topics/a%2B?qos=1', 'x', 'iotdata')).toMatchObject({
      status: 400,
      type: 'InvalidRequestException',
    });
    expect(await call('POST', '/topics/a?qos=2', 'x', 'iotdata')).toMatchObject({
      status: 400,
      type: 'InvalidRequestException',
    });
    expect(await call('GET', '/things?maxResults=0')).toMatchObject({
      status: 400,
      type: 'InvalidRequestException',
    });
    expect(await call('GET', '/things?nextToken=garbage')).toMatchObject({
      status: 400,
      type: 'InvalidRequestException',
    });

    // Still serving, and nothing half-made.
    expect(await call('POST', '/things/ok-thing', '{}')).toMatchObject({ status: 200 });
    expect((await s.fixtures.registry.listThings()).map((t) => t.thingName)).toEqual(['ok-thing']);
  });
});
