import type { Clock } from '../../core/clock.js';
import { trace } from '../../core/trace.js';
import { Errno, type DeviceSockets } from '../../modem/sockets/index.js';
import type { DfuTarget, DfuTargetImageType } from '../dfu-target/index.js';
import { FotaDownload, type FotaDownloadEvt, type FotaDownloadKconfig } from '../fota-download/index.js';
import {
  FOTA_JOB_REQUEST_LATEST,
  fotaJobDecode,
  fotaJobUpdateEncode,
  isFotaStatusTerminal,
} from './fota-codec.js';
import {
  loadSavedJob,
  modemValidate,
  NO_SAVED_JOB,
  pendingJobProcess,
  saveJob,
  type FotaValidationContext,
  type SavedFotaJob,
} from './fota-settings.js';
import { jobOf, progressToReport, validatedJobReport, type CurrentJob } from './fota-job.js';
import { NCT_MSG_ID } from './message-ids.js';
import type { NrfCloudFotaError, NrfCloudFotaType, NrfCloudFotaValidate, NrfCloudSettings } from './types.js';

/** `enum nrf_cloud_fota_evt_id` with its data. */
export type NrfCloudFotaEvt =
  | { id: 'NRF_CLOUD_FOTA_EVT_START'; type: NrfCloudFotaType }
  | { id: 'NRF_CLOUD_FOTA_EVT_DONE'; type: NrfCloudFotaType }
  | { id: 'NRF_CLOUD_FOTA_EVT_ERROR'; type: NrfCloudFotaType; error: NrfCloudFotaError }
  | { id: 'NRF_CLOUD_FOTA_EVT_ERASE_PENDING' }
  | { id: 'NRF_CLOUD_FOTA_EVT_ERASE_DONE' }
  | { id: 'NRF_CLOUD_FOTA_EVT_DL_PROGRESS'; progress: number }
  | { id: 'NRF_CLOUD_FOTA_EVT_JOB_RCVD'; type: NrfCloudFotaType };

/** How FOTA reaches the broker: the transport's connection, with the library's message ids. */
export interface NrfCloudFotaLink {
  publish(topic: string, payload: string, msgId: number, onAck: (err?: Error) => void): void;
  subscribe(topics: readonly string[], msgId: number, onAck: (err?: Error) => void): void;
}

/** nrf_cloud FOTA's Kconfig and what it needs from the device. */
export interface NrfCloudFotaOptions extends FotaValidationContext {
  sockets: DeviceSockets;
  clock: Clock;
  dfu: DfuTarget;
  settings: NrfCloudSettings;
  /** The sec tag of the HTTPS download (`nrf_cloud_sec_tag_get()`); -1 downloads over HTTP. */
  secTag: number;
  /** CONFIG_NRF_CLOUD_FOTA_DOWNLOAD_FRAGMENT_SIZE (1700 in NCS; 1024 here, under the 2 KB TLS buffer). */
  fragmentSize?: number;
  /** CONFIG_NRF_CLOUD_FOTA_PROGRESS_PCT_INCREMENT (10). */
  progressPctIncrement?: number;
  /** CONFIG_NRF_CLOUD_FOTA_AUTO_START_JOB (true). */
  autoStartJob?: boolean;
  fotaDownload?: Partial<FotaDownloadKconfig>;
  /** `sys_reboot`: when validation needs one more boot. */
  reboot?: () => void;
  owner: string;
}

const IMAGE_TYPE: Partial<Record<NrfCloudFotaType, DfuTargetImageType>> = {
  NRF_CLOUD_FOTA_APPLICATION: 'DFU_TARGET_IMAGE_TYPE_MCUBOOT',
  NRF_CLOUD_FOTA_BOOTLOADER: 'DFU_TARGET_IMAGE_TYPE_MCUBOOT',
  NRF_CLOUD_FOTA_MODEM_DELTA: 'DFU_TARGET_IMAGE_TYPE_MODEM_DELTA',
};

/**
 * nrf_cloud's MQTT FOTA (`mqtt/src/nrf_cloud_fota.c`): job arrays on `<prefix><id>/jobs/rcv`, status
 * arrays to `…/jobs/update` (id 302), `[""]` to `…/jobs/req` (id 201); the download through
 * fota_download into the dfu_target; the job saved PENDING in settings across the reboot and its
 * outcome reported once the device is back.
 */
