// The package root: what users, cloud-library ports and applications build on. Every name here is
// listed in docs/api.md (test/unit/public-api.test.ts holds the two together); anything else is
// internal and may change. Add a name here and to docs/api.md together.

// Time, randomness, errors, tracing, the radio link model.
export { ErrorCode, isLinkPresetName, isSimError, LINK_PRESET_NAMES, LINK_PRESETS } from './core/index.js';
export { Random, SimError, systemClock, traceChannels, VirtualClock, type Clock } from './core/index.js';
export { type LinkDirection, type LinkPresetName, type LinkProfile } from './core/index.js';
export { type StateMachine, type StateMachineEvents, type TimerHandle } from './core/index.js';
export { type TraceAddress, type TraceChannelName, type TraceMessages } from './core/index.js';

// The modem: the device-facing face, the host-side steering face, AT, transports, identity.
export { AtClient, AtError, CmeError, connectMemoryPeer, createMemoryPair } from './modem/index.js';
export { DEFAULT_URC_PREFIXES, deriveIdentity, duplexLink, emitterLink, isValidImei } from './modem/index.js';
export { MemoryTransport, Modem, PtyTransport, TcpTransport, type AtChannel } from './modem/index.js';
export { type AtClientEvents, type AtClientResponse, type AtCommand, type AtMonitor } from './modem/index.js';
export { type AtNotificationHandler, type AtParam, type AtProfile, type AtResponse } from './modem/index.js';
export { type AtSession, type AtSessionOptions, type ByteLink, type CmeErrorCode } from './modem/index.js';
export { type CommandContext, type CommandForm, type CredentialProfile } from './modem/index.js';
export { type DeviceModem, type DeviceSockets, type FunctionalMode, type Handler } from './modem/index.js';
export { type HandlerResult, type ModemControl, type ModemEvents } from './modem/index.js';
export { type ModemIdentity, type ModemOptions, type ModemProfile, type ModemStatus } from './modem/index.js';
export { type ModemTime, type NetworkProfileInput, type Params, type ProfileInput } from './modem/index.js';
export { type PtyTransportOptions, type SensorProfile, type SessionSettings } from './modem/index.js';
export { type SystemMode, type TcpTransportOptions, type Transport } from './modem/index.js';
export { type TransportEvents, type TransportKind } from './modem/index.js';

// Credentials: the %CMNG store, a local CA for device certificates, nRF Cloud provisioning material.
export { base64url, createLocalCa, CredentialStore, CredentialType } from './modem/index.js';
export { credentialSha256, FileCredentialBackend, fromBase64url } from './modem/index.js';
export { issueDeviceCertificate, loadCredentialManifest, loadOrCreateLocalCa } from './modem/index.js';
export { MemoryCredentialBackend, NRF_CLOUD_SEC_TAG, parseAttestationToken } from './modem/index.js';
export { parseKeygenPayload, provisionNrfCloud, SEC_TAG_MAX, verifyCoseSign1 } from './modem/index.js';
export { type AttestationClaims, type CredentialBackend, type CredentialFilter } from './modem/index.js';
export { type CredentialInfo, type CredentialInput, type CredentialLimits } from './modem/index.js';
export { type CredentialManifestEntry, type CredentialOrigin } from './modem/index.js';
export { type CredentialStoreEvents, type CredentialStoreOptions } from './modem/index.js';
export { type DecodedCoseSign1, type IssuedCredentials, type KeygenPayload } from './modem/index.js';
export { type LoadedCredentials, type LocalCa, type NrfCloudProvisioning } from './modem/index.js';
export { type StoredCredential } from './modem/index.js';

