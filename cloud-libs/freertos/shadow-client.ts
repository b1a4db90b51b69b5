import type { Clock } from '../../core/clock.js';
import { ErrorCode, SimError } from '../../core/errors.js';
import { checkTimeoutMs } from './agent-config.js';
import type { AgentModem, MqttAgentCallbackParams } from './agent-types.js';
import type { MqttBufferHandle } from './buffer-pool.js';
import { MqttAgent } from './mqtt-agent.js';
import { inMqttTask } from './mqtt-task.js';
import { OperationLock } from './operation-lock.js';
import { ShadowReturnCode, shadowCodeFromAgent } from './return-codes.js';
import { clientTokenMatch, rejectedCode } from './shadow-json.js';
import { shadowTopic, type ShadowTopicStringType } from './shadow-topics.js';
import {
  SHADOW_DEFAULTS,
  type ShadowCallbackParams,
  type ShadowConfig,
  type ShadowConnectParams,
  type ShadowCreateParams,
  type ShadowGetResult,
  type ShadowOperationParams,
} from './shadow-types.js';

type Code = ShadowReturnCode;
type OperationName = 'update' | 'get' | 'delete';

const TOPICS: Readonly<
  Record<OperationName, [ShadowTopicStringType, ShadowTopicStringType, ShadowTopicStringType]>
> = {
  update: [
    'ShadowTopicStringTypeUpdate',
    'ShadowTopicStringTypeUpdateAccepted',
    'ShadowTopicStringTypeUpdateRejected',
  ],
  get: ['ShadowTopicStringTypeGet', 'ShadowTopicStringTypeGetAccepted', 'ShadowTopicStringTypeGetRejected'],
  delete: [
    'ShadowTopicStringTypeDelete',
    'ShadowTopicStringTypeDeleteAccepted',
    'ShadowTopicStringTypeDeleteRejected',
  ],
};

/** What aws_shadow.c `configASSERT`s: misuse, thrown at the call. */
function checkThingName(call: string, thingName: unknown): void {
  if (typeof thingName !== 'string' || thingName === '')
    throw new SimError(ErrorCode.INVALID_ARGUMENT, `SHADOW ${call}: a thing name is required`);
}

function checkOperation(name: OperationName, p: ShadowOperationParams, timeoutMs: number): void {
  checkTimeoutMs(`SHADOW ${name}`, timeoutMs);
  checkThingName(name, p.thingName);
  if (p.qos !== 0 && p.qos !== 1)
    throw new SimError(ErrorCode.INVALID_ARGUMENT, `SHADOW ${name}: QoS 0 or 1`);
}

/** The operation whose answer the MQTT callback is looking for (`ShadowOperationData_t`). */
interface InProgress {
  name: OperationName;
  /** The operation topic; its `/accepted` and `/rejected` answer it. */
  topic: string;
  request: string;
  finish: (result: ShadowGetResult) => void;
  finished: boolean;
}

/**
 * The Amazon FreeRTOS Device Shadow client (aws_shadow.c) over a dedicated {@link MqttAgent}: one
 * operation at a time, each subscribing to its accepted/rejected topics (unless still subscribed),
 * publishing the request and waiting for the answer, then unsubscribing unless asked to keep the
 * subscriptions. Results are the original return codes: a rejection's HTTP code as the service
 * sent it, a jsmn error when a rejected document cannot be read, and eShadowTimeout when the answer
 * did not come in time, which does not mean the service refused the request.
 */
export class ShadowClient {
  readonly config: Readonly<ShadowConfig>;
  private readonly clock: Clock;
  private readonly lock: OperationLock;
  private readonly subscribed = new Set<string>();
  private readonly catalog = new Map<string, ShadowCallbackParams>();
  private inProgress: InProgress | undefined;
  private userData: unknown;

  private constructor(
    /** The dedicated MQTT agent. */
    readonly agent: MqttAgent,
    modem: AgentModem,
    config: ShadowConfig,
  ) {
    this.clock = modem.clock;
    this.config = config;
    this.lock = new OperationLock(modem.clock);
  }

  /** `SHADOW_ClientCreate` with a dedicated MQTT client (`eSharedMQTTClient` is unsupported). */
  static create(modem: AgentModem, params: ShadowCreateParams = {}): ShadowClient {
    if ((params.mqttClientType ?? 'eDedicatedMQTTClient') !== 'eDedicatedMQTTClient') {
      throw new SimError(
        ErrorCode.INVALID_ARGUMENT,
        'only eDedicatedMQTTClient is supported, as in aws_shadow.c',
      );
    }
    const config = { ...SHADOW_DEFAULTS, ...params.config };
    return new ShadowClient(MqttAgent.create(modem, params.agentConfig), modem, config);
  }

  /** `SHADOW_ClientConnect`: the agent connects with the Shadow client's callback. */
  connect(params: ShadowConnectParams, timeoutMs: number): Promise<Code> {
    checkTimeoutMs('SHADOW connect', timeoutMs);
    this.userData = params.userData;
    const callback = (_u: unknown, p: MqttAgentCallbackParams): boolean => this.onMqtt(p);
    return this.agent.connect({ ...params, callback }, timeoutMs).then(shadowCodeFromAgent);
  }

