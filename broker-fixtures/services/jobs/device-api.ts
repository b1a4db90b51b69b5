import type { JsonObject } from '../shadow/json.js';
import type { InboundMessage, ServiceContext } from '../service.js';
import type { ExecutionEngine, Outcome } from './execution-engine.js';
import {
  findExecution,
  pendingExecutions,
  startNext,
  updateExecution,
  type ModelContext,
} from './execution-model.js';
import { executionStateView, executionSummaryView, executionView, seconds } from './execution-views.js';
import { isTerminal, JOBS_LIMITS, type JobExecutionRecord } from './job-types.js';
import { errorResponse, JobsError } from './jobs-errors.js';
import {
  clientTokenOf,
  parseDescribeRequest,
  parseGetPendingRequest,
  parseStartNextRequest,
  parseUpdateRequest,
  type DescribeRequest,
  type JobsRequestBase,
  type StartNextRequest,
  type UpdateRequest,
} from './jobs-request.js';
import { parseJobsTopic, type JobsOperation } from './jobs-topics.js';
import type { RequestThrottle } from './request-throttle.js';

type Reply = (accepted: boolean, body: JsonObject) => Promise<void>;

/**
 * The device side of AWS IoT Jobs over MQTT (cloud-services.md §2.1–2.6). Replies go to the
 * requesting connection only, as AWS delivers them without passing through the broker; the
 * notifications go through the broker to every subscriber the policies allow.
 */
