import type { Clock } from '../../core/clock.js';
import { ErrorCode, SimError } from '../../core/errors.js';
import type { EventLog } from '../event-log.js';
import { isObject, type JsonObject, type JsonValue } from '../services/shadow/json.js';
import { KeyedQueue } from '../services/shadow/keyed-queue.js';
import {
  applyUpdate,
  clientTokenOf,
  getDocument,
  parseUpdateRequest,
  ShadowError,
  type StoredShadow,
  type UpdateOutcome,
  type UpdateRequest,
} from '../services/shadow/shadow-document.js';
import type { StateStore } from '../store/store.js';
import type { NrfCloudBus } from './bus.js';
import { commitChecked } from './checked-commit.js';
import { evaluateTransform, TransformError } from './jsonata.js';

/** nRF Cloud's limit for trimmed deltas and transform results (`NRF_CLOUD_TRANSFORM_MAX_RESPONSE_LEN`). */
export const TRIM_LIMIT = 1792;
const LIMITS = { maxStateBytes: 16 * 1024, maxDepth: 8 };

/**
 * The device shadows of the local nRF Cloud, one per device in `nrfcloud-shadows`, over the AWS
 * shadow document model (nRF Cloud runs on AWS IoT). Every update is stored before it is answered
 * and answered on every generation's topics at once: `$aws/things/<id>/shadow/…` (full documents),
 * `<id>/shadow/update/delta/full` and `…/delta/trim` (without metadata, ≤ 1792 bytes, else the
 * `/err` topic), `<id>/shadow/get/accepted[/trim]`, and transform requests on `<id>/shadow/get/tf`.
 */
export class NrfCloudShadows {
  private readonly queue = new KeyedQueue();

  constructor(
    private readonly store: StateStore,
    private readonly clock: Clock,
    private readonly bus: NrfCloudBus,
    private readonly log: EventLog,
  ) {}

  private nowSeconds(): number {
    return Math.floor(this.clock.now() / 1000);
  }

  get(id: string): Promise<StoredShadow | undefined> {
    return this.store.get<StoredShadow>('nrfcloud-shadows', id);
  }

  /** The shadow as `GET /v1/devices/{id}` shows it (`state` and `$meta`-style metadata). */
  async document(id: string): Promise<JsonObject | undefined> {
    const shadow = await this.get(id);
    return shadow ? getDocument(shadow, this.nowSeconds()) : undefined;
  }

  /** Applies an update (from the device or the cloud), stores it, then publishes the answers. */
  update(id: string, request: UpdateRequest, clientToken?: string): Promise<UpdateOutcome | ShadowError> {
    return this.queue.run(id, async () => {
      // The version check and the write are one step in the store (broker nodes share it).
      const outcome = await commitChecked<UpdateOutcome | ShadowError>(
        this.store,
        `the shadow of ${id}`,
        async () => {
          const current = await this.get(id);
          const result = applyUpdate(current, request, this.nowSeconds(), 0, LIMITS);
          if (result instanceof ShadowError) return { expect: [], changes: [], result };
          return {
            expect: [{ collection: 'nrfcloud-shadows' as const, key: id, value: current }],
            changes: [{ collection: 'nrfcloud-shadows' as const, key: id, value: result.shadow }],
            result,
          };
        },
      );
      if (outcome instanceof ShadowError) return outcome;
      const token = clientToken !== undefined ? { clientToken } : {};
      await this.bus.publish(
        `$aws/things/${id}/shadow/update/accepted`,
        JSON.stringify({ ...outcome.accepted, ...token }),
      );
      await this.bus.publish(
        `${id}/shadow/update/accepted`,
        JSON.stringify({ ...outcome.accepted, ...token }),
      );
      if (outcome.delta) await this.publishDelta(id, outcome.delta);
      return outcome;
    });
  }

  /** Desired state written from the cloud side (REST, association); `version` guards like If-Match. */
  async updateDesired(id: string, desired: JsonObject, version?: number): Promise<UpdateOutcome> {
    return this.checked(
      await this.update(id, { state: { desired }, ...(version !== undefined ? { version } : {}) }),
    );
  }

  async updateReported(id: string, reported: JsonObject, version?: number): Promise<UpdateOutcome> {
    return this.checked(
      await this.update(id, { state: { reported }, ...(version !== undefined ? { version } : {}) }),
    );
  }

  private checked(outcome: UpdateOutcome | ShadowError): UpdateOutcome {
    if (!(outcome instanceof ShadowError)) return outcome;
    throw new SimError(
      outcome.code === 409 ? ErrorCode.INVALID_STATE : ErrorCode.INVALID_ARGUMENT,
      `shadow update refused: ${outcome.message}`,
    );
  }

