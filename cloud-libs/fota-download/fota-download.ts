import net from 'node:net';
import type { Clock, TimerHandle } from '../../core/clock.js';
import { Errno, type DeviceSockets } from '../../modem/sockets/index.js';
import {
  DFU_TARGET_IMAGE_TYPE_ANY,
  type DfuTarget,
  type DfuTargetEvt,
  type DfuTargetImageType,
} from '../dfu-target/index.js';
import {
  DownloadClient,
  type DownloadClientCfg,
  type DownloadClientEvt,
  type DownloadClientKconfig,
} from '../download-client/index.js';
import { traceFotaDownloadEvt } from './fota-trace.js';

/** `enum fota_download_error_cause`. */
export type FotaDownloadErrorCause =
  | 'FOTA_DOWNLOAD_ERROR_CAUSE_DOWNLOAD_FAILED'
  | 'FOTA_DOWNLOAD_ERROR_CAUSE_INVALID_UPDATE'
  | 'FOTA_DOWNLOAD_ERROR_CAUSE_TYPE_MISMATCH'
  | 'FOTA_DOWNLOAD_ERROR_CAUSE_INTERNAL';

/** `struct fota_download_evt`. */
export type FotaDownloadEvt =
  | { id: 'FOTA_DOWNLOAD_EVT_ERROR'; cause: FotaDownloadErrorCause }
  | { id: 'FOTA_DOWNLOAD_EVT_ERASE_PENDING' }
  | { id: 'FOTA_DOWNLOAD_EVT_ERASE_DONE' }
  | { id: 'FOTA_DOWNLOAD_EVT_FINISHED' }
  /** Percent of the file in the target (only with `progressEvt`). */
  | { id: 'FOTA_DOWNLOAD_EVT_PROGRESS'; progress: number }
  | { id: 'FOTA_DOWNLOAD_EVT_CANCELLED' };

export type FotaDownloadCallback = (evt: FotaDownloadEvt) => void;

/** fota_download's Kconfig options. */
export interface FotaDownloadKconfig {
  /** CONFIG_FOTA_SOCKET_RETRIES: reconnects after ENOTCONN, ECONNRESET or ETIMEDOUT. */
  socketRetries: number;
  /** CONFIG_FOTA_DOWNLOAD_PROGRESS_EVT. */
  progressEvt: boolean;
  /** CONFIG_FOTA_CLIENT_AUTOSCHEDULE_UPDATE: schedule the update once the image is complete. */
  autoscheduleUpdate: boolean;
  /** The download_client underneath. */
  downloadClient: Partial<DownloadClientKconfig>;
}

export const FOTA_DOWNLOAD_KCONFIG_DEFAULTS: Readonly<FotaDownloadKconfig> = {
  socketRetries: 2,
  progressEvt: false,
  autoscheduleUpdate: true,
  downloadClient: {},
};

/** A download that found progress in the target restarts from there after this delay. */
const RESUME_DELAY_MS = 1000;

/**
 * fota_download (NCS, `subsys/net/lib/fota_download`): downloads a firmware image with download_client
 * and streams it into a dfu_target chosen by the image's magic; resumes from what the target already
 * holds, retries socket errors, and reports the original events. Calls return 0 or a negative errno.
 */
export class FotaDownload {
  private readonly kconfig: FotaDownloadKconfig;
  private readonly dlc: DownloadClient;
  private firstFragment = true;
  private downloading = false;
  private socketRetriesLeft = 0;
  private fileSize = 0;
  private imgType: DfuTargetImageType | undefined;
  private expected: readonly DfuTargetImageType[] = DFU_TARGET_IMAGE_TYPE_ANY;
  private host = '';
  private file = '';
  private config: DownloadClientCfg = {};
  private resumeTimer: TimerHandle | undefined;
  /**
   * Counts starts and cancels. The C callback runs to its end on the download thread; here it
   * awaits flash, so a handler checks after each await that no cancel came in between: the events
   * of a cancelled download are not reported and nothing more of it is written.
   */
  private session = 0;

  constructor(
    sockets: DeviceSockets,
    private readonly clock: Clock,
    private readonly dfu: DfuTarget,
    private readonly callback: FotaDownloadCallback,
    kconfig: Partial<FotaDownloadKconfig> = {},
  ) {
    this.kconfig = { ...FOTA_DOWNLOAD_KCONFIG_DEFAULTS, ...kconfig };
    this.dlc = new DownloadClient(sockets, (evt) => this.onDownloadEvt(evt), this.kconfig.downloadClient);
  }

  /** The download client underneath (its state and progress). */
  get downloadClient(): DownloadClient {
    return this.dlc;
  }

  /** True from a start until FINISHED, an error or a cancel. */
  get busy(): boolean {
    return this.downloading;
  }

