import type { JsonObject } from '../../services/shadow/json.js';
import { isObject } from '../../services/shadow/json.js';
import {
  EXECUTION_STATUSES,
  type ExecutionStatus,
  type NrfCloudExecution,
  type NrfCloudFirmware,
  type NrfCloudJob,
} from '../types.js';
import { iso, type RestContext } from './context.js';
import { badRequest, notFound, RestError, type RestRoute } from './router.js';

function firmwareView(f: NrfCloudFirmware): JsonObject {
  return {
    bundleId: f.bundleId,
    name: f.name,
    ...(f.description ? { description: f.description } : {}),
    version: f.version,
    type: f.type,
    size: f.size,
    filenames: [f.file],
    sha256: f.sha256,
    lastModified: iso(f.uploadedAt),
  };
}

function executionView(e: NrfCloudExecution): JsonObject {
  return {
    jobId: e.jobId,
    deviceId: e.deviceId,
    status: e.status,
    ...(e.statusDetail ? { statusDetail: e.statusDetail } : {}),
    ...(e.progress !== undefined ? { progress: e.progress } : {}),
    createdAt: iso(e.createdAt),
    lastUpdatedAt: iso(e.lastUpdatedAt),
  };
}

async function jobView(ctx: RestContext, job: NrfCloudJob): Promise<JsonObject> {
  const stats: Record<string, number> = { deviceCount: job.deviceIds.length };
  for (const s of EXECUTION_STATUSES)
    stats[s.toLowerCase().replace(/_(.)/g, (_, c: string) => c.toUpperCase())] = 0;
  for (const e of await ctx.fota.executions({ jobId: job.jobId })) {
    const k = e.status.toLowerCase().replace(/_(.)/g, (_, c: string) => c.toUpperCase());
    stats[k] = (stats[k] ?? 0) + 1;
  }
  return {
    jobId: job.jobId,
    ...(job.name ? { name: job.name } : {}),
    ...(job.description ? { description: job.description } : {}),
    status: job.status,
    bundleId: job.bundleId,
    firmware: {
      bundleId: job.bundleId,
      firmwareType: job.firmware.type,
      fileSize: job.firmware.size,
      version: job.firmware.version,
      host: ctx.fota.downloadHost(),
      uris: [job.firmware.path],
    },
    target: { deviceIds: job.deviceIds },
    executionStats: stats,
    createdAt: iso(job.createdAt),
    lastUpdatedAt: iso(job.lastUpdatedAt),
  };
}

function bundleBody(body: Buffer): Buffer {
  if (body.length >= 4 && body.readUInt32LE(0) === 0x04034b50) return body;
  const text = body.toString('utf8').trim();
  if (text !== '' && /^[A-Za-z0-9+/=\s]+$/.test(text)) return Buffer.from(text, 'base64');
  throw badRequest('the body must be a firmware bundle ZIP, or its base64 text');
}

