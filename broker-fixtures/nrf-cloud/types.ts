import type { JsonValue } from '../services/shadow/json.js';

/** nRF Cloud's MQTT host (`CONFIG_NRF_CLOUD_HOST_NAME`), named by the stand-in's server certificate. */
export const NRF_CLOUD_ENDPOINT = 'mqtt.nrfcloud.com';
/** The host firmware bundles are downloaded from (`https://<host>/<path>` of a job array). */
export const NRF_CLOUD_DOWNLOAD_HOST = 'firmware.nrfcloud.com';
/** The REST API's host name as a backend sees it (`https://api.nrfcloud.com/v1/...`). */
export const NRF_CLOUD_API_HOST = 'api.nrfcloud.com';
/** The stage every topic prefix starts with: `prod/<tenantId>/`. */
export const NRF_CLOUD_STAGE = 'prod';

/** The association ("pairing") states a device goes through (cloud-services.md §4.4). */
export type AssociationState = 'not_associated' | 'paired';

/** The team, created once per state directory. */
export interface NrfCloudAccount {
  tenantId: string;
  name: string;
  /** The Bearer token the REST API accepts. */
  apiKey: string;
  createdAt: number;
  /** The team's account device (`POST /v1/devices/account`): MQTT access to every device's messages. */
  accountDevice?: TeamDevice;
  /** MQTT team devices (`POST /v1/devices/mqtt-team`): the same access under their own client ids. */
  teamDevices?: TeamDevice[];
}

/** A team-wide MQTT identity (account device or MQTT team device), not a device of the registry. */
export interface TeamDevice {
  clientId: string;
  certificateId: string;
  certificatePem: string;
  createdAt: number;
}

export interface NrfCloudDevice {
  id: string;
  name: string;
  type: 'Generic';
  tags: string[];
  association: AssociationState;
  /** SHA-256 (hex, lowercase) of the device certificate the stand-in accepts for this id. */
  certificateId?: string;
  certificatePem?: string;
  /** How it came: JITP on first connect, `POST /v1/devices/{id}`, or bulk CSV provisioning. */
  onboardedBy: 'jitp' | 'onboard' | 'bulk';
  createdAt: number;
  lastUpdatedAt: number;
}

/** A device message kept for `GET /v1/messages`. */
export interface NrfCloudMessage {
  deviceId: string;
  topic: string;
  /** The JSON message, or for a binary (`/bin`) publish `{ base64 }`. */
  message: JsonValue;
  /** Epoch ms when the stand-in received it. */
  receivedAt: number;
  /** The device's own `ts` when it sent a valid one (epoch ms). */
  ts?: number;
}

/** Firmware types as nRF Cloud names them, and the numbers of the job arrays (nrf-cloud-now.md §6). */
export const FIRMWARE_TYPES = ['APP', 'MODEM', 'BOOT', 'MDM_FULL'] as const;
export type FirmwareType = (typeof FIRMWARE_TYPES)[number];
export const FIRMWARE_TYPE_NUMBER: Record<FirmwareType, number> = { APP: 0, MODEM: 1, BOOT: 2, MDM_FULL: 5 };

export interface NrfCloudFirmware {
  bundleId: string;
  name: string;
  description?: string;
  version: string;
  type: FirmwareType;
  /** The image inside the bundle: its file name, size and SHA-256. */
  file: string;
  size: number;
  sha256: string;
  uploadedAt: number;
}

/** Execution statuses (strings over REST; numbers on `jobs/update`). */
export const EXECUTION_STATUSES = [
  'QUEUED',
  'IN_PROGRESS',
  'FAILED',
  'SUCCEEDED',
  'TIMED_OUT',
  'CANCELLED',
  'REJECTED',
  'DOWNLOADING',
] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];
export const TERMINAL_STATUSES: readonly ExecutionStatus[] = [
  'FAILED',
  'SUCCEEDED',
  'TIMED_OUT',
  'CANCELLED',
  'REJECTED',
];

export interface NrfCloudJob {
  jobId: string;
  name?: string;
  description?: string;
  bundleId: string;
  firmware: { type: FirmwareType; size: number; version: string; host: string; path: string };
  deviceIds: string[];
  status: 'IN_PROGRESS' | 'COMPLETED' | 'CANCELLED';
  createdAt: number;
  lastUpdatedAt: number;
}

export interface NrfCloudExecution {
  jobId: string;
  deviceId: string;
  status: ExecutionStatus;
  statusDetail?: string;
  progress?: number;
  createdAt: number;
  lastUpdatedAt: number;
}

export interface NrfCloudBulkOp {
  bulkOpsRequestId: string;
  endpoint: 'PROVISION_DEVICES';
  status: 'SUCCEEDED' | 'FAILED';
  requestedAt: number;
  completedAt: number;
  succeeded: string[];
  failed: Array<{ deviceId: string; error: string }>;
}
