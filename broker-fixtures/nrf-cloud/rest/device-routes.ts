import { isObject, type JsonObject } from '../../services/shadow/json.js';
import { getDocument } from '../../services/shadow/shadow-document.js';
import { DEVICE_ID } from '../registry.js';
import type { NrfCloudDevice } from '../types.js';
import { boolParam, intParam, iso, type RestContext } from './context.js';
import { badRequest, notFound, RestError, type RestRoute } from './router.js';

/** nRF Cloud's device view: `GET /v1/devices[/{id}]`. */
export async function deviceView(
  ctx: RestContext,
  device: NrfCloudDevice,
  includeState: boolean,
  includeMeta: boolean,
): Promise<JsonObject> {
  const shadow = await ctx.shadows.get(device.id);
  const reported = shadow?.state.reported;
  const info =
    isObject(reported?.device) && isObject(reported.device.serviceInfo)
      ? reported.device.serviceInfo
      : undefined;
  const supports =
    info && Array.isArray(info.fota_v2)
      ? info.fota_v2
      : info && Array.isArray(info.fota_v1)
        ? info.fota_v1
        : [];
  const view: JsonObject = {
    id: device.id,
    name: device.name,
    type: device.type,
    tags: device.tags,
    tenantId: ctx.account().tenantId,
    firmware: { supports },
    $meta: {
      version: String(shadow?.version ?? 0),
      createdAt: iso(device.createdAt),
      updatedAt: iso(device.lastUpdatedAt),
    },
  };
  if (includeState && shadow) {
    const doc = getDocument(shadow, Math.floor(ctx.clock.now() / 1000));
    view.state = {
      ...(doc.state as JsonObject),
      version: shadow.version,
      ...(includeMeta ? { metadata: doc.metadata } : {}),
    };
  }
  return view;
}

function requireId(id: string): string {
  if (!DEVICE_ID.test(id)) throw badRequest(`${JSON.stringify(id)} is not a device id`);
  return id;
}

async function existing(ctx: RestContext, id: string): Promise<NrfCloudDevice> {
  const device = await ctx.devices.registry.get(requireId(id));
  if (!device) throw notFound(`Device ${id}`, 40410);
  return device;
}

