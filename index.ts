export * from './core/index.js';
export * from './modem/index.js';
export * from './cloud-libs/aws-fota/index.js';
export * from './cloud-libs/aws-iot/index.js';
export * from './cloud-libs/aws-jobs/index.js';
export * from './cloud-libs/common/index.js';
export * from './cloud-libs/dfu-target/index.js';
export * from './cloud-libs/download-client/index.js';
export * from './cloud-libs/fota-download/index.js';
export { lteLcInitAndConnect } from './cloud-libs/lte-lc/index.js';
export {
  MqttAgent,
  MqttBufferHandle,
  ShadowClient,
  ShadowReturnCode,
  MQTT_AGENT_DEFAULTS,
  MQTT_AGENT_RETURN_CODE_VALUE,
  SHADOW_DEFAULTS,
  AWS_IOT_ALPN_MQTT,
  mqttagentREQUIRE_TLS,
  mqttagentURL_IS_IP_ADDRESS,
  mqttagentUSE_AWS_IOT_ALPN_443,
  isShadowJsonError,
  isShadowRejection,
  shadowReturnCodeName,
  SHADOW_NAME_CLASSIC,
  SHADOW_NAME_LENGTH_MAX,
  SHADOW_THINGNAME_LENGTH_MAX,
  shadowAssembleTopicString,
  shadowMatchTopicString,
  shadowTopic,
  topicFilterType,
  topicMatchesFilter,
  type AgentModem,
  type MQTTAgentReturnCode,
  type MQTTQoS,
  type MqttAgentCallback,
  type MqttAgentCallbackParams,
  type MqttAgentConfig,
  type MqttAgentConnectParams,
  type MqttAgentEvents,
  type MqttAgentPublishParams,
  type MqttAgentState,
  type MqttAgentSubscribeParams,
  type MqttAgentUnsubscribeParams,
  type MqttPublishCallback,
  type MqttPublishData,
  type ShadowCallbackParams,
  type ShadowConfig,
  type ShadowConnectParams,
  type ShadowCreateParams,
  type ShadowDeletedCallback,
  type ShadowDocumentCallback,
  type ShadowGetResult,
  type ShadowMQTTClientType,
  type ShadowMessageType,
  type ShadowOperationParams,
  type ShadowReturnCodeName,
  type ShadowStatus,
  type ShadowTopicMatch,
  type ShadowTopicStringType,
  type TopicFilterType,
} from './cloud-libs/freertos/index.js';
export * from './firmware/index.js';
export * from './broker-fixtures/index.js';