export class JobsDeviceApi {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly engine: ExecutionEngine,
    private readonly throttle: RequestThrottle | undefined,
  ) {}

  async onMessage(message: InboundMessage): Promise<void> {
    const clientId = message.clientId;
    // Publishes without a client are the service's own notifications.
    if (clientId === undefined) return;
    const topic = parseJobsTopic(message.topic);
    if (topic.kind === 'ignored') return;
    const reply: Reply = async (accepted, body) => {
      await this.ctx.deliverTo(
        clientId,
        `${message.topic}/${accepted ? 'accepted' : 'rejected'}`,
        JSON.stringify(body),
      );
    };
    const token = clientTokenOf(message.payload);
    const reject = (error: JobsError): Promise<void> =>
      reply(false, errorResponse(error, seconds(this.ctx.clock.now()), token));
    if (topic.kind === 'unknown') {
      return reject(
        new JobsError('InvalidTopic', `The topic ${message.topic} does not map to any Jobs API operation`),
      );
    }
    if (this.throttle && !this.throttle.take(topic.thingName)) {
      return reject(new JobsError('RequestThrottled', 'The request was throttled'));
    }
    try {
      await this.dispatch(topic.thingName, topic.operation, topic.jobId ?? '', message.payload, reply);
    } catch (err) {
      this.ctx.log.add({
        type: 'service-error',
        clientId,
        thingName: topic.thingName,
        detail: `jobs ${topic.operation}: ${(err as Error).message}`,
      });
      await reject(
        new JobsError('InternalError', 'An internal error occurred while processing the request'),
      ).catch(() => {});
    }
  }

  /** One request, answered through `reply`: MQTT replies to the connection, the HTTP data plane to its caller. */
  dispatch(
    thingName: string,
    operation: JobsOperation,
    jobId: string,
    payload: Buffer,
    reply: Reply,
  ): Promise<void> {
    const fail = (error: JobsError): Promise<void> =>
      reply(false, errorResponse(error, seconds(this.ctx.clock.now()), clientTokenOf(payload)));
    if (operation === 'get-pending') {
      const request = parseGetPendingRequest(payload);
      return request instanceof JobsError ? fail(request) : this.getPending(thingName, request, reply);
    }
    if (operation === 'start-next') {
      const request = parseStartNextRequest(payload);
      return request instanceof JobsError ? fail(request) : this.startNext(thingName, request, reply);
    }
    if (operation === 'describe') {
      const request = parseDescribeRequest(payload);
      return request instanceof JobsError ? fail(request) : this.describe(thingName, jobId, request, reply);
    }
    const request = parseUpdateRequest(payload);
    return request instanceof JobsError ? fail(request) : this.update(thingName, jobId, request, reply);
  }

  /** Sends `result` as `accepted` (with timestamp and clientToken) or a JobsError as `rejected`. */
  private answer(request: JobsRequestBase, reply: Reply) {
    return (result: JsonObject | JobsError, model: ModelContext): Promise<void> => {
      if (result instanceof JobsError)
        return reply(false, errorResponse(result, seconds(model.now), request.clientToken));
      const token: JsonObject = request.clientToken !== undefined ? { clientToken: request.clientToken } : {};
      return reply(true, { ...result, timestamp: seconds(model.now), ...token });
    };
  }

  /** A JobExecution as it goes out, its document's placeholders signed afresh. */
  private view(e: JobExecutionRecord, model: ModelContext, includeDocument = true): JsonObject {
    const job = model.jobs.get(e.jobId);
    return executionView(e, includeDocument && job ? this.engine.renderDocument(job) : undefined, model.now);
  }

  /** GetPendingJobExecutions: at most 10, IN_PROGRESS and QUEUED apart. */
  private async getPending(thingName: string, request: JobsRequestBase, reply: Reply): Promise<void> {
    const answer = this.answer(request, reply);
    await this.engine.withThing(
      thingName,
      (executions) => ({
        executions,
        result: pendingExecutions(executions).slice(0, JOBS_LIMITS.maxPendingListed),
      }),
      (shown, model) =>
        answer(
          {
            inProgressJobs: shown.filter((e) => e.status === 'IN_PROGRESS').map(executionSummaryView),
            queuedJobs: shown.filter((e) => e.status === 'QUEUED').map(executionSummaryView),
          },
          model,
        ),
    );
  }

  /** StartNextPendingJobExecution: no pending execution → accepted without `execution`. */
  private async startNext(thingName: string, request: StartNextRequest, reply: Reply): Promise<void> {
    const answer = this.answer(request, reply);
    await this.engine.withThing(
      thingName,
      (executions, model) => {
        const changed = startNext(executions, request, model);
        return { executions: changed.executions, result: changed.execution };
      },
      (execution, model) => answer(execution ? { execution: this.view(execution, model) } : {}, model),
    );
  }

  /** DescribeJobExecution; `$next` with nothing pending → accepted without `execution`. */
  private async describe(
    thingName: string,
    jobId: string,
    request: DescribeRequest,
    reply: Reply,
  ): Promise<void> {
    const answer = this.answer(request, reply);
    await this.engine.withThing(
      thingName,
      (executions) => ({
        executions,
        result:
          jobId === '$next'
            ? pendingExecutions(executions)[0]
            : findExecution(executions, jobId, request.executionNumber),
      }),
      (execution, model) => {
        if (!execution && jobId === '$next') return answer({}, model);
        if (!execution) {
          return answer(
            new JobsError(
              'ResourceNotFound',
              `No job execution exists for job ${jobId} on thing ${thingName}`,
            ),
            model,
          );
        }
        if (isTerminal(execution.status)) {
          return answer(
            new JobsError(
              'TerminalStateReached',
              `The job execution ${jobId} is in the terminal status ${execution.status}`,
            ),
            model,
          );
        }
        return answer({ execution: this.view(execution, model, request.includeJobDocument) }, model);
      },
    );
  }

  /** UpdateJobExecution; the accepted body carries executionState / jobDocument only when asked for. */
  private async update(
    thingName: string,
    jobId: string,
    request: UpdateRequest,
    reply: Reply,
  ): Promise<void> {
    const answer = this.answer(request, reply);
    if (jobId === '$next') {
      return answer(new JobsError('ResourceNotFound', 'UpdateJobExecution needs a job id, not $next'), {
        now: this.ctx.clock.now(),
        jobs: new Map(),
      });
    }
    await this.engine.withThing(
      thingName,
      (executions, model): Outcome<JobExecutionRecord | JobsError> => {
        const changed = updateExecution(executions, thingName, jobId, request, model);
        if (changed instanceof JobsError) return { executions, result: changed };
        return {
          executions: changed.executions,
          result: changed.execution ?? new JobsError('InternalError', 'the update changed nothing'),
        };
      },
      (result, model) => {
        if (result instanceof JobsError) return answer(result, model);
        const job = model.jobs.get(result.jobId);
        return answer(
          {
            ...(request.includeJobExecutionState ? { executionState: executionStateView(result) } : {}),
            ...(request.includeJobDocument && job ? { jobDocument: this.engine.renderDocument(job) } : {}),
          },
          model,
        );
      },
    );
  }
}
