import type { DeviceModem } from '../../modem/device-modem.js';

/**
 * The generic cloud API of NCS v1.x (`include/net/cloud.h`, `subsys/net/lib/cloud`): one interface
 * an application drives whichever cloud the image was configured for, with backends for nrf_cloud
 * and aws_iot picked by name.
 */

/** `enum cloud_event_type`. */
export type CloudEventType =
  | 'CLOUD_EVT_CONNECTING'
  | 'CLOUD_EVT_CONNECTED'
  | 'CLOUD_EVT_DISCONNECTED'
  | 'CLOUD_EVT_READY'
  | 'CLOUD_EVT_ERROR'
  | 'CLOUD_EVT_DATA_SENT'
  | 'CLOUD_EVT_DATA_RECEIVED'
  | 'CLOUD_EVT_PAIR_REQUEST'
  | 'CLOUD_EVT_PAIR_DONE'
  | 'CLOUD_EVT_FOTA_START'
  | 'CLOUD_EVT_FOTA_DONE'
  | 'CLOUD_EVT_FOTA_ERASE_PENDING'
  | 'CLOUD_EVT_FOTA_ERASE_DONE';

/** `enum cloud_endpoint_type` (the common ones). */
export type CloudEndpointType =
  | 'CLOUD_EP_TOPIC_MSG'
  | 'CLOUD_EP_TOPIC_STATE'
  | 'CLOUD_EP_TOPIC_STATE_DELETE'
  | 'CLOUD_EP_TOPIC_CONFIG'
  | 'CLOUD_EP_TOPIC_PAIR'
  | 'CLOUD_EP_TOPIC_BATCH'
  | 'CLOUD_EP_URI';

/** `enum cloud_qos`. */
export type CloudQos = 'CLOUD_QOS_AT_MOST_ONCE' | 'CLOUD_QOS_AT_LEAST_ONCE' | 'CLOUD_QOS_EXACTLY_ONCE';

/** `enum cloud_connect_result`. */
export const CloudConnectResult = {
  CLOUD_CONNECT_RES_SUCCESS: 0,
  CLOUD_CONNECT_RES_ERR_NOT_INITD: -1,
  CLOUD_CONNECT_RES_ERR_INVALID_PARAM: -2,
  CLOUD_CONNECT_RES_ERR_NETWORK: -3,
  CLOUD_CONNECT_RES_ERR_BACKEND: -4,
  CLOUD_CONNECT_RES_ERR_MISC: -5,
  CLOUD_CONNECT_RES_ERR_NO_MEM: -6,
  CLOUD_CONNECT_RES_ERR_PRV_KEY: -7,
  CLOUD_CONNECT_RES_ERR_CERT: -8,
  CLOUD_CONNECT_RES_ERR_CERT_MISC: -9,
  CLOUD_CONNECT_RES_ERR_TIMEOUT_NO_DATA: -10,
  CLOUD_CONNECT_RES_ERR_ALREADY_CONNECTED: -11,
} as const;

/** `enum cloud_disconnect_reason`. */
export const CloudDisconnectReason = {
  CLOUD_DISCONNECT_USER_REQUEST: 0,
  CLOUD_DISCONNECT_CLOSED_BY_REMOTE: 1,
  CLOUD_DISCONNECT_INVALID_REQUEST: 2,
  CLOUD_DISCONNECT_MISC: 3,
} as const;

/** `struct cloud_endpoint`: a type, and for MSG-like endpoints a topic. */
export interface CloudEndpoint {
  type: CloudEndpointType;
  str?: string;
}

/** `struct cloud_msg`. */
export interface CloudMsg {
  buf: string | Buffer;
  qos: CloudQos;
  endpoint: CloudEndpoint;
}

/** `struct cloud_event`: `msg` for DATA_RECEIVED, `err` for errors and disconnects. */
export interface CloudEvent {
  type: CloudEventType;
  msg?: CloudMsg;
  err?: number;
  persistentSession?: boolean;
}

export type CloudEvtHandler = (backend: CloudBackend, evt: CloudEvent) => void;

/** `struct cloud_api`: what each backend implements; calls return 0 or a negative errno. */
export interface CloudBackend {
  /** `cloud_backend_config.name`: `NRF_CLOUD` or `AWS_IOT`. */
  readonly name: string;
  /** The backend's id (the MQTT client id) once initialised. */
  readonly id: string | undefined;
  init(handler: CloudEvtHandler): Promise<number>;
  uninit(): number;
  /** A `cloud_connect_result`. */
  connect(): number;
  disconnect(): number;
  send(msg: CloudMsg): number;
  ping(): number;
  /** `cloud_input`: the backends run on events, so there is nothing to poll; 0. */
  input(): number;
}

/** What backends are built from: the modem, and each cloud's configuration (its Kconfig). */
export interface CloudBackendEnv {
  modem: DeviceModem;
}

export type CloudBackendFactory<E extends CloudBackendEnv = CloudBackendEnv> = (env: E) => CloudBackend;
