import { isTerminal, type JobExecutionRecord, type JobExecutionStatus, type JobRecord } from './job-types.js';
import { JobsError } from './jobs-errors.js';
import type { StartNextRequest, UpdateRequest } from './jobs-request.js';

/**
 * The execution state machine of one thing (cloud-services.md §2.4–2.5), as pure functions over its
 * list of executions. Every change makes a new list; the service stores it and works out the
 * notifications by comparing the pending lists before and after.
 */

export interface ModelContext {
  now: number;
  /** The jobs the thing's executions belong to (timeout and retry configuration, job status). */
  jobs: ReadonlyMap<string, JobRecord>;
}

export interface Changed {
  executions: JobExecutionRecord[];
  /** The execution the request was about, after the change. */
  execution?: JobExecutionRecord;
}

const MINUTE = 60_000;

/** QUEUED or IN_PROGRESS executions: IN_PROGRESS first, each group in the order it was queued. */
export function pendingExecutions(executions: readonly JobExecutionRecord[]): JobExecutionRecord[] {
  return [
    ...executions.filter((e) => e.status === 'IN_PROGRESS'),
    ...executions.filter((e) => e.status === 'QUEUED'),
  ];
}

/** The execution of `jobId` numbered `executionNumber`, or its latest one. */
export function findExecution(
  executions: readonly JobExecutionRecord[],
  jobId: string,
  executionNumber?: number,
): JobExecutionRecord | undefined {
  let found: JobExecutionRecord | undefined;
  for (const e of executions) {
    if (e.jobId !== jobId) continue;
    if (
      executionNumber !== undefined
        ? e.executionNumber === executionNumber
        : !found || e.executionNumber > found.executionNumber
    )
      found = e;
  }
  return found;
}

function replace(
  executions: readonly JobExecutionRecord[],
  old: JobExecutionRecord,
  next: JobExecutionRecord,
): JobExecutionRecord[] {
  return executions.map((e) => (e === old ? next : e));
}

/** The earliest deadline of an IN_PROGRESS execution, if a timer runs. */
export function deadlineOf(e: JobExecutionRecord): number | undefined {
  if (e.status !== 'IN_PROGRESS') return undefined;
  const all = [e.stepDeadline, e.inProgressDeadline].filter((d): d is number => d !== undefined);
  return all.length ? Math.min(...all) : undefined;
}

/**
 * Ends an execution in a terminal status at `at`; a FAILED or TIMED_OUT one whose job has retries
 * left is followed by a new QUEUED execution with the next executionNumber (§2.4).
 */
function finish(
  executions: readonly JobExecutionRecord[],
  e: JobExecutionRecord,
  status: JobExecutionStatus,
  ctx: ModelContext,
  at: number,
  change: Partial<JobExecutionRecord> = {},
): Changed {
  const done: JobExecutionRecord = {
    ...e,
    ...change,
    status,
    versionNumber: e.versionNumber + 1,
    lastUpdatedAt: at,
  };
  delete done.stepDeadline;
  delete done.inProgressDeadline;
  const out = replace(executions, e, done);
  const job = ctx.jobs.get(e.jobId);
  if ((status === 'FAILED' || status === 'TIMED_OUT') && job?.status === 'IN_PROGRESS' && job.retryCriteria) {
    const criteria =
      job.retryCriteria.find((c) => c.failureType === status) ??
      job.retryCriteria.find((c) => c.failureType === 'ALL');
    if (criteria && e.retryAttempt < criteria.numberOfRetries) {
      out.push({
        jobId: e.jobId,
        thingName: e.thingName,
        executionNumber: e.executionNumber + 1,
        status: 'QUEUED',
        queuedAt: at,
        lastUpdatedAt: at,
        versionNumber: 1,
        retryAttempt: e.retryAttempt + 1,
      });
    }
  }
  return { executions: out, execution: done };
}

/** QUEUED → IN_PROGRESS: startedAt, the job's in-progress timer and an optional step timer. */
function start(
  e: JobExecutionRecord,
  ctx: ModelContext,
  statusDetails?: Record<string, string>,
  stepMinutes?: number,
): JobExecutionRecord {
  const job = ctx.jobs.get(e.jobId);
  const next: JobExecutionRecord = {
    ...e,
    status: 'IN_PROGRESS',
    startedAt: ctx.now,
    lastUpdatedAt: ctx.now,
    versionNumber: e.versionNumber + 1,
    ...(statusDetails ? { statusDetails } : {}),
  };
  if (job?.inProgressTimeoutInMinutes !== undefined)
    next.inProgressDeadline = ctx.now + job.inProgressTimeoutInMinutes * MINUTE;
  if (stepMinutes !== undefined && stepMinutes > 0) next.stepDeadline = ctx.now + stepMinutes * MINUTE;
  return next;
}

