/**
 * The nrf_cloud library's public types (`include/net/nrf_cloud.h`): events, results, sensors,
 * FOTA types and statuses. Events go by name, as current NCS names them, never by number (the
 * numbers shift between releases).
 */

/** `enum nrf_cloud_evt_type` (current NCS names). */
export type NrfCloudEvtType =
  | 'NRF_CLOUD_EVT_TRANSPORT_CONNECTING'
  | 'NRF_CLOUD_EVT_TRANSPORT_CONNECTED'
  | 'NRF_CLOUD_EVT_TRANSPORT_CONNECT_ERROR'
  | 'NRF_CLOUD_EVT_USER_ASSOCIATION_REQUEST'
  | 'NRF_CLOUD_EVT_USER_ASSOCIATED'
  | 'NRF_CLOUD_EVT_READY'
  | 'NRF_CLOUD_EVT_SENSOR_ATTACHED'
  | 'NRF_CLOUD_EVT_RX_DATA_GENERAL'
  | 'NRF_CLOUD_EVT_RX_DATA_LOCATION'
  | 'NRF_CLOUD_EVT_RX_DATA_SHADOW'
  | 'NRF_CLOUD_EVT_RX_DATA_DISCON'
  | 'NRF_CLOUD_EVT_PINGRESP'
  | 'NRF_CLOUD_EVT_SENSOR_DATA_ACK'
  | 'NRF_CLOUD_EVT_TRANSPORT_DISCONNECTED'
  | 'NRF_CLOUD_EVT_FOTA_START'
  | 'NRF_CLOUD_EVT_FOTA_DONE'
  | 'NRF_CLOUD_EVT_FOTA_ERROR'
  | 'NRF_CLOUD_EVT_FOTA_JOB_AVAILABLE'
  | 'NRF_CLOUD_EVT_ERROR';

/** `struct nrf_cloud_evt`: `data` and `topic` for received data, `tag` for a SENSOR_DATA_ACK. */
export interface NrfCloudEvt {
  type: NrfCloudEvtType;
  status: number;
  data?: Buffer;
  topic?: string;
  /** The user tag a SENSOR_DATA_ACK acknowledges. */
  tag?: number;
  /** The FOTA type of a FOTA_START / FOTA_DONE / FOTA_JOB_AVAILABLE. */
  fotaType?: NrfCloudFotaType;
}

export type NrfCloudEvtHandler = (evt: NrfCloudEvt) => void;

/** `enum nrf_cloud_connect_result`. */
export const NrfCloudConnectResult = {
  NRF_CLOUD_CONNECT_RES_SUCCESS: 0,
  NRF_CLOUD_CONNECT_RES_ERR_NOT_INITD: -1,
  NRF_CLOUD_CONNECT_RES_ERR_INVALID_PARAM: -2,
  NRF_CLOUD_CONNECT_RES_ERR_NETWORK: -3,
  NRF_CLOUD_CONNECT_RES_ERR_BACKEND: -4,
  NRF_CLOUD_CONNECT_RES_ERR_MISC: -5,
  NRF_CLOUD_CONNECT_RES_ERR_NO_MEM: -6,
  NRF_CLOUD_CONNECT_RES_ERR_PRV_KEY: -7,
  NRF_CLOUD_CONNECT_RES_ERR_CERT: -8,
  NRF_CLOUD_CONNECT_RES_ERR_CERT_MISC: -9,
  NRF_CLOUD_CONNECT_RES_ERR_TIMEOUT_NO_DATA: -10,
  NRF_CLOUD_CONNECT_RES_ERR_ALREADY_CONNECTED: -11,
} as const;

/** `enum nrf_cloud_disconnect_status`. */
export const NrfCloudDisconnectStatus = {
  NRF_CLOUD_DISCONNECT_USER_REQUEST: 0,
  NRF_CLOUD_DISCONNECT_CLOSED_BY_REMOTE: 1,
  NRF_CLOUD_DISCONNECT_INVALID_REQUEST: 2,
  NRF_CLOUD_DISCONNECT_MISC: 3,
} as const;

