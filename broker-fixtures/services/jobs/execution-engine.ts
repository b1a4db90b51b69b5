import type { TimerHandle } from '../../../core/clock.js';
import { ErrorCode, SimError } from '../../../core/errors.js';
import type { JsonValue } from '../shadow/json.js';
import { KeyedQueue } from '../shadow/keyed-queue.js';
import type { ServiceContext } from '../service.js';
import { applyTimeouts, deadlineOf, pendingExecutions, type ModelContext } from './execution-model.js';
import { executionView, listNotification, seconds } from './execution-views.js';
import type { JobExecutionRecord, JobRecord, ThingJobs } from './job-types.js';
import { jobsPrefix } from './jobs-topics.js';
import { resolvePlaceholders, type Presigner } from './presigned-placeholders.js';

/** What a change to one thing's executions produces: the new list and a result for the caller. */
export interface Outcome<T> {
  executions: JobExecutionRecord[];
  result: T;
}

/** Conflicting writes in a row (other broker nodes) before a request fails. */
const MAX_ATTEMPTS = 50;

const keyOf = (e: JobExecutionRecord | undefined): string => (e ? `${e.jobId}#${e.executionNumber}` : '');

/**
 * Where every read and change of a thing's job executions goes through, one at a time per thing:
 * load from the store, time out what ran out, apply the change, store it, answer the requester,
 * publish `notify` (the pending list changed) and `notify-next` (its head changed), and keep one
 * Clock timer per thing for its earliest deadline. The same path serves MQTT and the console.
 */