  private async publishDelta(id: string, delta: JsonObject): Promise<void> {
    const full = JSON.stringify(delta);
    await this.bus.publish(`$aws/things/${id}/shadow/update/delta`, full);
    const trimmed = JSON.stringify({
      version: delta.version,
      timestamp: delta.timestamp,
      state: delta.state,
    });
    const tooLarge = (topic: string, size: number): Promise<void> =>
      this.bus.publish(
        `${topic}/err`,
        JSON.stringify({
          version: delta.version,
          timestamp: delta.timestamp,
          code: 413,
          message: `the delta is ${size} bytes (at most ${TRIM_LIMIT})`,
        }),
      );
    const fullTopic = `${id}/shadow/update/delta/full`;
    if (Buffer.byteLength(full) <= TRIM_LIMIT) await this.bus.publish(fullTopic, full);
    else await tooLarge(fullTopic, Buffer.byteLength(full));
    const trimTopic = `${id}/shadow/update/delta/trim`;
    if (Buffer.byteLength(trimmed) <= TRIM_LIMIT) await this.bus.publish(trimTopic, trimmed);
    else await tooLarge(trimTopic, Buffer.byteLength(trimmed));
  }

  private rejected(id: string, topics: string[], error: ShadowError, payload: Buffer): Promise<void> {
    const token = clientTokenOf(payload);
    const body = JSON.stringify({
      code: error.code,
      message: error.message,
      timestamp: this.nowSeconds(),
      ...(token !== undefined ? { clientToken: token } : {}),
    });
    this.log.add({
      type: 'nrfcloud-shadow-rejected',
      clientId: id,
      detail: `${error.code} ${error.message}`,
    });
    return Promise.all(topics.map((t) => this.bus.publish(t, body))).then(() => undefined);
  }

  /** A device's update on `<id>/shadow/update` or `$aws/things/<id>/shadow/update`. */
  async deviceUpdate(id: string, payload: Buffer): Promise<void> {
    const request = parseUpdateRequest(payload, LIMITS);
    const rejectTopics = [
      `$aws/things/${id}/shadow/update/rejected`,
      `${id}/shadow/update/rejected`,
      `${id}/shadow/get/rejected`,
    ];
    if (request instanceof ShadowError) return this.rejected(id, rejectTopics, request, payload);
    const outcome = await this.update(id, request, request.clientToken);
    if (outcome instanceof ShadowError) return this.rejected(id, rejectTopics, outcome, payload);
  }

  /** A get: the full document on `$aws/…/get/accepted`, the trimmed one (no metadata) on the nRF Cloud aliases. */
  async deviceGet(id: string, payload: Buffer, kind: 'aws' | 'trim' | 'plain'): Promise<void> {
    const shadow = await this.get(id);
    const token = clientTokenOf(payload);
    const tokenPart = token !== undefined ? { clientToken: token } : {};
    if (!shadow) {
      const error = new ShadowError(404, `No shadow exists with name: '${id}'`);
      return this.rejected(
        id,
        [`$aws/things/${id}/shadow/get/rejected`, `${id}/shadow/get/rejected`],
        error,
        payload,
      );
    }
    const doc = getDocument(shadow, this.nowSeconds());
    const trimmed = JSON.stringify({
      state: doc.state,
      version: doc.version,
      timestamp: doc.timestamp,
      ...tokenPart,
    });
    if (kind === 'aws') {
      await this.bus.publish(
        `$aws/things/${id}/shadow/get/accepted`,
        JSON.stringify({ ...doc, ...tokenPart }),
      );
      await this.bus.publish(`${id}/shadow/get/accepted`, trimmed);
    } else if (kind === 'trim') await this.bus.publish(`${id}/shadow/get/accepted/trim`, trimmed);
    else await this.bus.publish(`${id}/shadow/get/accepted`, trimmed);
  }

  /**
   * A transform request `{"t":"<JSONata>","l":<max length>}` on `<id>/shadow/get/tf`: the result as
   * `{"tf":…}` on `<id>/shadow/get/accepted/tf`, or `{"err":{"code","pos","msg"}}` there when the
   * expression cannot be evaluated or the result is longer than `l` (default 1792).
   */
  async transform(id: string, payload: Buffer): Promise<void> {
    const topic = `${id}/shadow/get/accepted/tf`;
    const fail = (code: number, msg: string): Promise<void> => {
      this.log.add({ type: 'nrfcloud-transform-error', clientId: id, detail: msg });
      return this.bus.publish(topic, JSON.stringify({ err: { code, pos: 0, msg } }));
    };
    let request: unknown;
    try {
      request = JSON.parse(payload.toString('utf8'));
    } catch {
      return fail(400, 'the request is not JSON');
    }
    if (!isObject(request) || typeof request.t !== 'string')
      return fail(400, 'the request has no "t" expression');
    const limit = request.l === undefined ? TRIM_LIMIT : request.l;
    if (typeof limit !== 'number' || !Number.isInteger(limit) || limit <= 0)
      return fail(400, '"l" must be a positive whole number');
    const shadow = await this.get(id);
    const input: JsonValue = shadow ? getDocument(shadow, this.nowSeconds()) : { state: {} };
    let result: JsonValue | undefined;
    try {
      result = evaluateTransform(request.t, input);
    } catch (err) {
      if (err instanceof TransformError) return fail(400, err.message);
      throw err;
    }
    const body = JSON.stringify({ tf: result ?? null });
    if (Buffer.byteLength(body) > limit)
      return fail(413, `the result is ${Buffer.byteLength(body)} bytes (at most ${limit})`);
    await this.bus.publish(topic, body);
  }
}
