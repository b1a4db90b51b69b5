import { ErrorCode, SimError } from '../../../core/errors.js';
import type { StateChange, StateExpectation } from '../../store/store.js';
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

interface Message {
  topic: string;
  payload: string;
}

/** What one request decided, before anything is published. */
interface Decision extends ShadowResult {
  /** Resolves once the request's change is on disk (at once for one that changed nothing). */
  durable: Promise<void>;
  /** The responses, in order; sent only after `durable`. */
  messages: Message[];
}

interface Tombstone {
  version: number;
  deletedAt: number;
}

const INTERNAL_FAILURE = new ShadowError(500, 'Internal service failure');
/** Another broker node changed the shadow between our read and our write: read again. */
const RETRY = Symbol('retry');
/** Conflicts in a row before a request is answered 500 (a shared store under a storm of writes). */
const MAX_ATTEMPTS = 50;

/**
 * AWS IoT Device Shadow over MQTT (cloud-services.md §1): classic and named shadows, get / update /
 * delete with accepted / rejected, delta and documents. Responses are ordinary broker publishes, so
 * every subscriber of a response topic sees them, as on AWS. The console calls the same operations,
 * so a shadow changed there notifies devices exactly like one changed over MQTT.
 *
 * Nothing is answered before it is on disk: each request reads and changes the document in turn
 * (per shadow), hands its change to the store, and its responses wait for that change to be durable
 * and for the responses of the requests before it. The next request does not wait for the disk, so
 * a burst of updates to one shadow shares one fsync (the store's group commit) and keeps its order.
 */
export class ShadowService implements BrokerService {
  readonly name = 'shadow';
  private ctx: ServiceContext | undefined;
  private readonly queue = new KeyedQueue();
  /** Per shadow: settles once the latest request's responses have been handed to the broker. */
  private readonly outbox = new Map<string, Promise<void>>();
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
  async handle(
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
    const key = shadowKey(address);
    const { sent } = await this.queue.run(key, async () => {
      let decision: Decision | typeof RETRY = RETRY;
      for (let attempt = 0; decision === RETRY && attempt < MAX_ATTEMPTS; attempt++) {
        decision =
          operation === 'update'
            ? await this.update(address, payload)
            : operation === 'get'
              ? await this.get(address, payload)
              : await this.delete(address, payload);
      }
      if (decision === RETRY) decision = this.rejected(INTERNAL_FAILURE, payload);
      return { sent: this.send(key, address, operation, payload, decision) };
    });
    return sent;
  }

