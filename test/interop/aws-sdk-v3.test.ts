import { X509Certificate } from 'node:crypto';
import {
  AddThingToThingGroupCommand,
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreateJobCommand,
  CreateKeysAndCertificateCommand,
  CreatePolicyCommand,
  CreateThingCommand,
  CreateThingGroupCommand,
  DeleteCertificateCommand,
  DeletePolicyCommand,
  DescribeCertificateCommand,
  DescribeEndpointCommand,
  DescribeJobCommand,
  DescribeThingCommand,
  InvalidRequestException,
  IoTClient,
  ListAttachedPoliciesCommand,
  ListJobExecutionsForJobCommand,
  ListThingPrincipalsCommand,
  ListThingsCommand,
  ResourceNotFoundException,
  UpdateCertificateCommand,
  UpdateThingCommand,
  VersionConflictException,
  CertificateStateException,
  DeleteConflictException,
  ResourceAlreadyExistsException,
} from '@aws-sdk/client-iot';
import {
  ConflictException,
  GetRetainedMessageCommand,
  GetThingShadowCommand,
  InvalidRequestException as DataInvalidRequestException,
  IoTDataPlaneClient,
  PublishCommand,
  ResourceNotFoundException as DataResourceNotFoundException,
  UpdateThingShadowCommand,
} from '@aws-sdk/client-iot-data-plane';
import {
  DescribeJobExecutionCommand,
  GetPendingJobExecutionsCommand,
  IoTJobsDataPlaneClient,
  ResourceNotFoundException as JobsResourceNotFoundException,
  StartNextPendingJobExecutionCommand,
  UpdateJobExecutionCommand,
} from '@aws-sdk/client-iot-jobs-data-plane';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  closed,
  connectClient,
  nextMessages,
  OPEN_POLICY,
  startStandIn,
  type StandIn,
} from '../integration/broker-helpers.js';

// Only the endpoint and dummy credentials differ from code written for AWS IoT Core.
const credentials = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};

let s: StandIn;
let iot: IoTClient;
let data: IoTDataPlaneClient;
let jobsData: IoTJobsDataPlaneClient;
const devices: MqttClient[] = [];

beforeAll(async () => {
  s = await startStandIn();
  const config = { endpoint: s.fixtures.endpoints.awsApiUrl!, region: 'eu-west-1', credentials };
  iot = new IoTClient(config);
  data = new IoTDataPlaneClient(config);
  jobsData = new IoTJobsDataPlaneClient(config);
});

afterAll(async () => {
  for (const d of devices) d.end(true);
  iot?.destroy();
  data?.destroy();
  jobsData?.destroy();
  await s?.stop();
});

/** CreateThing + CreateKeysAndCertificate + AttachPolicy + AttachThingPrincipal, as a backend provisions. */
async function provision(thingName: string, policyName: string) {
  await iot.send(
    new CreateThingCommand({ thingName, attributePayload: { attributes: { model: 'nrf9160' } } }),
  );
  const keys = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
  await iot.send(new AttachPolicyCommand({ policyName, target: keys.certificateArn! }));
  await iot.send(new AttachThingPrincipalCommand({ thingName, principal: keys.certificateArn! }));
  return keys;
}

