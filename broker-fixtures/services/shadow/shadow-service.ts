import { ErrorCode, SimError } from '../../../core/errors.js';
import type {
  ApiRequest,
  ApiResponse,
  ApiRoute,
  BrokerService,
  InboundMessage,
  ServiceContext,
} from '../service.js';
import type { JsonObject } from './json.js';
import { KeyedQueue } from './keyed-queue.js';
import {
  applyUpdate,
  clientTokenOf,
  DEFAULT_SHADOW_LIMITS,
  getDocument,
  parseSimpleRequest,
  parseUpdateRequest,
  ShadowError,
  snapshot,
  type ShadowLimits,
  type StoredShadow,
} from './shadow-document.js';
import {
  isValidShadowAddress,
  parseShadowRequestTopic,
  shadowKey,
  shadowPrefix,
  SHADOW_REQUEST_FILTERS,
  type ShadowAddress,
  type ShadowOperation,
} from './shadow-topics.js';

export interface ShadowServiceOptions {
  limits?: ShadowLimits;
  /** §1.5: a shadow re-created within this time continues the deleted one's version (48 h). */
  versionReuseMs?: number;
}

/** The answer to one request: the `accepted` or `rejected` body, as published. */
export interface ShadowResult {
  accepted: boolean;
  body: JsonObject;
}

/** A result whose publishes have been handed to the broker (in order) but may not have completed. */
interface Pending extends ShadowResult {
  sent: Promise<unknown>;
}

interface Tombstone {
  version: number;
  deletedAt: number;
}

/**
 * AWS IoT Device Shadow over MQTT (cloud-services.md §1): classic and named shadows, get / update /
 * delete with accepted / rejected, delta and documents. Responses are ordinary broker publishes, so
 * every subscriber of a response topic sees them, as on AWS. The console calls the same operations,
 * so a shadow changed there notifies devices exactly like one changed over MQTT.
 */
export class ShadowService implements BrokerService {
  readonly name = 'shadow';
  private ctx: ServiceContext | undefined;
  private readonly queue = new KeyedQueue();
  private readonly limits: ShadowLimits;
  private readonly versionReuseMs: number;

  constructor(options: ShadowServiceOptions = {}) {
    this.limits = options.limits ?? DEFAULT_SHADOW_LIMITS;
    this.versionReuseMs = options.versionReuseMs ?? 48 * 3600_000;
  }

  async start(context: ServiceContext): Promise<void> {
    this.ctx = context;
    for (const filter of SHADOW_REQUEST_FILTERS) {
      await context.subscribe(filter, (message) => this.onRequest(message));
    }
  }

  private get context(): ServiceContext {
    if (!this.ctx) throw new SimError(ErrorCode.INVALID_STATE, 'the shadow service has not been started');
    return this.ctx;
  }

  private async onRequest(message: InboundMessage): Promise<void> {
    const request = parseShadowRequestTopic(message.topic);
    if (!request) return;
    await this.handle(request, request.operation, message.payload);
  }

  /** Runs one operation and publishes its responses; the console and MQTT both come through here. */
  handle(
    address: ShadowAddress,
    operation: ShadowOperation,
    payload: Buffer | string,
  ): Promise<ShadowResult> {
    if (!isValidShadowAddress(address)) {
      throw new SimError(
        ErrorCode.INVALID_ARGUMENT,
        `invalid thing or shadow name: ${JSON.stringify(address)}`,
      );
    }
    // Only reading and writing the document is serialised per shadow; the responses are handed to
    // aedes inside that section (so they leave in order) and completed outside it.
    return this.queue
      .run(shadowKey(address), async (): Promise<Pending> => {
        const result =
          operation === 'update'
            ? await this.update(address, payload)
            : operation === 'get'
              ? await this.get(address, payload)
              : await this.delete(address, payload);
        if (!result.accepted) {
          result.sent = this.context.publish(
            `${shadowPrefix(address)}/${operation}/rejected`,
            JSON.stringify(result.body),
          );
        }
        return result;
      })
      .then(async ({ sent, ...result }) => {
        await sent;
        return result;
      });
  }

  async listNamedShadows(thingName: string): Promise<string[]> {
    const prefix = `${thingName}/`;
    return (await this.context.store.list('shadows'))
      .map(([key]) => key)
      .filter((k) => k.startsWith(prefix))
      .map((k) => k.slice(prefix.length));
  }

  private nowSeconds(): number {
    return Math.floor(this.context.clock.now() / 1000);
  }

  private rejected(error: ShadowError, payload: Buffer | string): Pending {
    const clientToken = clientTokenOf(payload);
    return {
      sent: Promise.resolve(),
      accepted: false,
      body: {
        code: error.code,
        message: error.message,
        timestamp: this.nowSeconds(),
        ...(clientToken !== undefined ? { clientToken } : {}),
      },
    };
  }

  private noShadow(address: ShadowAddress, payload: Buffer | string): Pending {
    return this.rejected(
      new ShadowError(404, `No shadow exists with name: '${address.shadowName ?? address.thingName}'`),
      payload,
    );
  }