export class ExecutionEngine {
  private readonly queue = new KeyedQueue();
  private readonly timers = new Map<string, { due: number; handle: TimerHandle }>();
  private stopped = false;
  private unwatch: () => void = () => undefined;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly presigner: () => Presigner | undefined,
  ) {}

  /**
   * Timers for every stored deadline, so step timeouts survive a broker restart; on a shared store
   * also for the deadlines other nodes set, so a timeout fires even when the node that set it is
   * gone. Every node may fire the same one: the first to commit times the execution out, the others
   * then find nothing to change and publish nothing.
   */
  async armTimers(): Promise<void> {
    if (!this.ctx.aedes) return;
    this.unwatch = this.ctx.store.watch((changes) => {
      for (const c of changes) {
        if (c.collection !== 'job-executions' || this.stopped) continue;
        this.ctx.store.get<ThingJobs>('job-executions', c.key).then(
          (record) => this.schedule(c.key, record?.executions ?? []),
          (err: Error) => this.ctx.log.add({ type: 'service-error', thingName: c.key, detail: err.message }),
        );
      }
    });
    for (const [thingName, record] of await this.ctx.store.list<ThingJobs>('job-executions')) {
      this.schedule(thingName, record.executions);
    }
  }

  stop(): void {
    this.stopped = true;
    this.unwatch();
    for (const t of this.timers.values()) t.handle.cancel();
    this.timers.clear();
  }

  getJob(jobId: string): Promise<JobRecord | undefined> {
    return this.ctx.store.get<JobRecord>('jobs', jobId);
  }

  /** Names of the things that have executions on record. */
  async thingsWithExecutions(): Promise<string[]> {
    return (await this.ctx.store.list<ThingJobs>('job-executions')).map(([name]) => name);
  }

  /** The job document a device gets: parsed, each presigned-URL placeholder freshly signed. */
  renderDocument(job: JobRecord): JsonValue {
    const presign = this.presigner();
    const { document, unresolved } = resolvePlaceholders(JSON.parse(job.document) as JsonValue, (location) =>
      presign?.(location, job.presignedUrlExpiresInSec),
    );
    if (unresolved > 0) {
      this.ctx.log.add({
        type: 'jobs-presign-unavailable',
        detail: `${job.jobId}: ${unresolved} placeholder(s) left unsigned (no S3 stand-in)`,
      });
    }
    return document;
  }

  /**
   * Runs `change` on the thing's executions (timeouts applied first), stores the result, then calls
   * `respond` and publishes the notifications, all before the next request for this thing starts.
   */
  withThing<T>(
    thingName: string,
    change: (executions: JobExecutionRecord[], model: ModelContext) => Outcome<T> | Promise<Outcome<T>>,
    respond?: (result: T, model: ModelContext) => Promise<void>,
  ): Promise<T> {
    return this.queue.run(thingName, async () => {
      const { store, clock } = this.ctx;
      for (let attempt = 1; ; attempt++) {
        const record = await store.get<ThingJobs>('job-executions', thingName);
        const stored = record?.executions ?? [];
        const model: ModelContext = { now: clock.now(), jobs: await this.jobsOf(stored) };
        const timed = applyTimeouts(stored, model);
        const outcome = await change(timed.executions, model);
        const after = outcome.executions;
        if (JSON.stringify(after) !== JSON.stringify(stored)) {
          // Checked against the record as read, in the store: on a shared store another broker
          // node may have changed this thing's executions (a version, a new execution number)
          // since; then the request is decided again on what is there now.
          const { applied, durable } = store.commitIf(
            [{ collection: 'job-executions', key: thingName, value: record }],
            [
              after.length
                ? { collection: 'job-executions', key: thingName, value: { executions: after } }
                : { collection: 'job-executions', key: thingName, deleted: true },
            ],
          );
          if (!(await applied)) {
            if (attempt >= MAX_ATTEMPTS) {
              throw new SimError(
                ErrorCode.INVALID_STATE,
                `job executions of ${thingName}: ${MAX_ATTEMPTS} conflicting writes in a row`,
              );
            }
            continue;
          }
          await durable;
          this.logChanges(thingName, stored, after);
        }
        if (respond) await respond(outcome.result, model);
        await this.notify(thingName, pendingExecutions(stored), pendingExecutions(after), model);
        this.schedule(thingName, after);
        return outcome.result;
      }
    });
  }

  private async jobsOf(executions: readonly JobExecutionRecord[]): Promise<Map<string, JobRecord>> {
    const jobs = new Map<string, JobRecord>();
    for (const id of new Set(executions.map((e) => e.jobId))) {
      const job = await this.getJob(id);
      if (job) jobs.set(id, job);
    }
    return jobs;
  }

  private logChanges(
    thingName: string,
    before: readonly JobExecutionRecord[],
    after: readonly JobExecutionRecord[],
  ): void {
    const old = new Map(before.map((e) => [keyOf(e), e]));
    for (const e of after) {
      const was = old.get(keyOf(e));
      if (was?.status === e.status) continue;
      this.ctx.log.add({
        type: 'job-execution',
        thingName,
        detail: `${e.jobId} #${e.executionNumber} ${was ? was.status : 'new'} -> ${e.status} v${e.versionNumber}`,
      });
    }
  }

  /** cloud-services.md §2.3: `notify` when the pending list gains or loses a member, `notify-next` when its head changes. */
  private async notify(
    thingName: string,
    before: readonly JobExecutionRecord[],
    after: readonly JobExecutionRecord[],
    model: ModelContext,
  ): Promise<void> {
    const members = (list: readonly JobExecutionRecord[]): string => list.map(keyOf).sort().join(',');
    const prefix = jobsPrefix(thingName);
    if (members(before) !== members(after)) {
      await this.ctx.publish(`${prefix}/notify`, JSON.stringify(listNotification(after, model.now)));
    }
    if (keyOf(before[0]) !== keyOf(after[0])) {
      const head = after[0];
      const job = head ? (model.jobs.get(head.jobId) ?? (await this.getJob(head.jobId))) : undefined;
      const body =
        head && job
          ? {
              timestamp: seconds(model.now),
              execution: executionView(head, this.renderDocument(job), model.now),
            }
          : { timestamp: seconds(model.now) };
      await this.ctx.publish(`${prefix}/notify-next`, JSON.stringify(body));
    }
  }

  private schedule(thingName: string, executions: readonly JobExecutionRecord[]): void {
    if (this.stopped || !this.ctx.aedes) return;
    const deadlines = executions.map(deadlineOf).filter((d): d is number => d !== undefined);
    const due = deadlines.length ? Math.min(...deadlines) : undefined;
    const current = this.timers.get(thingName);
    if (current?.due === due) return;
    current?.handle.cancel();
    this.timers.delete(thingName);
    if (due === undefined) return;
    const handle = this.ctx.clock
      .setTimeout(
        () => {
          this.timers.delete(thingName);
          if (this.stopped) return;
          this.withThing(thingName, (executions) => ({ executions, result: undefined })).catch((err: Error) =>
            this.ctx.log.add({ type: 'service-error', thingName, detail: `jobs timeout: ${err.message}` }),
          );
        },
        Math.max(0, due - this.ctx.clock.now()),
      )
      .unref();
    this.timers.set(thingName, { due, handle });
  }
}