// Offloaded sockets (nrf_modem / Zephyr names and values), errno, DNS.
export { AF_INET, AF_INET6, AF_PACKET, AF_UNSPEC, applyTlsSocketOptions, DnsEai } from './modem/index.js';
export { DnsError, Errno, errnoName, EWOULDBLOCK, F_GETFL, F_SETFL, gaiStrerror } from './modem/index.js';
export { IPPROTO_DTLS_1_2, IPPROTO_IP, IPPROTO_TCP, IPPROTO_TLS_1_2, IPPROTO_UDP } from './modem/index.js';
export { isSocketError, MAX_SOCKETS, MSG_DONTWAIT, MSG_PEEK, MSG_WAITALL } from './modem/index.js';
export { O_NONBLOCK, POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, POLLPRI } from './modem/index.js';
export { SO_BINDTOPDN, SO_ERROR, SO_IP_ECHO_REPLY, SO_IPV6_ECHO_REPLY, SO_KEEPOPEN } from './modem/index.js';
export { SO_RAI, SO_RCVTIMEO, SO_REUSEADDR, SO_SILENCE_ALL, SO_SNDTIMEO } from './modem/index.js';
export { SO_TCP_SRV_SESSTIMEO, SOCK_DGRAM, SOCK_RAW, SOCK_STREAM, SocketError } from './modem/index.js';
export { SOL_SOCKET, SOL_TLS, TLS_ALPN_LIST, TLS_CIPHERSUITE_LIST } from './modem/index.js';
export { TLS_CIPHERSUITE_USED, TLS_DTLS_CID, TLS_DTLS_CID_STATUS } from './modem/index.js';
export { TLS_DTLS_HANDSHAKE_STATUS, TLS_DTLS_HANDSHAKE_TIMEO, TLS_DTLS_ROLE } from './modem/index.js';
export { TLS_HANDSHAKE_STATUS_CACHED, TLS_HANDSHAKE_STATUS_FULL, TLS_HOSTNAME } from './modem/index.js';
export { TLS_MAX_SEC_TAGS, TLS_PEER_VERIFY, TLS_PEER_VERIFY_NONE } from './modem/index.js';
export { TLS_PEER_VERIFY_OPTIONAL, TLS_PEER_VERIFY_REQUIRED, TLS_SEC_TAG_LIST } from './modem/index.js';
export { TLS_SESSION_CACHE, TLS_SESSION_CACHE_PURGE, type AddrInfo } from './modem/index.js';
export { type AddrInfoHints, type AddressFamily, type DnsEaiCode, type DnsProfile } from './modem/index.js';
export { type ErrnoName, type ErrnoValue, type PollFd, type SockAddr } from './modem/index.js';
export { type SocketState, type SocketType, type SockoptValue, type Timeval } from './modem/index.js';
export { type TlsSessionState, type TlsSocketOptions } from './modem/index.js';

