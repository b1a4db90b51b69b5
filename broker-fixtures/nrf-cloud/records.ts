import { arrayOf, any, int, keyed, num, object, oneOf, optional, str, type Check } from '../state/shape.js';
import { EXECUTION_STATUSES, FIRMWARE_TYPES } from './types.js';

/**
 * The shapes of the nRF Cloud stand-in's records (types.ts), checked when the state is loaded so a
 * damaged or hand-edited file stops the broker with NRF91SIM_STATE_CORRUPT.
 */
type Validator = (key: string, value: unknown) => string | undefined;

const section = object({ desired: optional(any), reported: optional(any) });
const teamDevice = object({ clientId: str, certificateId: str, certificatePem: str, createdAt: num });

export const NRF_CLOUD_VALIDATORS: Record<
  | 'nrfcloud-account'
  | 'nrfcloud-devices'
  | 'nrfcloud-shadows'
  | 'nrfcloud-messages'
  | 'nrfcloud-firmwares'
  | 'nrfcloud-jobs'
  | 'nrfcloud-executions'
  | 'nrfcloud-bulk-ops',
  Validator
> = {
  'nrfcloud-account': (_key, value) =>
    object({
      tenantId: str,
      name: str,
      apiKey: str,
      createdAt: num,
      accountDevice: optional(teamDevice),
      teamDevices: optional(arrayOf(teamDevice)),
    })(value, ''),
  'nrfcloud-devices': keyed(
    'id',
    object({
      id: str,
      name: str,
      tags: arrayOf(str),
      association: oneOf('not_associated', 'paired'),
      certificateId: optional(str),
      certificatePem: optional(str),
      onboardedBy: oneOf('jitp', 'onboard', 'bulk'),
      createdAt: num,
      lastUpdatedAt: num,
    }),
  ),
  'nrfcloud-shadows': (_key, value) =>
    object({ state: section, metadata: section, version: int, timestamp: num })(value, ''),
  'nrfcloud-messages': (_key, value) =>
    object({ deviceId: str, topic: str, message: any, receivedAt: num, ts: optional(num) })(value, ''),
  'nrfcloud-firmwares': keyed(
    'bundleId',
    object({
      bundleId: str,
      name: str,
      version: str,
      type: oneOf(...FIRMWARE_TYPES),
      file: str,
      size: int,
      sha256: str,
      uploadedAt: num,
    }),
  ),
  'nrfcloud-jobs': keyed(
    'jobId',
    object({
      jobId: str,
      bundleId: str,
      firmware: object({ type: oneOf(...FIRMWARE_TYPES), size: int, version: str, host: str, path: str }),
      deviceIds: arrayOf(str),
      status: oneOf('IN_PROGRESS', 'COMPLETED', 'CANCELLED'),
      createdAt: num,
      lastUpdatedAt: num,
    }),
  ),
  'nrfcloud-executions': (_key, value) =>
    object({
      jobId: str,
      deviceId: str,
      status: oneOf(...EXECUTION_STATUSES),
      statusDetail: optional(str),
      progress: optional(int as Check),
      createdAt: num,
      lastUpdatedAt: num,
    })(value, ''),
  'nrfcloud-bulk-ops': keyed(
    'bulkOpsRequestId',
    object({
      bulkOpsRequestId: str,
      status: oneOf('SUCCEEDED', 'FAILED'),
      requestedAt: num,
      completedAt: num,
      succeeded: arrayOf(str),
      failed: arrayOf(object({ deviceId: str, error: str })),
    }),
  ),
};
