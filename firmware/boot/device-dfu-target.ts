import { ErrorCode, isSimError } from '../../core/errors.js';
import type { DfuTarget, DfuTargetEvt, DfuTargetImageType } from '../../cloud-libs/dfu-target/index.js';
import { Errno } from '../../modem/sockets/index.js';
import type { DeviceFlash } from './device-flash.js';
import type { SecondaryWriter } from './image-control.js';
import { scrambleTrailer } from './trailer.js';
import { dfuImageType } from '../image/image-type.js';

/** `dfu_target_img_type` needs this many bytes to decide. */
const MIN_SIZE_IDENTIFY_BUF = 32;
/** Where `dfu_target_stream` keeps its saved offset (the settings entry of the MCUboot stream). */
const PROGRESS = 'dfu_target_stream_mcuboot.json';

export interface DeviceDfuTargetOptions {
  /**
   * CONFIG_DFU_TARGET_STREAM_SAVE_PROGRESS: the MCUboot stream saves its offset in flash after
   * every sector, so an interrupted download continues after a reset too.
   */
  saveProgress?: boolean;
}

/**
 * dfu_target over a device's flash: MCUboot images stream into the secondary slot
 * (`dfu_target_mcuboot`, stream_flash erasing sector by sector), modem deltas into the modem's
 * scratch area (`dfu_target_modem_delta`). One per power cycle, as the C library's state is RAM:
 * an interrupted MCUboot download continues within the boot (and after a reset with
 * `saveProgress`), a modem delta's offset lives in the modem and survives resets.
 *
 * Calls that touch flash run one after the other: a `reset()` made while a write is still under way
 * (a download cancelled mid-fragment) erases after that write, never under it.
 */