/** Times out every IN_PROGRESS execution whose step or in-progress timer has run out by `ctx.now`. */
export function applyTimeouts(
  executions: readonly JobExecutionRecord[],
  ctx: ModelContext,
): Changed & { timedOut: JobExecutionRecord[] } {
  let out = [...executions];
  const timedOut: JobExecutionRecord[] = [];
  const due = out
    .filter((e) => (deadlineOf(e) ?? Infinity) <= ctx.now)
    .sort((a, b) => (deadlineOf(a) ?? 0) - (deadlineOf(b) ?? 0));
  for (const e of due) {
    const result = finish(out, e, 'TIMED_OUT', ctx, deadlineOf(e) ?? ctx.now);
    out = result.executions;
    if (result.execution) timedOut.push(result.execution);
  }
  return { executions: out, timedOut };
}

/** StartNextPendingJobExecution: the head of the pending list, started if it was QUEUED. */
export function startNext(
  executions: readonly JobExecutionRecord[],
  request: StartNextRequest,
  ctx: ModelContext,
): Changed {
  const head = pendingExecutions(executions)[0];
  if (!head) return { executions: [...executions] };
  if (head.status === 'IN_PROGRESS') return { executions: [...executions], execution: head };
  const started = start(head, ctx, request.statusDetails, request.stepTimeoutInMinutes);
  return { executions: replace(executions, head, started), execution: started };
}

/** UpdateJobExecution from the device. */
export function updateExecution(
  executions: readonly JobExecutionRecord[],
  thingName: string,
  jobId: string,
  request: UpdateRequest,
  ctx: ModelContext,
): Changed | JobsError {
  const e = findExecution(executions, jobId, request.executionNumber);
  if (!e) {
    const which =
      request.executionNumber !== undefined ? ` with executionNumber ${request.executionNumber}` : '';
    return new JobsError(
      'ResourceNotFound',
      `No job execution exists for job ${jobId}${which} on thing ${thingName}`,
    );
  }
  if (isTerminal(e.status)) {
    return new JobsError(
      'InvalidStateTransition',
      `Job execution is in the terminal status ${e.status} and cannot change to ${request.status}`,
      e,
    );
  }
  if (request.expectedVersion !== undefined && request.expectedVersion !== e.versionNumber) {
    return new JobsError(
      'VersionMismatch',
      `Expected version ${request.expectedVersion} does not match the current version ${e.versionNumber}`,
      e,
    );
  }
  if (request.status !== 'IN_PROGRESS') {
    return finish(
      executions,
      e,
      request.status,
      ctx,
      ctx.now,
      request.statusDetails ? { statusDetails: request.statusDetails } : {},
    );
  }
  let next: JobExecutionRecord =
    e.status === 'QUEUED'
      ? start(e, ctx, request.statusDetails)
      : {
          ...e,
          versionNumber: e.versionNumber + 1,
          lastUpdatedAt: ctx.now,
          ...(request.statusDetails ? { statusDetails: request.statusDetails } : {}),
        };
  if (request.stepTimeoutInMinutes === -1) {
    next = { ...next };
    delete next.stepDeadline;
  } else if (request.stepTimeoutInMinutes !== undefined) {
    next = { ...next, stepDeadline: ctx.now + request.stepTimeoutInMinutes * 60_000 };
  }
  return { executions: replace(executions, e, next), execution: next };
}

/**
 * Queues an execution of `job` unless the thing already has one; a thing whose execution was
 * REMOVED (it left the target group of a continuous job) and is targeted again gets a new one.
 */
export function queueExecution(
  executions: readonly JobExecutionRecord[],
  job: JobRecord,
  thingName: string,
  now: number,
): Changed {
  const existing = findExecution(executions, job.jobId);
  if (existing && existing.status !== 'REMOVED') return { executions: [...executions], execution: existing };
  const e: JobExecutionRecord = {
    jobId: job.jobId,
    thingName,
    executionNumber: (existing?.executionNumber ?? 0) + 1,
    status: 'QUEUED',
    queuedAt: now,
    lastUpdatedAt: now,
    versionNumber: 1,
    retryAttempt: 0,
  };
  return { executions: [...executions, e], execution: e };
}

/**
 * A service-side end of the pending executions of `jobId`: CANCELED (CancelJob / CancelJobExecution;
 * IN_PROGRESS ones only with `force`) or REMOVED (the thing left the target group).
 */
export function endPending(
  executions: readonly JobExecutionRecord[],
  jobId: string,
  status: 'CANCELED' | 'REMOVED',
  ctx: ModelContext,
  options: { force?: boolean; statusDetails?: Record<string, string> } = {},
): Changed {
  let out = [...executions];
  let last: JobExecutionRecord | undefined;
  for (const e of executions) {
    if (e.jobId !== jobId || isTerminal(e.status)) continue;
    if (e.status === 'IN_PROGRESS' && status === 'CANCELED' && !options.force) continue;
    const change: Partial<JobExecutionRecord> = {
      ...(options.statusDetails ? { statusDetails: options.statusDetails } : {}),
      ...(e.status === 'IN_PROGRESS' && status === 'CANCELED' ? { forceCanceled: true } : {}),
    };
    const result = finish(out, e, status, ctx, ctx.now, change);
    out = result.executions;
    last = result.execution;
  }
  return { executions: out, ...(last ? { execution: last } : {}) };
}