// nRF Connect SDK library ports.
export { AwsConnectResult, AwsDisconnectResult, AwsIot } from './cloud-libs/aws-iot/index.js';
export { type AwsIotConfig, type AwsIotEvt, type AwsIotEvtHandler } from './cloud-libs/aws-iot/index.js';
export { type AwsIotMessage, type AwsIotShadowSubscription } from './cloud-libs/aws-iot/index.js';
export { type AwsIotShadowTopicType, type AwsIotState } from './cloud-libs/aws-iot/index.js';
export { AWS_JOBS_GET_PAYLOAD, AWS_JOBS_JOB_ID_MAX_LEN, awsJobsCmp } from './cloud-libs/aws-jobs/index.js';
export { awsJobsSubscribe, awsJobsTopic, awsJobsUpdatePayload } from './cloud-libs/aws-jobs/index.js';
export { TOPIC_GET, TOPIC_NOTIFY, TOPIC_NOTIFY_NEXT, TOPIC_UPDATE } from './cloud-libs/aws-jobs/index.js';
export { type AwsJobsExecutionStatus, type AwsJobsTopicConf } from './cloud-libs/aws-jobs/index.js';
export { AwsFota, type AwsFotaCallback, type AwsFotaEvt } from './cloud-libs/aws-fota/index.js';
export { type AwsFotaJob, type AwsFotaOptions, type AwsFotaState } from './cloud-libs/aws-fota/index.js';
export { FOTA_DOWNLOAD_KCONFIG_DEFAULTS, FotaDownload } from './cloud-libs/fota-download/index.js';
export { type FotaDownloadCallback, type FotaDownloadErrorCause } from './cloud-libs/fota-download/index.js';
export { type FotaDownloadEvt, type FotaDownloadKconfig } from './cloud-libs/fota-download/index.js';
export { DOWNLOAD_CLIENT_KCONFIG_DEFAULTS, DownloadClient } from './cloud-libs/download-client/index.js';
export { type DownloadClientCallback, type DownloadClientCfg } from './cloud-libs/download-client/index.js';
export { type DownloadClientEvt, type DownloadClientKconfig } from './cloud-libs/download-client/index.js';
export { type DownloadClientState } from './cloud-libs/download-client/index.js';
export { DFU_TARGET_IMAGE_TYPE_ANY, type DfuTarget } from './cloud-libs/dfu-target/index.js';
export { type DfuTargetEvt, type DfuTargetImageType } from './cloud-libs/dfu-target/index.js';
export { createModemMqttClient, modemStreamBuilder } from './cloud-libs/common/index.js';
export { type ModemMqttClientOptions, type ModemMqttTransport } from './cloud-libs/common/index.js';
export { lteLcInitAndConnect } from './cloud-libs/lte-lc/index.js';
export { MemoryNrfCloudSettings, NCT_MSG_ID, NRF_CLOUD_DEFAULTS } from './cloud-libs/nrf-cloud/index.js';
export { NRF_CLOUD_FOTA_ERROR_TEXT, NrfCloud, NrfCloudConnectResult } from './cloud-libs/nrf-cloud/index.js';
export {
  NrfCloudDisconnectStatus,
  NrfCloudErrStatus,
  NrfCloudFotaStatus,
} from './cloud-libs/nrf-cloud/index.js';
export {
  type NrfCloudConfig,
  type NrfCloudEvt,
  type NrfCloudEvtHandler,
} from './cloud-libs/nrf-cloud/index.js';
export {
  type NrfCloudEvtType,
  type NrfCloudFotaEvt,
  type NrfCloudFotaType,
} from './cloud-libs/nrf-cloud/index.js';
export {
  type NrfCloudSensor,
  type NrfCloudSensorData,
  type NrfCloudSettings,
} from './cloud-libs/nrf-cloud/index.js';
export { type NrfCloudState, type NrfCloudTxData } from './cloud-libs/nrf-cloud/index.js';
export { AwsIotBackend, cloudGetBinding, CloudConnectResult } from './cloud-libs/cloud-api/index.js';
export { CloudDisconnectReason, NrfCloudBackend, type CloudBackend } from './cloud-libs/cloud-api/index.js';
export { type CloudBindingEnv, type CloudEvent, type CloudEventType } from './cloud-libs/cloud-api/index.js';
export { type CloudMsg } from './cloud-libs/cloud-api/index.js';

// FreeRTOS coreMQTT-Agent and Device Shadow ports.
export { AWS_IOT_ALPN_MQTT, isShadowJsonError, isShadowRejection } from './cloud-libs/freertos/index.js';
export { MQTT_AGENT_DEFAULTS, MQTT_AGENT_RETURN_CODE_VALUE, MqttAgent } from './cloud-libs/freertos/index.js';
export { mqttagentREQUIRE_TLS, mqttagentURL_IS_IP_ADDRESS } from './cloud-libs/freertos/index.js';
export { mqttagentUSE_AWS_IOT_ALPN_443, MqttBufferHandle } from './cloud-libs/freertos/index.js';
export { SHADOW_DEFAULTS, SHADOW_NAME_CLASSIC, SHADOW_NAME_LENGTH_MAX } from './cloud-libs/freertos/index.js';
export { SHADOW_THINGNAME_LENGTH_MAX, shadowAssembleTopicString } from './cloud-libs/freertos/index.js';
export { ShadowClient, shadowMatchTopicString, ShadowReturnCode } from './cloud-libs/freertos/index.js';
export { shadowReturnCodeName, shadowTopic, topicFilterType } from './cloud-libs/freertos/index.js';
export { topicMatchesFilter, type AgentModem } from './cloud-libs/freertos/index.js';
export { type MQTTAgentReturnCode, type MqttAgentCallback } from './cloud-libs/freertos/index.js';
export { type MqttAgentCallbackParams, type MqttAgentConfig } from './cloud-libs/freertos/index.js';
export { type MqttAgentConnectParams, type MqttAgentEvents } from './cloud-libs/freertos/index.js';
export { type MqttAgentPublishParams, type MqttAgentState } from './cloud-libs/freertos/index.js';
export { type MqttAgentSubscribeParams } from './cloud-libs/freertos/index.js';
export { type MqttAgentUnsubscribeParams, type MqttPublishCallback } from './cloud-libs/freertos/index.js';
export { type MqttPublishData, type MQTTQoS } from './cloud-libs/freertos/index.js';
export { type ShadowCallbackParams, type ShadowConfig } from './cloud-libs/freertos/index.js';
export { type ShadowConnectParams, type ShadowCreateParams } from './cloud-libs/freertos/index.js';
export { type ShadowDeletedCallback, type ShadowDocumentCallback } from './cloud-libs/freertos/index.js';
export { type ShadowGetResult, type ShadowMessageType } from './cloud-libs/freertos/index.js';
export { type ShadowMQTTClientType, type ShadowOperationParams } from './cloud-libs/freertos/index.js';
export { type ShadowReturnCodeName, type ShadowStatus } from './cloud-libs/freertos/index.js';
export { type ShadowTopicMatch, type ShadowTopicStringType } from './cloud-libs/freertos/index.js';
export { type TopicFilterType } from './cloud-libs/freertos/index.js';

