export {
  configResponseEncode,
  dcRxTopicDecode,
  endpointDecode,
  isDisconnectionRequest,
  notAssociatedReportEncode,
  pairedReportEncode,
  sensorMessageEncode,
  sensorShadowEncode,
  shadowDataDecode,
  shadowStateDecode,
  TRANSFORM_TOPIC_PREFIX_AND_PAIRING,
  transformRequestEncode,
  wildcardC2dTopic,
  type NctCcOpcode,
  type NrfCloudEndpoints,
  type NrfCloudShadowData,
} from './codec.js';
export {
  clientIdGet,
  connectErrorTranslate,
  NRF_CLOUD_DEFAULTS,
  SENSOR_UI_NAME,
  type NrfCloudClientOptions,
  type NrfCloudConfig,
} from './config.js';
export {
  FOTA_JOB_REQUEST_LATEST,
  fotaJobDecode,
  fotaJobUpdateEncode,
  type NrfCloudFotaJobInfo,
} from './fota-codec.js';
export { FOTA_JOB_SETTINGS_KEY, type SavedFotaJob } from './fota-settings.js';
export { isValidUserTag, NCT_MSG_ID, NrfCloudMessageIds } from './message-ids.js';
export { NrfCloud, type NrfCloudSensorData, type NrfCloudTxData } from './nrf-cloud.js';
export { NrfCloudFota, type NrfCloudFotaEvt } from './nrf-cloud-fota.js';
export { NRF_CLOUD_TRANSITIONS, type NrfCloudState } from './nrf-cloud-state.js';
export { nctCcTopics } from './nrf-cloud-transport.js';
export {
  MemoryNrfCloudSettings,
  NRF_CLOUD_FOTA_ERROR_TEXT,
  NRF_CLOUD_FOTA_SERVICE_NAME,
  NRF_CLOUD_SENSOR_APP_ID,
  NrfCloudConnectResult,
  NrfCloudDisconnectStatus,
  NrfCloudErrStatus,
  NrfCloudFotaStatus,
  NrfCloudFotaTypeValue,
  type NrfCloudClientIdSource,
  type NrfCloudEvt,
  type NrfCloudEvtHandler,
  type NrfCloudEvtType,
  type NrfCloudFotaType,
  type NrfCloudImageConfirm,
  type NrfCloudModemDfuResult,
  type NrfCloudSensor,
  type NrfCloudSettings,
  type NrfCloudTopicType,
} from './types.js';
