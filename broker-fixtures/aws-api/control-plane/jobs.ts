import type { JsonObject } from '../../services/shadow/json.js';
import { isObject } from '../../services/shadow/json.js';
import { invalidRequest } from '../aws-error.js';
import { booleanQuery, integerOf, page, stringField, type AwsApiContext } from '../aws-context.js';
import type { AwsRequest, AwsRoute } from '../aws-router.js';

/** The Jobs control plane (CreateJob … CancelJobExecution) over the stand-in's own JobsService. */
export function jobRoutes(ctx: AwsApiContext): AwsRoute[] {
  const control = () => ctx.jobs.control;
  const queries = () => ctx.jobs.queries;
  const jobId = (req: AwsRequest): string => req.params.jobId ?? '';
  const paged = (list: unknown, req: AwsRequest, key: string): JsonObject => {
    const { items, next } = page(Array.isArray(list) ? list : [], req.query);
    return { [key]: items, ...(next ? { nextToken: next } : {}) };
  };
  const byStatus = (summaries: unknown, status: string | null): unknown[] =>
    (Array.isArray(summaries) ? summaries : []).filter(
      (s) =>
        status === null ||
        (isObject(s) && isObject(s.jobExecutionSummary) && s.jobExecutionSummary.status === status),
    );
  return [
    {
      api: 'iot',
      method: 'PUT',
      path: '/jobs/{jobId}',
      operation: 'CreateJob',
      handler: async (req) => ({ json: await control().createJob(jobId(req), req.json()) }),
    },
    {
      api: 'iot',
      method: 'GET',
      path: '/jobs/{jobId}',
      operation: 'DescribeJob',
      handler: async (req) => ({ json: await queries().describeJob(jobId(req)) }),
    },
    {
      api: 'iot',
      method: 'GET',
      path: '/jobs/{jobId}/job-document',
      operation: 'GetJobDocument',
      handler: async (req) => ({ json: await queries().jobDocument(jobId(req)) }),
    },
    {
      api: 'iot',
      method: 'GET',
      path: '/jobs',
      operation: 'ListJobs',
      handler: async (req) => {
        const status = req.query.get('status');
        const selection = req.query.get('targetSelection');
        const group = req.query.get('thingGroupName');
        const { jobs } = await queries().listJobs(status ? { status } : {});
        const kept: JsonObject[] = [];
        for (const job of Array.isArray(jobs) ? jobs : []) {
          if (!isObject(job)) continue;
          if (selection !== null && job.targetSelection !== selection) continue;
          if (group !== null) {
            const record = await queries().requireJob(String(job.jobId));
            if (!record.targets.some((t) => t.endsWith(`:thinggroup/${group}`))) continue;
          }
          kept.push(job);
        }
        return { json: paged(kept, req, 'jobs') };
      },
    },
    {
      api: 'iot',
      method: 'PUT',
      path: '/jobs/{jobId}/cancel',
      operation: 'CancelJob',
      conflict: 'InvalidStateTransitionException',
      handler: async (req) => {
        const body = req.json();
        const comment = stringField(body, 'comment');
        const reasonCode = stringField(body, 'reasonCode');
        return {
          json: await control().cancelJob(jobId(req), {
            force: booleanQuery(req.query, 'force', false),
            ...(comment !== undefined ? { comment } : {}),
            ...(reasonCode !== undefined ? { reasonCode } : {}),
          }),
        };
      },
    },
    {
      api: 'iot',
      method: 'DELETE',
      path: '/jobs/{jobId}',
      operation: 'DeleteJob',
      conflict: 'InvalidStateTransitionException',
      handler: async (req) => {
        await control().deleteJob(jobId(req), booleanQuery(req.query, 'force', false));
        return { json: {} };
      },
    },
    {
      api: 'iot',
      method: 'GET',
      path: '/jobs/{jobId}/things',
      operation: 'ListJobExecutionsForJob',
      handler: async (req) => {
        const { executionSummaries } = await queries().executionsForJob(jobId(req));
        return {
          json: paged(byStatus(executionSummaries, req.query.get('status')), req, 'executionSummaries'),
        };
      },
    },
    {
      api: 'iot',
      method: 'GET',
      path: '/things/{thingName}/jobs',
      operation: 'ListJobExecutionsForThing',
      handler: async (req) => {
        const { executionSummaries } = await queries().executionsForThing(req.params.thingName ?? '');
        const only = req.query.get('jobId');
        const list = byStatus(executionSummaries, req.query.get('status')).filter(
          (s) => only === null || (isObject(s) && s.jobId === only),
        );
        return { json: paged(list, req, 'executionSummaries') };
      },
    },
    {
      api: 'iot',
      method: 'GET',
      path: '/things/{thingName}/jobs/{jobId}',
      operation: 'DescribeJobExecution',
      handler: async (req) => {
        const n = integerOf(
          req.query.get('executionNumber') ?? undefined,
          'executionNumber',
          1,
          Number.MAX_SAFE_INTEGER,
        );
        return { json: await queries().describeExecution(req.params.thingName ?? '', jobId(req), n) };
      },
    },
    {
      api: 'iot',
      method: 'PUT',
      path: '/things/{thingName}/jobs/{jobId}/cancel',
      operation: 'CancelJobExecution',
      conflict: 'InvalidStateTransitionException',
      handler: async (req) => {
        const body = req.json();
        const details = body.statusDetails;
        if (
          details !== undefined &&
          (!isObject(details) || !Object.values(details).every((v) => typeof v === 'string'))
        )
          throw invalidRequest('statusDetails must be a map of strings');
        await control().cancelExecution(req.params.thingName ?? '', jobId(req), {
          force: booleanQuery(req.query, 'force', false),
          ...(details ? { statusDetails: details as Record<string, string> } : {}),
        });
        return { json: {} };
      },
    },
  ];
}