// Devices, applications, the boot model, the device control protocol.
export { AppRegistry, AWS_IOT_SAMPLE_TOPICS, builtInApps, controlFile } from './firmware/index.js';
export { createDevice, Device, NRF9160_FLASH_LAYOUT, openSerial, parseSerialSpec } from './firmware/index.js';
export { sendControl, SerialLteModem, startAtClient, startAwsFotaApp } from './firmware/index.js';
export { startAwsIotApp, startSerialLteModem, type AppContext } from './firmware/index.js';
export { type AppDefinition, type AppStarter, type AwsFotaAppConfig } from './firmware/index.js';
export { type AwsIotAppConfig, type BootReport, type BootState } from './firmware/index.js';
export { type ControlEndpoint, type ControlledDevice, type ControlRequest } from './firmware/index.js';
export { type DeviceControl, type DeviceDfuTarget, type DeviceEvents } from './firmware/index.js';
export { type DeviceFirmwareOptions, type DeviceFlash, type DeviceOptions } from './firmware/index.js';
export { type DevicePower, type FlashLayout, type ImageControl } from './firmware/index.js';
export { type PowerCutOptions, type PowerCutResult, type RunningApp } from './firmware/index.js';
export { type SerialLteModemOptions, type SerialSpec, type SlmConfig } from './firmware/index.js';
export { type SlmState, type UpgradeMode } from './firmware/index.js';

// Firmware images: MCUboot application images, modem deltas, signing keys.
export { assertVerified, buildAppImage, buildImage, buildModemDelta } from './firmware/index.js';
export { compareVersions, dfuImageType, formatVersion, generateSigningKey } from './firmware/index.js';
export { inspectImage, keyHash, loadSigningKey, loadVerifyKey } from './firmware/index.js';
export { parseImage, parseModemDelta, parseVersion, readAppImage, verifyImage } from './firmware/index.js';
export { type AppImageOptions, type AppManifest, type DfuImageType } from './firmware/index.js';
export { type ImageBuildOptions, type ImageHeader, type ImageProblem } from './firmware/index.js';
export { type ImageReport, type ImageVerification, type ImageVersion } from './firmware/index.js';
export { type KeyInput, type McubootImage, type ModemDelta } from './firmware/index.js';
export { type ModemDeltaOptions, type SignatureStatus, type VerifyOptions } from './firmware/index.js';

