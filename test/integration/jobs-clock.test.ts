import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../broker-fixtures/index.js';
import type { Collection } from '../../broker-fixtures/store/store.js';
import { VirtualClock } from '../../core/clock.js';
import { startStandIn, type StandIn } from './broker-helpers.js';
import { createJob, JobsDevice } from './jobs-helpers.js';

const MIN = 60_000;
let s: StandIn | undefined;
afterEach(async () => {
  await s?.stop();
  s = undefined;
});

/** A memory store whose reads of one collection can be made to fail, to provoke InternalError. */
class FlakyStore extends MemoryStore {
  failing: Collection | undefined;
  override get<T>(collection: Collection, key: string): Promise<T | undefined> {
    if (collection === this.failing) return Promise.reject(new Error('disk on fire'));
    return super.get<T>(collection, key);
  }
}

describe('Jobs timers and limits on a VirtualClock (mqtt.js, mutual TLS)', () => {
  it('times out at the step deadline: TIMED_OUT, then notify-next with the next job; a retry comes back as execution 2', async () => {
    const clock = new VirtualClock(Date.now());
    s = await startStandIn({ clock, store: new MemoryStore() });
    const d = await JobsDevice.connect(s.fixtures, 'clk-dev');
    await createJob(
      s.fixtures,
      'slow',
      ['clk-dev'],
      { op: 'slow' },
      {
        jobExecutionsRetryConfig: { criteriaList: [{ failureType: 'TIMED_OUT', numberOfRetries: 1 }] },
      },
    );
    await createJob(s.fixtures, 'after', ['clk-dev'], { op: 'after' });
    await d.waitFor('notify-next');
    const started = await d.request('slow/update', {
      status: 'IN_PROGRESS',
      stepTimeoutInMinutes: 2,
      includeJobExecutionState: true,
    });
    expect(started.body).toMatchObject({ executionState: { status: 'IN_PROGRESS', versionNumber: 2 } });

    await clock.advance(2 * MIN - 1000);
    expect((await d.request('slow/get', {})).body).toMatchObject({
      execution: { status: 'IN_PROGRESS', approximateSecondsBeforeTimedOut: 1 },
    });

    const mark = d.log.length;
    await clock.advance(1000);
    // The retry (execution 2) is queued after `after`, so `after` becomes the head.
    expect((await d.waitFor('notify-next', mark)).body).toMatchObject({
      execution: { jobId: 'after', status: 'QUEUED' },
    });
    expect((await d.waitFor('notify', mark)).body).toMatchObject({
      jobs: { QUEUED: [{ jobId: 'after' }, { jobId: 'slow', executionNumber: 2, versionNumber: 1 }] },
    });
    const first = await s.fixtures.console.dispatch({
      method: 'GET',
      url: '/things/clk-dev/jobs/slow?executionNumber=1',
    });
    expect(first.body).toMatchObject({ execution: { status: 'TIMED_OUT', versionNumber: 3 } });
    const late = await d.request('slow/update', { status: 'SUCCEEDED', executionNumber: 1 });
    expect(late.body).toMatchObject({
      code: 'InvalidStateTransition',
      executionState: { status: 'TIMED_OUT' },
    });

    // The job's in-progress timer is not reset by IN_PROGRESS updates.
    await createJob(
      s.fixtures,
      'bounded',
      ['clk-dev'],
      { op: 'b' },
      { timeoutConfig: { inProgressTimeoutInMinutes: 5 } },
    );
    expect((await d.request('bounded/update', { status: 'IN_PROGRESS' })).accepted).toBe(true);
    await clock.advance(4 * MIN);
    expect(
      (
        await d.request('bounded/update', {
          status: 'IN_PROGRESS',
          stepTimeoutInMinutes: 60,
          includeJobExecutionState: true,
        })
      ).body,
    ).toMatchObject({
      executionState: { status: 'IN_PROGRESS' },
    });
    const before = d.log.length;
    await clock.advance(MIN);
    await d.waitFor('notify', before);
    expect(
      (await s.fixtures.console.dispatch({ method: 'GET', url: '/things/clk-dev/jobs/bounded' })).body,
    ).toMatchObject({
      execution: { status: 'TIMED_OUT' },
    });
    await d.end();
  });

  it('answers RequestThrottled past the per-thing allowance, and again after the bucket refills', async () => {
    const clock = new VirtualClock(Date.now());
    s = await startStandIn({
      clock,
      store: new MemoryStore(),
      jobsThrottle: { requestsPerSecond: 1, burst: 2 },
    });
    const d = await JobsDevice.connect(s.fixtures, 'thr-dev');
    expect((await d.request('get', { clientToken: '1' })).accepted).toBe(true);
    expect((await d.request('get', { clientToken: '2' })).accepted).toBe(true);
    const third = await d.request('get', { clientToken: '3' });
    expect(third).toMatchObject({ accepted: false, body: { code: 'RequestThrottled', clientToken: '3' } });
    await clock.advance(1000);
    expect((await d.request('get', { clientToken: '4' })).accepted).toBe(true);
    await d.end();
  });

  it('answers InternalError when the state store fails, and recovers', async () => {
    const store = new FlakyStore();
    s = await startStandIn({ store });
    const d = await JobsDevice.connect(s.fixtures, 'ie-dev');
    await createJob(s.fixtures, 'ie-1', ['ie-dev']);
    store.failing = 'job-executions';
    const broken = await d.request('ie-1/update', { status: 'IN_PROGRESS', clientToken: 'x' });
    expect(broken).toMatchObject({ accepted: false, body: { code: 'InternalError', clientToken: 'x' } });
    expect(s.fixtures.log.recent({ type: 'service-error' }).at(-1)?.detail).toMatch(/disk on fire/);
    store.failing = undefined;
    expect((await d.request('ie-1/update', { status: 'IN_PROGRESS', expectedVersion: 1 })).accepted).toBe(
      true,
    );
    await d.end();
  });
});