/** `enum nrf_cloud_error_status` (the MQTT part): the status of an `NRF_CLOUD_EVT_ERROR`. */
export const NrfCloudErrStatus = {
  NRF_CLOUD_ERR_STATUS_NONE: 0,
  NRF_CLOUD_ERR_STATUS_MQTT_CONN_FAIL: 1,
  NRF_CLOUD_ERR_STATUS_MQTT_CONN_BAD_PROT_VER: 2,
  NRF_CLOUD_ERR_STATUS_MQTT_CONN_ID_REJECTED: 3,
  NRF_CLOUD_ERR_STATUS_MQTT_CONN_SERVER_UNAVAIL: 4,
  NRF_CLOUD_ERR_STATUS_MQTT_CONN_BAD_USR_PWD: 5,
  NRF_CLOUD_ERR_STATUS_MQTT_CONN_NOT_AUTH: 6,
  NRF_CLOUD_ERR_STATUS_MQTT_SUB_FAIL: 7,
} as const;

/** `enum nrf_cloud_sensor`: the seed's sensors and their `appId`. */
export const NRF_CLOUD_SENSOR_APP_ID = {
  NRF_CLOUD_SENSOR_GPS: 'GPS',
  NRF_CLOUD_SENSOR_FLIP: 'FLIP',
  NRF_CLOUD_SENSOR_BUTTON: 'BUTTON',
  NRF_CLOUD_SENSOR_TEMP: 'TEMP',
  NRF_CLOUD_SENSOR_HUMID: 'HUMID',
  NRF_CLOUD_SENSOR_AIR_PRESS: 'AIR_PRESS',
  NRF_CLOUD_SENSOR_AIR_QUAL: 'AIR_QUAL',
  NRF_CLOUD_LTE_LINK_RSRP: 'RSRP',
  NRF_CLOUD_DEVICE_INFO: 'DEVICE',
  NRF_CLOUD_SENSOR_LIGHT: 'LIGHT',
} as const;

export type NrfCloudSensor = keyof typeof NRF_CLOUD_SENSOR_APP_ID;

/** `enum nrf_cloud_topic_type`. */
export type NrfCloudTopicType =
  'NRF_CLOUD_TOPIC_STATE' | 'NRF_CLOUD_TOPIC_MESSAGE' | 'NRF_CLOUD_TOPIC_BULK' | 'NRF_CLOUD_TOPIC_BIN';

/** `enum nrf_cloud_fota_type` with the numbers of the job arrays. */
export const NrfCloudFotaTypeValue = {
  NRF_CLOUD_FOTA_APPLICATION: 0,
  NRF_CLOUD_FOTA_MODEM_DELTA: 1,
  NRF_CLOUD_FOTA_BOOTLOADER: 2,
  NRF_CLOUD_FOTA_MODEM_FULL: 5,
} as const;

export type NrfCloudFotaType = keyof typeof NrfCloudFotaTypeValue;

/** The names nRF Cloud's shadow `serviceInfo.fota_v2` uses for each type. */
export const NRF_CLOUD_FOTA_SERVICE_NAME: Readonly<Record<NrfCloudFotaType, string>> = {
  NRF_CLOUD_FOTA_APPLICATION: 'APP',
  NRF_CLOUD_FOTA_MODEM_DELTA: 'MODEM',
  NRF_CLOUD_FOTA_BOOTLOADER: 'BOOT',
  NRF_CLOUD_FOTA_MODEM_FULL: 'MDM_FULL',
};

