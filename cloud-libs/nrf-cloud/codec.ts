import { Errno } from '../../modem/sockets/index.js';

/**
 * The shadow and message codec of nrf_cloud (`nrf_cloud_codec_internal.c`, `nrf_cloud_defs.h`): the
 * documents the library sends, byte for byte in key order, and the decoding of what it receives.
 */

type JsonObject = Record<string, unknown>;

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The JSONata transform the state machine requests once the control channel is subscribed. */
export const TRANSFORM_TOPIC_PREFIX_AND_PAIRING =
  '{ "nrfcloud_mqtt_topic_prefix": state.desired.nrfcloud_mqtt_topic_prefix, "pairing": state.desired.pairing }';

/** `NRF_CLOUD_TRANSFORM_MAX_RESPONSE_LEN`: the cloud's default when `l` is left out. */
export const NRF_CLOUD_TRANSFORM_MAX_RESPONSE_LEN = 1792;

/** `nrf_cloud_shadow_transform_request`: `{"t":"<expr>"}` plus `"l"` when a maximum is given. */
export function transformRequestEncode(expression: string, maxResponseLen = 0): string {
  return JSON.stringify(maxResponseLen > 0 ? { t: expression, l: maxResponseLen } : { t: expression });
}

/** Which control-channel topic a shadow document came on (`enum nct_cc_opcode`). */
export type NctCcOpcode =
  | 'NCT_CC_OPCODE_TRANSFORM'
  | 'NCT_CC_OPCODE_UPDATE_REJECTED'
  | 'NCT_CC_OPCODE_UPDATE_DELTA'
  | 'NCT_CC_OPCODE_UPDATE_DELTA_ERR';

/** `struct nrf_cloud_obj_shadow_data`: a delta's `state` or a transform's `tf` result. */
export interface NrfCloudShadowData {
  type: 'delta' | 'transform';
  /** The desired part: a delta's top-level `state`, a transform's result. */
  state: JsonObject;
  isErr: boolean;
}

/** Decodes a delta (`{"state":…}`) or a transform answer (`{"tf":…}`); undefined if neither. */
export function shadowDataDecode(opcode: NctCcOpcode, payload: string): NrfCloudShadowData | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (!isObject(doc)) return undefined;
  if (opcode === 'NCT_CC_OPCODE_UPDATE_DELTA' || opcode === 'NCT_CC_OPCODE_UPDATE_DELTA_ERR') {
    const state = isObject(doc.state) ? doc.state : {};
    return { type: 'delta', state, isErr: opcode === 'NCT_CC_OPCODE_UPDATE_DELTA_ERR' };
  }
  if (opcode === 'NCT_CC_OPCODE_TRANSFORM') {
    if (isObject(doc.tf)) return { type: 'transform', state: doc.tf, isErr: false };
    return { type: 'transform', state: {}, isErr: true };
  }
  return undefined;
}

/** The association states the shadow can move the device to. */
export type NrfCloudPairingState = 'STATE_UA_PIN_WAIT' | 'STATE_UA_PIN_COMPLETE';

/**
 * `nrf_cloud_shadow_data_state_decode`: a topic prefix means associated; `pairing.state ==
 * "not_associated"` means waiting; any other pairing state is the deprecated PIN flow (-ENOTSUP);
 * neither: -ENODATA (nothing about association in this document).
 */
export function shadowStateDecode(state: JsonObject): NrfCloudPairingState | number {
  if (typeof state.nrfcloud_mqtt_topic_prefix === 'string' && state.nrfcloud_mqtt_topic_prefix !== '') {
    return 'STATE_UA_PIN_COMPLETE';
  }
  const pairing = state.pairing;
  if (!isObject(pairing) || typeof pairing.state !== 'string') return -Errno.ENODATA;
  if (pairing.state === 'not_associated') return 'STATE_UA_PIN_WAIT';
  return -Errno.ENOTSUP;
}

/** `struct nct_dc_endpoints`: the data channel topics and the FOTA base (the prefix). */
export interface NrfCloudEndpoints {
  /** `nrfcloud_mqtt_topic_prefix`, e.g. `prod/<tenant>/`. */
  prefix: string;
  d2c: string;
  /** The c2d subscription, after the `/c2d` → `/+/r` rewrite. */
  c2d: string;
  bulk: string;
  bin: string;
  /** True when the shadow's c2d was rewritten and must be re-reported in `desired`. */
  c2dModified: boolean;
}

/** `nrf_cloud_set_wildcard_c2d_topic`: a c2d topic ending in `/c2d` becomes `…/+/r`. */
export function wildcardC2dTopic(c2d: string): { topic: string; modified: boolean } {
  if (c2d.endsWith('/c2d')) return { topic: `${c2d.slice(0, -'/c2d'.length)}/+/r`, modified: true };
  return { topic: c2d, modified: false };
}

