import { ErrorCode, SimError } from '../../core/errors.js';

/**
 * The geometry of a device's image slots. Defaults are an nRF9160 with NCS's MCUboot: 4 KB flash
 * pages, 4-byte write blocks, `BOOT_MAX_ALIGN` 8, `CONFIG_BOOT_MAX_IMG_SECTORS` 128, and two
 * 0x74000-byte slots (`mcuboot_primary` 0x0c000-0x80000, `mcuboot_secondary` 0x80000-0xf4000).
 */
export interface FlashLayout {
  slotSize: number;
  /** Erase unit (`flash_sector` size). */
  sectorSize: number;
  /** Write block (`flash_area_align`, `BOOT_WRITE_SZ`). */
  writeSize: number;
  /** `BOOT_MAX_ALIGN`: each trailer flag occupies this many bytes. */
  maxAlign: number;
  /** `BOOT_MAX_IMG_SECTORS`: sizes the swap status area. */
  maxImageSectors: number;
}

export const NRF9160_FLASH_LAYOUT: FlashLayout = {
  slotSize: 0x74000,
  sectorSize: 0x1000,
  writeSize: 4,
  maxAlign: 8,
  maxImageSectors: 128,
};

export const BOOT_MAGIC_SIZE = 16;
/** `BOOT_STATUS_MOVE_STATE_COUNT` and `BOOT_STATUS_SWAP_STATE_COUNT` of swap-using-move. */
export const MOVE_STATE_COUNT = 1;
export const SWAP_STATE_COUNT = 2;

export function checkLayout(l: FlashLayout): FlashLayout {
  const sectors = l.slotSize / l.sectorSize;
  if (!Number.isInteger(sectors) || sectors < 3) {
    throw new SimError(
      ErrorCode.INVALID_ARGUMENT,
      `slot size ${l.slotSize} is not 3 or more ${l.sectorSize}-byte sectors`,
    );
  }
  if (sectors > l.maxImageSectors) {
    throw new SimError(
      ErrorCode.INVALID_ARGUMENT,
      `slot has ${sectors} sectors, more than maxImageSectors ${l.maxImageSectors}`,
    );
  }
  if (![1, 2, 4, 8].includes(l.writeSize) || l.maxAlign !== 8) {
    throw new SimError(ErrorCode.INVALID_ARGUMENT, 'writeSize must be 1, 2, 4 or 8 and maxAlign 8');
  }
  if (trailerSize(l) > l.sectorSize * (sectors - 2)) {
    throw new SimError(ErrorCode.INVALID_ARGUMENT, 'the trailer does not fit the slot');
  }
  return l;
}

/** `boot_trailer_sz()`: status area (3 entries per sector), 4 flags of `maxAlign`, the magic. */
export function trailerSize(l: FlashLayout): number {
  return (
    l.maxImageSectors * (MOVE_STATE_COUNT + SWAP_STATE_COUNT) * l.writeSize + 4 * l.maxAlign + BOOT_MAGIC_SIZE
  );
}

/** Trailer field offsets from the start of a slot (`boot_magic_off()` and friends). */
export function trailerOffsets(l: FlashLayout): {
  magic: number;
  imageOk: number;
  copyDone: number;
  swapInfo: number;
  swapSize: number;
  status: number;
  /** Start of the sector holding the trailer: `swap_scramble_trailer_sectors` erases from here. */
  scramble: number;
} {
  const magic = l.slotSize - BOOT_MAGIC_SIZE;
  const imageOk = magic - l.maxAlign;
  const copyDone = imageOk - l.maxAlign;
  const swapInfo = copyDone - l.maxAlign;
  const swapSize = swapInfo - l.maxAlign;
  const status = l.slotSize - trailerSize(l);
  return {
    magic,
    imageOk,
    copyDone,
    swapInfo,
    swapSize,
    status,
    scramble: Math.floor(status / l.sectorSize) * l.sectorSize,
  };
}

/** Largest image (header through TLVs) swap-using-move can take: one sector stays free for the move. */
export function maxImageSize(l: FlashLayout): number {
  const trailerSectors = Math.ceil(trailerSize(l) / l.sectorSize);
  return l.slotSize - (trailerSectors + 1) * l.sectorSize;
}
