import type { MqttAgentConfig } from './agent-config.js';
import type { MqttAgentConnectParams } from './agent-types.js';
import type { MqttBufferHandle } from './buffer-pool.js';
import type { ShadowReturnCode } from './return-codes.js';

/** aws_shadow_config_defaults.h, plus the document size the service accepts. */
export interface ShadowConfig {
  /** shadowconfigCLEANUP_TIME_MS: the least time unsubscribing after an operation may take (5000). */
  cleanupTimeMs: number;
  /** shadowconfigJSON_JSMN_TOKENS: tokens a document is parsed into (64). */
  jsonJsmnTokens: number;
  /** shadowconfigMAX_THINGS_WITH_CALLBACKS (4). */
  maxThingsWithCallbacks: number;
  /**
   * Largest update document sent (8192, AWS IoT's Device Shadow limit): a longer one is refused
   * with eShadowRejectedPayloadTooLarge before anything is sent.
   */
  maxDocumentBytes: number;
}

export const SHADOW_DEFAULTS: Readonly<ShadowConfig> = {
  cleanupTimeMs: 5000,
  jsonJsmnTokens: 64,
  maxThingsWithCallbacks: 4,
  maxDocumentBytes: 8192,
};

/** `ShadowMQTTClientType_t`: only a dedicated client is supported, as in aws_shadow.c. */
export type ShadowMQTTClientType = 'eDedicatedMQTTClient' | 'eSharedMQTTClient';

/** `ShadowCreateParams_t`, with the configuration of the dedicated agent and of the client. */
export interface ShadowCreateParams {
  mqttClientType?: ShadowMQTTClientType;
  agentConfig?: Partial<MqttAgentConfig>;
  config?: Partial<ShadowConfig>;
}

/** `SHADOW_ClientConnect`'s parameters: the agent's, with the Shadow client's own callback. */
export type ShadowConnectParams = Omit<MqttAgentConnectParams, 'callback'>;

/** `ShadowOperationParams_t` for update, get and delete. */
export interface ShadowOperationParams {
  /** pcThingName. */
  thingName: string;
  /**
   * pcData of an update: the request document. It must carry a `clientToken`: the client matches
   * the service's answer by it, and without one the update can only time out.
   */
  data?: string | Uint8Array;
  /** xQoS of the request publish (the service answers with QoS 1 anyway). */
  qos: 0 | 1;
  /** ucKeepSubscriptions: keep the operation's accepted/rejected subscriptions for the next one. */
  keepSubscriptions?: boolean;
}

/** What `SHADOW_Get` fills into its parameters. */
export interface ShadowGetResult {
  code: ShadowReturnCode;
  /** pcData: the document, a view into {@link buffer}. */
  data?: Buffer;
  /** xBuffer: must be given back with `returnBuffer` once the document is read. */
  buffer?: MqttBufferHandle;
}

/**
 * `ShadowUpdatedCallback_t` (on `/update/documents`) and `ShadowDeltaCallback_t` (on
 * `/update/delta`): true takes the buffer. They run in the MQTT task and must not call the client.
 */
export type ShadowDocumentCallback = (
  userData: unknown,
  thingName: string,
  document: Buffer,
  buffer: MqttBufferHandle,
) => boolean;

/** `ShadowDeletedCallback_t` (on `/delete/accepted`): not called for this client's own deletes. */
export type ShadowDeletedCallback = (userData: unknown, thingName: string) => void;

/** `ShadowCallbackParams_t`: a missing callback is removed (its topic unsubscribed). */
export interface ShadowCallbackParams {
  thingName: string;
  updated?: ShadowDocumentCallback;
  deleted?: ShadowDeletedCallback;
  delta?: ShadowDocumentCallback;
}