  /**
   * fota_download_start: `host` with scheme (`https://…` needs a sec tag), `file` without a leading
   * slash, `secTag` -1 for none, `fragmentSize` 0 for download_client's default.
   */
  start(host: string, file: string, secTag = -1, pdnId = 0, fragmentSize = 0): number {
    return this.startWithImageType(host, file, secTag, pdnId, fragmentSize, DFU_TARGET_IMAGE_TYPE_ANY);
  }

  /** fota_download_start_with_image_type: the image must be one of `expected`. */
  startWithImageType(
    host: string,
    file: string,
    secTag: number,
    pdnId: number,
    fragmentSize: number,
    expected: DfuTargetImageType | readonly DfuTargetImageType[],
  ): number {
    if (!host || !file) return -Errno.EINVAL;
    if (this.downloading) return -Errno.EALREADY;
    const config: DownloadClientCfg = {
      ...(secTag !== -1 ? { secTagList: [secTag] } : {}),
      ...(pdnId ? { pdnId } : {}),
      ...(fragmentSize ? { fragSizeOverride: fragmentSize } : {}),
      // A host name (not an address) is checked against the server certificate.
      ...(secTag !== -1 && net.isIP(host) === 0 ? { setTlsHostname: true } : {}),
    };
    this.socketRetriesLeft = this.kconfig.socketRetries;
    let err = this.dlc.connect(host, config);
    if (err !== 0) return err;
    this.expected = typeof expected === 'string' ? [expected] : expected;
    err = this.dlc.start(file, 0);
    if (err !== 0) {
      this.dlc.disconnect();
      return err;
    }
    this.host = host;
    this.file = file;
    this.config = config;
    this.session++;
    this.downloading = true;
    return 0;
  }

  /**
   * fota_download_cancel: -EAGAIN when nothing is downloading; CANCELLED follows. The download
   * stops at once: a fragment being written is the last one, and no FINISHED or ERROR follows.
   */
  cancel(): number {
    if (!this.downloading) return -Errno.EAGAIN;
    this.resumeTimer?.cancel();
    this.resumeTimer = undefined;
    const err = this.dlc.disconnect();
    if (err !== 0 && this.dlc.state !== 'IDLE') return err;
    this.session++;
    this.downloading = false;
    // The C library's dfu_target_done is synchronous: the next start identifies its image afresh.
    this.firstFragment = true;
    void this.dfu.done(false).then((rc) => {
      if (rc === 0 || rc === -Errno.EACCES) this.send({ id: 'FOTA_DOWNLOAD_EVT_CANCELLED' });
    });
    return 0;
  }

  /** fota_download_target: the type of the image being (or last) downloaded. */
  target(): DfuTargetImageType | undefined {
    return this.imgType;
  }

  private send(evt: FotaDownloadEvt): void {
    traceFotaDownloadEvt(evt, this.dlc, this.host, this.file);
    this.callback(evt);
  }

  private sendError(cause: FotaDownloadErrorCause): void {
    this.firstFragment = true;
    this.downloading = false;
    this.send({ id: 'FOTA_DOWNLOAD_EVT_ERROR', cause });
  }

  private onDfuEvt(evt: DfuTargetEvt): void {
    this.send({
      id:
        evt === 'DFU_TARGET_EVT_TIMEOUT' ? 'FOTA_DOWNLOAD_EVT_ERASE_PENDING' : 'FOTA_DOWNLOAD_EVT_ERASE_DONE',
    });
  }

  private async onDownloadEvt(evt: DownloadClientEvt): Promise<number> {
    // What the client still delivers of a cancelled download stops it.
    if (!this.downloading && evt.id !== 'DOWNLOAD_CLIENT_EVT_CLOSED') return -1;
    const session = this.session;
    switch (evt.id) {
      case 'DOWNLOAD_CLIENT_EVT_FRAGMENT':
        return this.onFragment(evt.fragment, session);
      case 'DOWNLOAD_CLIENT_EVT_DONE':
        return this.onDone(session);
      case 'DOWNLOAD_CLIENT_EVT_ERROR':
        return this.onError(evt.error, session);
      default:
        return 0;
    }
  }

  /** The download `session` was cancelled while its handler waited for flash. */
  private cancelled(session: number): boolean {
    return session !== this.session;
  }