// The local AWS IoT stand-in: broker, services, console, state stores, S3.
export { AWS_MQTT_ALPN, certificateIdOf, DEFAULT_ACCOUNT_ID } from './broker-fixtures/index.js';
export { DEFAULT_ENDPOINT, DEFAULT_POLICY_NAME, DEFAULT_REGION } from './broker-fixtures/index.js';
export { defaultThingPolicy, FileStore, MemoryStore, openBrokerConsole } from './broker-fixtures/index.js';
export { openBrokerState, presignUrl, S3Server, startBrokerFixtures } from './broker-fixtures/index.js';
export { type ApiRequest, type ApiResponse, type ApiRoute, type ApiRouter } from './broker-fixtures/index.js';
export { type BrokerConsole, type BrokerEndpoints, type BrokerEvent } from './broker-fixtures/index.js';
export { type BrokerFixtures, type BrokerFixturesOptions } from './broker-fixtures/index.js';
export { type BrokerService, type BrokerState, type CancelOptions } from './broker-fixtures/index.js';
export { type CaRecord, type CertificateAuthority, type CertificateRecord } from './broker-fixtures/index.js';
export { type CertificateStatus, type Collection, type ConnectionIdentity } from './broker-fixtures/index.js';
export { type ConsoleReply, type EventLog, type FileStoreOptions } from './broker-fixtures/index.js';
export { type HttpMethod, type InboundMessage, type IssuedCertificate } from './broker-fixtures/index.js';
export { type IssueOptions, type JobExecutionRecord } from './broker-fixtures/index.js';
export { type JobExecutionStatus, type JobQueries, type JobRecord } from './broker-fixtures/index.js';
export { type JobsControlPlane, type JobsErrorCode, type JobsService } from './broker-fixtures/index.js';
export { type JobsServiceOptions, type JobStatus, type JsonObject } from './broker-fixtures/index.js';
export { type JsonValue, type PolicyDocument, type PolicyRecord } from './broker-fixtures/index.js';
export { type PolicyStatement, type PresignOptions } from './broker-fixtures/index.js';
export { type ProvisioningTemplateRecord, type RefusalReason } from './broker-fixtures/index.js';
export { type Registry, type RegistryEvents, type RetryCriteria } from './broker-fixtures/index.js';
export { type S3Credentials, type S3Endpoints, type S3ServerOptions } from './broker-fixtures/index.js';
export { type ServiceContext, type ShadowLimits, type ShadowResult } from './broker-fixtures/index.js';
export { type ShadowService, type ShadowServiceOptions } from './broker-fixtures/index.js';
export { type StandInConfig, type StateChange, type StateStore } from './broker-fixtures/index.js';
export { type TargetSelection, type ThingGroupRecord, type ThingRecord } from './broker-fixtures/index.js';
export { type ThrottleOptions } from './broker-fixtures/index.js';

// Fleets: many devices over worker processes.
export { FleetRunner, fleetImei, fleetSpecs, nodeWorkers, parseDeviceSpec } from './fleet/index.js';
export { sendFleetRequest, serializeDeviceSpec, startFleet } from './fleet/index.js';
export {
  type CredentialRecipe,
  type DevicePhase,
  type DeviceSpec,
  type FleetRunnerEvents,
} from './fleet/index.js';
export { type FleetRunnerOptions, type FleetSession, type FleetSessionOptions } from './fleet/index.js';
export { type FleetSummary, type ImageSpec, type ThingRegistrar, type WorkerKind } from './fleet/index.js';
export { type FleetStats, type WorkerMetrics, type WorkerSpawner } from './fleet/index.js';
// The local nRF Cloud stand-in (BrokerFixturesOptions.nrfCloud): CA, REST client, firmware bundles.
export { loadNrfCloudCa, makeBundle, NRF_CLOUD_ENDPOINT, nrfCloudCaDir } from './broker-fixtures/index.js';
export { openNrfCloudApi, readBundle } from './broker-fixtures/index.js';
export { type FirmwareBundle, type NrfCloudApi, type NrfCloudCaPem } from './broker-fixtures/index.js';
export {
  type NrfCloudDevice,
  type NrfCloudEndpoints,
  type NrfCloudExecution,
} from './broker-fixtures/index.js';
export { type NrfCloudFirmware, type NrfCloudJob, type NrfCloudMessage } from './broker-fixtures/index.js';
export { type NrfCloudOptions, type NrfCloudReply, type NrfCloudStandIn } from './broker-fixtures/index.js';

// The broker cluster on Redis (BrokerFixturesOptions.cluster) and its state store.
export { parseRedisUrl, RedisStore, type ClusterOptions } from './broker-fixtures/index.js';
export { type RedisLocation, type RedisStoreOptions } from './broker-fixtures/index.js';
export {
  type ConditionalCommit,
  type ExternalChange,
  type StateExpectation,
} from './broker-fixtures/index.js';
