import {
  NRF_CLOUD_FOTA_ERROR_TEXT,
  NrfCloudFotaStatus,
  NrfCloudFotaTypeValue,
  type NrfCloudFotaError,
  type NrfCloudFotaStatusName,
  type NrfCloudFotaType,
} from './types.js';

/** `NRF_CLOUD_FOTA_JOB_ID_SIZE - 1`: a v4 UUID. */
export const NRF_CLOUD_FOTA_JOB_ID_MAX_LEN = 36;

/** `struct nrf_cloud_fota_job_info`. */
export interface NrfCloudFotaJobInfo {
  id: string;
  type: NrfCloudFotaType;
  fileSize: number;
  host: string;
  path: string;
}

const TYPE_BY_VALUE = new Map<number, NrfCloudFotaType>(
  Object.entries(NrfCloudFotaTypeValue).map(([name, value]) => [value, name as NrfCloudFotaType]),
);

/**
 * `nrf_cloud_fota_job_decode`: `["<jobId>",<fwType>,<fileSize>,"<host>","<path>"]`. A job whose id
 * parses but the rest does not is `reject` (REJECTED, "Job info is invalid"); anything without an id
 * (`[""]`, `[]`, not JSON) is no job.
 */
export function fotaJobDecode(
  payload: string,
): { job: NrfCloudFotaJobInfo } | { reject: string; type: NrfCloudFotaType | undefined } | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (!Array.isArray(doc) || doc.length === 0) return undefined;
  const [id, type, fileSize, host, path] = doc as unknown[];
  if (typeof id !== 'string' || id === '' || id.length > NRF_CLOUD_FOTA_JOB_ID_MAX_LEN) return undefined;
  const fotaType = typeof type === 'number' ? TYPE_BY_VALUE.get(type) : undefined;
  if (
    fotaType === undefined ||
    typeof fileSize !== 'number' ||
    !Number.isInteger(fileSize) ||
    fileSize <= 0 ||
    typeof host !== 'string' ||
    host === '' ||
    typeof path !== 'string' ||
    path === ''
  ) {
    return { reject: id, type: fotaType };
  }
  return { job: { id, type: fotaType, fileSize, host, path: path.replace(/^\//, '') } };
}

/**
 * `nrf_cloud_obj_fota_job_update_create`: `["<jobId>",<status>,<progress>]` while DOWNLOADING,
 * `["<jobId>",<status>,"<error text>"]` otherwise.
 */
export function fotaJobUpdateEncode(
  jobId: string,
  status: NrfCloudFotaStatusName,
  detail: { progress: number } | { error: NrfCloudFotaError },
): string {
  const value = NrfCloudFotaStatus[status];
  const third =
    status === 'NRF_CLOUD_FOTA_DOWNLOADING' && 'progress' in detail
      ? detail.progress
      : NRF_CLOUD_FOTA_ERROR_TEXT['error' in detail ? detail.error : 'NRF_CLOUD_FOTA_ERROR_NONE'];
  return JSON.stringify([jobId, value, third]);
}

/** `JOB_REQUEST_LATEST_PAYLOAD`. */
export const FOTA_JOB_REQUEST_LATEST = '[""]';

/** `is_job_status_terminal`. */
export function isFotaStatusTerminal(status: NrfCloudFotaStatusName): boolean {
  return (
    status === 'NRF_CLOUD_FOTA_FAILED' ||
    status === 'NRF_CLOUD_FOTA_SUCCEEDED' ||
    status === 'NRF_CLOUD_FOTA_REJECTED' ||
    status === 'NRF_CLOUD_FOTA_TIMED_OUT' ||
    status === 'NRF_CLOUD_FOTA_CANCELED'
  );
}
