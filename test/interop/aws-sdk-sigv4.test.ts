import { DescribeEndpointCommand, IoTClient, ListThingsCommand } from '@aws-sdk/client-iot';
import { GetThingShadowCommand, IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStandIn, type StandIn } from '../integration/broker-helpers.js';

const KEY = {
  accessKeyId: 'AKIAEXAMPLEVERIFIED1',
  secretAccessKey: 'the-configured-secret-access-key-000000',
};

let verifying: StandIn;
let open: StandIn;

beforeAll(async () => {
  verifying = await startStandIn({ awsCredentials: [KEY] });
  open = await startStandIn();
});

afterAll(async () => {
  await verifying?.stop();
  await open?.stop();
});

function client(s: StandIn, credentials: { accessKeyId: string; secretAccessKey: string }): IoTClient {
  return new IoTClient({ endpoint: s.fixtures.endpoints.awsApiUrl!, region: 'eu-west-1', credentials });
}

describe('SigV4 on the AWS API', () => {
  it('with access keys configured, verifies signatures: the right secret passes, a wrong one or an unknown key is refused as AWS refuses them', async () => {
    const good = client(verifying, KEY);
    await expect(good.send(new ListThingsCommand({}))).resolves.toMatchObject({ things: [] });
    // A path label that needs encoding is signed double-encoded, as non-S3 services sign it.
    const data = new IoTDataPlaneClient({
      endpoint: verifying.fixtures.endpoints.awsApiUrl!,
      region: 'eu-west-1',
      credentials: KEY,
    });
    await expect(
      data.send(new GetThingShadowCommand({ thingName: 'a:b', shadowName: 'cfg:v1' })),
    ).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    data.destroy();

    const wrongSecret = client(verifying, { ...KEY, secretAccessKey: 'not-the-secret' });
    await expect(wrongSecret.send(new ListThingsCommand({}))).rejects.toMatchObject({
      name: 'InvalidSignatureException',
      $metadata: { httpStatusCode: 403 },
    });
    const unknown = client(verifying, { accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: 'x' });
    await expect(unknown.send(new ListThingsCommand({}))).rejects.toMatchObject({
      name: 'UnrecognizedClientException',
      $metadata: { httpStatusCode: 403 },
    });
    for (const c of [good, wrongSecret, unknown]) c.destroy();
  });

  it('without access keys, any well-formed signature passes, and an unsigned request is refused', async () => {
    const anyKey = client(open, { accessKeyId: 'anything', secretAccessKey: 'whatever' });
    await expect(
      anyKey.send(new DescribeEndpointCommand({ endpointType: 'iot:Data-ATS' })),
    ).resolves.toMatchObject({
      endpointAddress: open.fixtures.endpoints.endpoint,
    });
    anyKey.destroy();
    const unsigned = await fetch(`${open.fixtures.endpoints.awsApiUrl}/things`);
    expect(unsigned.status).toBe(403);
    expect(unsigned.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
    expect(await unsigned.json()).toEqual({ message: 'Missing Authentication Token' });
  });
});