export class DeviceDfuTarget implements DfuTarget {
  private current: DfuTargetImageType | undefined;
  private writer: SecondaryWriter | undefined;
  private completed: DfuTargetImageType | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly flash: DeviceFlash,
    private readonly options: DeviceDfuTargetOptions = {},
  ) {}

  imgType(firstBytes: Uint8Array): DfuTargetImageType | undefined {
    if (firstBytes.length < MIN_SIZE_IDENTIFY_BUF) return undefined;
    const type = dfuImageType(firstBytes);
    if (type === 'mcuboot') return 'DFU_TARGET_IMAGE_TYPE_MCUBOOT';
    if (type === 'modem-delta') return 'DFU_TARGET_IMAGE_TYPE_MODEM_DELTA';
    return undefined;
  }

  init(type: DfuTargetImageType, fileSize: number, _cb: (evt: DfuTargetEvt) => void): Promise<number> {
    // Re-initialising the target that was aborted keeps its progress (the modem delta re-opens).
    if (type === this.current && type !== 'DFU_TARGET_IMAGE_TYPE_MODEM_DELTA') return Promise.resolve(0);
    if (type === 'DFU_TARGET_IMAGE_TYPE_MCUBOOT' && fileSize > this.flash.layout.slotSize) {
      return Promise.resolve(-Errno.EFBIG);
    }
    return this.serial(async () => {
      if (type === 'DFU_TARGET_IMAGE_TYPE_MCUBOOT') {
        const save = this.options.saveProgress === true;
        const start = save ? await this.loadProgress() : 0;
        this.writer = this.flash
          .imageControl()
          .secondaryWriter(start, save ? (written) => this.saveProgress(written) : undefined);
      } else {
        this.writer = undefined;
      }
      this.current = type;
      return 0;
    });
  }

  offsetGet(): number {
    if (this.current === undefined) return -Errno.EACCES;
    if (this.current === 'DFU_TARGET_IMAGE_TYPE_MCUBOOT') return (this.writer as SecondaryWriter).offset;
    return this.flash.modemDfu.offset;
  }

  write(data: Uint8Array): Promise<number> {
    const type = this.current;
    const writer = this.writer;
    if (type === undefined) return Promise.resolve(-Errno.EACCES);
    return this.serial(async () => {
      // A reset that came first dropped this target: nothing more goes to flash.
      if (this.current !== type || this.writer !== writer) return -Errno.EACCES;
      return this.guard(async () => {
        if (writer) await writer.write(data);
        else await this.flash.modemDfu.write(data);
      });
    });
  }

  done(successful: boolean): Promise<number> {
    const type = this.current;
    const writer = this.writer;
    if (type === undefined) return Promise.resolve(-Errno.EACCES);
    if (!successful) return Promise.resolve(0);
    return this.serial(async () => {
      if (this.current !== type || this.writer !== writer) return -Errno.EACCES;
      const rc = await this.guard(async () => {
        if (writer) {
          await writer.done();
          await this.flash.imageControl().requestUpgrade('test');
        } else {
          await this.flash.modemDfu.schedule();
        }
      });
      if (rc !== 0) return rc;
      if (type === 'DFU_TARGET_IMAGE_TYPE_MCUBOOT') await this.clearProgress();
      this.completed = type;
      this.current = undefined;
      this.writer = undefined;
      return 0;
    });
  }

  /**
   * Drops the target (the one being written, or the one completed and scheduled) and what it
   * received, so nothing of it is installed at the next boot. MCUboot: the slot's first sector is
   * erased, as `dfu_target_stream_reset` does, and so is the sector holding the slot's trailer,
   * which takes back a pending upgrade request. Modem delta: the scratch area is erased and the
   * update unscheduled. Without a target it only forgets a saved offset.
   */
  reset(): Promise<number> {
    const type = this.current ?? this.completed;
    this.current = undefined;
    this.writer = undefined;
    this.completed = undefined;
    return this.serial(async () => {
      if (type === 'DFU_TARGET_IMAGE_TYPE_MODEM_DELTA') return this.guard(() => this.flash.modemDfu.erase());
      await this.clearProgress();
      if (type === undefined) return 0;
      const { secondary, layout } = this.flash;
      return this.guard(async () => {
        await secondary.erase(0, layout.sectorSize);
        await scrambleTrailer(secondary, layout);
      });
    });
  }

  scheduleUpdate(): Promise<number> {
    const type = this.completed;
    if (type === undefined) return Promise.resolve(-Errno.EACCES);
    return this.serial(() =>
      this.completed !== type
        ? Promise.resolve(-Errno.EACCES)
        : this.guard(async () => {
            if (type === 'DFU_TARGET_IMAGE_TYPE_MCUBOOT')
              await this.flash.imageControl().requestUpgrade('test');
            else await this.flash.modemDfu.schedule();
          }),
    );
  }

  private async loadProgress(): Promise<number> {
    const raw = await this.flash.storage.load(PROGRESS);
    if (!raw) return 0;
    try {
      const { offset } = JSON.parse(raw.toString('utf8')) as { offset?: unknown };
      const max = this.flash.layout.slotSize - this.flash.layout.sectorSize;
      return typeof offset === 'number' && Number.isInteger(offset) && offset >= 0 && offset <= max
        ? offset
        : 0;
    } catch {
      return 0; // an unreadable entry: start over, as stream_flash does with a bad setting
    }
  }

  private saveProgress(offset: number): Promise<void> {
    return this.flash.storage.store(PROGRESS, Buffer.from(`${JSON.stringify({ offset })}\n`));
  }

  private async clearProgress(): Promise<void> {
    if (this.options.saveProgress && (await this.flash.storage.load(PROGRESS))) {
      await this.flash.storage.store(PROGRESS, Buffer.from('{}\n'));
    }
  }

  /** Runs `op` after every flash operation asked for before it. */
  private serial(op: () => Promise<number>): Promise<number> {
    const run = this.queue.then(op, op);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Flash failures (too large for the slot, a corrupt trailer, a power cut) as negative errno. */
  private async guard(op: () => Promise<void>): Promise<number> {
    try {
      await op();
      return 0;
    } catch (err) {
      if (!isSimError(err)) throw err;
      if (err.code === ErrorCode.IMAGE_TOO_LARGE) return -Errno.EFBIG;
      return -Errno.EIO;
    }
  }
}
