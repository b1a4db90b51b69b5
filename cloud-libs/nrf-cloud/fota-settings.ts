import type {
  NrfCloudFotaType,
  NrfCloudFotaValidate,
  NrfCloudImageConfirm,
  NrfCloudModemDfuResult,
  NrfCloudSettings,
} from './types.js';

/** `NRF_CLOUD_SETTINGS_FULL_FOTA_JOB`. */
export const FOTA_JOB_SETTINGS_KEY = 'nrf_cloud/fota/job';

/** `NRF_CLOUD_FOTA_BL_STATUS_REBOOTED`. */
export const BL_STATUS_REBOOTED = 1 << 2;

/** `struct nrf_cloud_settings_fota_job`. */
export interface SavedFotaJob {
  validate: NrfCloudFotaValidate;
  type: NrfCloudFotaType | undefined;
  id: string;
  blFlags: number;
}

export const NO_SAVED_JOB: Readonly<SavedFotaJob> = {
  validate: 'NRF_CLOUD_FOTA_VALIDATE_NONE',
  type: undefined,
  id: '',
  blFlags: 0,
};

/** `nrf_cloud_fota_settings_load`: what was saved, or no job (also for unreadable settings). */
export async function loadSavedJob(settings: NrfCloudSettings): Promise<SavedFotaJob> {
  const raw = await settings.load(FOTA_JOB_SETTINGS_KEY);
  if (raw === undefined) return { ...NO_SAVED_JOB };
  try {
    const job = JSON.parse(raw) as Partial<SavedFotaJob>;
    if (typeof job.id !== 'string' || typeof job.validate !== 'string') return { ...NO_SAVED_JOB };
    return { validate: job.validate, type: job.type, id: job.id, blFlags: job.blFlags ?? 0 };
  } catch {
    return { ...NO_SAVED_JOB };
  }
}

/** `nrf_cloud_fota_settings_save`; VALIDATE_DONE clears the saved job. */
export async function saveJob(settings: NrfCloudSettings, job: SavedFotaJob): Promise<SavedFotaJob> {
  const saved = job.validate === 'NRF_CLOUD_FOTA_VALIDATE_DONE' ? { ...NO_SAVED_JOB } : { ...job };
  await settings.save(FOTA_JOB_SETTINGS_KEY, saved.type === undefined ? undefined : JSON.stringify(saved));
  return saved;
}

/** What validating a pending job at boot needs from the device. */
export interface FotaValidationContext {
  image?: NrfCloudImageConfirm;
  modemDfuResult?: NrfCloudModemDfuResult;
}

/** `app_fota_validate_get`: an unconfirmed image is confirmed (PASS); a confirmed one is UNKNOWN. */
async function appValidate(image: NrfCloudImageConfirm | undefined): Promise<NrfCloudFotaValidate> {
  if (!image || image.isImgConfirmed()) return 'NRF_CLOUD_FOTA_VALIDATE_UNKNOWN';
  try {
    await image.writeImgConfirmed();
    return 'NRF_CLOUD_FOTA_VALIDATE_PASS';
  } catch {
    return 'NRF_CLOUD_FOTA_VALIDATE_FAIL';
  }
}

/** `modem_delta_fota_validate_get`: the modem library's DFU result. */
export function modemValidate(result: NrfCloudModemDfuResult): NrfCloudFotaValidate {
  if (result === 'ok') return 'NRF_CLOUD_FOTA_VALIDATE_PASS';
  if (result === undefined) return 'NRF_CLOUD_FOTA_VALIDATE_UNKNOWN';
  return 'NRF_CLOUD_FOTA_VALIDATE_FAIL';
}

/**
 * `nrf_cloud_pending_fota_job_process`: settles a PENDING job after a reboot. Returns the job with
 * its new validate status and whether one more reboot is needed (a modem delta; a failed app
 * confirm; a bootloader's first boot), or undefined when nothing was pending (-ENODEV).
 */
export async function pendingJobProcess(
  job: SavedFotaJob,
  ctx: FotaValidationContext,
): Promise<{ job: SavedFotaJob; reboot: boolean } | undefined> {
  if (job.validate !== 'NRF_CLOUD_FOTA_VALIDATE_PENDING' || job.type === undefined) return undefined;
  switch (job.type) {
    case 'NRF_CLOUD_FOTA_MODEM_DELTA':
      return { job: { ...job, validate: modemValidate(ctx.modemDfuResult) }, reboot: true };
    case 'NRF_CLOUD_FOTA_APPLICATION': {
      const validate = await appValidate(ctx.image);
      return { job: { ...job, validate }, reboot: validate === 'NRF_CLOUD_FOTA_VALIDATE_FAIL' };
    }
    case 'NRF_CLOUD_FOTA_BOOTLOADER':
      // The first boot after the download still runs the old bootloader: one more reboot.
      if ((job.blFlags & BL_STATUS_REBOOTED) === 0) {
        return { job: { ...job, blFlags: job.blFlags | BL_STATUS_REBOOTED }, reboot: true };
      }
      // No B1 slot flags to compare in the simulation: complete but not validated.
      return { job: { ...job, validate: 'NRF_CLOUD_FOTA_VALIDATE_UNKNOWN' }, reboot: false };
    case 'NRF_CLOUD_FOTA_MODEM_FULL':
      return { job: { ...job, validate: 'NRF_CLOUD_FOTA_VALIDATE_FAIL' }, reboot: false };
  }
}
