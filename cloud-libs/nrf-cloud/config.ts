import type { IClientOptions, MqttClient } from 'mqtt';
import { DnsError, Errno, SocketError } from '../../modem/sockets/index.js';
import type { DeviceModem } from '../../modem/device-modem.js';
import { NRF_CLOUD_SEC_TAG } from '../../modem/credentials/types.js';
import type { DfuTarget } from '../dfu-target/index.js';
import type { FotaDownloadKconfig } from '../fota-download/index.js';
import type { NrfCloudFotaEvt } from './nrf-cloud-fota.js';
import {
  NrfCloudConnectResult,
  NrfCloudErrStatus,
  type NrfCloudClientIdSource,
  type NrfCloudFotaType,
  type NrfCloudImageConfirm,
  type NrfCloudModemDfuResult,
  type NrfCloudSensor,
  type NrfCloudSettings,
} from './types.js';

/** nrf_cloud's Kconfig and `struct nrf_cloud_init_param`. */
export interface NrfCloudConfig {
  /** CONFIG_NRF_CLOUD_HOST_NAME (`mqtt.nrfcloud.com`). */
  host?: string;
  /** CONFIG_NRF_CLOUD_PORT (8883). */
  port?: number;
  /** CONFIG_NRF_CLOUD_SEC_TAG (16842753). */
  secTag?: number;
  /** CONFIG_NRF_CLOUD_CLIENT_ID_SRC_* (IMEI here, the seed's default; current NCS uses the UUID). */
  clientIdSource?: NrfCloudClientIdSource;
  /** CONFIG_NRF_CLOUD_CLIENT_ID (COMPILE_TIME) or `init_param.client_id` (RUNTIME). */
  clientId?: string;
  /** CONFIG_NRF_CLOUD_CLIENT_ID_PREFIX (`nrf-`), for IMEI client ids. */
  clientIdPrefix?: string;
  /** CONFIG_NRF_CLOUD_MQTT_KEEPALIVE (1200 s). */
  keepaliveSeconds?: number;
  /** CONFIG_MQTT_CLEAN_SESSION (true): false saves `nrf_cloud/p_sesh` and resumes sessions. */
  cleanSession?: boolean;
  /** CONFIG_NRF_CLOUD_SEND_SHADOW_INFO (true): `reported.device` once per boot with the pairing report. */
  sendShadowInfo?: boolean;
  /** The `serviceInfo.ui` list; sensors attached with `sensorAttach` are added. */
  ui?: readonly string[];
  /** `deviceInfo`/`networkInfo`/`simInfo` sections for the shadow (the sample reads them from the modem). */
  deviceInfo?: () => Promise<Record<string, unknown>>;
  /** The Zephyr settings the library keeps (`nrf_cloud/p_sesh`, `nrf_cloud/fota/job`). */
  settings?: NrfCloudSettings;
  /** CONFIG_NRF_CLOUD_FOTA: given a dfu_target, FOTA runs on the same connection. */
  fota?: {
    dfu: DfuTarget;
    /** The FOTA types the device takes (`serviceInfo.fota_v2`). */
    types?: readonly NrfCloudFotaType[];
    /** MCUboot's application API, to confirm an updated application after the reboot. */
    image?: NrfCloudImageConfirm;
    /** What the modem library reported at init after a scheduled modem delta. */
    modemDfuResult?: NrfCloudModemDfuResult;
    /** The download sec tag; the library's sec tag by default (-1: HTTP). */
    secTag?: number;
    fragmentSize?: number;
    progressPctIncrement?: number;
    autoStartJob?: boolean;
    fotaDownload?: Partial<FotaDownloadKconfig>;
    /** `sys_reboot()`, for the reboot validation may need. */
    reboot?: () => void;
    /** Every FOTA library event (progress, erase …), beside the NRF_CLOUD_EVT_FOTA_* events. */
    onFotaEvt?: (evt: NrfCloudFotaEvt) => void;
  };
  /** Builds the MQTT client (tests); the modem's TLS socket by default. */
  connectClient?: (modem: DeviceModem, options: NrfCloudClientOptions) => MqttClient;
}

export interface NrfCloudClientOptions extends Partial<IClientOptions> {
  host: string;
  port: number;
  secTag: number;
}

export const NRF_CLOUD_DEFAULTS = {
  host: 'mqtt.nrfcloud.com',
  port: 8883,
  secTag: NRF_CLOUD_SEC_TAG,
  clientIdPrefix: 'nrf-',
  keepaliveSeconds: 1200,
  clientIdMaxLen: 64,
} as const;

