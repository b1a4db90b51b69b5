import { retainedMessages } from '../mqtt/aedes-internals.js';
import { AWS_LIMITS, checkPublishTopic } from '../mqtt/aws-rules.js';
import type { ShadowAddress, ShadowOperation } from '../services/shadow/shadow-topics.js';
import { AwsError, invalidRequest, notFound } from './aws-error.js';
import { booleanQuery, integerOf, page, type AwsApiContext } from './aws-context.js';
import type { AwsReply, AwsRequest, AwsRoute } from './aws-router.js';

/**
 * The IoT data plane (`iotdata`): Device Shadow over REST through the same ShadowService as MQTT,
 * so an update here is answered on `…/update/accepted` and raises `…/update/delta` for the device;
 * Publish into the broker; retained messages from the state store.
 */

/** Shadow rejections by their `code` (cloud-services.md §1.6) → the data plane's exceptions. */
const SHADOW_ERRORS: Record<number, string> = {
  400: 'InvalidRequestException',
  401: 'UnauthorizedException',
  403: 'ForbiddenException',
  404: 'ResourceNotFoundException',
  409: 'ConflictException',
  413: 'RequestEntityTooLargeException',
  415: 'UnsupportedDocumentEncodingException',
  429: 'ThrottlingException',
  500: 'InternalFailureException',
};

interface StoredRetained {
  payload: string;
  qos: 0 | 1;
}

interface Retained {
  topic: string;
  payload: Buffer;
  qos: number;
}

export function dataPlaneRoutes(ctx: AwsApiContext): AwsRoute[] {
  /** From the broker's persistence (shared by a cluster's nodes), else the state store's copy. */
  const retained = async (pattern: string): Promise<Retained[]> => {
    const aedes = ctx.service.aedes;
    const live = aedes ? await retainedMessages(aedes, pattern) : undefined;
    if (live) {
      return live.map((p) => ({
        topic: p.topic,
        payload: Buffer.isBuffer(p.payload) ? p.payload : Buffer.from(p.payload),
        qos: p.qos,
      }));
    }
    const stored = await ctx.service.store.list<StoredRetained>('retained');
    return stored
      .filter(([topic]) => pattern === '#' || topic === pattern)
      .map(([topic, r]) => ({ topic, payload: Buffer.from(r.payload, 'base64'), qos: r.qos }));
  };
  const shadow =
    (operation: ShadowOperation) =>
    async (req: AwsRequest): Promise<AwsReply> => {
      const name = req.query.get('name');
      const address: ShadowAddress = {
        thingName: req.params.thingName ?? '',
        ...(name ? { shadowName: name } : {}),
      };
      const result = await ctx.shadows.handle(address, operation, req.body);
      if (!result.accepted) {
        const code = Number(result.body.code);
        throw new AwsError(
          SHADOW_ERRORS[code] ? code : 500,
          SHADOW_ERRORS[code] ?? 'InternalFailureException',
          String(result.body.message ?? 'the shadow request was rejected'),
        );
      }
      return { raw: Buffer.from(JSON.stringify(result.body), 'utf8') };
    };
  return [
    {
      api: 'iotdata',
      method: 'GET',
      path: '/things/{thingName}/shadow',
      operation: 'GetThingShadow',
      handler: shadow('get'),
    },
    {
      api: 'iotdata',
      method: 'POST',
      path: '/things/{thingName}/shadow',
      operation: 'UpdateThingShadow',
      handler: shadow('update'),
    },
    {
      api: 'iotdata',
      method: 'DELETE',
      path: '/things/{thingName}/shadow',
      operation: 'DeleteThingShadow',
      handler: shadow('delete'),
    },
    {
      api: 'iotdata',
      method: 'GET',
      path: '/api/things/shadow/ListNamedShadowsForThing/{thingName}',
      operation: 'ListNamedShadowsForThing',
      handler: async (req) => {
        const names = await ctx.shadows.listNamedShadows(req.params.thingName ?? '');
        const { items, next } = page(names, req.query, { size: 'pageSize', token: 'nextToken' }, 100);
        return {
          json: {
            results: items,
            ...(next ? { nextToken: next } : {}),
            timestamp: Math.floor(ctx.service.clock.now() / 1000),
          },
        };
      },
    },
    {
      api: 'iotdata',
      method: 'POST',
      path: '/topics/{topic}',
      operation: 'Publish',
      handler: async (req) => {
        const topic = req.params.topic ?? '';
        // MQTT forbids wildcards and U+0000 in a topic name [MQTT-3.3.2-2]; its parser enforces that, this path must.
        const problem =
          topic === '' || /[+#]/.test(topic) || topic.includes('\u0000')
            ? `${JSON.stringify(topic)} is not a topic name (empty, or a wildcard or U+0000 in it)`
            : checkPublishTopic(topic);
        if (problem) throw invalidRequest(problem);
        const qos = integerOf(req.query.get('qos') ?? undefined, 'qos', 0, 1) ?? 0;
        const retain = booleanQuery(req.query, 'retain', false);
        if (req.body.length > AWS_LIMITS.maxPayloadBytes) {
          throw new AwsError(
            413,
            'RequestEntityTooLargeException',
            `the payload is ${req.body.length} bytes (AWS IoT allows at most 128 KB)`,
          );
        }
        await ctx.service.publish(topic, req.body, { qos: qos as 0 | 1, retain });
        return { json: {} };
      },
    },
    {
      api: 'iotdata',
      method: 'GET',
      path: '/retainedMessage/{topic}',
      operation: 'GetRetainedMessage',
      handler: async (req) => {
        const topic = req.params.topic ?? '';
        if (topic === '' || /[+#]/.test(topic))
          throw invalidRequest(`${JSON.stringify(topic)} is not a topic name`);
        const [r] = await retained(topic);
        if (!r) throw notFound(`No retained message exists for topic ${topic}`);
        return { json: { topic, payload: r.payload.toString('base64'), qos: r.qos } };
      },
    },
    {
      api: 'iotdata',
      method: 'GET',
      path: '/retainedMessage',
      operation: 'ListRetainedMessages',
      handler: async (req) => {
        const all = (await retained('#')).sort((a, b) =>
          a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0,
        );
        const { items, next } = page(all, req.query, { size: 'maxResults', token: 'nextToken' }, 200);
        return {
          json: {
            retainedTopics: items.map((r) => ({ topic: r.topic, payloadSize: r.payload.length, qos: r.qos })),
            ...(next ? { nextToken: next } : {}),
          },
        };
      },
    },
  ];
}