export class NrfCloudFota {
  private current: CurrentJob | undefined;
  private saved: SavedFotaJob = { ...NO_SAVED_JOB };
  private lastJob = '';
  private link: NrfCloudFotaLink | undefined;
  private topics: { rcv: string; req: string; update: string } | undefined;
  private reportAckPending = false;
  private lastDlEvt: FotaDownloadEvt['id'] | undefined;
  private readonly download: FotaDownload;

  private constructor(
    private readonly options: NrfCloudFotaOptions,
    private readonly callback: (evt: NrfCloudFotaEvt) => void,
  ) {
    this.download = new FotaDownload(
      options.sockets,
      options.clock,
      options.dfu,
      (evt) => this.onDownloadEvt(evt),
      { ...options.fotaDownload, progressEvt: true },
    );
  }

  /**
   * `nrf_cloud_fota_init`: loads the saved job and validates a PENDING one (rebooting once more when
   * that needs it). `updated` is true when a FOTA update completed since the last report.
   */
  static async init(
    options: NrfCloudFotaOptions,
    callback: (evt: NrfCloudFotaEvt) => void,
  ): Promise<{ fota: NrfCloudFota; updated: boolean }> {
    const fota = new NrfCloudFota(options, callback);
    fota.saved = await loadSavedJob(options.settings);
    const processed = await pendingJobProcess(fota.saved, options);
    if (processed) {
      fota.saved = await saveJob(options.settings, processed.job);
      if (processed.reboot) options.reboot?.();
      return { fota, updated: true };
    }
    const v = fota.saved.validate;
    const updated =
      v === 'NRF_CLOUD_FOTA_VALIDATE_PASS' ||
      v === 'NRF_CLOUD_FOTA_VALIDATE_FAIL' ||
      v === 'NRF_CLOUD_FOTA_VALIDATE_UNKNOWN';
    return { fota, updated };
  }

  /** The saved job (what settings hold). */
  get savedJob(): Readonly<SavedFotaJob> {
    return this.saved;
  }

  /** `nrf_cloud_fota_is_active`. */
  isActive(): boolean {
    return this.current !== undefined && this.current.status !== 'NRF_CLOUD_FOTA_QUEUED';
  }

  /** The FOTA topics once the endpoint is known. */
  get jobTopics(): { rcv: string; req: string; update: string } | undefined {
    return this.topics;
  }

  /** `nrf_cloud_fota_endpoint_set_and_report`: topics from the prefix; a pending status is sent. */
  endpointSetAndReport(link: NrfCloudFotaLink, clientId: string, prefix: string): void {
    this.link = link;
    const base = `${prefix}${clientId}`;
    this.topics = { rcv: `${base}/jobs/rcv`, req: `${base}/jobs/req`, update: `${base}/jobs/update` };
    if (
      this.current?.status === 'NRF_CLOUD_FOTA_IN_PROGRESS' &&
      this.saved.validate === 'NRF_CLOUD_FOTA_VALIDATE_PENDING'
    ) {
      // A disconnect during the update: the cloud hears its status again.
      this.publishJobStatus(this.current);
    } else {
      this.publishValidatedJobStatus();
    }
  }

  /** `nrf_cloud_fota_endpoint_clear` (on disconnect). */
  endpointClear(): void {
    this.link = undefined;
    this.topics = undefined;
  }

  /** `nrf_cloud_fota_subscribe` (id 103); its SUBACK re-sends an unacknowledged status or asks for a job. */
  subscribe(): number {
    const { link, topics } = this;
    if (!link || !topics) return -Errno.EFAULT;
    link.subscribe([topics.rcv], NCT_MSG_ID.FOTA_SUB, (err) => {
      if (!err) this.onSuback();
    });
    return 0;
  }

  /** `nrf_cloud_fota_update_check`: `[""]` to `jobs/req` (id 201). */
  updateCheck(): number {
    const { link, topics } = this;
    if (!link) return -Errno.ENXIO;
    if (!topics) return -Errno.EHOSTUNREACH;
    link.publish(topics.req, FOTA_JOB_REQUEST_LATEST, NCT_MSG_ID.FOTA_REQUEST, () => undefined);
    return 0;
  }

  /** True when `topic` is FOTA's (the message was handled here). */
  onPublish(topic: string, payload: Buffer): boolean {
    if (!this.topics || topic !== this.topics.rcv) return false;
    if (this.current) return true; // a job is already available or in progress
    const decoded = fotaJobDecode(payload.toString('utf8'));
    if (!decoded) return true;
    if ('reject' in decoded) {
      const job = jobOf(
        decoded.reject,
        decoded.type ?? 'NRF_CLOUD_FOTA_APPLICATION',
        'NRF_CLOUD_FOTA_REJECTED',
        'NRF_CLOUD_FOTA_ERROR_BAD_JOB_INFO',
      );
      this.publishJobStatus(job);
      return true;
    }
    if (decoded.job.id === this.lastJob) return true; // already completed
    this.current = { ...jobOf(decoded.job.id, decoded.job.type, 'NRF_CLOUD_FOTA_QUEUED'), info: decoded.job };
    if (this.options.autoStartJob ?? true) this.startJob(this.current, true);
    else this.callback({ id: 'NRF_CLOUD_FOTA_EVT_JOB_RCVD', type: decoded.job.type });
    return true;
  }