  private async onFragment(fragment: Buffer, session: number): Promise<number> {
    if (this.firstFragment) {
      this.fileSize = this.dlc.fileSizeGet();
      this.firstFragment = false;
      this.imgType = this.dfu.imgType(fragment);
      let cause: FotaDownloadErrorCause | undefined;
      let err = 0;
      if (this.imgType === undefined) {
        cause = 'FOTA_DOWNLOAD_ERROR_CAUSE_INVALID_UPDATE';
        err = -Errno.EFAULT;
      } else if (!this.expected.includes(this.imgType)) {
        cause = 'FOTA_DOWNLOAD_ERROR_CAUSE_TYPE_MISMATCH';
        err = -Errno.EPROTOTYPE;
      } else {
        err = await this.dfu.init(this.imgType, this.fileSize, (e) => this.onDfuEvt(e));
        if (this.cancelled(session)) return -1;
        if (err === -Errno.EFBIG) cause = 'FOTA_DOWNLOAD_ERROR_CAUSE_INVALID_UPDATE';
        else if (err < 0) cause = 'FOTA_DOWNLOAD_ERROR_CAUSE_INTERNAL';
      }
      if (cause) {
        this.dlc.disconnect();
        this.sendError(cause);
        await this.dfu.reset();
        this.firstFragment = true;
        return err;
      }
      const offset = this.dfu.offsetGet();
      if (offset < 0) {
        this.sendError('FOTA_DOWNLOAD_ERROR_CAUSE_DOWNLOAD_FAILED');
        return -1;
      }
      if (offset !== 0) {
        // The target holds part of the image already: drop this connection and ask for the rest.
        this.dlc.disconnect();
        this.resumeTimer = this.clock.setTimeout(() => this.downloadWithOffset(), RESUME_DELAY_MS);
        return -1;
      }
    }
    const err = await this.dfu.write(fragment);
    if (this.cancelled(session)) return -1;
    if (err !== 0) {
      await this.dfu.done(false);
      this.firstFragment = true;
      this.dlc.disconnect();
      this.sendError('FOTA_DOWNLOAD_ERROR_CAUSE_INVALID_UPDATE');
      return err;
    }
    if (this.kconfig.progressEvt && !this.firstFragment) {
      const offset = this.dfu.offsetGet();
      if (offset < 0 || this.fileSize === 0) {
        this.sendError('FOTA_DOWNLOAD_ERROR_CAUSE_DOWNLOAD_FAILED');
        return offset < 0 ? offset : -1;
      }
      this.send({ id: 'FOTA_DOWNLOAD_EVT_PROGRESS', progress: Math.floor((offset * 100) / this.fileSize) });
    }
    return 0;
  }

  private async onDone(session: number): Promise<number> {
    let err = await this.dfu.done(true);
    if (err === 0 && this.kconfig.autoscheduleUpdate) err = await this.dfu.scheduleUpdate();
    // Cancelled meanwhile: whoever cancelled decides about the image (aws_fota resets the target).
    if (this.cancelled(session)) return -1;
    if (err !== 0) {
      this.sendError('FOTA_DOWNLOAD_ERROR_CAUSE_DOWNLOAD_FAILED');
      return err;
    }
    err = this.dlc.disconnect();
    if (err !== 0) {
      this.sendError('FOTA_DOWNLOAD_ERROR_CAUSE_DOWNLOAD_FAILED');
      return err;
    }
    this.send({ id: 'FOTA_DOWNLOAD_EVT_FINISHED' });
    this.firstFragment = true;
    this.downloading = false;
    return 0;
  }

  private async onError(error: number, session: number): Promise<number> {
    const retryable = error === -Errno.ENOTCONN || error === -Errno.ECONNRESET || error === -Errno.ETIMEDOUT;
    if (this.socketRetriesLeft > 0 && retryable) {
      // download_client reconnects and asks again from its progress.
      this.socketRetriesLeft--;
      return 0;
    }
    this.dlc.disconnect();
    await this.dfu.done(false);
    if (this.cancelled(session)) return error;
    this.firstFragment = true;
    this.sendError('FOTA_DOWNLOAD_ERROR_CAUSE_DOWNLOAD_FAILED');
    return error;
  }

  private downloadWithOffset(): void {
    this.resumeTimer = undefined;
    // The dropped connection may still be closing: continue once the client is idle.
    if (this.dlc.state !== 'IDLE') {
      const session = this.session;
      const onState = (to: string): void => {
        if (to !== 'IDLE') return;
        this.dlc.machine.off('state', onState);
        if (this.downloading && !this.cancelled(session)) this.downloadWithOffset();
      };
      this.dlc.machine.on('state', onState);
      return;
    }
    const offset = this.dfu.offsetGet();
    if (offset < 0) {
      this.sendError('FOTA_DOWNLOAD_ERROR_CAUSE_DOWNLOAD_FAILED');
      return;
    }
    let err = this.dlc.connect(this.host, this.config);
    if (err === 0) err = this.dlc.start(this.file, offset);
    if (err !== 0) {
      this.sendError('FOTA_DOWNLOAD_ERROR_CAUSE_DOWNLOAD_FAILED');
      return;
    }
    this.downloading = true;
  }
}
