import type { Clock } from '../../core/clock.js';
import type { DeviceSockets } from '../../modem/sockets/device-sockets.js';
import type { MqttBufferHandle } from './buffer-pool.js';

/** `mqttagentURL_IS_IP_ADDRESS`: the URL is an address: no SNI and no name check. */
export const mqttagentURL_IS_IP_ADDRESS = 0x1;
/** `mqttagentREQUIRE_TLS`: connect over the modem's TLS with the connect parameters' sec tags. */
export const mqttagentREQUIRE_TLS = 0x2;
/**
 * `mqttagentUSE_AWS_IOT_ALPN_443`: offer ALPN `x-amzn-mqtt-ca` and connect to the default TLS port
 * (`securesocketsDEFAULT_TLS_DESTINATION_PORT`, 443) instead of `port`.
 */
export const mqttagentUSE_AWS_IOT_ALPN_443 = 0x4;

/** The ALPN protocol AWS IoT requires for MQTT with client certificates on 443. */
export const AWS_IOT_ALPN_MQTT = 'x-amzn-mqtt-ca';

/**
 * What the agent needs of the modem: its sockets (with DNS) and its clock. A `Modem`, or the
 * device-facing modem an application gets, fits.
 */
export interface AgentModem {
  readonly sockets: Pick<
    DeviceSockets,
    'socket' | 'setsockopt' | 'connect' | 'send' | 'recv' | 'close' | 'isOpen' | 'getaddrinfo'
  >;
  readonly clock: Clock;
  /** Names the agent in traces. */
  readonly name?: string;
}

/** `MQTTQoS_t`: QoS 2 exists in the enum but the agent refuses it. */
export type MQTTQoS = 0 | 1 | 2;

/** `MQTTPublishData_t`: a received publish, valid while its buffer is held. */
export interface MqttPublishData {
  /** xQos. */
  qos: 0 | 1;
  /** pucTopic / usTopicLength. */
  topic: string;
  /** pvData / ulDataLength: a view into {@link buffer}. */
  data: Buffer;
  /** xBuffer: take it by returning true from the callback, give it back with returnBuffer. */
  buffer: MqttBufferHandle;
}

/**
 * `MQTTPublishCallback_t`: a per-subscription callback. Returning true takes the buffer and stops
 * the callbacks that would have followed. It runs in the MQTT task: calling the agent from it
 * returns `eMQTTAgentAPICalledFromCallback`.
 */
export type MqttPublishCallback = (context: unknown, publish: MqttPublishData) => boolean;

/** `MQTTAgentEvent_t` with its data (`MQTTAgentCallbackParams_t`). */
export type MqttAgentCallbackParams =
  { event: 'eMQTTAgentPublish'; publishData: MqttPublishData } | { event: 'eMQTTAgentDisconnect' };

/**
 * `MQTTAgentCallback_t`: sees disconnects, and publishes that no subscription callback took. The
 * return value matters for publishes only (true takes the buffer).
 */
export type MqttAgentCallback = (userData: unknown, params: MqttAgentCallbackParams) => boolean;

/** `MQTTAgentConnectParams_t`, with credentials by modem sec tag instead of `pcCertificate`. */
export interface MqttAgentConnectParams {
  /** pcURL: host name (resolved with the modem's DNS) or address. */
  url: string;
  /** xFlags: `mqttagentURL_IS_IP_ADDRESS | mqttagentREQUIRE_TLS | mqttagentUSE_AWS_IOT_ALPN_443`. */
  flags?: number;
  /** usPort; ignored with `mqttagentUSE_AWS_IOT_ALPN_443`. */
  port: number;
  /** pucClientId: unique per broker (AWS IoT: the thing name). */
  clientId: string;
  /** pvUserData, handed back to the callback. */
  userData?: unknown;
  /** pxCallback. */
  callback?: MqttAgentCallback;
  /** The modem sec tags with the CA, client certificate and key (used with `mqttagentREQUIRE_TLS`). */
  secTags?: readonly number[];
}

/** `MQTTAgentSubscribeParams_t`. */
export interface MqttAgentSubscribeParams {
  /** pucTopic: a topic filter, wildcards allowed. */
  topic: string;
  /** xQoS (0 or 1). */
  qos: MQTTQoS;
  /** pvPublishCallbackContext. */
  callbackContext?: unknown;
  /** pxPublishCallback; without one, matching publishes go to the connect callback. */
  callback?: MqttPublishCallback;
}

/** `MQTTAgentUnsubscribeParams_t`. */
export interface MqttAgentUnsubscribeParams {
  topic: string;
}

/** `MQTTAgentPublishParams_t`: the data is copied when the call is made. */
export interface MqttAgentPublishParams {
  topic: string;
  qos: MQTTQoS;
  data: string | Uint8Array;
}