  /** `SHADOW_ClientDisconnect`, within shadowconfigCLEANUP_TIME_MS. */
  async disconnect(): Promise<Code> {
    return shadowCodeFromAgent(await this.agent.disconnect(this.config.cleanupTimeMs));
  }

  /** `SHADOW_ClientDelete`: the dedicated agent is deleted; the client cannot be used again. */
  clientDelete(): Code {
    return shadowCodeFromAgent(this.agent.delete());
  }

  /** `SHADOW_ReturnMQTTBuffer`: after every successful get, and for buffers a callback took. */
  returnBuffer(buffer: MqttBufferHandle): Code {
    return shadowCodeFromAgent(this.agent.returnBuffer(buffer));
  }

  /**
   * `SHADOW_Update`: publishes `params.data` to `…/update` and waits for the accepted or rejected
   * answer carrying the same `clientToken`. A document over `maxDocumentBytes` is refused with 413
   * without sending anything. An update the service cannot parse (bad JSON) is rejected without the
   * token, so it ends in eShadowTimeout, not 400.
   */
  update(params: ShadowOperationParams, timeoutMs: number): Promise<Code> {
    checkOperation('update', params, timeoutMs);
    const data = Buffer.from(params.data ?? '');
    if (data.length > this.config.maxDocumentBytes) {
      return Promise.resolve(ShadowReturnCode.eShadowRejectedPayloadTooLarge);
    }
    return this.operation('update', params, data, timeoutMs).then((r) => r.code);
  }

  /** `SHADOW_Get`: the document and the buffer holding it, which must be returned. */
  get(params: ShadowOperationParams, timeoutMs: number): Promise<ShadowGetResult> {
    checkOperation('get', params, timeoutMs);
    return this.operation('get', params, Buffer.alloc(0), timeoutMs);
  }

  /** `SHADOW_Delete`. */
  delete(params: ShadowOperationParams, timeoutMs: number): Promise<Code> {
    checkOperation('delete', params, timeoutMs);
    return this.operation('delete', params, Buffer.alloc(0), timeoutMs).then((r) => r.code);
  }

  /**
   * `SHADOW_RegisterCallbacks`: subscribes `/update/documents`, `/delete/accepted` and
   * `/update/delta` of the thing for the callbacks given, in that order, unsubscribing the ones
   * replaced or left out; stops at the first that fails. Callbacks do not survive a disconnect:
   * register them again after reconnecting.
   */
  registerCallbacks(params: ShadowCallbackParams, timeoutMs: number): Promise<Code> {
    checkTimeoutMs('SHADOW registerCallbacks', timeoutMs);
    checkThingName('registerCallbacks', params.thingName);
    return this.register(params, timeoutMs);
  }

  private async register(params: ShadowCallbackParams, timeoutMs: number): Promise<Code> {
    if (inMqttTask()) return ShadowReturnCode.eShadowFailure;
    const known = this.catalog.get(params.thingName);
    if (!known && this.catalog.size >= this.config.maxThingsWithCallbacks)
      return ShadowReturnCode.eShadowFailure;
    const entry: ShadowCallbackParams = known ?? { thingName: params.thingName };
    this.catalog.set(params.thingName, entry);
    let rc: Code = ShadowReturnCode.eShadowSuccess;
    for (const [key, type] of [
      ['updated', 'ShadowTopicStringTypeUpdateDocuments'],
      ['deleted', 'ShadowTopicStringTypeDeleteAccepted'],
      ['delta', 'ShadowTopicStringTypeUpdateDelta'],
    ] as const) {
      const topic = shadowTopic(type, params.thingName);
      if (entry[key]) rc = shadowCodeFromAgent(await this.agent.unsubscribe({ topic }, timeoutMs));
      if (params[key]) rc = shadowCodeFromAgent(await this.agent.subscribe({ topic, qos: 1 }, timeoutMs));
      if (rc !== ShadowReturnCode.eShadowSuccess) break;
      Object.assign(entry, { [key]: params[key] });
    }
    if (!entry.updated && !entry.deleted && !entry.delta) this.catalog.delete(params.thingName);
    return rc;
  }

