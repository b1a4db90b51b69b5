export {
  AWS_MQTT_ALPN,
  type BrokerEndpoints,
  type BrokerFixtures,
  type BrokerFixturesOptions,
  type BrokerState,
  consoleFile,
  DEFAULT_ACCOUNT_ID,
  DEFAULT_ENDPOINT,
  DEFAULT_REGION,
  openBrokerState,
  startBrokerFixtures,
} from './stand-in.js';
export { type BrokerEvent, EventLog } from './event-log.js';
export { ApiRouter, type RouteCall } from './control-api/router.js';
export { ControlApiServer } from './control-api/http-server.js';
export { openBrokerConsole, type BrokerConsole, type ConsoleReply } from './control-api/client.js';
export {
  AWS_LIMITS,
  awsFilterMatches,
  checkClientId,
  checkPublishTopic,
  checkSubscribeFilter,
  clampKeepalive,
} from './mqtt/aws-rules.js';
export type { ConnectionIdentity, RefusalReason } from './mqtt/authorizer.js';
export {
  CertificateAuthority,
  type IssuedCertificate,
  type IssueOptions,
} from './pki/certificate-authority.js';
export { certificateIdOf } from './pki/x509.js';
export { DEFAULT_POLICY_NAME, defaultThingPolicy } from './policy/default-policy.js';
export { parsePolicyDocument, type PolicyDocument, type PolicyStatement } from './policy/policy-document.js';
export {
  CompiledPolicies,
  type IotAction,
  type PolicyVariables,
  resourceFor,
} from './policy/policy-evaluator.js';
export { Registry, type RegistryEvents } from './registry/registry.js';
export type {
  CaRecord,
  CertificateRecord,
  CertificateStatus,
  PolicyRecord,
  ProvisioningTemplateRecord,
  ThingGroupRecord,
  ThingRecord,
} from './registry/types.js';
export {
  applyTemplate,
  certificateParameters,
  evaluateTemplate,
  type TemplateResult,
} from './registry/provisioning-template.js';
export type {
  ApiRequest,
  ApiResponse,
  ApiRoute,
  BrokerService,
  HttpMethod,
  InboundMessage,
  ServiceContext,
  StandInConfig,
} from './services/service.js';
export { ServiceRegistry } from './services/service-registry.js';
export {
  type ShadowResult,
  ShadowService,
  type ShadowServiceOptions,
} from './services/shadow/shadow-service.js';
export {
  applyUpdate,
  clientTokenOf,
  computeDelta,
  DEFAULT_SHADOW_LIMITS,
  getDocument,
  mirror,
  parseSimpleRequest,
  parseUpdateRequest,
  pickMetadata,
  type Section,
  ShadowError,
  type ShadowLimits,
  type ShadowRequest,
  snapshot,
  type StoredShadow,
  type UpdateOutcome,
  type UpdateRequest,
} from './services/shadow/shadow-document.js';
export {
  isValidShadowAddress,
  parseShadowRequestTopic,
  SHADOW_REQUEST_FILTERS,
  type ShadowAddress,
  shadowKey,
  type ShadowOperation,
  shadowPrefix,
} from './services/shadow/shadow-topics.js';
export {
  type CancelOptions,
  DEVICE_STATUSES,
  EXECUTION_STATUSES,
  isTerminal,
  type JobExecutionRecord,
  type JobExecutionStatus,
  JobQueries,
  type JobRecord,
  JOBS_LIMITS,
  JOBS_REQUEST_FILTER,
  JobsControlPlane,
  type JobsErrorCode,
  type JobsOperation,
  jobsPrefix,
  JobsService,
  type JobsServiceOptions,
  type JobStatus,
  jobStatusOf,
  type JobsTopic,
  parseJobsTopic,
  parseS3Url,
  type Presigner,
  type RetryCriteria,
  type S3Location,
  type TargetSelection,
  type ThingJobs,
  type ThrottleOptions,
} from './services/jobs/index.js';
export { type S3Endpoints, type S3HostingOptions, S3HostingService } from './services/s3-hosting.js';
export { ThingGroupsApiService } from './services/thing-groups-api.js';
export type { JsonObject, JsonValue } from './services/shadow/json.js';
export {
  type Collection,
  COLLECTIONS,
  type ConditionalCommit,
  type ExternalChange,
  isCollection,
  type StateChange,
  type StateExpectation,
  type StateStore,
} from './store/store.js';
export { checkChanges, MemoryStore } from './store/memory-store.js';
export { RedisStore, type RedisStoreOptions } from './store/redis-store.js';
export type { ClusterOptions } from './cluster/redis-cluster.js';
export { connectRedis, parseRedisUrl, type RedisLocation } from './store/redis-connection.js';
export { FileStore, type FileStoreOptions, type RecordValidator } from './store/file-store.js';
export {
  amzDate,
  checkPresigned,
  createTlsMaterial,
  decideRange,
  type FoundObject,
  isValidBucketName,
  loadOrCreateCredentials,
  loadOrCreateTls,
  type ObjectInfo,
  ObjectStore,
  type PresignCheck,
  type PresignOptions,
  presignUrl,
  querySignature,
  type RangeDecision,
  type S3Credentials,
  s3ErrorXml,
  S3Server,
  type S3ServerOptions,
  type S3TlsMaterial,
  type SignedUpload,
  tlsPaths,
  uploadSigned,
  uriEncode,
  xmlDocument,
  xmlElements,
} from './s3/index.js';
export { loadNrfCloudCa, nrfCloudCaDir, type NrfCloudCaPem } from './nrf-cloud/ca.js';
export { NrfCloudStandIn, type NrfCloudEndpoints, type NrfCloudOptions } from './nrf-cloud/stand-in.js';
export { deviceTopics, topicPrefix, allowedSubscriptions, type DeviceTopics } from './nrf-cloud/topics.js';
export {
  NRF_CLOUD_ENDPOINT,
  NRF_CLOUD_DOWNLOAD_HOST,
  NRF_CLOUD_API_HOST,
  FIRMWARE_TYPE_NUMBER,
  FIRMWARE_TYPES,
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
export { openNrfCloudApi, type NrfCloudApi, type NrfCloudReply } from './nrf-cloud/rest/client.js';