  /** `nrf_cloud_fota_job_start` (CONFIG_NRF_CLOUD_FOTA_AUTO_START_JOB=n). */
  jobStart(): number {
    if (this.options.autoStartJob ?? true) return -Errno.ENOTSUP;
    if (!this.current) return -Errno.ENOENT;
    if (this.current.status !== 'NRF_CLOUD_FOTA_QUEUED') return -Errno.EINPROGRESS;
    return this.startJob(this.current, false);
  }

  /**
   * `nrf_cloud_modem_fota_completed`: after a modem delta applied by re-initialising the modem
   * (no reboot), reports the outcome. -EOPNOTSUPP unless a modem job is pending.
   */
  async modemFotaCompleted(success: boolean): Promise<number> {
    if (
      this.saved.type !== 'NRF_CLOUD_FOTA_MODEM_DELTA' ||
      this.saved.validate !== 'NRF_CLOUD_FOTA_VALIDATE_PENDING'
    ) {
      return -Errno.EOPNOTSUPP;
    }
    this.current = undefined;
    await this.saveValidate(this.saved.id, this.saved.type, modemValidate(success ? 'ok' : 'internal-error'));
    return this.publishValidatedJobStatus();
  }

  private startJob(job: CurrentJob, sendEvt: boolean): number {
    const imgType = IMAGE_TYPE[job.info.type];
    if (!imgType) {
      job.status = 'NRF_CLOUD_FOTA_REJECTED';
      job.error = 'NRF_CLOUD_FOTA_ERROR_BAD_TYPE';
      this.publishJobStatus(job);
      return -Errno.EFTYPE;
    }
    const err = this.download.startWithImageType(
      job.info.host,
      job.info.path,
      this.options.secTag,
      0,
      this.options.fragmentSize ?? 1024,
      imgType,
    );
    if (err !== 0) {
      job.status = 'NRF_CLOUD_FOTA_FAILED';
      job.error = 'NRF_CLOUD_FOTA_ERROR_DOWNLOAD_START';
      if (sendEvt) this.callback({ id: 'NRF_CLOUD_FOTA_EVT_ERROR', type: job.info.type, error: job.error });
    } else {
      job.dlProgress = 0;
      job.sentDlProgress = 0;
      job.status = 'NRF_CLOUD_FOTA_DOWNLOADING';
      if (sendEvt) this.callback({ id: 'NRF_CLOUD_FOTA_EVT_START', type: job.info.type });
    }
    this.publishJobStatus(job);
    return err === 0 ? 0 : -Errno.EPIPE;
  }

  private onDownloadEvt(evt: FotaDownloadEvt): void {
    const job = this.current;
    if (!job) return;
    switch (evt.id) {
      case 'FOTA_DOWNLOAD_EVT_FINISHED':
        if (job.status === 'NRF_CLOUD_FOTA_DOWNLOADING' && job.sentDlProgress !== 100) {
          job.dlProgress = 100;
          job.sentDlProgress = 100;
          this.callback({ id: 'NRF_CLOUD_FOTA_EVT_DL_PROGRESS', progress: 100 });
          this.publishJobStatus(job);
        }
        job.status = 'NRF_CLOUD_FOTA_IN_PROGRESS';
        void this.saveValidate(job.info.id, job.info.type, 'NRF_CLOUD_FOTA_VALIDATE_PENDING').then(() =>
          this.publishJobStatus(job),
        );
        break;
      case 'FOTA_DOWNLOAD_EVT_ERASE_PENDING':
        this.callback({ id: 'NRF_CLOUD_FOTA_EVT_ERASE_PENDING' });
        break;
      case 'FOTA_DOWNLOAD_EVT_ERASE_DONE':
        this.callback({ id: 'NRF_CLOUD_FOTA_EVT_ERASE_DONE' });
        break;
      case 'FOTA_DOWNLOAD_EVT_ERROR':
        job.status = 'NRF_CLOUD_FOTA_FAILED';
        if (
          this.lastDlEvt === 'FOTA_DOWNLOAD_EVT_ERASE_DONE' ||
          evt.cause === 'FOTA_DOWNLOAD_ERROR_CAUSE_INVALID_UPDATE'
        ) {
          job.status = 'NRF_CLOUD_FOTA_REJECTED';
        } else if (evt.cause === 'FOTA_DOWNLOAD_ERROR_CAUSE_TYPE_MISMATCH') {
          job.error = 'NRF_CLOUD_FOTA_ERROR_MISMATCH';
        } else {
          job.error = 'NRF_CLOUD_FOTA_ERROR_DOWNLOAD';
        }
        // Saved as ERROR in case the cloud misses the update: it is sent again later.
        void this.saveValidate(job.info.id, job.info.type, 'NRF_CLOUD_FOTA_VALIDATE_ERROR');
        this.publishJobStatus(job);
        this.callback({ id: 'NRF_CLOUD_FOTA_EVT_ERROR', type: job.info.type, error: job.error });
        break;
      case 'FOTA_DOWNLOAD_EVT_PROGRESS':
        if (progressToReport(job, evt.progress, this.options.progressPctIncrement ?? 10)) {
          this.callback({ id: 'NRF_CLOUD_FOTA_EVT_DL_PROGRESS', progress: job.dlProgress });
          this.publishJobStatus(job);
        }
        break;
      default:
        break;
    }
    this.lastDlEvt = evt.id;
  }

