import type { NrfCloudFotaJobInfo } from './fota-codec.js';
import type { SavedFotaJob } from './fota-settings.js';
import type {
  NrfCloudFotaError,
  NrfCloudFotaStatusName,
  NrfCloudFotaType,
  NrfCloudEvtType,
} from './types.js';

/** `struct nrf_cloud_fota_job`: the job being worked on and what was last reported of it. */
export interface CurrentJob {
  info: NrfCloudFotaJobInfo;
  status: NrfCloudFotaStatusName;
  error: NrfCloudFotaError;
  dlProgress: number;
  sentDlProgress: number;
}

/** A job record with `status` and `error`, for one report. */
export function jobOf(
  id: string,
  type: NrfCloudFotaType,
  status: NrfCloudFotaStatusName,
  error: NrfCloudFotaError = 'NRF_CLOUD_FOTA_ERROR_NONE',
): CurrentJob {
  return {
    info: { id, type, fileSize: 0, host: '', path: '' },
    status,
    error,
    dlProgress: 0,
    sentDlProgress: 0,
  };
}

/**
 * `publish_validated_job_status`'s decision: the report a saved, validated job gives (UNKNOWN is
 * SUCCEEDED "FOTA update not validated"), `'none'` without a saved job (1 in C), `'pending'` while
 * it still waits for validation (-EOPNOTSUPP), `'clear'` for a status with nothing to report.
 */
export function validatedJobReport(
  saved: SavedFotaJob,
  current: CurrentJob | undefined,
): CurrentJob | 'none' | 'pending' | 'clear' {
  if (saved.type === undefined) return 'none';
  switch (saved.validate) {
    case 'NRF_CLOUD_FOTA_VALIDATE_PENDING':
      return 'pending';
    case 'NRF_CLOUD_FOTA_VALIDATE_UNKNOWN':
      return jobOf(
        saved.id,
        saved.type,
        'NRF_CLOUD_FOTA_SUCCEEDED',
        'NRF_CLOUD_FOTA_ERROR_UNABLE_TO_VALIDATE',
      );
    case 'NRF_CLOUD_FOTA_VALIDATE_PASS':
      return jobOf(saved.id, saved.type, 'NRF_CLOUD_FOTA_SUCCEEDED');
    case 'NRF_CLOUD_FOTA_VALIDATE_ERROR':
      return jobOf(
        saved.id,
        saved.type,
        current?.status ?? 'NRF_CLOUD_FOTA_FAILED',
        current?.error ?? 'NRF_CLOUD_FOTA_ERROR_DOWNLOAD',
      );
    case 'NRF_CLOUD_FOTA_VALIDATE_FAIL':
      return jobOf(saved.id, saved.type, 'NRF_CLOUD_FOTA_FAILED');
    default:
      return 'clear';
  }
}

/**
 * The DL_PROGRESS rule: report when the increment is reached and 100 % once; a progress lower
 * than the last one sent (a restarted download) starts counting again. Updates `job`.
 */
export function progressToReport(job: CurrentJob, progress: number, increment: number): boolean {
  job.status = 'NRF_CLOUD_FOTA_DOWNLOADING';
  job.dlProgress = progress;
  if (job.sentDlProgress === 100 && progress === 100) return false;
  if (job.sentDlProgress > progress) job.sentDlProgress = 0;
  if (progress !== 100 && (increment === 0 || progress - job.sentDlProgress < increment)) return false;
  job.sentDlProgress = progress;
  return true;
}

/** The transport's `nrf_cloud_fota_cb_handler`: which FOTA events reach the application as cloud events. */
export function fotaCloudEvt(id: string): NrfCloudEvtType | undefined {
  switch (id) {
    case 'NRF_CLOUD_FOTA_EVT_START':
      return 'NRF_CLOUD_EVT_FOTA_START';
    case 'NRF_CLOUD_FOTA_EVT_DONE':
      return 'NRF_CLOUD_EVT_FOTA_DONE';
    case 'NRF_CLOUD_FOTA_EVT_ERROR':
      return 'NRF_CLOUD_EVT_FOTA_ERROR';
    case 'NRF_CLOUD_FOTA_EVT_JOB_RCVD':
      return 'NRF_CLOUD_EVT_FOTA_JOB_AVAILABLE';
    default:
      return undefined;
  }
}