describe('AWS SDK for JavaScript v3 against the stand-in', () => {
  it('DescribeEndpoint names the endpoint devices connect to', async () => {
    const ats = await iot.send(new DescribeEndpointCommand({ endpointType: 'iot:Data-ATS' }));
    expect(ats.endpointAddress).toBe(s.fixtures.endpoints.endpoint);
    const jobs = await iot.send(new DescribeEndpointCommand({ endpointType: 'iot:Jobs' }));
    expect(jobs.endpointAddress).toBe('local.jobs.iot.eu-west-1.amazonaws.com');
  });

  it('provisions a thing with RSA keys and a policy, and the device connects; a shadow update through the data plane reaches it as a delta; revoking the certificate cuts it off', async () => {
    await iot.send(new CreatePolicyCommand({ policyName: 'sdk-open', policyDocument: OPEN_POLICY }));
    const keys = await provision('sdk-thing', 'sdk-open');
    // AWS issues RSA-2048 key pairs, the private key in PKCS#1.
    expect(keys.keyPair!.PrivateKey).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/);
    expect(keys.keyPair!.PublicKey).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    const x509 = new X509Certificate(keys.certificatePem!);
    expect(x509.publicKey.asymmetricKeyType).toBe('rsa');
    expect(x509.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(x509.checkIssued(new X509Certificate(s.fixtures.ca.certificatePem))).toBe(true);

    const thing = await iot.send(new DescribeThingCommand({ thingName: 'sdk-thing' }));
    expect(thing).toMatchObject({
      thingName: 'sdk-thing',
      thingArn: 'arn:aws:iot:eu-west-1:123456789012:thing/sdk-thing',
      attributes: { model: 'nrf9160' },
      version: 1,
    });
    const principals = await iot.send(new ListThingPrincipalsCommand({ thingName: 'sdk-thing' }));
    expect(principals.principals).toEqual([keys.certificateArn]);
    const attached = await iot.send(new ListAttachedPoliciesCommand({ target: keys.certificateArn! }));
    expect(attached.policies?.map((p) => p.policyName)).toEqual(['sdk-open']);
    const listed = await iot.send(new ListThingsCommand({}));
    expect(listed.things?.map((t) => t.thingName)).toContain('sdk-thing');

    const device = await connectClient(
      s.fixtures,
      { cert: keys.certificatePem!, key: keys.keyPair!.PrivateKey! },
      'sdk-thing',
    );
    devices.push(device);
    await device.subscribeAsync('$aws/things/sdk-thing/shadow/update/delta', { qos: 1 });
    const delta = nextMessages(device, '$aws/things/sdk-thing/shadow/update/delta', 1);
    const updated = await data.send(
      new UpdateThingShadowCommand({
        thingName: 'sdk-thing',
        payload: Buffer.from(JSON.stringify({ state: { desired: { led: 'on' } } })),
      }),
    );
    expect(JSON.parse(Buffer.from(updated.payload!).toString())).toMatchObject({
      state: { desired: { led: 'on' } },
      version: 1,
    });
    const [d] = await delta;
    expect(JSON.parse(d!.payload)).toMatchObject({ state: { led: 'on' }, version: 1 });
    const got = await data.send(new GetThingShadowCommand({ thingName: 'sdk-thing' }));
    expect(JSON.parse(Buffer.from(got.payload!).toString())).toMatchObject({
      state: { desired: { led: 'on' }, delta: { led: 'on' } },
    });

    // Publish through the data plane reaches the device; a retained one can be read back.
    await device.subscribeAsync('sdk/commands', { qos: 1 });
    const command = nextMessages(device, 'sdk/commands', 1);
    await data.send(
      new PublishCommand({
        topic: 'sdk/commands',
        qos: 1,
        retain: true,
        payload: Buffer.from('{"do":"blink"}'),
      }),
    );
    expect((await command)[0]!.payload).toBe('{"do":"blink"}');
    const retained = await data.send(new GetRetainedMessageCommand({ topic: 'sdk/commands' }));
    expect(Buffer.from(retained.payload!).toString()).toBe('{"do":"blink"}');

    // A live connection is closed as soon as its certificate is revoked, and a new one is refused.
    const gone = closed(device);
    await iot.send(
      new UpdateCertificateCommand({ certificateId: keys.certificateId!, newStatus: 'REVOKED' }),
    );
    await gone;
    const described = await iot.send(new DescribeCertificateCommand({ certificateId: keys.certificateId! }));
    expect(described.certificateDescription?.status).toBe('REVOKED');
    await expect(
      connectClient(s.fixtures, { cert: keys.certificatePem!, key: keys.keyPair!.PrivateKey! }, 'sdk-thing'),
    ).rejects.toThrow();
  });

  it('a job for a thing group: one device takes it over MQTT, one over the Jobs data plane, and both executions succeed', async () => {
    await iot.send(new CreatePolicyCommand({ policyName: 'sdk-jobs', policyDocument: OPEN_POLICY }));
    const mqttKeys = await provision('sdk-job-mqtt', 'sdk-jobs');
    await provision('sdk-job-http', 'sdk-jobs');
    const group = await iot.send(new CreateThingGroupCommand({ thingGroupName: 'sdk-fleet' }));
    for (const thingName of ['sdk-job-mqtt', 'sdk-job-http'])
      await iot.send(new AddThingToThingGroupCommand({ thingGroupName: 'sdk-fleet', thingName }));

    const device = await connectClient(
      s.fixtures,
      { cert: mqttKeys.certificatePem!, key: mqttKeys.keyPair!.PrivateKey! },
      'sdk-job-mqtt',
    );
    devices.push(device);
    await device.subscribeAsync(
      ['$aws/things/sdk-job-mqtt/jobs/notify-next', '$aws/things/sdk-job-mqtt/jobs/+/update/+'],
      {
        qos: 1,
      },
    );
    const notified = nextMessages(device, '$aws/things/sdk-job-mqtt/jobs/notify-next', 1);

    const created = await iot.send(
      new CreateJobCommand({
        jobId: 'sdk-reboot',
        targets: [group.thingGroupArn!],
        document: JSON.stringify({ operation: 'reboot' }),
      }),
    );
    expect(created.jobArn).toBe('arn:aws:iot:eu-west-1:123456789012:job/sdk-reboot');

    const [next] = await notified;
    expect(JSON.parse(next!.payload)).toMatchObject({
      execution: { jobId: 'sdk-reboot', status: 'QUEUED', jobDocument: { operation: 'reboot' } },
    });
    const accepted = nextMessages(device, '$aws/things/sdk-job-mqtt/jobs/sdk-reboot/update/accepted', 1);
    device.publish(
      '$aws/things/sdk-job-mqtt/jobs/sdk-reboot/update',
      JSON.stringify({ status: 'SUCCEEDED' }),
      { qos: 1 },
    );
    await accepted;

    const pending = await jobsData.send(new GetPendingJobExecutionsCommand({ thingName: 'sdk-job-http' }));
    expect(pending.queuedJobs?.map((j) => j.jobId)).toEqual(['sdk-reboot']);
    const started = await jobsData.send(
      new StartNextPendingJobExecutionCommand({
        thingName: 'sdk-job-http',
        statusDetails: { step: 'download' },
      }),
    );
    expect(started.execution).toMatchObject({
      jobId: 'sdk-reboot',
      status: 'IN_PROGRESS',
      jobDocument: '{"operation":"reboot"}',
      versionNumber: 2,
    });
    const done = await jobsData.send(
      new UpdateJobExecutionCommand({
        thingName: 'sdk-job-http',
        jobId: 'sdk-reboot',
        status: 'SUCCEEDED',
        expectedVersion: 2,
        includeJobExecutionState: true,
      }),
    );
    expect(done.executionState).toMatchObject({ status: 'SUCCEEDED', versionNumber: 3 });

    const job = await iot.send(new DescribeJobCommand({ jobId: 'sdk-reboot' }));
    expect(job.job).toMatchObject({
      status: 'COMPLETED',
      targets: [group.thingGroupArn],
      jobProcessDetails: { numberOfSucceededThings: 2, numberOfQueuedThings: 0 },
    });
    expect(job.job?.completedAt).toBeInstanceOf(Date);
    const executions = await iot.send(new ListJobExecutionsForJobCommand({ jobId: 'sdk-reboot' }));
    expect(executions.executionSummaries?.map((e) => e.jobExecutionSummary?.status)).toEqual([
      'SUCCEEDED',
      'SUCCEEDED',
    ]);
    await expect(
      jobsData.send(new DescribeJobExecutionCommand({ thingName: 'sdk-job-http', jobId: 'no-such-job' })),
    ).rejects.toBeInstanceOf(JobsResourceNotFoundException);
  });

  it('raises the named exceptions: missing thing, version conflicts, bad requests, delete conflicts', async () => {
    await expect(iot.send(new DescribeThingCommand({ thingName: 'no-such-thing' }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
    await expect(data.send(new GetThingShadowCommand({ thingName: 'no-such-thing' }))).rejects.toBeInstanceOf(
      DataResourceNotFoundException,
    );

    await iot.send(new CreateThingCommand({ thingName: 'sdk-errors' }));
    await iot.send(
      new UpdateThingCommand({
        thingName: 'sdk-errors',
        attributePayload: { attributes: { a: '1' } },
        expectedVersion: 1,
      }),
    );
    const stale = iot.send(
      new UpdateThingCommand({
        thingName: 'sdk-errors',
        attributePayload: { attributes: { a: '2' } },
        expectedVersion: 1,
      }),
    );
    await expect(stale).rejects.toBeInstanceOf(VersionConflictException);
    await expect(stale).rejects.toMatchObject({ $metadata: { httpStatusCode: 409 } });
    await expect(
      iot.send(
        new CreateThingCommand({ thingName: 'sdk-errors', attributePayload: { attributes: { b: '1' } } }),
      ),
    ).rejects.toBeInstanceOf(ResourceAlreadyExistsException);

    const body = (doc: unknown) => Buffer.from(JSON.stringify(doc));
    await data.send(
      new UpdateThingShadowCommand({
        thingName: 'sdk-errors',
        payload: body({ state: { reported: { x: 1 } } }),
      }),
    );
    await expect(
      data.send(
        new UpdateThingShadowCommand({
          thingName: 'sdk-errors',
          payload: body({ state: { reported: { x: 2 } }, version: 7 }),
        }),
      ),
    ).rejects.toBeInstanceOf(ConflictException);

    await expect(iot.send(new CreateThingCommand({ thingName: 'not a valid name!' }))).rejects.toBeInstanceOf(
      InvalidRequestException,
    );
    await expect(
      data.send(new UpdateThingShadowCommand({ thingName: 'sdk-errors', payload: Buffer.from('not json') })),
    ).rejects.toBeInstanceOf(DataInvalidRequestException);
    await expect(
      iot.send(new DescribeEndpointCommand({ endpointType: 'iot:Nonsense' })),
    ).rejects.toBeInstanceOf(InvalidRequestException);

    await iot.send(new CreatePolicyCommand({ policyName: 'sdk-held', policyDocument: OPEN_POLICY }));
    const keys = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
    await iot.send(new AttachPolicyCommand({ policyName: 'sdk-held', target: keys.certificateArn! }));
    await expect(iot.send(new DeletePolicyCommand({ policyName: 'sdk-held' }))).rejects.toBeInstanceOf(
      DeleteConflictException,
    );
    await expect(
      iot.send(new DeleteCertificateCommand({ certificateId: keys.certificateId! })),
    ).rejects.toBeInstanceOf(CertificateStateException);
  });
});
