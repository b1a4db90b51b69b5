import { IMAGE_MAGIC, MODEM_DELTA_MAGIC, MODEM_DELTA_MAGIC_OFFSET } from './format.js';

/** `enum dfu_target_image_type` as `dfu_target_img_type()` tells them apart. */
export type DfuImageType = 'mcuboot' | 'modem-delta' | 'none';

/**
 * Classifies the first bytes of a download by magic (ncs-behaviour §6.3, §8 item 12): MCUboot
 * `0x96f3b83d` at offset 0, modem delta `0x7544656d` at offset 4, anything else none.
 */
export function dfuImageType(firstBytes: Uint8Array): DfuImageType {
  const b = Buffer.from(firstBytes.buffer, firstBytes.byteOffset, firstBytes.byteLength);
  if (b.length >= 4 && b.readUInt32LE(0) === IMAGE_MAGIC) return 'mcuboot';
  if (
    b.length >= MODEM_DELTA_MAGIC_OFFSET + 4 &&
    b.readUInt32LE(MODEM_DELTA_MAGIC_OFFSET) === MODEM_DELTA_MAGIC
  ) {
    return 'modem-delta';
  }
  return 'none';
}