  private async update(address: ShadowAddress, payload: Buffer | string): Promise<Pending> {
    const { store, clock } = this.context;
    const request = parseUpdateRequest(payload, this.limits);
    if (request instanceof ShadowError) return this.rejected(request, payload);
    const key = shadowKey(address);
    const current = await store.get<StoredShadow>('shadows', key);
    let baseVersion = 0;
    if (!current) {
      const tomb = await store.get<Tombstone>('shadow-tombstones', key);
      if (tomb && clock.now() - tomb.deletedAt < this.versionReuseMs) baseVersion = tomb.version;
    }
    const now = this.nowSeconds();
    const outcome = applyUpdate(current, request, now, baseVersion, this.limits);
    if (outcome instanceof ShadowError) return this.rejected(outcome, payload);
    await store.put('shadows', key, outcome.shadow);
    if (!current) await store.delete('shadow-tombstones', key);
    const token: JsonObject = request.clientToken !== undefined ? { clientToken: request.clientToken } : {};
    const prefix = shadowPrefix(address);
    const accepted: JsonObject = { ...outcome.accepted, ...token };
    // §1.3 step 6: accepted, then delta, then documents. aedes routes publishes in the order they
    // are made, so they go out together instead of one round of persistence after another.
    const sent = [this.context.publish(`${prefix}/update/accepted`, JSON.stringify(accepted))];
    if (outcome.delta)
      sent.push(
        this.context.publish(`${prefix}/update/delta`, JSON.stringify({ ...outcome.delta, ...token })),
      );
    sent.push(
      this.context.publish(
        `${prefix}/update/documents`,
        JSON.stringify({
          previous: current ? snapshot(current) : null,
          current: snapshot(outcome.shadow),
          timestamp: now,
          ...token,
        }),
      ),
    );
    this.context.log.add({
      type: 'shadow-update',
      thingName: address.thingName,
      detail: `${key} v${outcome.shadow.version}`,
    });
    return { accepted: true, body: accepted, sent: Promise.all(sent) };
  }

  private async get(address: ShadowAddress, payload: Buffer | string): Promise<Pending> {
    const request = parseSimpleRequest(payload);
    if (request instanceof ShadowError) return this.rejected(request, payload);
    const shadow = await this.context.store.get<StoredShadow>('shadows', shadowKey(address));
    if (!shadow) return this.noShadow(address, payload);
    const body = {
      ...getDocument(shadow, this.nowSeconds()),
      ...(request.clientToken !== undefined ? { clientToken: request.clientToken } : {}),
    };
    return {
      accepted: true,
      body,
      sent: this.context.publish(`${shadowPrefix(address)}/get/accepted`, JSON.stringify(body)),
    };
  }

  private async delete(address: ShadowAddress, payload: Buffer | string): Promise<Pending> {
    const { store, clock } = this.context;
    const request = parseSimpleRequest(payload);
    if (request instanceof ShadowError) return this.rejected(request, payload);
    const key = shadowKey(address);
    const shadow = await store.get<StoredShadow>('shadows', key);
    if (!shadow) return this.noShadow(address, payload);
    await store.delete('shadows', key);
    await store.put<Tombstone>('shadow-tombstones', key, { version: shadow.version, deletedAt: clock.now() });
    const body: JsonObject = {
      version: shadow.version,
      timestamp: this.nowSeconds(),
      ...(request.clientToken !== undefined ? { clientToken: request.clientToken } : {}),
    };
    this.context.log.add({ type: 'shadow-delete', thingName: address.thingName, detail: key });
    return {
      accepted: true,
      body,
      sent: this.context.publish(`${shadowPrefix(address)}/delete/accepted`, JSON.stringify(body)),
    };
  }

  /** AWS IoT data plane REST shapes: `/things/{thing}/shadow?name=…`. */
  routes(): ApiRoute[] {
    const run =
      (operation: ShadowOperation) =>
      async (req: ApiRequest): Promise<ApiResponse> => {
        const name = req.query.get('name');
        const address: ShadowAddress = {
          thingName: req.params.thing ?? '',
          ...(name ? { shadowName: name } : {}),
        };
        const payload = req.body === undefined ? '' : JSON.stringify(req.body);
        const result = await this.handle(address, operation, payload);
        return { status: result.accepted ? 200 : Number(result.body.code), body: result.body };
      };
    return [
      { method: 'GET', path: '/things/:thing/shadow', handler: run('get') },
      { method: 'POST', path: '/things/:thing/shadow', handler: run('update') },
      { method: 'DELETE', path: '/things/:thing/shadow', handler: run('delete') },
      {
        method: 'GET',
        path: '/api/things/shadow/ListNamedShadowsForThing/:thing',
        handler: async (req) => ({
          body: {
            results: await this.listNamedShadows(req.params.thing ?? ''),
            timestamp: this.nowSeconds(),
          },
        }),
      },
    ];
  }
}
