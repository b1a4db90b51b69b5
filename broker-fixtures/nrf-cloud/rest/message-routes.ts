import { ErrorCode, isSimError } from '../../../core/errors.js';
import type { JsonValue } from '../../services/shadow/json.js';
import type { NrfCloudBulkOp, NrfCloudMessage } from '../types.js';
import { uuidFrom } from '../account.js';
import { intParam, iso, timeParam, type RestContext } from './context.js';
import { parseCsv } from './csv.js';
import { badRequest, notFound, type RestRoute } from './router.js';

function messageView(ctx: RestContext, m: NrfCloudMessage): Record<string, JsonValue> {
  return {
    topic: m.topic,
    deviceId: m.deviceId,
    tenantId: ctx.account().tenantId,
    receivedAt: iso(m.receivedAt),
    ...(m.ts !== undefined ? { ts: m.ts } : {}),
    message: m.message,
  };
}

export function messageRoutes(ctx: RestContext): RestRoute[] {
  return [
    {
      method: 'GET',
      path: '/v1/messages',
      handler: async ({ query }) => {
        const start = timeParam(query, 'inclusiveStart');
        const end = timeParam(query, 'exclusiveEnd');
        const token = query.get('pageNextToken');
        const page = await ctx.messages.query({
          ...(query.get('deviceId') ? { deviceId: query.get('deviceId')! } : {}),
          ...(query.get('appId') ? { appId: query.get('appId')! } : {}),
          pageLimit: intParam(query, 'pageLimit', 10, 1, 100),
          ...(token ? { pageNextToken: token } : {}),
          ...(start !== undefined ? { inclusiveStart: start } : {}),
          ...(end !== undefined ? { exclusiveEnd: end } : {}),
        });
        return {
          body: {
            items: page.items.map((m) => messageView(ctx, m)),
            total: page.total,
            ...(page.pageNextToken ? { pageNextToken: page.pageNextToken } : {}),
          },
        };
      },
    },
    {
      method: 'POST',
      path: '/v1/devices/{id}/messages',
      handler: async (req) => {
        if (!(await ctx.devices.registry.get(req.params.id!)))
          throw notFound(`Device ${req.params.id}`, 40410);
        await ctx.messages.send(req.params.id!, req.json() as JsonValue);
        return { status: 202 };
      },
    },
    {
      method: 'POST',
      path: '/v1/devices',
      handler: async ({ body }) => {
        let rows: string[][];
        try {
          rows = parseCsv(body.toString('utf8'));
        } catch (err) {
          throw badRequest(`the body is not CSV: ${(err as Error).message}`);
        }
        if (rows.length === 0) throw badRequest('the CSV has no devices');
        const requestedAt = ctx.clock.now();
        const succeeded: string[] = [];
        const failed: Array<{ deviceId: string; error: string }> = [];
        for (const [deviceId = '', , tags = '', , certificate = ''] of rows) {
          try {
            await ctx.devices.onboard(
              deviceId,
              certificate,
              tags ? { tags: tags.split(':').filter(Boolean) } : {},
              'bulk',
            );
            succeeded.push(deviceId);
          } catch (err) {
            if (
              !isSimError(err) ||
              !(
                [
                  ErrorCode.INVALID_ARGUMENT,
                  ErrorCode.ALREADY_EXISTS,
                  ErrorCode.CERTIFICATE_INVALID,
                ] as string[]
              ).includes(err.code)
            )
              throw err;
            failed.push({ deviceId, error: err.message });
          }
        }
        const op: NrfCloudBulkOp = {
          bulkOpsRequestId: uuidFrom(ctx.random),
          endpoint: 'PROVISION_DEVICES',
          status: failed.length ? 'FAILED' : 'SUCCEEDED',
          requestedAt,
          completedAt: ctx.clock.now(),
          succeeded,
          failed,
        };
        await ctx.store.put('nrfcloud-bulk-ops', op.bulkOpsRequestId, op);
        return { status: 202, body: { bulkOpsRequestId: op.bulkOpsRequestId } };
      },
    },
    {
      method: 'GET',
      path: '/v1/bulk-ops-requests/{id}',
      handler: async ({ params }) => {
        const op = await ctx.store.get<NrfCloudBulkOp>('nrfcloud-bulk-ops', params.id!);
        if (!op) throw notFound(`Bulk operation ${params.id}`, 40414);
        return {
          body: {
            bulkOpsRequestId: op.bulkOpsRequestId,
            endpoint: op.endpoint,
            status: op.status,
            requestedAt: iso(op.requestedAt),
            completedAt: iso(op.completedAt),
            ...(op.failed.length ? { failedDevices: op.failed } : {}),
            succeededDevices: op.succeeded,
          },
        };
      },
    },
  ];
}
