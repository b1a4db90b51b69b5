import { systemClock } from '../../core/clock.js';
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CertificateAuthority, DEFAULT_POLICY_NAME } from '../../broker-fixtures/index.js';
import { connectClient, createThing, nextMessages, startStandIn, type StandIn } from './broker-helpers.js';

let s: StandIn;
beforeAll(async () => {
  s = await startStandIn();
});
afterAll(() => s.stop());

const THING_TEMPLATE = (nameRef: object) =>
  JSON.stringify({
    Parameters: {
      'AWS::IoT::Certificate::Id': { Type: 'String' },
      SerialNumber: { Type: 'String', Default: '0' },
    },
    Resources: {
      thing: {
        Type: 'AWS::IoT::Thing',
        Properties: { ThingName: nameRef, AttributePayload: { serial: { Ref: 'SerialNumber' } } },
      },
      certificate: {
        Type: 'AWS::IoT::Certificate',
        Properties: { CertificateId: { Ref: 'AWS::IoT::Certificate::Id' }, Status: 'ACTIVE' },
      },
      policy: { Type: 'AWS::IoT::Policy', Properties: { PolicyName: DEFAULT_POLICY_NAME } },
    },
    DeviceConfiguration: { region: 'local' },
  });

describe('just-in-time provisioning (§3.10)', () => {
  it('drops the first connection of an unknown certificate from a registered CA, accepts the next', async () => {
    await s.fixtures.provisioning.ensurePolicy(DEFAULT_POLICY_NAME);
    const factoryCa = await CertificateAuthority.create('factory CA', systemClock);
    await s.fixtures.registry.createTemplate(
      'jitp',
      THING_TEMPLATE({ Ref: 'AWS::IoT::Certificate::CommonName' }),
    );
    const reg = await fetch(`${s.fixtures.endpoints.apiUrl}/cas`, {
      method: 'POST',
      body: JSON.stringify({ caCertificatePem: factoryCa.certificatePem, provisioningTemplate: 'jitp' }),
    });
    expect(reg.status).toBe(201);
    const device = await factoryCa.issue({ commonName: 'nrf-352656100000001' });
    const creds = { cert: device.certificatePem, key: device.privateKeyPem! };

    await expect(connectClient(s.fixtures, creds, 'nrf-352656100000001')).rejects.toThrow(/before CONNACK/);
    const thing = await s.fixtures.registry.getThing('nrf-352656100000001');
    expect(thing?.principals).toEqual([device.certificateId]);
    expect((await s.fixtures.registry.getCertificate(device.certificateId))?.status).toBe('ACTIVE');

    const c = await connectClient(s.fixtures, creds, 'nrf-352656100000001');
    await c.subscribeAsync('$aws/things/nrf-352656100000001/shadow/get/+', { qos: 1 });
    await c.endAsync();
  });
});