  private onSuback(): void {
    let ret = -1;
    if (this.reportAckPending) {
      if (this.current) ret = this.publishJobStatus(this.current);
      else {
        ret = this.publishValidatedJobStatus();
        if (ret === 1) this.reportAckPending = false;
      }
    }
    if (ret !== 0) this.updateCheck();
  }

  /** `publish_validated_job_status`: 1 when there is no saved job. */
  private publishValidatedJobStatus(): number {
    const saved = this.saved;
    const report = validatedJobReport(saved, this.current);
    if (report === 'none') return 1;
    if (report === 'pending') return -Errno.EOPNOTSUPP;
    if (report === 'clear') {
      void this.saveValidate(saved.id, saved.type, 'NRF_CLOUD_FOTA_VALIDATE_DONE');
      return 0;
    }
    const ret = this.publishJobStatus(report);
    if (ret === 0) this.lastJob = saved.id;
    return ret;
  }

  /** `publish_job_status` (id 302); its PUBACK settles the job. */
  private publishJobStatus(job: CurrentJob): number {
    const { link, topics } = this;
    if (!link) return -Errno.ENXIO;
    if (!topics) return -Errno.EHOSTUNREACH;
    const detail =
      job.status === 'NRF_CLOUD_FOTA_DOWNLOADING' ? { progress: job.dlProgress } : { error: job.error };
    const payload = fotaJobUpdateEncode(job.info.id, job.status, detail);
    trace('fota:job', {
      device: this.options.owner,
      jobId: job.info.id,
      status: job.status,
      statusDetails: payload,
    });
    this.reportAckPending = true;
    link.publish(topics.update, payload, NCT_MSG_ID.FOTA_REPORT, (err) => {
      if (!err) this.onReportAck();
    });
    return 0;
  }

  private onReportAck(): void {
    this.reportAckPending = false;
    const current = this.current;
    if (current && isFotaStatusTerminal(current.status)) {
      this.lastJob = current.info.id;
      this.current = undefined;
    }
    switch (this.saved.validate) {
      case 'NRF_CLOUD_FOTA_VALIDATE_ERROR':
      case 'NRF_CLOUD_FOTA_VALIDATE_PASS':
      case 'NRF_CLOUD_FOTA_VALIDATE_UNKNOWN':
      case 'NRF_CLOUD_FOTA_VALIDATE_FAIL':
        void this.saveValidate(this.saved.id, this.saved.type, 'NRF_CLOUD_FOTA_VALIDATE_DONE');
        break;
      case 'NRF_CLOUD_FOTA_VALIDATE_PENDING':
        if (current?.status === 'NRF_CLOUD_FOTA_IN_PROGRESS') {
          // The image is in place and the cloud knows: reboot (or re-initialise the modem).
          this.callback({ id: 'NRF_CLOUD_FOTA_EVT_DONE', type: current.info.type });
        }
        break;
      default:
        break;
    }
  }

  private async saveValidate(
    id: string,
    type: NrfCloudFotaType | undefined,
    validate: NrfCloudFotaValidate,
  ): Promise<void> {
    this.saved = await saveJob(this.options.settings, { ...this.saved, id, type, validate });
  }
}
