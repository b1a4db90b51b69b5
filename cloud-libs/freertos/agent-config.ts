import { ErrorCode, SimError } from '../../core/errors.js';

/**
 * The agent's build-time configuration (aws_mqtt_agent_config_defaults.h and friends), with the
 * FreeRTOS defaults. Times are in milliseconds of the modem's clock (one tick = 1 ms).
 */
export interface MqttAgentConfig {
  /** mqttconfigKEEP_ALIVE_INTERVAL_SECONDS: the keep-alive announced in CONNECT (1200). */
  keepAliveIntervalSeconds: number;
  /** mqttconfigKEEP_ALIVE_ACTUAL_INTERVAL_TICKS: PINGREQ after this much silence (5000). */
  keepAliveActualIntervalMs: number;
  /** mqttconfigKEEP_ALIVE_TIMEOUT_TICKS: how long a PINGRESP may take (1000). */
  keepAliveTimeoutMs: number;
  /**
   * Acknowledgements one connection waits for at once (CONNACK, SUBACK, UNSUBACK, PUBACK); an
   * operation that would need one more fails at once. coreMQTT-Agent's
   * MQTT_AGENT_MAX_OUTSTANDING_ACKS (20); the v1 agent's mqttconfigMAX_PARALLEL_OPS was 5.
   */
  maxOutstandingAcks: number;
  /** mqttCOMMAND_QUEUE_LENGTH: commands waiting for the MQTT task (MAX_BROKERS × MAX_PARALLEL_OPS). */
  commandQueueLength: number;
  /** mqttconfigSUBSCRIPTION_MANAGER_MAX_SUBSCRIPTIONS (8). */
  maxSubscriptions: number;
  /** mqttconfigSUBSCRIPTION_MANAGER_MAX_TOPIC_LENGTH (128 bytes). */
  maxSubscriptionTopicLength: number;
  /** bufferpoolconfigNUM_BUFFERS: receive buffers (8). */
  bufferPoolSize: number;
  /** Largest packet kept; a longer one is dropped (AWS IoT's 128 KB publish limit plus headers). */
  maxPacketBytes: number;
  /** mqttconfigRX_BUFFER_SIZE: bytes asked of each socket read (1024). */
  rxBufferSize: number;
  /** securesocketsDEFAULT_TLS_DESTINATION_PORT: the port the ALPN flag connects to (443). */
  defaultTlsDestinationPort: number;
  /**
   * The CONNECT user name: the metrics string of mqttconfigENABLE_METRICS
   * (`?SDK=…&Version=…&Platform=…`); empty sends none.
   */
  userName: string;
}

export const MQTT_AGENT_DEFAULTS: Readonly<MqttAgentConfig> = {
  keepAliveIntervalSeconds: 1200,
  keepAliveActualIntervalMs: 5000,
  keepAliveTimeoutMs: 1000,
  maxOutstandingAcks: 20,
  commandQueueLength: 20,
  maxSubscriptions: 8,
  maxSubscriptionTopicLength: 128,
  bufferPoolSize: 8,
  maxPacketBytes: 128 * 1024 + 512,
  rxBufferSize: 1024,
  defaultTlsDestinationPort: 443,
  userName: '?SDK=AmazonFreeRTOS&Version=V10.0.1&Platform=nRF9160',
};

/** The defaults with `overrides`; a value that makes no sense is refused. */
export function agentConfig(overrides: Partial<MqttAgentConfig> = {}): MqttAgentConfig {
  const c = { ...MQTT_AGENT_DEFAULTS, ...overrides };
  const positive: Array<keyof MqttAgentConfig> = [
    'keepAliveActualIntervalMs',
    'keepAliveTimeoutMs',
    'maxOutstandingAcks',
    'commandQueueLength',
    'maxSubscriptions',
    'maxSubscriptionTopicLength',
    'bufferPoolSize',
    'maxPacketBytes',
    'rxBufferSize',
  ];
  for (const key of positive) {
    const v = c[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
      throw new SimError(
        ErrorCode.INVALID_ARGUMENT,
        `MQTT agent ${key} must be a positive integer, not ${String(v)}`,
      );
    }
  }
  const { keepAliveIntervalSeconds: k, defaultTlsDestinationPort: port } = c;
  if (!Number.isInteger(k) || k < 0 || k > 65535) {
    throw new SimError(ErrorCode.INVALID_ARGUMENT, `MQTT agent keepAliveIntervalSeconds ${k}: 0 to 65535`);
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new SimError(
      ErrorCode.INVALID_ARGUMENT,
      `MQTT agent defaultTlsDestinationPort ${port}: 1 to 65535`,
    );
  }
  return c;
}

/**
 * A call's timeout: milliseconds of the modem clock, finite and not negative (`portMAX_DELAY` has
 * no equivalent). Misuse, so it throws at the call rather than becoming a return code.
 */
export function checkTimeoutMs(call: string, timeoutMs: unknown): void {
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs < 0) {
    throw new SimError(ErrorCode.INVALID_ARGUMENT, `${call}: a timeout in ms, not ${String(timeoutMs)}`);
  }
}