/**
 * `nrf_cloud_obj_endpoint_decode`: `pairing.state` must be `paired` with `topics.d2c` and
 * `topics.c2d`, and the prefix present; -ENOENT otherwise.
 */
export function endpointDecode(state: JsonObject): NrfCloudEndpoints | number {
  const prefix = state.nrfcloud_mqtt_topic_prefix;
  const pairing = state.pairing;
  if (typeof prefix !== 'string' || !isObject(pairing) || pairing.state !== 'paired') return -Errno.ENOENT;
  const topics = pairing.topics;
  if (!isObject(topics) || typeof topics.d2c !== 'string' || typeof topics.c2d !== 'string')
    return -Errno.ENOENT;
  const c2d = wildcardC2dTopic(topics.c2d);
  return {
    prefix,
    d2c: topics.d2c,
    c2d: c2d.topic,
    bulk: `${topics.d2c}/bulk`,
    bin: `${topics.d2c}/bin`,
    c2dModified: c2d.modified,
  };
}

/** The shadow report of a device waiting for association (message id 300). */
export function notAssociatedReportEncode(): string {
  return JSON.stringify({
    state: {
      reported: {
        pairing: { state: 'not_associated', topics: null, config: null },
        connection: { keepalive: null },
        nrfcloud_mqtt_topic_prefix: null,
        pairingStatus: null,
        stage: null,
      },
    },
  });
}

/**
 * The pairing report of an associated device (message id 301), with the rewritten c2d echoed in
 * `desired` (so no delta follows) and the info sections once per boot.
 */
export function pairedReportEncode(
  endpoints: NrfCloudEndpoints,
  keepaliveSeconds: number,
  device: JsonObject | undefined,
): string {
  const reported: JsonObject = {
    pairing: { state: 'paired', topics: { d2c: endpoints.d2c, c2d: endpoints.c2d } },
    connection: { keepalive: keepaliveSeconds },
    nrfcloud_mqtt_topic_prefix: endpoints.prefix,
  };
  if (device) reported.device = device;
  const state: JsonObject = { reported };
  if (endpoints.c2dModified) state.desired = { pairing: { topics: { c2d: endpoints.c2d } } };
  return JSON.stringify({ state });
}

/** `nrf_cloud_shadow_config_response_encode`: the config accepted, desired cleared. */
export function configResponseEncode(config: unknown): string {
  return JSON.stringify({ state: { desired: { config: null }, reported: { config } } });
}

/** A d2c message: `{"appId","data","messageType":"DATA"[,"ts"]}` in that key order. */
export function sensorMessageEncode(appId: string, data: unknown, ts?: number): string {
  return JSON.stringify({ appId, data, messageType: 'DATA', ...(ts !== undefined ? { ts } : {}) });
}

/** `nrf_cloud_shadow_update` of one sensor: `{"state":{"reported":{"<appId>":<value>}}}`. */
export function sensorShadowEncode(appId: string, value: unknown): string {
  return JSON.stringify({ state: { reported: { [appId]: value } } });
}

/** `reported.device` with `serviceInfo` (`ui`, `fota_v2`) and any other info sections. */
export function deviceStatusEncode(
  ui: readonly string[] | null,
  fota: readonly string[] | null,
  info: JsonObject = {},
): JsonObject {
  return { ...info, serviceInfo: { ui, fota_v2: fota } };
}

/** `nrf_cloud_disconnection_request_decode`: `{"appId":"DEVICE","messageType":"DISCON"}`. */
export function isDisconnectionRequest(payload: string): boolean {
  try {
    const doc: unknown = JSON.parse(payload);
    return isObject(doc) && doc.appId === 'DEVICE' && doc.messageType === 'DISCON';
  } catch {
    return false;
  }
}

/** `enum nrf_cloud_rcv_topic` from `nrf_cloud_dc_rx_topic_decode`. */
export type NrfCloudRcvTopic = 'GENERAL' | 'AGNSS' | 'PGPS' | 'LOCATION' | 'UNKNOWN';

export function dcRxTopicDecode(topic: string): NrfCloudRcvTopic {
  if (topic.includes('/agnss/r') || topic.includes('/agps/r')) return 'AGNSS';
  if (topic.includes('/pgps/r')) return 'PGPS';
  if (topic.includes('/ground_fix/r')) return 'LOCATION';
  if (topic.includes('/c2d/r') || topic.endsWith('/c2d')) return 'GENERAL';
  return 'UNKNOWN';
}
