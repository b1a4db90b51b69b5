export { MQTT_AGENT_DEFAULTS, type MqttAgentConfig } from './agent-config.js';
export {
  AWS_IOT_ALPN_MQTT,
  mqttagentREQUIRE_TLS,
  mqttagentURL_IS_IP_ADDRESS,
  mqttagentUSE_AWS_IOT_ALPN_443,
  type AgentModem,
  type MQTTQoS,
  type MqttAgentCallback,
  type MqttAgentCallbackParams,
  type MqttAgentConnectParams,
  type MqttAgentPublishParams,
  type MqttAgentSubscribeParams,
  type MqttAgentUnsubscribeParams,
  type MqttPublishCallback,
  type MqttPublishData,
} from './agent-types.js';
export { MqttBufferHandle } from './buffer-pool.js';
export { MqttAgent } from './mqtt-agent.js';
export type { MqttAgentEvents, MqttAgentState } from './mqtt-context.js';
export {
  MQTT_AGENT_RETURN_CODE_VALUE,
  ShadowReturnCode,
  isShadowJsonError,
  isShadowRejection,
  shadowReturnCodeName,
  type MQTTAgentReturnCode,
  type ShadowReturnCodeName,
} from './return-codes.js';
export { topicFilterType, topicMatchesFilter, type TopicFilterType } from './topic-filter.js';
export { ShadowClient } from './shadow-client.js';
export {
  SHADOW_DEFAULTS,
  type ShadowCallbackParams,
  type ShadowConfig,
  type ShadowConnectParams,
  type ShadowCreateParams,
  type ShadowDeletedCallback,
  type ShadowDocumentCallback,
  type ShadowGetResult,
  type ShadowMQTTClientType,
  type ShadowOperationParams,
} from './shadow-types.js';
export {
  SHADOW_NAME_CLASSIC,
  SHADOW_NAME_LENGTH_MAX,
  SHADOW_THINGNAME_LENGTH_MAX,
  shadowAssembleTopicString,
  shadowMatchTopicString,
  shadowTopic,
  type ShadowMessageType,
  type ShadowStatus,
  type ShadowTopicMatch,
  type ShadowTopicStringType,
} from './shadow-topics.js';
