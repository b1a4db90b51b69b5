export * from './stand-in.js';
export * from './event-log.js';
export * from './control-api/router.js';
export * from './control-api/http-server.js';
export { openBrokerConsole, type BrokerConsole, type ConsoleReply } from './control-api/client.js';
export * from './mqtt/aws-rules.js';
export type { ConnectionIdentity, RefusalReason } from './mqtt/authorizer.js';
export * from './pki/certificate-authority.js';
export { certificateIdOf } from './pki/x509.js';
export * from './policy/default-policy.js';
export * from './policy/policy-document.js';
export * from './policy/policy-evaluator.js';
export * from './registry/registry.js';
export * from './registry/types.js';
export * from './registry/provisioning-template.js';
export * from './services/service.js';
export * from './services/service-registry.js';
export * from './services/shadow/shadow-service.js';
export * from './services/shadow/shadow-document.js';
export * from './services/shadow/shadow-topics.js';
export * from './services/jobs/index.js';
export * from './services/s3-hosting.js';
export * from './services/thing-groups-api.js';
export type { JsonObject, JsonValue } from './services/shadow/json.js';
export * from './store/store.js';
export * from './store/memory-store.js';
export * from './store/file-store.js';
export * from './s3/index.js';
export { loadNrfCloudCa, nrfCloudCaDir, type NrfCloudCaPem } from './nrf-cloud/ca.js';
export { NrfCloudStandIn, type NrfCloudEndpoints, type NrfCloudOptions } from './nrf-cloud/stand-in.js';
export { deviceTopics, topicPrefix, allowedSubscriptions, type DeviceTopics } from './nrf-cloud/topics.js';
export {
  NRF_CLOUD_ENDPOINT,
  NRF_CLOUD_DOWNLOAD_HOST,
  NRF_CLOUD_API_HOST,
  FIRMWARE_TYPE_NUMBER,
  type AssociationState,
  type NrfCloudDevice,
  type NrfCloudMessage,
  type NrfCloudFirmware,
  type NrfCloudJob,
  type NrfCloudExecution,
  type FirmwareType,
  type ExecutionStatus,
} from './nrf-cloud/types.js';
export { makeBundle, readBundle, type FirmwareBundle } from './nrf-cloud/fota/bundle-zip.js';
export {
  encodeJob,
  decodeJobRequest,
  decodeJobUpdate,
  STATUS_BY_NUMBER,
} from './nrf-cloud/fota/job-arrays.js';
export { evaluateTransform, TransformError } from './nrf-cloud/jsonata.js';
export { associationTransition, desiredForAssociation } from './nrf-cloud/association.js';
export { DISCON_MESSAGE } from './nrf-cloud/devices.js';
