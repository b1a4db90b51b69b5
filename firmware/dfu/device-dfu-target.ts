import { ErrorCode, isSimError } from '../../core/errors.js';
import type { DfuTarget, DfuTargetEvt, DfuTargetImageType } from '../../cloud-libs/dfu-target/index.js';
import { Errno } from '../../modem/sockets/index.js';
import type { DeviceFlash } from '../boot/device-flash.js';
import type { SecondaryWriter } from '../boot/image-control.js';
import { dfuImageType } from '../image/image-type.js';

/** `dfu_target_img_type` needs this many bytes to decide. */
const MIN_SIZE_IDENTIFY_BUF = 32;

/**
 * dfu_target over a device's flash: MCUboot images stream into the secondary slot
 * (`dfu_target_mcuboot`, stream_flash erasing sector by sector), modem deltas into the modem's
 * scratch area (`dfu_target_modem_delta`). One per power cycle, as the C library's state is RAM:
 * an interrupted MCUboot download continues within the boot, a modem delta's offset lives in the
 * modem and survives resets.
 */
export class DeviceDfuTarget implements DfuTarget {
  private current: DfuTargetImageType | undefined;
  private writer: SecondaryWriter | undefined;
  private completed: DfuTargetImageType | undefined;

  constructor(private readonly flash: DeviceFlash) {}

  imgType(firstBytes: Uint8Array): DfuTargetImageType | undefined {
    if (firstBytes.length < MIN_SIZE_IDENTIFY_BUF) return undefined;
    const type = dfuImageType(firstBytes);
    if (type === 'mcuboot') return 'DFU_TARGET_IMAGE_TYPE_MCUBOOT';
    if (type === 'modem-delta') return 'DFU_TARGET_IMAGE_TYPE_MODEM_DELTA';
    return undefined;
  }

  async init(type: DfuTargetImageType, fileSize: number, _cb: (evt: DfuTargetEvt) => void): Promise<number> {
    // Re-initialising the target that was aborted keeps its progress (the modem delta re-opens).
    if (type === this.current && type !== 'DFU_TARGET_IMAGE_TYPE_MODEM_DELTA') return 0;
    if (type === 'DFU_TARGET_IMAGE_TYPE_MCUBOOT') {
      if (fileSize > this.flash.layout.slotSize) return -Errno.EFBIG;
      this.writer = this.flash.imageControl().secondaryWriter();
    } else {
      this.writer = undefined;
    }
    this.current = type;
    return 0;
  }

  offsetGet(): number {
    if (this.current === undefined) return -Errno.EACCES;
    if (this.current === 'DFU_TARGET_IMAGE_TYPE_MCUBOOT') return (this.writer as SecondaryWriter).offset;
    return this.flash.modemDfu.offset;
  }

  async write(data: Uint8Array): Promise<number> {
    if (this.current === undefined) return -Errno.EACCES;
    return this.guard(async () => {
      if (this.current === 'DFU_TARGET_IMAGE_TYPE_MCUBOOT')
        await (this.writer as SecondaryWriter).write(data);
      else await this.flash.modemDfu.write(data);
    });
  }

  async done(successful: boolean): Promise<number> {
    if (this.current === undefined) return -Errno.EACCES;
    if (!successful) return 0;
    const type = this.current;
    const rc = await this.guard(async () => {
      if (type === 'DFU_TARGET_IMAGE_TYPE_MCUBOOT') {
        await (this.writer as SecondaryWriter).done();
        await this.flash.imageControl().requestUpgrade('test');
      } else {
        await this.flash.modemDfu.schedule();
      }
    });
    if (rc !== 0) return rc;
    this.completed = type;
    this.current = undefined;
    this.writer = undefined;
    return 0;
  }

  async reset(): Promise<number> {
    const type = this.current;
    this.current = undefined;
    this.writer = undefined;
    if (type === 'DFU_TARGET_IMAGE_TYPE_MODEM_DELTA') {
      return this.guard(() => this.flash.modemDfu.erase());
    }
    return 0;
  }

  async scheduleUpdate(): Promise<number> {
    const type = this.completed;
    if (type === undefined) return -Errno.EACCES;
    return this.guard(async () => {
      if (type === 'DFU_TARGET_IMAGE_TYPE_MCUBOOT') await this.flash.imageControl().requestUpgrade('test');
      else await this.flash.modemDfu.schedule();
    });
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
