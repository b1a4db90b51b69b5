/**
 * The dfu_target API (`include/dfu/dfu_target.h`) as the NCS libraries see it: what fota_download
 * writes a download into. The device's firmware layer implements it over its flash (MCUboot's
 * secondary slot) and the modem's delta scratch area; the libraries only know this interface.
 * Calls return 0 or a negative Zephyr errno, as in C.
 */

/** `enum dfu_target_image_type`, by the magic of the first bytes. */
export type DfuTargetImageType = 'DFU_TARGET_IMAGE_TYPE_MCUBOOT' | 'DFU_TARGET_IMAGE_TYPE_MODEM_DELTA';

/** `DFU_TARGET_IMAGE_TYPE_ANY`: any of the types a start accepts. */
export const DFU_TARGET_IMAGE_TYPE_ANY: readonly DfuTargetImageType[] = [
  'DFU_TARGET_IMAGE_TYPE_MCUBOOT',
  'DFU_TARGET_IMAGE_TYPE_MODEM_DELTA',
];

/** `enum dfu_target_evt_id`: progress of a slow erase (the modem's scratch area). */
export type DfuTargetEvt = 'DFU_TARGET_EVT_TIMEOUT' | 'DFU_TARGET_EVT_ERASE_DONE';

export interface DfuTarget {
  /** `dfu_target_img_type`: the type by magic, or undefined (DFU_TARGET_IMAGE_TYPE_NONE). */
  imgType(firstBytes: Uint8Array): DfuTargetImageType | undefined;
  /**
   * `dfu_target_init`: prepares the target for an image of `fileSize` bytes (-EFBIG when it does
   * not fit). Initialising the target that was current again keeps its progress, so an interrupted
   * download continues where it stopped (the modem delta target always re-opens).
   */
  init(type: DfuTargetImageType, fileSize: number, callback: (evt: DfuTargetEvt) => void): Promise<number>;
  /** `dfu_target_offset_get`: bytes already received; a negative errno (-EACCES) without a target. */
  offsetGet(): number;
  /** `dfu_target_write`. */
  write(data: Uint8Array): Promise<number>;
  /**
   * `dfu_target_done`: true completes the image (MCUboot: flush and request a test swap; modem
   * delta: schedule the update for the next boot) and releases the target; false keeps the progress.
   * -EACCES without a target.
   */
  done(successful: boolean): Promise<number>;
  /** `dfu_target_reset`: drops the target and what it received. */
  reset(): Promise<number>;
  /** `dfu_target_schedule_update`: the image takes effect at the next reboot. */
  scheduleUpdate(): Promise<number>;
}