describe('fleet provisioning by claim (§3.11)', () => {
  it('CreateKeysAndCertificate then RegisterThing; the new certificate connects as the new thing', async () => {
    await s.fixtures.registry.createTemplate(
      'fleet',
      THING_TEMPLATE({ 'Fn::Join': ['', ['dev-', { Ref: 'SerialNumber' }]] }),
    );
    await s.fixtures.registry.createPolicy(
      'claim',
      JSON.stringify({
        Statement: [
          { Effect: 'Allow', Action: 'iot:Connect', Resource: '*' },
          {
            Effect: 'Allow',
            Action: ['iot:Publish', 'iot:Receive'],
            Resource: [
              'arn:aws:iot:*:*:topic/$aws/certificates/*',
              'arn:aws:iot:*:*:topic/$aws/provisioning-templates/fleet/*',
            ],
          },
          {
            Effect: 'Allow',
            Action: 'iot:Subscribe',
            Resource: [
              'arn:aws:iot:*:*:topicfilter/$aws/certificates/*',
              'arn:aws:iot:*:*:topicfilter/$aws/provisioning-templates/fleet/*',
            ],
          },
        ],
      }),
    );
    const claim = await createThing(s.fixtures, 'claim-holder', 'claim');
    const c = await connectClient(s.fixtures, claim, 'claim-session-1');
    await c.subscribeAsync(
      ['$aws/certificates/create/json/+', '$aws/provisioning-templates/fleet/provision/json/+'],
      { qos: 1 },
    );

    const created = nextMessages(c, '$aws/certificates/create/json/+', 1);
    await c.publishAsync('$aws/certificates/create/json', '', { qos: 1 });
    const [reply] = await created;
    expect(reply!.topic).toBe('$aws/certificates/create/json/accepted');
    const cert = JSON.parse(reply!.payload) as {
      certificateId: string;
      certificatePem: string;
      privateKey: string;
      certificateOwnershipToken: string;
    };
    expect(cert.privateKey).toContain('PRIVATE KEY');
    expect((await s.fixtures.registry.getCertificate(cert.certificateId))?.status).toBe('PENDING_ACTIVATION');

    const bad = nextMessages(c, '$aws/provisioning-templates/fleet/provision/json/+', 1);
    await c.publishAsync(
      '$aws/provisioning-templates/fleet/provision/json',
      JSON.stringify({ certificateOwnershipToken: 'nope' }),
      { qos: 1 },
    );
    const [rejected] = await bad;
    expect(rejected!.topic).toBe('$aws/provisioning-templates/fleet/provision/json/rejected');
    expect(JSON.parse(rejected!.payload)).toMatchObject({
      statusCode: 400,
      errorCode: 'InvalidCertificateOwnershipToken',
    });

    const provisioned = nextMessages(c, '$aws/provisioning-templates/fleet/provision/json/+', 1);
    await c.publishAsync(
      '$aws/provisioning-templates/fleet/provision/json',
      JSON.stringify({
        certificateOwnershipToken: cert.certificateOwnershipToken,
        parameters: { SerialNumber: '42' },
      }),
      { qos: 1 },
    );
    const [done] = await provisioned;
    expect(JSON.parse(done!.payload)).toEqual({
      deviceConfiguration: { region: 'local' },
      thingName: 'dev-42',
    });
    await c.endAsync();

    const device = await connectClient(
      s.fixtures,
      { cert: cert.certificatePem, key: cert.privateKey },
      'dev-42',
    );
    await device.subscribeAsync('$aws/things/dev-42/shadow/update/delta', { qos: 1 });
    await device.endAsync();
  });

  it("CreateCertificateFromCsr signs the device's own key", async () => {
    const claim = await createThing(s.fixtures, 'claim-holder-2', 'claim');
    const c = await connectClient(s.fixtures, claim, 'claim-session-2');
    await c.subscribeAsync('$aws/certificates/create-from-csr/json/+', { qos: 1 });
    x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
    const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
    const keys = (await webcrypto.subtle.generateKey(alg, true, [
      'sign',
      'verify',
    ])) as webcrypto.CryptoKeyPair;
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({
      name: 'CN=csr-device',
      keys,
      signingAlgorithm: alg,
    });
    const reply = nextMessages(c, '$aws/certificates/create-from-csr/json/+', 2);
    await c.publishAsync(
      '$aws/certificates/create-from-csr/json',
      JSON.stringify({ certificateSigningRequest: csr.toString('pem') }),
      { qos: 1 },
    );
    await c.publishAsync(
      '$aws/certificates/create-from-csr/json',
      JSON.stringify({ certificateSigningRequest: 'garbage' }),
      { qos: 1 },
    );
    // The bad request is answered first (nothing to sign): match replies by topic, not order.
    const replies = await reply;
    const accepted = replies.find((m) => m.topic.endsWith('/accepted'));
    const rejected = replies.find((m) => m.topic.endsWith('/rejected'));
    expect(accepted!.topic).toBe('$aws/certificates/create-from-csr/json/accepted');
    const body = JSON.parse(accepted!.payload) as { certificatePem: string; privateKey?: string };
    expect(body.privateKey).toBeUndefined();
    const issued = new x509.X509Certificate(body.certificatePem);
    expect(issued.publicKey.rawData).toEqual(csr.publicKey.rawData);
    expect(rejected!.topic).toBe('$aws/certificates/create-from-csr/json/rejected');
    expect(JSON.parse(rejected!.payload)).toMatchObject({ statusCode: 400, errorCode: 'InvalidPayload' });
    await c.endAsync();
  });
});