/** `enum nrf_cloud_fota_status`. */
export const NrfCloudFotaStatus = {
  NRF_CLOUD_FOTA_QUEUED: 0,
  NRF_CLOUD_FOTA_IN_PROGRESS: 1,
  NRF_CLOUD_FOTA_FAILED: 2,
  NRF_CLOUD_FOTA_SUCCEEDED: 3,
  NRF_CLOUD_FOTA_TIMED_OUT: 4,
  NRF_CLOUD_FOTA_CANCELED: 5,
  NRF_CLOUD_FOTA_REJECTED: 6,
  NRF_CLOUD_FOTA_DOWNLOADING: 7,
} as const;

export type NrfCloudFotaStatusName = keyof typeof NrfCloudFotaStatus;

/** `enum nrf_cloud_fota_error` and the text the job update carries for each. */
export const NRF_CLOUD_FOTA_ERROR_TEXT = {
  NRF_CLOUD_FOTA_ERROR_NONE: '',
  NRF_CLOUD_FOTA_ERROR_DOWNLOAD_START: 'Failed to start download',
  NRF_CLOUD_FOTA_ERROR_DOWNLOAD: 'Error during download',
  NRF_CLOUD_FOTA_ERROR_UNABLE_TO_VALIDATE: 'FOTA update not validated',
  NRF_CLOUD_FOTA_ERROR_APPLY_FAIL: 'Error applying update',
  NRF_CLOUD_FOTA_ERROR_MISMATCH: 'FW file does not match specified FOTA type',
  NRF_CLOUD_FOTA_ERROR_BAD_JOB_INFO: 'Job info is invalid',
  NRF_CLOUD_FOTA_ERROR_BAD_TYPE: 'FOTA type not supported',
} as const;

export type NrfCloudFotaError = keyof typeof NRF_CLOUD_FOTA_ERROR_TEXT;

/** `enum nrf_cloud_fota_validate_status`, as kept in settings (`nrf_cloud/fota/job`). */
export type NrfCloudFotaValidate =
  | 'NRF_CLOUD_FOTA_VALIDATE_NONE'
  | 'NRF_CLOUD_FOTA_VALIDATE_PENDING'
  | 'NRF_CLOUD_FOTA_VALIDATE_PASS'
  | 'NRF_CLOUD_FOTA_VALIDATE_FAIL'
  | 'NRF_CLOUD_FOTA_VALIDATE_UNKNOWN'
  | 'NRF_CLOUD_FOTA_VALIDATE_ERROR'
  | 'NRF_CLOUD_FOTA_VALIDATE_DONE';

/**
 * The Zephyr settings subsystem as nrf_cloud uses it (`nrf_cloud/p_sesh`, `nrf_cloud/fota/job`):
 * small values that survive a reboot. The device keeps them in its flash.
 */
export interface NrfCloudSettings {
  load(key: string): Promise<string | undefined>;
  /** Saves atomically; undefined deletes the key. */
  save(key: string, value: string | undefined): Promise<void>;
}

/** A settings store that lives as long as the object (no persistence). */
export class MemoryNrfCloudSettings implements NrfCloudSettings {
  private readonly values = new Map<string, string>();
  load(key: string): Promise<string | undefined> {
    return Promise.resolve(this.values.get(key));
  }
  save(key: string, value: string | undefined): Promise<void> {
    if (value === undefined) this.values.delete(key);
    else this.values.set(key, value);
    return Promise.resolve();
  }
}

/** MCUboot's application API as the FOTA validation needs it (`boot_is_img_confirmed` …). */
export interface NrfCloudImageConfirm {
  isImgConfirmed(): boolean;
  writeImgConfirmed(): Promise<void>;
}

/** `NRF_MODEM_DFU_RESULT_*` the modem library reported at init, undefined when none. */
export type NrfCloudModemDfuResult = 'ok' | 'uuid-error' | 'auth-error' | 'internal-error' | undefined;

/** `CONFIG_NRF_CLOUD_CLIENT_ID_SRC_*`. */
export type NrfCloudClientIdSource =
  'IMEI' | 'INTERNAL_UUID' | 'MDM_DEVICE_UUID' | 'COMPILE_TIME' | 'RUNTIME';
