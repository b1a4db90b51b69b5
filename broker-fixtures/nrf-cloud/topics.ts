import { NRF_CLOUD_STAGE } from './types.js';

/**
 * The topics nRF Cloud lets a device use (docs "MQTT topics"; cloud-services.md §4.2-4.3,
 * nrf-cloud-now.md §2): the nRF Cloud shadow aliases of every library generation, the
 * `$aws/things/<id>/shadow/…` topics older firmware and Nordic's device simulator use, the data
 * channel under `<prefix>m/d/<id>/`, and FOTA under `<prefix><id>/jobs/`. Nothing else: a
 * subscription or publish outside these disconnects the device, as the docs say.
 */

export function topicPrefix(tenantId: string): string {
  return `${NRF_CLOUD_STAGE}/${tenantId}/`;
}

export interface DeviceTopics {
  d2c: string;
  /** The wildcard form current NCS subscribes to (`…/+/r`). */
  c2d: string;
  /** Where the stand-in sends general cloud-to-device messages: the `c2d/r` branch of the wildcard. */
  c2dGeneral: string;
  jobsRcv: string;
  jobsReq: string;
  jobsUpdate: string;
}

export function deviceTopics(prefix: string, deviceId: string): DeviceTopics {
  const base = `${prefix}m/d/${deviceId}`;
  return {
    d2c: `${base}/d2c`,
    c2d: `${base}/+/r`,
    c2dGeneral: `${base}/c2d/r`,
    jobsRcv: `${prefix}${deviceId}/jobs/rcv`,
    jobsReq: `${prefix}${deviceId}/jobs/req`,
    jobsUpdate: `${prefix}${deviceId}/jobs/update`,
  };
}

/** Replies by kind on the data channel (`nrf_cloud_dc_rx_topic_decode`; `agps` and `cell_pos` of older NCS). */
const REPLY_KINDS = ['c2d', 'agnss', 'agps', 'pgps', 'ground_fix', 'cell_pos'];
/** Requests a device may publish beside d2c (location services of older and current NCS). */
const REQUEST_KINDS = ['agnss', 'agps', 'pgps', 'ground_fix', 'cell_pos'];

const SHADOW_SUBSCRIBE = [
  'shadow/get/accepted',
  'shadow/get/accepted/trim',
  'shadow/get/accepted/tf',
  'shadow/get/rejected',
  'shadow/update/accepted',
  'shadow/update/rejected',
  'shadow/update/delta/trim',
  'shadow/update/delta/trim/err',
  'shadow/update/delta/full',
  'shadow/update/delta/full/err',
];
const AWS_SHADOW_SUBSCRIBE = [
  'get/accepted',
  'get/rejected',
  'update/accepted',
  'update/rejected',
  'update/delta',
  'update/documents',
  'delete/accepted',
  'delete/rejected',
];

export function allowedSubscriptions(prefix: string, deviceId: string): Set<string> {
  const t = deviceTopics(prefix, deviceId);
  const base = `${prefix}m/d/${deviceId}`;
  return new Set([
    ...SHADOW_SUBSCRIBE.map((s) => `${deviceId}/${s}`),
    ...AWS_SHADOW_SUBSCRIBE.map((s) => `$aws/things/${deviceId}/shadow/${s}`),
    t.c2d,
    `${base}/c2d`,
    ...REPLY_KINDS.map((k) => `${base}/${k}/r`),
    t.jobsRcv,
    `${prefix}${deviceId}/jobs/ble/rcv`,
  ]);
}

/** What a device publish is, for the services; undefined for a topic nRF Cloud does not allow. */
export type PublishKind =
  | 'shadow-update'
  | 'shadow-get-tf'
  | 'shadow-get-trim'
  | 'shadow-get'
  | 'aws-shadow-update'
  | 'aws-shadow-get'
  | 'aws-shadow-delete'
  | 'd2c'
  | 'd2c-bulk'
  | 'd2c-bin'
  | 'service-request'
  | 'jobs-req'
  | 'jobs-update'
  | 'jobs-ble';

export function classifyPublish(topic: string, prefix: string, deviceId: string): PublishKind | undefined {
  const t = deviceTopics(prefix, deviceId);
  const base = `${prefix}m/d/${deviceId}`;
  switch (topic) {
    case `${deviceId}/shadow/update`:
      return 'shadow-update';
    case `${deviceId}/shadow/get/tf`:
      return 'shadow-get-tf';
    case `${deviceId}/shadow/get/trim`:
      return 'shadow-get-trim';
    case `${deviceId}/shadow/get`:
      return 'shadow-get';
    case `$aws/things/${deviceId}/shadow/update`:
      return 'aws-shadow-update';
    case `$aws/things/${deviceId}/shadow/get`:
      return 'aws-shadow-get';
    case `$aws/things/${deviceId}/shadow/delete`:
      return 'aws-shadow-delete';
    case t.d2c:
      return 'd2c';
    case `${t.d2c}/bulk`:
      return 'd2c-bulk';
    case `${t.d2c}/bin`:
      return 'd2c-bin';
    case t.jobsReq:
      return 'jobs-req';
    case t.jobsUpdate:
      return 'jobs-update';
    case `${prefix}${deviceId}/jobs/ble/req`:
    case `${prefix}${deviceId}/jobs/ble/update`:
      return 'jobs-ble';
    default:
      return REQUEST_KINDS.some((k) => topic === `${base}/${k}`) ? 'service-request' : undefined;
  }
}