export function deviceRoutes(ctx: RestContext): RestRoute[] {
  return [
    {
      method: 'GET',
      path: '/v1/account',
      handler: async () => ({
        body: {
          mqttEndpoint: ctx.mqttEndpoint,
          // nRF Cloud's device simulator reads the messages prefix (`prod/<tenant>/m/`).
          mqttMessagesTopicPrefix: `${ctx.prefix}m/`,
          mqttTopicPrefix: ctx.prefix,
          team: { tenantId: ctx.account().tenantId, name: ctx.account().name },
        },
      }),
    },
    {
      method: 'GET',
      path: '/v1/devices',
      handler: async ({ query }) => {
        const limit = intParam(query, 'pageLimit', 10, 1, 100);
        const ids = query.get('deviceIds')?.split(',').filter(Boolean);
        const fuzzy = query.get('deviceNameFuzzy')?.toLowerCase();
        const after = query.get('pageNextToken');
        const all = (await ctx.devices.registry.list())
          .filter((d) => !ids || ids.includes(d.id))
          .filter((d) => fuzzy === undefined || d.name.toLowerCase().includes(fuzzy))
          .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
        const rest = after ? all.filter((d) => d.id > after) : all;
        const page = rest.slice(0, limit);
        const items = [];
        for (const d of page)
          items.push(
            await deviceView(ctx, d, boolParam(query, 'includeState'), boolParam(query, 'includeStateMeta')),
          );
        return {
          body: {
            items,
            total: all.length,
            ...(rest.length > limit ? { pageNextToken: page[page.length - 1]!.id } : {}),
          },
        };
      },
    },
    ...accountDeviceRoutes(ctx),
    {
      method: 'GET',
      path: '/v1/devices/{id}',
      handler: async ({ params, query }) => ({
        body: await deviceView(
          ctx,
          await existing(ctx, params.id!),
          query.get('includeState') !== 'false',
          query.get('includeStateMeta') !== 'false',
        ),
      }),
    },
    {
      method: 'DELETE',
      path: '/v1/devices/{id}',
      handler: async ({ params }) => {
        await existing(ctx, params.id!);
        await ctx.devices.remove(params.id!);
        return { status: 202 };
      },
    },
    {
      method: 'POST',
      path: '/v1/devices/{id}',
      handler: async (req) => {
        const id = requireId(req.params.id!);
        const body = req.json();
        if (!isObject(body)) throw badRequest('the body must be an object with "certificate"');
        if (await ctx.devices.registry.get(id))
          throw new RestError(409, 40900, `Device ${id} already exists`);
        const tags = Array.isArray(body.tags)
          ? body.tags.filter((t): t is string => typeof t === 'string')
          : undefined;
        await ctx.devices.onboard(id, body.certificate, {
          ...(typeof body.name === 'string' ? { name: body.name } : {}),
          ...(tags ? { tags } : {}),
        });
        return { status: 202 };
      },
    },
    {
      method: 'PATCH',
      path: '/v1/devices/{id}/state',
      handler: async (req) => {
        await existing(ctx, req.params.id!);
        const body = req.json();
        if (!isObject(body) || (body.desired === undefined && body.reported === undefined))
          throw badRequest('the body must be {"desired": …} and/or {"reported": …}');
        for (const s of ['desired', 'reported'] as const)
          if (body[s] !== undefined && !isObject(body[s])) throw badRequest(`"${s}" must be an object`);
        const ifMatch = req.headers['if-match'];
        const version = ifMatch !== undefined ? Number(ifMatch.replace(/"/g, '')) : undefined;
        if (version !== undefined && !Number.isInteger(version))
          throw badRequest('If-Match must be the shadow version');
        const { shadows } = ctx;
        const outcome = await shadows.update(req.params.id!, {
          state: {
            ...(body.desired !== undefined ? { desired: body.desired as JsonObject } : {}),
            ...(body.reported !== undefined ? { reported: body.reported as JsonObject } : {}),
          },
          ...(version !== undefined ? { version } : {}),
        });
        if ('code' in outcome)
          throw new RestError(
            outcome.code === 409 ? 412 : 400,
            outcome.code === 409 ? 41200 : 40000,
            outcome.message,
          );
        return { status: 202 };
      },
    },
    {
      method: 'PUT',
      path: '/v1/association/{id}',
      handler: async ({ params }) => {
        await existing(ctx, params.id!);
        await ctx.devices.associate(params.id!);
        return { status: 204 };
      },
    },
    {
      method: 'DELETE',
      path: '/v1/association/{id}',
      handler: async ({ params }) => {
        await existing(ctx, params.id!);
        await ctx.devices.disassociate(params.id!);
        return { status: 204 };
      },
    },
  ];
}

function accountDeviceRoutes(ctx: RestContext): RestRoute[] {
  const view = (): JsonObject => {
    const a = ctx.account().accountDevice;
    if (!a) throw notFound('Account device', 40410);
    return {
      clientId: a.clientId,
      mqttTopicPrefix: ctx.prefix,
      mqttEndpoint: ctx.mqttEndpoint,
      clientCert: a.certificatePem,
      caCert: ctx.ca.certificatePem,
    };
  };
  return [
    { method: 'GET', path: '/v1/devices/account', handler: async () => ({ body: view() }) },
    {
      method: 'POST',
      path: '/v1/devices/mqtt-team',
      handler: async () => {
        const account = ctx.account();
        const clientId = `mqtt-team-${account.tenantId}-${ctx.random.bytes(4).toString('hex')}`;
        const issued = await ctx.ca.issue({ commonName: clientId });
        const device = {
          clientId,
          certificateId: issued.certificateId,
          certificatePem: issued.certificatePem,
          createdAt: ctx.clock.now(),
        };
        await ctx.updateAccount((current) => ({
          ...current,
          teamDevices: [...(current.teamDevices ?? []), device],
        }));
        return {
          status: 201,
          body: {
            clientId,
            caCert: ctx.ca.certificatePem,
            clientCert: issued.certificatePem,
            privateKey: issued.privateKeyPem,
          },
        };
      },
    },
    {
      method: 'POST',
      path: '/v1/devices/{id}/certificates',
      handler: async ({ params }) => {
        // JITP credentials: the device is created when it first connects with them.
        const id = requireId(params.id!);
        const issued = await ctx.ca.issue({ commonName: id });
        return {
          status: 201,
          body: {
            caCert: ctx.ca.certificatePem,
            clientCert: issued.certificatePem,
            privateKey: issued.privateKeyPem,
          },
        };
      },
    },
    {
      method: 'POST',
      path: '/v1/devices/account',
      handler: async () => {
        const account = ctx.account();
        if (account.accountDevice) throw new RestError(409, 40900, 'The account device already exists');
        const clientId = `account-${account.tenantId}`;
        const issued = await ctx.ca.issue({ commonName: clientId });
        const accountDevice = {
          clientId,
          certificateId: issued.certificateId,
          certificatePem: issued.certificatePem,
          createdAt: ctx.clock.now(),
        };
        await ctx.updateAccount((current) => {
          if (current.accountDevice) throw new RestError(409, 40900, 'The account device already exists');
          return { ...current, accountDevice };
        });
        return { status: 201, body: { ...view(), privateKey: issued.privateKeyPem } };
      },
    },
    {
      method: 'DELETE',
      path: '/v1/devices/account',
      handler: async () => {
        await ctx.updateAccount(({ accountDevice: gone, ...rest }) => {
          if (!gone) throw notFound('Account device', 40410);
          return rest;
        });
        return { status: 204 };
      },
    },
  ];
}
