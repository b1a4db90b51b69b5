import type { ThingRecord } from '../../registry/types.js';
import { isObject } from '../../services/shadow/json.js';
import { AwsError, invalidRequest, notFound } from '../aws-error.js';
import { arn, integerOf, page, stableId, type AwsApiContext } from '../aws-context.js';
import type { AwsRequest, AwsRoute } from '../aws-router.js';

/** Things and their principals (AWS IoT API reference: CreateThing … ListThingPrincipals). */

const ATTRIBUTE_NAME = /^[a-zA-Z0-9_.,@/:#=[\]-]{1,128}$/;

function attributesOf(body: Record<string, unknown>): {
  attributes?: Record<string, string>;
  merge: boolean;
} {
  const payload = body.attributePayload;
  if (payload === undefined || payload === null) return { merge: false };
  if (!isObject(payload)) throw invalidRequest('attributePayload must be an object');
  const merge = payload.merge === true;
  if (payload.attributes === undefined) return { merge };
  if (!isObject(payload.attributes)) throw invalidRequest('attributePayload.attributes must be an object');
  const attributes: Record<string, string> = {};
  for (const [k, v] of Object.entries(payload.attributes)) {
    if (!ATTRIBUTE_NAME.test(k)) throw invalidRequest(`invalid attribute name ${JSON.stringify(k)}`);
    if (typeof v !== 'string' || v.length > 800)
      throw invalidRequest(`attribute ${k} must be a string of at most 800 characters`);
    attributes[k] = v;
  }
  return { attributes, merge };
}

/** A certificate id from `x-amzn-principal`: a certificate ARN (`…:cert/<id>`) or the bare id. */
export function principalOf(req: AwsRequest): string {
  const raw = req.headers['x-amzn-principal'];
  const principal = Array.isArray(raw) ? raw[0] : raw;
  if (!principal) throw invalidRequest('the x-amzn-principal header (a certificate ARN) is required');
  const m = /^arn:aws:iot:[a-z0-9-]+:\d{12}:cert\/([0-9a-f]{64})$/.exec(principal);
  if (m?.[1]) return m[1];
  if (/^[0-9a-f]{64}$/.test(principal)) return principal;
  throw invalidRequest(`${principal} is not a certificate ARN`);
}

export function thingRoutes(ctx: AwsApiContext): AwsRoute[] {
  const registry = () => ctx.service.registry;
  const thingArn = (name: string): string => arn(ctx, `thing/${name}`);
  const thingId = (t: ThingRecord): string => stableId('thing', t.thingName, t.creationDate);
  const requireThing = async (name: string): Promise<ThingRecord> => {
    const t = await registry().getThing(name);
    if (!t) throw notFound(`Thing ${name} cannot be found.`);
    return t;
  };
  const name = (req: AwsRequest): string => req.params.thingName ?? '';
  return [
    {
      api: 'iot',
      method: 'POST',
      path: '/things/{thingName}',
      operation: 'CreateThing',
      handler: async (req) => {
        const body = req.json();
        if (body.thingTypeName !== undefined)
          throw invalidRequest('thing types are not supported by the stand-in; leave thingTypeName out');
        const { attributes } = attributesOf(body);
        const existing = await registry().getThing(name(req));
        if (existing && JSON.stringify(existing.attributes) !== JSON.stringify(attributes ?? {})) {
          throw new AwsError(
            409,
            'ResourceAlreadyExistsException',
            `Thing ${name(req)} already exists in account with different attributes`,
          );
        }
        const t = await registry().createThing(name(req), attributes ?? {});
        return { json: { thingName: t.thingName, thingArn: thingArn(t.thingName), thingId: thingId(t) } };
      },
    },
    {
      api: 'iot',
      method: 'GET',
      path: '/things/{thingName}',
      operation: 'DescribeThing',
      handler: async (req) => {
        const t = await requireThing(name(req));
        return {
          json: {
            defaultClientId: t.thingName,
            thingName: t.thingName,
            thingId: thingId(t),
            thingArn: thingArn(t.thingName),
            attributes: t.attributes,
            version: t.version,
          },
        };
      },
    },
    {
      api: 'iot',
      method: 'GET',
      path: '/things',
      operation: 'ListThings',
      handler: async (req) => {
        const attributeName = req.query.get('attributeName');
        const attributeValue = req.query.get('attributeValue');
        const prefix = req.query.get('usePrefixAttributeValue') === 'true';
        const things = (await registry().listThings()).filter((t) => {
          if (attributeName === null) return true;
          const v = t.attributes[attributeName];
          if (v === undefined) return false;
          if (attributeValue === null) return true;
          return prefix ? v.startsWith(attributeValue) : v === attributeValue;
        });
        const { items, next } = page(things, req.query);
        return {
          json: {
            things: items.map((t) => ({
              thingName: t.thingName,
              thingArn: thingArn(t.thingName),
              attributes: t.attributes,
              version: t.version,
            })),
            ...(next ? { nextToken: next } : {}),
          },
        };
      },
    },
    {
      api: 'iot',
      method: 'PATCH',
      path: '/things/{thingName}',
      operation: 'UpdateThing',
      conflict: 'VersionConflictException',
      handler: async (req) => {
        const body = req.json();
        if (body.thingTypeName !== undefined || body.removeThingType === true)
          throw invalidRequest('thing types are not supported by the stand-in');
        const { attributes, merge } = attributesOf(body);
        const expectedVersion = integerOf(
          body.expectedVersion,
          'expectedVersion',
          0,
          Number.MAX_SAFE_INTEGER,
        );
        await requireThing(name(req));
        await registry().updateThing(name(req), {
          ...(attributes ? { attributes } : {}),
          merge,
          ...(expectedVersion !== undefined ? { expectedVersion } : {}),
        });
        return { json: {} };
      },
    },
    {
      api: 'iot',
      method: 'DELETE',
      path: '/things/{thingName}',
      operation: 'DeleteThing',
      conflict: 'VersionConflictException',
      handler: async (req) => {
        const expected = integerOf(
          req.query.get('expectedVersion') ?? undefined,
          'expectedVersion',
          0,
          Number.MAX_SAFE_INTEGER,
        );
        // AWS answers a DeleteThing of a thing that does not exist with success.
        if (await registry().getThing(name(req))) await registry().deleteThing(name(req), expected);
        return { json: {} };
      },
    },
    {
      api: 'iot',
      method: 'PUT',
      path: '/things/{thingName}/principals',
      operation: 'AttachThingPrincipal',
      handler: async (req) => {
        const certificateId = principalOf(req);
        await requireThing(name(req));
        await registry().attachThingPrincipal(name(req), certificateId);
        return { json: {} };
      },
    },
    {
      api: 'iot',
      method: 'DELETE',
      path: '/things/{thingName}/principals',
      operation: 'DetachThingPrincipal',
      handler: async (req) => {
        const certificateId = principalOf(req);
        await requireThing(name(req));
        await registry().detachThingPrincipal(name(req), certificateId);
        return { json: {} };
      },
    },
    {
      api: 'iot',
      method: 'GET',
      path: '/things/{thingName}/principals',
      operation: 'ListThingPrincipals',
      handler: async (req) => {
        const t = await requireThing(name(req));
        const { items, next } = page(t.principals, req.query);
        return {
          json: {
            principals: items.map((id) => arn(ctx, `cert/${id}`)),
            ...(next ? { nextToken: next } : {}),
          },
        };
      },
    },
    {
      api: 'iot',
      method: 'GET',
      path: '/principals/things',
      operation: 'ListPrincipalThings',
      handler: async (req) => {
        const things = await registry().thingsOfCertificate(principalOf(req));
        const { items, next } = page(things, req.query);
        return { json: { things: items, ...(next ? { nextToken: next } : {}) } };
      },
    },
  ];
}
