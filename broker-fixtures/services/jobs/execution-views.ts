import type { JsonObject, JsonValue } from '../shadow/json.js';
import { JOBS_LIMITS, type JobExecutionRecord } from './job-types.js';

/**
 * The JSON shapes devices receive (cloud-services.md §2.2–2.3): JobExecution, JobExecutionSummary,
 * JobExecutionState and the two notifications. Times in epoch seconds, as AWS sends them.
 */

export function seconds(ms: number): number {
  return Math.floor(ms / 1000);
}

function deadlineOf(e: JobExecutionRecord): number | undefined {
  const deadlines = [e.stepDeadline, e.inProgressDeadline].filter((d): d is number => d !== undefined);
  return deadlines.length ? Math.min(...deadlines) : undefined;
}

export function executionStateView(e: JobExecutionRecord): JsonObject {
  return {
    status: e.status,
    ...(e.statusDetails ? { statusDetails: { ...e.statusDetails } } : {}),
    versionNumber: e.versionNumber,
  };
}

export function executionSummaryView(e: JobExecutionRecord): JsonObject {
  return {
    jobId: e.jobId,
    queuedAt: seconds(e.queuedAt),
    ...(e.startedAt !== undefined ? { startedAt: seconds(e.startedAt) } : {}),
    lastUpdatedAt: seconds(e.lastUpdatedAt),
    versionNumber: e.versionNumber,
    executionNumber: e.executionNumber,
  };
}

/** A JobExecution; `jobDocument` is left out when `document` is undefined (includeJobDocument false). */
export function executionView(
  e: JobExecutionRecord,
  document: JsonValue | undefined,
  now: number,
): JsonObject {
  const deadline = e.status === 'IN_PROGRESS' ? deadlineOf(e) : undefined;
  return {
    jobId: e.jobId,
    thingName: e.thingName,
    ...(document !== undefined ? { jobDocument: document } : {}),
    status: e.status,
    ...(e.statusDetails ? { statusDetails: { ...e.statusDetails } } : {}),
    queuedAt: seconds(e.queuedAt),
    ...(e.startedAt !== undefined ? { startedAt: seconds(e.startedAt) } : {}),
    lastUpdatedAt: seconds(e.lastUpdatedAt),
    versionNumber: e.versionNumber,
    executionNumber: e.executionNumber,
    ...(deadline !== undefined
      ? { approximateSecondsBeforeTimedOut: Math.max(0, Math.ceil((deadline - now) / 1000)) }
      : {}),
  };
}

/** `…/jobs/notify`: IN_PROGRESS then QUEUED, each key only when non-empty, at most 10 entries. */
export function listNotification(pending: readonly JobExecutionRecord[], now: number): JsonObject {
  const shown = pending.slice(0, JOBS_LIMITS.maxPendingListed);
  const inProgress = shown.filter((e) => e.status === 'IN_PROGRESS').map(executionSummaryView);
  const queued = shown.filter((e) => e.status === 'QUEUED').map(executionSummaryView);
  return {
    timestamp: seconds(now),
    jobs: {
      ...(inProgress.length ? { IN_PROGRESS: inProgress } : {}),
      ...(queued.length ? { QUEUED: queued } : {}),
    },
  };
}
