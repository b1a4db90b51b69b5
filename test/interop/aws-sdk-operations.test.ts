import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import {
  AddThingToThingGroupCommand,
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CancelJobCommand,
  CancelJobExecutionCommand,
  CreateCertificateFromCsrCommand,
  CreateJobCommand,
  CreatePolicyCommand,
  CreateProvisioningTemplateCommand,
  CreateThingCommand,
  CreateThingGroupCommand,
  DeleteCertificateCommand,
  DeleteJobCommand,
  DeleteThingCommand,
  DeleteThingGroupCommand,
  DescribeCACertificateCommand,
  DescribeJobExecutionCommand,
  DescribeProvisioningTemplateCommand,
  DescribeThingCommand,
  DescribeThingGroupCommand,
  DetachPolicyCommand,
  DetachThingPrincipalCommand,
  GetJobDocumentCommand,
  GetPolicyCommand,
  InvalidStateTransitionException,
  IoTClient,
  ListCACertificatesCommand,
  ListCertificatesCommand,
  ListJobExecutionsForThingCommand,
  ListJobsCommand,
  ListPoliciesCommand,
  ListPrincipalThingsCommand,
  ListProvisioningTemplatesCommand,
  ListTargetsForPolicyCommand,
  ListThingGroupsCommand,
  ListThingGroupsForThingCommand,
  ListThingsInThingGroupCommand,
  paginateListThings,
  RegisterCACertificateCommand,
  RegisterCertificateCommand,
  RemoveThingFromThingGroupCommand,
  ResourceNotFoundException,
  UpdateCertificateCommand,
  UpdateThingCommand,
  VersionConflictException,
} from '@aws-sdk/client-iot';
import {
  DeleteThingShadowCommand,
  IoTDataPlaneClient,
  ListNamedShadowsForThingCommand,
  ListRetainedMessagesCommand,
  PublishCommand,
  UpdateThingShadowCommand,
} from '@aws-sdk/client-iot-data-plane';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CertificateAuthority } from '../../broker-fixtures/index.js';
import { systemClock } from '../../core/clock.js';
import { connectClient, OPEN_POLICY, startStandIn, type StandIn } from '../integration/broker-helpers.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const credentials = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'example' };
let s: StandIn;
let iot: IoTClient;
let data: IoTDataPlaneClient;

beforeAll(async () => {
  s = await startStandIn();
  const config = { endpoint: s.fixtures.endpoints.awsApiUrl!, region: 'eu-west-1', credentials };
  iot = new IoTClient(config);
  data = new IoTDataPlaneClient(config);
});

afterAll(async () => {
  iot?.destroy();
  data?.destroy();
  await s?.stop();
});

const ARN = 'arn:aws:iot:eu-west-1:123456789012';

