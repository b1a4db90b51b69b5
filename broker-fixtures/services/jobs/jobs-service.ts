import { ErrorCode, SimError } from '../../../core/errors.js';
import { awsFilterMatches } from '../../mqtt/aws-rules.js';
import type { ApiRoute, BrokerService, InboundMessage, ServiceContext } from '../service.js';
import { JobsControlPlane } from './control-plane.js';
import { JobQueries } from './job-queries.js';
import { JobsDeviceApi } from './device-api.js';
import { ExecutionEngine } from './execution-engine.js';
import { jobsRoutes } from './jobs-routes.js';
import { JOBS_REQUEST_FILTER, type JobsOperation } from './jobs-topics.js';
import type { JsonObject } from '../shadow/json.js';
import type { Presigner } from './presigned-placeholders.js';
import { RequestThrottle, type ThrottleOptions } from './request-throttle.js';

export interface JobsServiceOptions {
  /**
   * Signs the S3 URLs of `${aws:iot:s3-presigned-url:…}` placeholders when a device is handed a
   * document. Asked each time, so it may become available after the service starts.
   */
  presigner?: () => Presigner | undefined;
  /** Per-thing request limit answered with RequestThrottled; none by default. */
  throttle?: ThrottleOptions;
}

/**
 * AWS IoT Jobs (cloud-services.md §2; ncs-behaviour.md §5): the device MQTT API, notifications,
 * execution timers on the Clock, and the control plane behind the console's `/jobs` routes.
 */
export class JobsService implements BrokerService {
  readonly name = 'jobs';
  private parts: { engine: ExecutionEngine; plane: JobsControlPlane; queries: JobQueries } | undefined;
  private readonly onMembership = (group: string, thing: string, member: boolean): void => {
    this.control.onMembership(group, thing, member).catch((err: Error) =>
      this.context?.log.add({
        type: 'service-error',
        thingName: thing,
        detail: `jobs membership: ${err.message}`,
      }),
    );
  };
  private context: ServiceContext | undefined;
  private api: JobsDeviceApi | undefined;

  constructor(private readonly options: JobsServiceOptions = {}) {}

  async start(context: ServiceContext): Promise<void> {
    this.context = context;
    const engine = new ExecutionEngine(context, this.options.presigner ?? (() => undefined));
    const queries = new JobQueries(context, engine);
    const plane = new JobsControlPlane(context, engine, queries);
    this.parts = { engine, plane, queries };
    const throttle = this.options.throttle
      ? new RequestThrottle(context.clock, this.options.throttle)
      : undefined;
    const api = new JobsDeviceApi(context, engine, throttle);
    this.api = api;
    context.registry.on('membership', this.onMembership);
    await plane.resumeRollouts();
    await engine.armTimers();
  }

  /**
   * Device requests are handled before aedes PUBACKs them: an update's PUBACK follows its
   * execution being on disk and answered (aedes acknowledges QoS 1 before it routes).
   */
  async beforeAcknowledge(message: InboundMessage): Promise<void> {
    if (!this.api || message.clientId === undefined || !awsFilterMatches(JOBS_REQUEST_FILTER, message.topic))
      return;
    await this.api.onMessage(message);
  }

  /**
   * A device request answered to the caller instead of over MQTT (the Jobs data plane over HTTP):
   * the same parsing, state changes and answers, `accepted` or the Jobs ErrorResponse.
   */
  async deviceRequest(
    thingName: string,
    operation: JobsOperation,
    jobId: string,
    payload: Buffer,
  ): Promise<{ accepted: boolean; body: JsonObject }> {
    if (!this.api) throw new SimError(ErrorCode.INVALID_STATE, 'the jobs service has not been started');
    let answer: { accepted: boolean; body: JsonObject } | undefined;
    await this.api.dispatch(thingName, operation, jobId, payload, async (accepted, body) => {
      answer = { accepted, body };
    });
    return (
      answer ?? { accepted: false, body: { code: 'InternalError', message: 'the request got no answer' } }
    );
  }

  async stop(): Promise<void> {
    this.context?.registry.off('membership', this.onMembership);
    this.parts?.engine.stop();
  }

  /** The control plane (CreateJob, CancelJob, …), for tests and embedding code. */
  get control(): JobsControlPlane {
    if (!this.parts) throw new SimError(ErrorCode.INVALID_STATE, 'the jobs service has not been started');
    return this.parts.plane;
  }

  /** The control plane's reads (DescribeJob, ListJobs, …). */
  get queries(): JobQueries {
    if (!this.parts) throw new SimError(ErrorCode.INVALID_STATE, 'the jobs service has not been started');
    return this.parts.queries;
  }

  routes(): ApiRoute[] {
    return jobsRoutes(
      () => this.control,
      () => this.queries,
    );
  }
}
