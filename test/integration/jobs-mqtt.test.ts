import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStandIn, type StandIn } from './broker-helpers.js';
import { createJob, JobsDevice, quiet } from './jobs-helpers.js';

let s: StandIn;

beforeAll(async () => {
  s = await startStandIn();
});
afterAll(() => s.stop());

describe('AWS IoT Jobs over MQTT with mutual TLS (mqtt.js)', () => {
  it('runs the nRF aws_fota flow: notify-next, $next/get, updates with a quoted expectedVersion, then the next job', async () => {
    // aws_fota's subscriptions (ncs-behaviour.md §5.1), plus notify to watch the list.
    const d = await JobsDevice.connect(s.fixtures, 'fota-dev', undefined, {
      filters: ['notify-next', '$next/get/#', 'notify'],
    });
    const doc1 = {
      operation: 'app_fw_update',
      fwversion: 'v1.0.2',
      size: 181124,
      location: { host: 'fw.s3.amazonaws.com', path: 'app.bin' },
    };
    await createJob(s.fixtures, 'fw-1', ['fota-dev'], doc1);
    const notify = (await d.waitFor('notify')).body;
    expect(notify).toMatchObject({
      jobs: { QUEUED: [{ jobId: 'fw-1', versionNumber: 1, executionNumber: 1 }] },
    });
    expect(notify.jobs).not.toHaveProperty('IN_PROGRESS');
    const next = (await d.waitFor('notify-next')).body;
    expect(next).toMatchObject({
      execution: {
        jobId: 'fw-1',
        thingName: 'fota-dev',
        status: 'QUEUED',
        versionNumber: 1,
        jobDocument: doc1,
      },
    });
    expect(typeof next.timestamp).toBe('number');
    // Epoch seconds, not milliseconds (cloud-services.md, "Timestamps").
    expect(next.timestamp as number).toBeLessThan(1e11);

    const got = await d.request('$next/get', '{"clientToken": ""}');
    expect(got.accepted).toBe(true);
    expect(got.body).toMatchObject({
      clientToken: '',
      execution: { jobId: 'fw-1', status: 'QUEUED', versionNumber: 1, jobDocument: doc1 },
    });

    // A second job queued behind the first: notify lists both, notify-next stays quiet (head unchanged).
    const before = d.log.length;
    await createJob(s.fixtures, 'fw-2', ['fota-dev'], { operation: 'app_fw_update', fwversion: 'v1.0.3' });
    expect((await d.waitFor('notify', before)).body).toMatchObject({
      jobs: { QUEUED: [{ jobId: 'fw-1' }, { jobId: 'fw-2' }] },
    });

    await d.subscribe('fw-1/update/#');
    const inProgress = await d.request(
      'fw-1/update',
      '{"status":"IN_PROGRESS","statusDetails": {"nextState":"download_firmware"},"expectedVersion": "1","clientToken": ""}',
    );
    expect(inProgress).toMatchObject({ accepted: true, body: { clientToken: '' } });
    expect(inProgress.body).not.toHaveProperty('executionState');
    const applying = await d.request('fw-1/update', {
      status: 'IN_PROGRESS',
      statusDetails: { nextState: 'apply_update' },
      expectedVersion: '2',
      clientToken: '',
      includeJobExecutionState: true,
    });
    expect(applying.body).toMatchObject({
      executionState: {
        status: 'IN_PROGRESS',
        versionNumber: 3,
        statusDetails: { nextState: 'apply_update' },
      },
    });
    await quiet();
    expect(d.since(before, 'notify-next')).toEqual([]);

    const mark = d.log.length;
    const done = await d.request('fw-1/update', {
      status: 'SUCCEEDED',
      expectedVersion: '3',
      clientToken: 'c-3',
    });
    expect(done).toMatchObject({ accepted: true, body: { clientToken: 'c-3' } });
    const afterDone = await d.waitFor('notify-next', mark);
    expect(afterDone.body).toMatchObject({
      execution: { jobId: 'fw-2', status: 'QUEUED', jobDocument: { fwversion: 'v1.0.3' } },
    });
    const order = d.log.slice(mark).map((m) => m.topic.split('/jobs/')[1]);
    expect(order).toEqual(['fw-1/update/accepted', 'notify', 'notify-next']);
    expect(d.log[mark + 1]!.body).toMatchObject({ jobs: { QUEUED: [{ jobId: 'fw-2' }] } });

    await d.subscribe('fw-2/update/#');
    const last = d.log.length;
    expect(
      (await d.request('fw-2/update', { status: 'REJECTED', statusDetails: { reason: 'bad image' } }))
        .accepted,
    ).toBe(true);
    expect((await d.waitFor('notify-next', last)).body).toEqual({ timestamp: expect.any(Number) });
    expect((await d.waitFor('notify', last)).body).toEqual({ timestamp: expect.any(Number), jobs: {} });
    expect((await d.request('$next/get', '{"clientToken": ""}')).body).toEqual({
      clientToken: '',
      timestamp: expect.any(Number),
    });
    await d.end();
  });

  it('start-next starts the oldest queued job; get lists pending jobs; include flags shape the update answer', async () => {
    const d = await JobsDevice.connect(s.fixtures, 'sn-dev');
    await createJob(s.fixtures, 'sn-1', ['sn-dev'], { step: 1 });
    await createJob(s.fixtures, 'sn-2', ['sn-dev'], { step: 2 });
    const empty = await JobsDevice.connect(s.fixtures, 'sn-idle');
    expect((await empty.request('start-next', { clientToken: 'none' })).body).toEqual({
      clientToken: 'none',
      timestamp: expect.any(Number),
    });
    expect((await empty.request('get', {})).body).toEqual({
      inProgressJobs: [],
      queuedJobs: [],
      timestamp: expect.any(Number),
    });
    await empty.end();

    const started = await d.request('start-next', {
      statusDetails: { phase: 'one' },
      stepTimeoutInMinutes: 30,
      clientToken: 'sn',
    });
    expect(started.body).toMatchObject({
      clientToken: 'sn',
      execution: {
        jobId: 'sn-1',
        status: 'IN_PROGRESS',
        versionNumber: 2,
        statusDetails: { phase: 'one' },
        jobDocument: { step: 1 },
      },
    });
    const execution = started.body.execution as Record<string, number>;
    expect(execution.startedAt).toBeGreaterThan(0);
    expect(execution.approximateSecondsBeforeTimedOut).toBeGreaterThan(1790);
    expect(execution.approximateSecondsBeforeTimedOut).toBeLessThanOrEqual(1800);

    const again = await d.request('start-next', { statusDetails: { phase: 'ignored' } });
    expect(again.body).toMatchObject({
      execution: { jobId: 'sn-1', versionNumber: 2, statusDetails: { phase: 'one' } },
    });

    const pending = await d.request('get', { clientToken: 'g' });
    expect(pending.body).toMatchObject({
      clientToken: 'g',
      inProgressJobs: [{ jobId: 'sn-1', versionNumber: 2, executionNumber: 1 }],
      queuedJobs: [{ jobId: 'sn-2', versionNumber: 1 }],
    });
    const described = await d.request('sn-2/get', { includeJobDocument: false });
    expect(described.body.execution).toMatchObject({ jobId: 'sn-2', status: 'QUEUED' });
    expect(described.body.execution).not.toHaveProperty('jobDocument');

    const full = await d.request('sn-1/update', {
      status: 'IN_PROGRESS',
      includeJobExecutionState: true,
      includeJobDocument: true,
    });
    expect(full.body).toMatchObject({
      executionState: { status: 'IN_PROGRESS', versionNumber: 3 },
      jobDocument: { step: 1 },
    });
    await d.end();
  });

  it('rejects bad requests with AWS error codes and keeps the connection up', async () => {
    const d = await JobsDevice.connect(s.fixtures, 'err-dev');
    await createJob(s.fixtures, 'err-1', ['err-dev']);

    const badJson = await d.request('err-1/update', '{"status": ');
    expect(badJson).toMatchObject({ accepted: false, body: { code: 'InvalidJson' } });
    const topic = await d.request('err-1/frobnicate', { clientToken: 't1' });
    expect(topic).toMatchObject({ accepted: false, body: { code: 'InvalidTopic', clientToken: 't1' } });
    const missing = await d.request('nope/update', { status: 'IN_PROGRESS', clientToken: 't2' });
    expect(missing).toMatchObject({ accepted: false, body: { code: 'ResourceNotFound', clientToken: 't2' } });
    expect((await d.request('nope/get', {})).body).toMatchObject({ code: 'ResourceNotFound' });
    const serviceOnly = await d.request('err-1/update', { status: 'CANCELED', clientToken: 't3' });
    expect(serviceOnly).toMatchObject({
      accepted: false,
      body: { code: 'InvalidRequest', clientToken: 't3' },
    });
    const tooMany = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, 'v']));
    expect(
      (await d.request('err-1/update', { status: 'IN_PROGRESS', statusDetails: tooMany })).body,
    ).toMatchObject({ code: 'InvalidRequest' });

    const mismatch = await d.request('err-1/update', {
      status: 'IN_PROGRESS',
      expectedVersion: 7,
      clientToken: 'v',
    });
    expect(mismatch.body).toEqual({
      code: 'VersionMismatch',
      message: expect.any(String),
      clientToken: 'v',
      timestamp: expect.any(Number),
      executionState: { status: 'QUEUED', versionNumber: 1 },
    });
    expect(
      (await d.request('err-1/update', { status: 'FAILED', expectedVersion: 1, statusDetails: { why: 'x' } }))
        .accepted,
    ).toBe(true);
    const illegal = await d.request('err-1/update', { status: 'IN_PROGRESS' });
    expect(illegal.body).toMatchObject({
      code: 'InvalidStateTransition',
      executionState: { status: 'FAILED', versionNumber: 2, statusDetails: { why: 'x' } },
    });
    expect((await d.request('err-1/get', {})).body).toMatchObject({ code: 'TerminalStateReached' });
    expect(d.client.connected).toBe(true);
    await d.end();
  });

  it('cancels: QUEUED at once, IN_PROGRESS only with force; the device then meets InvalidStateTransition', async () => {
    const d = await JobsDevice.connect(s.fixtures, 'cx-dev');
    await createJob(s.fixtures, 'cx-1', ['cx-dev']);
    await createJob(s.fixtures, 'cx-2', ['cx-dev']);
    expect((await d.request('cx-1/update', { status: 'IN_PROGRESS', expectedVersion: 1 })).accepted).toBe(
      true,
    );

    const soft = await s.fixtures.console.dispatch({
      method: 'PUT',
      url: '/jobs/cx-1/cancel',
      body: { comment: 'stop' },
    });
    expect(soft.status).toBe(200);
    const still = await d.request('cx-1/update', {
      status: 'IN_PROGRESS',
      expectedVersion: 2,
      includeJobExecutionState: true,
    });
    expect(still.body).toMatchObject({ executionState: { status: 'IN_PROGRESS', versionNumber: 3 } });
    expect((await s.fixtures.console.dispatch({ method: 'PUT', url: '/jobs/cx-1/cancel' })).status).toBe(409);

    const mark = d.log.length;
    expect(
      (await s.fixtures.console.dispatch({ method: 'PUT', url: '/jobs/cx-1/cancel?force=true' })).status,
    ).toBe(200);
    expect((await d.waitFor('notify-next', mark)).body).toMatchObject({
      execution: { jobId: 'cx-2', status: 'QUEUED' },
    });
    expect((await d.waitFor('notify', mark)).body).toMatchObject({ jobs: { QUEUED: [{ jobId: 'cx-2' }] } });
    const late = await d.request('cx-1/update', { status: 'SUCCEEDED', expectedVersion: 3 });
    expect(late.body).toMatchObject({
      code: 'InvalidStateTransition',
      executionState: { status: 'CANCELED', versionNumber: 4 },
    });
    const described = await s.fixtures.console.dispatch({ method: 'GET', url: '/jobs/cx-1' });
    expect(described.body).toMatchObject({
      job: {
        status: 'CANCELED',
        forceCanceled: true,
        comment: 'stop',
        jobProcessDetails: { numberOfCanceledThings: 1 },
      },
    });
    const execution = await s.fixtures.console.dispatch({ method: 'GET', url: '/things/cx-dev/jobs/cx-1' });
    expect(execution.body).toMatchObject({
      execution: { status: 'CANCELED', forceCanceled: true, versionNumber: 4 },
    });

    // Deleting an in-progress job needs force; the device sees its pending list empty.
    expect((await d.request('cx-2/update', { status: 'IN_PROGRESS' })).accepted).toBe(true);
    expect((await s.fixtures.console.dispatch({ method: 'DELETE', url: '/jobs/cx-2' })).status).toBe(409);
    const del = d.log.length;
    expect(
      (await s.fixtures.console.dispatch({ method: 'DELETE', url: '/jobs/cx-2?force=true' })).status,
    ).toBe(200);
    expect((await d.waitFor('notify-next', del)).body).toEqual({ timestamp: expect.any(Number) });
    expect((await s.fixtures.console.dispatch({ method: 'GET', url: '/jobs/cx-2' })).status).toBe(404);
    await d.end();
  });

  it('targets thing groups; a continuous job follows membership (new member queued, leaver REMOVED)', async () => {
    const a = await JobsDevice.connect(s.fixtures, 'grp-a');
    const b = await JobsDevice.connect(s.fixtures, 'grp-b');
    const api = (method: string, url: string, body?: unknown) =>
      s.fixtures.console.dispatch({ method, url, body });
    expect((await api('POST', '/thing-groups/fleet')).status).toBe(201);
    expect((await api('PUT', '/thing-groups/fleet/things/grp-a')).status).toBe(200);
    expect((await api('PUT', '/thing-groups/fleet/things/missing-thing')).status).toBe(404);
    await createJob(
      s.fixtures,
      'cont-1',
      ['thinggroup/fleet'],
      { op: 'c' },
      { targetSelection: 'CONTINUOUS' },
    );
    await createJob(s.fixtures, 'snap-1', ['thinggroup/fleet'], { op: 's' });
    expect((await a.waitFor('notify-next')).body).toMatchObject({ execution: { jobId: 'cont-1' } });

    const markB = b.log.length;
    expect((await api('PUT', '/thing-groups/fleet/things/grp-b')).status).toBe(200);
    expect((await b.waitFor('notify-next', markB)).body).toMatchObject({
      execution: { jobId: 'cont-1', jobDocument: { op: 'c' } },
    });
    const pendingB = await b.request('get', {});
    expect(pendingB.body).toMatchObject({ queuedJobs: [{ jobId: 'cont-1' }] });
    expect(pendingB.body.queuedJobs).toHaveLength(1);

    const markA = a.log.length;
    expect((await api('DELETE', '/thing-groups/fleet/things/grp-a')).status).toBe(200);
    expect((await a.waitFor('notify-next', markA)).body).toMatchObject({ execution: { jobId: 'snap-1' } });
    const removed = await api('GET', '/things/grp-a/jobs/cont-1');
    expect(removed.body).toMatchObject({ execution: { status: 'REMOVED' } });
    const listed = await api('GET', '/jobs/cont-1/things');
    expect((listed.body as { executionSummaries: unknown[] }).executionSummaries).toEqual([
      expect.objectContaining({
        thingArn: expect.stringMatching(/:thing\/grp-a$/),
        jobExecutionSummary: expect.objectContaining({ status: 'REMOVED' }),
      }),
      expect.objectContaining({
        thingArn: expect.stringMatching(/:thing\/grp-b$/),
        jobExecutionSummary: expect.objectContaining({ status: 'QUEUED' }),
      }),
    ]);
    // Back in the group: a new execution of the continuous job.
    const back = a.log.length;
    expect((await api('PUT', '/thing-groups/fleet/things/grp-a')).status).toBe(200);
    expect((await a.waitFor('notify', back)).body).toMatchObject({
      jobs: { QUEUED: [{ jobId: 'snap-1' }, { jobId: 'cont-1', executionNumber: 2, versionNumber: 1 }] },
    });
    await a.end();
    await b.end();
  });

  it('the console refuses bad jobs with clear errors', async () => {
    const api = (method: string, url: string, body?: unknown) =>
      s.fixtures.console.dispatch({ method, url, body });
    await JobsDevice.connect(s.fixtures, 'cons-dev', undefined, { filters: [] }).then((d) => d.end());
    expect(
      (await api('PUT', '/jobs/c1', { targets: ['thing/cons-dev'], document: '{"a":' })).body,
    ).toMatchObject({
      code: 'NRF91SIM_JOB_DOCUMENT_INVALID',
    });
    expect((await api('PUT', '/jobs/c1', { targets: ['thing/ghost'], document: {} })).status).toBe(404);
    expect((await api('PUT', '/jobs/c1', { targets: [], document: {} })).status).toBe(400);
    expect((await api('PUT', '/jobs/c1', { targets: ['thing/cons-dev'], document: {} })).status).toBe(200);
    expect((await api('PUT', '/jobs/c1', { targets: ['thing/cons-dev'], document: {} })).status).toBe(409);
    expect((await api('GET', '/jobs/nope')).status).toBe(404);
    expect((await api('GET', '/jobs/c1/job-document')).body).toEqual({ document: '{}' });
    const list = (await api('GET', '/jobs?status=IN_PROGRESS')).body as { jobs: Array<{ jobId: string }> };
    expect(list.jobs.map((j) => j.jobId)).toContain('c1');
  });
});
