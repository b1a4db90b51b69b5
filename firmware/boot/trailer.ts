import { ERASED, type FlashArea } from './flash.js';
import { BOOT_MAGIC_SIZE, trailerOffsets, type FlashLayout } from './layout.js';

/** The 16-byte boot magic at the very end of a slot (`boot_img_magic`, `BOOT_MAX_ALIGN` 8). */
export const BOOT_MAGIC = Buffer.from('77c295f360d2ef7f3552500f2cb67980', 'hex');

/** `BOOT_MAGIC_*` as read from flash. */
export type MagicState = 'good' | 'bad' | 'unset';
/** `BOOT_FLAG_*` as read from flash: 0x01 set, erased unset, anything else bad. */
export type FlagState = 'set' | 'bad' | 'unset';
/** `BOOT_SWAP_TYPE_*`. */
export type SwapType = 'none' | 'test' | 'perm' | 'revert' | 'fail' | 'panic';

export const SWAP_TYPE_CODE: Record<SwapType, number> = {
  none: 1,
  test: 2,
  perm: 3,
  revert: 4,
  fail: 5,
  panic: 0xff,
};
const SWAP_TYPE_BY_CODE: Record<number, SwapType> = { 1: 'none', 2: 'test', 3: 'perm', 4: 'revert' };

/** `struct boot_swap_state`. */
export interface SwapState {
  magic: MagicState;
  /** From `swap_info` bits 0-3; `none` when erased or out of range. */
  swapType: SwapType;
  /** From `swap_info` bits 4-7. */
  imageNum: number;
  copyDone: FlagState;
  imageOk: FlagState;
}

const BOOT_FLAG_SET = 0x01;

function flag(byte: number): FlagState {
  if (byte === ERASED) return 'unset';
  return byte === BOOT_FLAG_SET ? 'set' : 'bad';
}

/** `boot_read_swap_state()`. */
export function readSwapState(area: FlashArea, layout: FlashLayout): SwapState {
  const o = trailerOffsets(layout);
  const magicBytes = area.read(o.magic, BOOT_MAGIC_SIZE);
  const magic: MagicState = area.isErased(o.magic, BOOT_MAGIC_SIZE)
    ? 'unset'
    : magicBytes.equals(BOOT_MAGIC)
      ? 'good'
      : 'bad';
  const info = area.read(o.swapInfo, 1)[0] as number;
  const swapType = info === ERASED ? 'none' : (SWAP_TYPE_BY_CODE[info & 0x0f] ?? 'none');
  return {
    magic,
    swapType,
    imageNum: swapType === 'none' ? 0 : info >> 4,
    copyDone: flag(area.read(o.copyDone, 1)[0] as number),
    imageOk: flag(area.read(o.imageOk, 1)[0] as number),
  };
}

/** `boot_write_trailer()`: the value padded with erased bytes to the write block. */
async function writeTrailer(area: FlashArea, off: number, value: Buffer): Promise<void> {
  const len = Math.ceil(value.length / area.writeSize) * area.writeSize;
  const buf = Buffer.alloc(len, ERASED);
  value.copy(buf);
  await area.write(off, buf);
}

export async function writeMagic(area: FlashArea, layout: FlashLayout): Promise<void> {
  await area.write(trailerOffsets(layout).magic, BOOT_MAGIC);
}

export async function writeImageOk(area: FlashArea, layout: FlashLayout): Promise<void> {
  await writeTrailer(area, trailerOffsets(layout).imageOk, Buffer.from([BOOT_FLAG_SET]));
}

export async function writeCopyDone(area: FlashArea, layout: FlashLayout): Promise<void> {
  await writeTrailer(area, trailerOffsets(layout).copyDone, Buffer.from([BOOT_FLAG_SET]));
}

/** `boot_write_swap_info()`: swap type in bits 0-3, image number in bits 4-7. */
export async function writeSwapInfo(
  area: FlashArea,
  layout: FlashLayout,
  type: SwapType,
  imageNum = 0,
): Promise<void> {
  await writeTrailer(
    area,
    trailerOffsets(layout).swapInfo,
    Buffer.from([((imageNum & 0x0f) << 4) | (SWAP_TYPE_CODE[type] & 0x0f)]),
  );
}

export async function writeSwapSize(area: FlashArea, layout: FlashLayout, size: number): Promise<void> {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(size >>> 0);
  await writeTrailer(area, trailerOffsets(layout).swapSize, b);
}

export function readSwapSize(area: FlashArea, layout: FlashLayout): number {
  return area.read(trailerOffsets(layout).swapSize, 4).readUInt32LE(0);
}

/** `swap_scramble_trailer_sectors()`: erases from the sector holding the trailer to the slot end. */
export async function scrambleTrailer(area: FlashArea, layout: FlashLayout): Promise<void> {
  const start = trailerOffsets(layout).scramble;
  await area.erase(start, layout.slotSize - start);
}
