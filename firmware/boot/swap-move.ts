import { ErrorCode, SimError } from '../../core/errors.js';
import type { FlashArea } from './flash.js';
import {
  MOVE_STATE_COUNT,
  SWAP_STATE_COUNT,
  trailerOffsets,
  trailerSize,
  type FlashLayout,
} from './layout.js';
import {
  readSwapState,
  scrambleTrailer,
  writeImageOk,
  writeMagic,
  writeSwapInfo,
  writeSwapSize,
  type SwapType,
} from './trailer.js';

/**
 * `struct boot_status` of swap-using-move: where an interrupted swap stands. `op` `move` shifts the
 * primary image up one sector (idx counts the moves), `swap` then trades sectors (state 1 copies
 * secondary → primary, state 2 copies the moved primary sector → secondary).
 */
export interface BootStatus {
  op: 'move' | 'swap';
  idx: number;
  state: number;
  swapType: SwapType;
  swapSize: number;
  /** True when the status was read from the primary trailer (a swap was under way). */
  fromPrimary: boolean;
}

export function resetStatus(): BootStatus {
  return { op: 'move', idx: 1, state: 1, swapType: 'none', swapSize: 0, fromPrimary: false };
}

/** `boot_status_is_reset()`: nothing of a swap has been recorded yet. */
export function isReset(bs: BootStatus): boolean {
  return bs.op === 'move' && bs.idx === 1 && bs.state === 1;
}

/** Slots and geometry a swap works on, plus a hook that names each step (for traces). */
export interface SwapContext {
  primary: FlashArea;
  secondary: FlashArea;
  layout: FlashLayout;
  step?: (what: string) => void;
}

/** `boot_status_internal_off()` as an entry number in the status area. */
function statusEntry(bs: BootStatus, layout: FlashLayout): number {
  return bs.op === 'move'
    ? (bs.idx - 1) * MOVE_STATE_COUNT + (bs.state - 1)
    : layout.maxImageSectors * MOVE_STATE_COUNT + (bs.idx - 1) * SWAP_STATE_COUNT + (bs.state - 1);
}

/** `boot_write_status()`: the state byte, padded to the write block, in the primary trailer. */
async function writeStatus(ctx: SwapContext, bs: BootStatus): Promise<void> {
  const off = trailerOffsets(ctx.layout).status + statusEntry(bs, ctx.layout) * ctx.layout.writeSize;
  const buf = Buffer.alloc(ctx.layout.writeSize, 0xff);
  buf[0] = bs.state;
  await ctx.primary.write(off, buf);
}

/**
 * `swap_read_status()`: the progress recorded in the primary trailer, decoded from the highest
 * written status entry (`swap_read_status_bytes`). Call only when {@link swapInProgress} holds.
 */
export function readStatus(ctx: SwapContext): BootStatus {
  const bs = resetStatus();
  bs.fromPrimary = true;
  const { layout, primary } = ctx;
  const base = trailerOffsets(layout).status;
  const entries = layout.maxImageSectors * (MOVE_STATE_COUNT + SWAP_STATE_COUNT);
  let found = -1;
  for (let i = entries; i > 0; i--) {
    if (!primary.isErased(base + (i - 1) * layout.writeSize, 1)) {
      found = i;
      break;
    }
  }
  const moveEntries = layout.maxImageSectors * MOVE_STATE_COUNT;
  if (found >= 0 && found < moveEntries) {
    bs.op = 'move';
    bs.idx = Math.floor(found / MOVE_STATE_COUNT) + 1;
    bs.state = (found % MOVE_STATE_COUNT) + 1;
  } else if (found >= moveEntries) {
    bs.op = 'swap';
    bs.idx = Math.floor((found - moveEntries) / SWAP_STATE_COUNT) + 1;
    bs.state = ((found - moveEntries) % SWAP_STATE_COUNT) + 1;
  }
  const st = readSwapState(primary, layout);
  bs.swapType = st.swapType;
  return bs;
}

/** `swap_status_init()`: records the swap in the primary trailer; the magic goes last. */
async function initStatus(ctx: SwapContext, bs: BootStatus): Promise<void> {
  const secondary = readSwapState(ctx.secondary, ctx.layout);
  if (bs.swapType !== 'none') await writeSwapInfo(ctx.primary, ctx.layout, bs.swapType);
  if (secondary.imageOk === 'set') await writeImageOk(ctx.primary, ctx.layout);
  await writeSwapSize(ctx.primary, ctx.layout, bs.swapSize);
  await writeMagic(ctx.primary, ctx.layout);
}

