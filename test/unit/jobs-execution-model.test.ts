import { describe, expect, it } from 'vitest';
import {
  applyTimeouts,
  endPending,
  findExecution,
  pendingExecutions,
  queueExecution,
  startNext,
  updateExecution,
  type ModelContext,
} from '../../broker-fixtures/services/jobs/execution-model.js';
import type { JobExecutionRecord, JobRecord } from '../../broker-fixtures/services/jobs/job-types.js';
import { JobsError } from '../../broker-fixtures/services/jobs/jobs-errors.js';
import type { UpdateRequest } from '../../broker-fixtures/services/jobs/jobs-request.js';

const T0 = Date.UTC(2025, 0, 1);
const MIN = 60_000;

function job(jobId: string, extra: Partial<JobRecord> = {}): JobRecord {
  return {
    jobId,
    jobArn: `arn:aws:iot:eu-west-1:123456789012:job/${jobId}`,
    targets: [],
    document: '{}',
    targetSelection: 'SNAPSHOT',
    status: 'IN_PROGRESS',
    presignedUrlExpiresInSec: 3600,
    things: ['t'],
    createdAt: T0,
    lastUpdatedAt: T0,
    ...extra,
  };
}

function ctx(now: number, ...jobs: JobRecord[]): ModelContext {
  return { now, jobs: new Map(jobs.map((j) => [j.jobId, j])) };
}

const update = (status: UpdateRequest['status'], extra: Partial<UpdateRequest> = {}): UpdateRequest => ({
  status,
  includeJobDocument: false,
  includeJobExecutionState: false,
  ...extra,
});

function queued(...ids: string[]): JobExecutionRecord[] {
  let list: JobExecutionRecord[] = [];
  ids.forEach((id, i) => (list = queueExecution(list, job(id), 't', T0 + i * 1000).executions));
  return list;
}

function ok(result: ReturnType<typeof updateExecution>): {
  executions: JobExecutionRecord[];
  execution?: JobExecutionRecord;
} {
  if (result instanceof JobsError) throw new Error(`rejected: ${result.code} ${result.message}`);
  return result;
}

