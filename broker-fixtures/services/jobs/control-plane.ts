import { ErrorCode, SimError } from '../../../core/errors.js';
import { KeyedQueue } from '../shadow/keyed-queue.js';
import type { JsonObject } from '../shadow/json.js';
import type { ServiceContext } from '../service.js';
import type { ExecutionEngine } from './execution-engine.js';
import { endPending, findExecution, queueExecution } from './execution-model.js';
import { jobStatusOf, type JobQueries } from './job-queries.js';
import { parseJobDefinition, type JobTarget } from './job-definition.js';
import { isTerminal, type JobRecord, type ThingJobs } from './job-types.js';

export interface CancelOptions {
  force?: boolean;
  comment?: string;
  reasonCode?: string;
}

/**
 * The AWS IoT Jobs control plane's changes (CreateJob, CancelJob, CancelJobExecution, DeleteJob,
 * continuous jobs following their groups), acting on executions through the same engine as the
 * devices, so a job created or canceled here notifies devices at once.
 */
/** Another broker node changed a job record between our read and our write. */
class JobConflict extends Error {
  constructor(jobId: string) {
    super(`job ${jobId} changed while being written`);
  }
}

/** Conflicting writes in a row (other broker nodes) before a control-plane call fails. */
const MAX_ATTEMPTS = 50;

export class JobsControlPlane {
  private readonly jobQueue = new KeyedQueue();