export function fotaRoutes(ctx: RestContext): RestRoute[] {
  const { fota } = ctx;
  const job = async (id: string): Promise<NrfCloudJob> => {
    const found = await fota.getJob(id);
    if (!found) throw notFound(`FOTA job ${id}`, 40412);
    return found;
  };
  return [
    {
      method: 'POST',
      path: '/v1/firmwares',
      handler: async ({ body }) => ({
        body: { bundleId: (await fota.firmwares.upload(bundleBody(body))).bundleId },
      }),
    },
    {
      method: 'GET',
      path: '/v1/firmwares',
      handler: async () => {
        const items = (await fota.firmwares.list()).map(firmwareView);
        return { body: { items, total: items.length } };
      },
    },
    {
      method: 'GET',
      path: '/v1/firmwares/{bundleId}',
      handler: async ({ params }) => {
        const f = await fota.firmwares.get(params.bundleId!);
        if (!f) throw notFound(`Firmware bundle ${params.bundleId}`, 40413);
        return { body: firmwareView(f) };
      },
    },
    {
      method: 'DELETE',
      path: '/v1/firmwares/{bundleId}',
      handler: async ({ params }) => {
        if (!(await fota.firmwares.get(params.bundleId!)))
          throw notFound(`Firmware bundle ${params.bundleId}`, 40413);
        if ((await fota.listJobs()).some((j) => j.bundleId === params.bundleId && j.status === 'IN_PROGRESS'))
          throw new RestError(409, 40900, `bundle ${params.bundleId} is used by a job in progress`);
        await fota.firmwares.remove(params.bundleId!);
        return { status: 204 };
      },
    },
    {
      method: 'POST',
      path: '/v1/fota-jobs',
      handler: async (req) => {
        const body = req.json();
        if (!isObject(body))
          throw badRequest('the body must be {"deviceIdentifiers": [...], "bundleId": "..."}');
        const ids = body.deviceIdentifiers ?? body.deviceIds;
        if (!Array.isArray(ids) || !ids.every((d) => typeof d === 'string'))
          throw badRequest('deviceIdentifiers must be an array of device ids');
        if (typeof body.bundleId !== 'string') throw badRequest('bundleId must be a string');
        if (!(await fota.firmwares.get(body.bundleId)))
          throw notFound(`Firmware bundle ${body.bundleId}`, 40413);
        const created = await fota.create(
          {
            deviceIds: ids as string[],
            bundleId: body.bundleId,
            ...(typeof body.name === 'string' ? { name: body.name } : {}),
            ...(typeof body.description === 'string' ? { description: body.description } : {}),
          },
          async (id) => (await ctx.devices.registry.get(id)) !== undefined,
        );
        return { body: { jobId: created.jobId } };
      },
    },
    {
      method: 'GET',
      path: '/v1/fota-jobs',
      handler: async () => {
        const items = [];
        for (const j of await fota.listJobs()) items.push(await jobView(ctx, j));
        return { body: { items, total: items.length } };
      },
    },
    {
      method: 'GET',
      path: '/v1/fota-jobs/{jobId}',
      handler: async ({ params }) => ({ body: await jobView(ctx, await job(params.jobId!)) }),
    },
    {
      method: 'PUT',
      path: '/v1/fota-jobs/{jobId}/cancel',
      handler: async ({ params }) => {
        await job(params.jobId!);
        await fota.cancel(params.jobId!);
        return { status: 204 };
      },
    },
    {
      method: 'DELETE',
      path: '/v1/fota-jobs/{jobId}',
      handler: async ({ params }) => {
        await job(params.jobId!);
        await fota.remove(params.jobId!);
        return { status: 204 };
      },
    },
    {
      method: 'GET',
      path: '/v1/fota-job-execution-statuses/{jobId}',
      handler: async ({ params }) => {
        await job(params.jobId!);
        const items = (await fota.executions({ jobId: params.jobId! })).map(executionView);
        return { body: { items, total: items.length } };
      },
    },
    {
      method: 'GET',
      path: '/v1/fota-job-executions/{deviceId}',
      handler: async ({ params }) => {
        const items = (await fota.executions({ deviceId: params.deviceId! })).map(executionView);
        return { body: { items, total: items.length } };
      },
    },
    {
      method: 'GET',
      path: '/v1/fota-job-executions/{deviceId}/latest',
      handler: async ({ params }) => {
        const current = await fota.current(params.deviceId!);
        if (!current) throw notFound(`FOTA job for device ${params.deviceId}`, 40412);
        const f = current.firmware;
        return {
          body: {
            jobId: current.jobId,
            jobDocument: {
              host: fota.downloadHost(),
              path: f.path,
              firmwareType: f.type,
              fileSize: f.size,
              version: f.version,
            },
          },
        };
      },
    },
    {
      method: 'GET',
      path: '/v1/fota-job-executions/{deviceId}/{jobId}',
      handler: async ({ params }) => {
        const e = await fota.getExecution(params.deviceId!, params.jobId!);
        if (!e) throw notFound(`FOTA job execution ${params.deviceId}/${params.jobId}`, 40411);
        return { body: executionView(e) };
      },
    },
    {
      method: 'PATCH',
      path: '/v1/fota-job-executions/{deviceId}/{jobId}',
      handler: async (req) => {
        const e = await fota.getExecution(req.params.deviceId!, req.params.jobId!);
        if (!e) throw notFound(`FOTA job execution ${req.params.deviceId}/${req.params.jobId}`, 40411);
        const body = req.json();
        const status = isObject(body) ? body.status : undefined;
        if (typeof status !== 'string' || !(EXECUTION_STATUSES as readonly string[]).includes(status))
          throw badRequest(`status must be one of ${EXECUTION_STATUSES.join(', ')}`);
        const detail = isObject(body) && typeof body.details === 'string' ? body.details : undefined;
        const progress = isObject(body) && typeof body.progress === 'number' ? body.progress : undefined;
        const next = await fota.setStatus(e.deviceId, e.jobId, status as ExecutionStatus, progress, detail);
        return { body: executionView(next) };
      },
    },
  ];
}
