import { ErrorCode, SimError } from '../../core/errors.js';
import type { FlashArea } from './flash.js';
import type { FlashLayout } from './layout.js';
import { decideSwapType } from './swap-table.js';
import { readSwapState, writeImageOk, writeMagic, writeSwapInfo, type SwapType } from './trailer.js';

/** `BOOT_UPGRADE_TEST` (one trial boot, revert unless confirmed) or `BOOT_UPGRADE_PERMANENT`. */
export type UpgradeMode = 'test' | 'permanent';

/**
 * The application's view of MCUboot (Zephyr `dfu/mcuboot.h`): request an upgrade of the image in the
 * secondary slot, confirm the running image, ask what the next boot will do.
 */
export class ImageControl {
  constructor(
    private readonly primary: FlashArea,
    private readonly secondary: FlashArea,
    private readonly layout: FlashLayout,
  ) {}

  /**
   * `boot_request_upgrade()` → `boot_set_pending()`: writes the boot magic (and for a permanent
   * upgrade image_ok) plus swap_info into the secondary trailer. Already pending: no change.
   */
  async requestUpgrade(mode: UpgradeMode): Promise<void> {
    const state = readSwapState(this.secondary, this.layout);
    if (state.magic === 'good') return;
    if (state.magic === 'bad') {
      throw new SimError(
        ErrorCode.INVALID_STATE,
        'the secondary trailer is corrupt (BOOT_EBADIMAGE); erase the slot first',
      );
    }
    await writeMagic(this.secondary, this.layout);
    if (mode === 'permanent') await writeImageOk(this.secondary, this.layout);
    await writeSwapInfo(this.secondary, this.layout, mode === 'permanent' ? 'perm' : 'test');
  }

  /**
   * `boot_write_img_confirmed()` → `boot_set_confirmed()`: sets image_ok in the primary trailer when
   * the magic is good and image_ok unset; an image flashed directly (no trailer) needs nothing.
   */
  async writeImgConfirmed(): Promise<void> {
    const state = readSwapState(this.primary, this.layout);
    if (state.magic === 'bad')
      throw new SimError(ErrorCode.INVALID_STATE, 'the primary trailer is corrupt (BOOT_EBADVECT)');
    if (state.magic === 'good' && state.imageOk === 'unset') await writeImageOk(this.primary, this.layout);
  }

  /** `boot_is_img_confirmed()`: image_ok is set in the primary trailer. */
  isImgConfirmed(): boolean {
    return readSwapState(this.primary, this.layout).imageOk === 'set';
  }

  /** `mcuboot_swap_type()`: what the next boot would do, from the trailers alone. */
  swapType(): SwapType {
    return decideSwapType(
      readSwapState(this.primary, this.layout),
      readSwapState(this.secondary, this.layout),
    ).swapType;
  }

  /** `boot_erase_img_bank()` on the secondary slot. */
  async eraseSecondary(): Promise<void> {
    await this.secondary.erase(0, this.layout.slotSize);
  }

  /**
   * A stream writer into the secondary slot, as `dfu_target_mcuboot` uses `stream_flash`; it may
   * continue at `start` (a saved progress) and report every offset it has written to flash.
   */
  secondaryWriter(start = 0, onFlushed?: (written: number) => Promise<void>): SecondaryWriter {
    return new SecondaryWriter(this.secondary, this.layout, start, onFlushed);
  }
}

/**
 * Sequential writes into the secondary slot in write-block units, erasing each sector before the
 * first write into it (`stream_flash` with `CONFIG_STREAM_FLASH_ERASE`). `done()` flushes the tail
 * and erases the slot's last sector so no stale trailer survives (`dfu_target_mcuboot_done`).
 */
export class SecondaryWriter {
  private pending = Buffer.alloc(0);
  private written: number;
  private erasedUpTo: number;

  constructor(
    private readonly area: FlashArea,
    private readonly layout: FlashLayout,
    start = 0,
    private readonly onFlushed?: (written: number) => Promise<void>,
  ) {
    this.written = start;
    // What lies before `start` was written by an earlier run: its sectors are not erased again.
    this.erasedUpTo = Math.ceil(start / layout.sectorSize) * layout.sectorSize;
  }

  /** Bytes accepted so far (`dfu_target_offset_get`). */
  get offset(): number {
    return this.written + this.pending.length;
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.offset + chunk.length > this.layout.slotSize - this.layout.sectorSize) {
      throw new SimError(
        ErrorCode.IMAGE_TOO_LARGE,
        `image exceeds the secondary slot (${this.layout.slotSize - this.layout.sectorSize} bytes usable)`,
      );
    }
    this.pending = Buffer.concat([this.pending, chunk]);
    const whole = this.pending.length - (this.pending.length % this.layout.sectorSize);
    if (whole > 0) await this.flush(this.pending.subarray(0, whole), whole);
  }

  /** Writes what is buffered (padded with 0xff to the write block) and clears the trailer sector. */
  async done(): Promise<void> {
    if (this.pending.length > 0) {
      const len = Math.ceil(this.pending.length / this.layout.writeSize) * this.layout.writeSize;
      const buf = Buffer.alloc(len, 0xff);
      this.pending.copy(buf);
      await this.flush(buf, this.pending.length);
    }
    await this.area.erase(this.layout.slotSize - this.layout.sectorSize, this.layout.sectorSize);
  }

  private async flush(data: Buffer, consumed: number): Promise<void> {
    const end = this.written + data.length;
    while (this.erasedUpTo < end) {
      await this.area.erase(this.erasedUpTo, this.layout.sectorSize);
      this.erasedUpTo += this.layout.sectorSize;
    }
    await this.area.write(this.written, data);
    this.written += consumed;
    this.pending = this.pending.subarray(consumed);
    await this.onFlushed?.(this.written);
  }
}