  /**
   * Runs `work` for one job, one at a time on this node, and again when {@link writeJob} found the
   * record changed by another broker node since `work` read it.
   */
  private serial<T>(jobId: string, work: () => Promise<T>): Promise<T> {
    return this.jobQueue.run(jobId, async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await work();
        } catch (err) {
          if (!(err instanceof JobConflict) || attempt >= MAX_ATTEMPTS) throw err;
        }
      }
    });
  }

  /** Writes the job record if it is still `before` (undefined: absent), checked in the store. */
  private async writeJob(jobId: string, before: JobRecord | undefined, after: JobRecord): Promise<void> {
    const { applied, durable } = this.ctx.store.commitIf(
      [{ collection: 'jobs', key: jobId, value: before }],
      [{ collection: 'jobs', key: jobId, value: after }],
    );
    if (!(await applied)) throw new JobConflict(jobId);
    await durable;
  }

  constructor(
    private readonly ctx: ServiceContext,
    private readonly engine: ExecutionEngine,
    private readonly queries: JobQueries,
  ) {}

  private requireJob(jobId: string): Promise<JobRecord> {
    return this.queries.requireJob(jobId);
  }

  private async thingsOf(target: JobTarget): Promise<string[]> {
    const { registry } = this.ctx;
    if (target.kind === 'thing') {
      if (!(await registry.getThing(target.name)))
        throw new SimError(ErrorCode.NOT_FOUND, `thing ${target.name} does not exist`);
      return [target.name];
    }
    const group = await registry.getThingGroup(target.name);
    if (!group) throw new SimError(ErrorCode.NOT_FOUND, `thing group ${target.name} does not exist`);
    return group.things;
  }

  /** Adds `things` to the job's record of things with executions. */
  private recordThings(jobId: string, things: string[]): Promise<void> {
    return this.serial(jobId, async () => {
      const job = await this.engine.getJob(jobId);
      if (!job) return;
      const added = things.filter((t) => !job.things.includes(t));
      if (added.length) await this.writeJob(jobId, job, { ...job, things: [...job.things, ...added] });
    });
  }

  /**
   * The job lists a thing before the thing gets its execution, so a crash in between leaves a
   * listed thing without one, which {@link resumeRollouts} completes, and never an unlisted one.
   */
  private async queueFor(job: JobRecord, things: string[]): Promise<void> {
    await this.recordThings(job.jobId, things);
    for (const thing of things) {
      await this.engine.withThing(thing, (executions, model) => ({
        executions: queueExecution(executions, job, thing, model.now).executions,
        result: undefined,
      }));
    }
  }

  /** At start: queues the executions a job's rollout had not reached when the broker stopped. */
  async resumeRollouts(): Promise<void> {
    for (const [, job] of await this.ctx.store.list<JobRecord>('jobs')) {
      if (job.status !== 'IN_PROGRESS') continue;
      const missing: string[] = [];
      for (const thing of job.things) {
        const executions = (await this.ctx.store.get<ThingJobs>('job-executions', thing))?.executions ?? [];
        if (!executions.some((e) => e.jobId === job.jobId)) missing.push(thing);
      }
      if (missing.length) await this.queueFor(job, missing);
    }
  }

  /** CreateJob: an execution, QUEUED, for every target thing and every member of a target group. */
  async createJob(jobId: string, body: unknown): Promise<JsonObject> {
    const { config, clock } = this.ctx;
    const { resolvedTargets, ...definition } = parseJobDefinition(
      jobId,
      body,
      config.region,
      config.accountId,
    );
    const things: string[] = [];
    for (const target of resolvedTargets)
      for (const t of await this.thingsOf(target)) if (!things.includes(t)) things.push(t);
    const job = await this.serial(jobId, async () => {
      if (await this.engine.getJob(jobId))
        throw new SimError(ErrorCode.ALREADY_EXISTS, `job ${jobId} already exists`);
      const now = clock.now();
      const record: JobRecord = {
        ...definition,
        status: 'IN_PROGRESS',
        things,
        createdAt: now,
        lastUpdatedAt: now,
      };
      await this.writeJob(jobId, undefined, record);
      return record;
    });
    this.ctx.log.add({ type: 'job-created', detail: `${jobId} for ${things.length} thing(s)` });
    await this.queueFor(job, things);
    return {
      jobArn: job.jobArn,
      jobId,
      ...(job.description !== undefined ? { description: job.description } : {}),
    };
  }

  /** Continuous jobs follow their groups: a new member gets an execution, a member that leaves has its pending one REMOVED. */
  async onMembership(thingGroupName: string, thingName: string, member: boolean): Promise<void> {
    const { region, accountId } = this.ctx.config;
    const groupArn = `arn:aws:iot:${region}:${accountId}:thinggroup/${thingGroupName}`;
    const thingArn = `arn:aws:iot:${region}:${accountId}:thing/${thingName}`;
    for (const [, job] of await this.ctx.store.list<JobRecord>('jobs')) {
      if (
        job.targetSelection !== 'CONTINUOUS' ||
        job.status !== 'IN_PROGRESS' ||
        !job.targets.includes(groupArn)
      )
        continue;
      if (member) {
        await this.queueFor(job, [thingName]);
        continue;
      }
      const groups = await this.ctx.registry.thingGroupsOf(thingName);
      const stillTargeted =
        job.targets.includes(thingArn) ||
        job.targets.some((t) => groups.some((g) => t.endsWith(`:thinggroup/${g}`)));
      if (stillTargeted) continue;
      await this.engine.withThing(thingName, (executions, model) => ({
        executions: endPending(executions, job.jobId, 'REMOVED', model).executions,
        result: undefined,
      }));
    }
  }

  /** CancelJob: QUEUED executions become CANCELED, IN_PROGRESS ones too with `force`. */
  async cancelJob(jobId: string, options: CancelOptions = {}): Promise<JsonObject> {
    const job = await this.serial(jobId, async () => {
      const job = await this.requireJob(jobId);
      const { status } = jobStatusOf(job, await this.queries.latestExecutions(job));
      if (
        status === 'COMPLETED' ||
        status === 'DELETION_IN_PROGRESS' ||
        (status === 'CANCELED' && !options.force)
      ) {
        throw new SimError(
          ErrorCode.INVALID_STATE,
          `job ${jobId} is ${status} and cannot be canceled${status === 'CANCELED' ? ' again without force' : ''}`,
        );
      }
      const record: JobRecord = {
        ...job,
        status: 'CANCELED',
        forceCanceled: job.forceCanceled === true || options.force === true,
        ...(options.comment !== undefined ? { comment: options.comment } : {}),
        ...(options.reasonCode !== undefined ? { reasonCode: options.reasonCode } : {}),
        lastUpdatedAt: this.ctx.clock.now(),
      };
      await this.writeJob(jobId, job, record);
      return record;
    });
    for (const thing of job.things) {
      await this.engine.withThing(thing, (executions, model) => ({
        executions: endPending(executions, jobId, 'CANCELED', model, { force: options.force === true })
          .executions,
        result: undefined,
      }));
    }
    this.ctx.log.add({ type: 'job-canceled', detail: `${jobId}${options.force ? ' (force)' : ''}` });
    return {
      jobArn: job.jobArn,
      jobId,
      ...(job.description !== undefined ? { description: job.description } : {}),
    };
  }

  /** CancelJobExecution: one thing's pending execution; an IN_PROGRESS one needs `force`. */
  async cancelExecution(
    thingName: string,
    jobId: string,
    options: { force?: boolean; statusDetails?: Record<string, string> } = {},
  ): Promise<void> {
    await this.engine.withThing(thingName, (executions, model) => {
      const e = findExecution(executions, jobId);
      if (!e) throw new SimError(ErrorCode.NOT_FOUND, `thing ${thingName} has no execution of job ${jobId}`);
      if (isTerminal(e.status))
        throw new SimError(
          ErrorCode.INVALID_STATE,
          `the execution of ${jobId} on ${thingName} is already ${e.status}`,
        );
      if (e.status === 'IN_PROGRESS' && !options.force) {
        throw new SimError(
          ErrorCode.INVALID_STATE,
          `the execution of ${jobId} on ${thingName} is IN_PROGRESS; cancel it with force`,
        );
      }
      return {
        executions: endPending(executions, jobId, 'CANCELED', model, options).executions,
        result: undefined,
      };
    });
  }

  /** DeleteJob: the job and all its executions; one still in progress needs `force`. */
  async deleteJob(jobId: string, force = false): Promise<void> {
    const job = await this.serial(jobId, async () => {
      const job = await this.requireJob(jobId);
      const latest = await this.queries.latestExecutions(job);
      const { status } = jobStatusOf(job, latest);
      if (!force && (status === 'IN_PROGRESS' || latest.some((e) => e.status === 'IN_PROGRESS'))) {
        throw new SimError(ErrorCode.INVALID_STATE, `job ${jobId} is in progress; delete it with force`);
      }
      const record: JobRecord = {
        ...job,
        status: 'DELETION_IN_PROGRESS',
        lastUpdatedAt: this.ctx.clock.now(),
      };
      await this.writeJob(jobId, job, record);
      return record;
    });
    for (const thing of job.things) {
      await this.engine.withThing(thing, (executions) => ({
        executions: executions.filter((e) => e.jobId !== jobId),
        result: undefined,
      }));
    }
    await this.jobQueue.run(jobId, () => this.ctx.store.delete('jobs', jobId));
    this.ctx.log.add({ type: 'job-deleted', detail: `${jobId}${force ? ' (force)' : ''}` });
  }
}
