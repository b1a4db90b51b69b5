import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../core/clock.js';
import { FileStore } from '../../broker-fixtures/index.js';
import { createThing, startStandIn, tempStateDir } from './broker-helpers.js';
import { createJob, JobsDevice } from './jobs-helpers.js';

const MIN = 60_000;
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('Jobs across a broker restart', () => {
  it('keeps jobs, executions, versions, statusDetails and the step deadline', async () => {
    const stateDir = await tempStateDir();
    dirs.push(stateDir);
    const clock = new VirtualClock(Date.now());
    const first = await startStandIn({ stateDir, clock });
    const creds = await createThing(first.fixtures, 'keep-dev');
    const d1 = await JobsDevice.connect(first.fixtures, 'keep-dev', creds);
    await createJob(first.fixtures, 'keep-1', ['keep-dev'], { op: 'one' });
    await createJob(first.fixtures, 'keep-2', ['keep-dev'], { op: 'two' });
    const started = await d1.request('keep-1/update', {
      status: 'IN_PROGRESS',
      statusDetails: { progress: '40' },
      stepTimeoutInMinutes: 10,
      expectedVersion: 1,
    });
    expect(started.accepted).toBe(true);
    await d1.end();
    await first.stop(true);

    // What is on disk, read back from the broker's files (journal and snapshot) without a broker.
    const onDisk = await FileStore.open({ dir: path.join(stateDir, 'broker') });
    expect(await onDisk.get('job-executions', 'keep-dev')).toMatchObject({
      executions: [{ jobId: 'keep-1', status: 'IN_PROGRESS', versionNumber: 2 }, { jobId: 'keep-2' }],
    });
    expect((await onDisk.list('jobs')).map(([id]) => id)).toEqual(['keep-1', 'keep-2']);
    await onDisk.close();

    // Five of the ten minutes pass while the broker is down.
    await clock.advance(5 * MIN);
    const second = await startStandIn({ stateDir, clock });
    try {
      const d2 = await JobsDevice.connect(second.fixtures, 'keep-dev', creds);
      const next = await d2.request('$next/get', '{"clientToken": ""}');
      expect(next.body).toMatchObject({
        execution: {
          jobId: 'keep-1',
          status: 'IN_PROGRESS',
          versionNumber: 2,
          statusDetails: { progress: '40' },
          jobDocument: { op: 'one' },
          approximateSecondsBeforeTimedOut: 300,
        },
      });
      const listed = await second.fixtures.console.dispatch({ method: 'GET', url: '/jobs' });
      expect(
        (listed.body as { jobs: Array<{ jobId: string; status: string }> }).jobs.map((j) => [
          j.jobId,
          j.status,
        ]),
      ).toEqual([
        ['keep-1', 'IN_PROGRESS'],
        ['keep-2', 'IN_PROGRESS'],
      ]);
      // The restarted broker re-armed the step timer from the stored deadline.
      const mark = d2.log.length;
      await clock.advance(5 * MIN);
      expect((await d2.waitFor('notify-next', mark)).body).toMatchObject({
        execution: { jobId: 'keep-2', status: 'QUEUED' },
      });
      expect((await d2.request('keep-1/update', { status: 'SUCCEEDED' })).body).toMatchObject({
        code: 'InvalidStateTransition',
        executionState: { status: 'TIMED_OUT', versionNumber: 3 },
      });
      await d2.end();
    } finally {
      await second.stop(true);
    }
  });
});