async function copy(
  ctx: SwapContext,
  from: FlashArea,
  fromOff: number,
  to: FlashArea,
  toOff: number,
): Promise<void> {
  const size = ctx.layout.sectorSize;
  await to.erase(toOff, size);
  await to.write(toOff, from.read(fromOff, size));
}

/** `boot_move_sector_up()`: primary sector idx-1 → idx. */
async function moveSectorUp(ctx: SwapContext, idx: number, bs: BootStatus): Promise<void> {
  if (bs.idx === 1) {
    if (!bs.fromPrimary) {
      ctx.step?.('record the swap in the primary trailer');
      await scrambleTrailer(ctx.primary, ctx.layout);
      await initStatus(ctx, bs);
    }
    ctx.step?.('erase the secondary trailer');
    await scrambleTrailer(ctx.secondary, ctx.layout);
  }
  const sz = ctx.layout.sectorSize;
  ctx.step?.(`move primary sector ${idx - 1} up to ${idx}`);
  await copy(ctx, ctx.primary, (idx - 1) * sz, ctx.primary, idx * sz);
  await writeStatus(ctx, bs);
  bs.idx++;
}

/** `boot_swap_sectors()`: secondary idx-1 → primary idx-1, then moved primary idx → secondary idx-1. */
async function swapSectors(ctx: SwapContext, idx: number, bs: BootStatus): Promise<void> {
  const sz = ctx.layout.sectorSize;
  if (bs.state === 1) {
    ctx.step?.(`copy secondary sector ${idx - 1} to primary`);
    await copy(ctx, ctx.secondary, (idx - 1) * sz, ctx.primary, (idx - 1) * sz);
    await writeStatus(ctx, bs);
    bs.state = 2;
  }
  if (bs.state === 2) {
    ctx.step?.(`copy old primary sector ${idx - 1} to secondary`);
    await copy(ctx, ctx.primary, idx * sz, ctx.secondary, (idx - 1) * sz);
    await writeStatus(ctx, bs);
    bs.idx++;
    bs.state = 1;
  }
}

/**
 * `fixup_revert()`: before a revert re-initialises the primary trailer, give the secondary a
 * "permanent" trailer so a reset in that window still ends in the old image.
 */
async function fixupRevert(ctx: SwapContext, bs: BootStatus): Promise<void> {
  if (bs.swapType !== 'revert' || bs.op !== 'move' || bs.idx !== 1) return;
  if (readSwapState(ctx.secondary, ctx.layout).magic !== 'unset') return;
  ctx.step?.('mark the old image permanent in the secondary trailer');
  await scrambleTrailer(ctx.secondary, ctx.layout);
  await writeImageOk(ctx.secondary, ctx.layout);
  await writeSwapSize(ctx.secondary, ctx.layout, bs.swapSize);
  await writeMagic(ctx.secondary, ctx.layout);
}

/** `find_last_idx()`: sectors covering `size` bytes (at least one). */
export function lastSectorIndex(layout: FlashLayout, size: number): number {
  return Math.max(1, Math.ceil(size / layout.sectorSize));
}

/**
 * `swap_run()` of swap-using-move, resumable from any recorded `bs`: every step is an erase, a copy
 * or a status write, and each leaves the slots in a state this function can continue from.
 */
export async function runSwap(ctx: SwapContext, bs: BootStatus, copySize: number): Promise<void> {
  const lastIdx = lastSectorIndex(ctx.layout, copySize);
  if (isReset(bs)) {
    const firstTrailerIdx =
      ctx.layout.slotSize / ctx.layout.sectorSize -
      Math.ceil(trailerSize(ctx.layout) / ctx.layout.sectorSize);
    if (lastIdx >= firstTrailerIdx) {
      throw new SimError(
        ErrorCode.IMAGE_TOO_LARGE,
        `swap needs ${(lastIdx + 1) * ctx.layout.sectorSize} bytes, the slot has ${firstTrailerIdx * ctx.layout.sectorSize} before its trailer`,
      );
    }
  }
  await fixupRevert(ctx, bs);
  if (bs.op === 'move') {
    for (let idx = lastIdx; idx > 0; idx--) {
      if (idx <= lastIdx - bs.idx + 1) await moveSectorUp(ctx, idx, bs);
    }
    bs.idx = 1;
  }
  bs.op = 'swap';
  for (let idx = 1; idx <= lastIdx; idx++) {
    if (idx >= bs.idx) await swapSectors(ctx, idx, bs);
  }
}
