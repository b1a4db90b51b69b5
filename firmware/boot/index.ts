export { Bootloader, type BootloaderOptions, type BootReport, type BootState } from './bootloader.js';
export { DeviceDfuTarget, type DeviceDfuTargetOptions } from './device-dfu-target.js';
export { DeviceFlash, type DeviceFlashOptions, PRIMARY_AREA, SECONDARY_AREA } from './device-flash.js';
export {
  DirectoryFlashStorage,
  ERASED,
  FlashArea,
  type FlashStorage,
  MemoryFlashStorage,
  PowerFaults,
} from './flash.js';
export { ImageControl, SecondaryWriter, type UpgradeMode } from './image-control.js';
export {
  BOOT_MAGIC_SIZE,
  checkLayout,
  type FlashLayout,
  maxImageSize,
  MOVE_STATE_COUNT,
  NRF9160_FLASH_LAYOUT,
  SWAP_STATE_COUNT,
  trailerOffsets,
  trailerSize,
} from './layout.js';
export { ModemDfu, type ModemDfuOutcome, type ModemDfuResult } from './modem-dfu.js';
export { headerErased, imageSizeIn, type SlotValidation, validateSlot } from './slot-image.js';
export {
  type BootStatus,
  isReset,
  lastSectorIndex,
  readStatus,
  resetStatus,
  runSwap,
  type SwapContext,
} from './swap-move.js';
export { decideSwapType, SWAP_TABLE, swapInProgress, type SwapRule } from './swap-table.js';
export {
  BOOT_MAGIC,
  type FlagState,
  type MagicState,
  readSwapSize,
  readSwapState,
  scrambleTrailer,
  SWAP_TYPE_CODE,
  type SwapState,
  type SwapType,
  writeCopyDone,
  writeImageOk,
  writeMagic,
  writeSwapInfo,
  writeSwapSize,
} from './trailer.js';