describe('the rest of the AWS IoT operations through the SDK', () => {
  it('things: attributes merged and removed, versions, paging, DeleteThing with expectedVersion', async () => {
    for (let i = 0; i < 5; i++) await iot.send(new CreateThingCommand({ thingName: `page-${i}` }));
    const names: string[] = [];
    for await (const page of paginateListThings({ client: iot, pageSize: 2 }, {}))
      names.push(...(page.things ?? []).map((t) => t.thingName!));
    expect(names.filter((n) => n.startsWith('page-')).sort()).toEqual([
      'page-0',
      'page-1',
      'page-2',
      'page-3',
      'page-4',
    ]);

    await iot.send(
      new CreateThingCommand({ thingName: 'attrs', attributePayload: { attributes: { a: '1', b: '2' } } }),
    );
    await iot.send(
      new UpdateThingCommand({
        thingName: 'attrs',
        attributePayload: { attributes: { b: '', c: '3' }, merge: true },
      }),
    );
    expect(await iot.send(new DescribeThingCommand({ thingName: 'attrs' }))).toMatchObject({
      attributes: { a: '1', c: '3' },
      version: 2,
    });
    await expect(
      iot.send(new DeleteThingCommand({ thingName: 'attrs', expectedVersion: 1 })),
    ).rejects.toBeInstanceOf(VersionConflictException);
    await iot.send(new DeleteThingCommand({ thingName: 'attrs', expectedVersion: 2 }));
    await expect(iot.send(new DescribeThingCommand({ thingName: 'attrs' }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
  });

  it('certificates from a CSR and registered ones; principals and policies attached, listed and detached; deleted once inactive', async () => {
    const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
      'sign',
      'verify',
    ])) as webcrypto.CryptoKeyPair;
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({
      name: 'CN=csr-device',
      keys,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    });
    const fromCsr = await iot.send(
      new CreateCertificateFromCsrCommand({
        certificateSigningRequest: csr.toString('pem'),
        setAsActive: true,
      }),
    );
    expect(fromCsr.certificateArn).toBe(`${ARN}:cert/${fromCsr.certificateId}`);

    const other = await CertificateAuthority.create('elsewhere', systemClock);
    const outside = await other.issue({ commonName: 'registered-device' });
    const registered = await iot.send(
      new RegisterCertificateCommand({ certificatePem: outside.certificatePem, status: 'INACTIVE' }),
    );
    expect(registered.certificateId).toBe(outside.certificateId);
    const listed = await iot.send(new ListCertificatesCommand({}));
    expect(listed.certificates?.map((c) => [c.certificateId, c.status])).toEqual(
      expect.arrayContaining([
        [fromCsr.certificateId, 'ACTIVE'],
        [outside.certificateId, 'INACTIVE'],
      ]),
    );

    await iot.send(new CreateThingCommand({ thingName: 'csr-device' }));
    await iot.send(
      new AttachThingPrincipalCommand({ thingName: 'csr-device', principal: fromCsr.certificateArn! }),
    );
    expect(
      (await iot.send(new ListPrincipalThingsCommand({ principal: fromCsr.certificateArn! }))).things,
    ).toEqual(['csr-device']);
    await iot.send(new CreatePolicyCommand({ policyName: 'ops-policy', policyDocument: OPEN_POLICY }));
    await iot.send(new AttachPolicyCommand({ policyName: 'ops-policy', target: fromCsr.certificateArn! }));
    expect((await iot.send(new GetPolicyCommand({ policyName: 'ops-policy' }))).policyDocument).toBe(
      OPEN_POLICY,
    );
    expect((await iot.send(new ListPoliciesCommand({}))).policies?.map((p) => p.policyName)).toContain(
      'ops-policy',
    );
    expect((await iot.send(new ListTargetsForPolicyCommand({ policyName: 'ops-policy' }))).targets).toEqual([
      fromCsr.certificateArn,
    ]);
    await iot.send(new DetachPolicyCommand({ policyName: 'ops-policy', target: fromCsr.certificateArn! }));
    await iot.send(
      new DetachThingPrincipalCommand({ thingName: 'csr-device', principal: fromCsr.certificateArn! }),
    );
    await iot.send(
      new UpdateCertificateCommand({ certificateId: fromCsr.certificateId!, newStatus: 'INACTIVE' }),
    );
    await iot.send(new DeleteCertificateCommand({ certificateId: fromCsr.certificateId! }));
    expect(await s.fixtures.registry.getCertificate(fromCsr.certificateId!)).toBeUndefined();
  });

  it('RegisterCACertificate with a JITP template: a device certificate from that CA is provisioned on its first connection', async () => {
    const factory = await CertificateAuthority.create('factory CA', systemClock);
    await iot.send(new CreatePolicyCommand({ policyName: 'jitp-policy', policyDocument: OPEN_POLICY }));
    const templateBody = JSON.stringify({
      Parameters: {
        'AWS::IoT::Certificate::CommonName': { Type: 'String' },
        'AWS::IoT::Certificate::Id': { Type: 'String' },
      },
      Resources: {
        thing: {
          Type: 'AWS::IoT::Thing',
          Properties: { ThingName: { Ref: 'AWS::IoT::Certificate::CommonName' } },
        },
        certificate: {
          Type: 'AWS::IoT::Certificate',
          Properties: { CertificateId: { Ref: 'AWS::IoT::Certificate::Id' }, Status: 'ACTIVE' },
        },
        policy: { Type: 'AWS::IoT::Policy', Properties: { PolicyName: 'jitp-policy' } },
      },
    });
    const ca = await iot.send(
      new RegisterCACertificateCommand({
        caCertificate: factory.certificatePem,
        verificationCertificate: factory.certificatePem,
        setAsActive: true,
        allowAutoRegistration: true,
        registrationConfig: { templateBody },
      }),
    );
    expect(ca.certificateArn).toBe(`${ARN}:cacert/${ca.certificateId}`);
    expect(
      (await iot.send(new ListCACertificatesCommand({}))).certificates?.map((c) => c.certificateId),
    ).toContain(ca.certificateId);
    expect(
      await iot.send(new DescribeCACertificateCommand({ certificateId: ca.certificateId! })),
    ).toMatchObject({
      certificateDescription: { status: 'ACTIVE', autoRegistrationStatus: 'ENABLE' },
    });

    const device = await factory.issue({ commonName: 'jitp-device' });
    const creds = { cert: device.certificatePem, key: device.privateKeyPem! };
    await expect(connectClient(s.fixtures, creds, 'jitp-device')).rejects.toThrow();
    expect(await iot.send(new DescribeThingCommand({ thingName: 'jitp-device' }))).toMatchObject({
      thingName: 'jitp-device',
    });
    const c = await connectClient(s.fixtures, creds, 'jitp-device');
    await c.endAsync();

    await iot.send(
      new CreateProvisioningTemplateCommand({
        templateName: 'fleet-ops',
        templateBody,
        provisioningRoleArn: `arn:aws:iam::123456789012:role/provisioning`,
        enabled: true,
      }),
    );
    expect(
      await iot.send(new DescribeProvisioningTemplateCommand({ templateName: 'fleet-ops' })),
    ).toMatchObject({
      templateName: 'fleet-ops',
      enabled: true,
      templateBody,
    });
    expect(
      (await iot.send(new ListProvisioningTemplatesCommand({}))).templates?.map((t) => t.templateName),
    ).toContain('fleet-ops');
  });

  it('thing groups and jobs: membership listed both ways, job listing, document, cancel and delete', async () => {
    await iot.send(new CreateThingGroupCommand({ thingGroupName: 'ops-group' }));
    for (const thingName of ['ops-a', 'ops-b']) {
      await iot.send(new CreateThingCommand({ thingName }));
      await iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'ops-group', thingName }));
    }
    expect(
      (await iot.send(new ListThingsInThingGroupCommand({ thingGroupName: 'ops-group' }))).things,
    ).toEqual(['ops-a', 'ops-b']);
    expect((await iot.send(new ListThingGroupsForThingCommand({ thingName: 'ops-a' }))).thingGroups).toEqual([
      { groupName: 'ops-group', groupArn: `${ARN}:thinggroup/ops-group` },
    ]);
    expect((await iot.send(new ListThingGroupsCommand({}))).thingGroups?.map((g) => g.groupName)).toContain(
      'ops-group',
    );
    expect(
      (await iot.send(new DescribeThingGroupCommand({ thingGroupName: 'ops-group' }))).thingGroupArn,
    ).toBe(`${ARN}:thinggroup/ops-group`);

    const document = JSON.stringify({ operation: 'blink' });
    await iot.send(
      new CreateJobCommand({ jobId: 'ops-job', targets: [`${ARN}:thinggroup/ops-group`], document }),
    );
    expect((await iot.send(new GetJobDocumentCommand({ jobId: 'ops-job' }))).document).toBe(document);
    expect(
      (await iot.send(new ListJobsCommand({ thingGroupName: 'ops-group' }))).jobs?.map((j) => [
        j.jobId,
        j.status,
      ]),
    ).toEqual([['ops-job', 'IN_PROGRESS']]);
    expect(
      (await iot.send(new ListJobExecutionsForThingCommand({ thingName: 'ops-a' }))).executionSummaries,
    ).toEqual([
      expect.objectContaining({
        jobId: 'ops-job',
        jobExecutionSummary: expect.objectContaining({ status: 'QUEUED' }),
      }),
    ]);
    const execution = await iot.send(
      new DescribeJobExecutionCommand({ thingName: 'ops-a', jobId: 'ops-job' }),
    );
    expect(execution.execution).toMatchObject({
      status: 'QUEUED',
      thingArn: `${ARN}:thing/ops-a`,
      versionNumber: 1,
    });
    expect(execution.execution?.queuedAt).toBeInstanceOf(Date);

    await iot.send(new CancelJobExecutionCommand({ thingName: 'ops-a', jobId: 'ops-job' }));
    await expect(
      iot.send(new CancelJobExecutionCommand({ thingName: 'ops-a', jobId: 'ops-job' })),
    ).rejects.toBeInstanceOf(InvalidStateTransitionException);
    await iot.send(new CancelJobCommand({ jobId: 'ops-job', comment: 'not needed' }));
    expect((await iot.send(new ListJobsCommand({ status: 'CANCELED' }))).jobs?.map((j) => j.jobId)).toContain(
      'ops-job',
    );
    await iot.send(new DeleteJobCommand({ jobId: 'ops-job' }));
    expect((await iot.send(new ListJobsCommand({}))).jobs?.map((j) => j.jobId)).not.toContain('ops-job');

    await iot.send(new RemoveThingFromThingGroupCommand({ thingGroupName: 'ops-group', thingName: 'ops-b' }));
    expect(
      (await iot.send(new ListThingsInThingGroupCommand({ thingGroupName: 'ops-group' }))).things,
    ).toEqual(['ops-a']);
    await iot.send(new DeleteThingGroupCommand({ thingGroupName: 'ops-group' }));
    await expect(
      iot.send(new DescribeThingGroupCommand({ thingGroupName: 'ops-group' })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('data plane: named shadows listed and deleted, retained messages listed', async () => {
    const doc = Buffer.from(JSON.stringify({ state: { reported: { on: true } } }));
    for (const shadowName of ['cfg', 'fw'])
      await data.send(new UpdateThingShadowCommand({ thingName: 'shadowed', shadowName, payload: doc }));
    expect(
      (await data.send(new ListNamedShadowsForThingCommand({ thingName: 'shadowed' }))).results?.sort(),
    ).toEqual(['cfg', 'fw']);
    const deleted = await data.send(
      new DeleteThingShadowCommand({ thingName: 'shadowed', shadowName: 'fw' }),
    );
    expect(JSON.parse(Buffer.from(deleted.payload!).toString())).toMatchObject({ version: 1 });
    expect((await data.send(new ListNamedShadowsForThingCommand({ thingName: 'shadowed' }))).results).toEqual(
      ['cfg'],
    );

    await data.send(
      new PublishCommand({ topic: 'ops/retained', retain: true, qos: 1, payload: Buffer.from('abc') }),
    );
    expect((await data.send(new ListRetainedMessagesCommand({}))).retainedTopics).toEqual(
      expect.arrayContaining([expect.objectContaining({ topic: 'ops/retained', payloadSize: 3, qos: 1 })]),
    );
  });
});