/** The seed's sensor list in `serviceInfo.ui` names. */
export const SENSOR_UI_NAME: Partial<Record<NrfCloudSensor, string>> = {
  NRF_CLOUD_SENSOR_GPS: 'GPS',
  NRF_CLOUD_SENSOR_FLIP: 'FLIP',
  NRF_CLOUD_SENSOR_TEMP: 'TEMP',
  NRF_CLOUD_SENSOR_HUMID: 'HUMID',
  NRF_CLOUD_SENSOR_AIR_PRESS: 'AIR_PRESS',
  NRF_CLOUD_SENSOR_AIR_QUAL: 'AIR_QUAL',
  NRF_CLOUD_LTE_LINK_RSRP: 'RSRP',
  NRF_CLOUD_SENSOR_BUTTON: 'BUTTON',
  NRF_CLOUD_SENSOR_LIGHT: 'LIGHT',
};

/**
 * `nrf_cloud_client_id_get` for the configured source: `nrf-<IMEI>` from `AT+CGSN`, the UUID from
 * `AT%DEVICEUUID`, or the configured id. A negative errno when the modem gives nothing usable.
 */
export async function clientIdGet(modem: DeviceModem, config: NrfCloudConfig): Promise<string | number> {
  const source = config.clientIdSource ?? 'IMEI';
  if (source === 'COMPILE_TIME' || source === 'RUNTIME') {
    return config.clientId && config.clientId.length <= NRF_CLOUD_DEFAULTS.clientIdMaxLen
      ? config.clientId
      : -Errno.EINVAL;
  }
  const channel = modem.channel();
  if (source === 'IMEI') {
    const [imei = ''] = await channel.command('AT+CGSN');
    if (!/^\d{15}/.test(imei)) return -Errno.EIO;
    return `${config.clientIdPrefix ?? NRF_CLOUD_DEFAULTS.clientIdPrefix}${imei.slice(0, 15)}`;
  }
  const lines = await channel.command('AT%DEVICEUUID');
  const uuid = /%DEVICEUUID: ([0-9a-fA-F-]{36})/.exec(lines.join('\n'))?.[1];
  return uuid ?? -Errno.EIO;
}

/** `connect_error_translate`: a socket or resolver failure as an `nrf_cloud_connect_result`. */
export function connectErrorTranslate(err: unknown): number {
  if (err instanceof DnsError) return NrfCloudConnectResult.NRF_CLOUD_CONNECT_RES_ERR_NETWORK;
  if (!(err instanceof SocketError)) return NrfCloudConnectResult.NRF_CLOUD_CONNECT_RES_ERR_MISC;
  switch (err.errno) {
    case Errno.EACCES:
      return NrfCloudConnectResult.NRF_CLOUD_CONNECT_RES_ERR_NOT_INITD;
    case Errno.EINVAL:
      return NrfCloudConnectResult.NRF_CLOUD_CONNECT_RES_ERR_PRV_KEY;
    case Errno.EOPNOTSUPP:
      return NrfCloudConnectResult.NRF_CLOUD_CONNECT_RES_ERR_CERT;
    case Errno.ECONNREFUSED:
      return NrfCloudConnectResult.NRF_CLOUD_CONNECT_RES_ERR_CERT_MISC;
    case Errno.ETIMEDOUT:
      return NrfCloudConnectResult.NRF_CLOUD_CONNECT_RES_ERR_TIMEOUT_NO_DATA;
    case Errno.ENOMEM:
      return NrfCloudConnectResult.NRF_CLOUD_CONNECT_RES_ERR_NO_MEM;
    default:
      return NrfCloudConnectResult.NRF_CLOUD_CONNECT_RES_ERR_NETWORK;
  }
}

/** `translate_mqtt_connack_result`. */
export function connackResultTranslate(returnCode: number): number {
  switch (returnCode) {
    case 0:
      return NrfCloudErrStatus.NRF_CLOUD_ERR_STATUS_NONE;
    case 1:
      return NrfCloudErrStatus.NRF_CLOUD_ERR_STATUS_MQTT_CONN_BAD_PROT_VER;
    case 2:
      return NrfCloudErrStatus.NRF_CLOUD_ERR_STATUS_MQTT_CONN_ID_REJECTED;
    case 3:
      return NrfCloudErrStatus.NRF_CLOUD_ERR_STATUS_MQTT_CONN_SERVER_UNAVAIL;
    case 4:
      return NrfCloudErrStatus.NRF_CLOUD_ERR_STATUS_MQTT_CONN_BAD_USR_PWD;
    case 5:
      return NrfCloudErrStatus.NRF_CLOUD_ERR_STATUS_MQTT_CONN_NOT_AUTH;
    default:
      return NrfCloudErrStatus.NRF_CLOUD_ERR_STATUS_MQTT_CONN_FAIL;
  }
}
