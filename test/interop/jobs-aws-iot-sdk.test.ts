import sdk from 'aws-iot-device-sdk-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createThing, startStandIn, type StandIn } from '../integration/broker-helpers.js';
import { createJob } from '../integration/jobs-helpers.js';
import { credentialFiles } from './broker-helpers-files.js';

const { iot, mqtt, iotjobs } = sdk;
const THING = 'sdk-jobs-thing';

let s: StandIn;
let connection: InstanceType<typeof mqtt.MqttClientConnection>;
let jobs: ReturnType<typeof iotjobs.IotJobsClientv2.newFromMqtt311>;

/** Events of an SDK streaming operation, in arrival order. */
function collect<T>(stream: { on(event: 'incomingPublish', l: (e: { message: T }) => void): unknown }): T[] {
  const got: T[] = [];
  stream.on('incomingPublish', (e) => got.push(e.message));
  return got;
}

async function until<T>(list: T[], count: number, what: string): Promise<T[]> {
  const deadline = Date.now() + 5000;
  while (list.length < count) {
    if (Date.now() > deadline)
      throw new Error(`only ${list.length} of ${count} ${what}: ${JSON.stringify(list)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return list;
}

beforeAll(async () => {
  s = await startStandIn();
  const files = await credentialFiles(s.fixtures, await createThing(s.fixtures, THING));
  // cloud-services §6.2: the SDK's MQTT 3.1.1 builder, pointed at the local CA and port.
  const builder = iot.AwsIotMqttConnectionConfigBuilder.new_mtls_builder_from_path(files.cert, files.key);
  builder.with_certificate_authority_from_path(undefined, files.ca);
  builder.with_endpoint('localhost');
  builder.with_port(s.fixtures.endpoints.mqttPort);
  builder.with_client_id(THING);
  builder.with_clean_session(true);
  connection = new mqtt.MqttClient().new_connection(builder.build());
  await connection.connect();
  jobs = iotjobs.IotJobsClientv2.newFromMqtt311(connection, {
    maxRequestResponseSubscriptions: 6,
    maxStreamingSubscriptions: 2,
    operationTimeoutInSeconds: 10,
  });
});

afterAll(async () => {
  jobs?.close();
  await connection?.disconnect();
  await s.stop();
});

describe('AWS IoT Device SDK v2 (MQTT 3.1.1) IotJobsClientv2 against the stand-in', () => {
  it('streams notify-next, lists, starts, describes and updates executions; a terminal state brings the next job', async () => {
    const nextStream = jobs.createNextJobExecutionChangedStream({ thingName: THING });
    const listStream = jobs.createJobExecutionsChangedStream({ thingName: THING });
    const nextEvents = collect(nextStream);
    const listEvents = collect(listStream);
    const subscribed = Promise.all(
      [nextStream, listStream].map(
        (st) => new Promise<void>((resolve) => st.on('subscriptionStatus', () => resolve())),
      ),
    );
    nextStream.open();
    listStream.open();
    await subscribed;

    await createJob(s.fixtures, 'sdk-1', [THING], { operation: 'reboot' });
    await createJob(s.fixtures, 'sdk-2', [THING], { operation: 'blink', times: 3 });
    await until(nextEvents, 1, 'NextJobExecutionChanged events');
    expect(nextEvents[0]).toMatchObject({
      execution: { jobId: 'sdk-1', status: 'QUEUED', jobDocument: { operation: 'reboot' } },
    });
    await until(listEvents, 2, 'JobExecutionsChanged events');
    expect(listEvents[1]).toMatchObject({ jobs: { QUEUED: [{ jobId: 'sdk-1' }, { jobId: 'sdk-2' }] } });

    const pending = await jobs.getPendingJobExecutions({ thingName: THING });
    expect(pending.inProgressJobs).toEqual([]);
    expect(pending.queuedJobs?.map((j) => j.jobId)).toEqual(['sdk-1', 'sdk-2']);

    const started = await jobs.startNextPendingJobExecution({
      thingName: THING,
      stepTimeoutInMinutes: 5,
      statusDetails: { step: 'start' },
    });
    expect(started.execution).toMatchObject({
      jobId: 'sdk-1',
      status: 'IN_PROGRESS',
      versionNumber: 2,
      statusDetails: { step: 'start' },
    });

    const described = await jobs.describeJobExecution({
      thingName: THING,
      jobId: 'sdk-1',
      includeJobDocument: true,
    });
    expect(described.execution).toMatchObject({
      jobId: 'sdk-1',
      status: 'IN_PROGRESS',
      jobDocument: { operation: 'reboot' },
    });

    const stale = await jobs
      .updateJobExecution({
        thingName: THING,
        jobId: 'sdk-1',
        status: iotjobs.model.JobStatus.IN_PROGRESS,
        expectedVersion: 1,
      })
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(stale).toBeDefined();
    expect(JSON.stringify(stale)).toMatch(/VersionMismatch/);
    expect((stale as { modeledError?: unknown }).modeledError).toMatchObject({
      code: 'VersionMismatch',
      executionState: { status: 'IN_PROGRESS', versionNumber: 2 },
    });

    const done = await jobs.updateJobExecution({
      thingName: THING,
      jobId: 'sdk-1',
      status: iotjobs.model.JobStatus.SUCCEEDED,
      expectedVersion: 2,
      includeJobExecutionState: true,
      statusDetails: { result: 'ok' },
    });
    expect(done.executionState).toMatchObject({
      status: 'SUCCEEDED',
      versionNumber: 3,
      statusDetails: { result: 'ok' },
    });
    await until(nextEvents, 2, 'NextJobExecutionChanged events');
    expect(nextEvents[1]).toMatchObject({
      execution: { jobId: 'sdk-2', status: 'QUEUED', jobDocument: { operation: 'blink', times: 3 } },
    });

    const missing = await jobs.describeJobExecution({ thingName: THING, jobId: 'nope' }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect((missing as { modeledError?: unknown }).modeledError).toMatchObject({ code: 'ResourceNotFound' });

    const rejected = await jobs.updateJobExecution({
      thingName: THING,
      jobId: 'sdk-2',
      status: iotjobs.model.JobStatus.REJECTED,
    });
    expect(typeof rejected.timestamp).toBe('number');
    await until(nextEvents, 3, 'NextJobExecutionChanged events');
    expect(nextEvents[2]).not.toHaveProperty('execution');
    nextStream.close();
    listStream.close();
  });
});
