import { ErrorCode, SimError } from '../../../core/errors.js';
import { isObject } from '../shadow/json.js';
import type { ApiRequest, ApiRoute } from '../service.js';
import type { JobsControlPlane } from './control-plane.js';
import type { JobQueries } from './job-queries.js';

const param = (req: ApiRequest, name: string): string => req.params[name] ?? '';

function optionalString(body: unknown, name: string): string | undefined {
  const value = isObject(body) ? body[name] : undefined;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new SimError(ErrorCode.INVALID_ARGUMENT, `"${name}" must be a string`);
  return value;
}

function statusDetails(body: unknown): Record<string, string> | undefined {
  const value = isObject(body) ? body.statusDetails : undefined;
  if (value === undefined || value === null) return undefined;
  if (!isObject(value) || !Object.values(value).every((v) => typeof v === 'string')) {
    throw new SimError(ErrorCode.INVALID_ARGUMENT, '"statusDetails" must be an object of strings');
  }
  return value as Record<string, string>;
}

function executionNumber(req: ApiRequest): number | undefined {
  const text = req.query.get('executionNumber');
  if (text === null) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new SimError(ErrorCode.INVALID_ARGUMENT, 'executionNumber must be a whole number of 1 or more');
  return n;
}

/**
 * AWS IoT control-plane REST shapes for jobs, served by the console. `control` and `queries` are called per request:
 * routes are collected before the service starts.
 */
export function jobsRoutes(control: () => JobsControlPlane, queries: () => JobQueries): ApiRoute[] {
  const force = (req: ApiRequest): boolean => req.query.get('force') === 'true';
  return [
    {
      method: 'PUT',
      path: '/jobs/:jobId',
      handler: async (q) => ({ body: await control().createJob(param(q, 'jobId'), q.body) }),
    },
    {
      method: 'GET',
      path: '/jobs',
      handler: async (q) => {
        const status = q.query.get('status');
        const thingName = q.query.get('thingName');
        return {
          body: await queries().listJobs({
            ...(status ? { status } : {}),
            ...(thingName ? { thingName } : {}),
          }),
        };
      },
    },
    {
      method: 'GET',
      path: '/jobs/:jobId',
      handler: async (q) => ({ body: await queries().describeJob(param(q, 'jobId')) }),
    },
    {
      method: 'GET',
      path: '/jobs/:jobId/job-document',
      handler: async (q) => ({ body: await queries().jobDocument(param(q, 'jobId')) }),
    },
    {
      method: 'GET',
      path: '/jobs/:jobId/things',
      handler: async (q) => ({ body: await queries().executionsForJob(param(q, 'jobId')) }),
    },
    {
      method: 'PUT',
      path: '/jobs/:jobId/cancel',
      handler: async (q) => {
        const comment = optionalString(q.body, 'comment');
        const reasonCode = optionalString(q.body, 'reasonCode');
        const options = {
          force: force(q),
          ...(comment !== undefined ? { comment } : {}),
          ...(reasonCode !== undefined ? { reasonCode } : {}),
        };
        return { body: await control().cancelJob(param(q, 'jobId'), options) };
      },
    },
    {
      method: 'DELETE',
      path: '/jobs/:jobId',
      handler: async (q) => (await control().deleteJob(param(q, 'jobId'), force(q)), { body: {} }),
    },
    {
      method: 'GET',
      path: '/things/:thing/jobs',
      handler: async (q) => ({ body: await queries().executionsForThing(param(q, 'thing')) }),
    },
    {
      method: 'GET',
      path: '/things/:thing/jobs/:jobId',
      handler: async (q) => ({
        body: await queries().describeExecution(param(q, 'thing'), param(q, 'jobId'), executionNumber(q)),
      }),
    },
    {
      method: 'PUT',
      path: '/things/:thing/jobs/:jobId/cancel',
      handler: async (q) => {
        const details = statusDetails(q.body);
        await control().cancelExecution(param(q, 'thing'), param(q, 'jobId'), {
          force: force(q),
          ...(details ? { statusDetails: details } : {}),
        });
        return { body: {} };
      },
    },
  ];
}