describe('job execution state machine', () => {
  it('queues version 1, execution 1; starting sets startedAt and bumps the version', () => {
    const list = queued('a');
    expect(list[0]).toMatchObject({ status: 'QUEUED', versionNumber: 1, executionNumber: 1, queuedAt: T0 });
    const started = startNext(list, { statusDetails: { step: 'download' } }, ctx(T0 + 5000, job('a')));
    expect(started.execution).toMatchObject({
      status: 'IN_PROGRESS',
      versionNumber: 2,
      startedAt: T0 + 5000,
      statusDetails: { step: 'download' },
    });
    // Already IN_PROGRESS: returned unchanged, statusDetails kept.
    const again = startNext(
      started.executions,
      { statusDetails: { step: 'other' } },
      ctx(T0 + 6000, job('a')),
    );
    expect(again.execution).toEqual(started.execution);
  });

  it('orders the pending list IN_PROGRESS first, then by queue order', () => {
    const list = queued('a', 'b', 'c');
    const c = ok(updateExecution(list, 't', 'c', update('IN_PROGRESS'), ctx(T0 + 9000, job('c'))));
    expect(pendingExecutions(c.executions).map((e) => e.jobId)).toEqual(['c', 'a', 'b']);
  });

  it('checks expectedVersion and refuses transitions out of a terminal status', () => {
    const list = queued('a');
    const mismatch = updateExecution(
      list,
      't',
      'a',
      update('IN_PROGRESS', { expectedVersion: 2 }),
      ctx(T0, job('a')),
    );
    expect(mismatch).toBeInstanceOf(JobsError);
    expect((mismatch as JobsError).code).toBe('VersionMismatch');
    expect((mismatch as JobsError).execution?.versionNumber).toBe(1);

    const done = ok(
      updateExecution(list, 't', 'a', update('SUCCEEDED', { expectedVersion: 1 }), ctx(T0, job('a'))),
    );
    expect(done.execution).toMatchObject({ status: 'SUCCEEDED', versionNumber: 2 });
    const back = updateExecution(done.executions, 't', 'a', update('IN_PROGRESS'), ctx(T0, job('a')));
    expect((back as JobsError).code).toBe('InvalidStateTransition');
    expect((back as JobsError).execution?.status).toBe('SUCCEEDED');

    const missing = updateExecution(list, 't', 'zzz', update('IN_PROGRESS'), ctx(T0, job('a')));
    expect((missing as JobsError).code).toBe('ResourceNotFound');
  });

  it('times out at the step deadline; -1 stops the step timer; a new value restarts it', () => {
    const list = queued('a');
    const started = ok(
      updateExecution(list, 't', 'a', update('IN_PROGRESS', { stepTimeoutInMinutes: 2 }), ctx(T0, job('a'))),
    );
    expect(started.execution?.stepDeadline).toBe(T0 + 2 * MIN);
    expect(applyTimeouts(started.executions, ctx(T0 + 2 * MIN - 1, job('a'))).timedOut).toEqual([]);
    const out = applyTimeouts(started.executions, ctx(T0 + 10 * MIN, job('a')));
    expect(out.timedOut[0]).toMatchObject({
      status: 'TIMED_OUT',
      lastUpdatedAt: T0 + 2 * MIN,
      versionNumber: 3,
    });

    const stopped = ok(
      updateExecution(
        started.executions,
        't',
        'a',
        update('IN_PROGRESS', { stepTimeoutInMinutes: -1 }),
        ctx(T0 + MIN, job('a')),
      ),
    );
    expect(stopped.execution?.stepDeadline).toBeUndefined();
    expect(applyTimeouts(stopped.executions, ctx(T0 + 60 * MIN, job('a'))).timedOut).toEqual([]);

    const reset = ok(
      updateExecution(
        started.executions,
        't',
        'a',
        update('IN_PROGRESS', { stepTimeoutInMinutes: 5 }),
        ctx(T0 + MIN, job('a')),
      ),
    );
    expect(reset.execution?.stepDeadline).toBe(T0 + 6 * MIN);
  });

  it("runs the job's in-progress timer from IN_PROGRESS, independent of step timers", () => {
    const j = job('a', { inProgressTimeoutInMinutes: 10 });
    const started = startNext(queued('a'), {}, ctx(T0 + MIN, j));
    expect(started.execution?.inProgressDeadline).toBe(T0 + 11 * MIN);
    const later = ok(
      updateExecution(
        started.executions,
        't',
        'a',
        update('IN_PROGRESS', { stepTimeoutInMinutes: 30 }),
        ctx(T0 + 2 * MIN, j),
      ),
    );
    const out = applyTimeouts(later.executions, ctx(T0 + 11 * MIN, j));
    expect(out.timedOut.map((e) => e.status)).toEqual(['TIMED_OUT']);
  });

  it('retries a FAILED execution as a new one with the next executionNumber, within the retry budget', () => {
    const j = job('a', { retryCriteria: [{ failureType: 'FAILED', numberOfRetries: 1 }] });
    const failed = ok(updateExecution(queued('a'), 't', 'a', update('FAILED'), ctx(T0 + MIN, j)));
    expect(failed.executions.map((e) => [e.executionNumber, e.status, e.retryAttempt])).toEqual([
      [1, 'FAILED', 0],
      [2, 'QUEUED', 1],
    ]);
    expect(findExecution(failed.executions, 'a')?.executionNumber).toBe(2);
    expect(findExecution(failed.executions, 'a', 1)?.status).toBe('FAILED');
    const again = ok(updateExecution(failed.executions, 't', 'a', update('FAILED'), ctx(T0 + 2 * MIN, j)));
    expect(again.executions).toHaveLength(2);
    expect(again.executions.map((e) => e.status)).toEqual(['FAILED', 'FAILED']);
    // REJECTED is never retried.
    const rejected = ok(updateExecution(queued('a'), 't', 'a', update('REJECTED'), ctx(T0, j)));
    expect(rejected.executions).toHaveLength(1);
  });

  it('cancels QUEUED executions; IN_PROGRESS ones only with force', () => {
    const list = ok(
      updateExecution(queued('a', 'b'), 't', 'a', update('IN_PROGRESS'), ctx(T0, job('a'), job('b'))),
    );
    const soft = endPending(list.executions, 'a', 'CANCELED', ctx(T0 + 1, job('a')));
    expect(findExecution(soft.executions, 'a')?.status).toBe('IN_PROGRESS');
    const hard = endPending(list.executions, 'a', 'CANCELED', ctx(T0 + 1, job('a')), { force: true });
    expect(findExecution(hard.executions, 'a')).toMatchObject({
      status: 'CANCELED',
      forceCanceled: true,
      versionNumber: 3,
    });
    const b = endPending(list.executions, 'b', 'CANCELED', ctx(T0 + 1, job('b')));
    expect(findExecution(b.executions, 'b')?.status).toBe('CANCELED');
  });
});
