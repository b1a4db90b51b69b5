import { describe, expect, it } from 'vitest';
import {
  CompiledPolicies,
  defaultThingPolicy,
  parsePolicyDocument,
  type PolicyVariables,
} from '../../broker-fixtures/index.js';

const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';
const vars = (clientId: string, thingName?: string): PolicyVariables => ({
  clientId,
  certificateId: 'c'.repeat(64),
  region: REGION,
  accountId: ACCOUNT,
  ...(thingName ? { thingName } : {}),
});

describe('AWS IoT policy evaluation (cloud-services §3.9)', () => {
  const defaultDoc = parsePolicyDocument(defaultThingPolicy(REGION, ACCOUNT));

  it('the default policy confines a thing to its own client id and topics', () => {
    const p = new CompiledPolicies([defaultDoc], vars('dev-a', 'dev-a'));
    expect(p.allows('iot:Connect', 'dev-a')).toBe(true);
    expect(p.allows('iot:Connect', 'dev-b')).toBe(false);
    expect(p.allows('iot:Publish', '$aws/things/dev-a/shadow/update')).toBe(true);
    expect(p.allows('iot:Publish', '$aws/things/dev-b/shadow/update')).toBe(false);
    expect(p.allows('iot:Subscribe', '$aws/things/dev-a/shadow/get/+')).toBe(true);
    expect(p.allows('iot:Subscribe', '$aws/things/+/shadow/get/+')).toBe(false);
    expect(p.allows('iot:Subscribe', '#')).toBe(false);
    expect(p.allows('iot:Receive', '$aws/things/dev-b/jobs/notify')).toBe(false);
    expect(p.allows('iot:Publish', 'dev-a/telemetry')).toBe(true);
    expect(p.allows('iot:RetainPublish', 'dev-a/telemetry')).toBe(false);
  });

  it('an unattached thing leaves ThingName unresolved, so nothing matches', () => {
    const p = new CompiledPolicies([defaultDoc], vars('dev-a'));
    expect(p.allows('iot:Connect', 'dev-a')).toBe(false);
    expect(p.allows('iot:Publish', '$aws/things/dev-a/shadow/update')).toBe(false);
  });

  it('an explicit Deny wins over an Allow; wildcards in actions and resources', () => {
    const doc = parsePolicyDocument(
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: 'iot:*', Resource: '*' },
          {
            Effect: 'Deny',
            Action: 'iot:Publish',
            Resource: `arn:aws:iot:${REGION}:${ACCOUNT}:topic/secret/*`,
          },
        ],
      }),
    );
    const p = new CompiledPolicies([doc], vars('x'));
    expect(p.allows('iot:Publish', 'open/a')).toBe(true);
    expect(p.allows('iot:Publish', 'secret/a')).toBe(false);
    expect(p.allows('iot:Receive', 'secret/a')).toBe(true);
  });

  it('treats * and ? inside a client id as literal text, and ${*} as a literal star', () => {
    const doc = parsePolicyDocument(
      JSON.stringify({
        Statement: [
          {
            Effect: 'Allow',
            Action: 'iot:Publish',
            Resource: `arn:aws:iot:${REGION}:${ACCOUNT}:topic/\${iot:ClientId}/x`,
          },
          {
            Effect: 'Allow',
            Action: 'iot:Subscribe',
            Resource: `arn:aws:iot:${REGION}:${ACCOUNT}:topicfilter/lit/\${*}`,
          },
        ],
      }),
    );
    const p = new CompiledPolicies([doc], vars('a*'));
    expect(p.allows('iot:Publish', 'a*/x')).toBe(true);
    expect(p.allows('iot:Publish', 'abc/x')).toBe(false);
    expect(p.allows('iot:Subscribe', 'lit/*')).toBe(true);
    expect(p.allows('iot:Subscribe', 'lit/abc')).toBe(false);
  });

  it('refuses malformed documents with a clear error', () => {
    expect(() => parsePolicyDocument('{')).toThrow(/not JSON/);
    expect(() =>
      parsePolicyDocument('{"Statement":[{"Effect":"Maybe","Action":"iot:*","Resource":"*"}]}'),
    ).toThrow(/Effect/);
    expect(() => parsePolicyDocument('{"Statement":[]}')).toThrow(/Statement/);
  });
});
