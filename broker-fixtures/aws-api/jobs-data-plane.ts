import { JOBS_LIMITS } from '../services/jobs/job-types.js';
import type { JobsOperation } from '../services/jobs/jobs-topics.js';
import { isObject, type JsonObject } from '../services/shadow/json.js';
import { AwsError, invalidRequest } from './aws-error.js';
import type { AwsApiContext } from './aws-context.js';
import type { AwsReply, AwsRequest, AwsRoute } from './aws-router.js';

/**
 * The IoT Jobs data plane (`iot-jobs-data`) over HTTP: the device side of Jobs through the same
 * request handling as `$aws/things/{thing}/jobs/…` over MQTT, so executions change, time out and
 * notify (`notify`, `notify-next`) exactly the same way.
 */

/** A Jobs ErrorResponse `code` (cloud-services.md §2.6) → the data plane's exception. */
const JOBS_ERRORS: Record<string, [number, string]> = {
  InvalidTopic: [400, 'InvalidRequestException'],
  InvalidJson: [400, 'InvalidRequestException'],
  InvalidRequest: [400, 'InvalidRequestException'],
  ResourceNotFound: [404, 'ResourceNotFoundException'],
  InvalidStateTransition: [409, 'InvalidStateTransitionException'],
  // The HTTP API has no VersionMismatch of its own; the service's conflict exception carries it.
  VersionMismatch: [409, 'ConflictException'],
  TerminalStateReached: [410, 'TerminalStateException'],
  RequestThrottled: [429, 'ThrottlingException'],
  InternalError: [500, 'InternalServerException'],
};

/** The MQTT answer as the HTTP API shapes it: no timestamp or clientToken, job documents as JSON text. */
function strip(body: JsonObject): JsonObject {
  const { timestamp: _t, clientToken: _c, ...rest } = body;
  const text = (doc: JsonObject[string]): string => (typeof doc === 'string' ? doc : JSON.stringify(doc));
  if (rest.jobDocument !== undefined) rest.jobDocument = text(rest.jobDocument);
  if (isObject(rest.execution) && rest.execution.jobDocument !== undefined)
    rest.execution = { ...rest.execution, jobDocument: text(rest.execution.jobDocument) };
  return rest;
}

export function jobsDataPlaneRoutes(ctx: AwsApiContext): AwsRoute[] {
  const run = async (
    req: AwsRequest,
    operation: JobsOperation,
    jobId: string,
    payload: JsonObject,
  ): Promise<AwsReply> => {
    const thingName = req.params.thingName ?? '';
    if (!JOBS_LIMITS.thingName.test(thingName))
      throw invalidRequest(`invalid thing name ${JSON.stringify(thingName)}`);
    const answer = await ctx.jobs.deviceRequest(
      thingName,
      operation,
      jobId,
      Buffer.from(JSON.stringify(payload)),
    );
    if (!answer.accepted) {
      const [status, type] = JOBS_ERRORS[String(answer.body.code)] ?? [500, 'InternalServerException'];
      throw new AwsError(status, type, String(answer.body.message ?? answer.body.code));
    }
    return { json: strip(answer.body) };
  };
  return [
    {
      api: 'iot-jobs-data',
      method: 'GET',
      path: '/things/{thingName}/jobs',
      operation: 'GetPendingJobExecutions',
      handler: (req) => run(req, 'get-pending', '', {}),
    },
    {
      api: 'iot-jobs-data',
      method: 'PUT',
      path: '/things/{thingName}/jobs/$next',
      operation: 'StartNextPendingJobExecution',
      handler: (req) => run(req, 'start-next', '', req.json() as JsonObject),
    },
    {
      api: 'iot-jobs-data',
      method: 'GET',
      path: '/things/{thingName}/jobs/{jobId}',
      operation: 'DescribeJobExecution',
      handler: (req) => {
        const n = req.query.get('executionNumber');
        return run(req, 'describe', req.params.jobId ?? '', {
          includeJobDocument: req.query.get('includeJobDocument') !== 'false',
          ...(n !== null ? { executionNumber: n } : {}),
        });
      },
    },
    {
      api: 'iot-jobs-data',
      method: 'POST',
      path: '/things/{thingName}/jobs/{jobId}',
      operation: 'UpdateJobExecution',
      handler: (req) => run(req, 'update', req.params.jobId ?? '', req.json() as JsonObject),
    },
  ];
}
