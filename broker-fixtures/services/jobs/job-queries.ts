import { ErrorCode, SimError } from '../../../core/errors.js';
import type { JsonObject } from '../shadow/json.js';
import type { ServiceContext } from '../service.js';
import type { ExecutionEngine } from './execution-engine.js';
import { deadlineOf, findExecution } from './execution-model.js';
import { isTerminal, type JobExecutionRecord, type JobRecord, type JobStatus } from './job-types.js';

/** Control-plane timestamps: epoch seconds with a fraction, as AWS's REST API returns them. */
const time = (ms: number): number => ms / 1000;

const PROCESS_FIELDS: Record<string, string> = {
  QUEUED: 'numberOfQueuedThings',
  IN_PROGRESS: 'numberOfInProgressThings',
  SUCCEEDED: 'numberOfSucceededThings',
  FAILED: 'numberOfFailedThings',
  TIMED_OUT: 'numberOfTimedOutThings',
  REJECTED: 'numberOfRejectedThings',
  REMOVED: 'numberOfRemovedThings',
  CANCELED: 'numberOfCanceledThings',
};

/** A snapshot job whose executions have all ended is COMPLETED; the other states are stored. */
export function jobStatusOf(
  job: JobRecord,
  latest: readonly JobExecutionRecord[],
): { status: JobStatus; completedAt?: number } {
  if (job.status !== 'IN_PROGRESS' || job.targetSelection !== 'SNAPSHOT' || latest.length === 0)
    return { status: job.status };
  if (!latest.every((e) => isTerminal(e.status))) return { status: 'IN_PROGRESS' };
  return { status: 'COMPLETED', completedAt: Math.max(...latest.map((e) => e.lastUpdatedAt)) };
}

/**
 * The AWS IoT Jobs control plane's reads (DescribeJob, GetJobDocument, ListJobs, the job-execution
 * listings, DescribeJobExecution), through the engine so that expired timers are applied first.
 */
export class JobQueries {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly engine: ExecutionEngine,
  ) {}

  async requireJob(jobId: string): Promise<JobRecord> {
    const job = await this.engine.getJob(jobId);
    if (!job) throw new SimError(ErrorCode.NOT_FOUND, `job ${jobId} does not exist`);
    return job;
  }

  /** The latest execution of the job on each of its things (timeouts applied). */
  async latestExecutions(job: JobRecord): Promise<JobExecutionRecord[]> {
    const out: JobExecutionRecord[] = [];
    for (const thing of job.things) {
      const e = await this.engine.withThing(thing, (executions) => ({
        executions,
        result: findExecution(executions, job.jobId),
      }));
      if (e) out.push(e);
    }
    return out;
  }

  private summary(job: JobRecord, latest: readonly JobExecutionRecord[]): JsonObject {
    const { status, completedAt } = jobStatusOf(job, latest);
    return {
      jobArn: job.jobArn,
      jobId: job.jobId,
      targetSelection: job.targetSelection,
      status,
      createdAt: time(job.createdAt),
      lastUpdatedAt: time(job.lastUpdatedAt),
      ...(completedAt !== undefined ? { completedAt: time(completedAt) } : {}),
    };
  }

  /** DescribeJob: `{job}` with its configuration and jobProcessDetails. */
  async describeJob(jobId: string): Promise<JsonObject> {
    const job = await this.requireJob(jobId);
    const latest = await this.latestExecutions(job);
    const counts: JsonObject = Object.fromEntries(Object.values(PROCESS_FIELDS).map((f) => [f, 0]));
    for (const e of latest) {
      const field = PROCESS_FIELDS[e.status];
      if (field) counts[field] = (counts[field] as number) + 1;
    }
    return {
      job: {
        ...this.summary(job, latest),
        ...(job.description !== undefined ? { description: job.description } : {}),
        targets: job.targets,
        forceCanceled: job.forceCanceled === true,
        ...(job.comment !== undefined ? { comment: job.comment } : {}),
        ...(job.reasonCode !== undefined ? { reasonCode: job.reasonCode } : {}),
        presignedUrlConfig: { expiresInSec: job.presignedUrlExpiresInSec },
        ...(job.inProgressTimeoutInMinutes !== undefined
          ? { timeoutConfig: { inProgressTimeoutInMinutes: job.inProgressTimeoutInMinutes } }
          : {}),
        ...(job.retryCriteria
          ? { jobExecutionsRetryConfig: { criteriaList: job.retryCriteria.map((c) => ({ ...c })) } }
          : {}),
        jobProcessDetails: counts,
      },
    };
  }

  /** GetJobDocument: the document as created, placeholders unresolved. */
  async jobDocument(jobId: string): Promise<JsonObject> {
    return { document: (await this.requireJob(jobId)).document };
  }

  /** ListJobs, optionally only one status or the jobs a thing has executions of. */
  async listJobs(filter: { status?: string; thingName?: string } = {}): Promise<JsonObject> {
    const jobs: JsonObject[] = [];
    for (const [, job] of await this.ctx.store.list<JobRecord>('jobs')) {
      if (filter.thingName !== undefined && !job.things.includes(filter.thingName)) continue;
      const summary = this.summary(job, await this.latestExecutions(job));
      if (filter.status === undefined || summary.status === filter.status) jobs.push(summary);
    }
    return { jobs };
  }

  private executionSummary(e: JobExecutionRecord): JsonObject {
    return {
      status: e.status,
      queuedAt: time(e.queuedAt),
      ...(e.startedAt !== undefined ? { startedAt: time(e.startedAt) } : {}),
      lastUpdatedAt: time(e.lastUpdatedAt),
      executionNumber: e.executionNumber,
      retryAttempt: e.retryAttempt,
    };
  }

  private thingArn(thingName: string): string {
    return `arn:aws:iot:${this.ctx.config.region}:${this.ctx.config.accountId}:thing/${thingName}`;
  }

  /** ListJobExecutionsForJob: the latest execution on each thing. */
  async executionsForJob(jobId: string): Promise<JsonObject> {
    const latest = await this.latestExecutions(await this.requireJob(jobId));
    return {
      executionSummaries: latest.map((e) => ({
        thingArn: this.thingArn(e.thingName),
        jobExecutionSummary: this.executionSummary(e),
      })),
    };
  }

  /** ListJobExecutionsForThing: every execution the thing has on record. */
  async executionsForThing(thingName: string): Promise<JsonObject> {
    const all = await this.engine.withThing(thingName, (executions) => ({ executions, result: executions }));
    return {
      executionSummaries: all.map((e) => ({ jobId: e.jobId, jobExecutionSummary: this.executionSummary(e) })),
    };
  }

  /** DescribeJobExecution (control plane): any state, terminal ones included. */
  async describeExecution(thingName: string, jobId: string, executionNumber?: number): Promise<JsonObject> {
    const now = this.ctx.clock.now();
    const e = await this.engine.withThing(thingName, (executions) => ({
      executions,
      result: findExecution(executions, jobId, executionNumber),
    }));
    if (!e) throw new SimError(ErrorCode.NOT_FOUND, `thing ${thingName} has no execution of job ${jobId}`);
    const deadline = deadlineOf(e);
    return {
      execution: {
        jobId: e.jobId,
        thingArn: this.thingArn(thingName),
        ...this.executionSummary(e),
        versionNumber: e.versionNumber,
        forceCanceled: e.forceCanceled === true,
        statusDetails: { detailsMap: { ...(e.statusDetails ?? {}) } },
        ...(deadline !== undefined
          ? { approximateSecondsBeforeTimedOut: Math.max(0, Math.ceil((deadline - now) / 1000)) }
          : {}),
      },
    };
  }
}