  /** `prvShadowOperation`: every MQTT step gets the whole timeout, as in aws_shadow.c. */
  private async operation(
    name: OperationName,
    p: ShadowOperationParams,
    data: Buffer,
    timeoutMs: number,
  ): Promise<ShadowGetResult> {
    const failure = { code: ShadowReturnCode.eShadowFailure };
    // From a callback every agent call would be refused: the operation cannot succeed.
    if (inMqttTask() || !(await this.lock.acquire(timeoutMs))) return failure;
    const [opType, accepted, rejected] = TOPICS[name];
    const key = `${name}:${p.thingName}`;
    try {
      let result: ShadowGetResult = { code: ShadowReturnCode.eShadowSuccess };
      if (!this.subscribed.has(key))
        result.code = await this.subscribeAnswers(p.thingName, accepted, rejected, timeoutMs);
      if (result.code === ShadowReturnCode.eShadowSuccess) {
        this.subscribed.add(key);
        result = await this.request(name, shadowTopic(opType, p.thingName), data, p.qos, timeoutMs);
      }
      if (!p.keepSubscriptions) {
        const cleanup = Math.max(timeoutMs, this.config.cleanupTimeMs);
        // A thing with callbacks keeps delete/accepted: its deleted callback listens there.
        const keepAccepted = name === 'delete' && this.catalog.has(p.thingName);
        const topics = keepAccepted ? [rejected] : [accepted, rejected];
        let rc: Code = ShadowReturnCode.eShadowSuccess;
        for (const t of topics) {
          rc = shadowCodeFromAgent(
            await this.agent.unsubscribe({ topic: shadowTopic(t, p.thingName) }, cleanup),
          );
        }
        if (rc === ShadowReturnCode.eShadowSuccess) this.subscribed.delete(key);
      }
      return result;
    } finally {
      this.inProgress = undefined;
      this.lock.release();
    }
  }

  /** `prvShadowSubscribeToAcceptedRejected`. */
  private async subscribeAnswers(
    thingName: string,
    accepted: ShadowTopicStringType,
    rejected: ShadowTopicStringType,
    timeoutMs: number,
  ): Promise<Code> {
    const acceptedTopic = shadowTopic(accepted, thingName);
    let rc = shadowCodeFromAgent(await this.agent.subscribe({ topic: acceptedTopic, qos: 1 }, timeoutMs));
    if (rc !== ShadowReturnCode.eShadowSuccess) return rc;
    rc = shadowCodeFromAgent(
      await this.agent.subscribe({ topic: shadowTopic(rejected, thingName), qos: 1 }, timeoutMs),
    );
    if (rc !== ShadowReturnCode.eShadowSuccess) {
      await this.agent.unsubscribe({ topic: acceptedTopic }, this.config.cleanupTimeMs);
    }
    return rc;
  }

  /** Publishes the request and waits for its answer, both within `timeoutMs`. */
  private async request(
    name: OperationName,
    topic: string,
    data: Buffer,
    qos: 0 | 1,
    timeoutMs: number,
  ): Promise<ShadowGetResult> {
    let finish: (r: ShadowGetResult) => void = () => undefined;
    const answered = new Promise<ShadowGetResult>((resolve) => (finish = resolve));
    const pending: InProgress = { name, topic, request: data.toString('utf8'), finish, finished: false };
    this.inProgress = pending;
    const code = shadowCodeFromAgent(await this.agent.publish({ topic, qos, data }, timeoutMs));
    if (code !== ShadowReturnCode.eShadowSuccess) return { code };
    if (pending.finished) return answered;
    const timer = this.clock.setTimeout(() => {
      pending.finished = true;
      finish({ code: ShadowReturnCode.eShadowTimeout });
    }, timeoutMs);
    const result = await answered;
    timer.cancel();
    return result;
  }

  /** `prvShadowMQTTCallback`: answers to the operation in progress first, then the callbacks. */
  private onMqtt(p: MqttAgentCallbackParams): boolean {
    if (p.event === 'eMQTTAgentDisconnect') {
      // "The Shadow Client assumes all subscriptions are lost on disconnect."
      this.subscribed.clear();
      return false;
    }
    const { topic, data, buffer } = p.publishData;
    const op = this.inProgress;
    if (op && topic.startsWith(op.topic)) {
      const accepted = topic === `${op.topic}/accepted`;
      if (accepted || topic === `${op.topic}/rejected`) return this.answer(op, accepted, data, buffer);
    }
    return this.notify(topic, data, buffer);
  }

  private answer(op: InProgress, accepted: boolean, data: Buffer, buffer: MqttBufferHandle): boolean {
    const text = data.toString('utf8');
    // Updates are matched by client token; every other client's answers go past.
    if (
      op.finished ||
      (op.name === 'update' && !clientTokenMatch(op.request, text, this.config.jsonJsmnTokens))
    ) {
      return false;
    }
    op.finished = true;
    if (!accepted) {
      op.finish({ code: rejectedCode(text, this.config.jsonJsmnTokens).code });
      return false;
    }
    if (op.name !== 'get') {
      op.finish({ code: ShadowReturnCode.eShadowSuccess });
      return false;
    }
    op.finish({ code: ShadowReturnCode.eShadowSuccess, data, buffer });
    return true;
  }

  /** `prvMatchCallbackTopic`: the registered callbacks of the thing the topic names. */
  private notify(topic: string, data: Buffer, buffer: MqttBufferHandle): boolean {
    for (const entry of this.catalog.values()) {
      const t = entry.thingName;
      if (topic === shadowTopic('ShadowTopicStringTypeUpdateDocuments', t)) {
        return entry.updated?.(this.userData, t, data, buffer) === true;
      }
      if (topic === shadowTopic('ShadowTopicStringTypeUpdateDelta', t)) {
        return entry.delta?.(this.userData, t, data, buffer) === true;
      }
      if (topic === shadowTopic('ShadowTopicStringTypeDeleteAccepted', t)) {
        entry.deleted?.(this.userData, t);
        return false;
      }
    }
    return false;
  }
}
