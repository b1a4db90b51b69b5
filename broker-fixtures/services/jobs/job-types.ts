/**
 * AWS IoT Jobs records as the stand-in keeps them (cloud-services.md §2), with AWS's field names.
 * Times are epoch milliseconds from the Clock; the device-facing views turn them into epoch seconds.
 */

/** §2.4: the eight execution states. */
export type JobExecutionStatus =
  'QUEUED' | 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'REJECTED' | 'REMOVED' | 'CANCELED';

export const EXECUTION_STATUSES: readonly JobExecutionStatus[] = [
  'QUEUED',
  'IN_PROGRESS',
  'SUCCEEDED',
  'FAILED',
  'TIMED_OUT',
  'REJECTED',
  'REMOVED',
  'CANCELED',
];

/** The statuses a device may ask for in UpdateJobExecution; the others are set by the service. */
export const DEVICE_STATUSES: readonly JobExecutionStatus[] = [
  'IN_PROGRESS',
  'SUCCEEDED',
  'FAILED',
  'REJECTED',
];

export function isTerminal(status: JobExecutionStatus): boolean {
  return status !== 'QUEUED' && status !== 'IN_PROGRESS';
}

/** Job (not execution) states: DescribeJob's `status`. */
export type JobStatus = 'IN_PROGRESS' | 'CANCELED' | 'COMPLETED' | 'DELETION_IN_PROGRESS';

export type TargetSelection = 'SNAPSHOT' | 'CONTINUOUS';

/** `jobExecutionsRetryConfig.criteriaList[]`: retry a FAILED or TIMED_OUT execution as a new one. */
export interface RetryCriteria {
  failureType: 'FAILED' | 'TIMED_OUT' | 'ALL';
  numberOfRetries: number;
}

export interface JobRecord {
  jobId: string;
  jobArn: string;
  /** Thing and thing-group ARNs, as given to CreateJob. */
  targets: string[];
  /** The job document as created (placeholders unresolved), JSON text of at most 32 KB. */
  document: string;
  description?: string;
  targetSelection: TargetSelection;
  /** CANCELED and DELETION_IN_PROGRESS are stored; COMPLETED is worked out from the executions. */
  status: 'IN_PROGRESS' | 'CANCELED' | 'DELETION_IN_PROGRESS';
  /** Validity of presigned URLs put in place of `${aws:iot:s3-presigned-url:…}` (60–3600 s). */
  presignedUrlExpiresInSec: number;
  /** `timeoutConfig.inProgressTimeoutInMinutes`: from IN_PROGRESS to TIMED_OUT unless finished. */
  inProgressTimeoutInMinutes?: number;
  retryCriteria?: RetryCriteria[];
  /** Every thing that got an execution, in order. */
  things: string[];
  forceCanceled?: boolean;
  comment?: string;
  reasonCode?: string;
  createdAt: number;
  lastUpdatedAt: number;
}

export interface JobExecutionRecord {
  jobId: string;
  thingName: string;
  executionNumber: number;
  status: JobExecutionStatus;
  statusDetails?: Record<string, string>;
  queuedAt: number;
  startedAt?: number;
  lastUpdatedAt: number;
  versionNumber: number;
  /** 0 for the first execution, n for the n-th retry. */
  retryAttempt: number;
  /** Absolute deadline of the step timer (`stepTimeoutInMinutes`). */
  stepDeadline?: number;
  /** Absolute deadline of the job's in-progress timer. */
  inProgressDeadline?: number;
  forceCanceled?: boolean;
}

/**
 * One thing's executions, oldest first: the order of this list is the order in which executions
 * were queued, which is the order AWS hands them out.
 */
export interface ThingJobs {
  executions: JobExecutionRecord[];
}

/** Device API limits (cloud-services.md §2.3, §2.5; AWS Jobs limits page). */
export const JOBS_LIMITS = {
  jobId: /^[a-zA-Z0-9_-]{1,64}$/,
  thingName: /^[a-zA-Z0-9:_-]{1,128}$/,
  /** ListNotification and GetPendingJobExecutions carry at most 10 pending executions. */
  maxPendingListed: 10,
  maxStatusDetails: 10,
  statusDetailsKey: /^[a-zA-Z0-9:_-]{1,128}$/,
  /** The API reference: values of 1–1024 characters without control characters. */
  maxStatusDetailsValue: 1024,
  minStepTimeoutMinutes: 1,
  maxStepTimeoutMinutes: 10080,
  maxClientTokenBytes: 64,
  maxDocumentBytes: 32 * 1024,
  maxPlaceholders: 10,
  maxTargets: 100,
  minPresignedExpires: 60,
  maxPresignedExpires: 3600,
} as const;