  /**
   * Publishes a decision's responses once its change is durable and the previous request's
   * responses have left; a change the store could not write is answered 500 instead.
   */
  private send(
    key: string,
    address: ShadowAddress,
    operation: ShadowOperation,
    payload: Buffer | string,
    decision: Decision,
  ): Promise<ShadowResult> {
    const previous = this.outbox.get(key) ?? Promise.resolve();
    const written = decision.durable.then(
      () => undefined,
      (err: Error) => err,
    );
    const handed = Promise.all([previous, written]).then(([, failure]) => {
      let result: ShadowResult = { accepted: decision.accepted, body: decision.body };
      let messages = decision.accepted
        ? decision.messages
        : [
            {
              topic: `${shadowPrefix(address)}/${operation}/rejected`,
              payload: JSON.stringify(decision.body),
            },
          ];
      if (failure) {
        this.context.log.add({
          type: 'service-error',
          thingName: address.thingName,
          detail: `shadow ${key}: ${failure.message}`,
        });
        const rejected = this.rejected(INTERNAL_FAILURE, payload);
        result = rejected;
        messages = [
          { topic: `${shadowPrefix(address)}/${operation}/rejected`, payload: JSON.stringify(rejected.body) },
        ];
      }
      // aedes routes publishes in the order they are made, so each request's responses go out
      // together and before the next one's.
      const completed = Promise.all(messages.map((m) => this.context.publish(m.topic, m.payload)));
      return { result, completed };
    });
    const tail = handed.then(() => undefined);
    this.outbox.set(key, tail);
    void tail.then(() => {
      if (this.outbox.get(key) === tail) this.outbox.delete(key);
    });
    return handed.then(async ({ result, completed }) => {
      await completed;
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

  private rejected(error: ShadowError, payload: Buffer | string): Decision {
    const clientToken = clientTokenOf(payload);
    return {
      accepted: false,
      body: {
        code: error.code,
        message: error.message,
        timestamp: this.nowSeconds(),
        ...(clientToken !== undefined ? { clientToken } : {}),
      },
      durable: Promise.resolve(),
      messages: [],
    };
  }

  private noShadow(address: ShadowAddress, payload: Buffer | string): Decision {
    return this.rejected(
      new ShadowError(404, `No shadow exists with name: '${address.shadowName ?? address.thingName}'`),
      payload,
    );
  }

  /**
   * Commits `changes` if the records read are unchanged. `applied` is known at once on an embedded
   * store (the next request does not wait for the disk) and on the shared store's answer on a
   * shared one, where another node may have won: then the request is decided again.
   */
  private async commitIfUnchanged(
    expect: readonly StateExpectation[],
    changes: readonly StateChange[],
  ): Promise<{ durable: Promise<void> } | typeof RETRY> {
    const { applied, durable } = this.context.store.commitIf(expect, changes);
    // A store failure is reported by `durable` (answered 500 by send).
    const ok = await applied.catch(() => true);
    return ok ? { durable } : RETRY;
  }

  private async update(address: ShadowAddress, payload: Buffer | string): Promise<Decision | typeof RETRY> {
    const { store, clock } = this.context;
    const request = parseUpdateRequest(payload, this.limits);
    if (request instanceof ShadowError) return this.rejected(request, payload);
    const key = shadowKey(address);
    const current = await store.get<StoredShadow>('shadows', key);
    let baseVersion = 0;
    const tomb = current ? undefined : await store.get<Tombstone>('shadow-tombstones', key);
    if (tomb && clock.now() - tomb.deletedAt < this.versionReuseMs) baseVersion = tomb.version;
    const now = this.nowSeconds();
    const outcome = applyUpdate(current, request, now, baseVersion, this.limits);
    if (outcome instanceof ShadowError) return this.rejected(outcome, payload);
    const committed = await this.commitIfUnchanged(
      [
        { collection: 'shadows', key, value: current },
        ...(current ? [] : [{ collection: 'shadow-tombstones' as const, key, value: tomb }]),
      ],
      [
        { collection: 'shadows', key, value: outcome.shadow },
        ...(tomb ? [{ collection: 'shadow-tombstones' as const, key, deleted: true as const }] : []),
      ],
    );
    if (committed === RETRY) return RETRY;
    const { durable } = committed;
    const token: JsonObject = request.clientToken !== undefined ? { clientToken: request.clientToken } : {};
    const prefix = shadowPrefix(address);
    const accepted: JsonObject = { ...outcome.accepted, ...token };
    // §1.3 step 6: accepted, then delta, then documents.
    const messages: Message[] = [{ topic: `${prefix}/update/accepted`, payload: JSON.stringify(accepted) }];
    if (outcome.delta)
      messages.push({
        topic: `${prefix}/update/delta`,
        payload: JSON.stringify({ ...outcome.delta, ...token }),
      });
    messages.push({
      topic: `${prefix}/update/documents`,
      payload: JSON.stringify({
        previous: current ? snapshot(current) : null,
        current: snapshot(outcome.shadow),
        timestamp: now,
        ...token,
      }),
    });
    this.context.log.add({
      type: 'shadow-update',
      thingName: address.thingName,
      detail: `${key} v${outcome.shadow.version}`,
    });
    return { accepted: true, body: accepted, durable, messages };
  }

  private async get(address: ShadowAddress, payload: Buffer | string): Promise<Decision> {
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
      durable: Promise.resolve(),
      messages: [{ topic: `${shadowPrefix(address)}/get/accepted`, payload: JSON.stringify(body) }],
    };
  }

  private async delete(address: ShadowAddress, payload: Buffer | string): Promise<Decision | typeof RETRY> {
    const { store, clock } = this.context;
    const request = parseSimpleRequest(payload);
    if (request instanceof ShadowError) return this.rejected(request, payload);
    const key = shadowKey(address);
    const shadow = await store.get<StoredShadow>('shadows', key);
    if (!shadow) return this.noShadow(address, payload);
    const committed = await this.commitIfUnchanged(
      [{ collection: 'shadows', key, value: shadow }],
      [
        { collection: 'shadows', key, deleted: true },
        { collection: 'shadow-tombstones', key, value: { version: shadow.version, deletedAt: clock.now() } },
      ],
    );
    if (committed === RETRY) return RETRY;
    const { durable } = committed;
    const body: JsonObject = {
      version: shadow.version,
      timestamp: this.nowSeconds(),
      ...(request.clientToken !== undefined ? { clientToken: request.clientToken } : {}),
    };
    this.context.log.add({ type: 'shadow-delete', thingName: address.thingName, detail: key });
    return {
      accepted: true,
      body,
      durable,
      messages: [{ topic: `${shadowPrefix(address)}/delete/accepted`, payload: JSON.stringify(body) }],
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
        // The request's own text when it came over HTTP, so it is judged as over MQTT.
        const payload = req.text ?? (req.body === undefined ? '' : JSON.stringify(req.body));
        const result = await this.handle(address, operation, payload);
        return { status: result.accepted ? 200 : Number(result.body.code), body: result.body };
      };
    return [
      { method: 'GET', path: '/things/:thing/shadow', raw: true, handler: run('get') },
      { method: 'POST', path: '/things/:thing/shadow', raw: true, handler: run('update') },
      { method: 'DELETE', path: '/things/:thing/shadow', raw: true, handler: run('delete') },
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
