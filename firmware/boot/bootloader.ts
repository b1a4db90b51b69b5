import { isSimError, ErrorCode } from '../../core/errors.js';
import { StateMachine } from '../../core/state-machine.js';
import { trace } from '../../core/trace.js';
import type { KeyInput } from '../image/keys.js';
import type { AppManifest } from '../image/manifest.js';
import type { ImageProblem } from '../image/verify.js';
import type { FlashArea, PowerFaults } from './flash.js';
import type { FlashLayout } from './layout.js';
import { headerErased, imageSizeIn, validateSlot } from './slot-image.js';
import { isReset, readStatus, resetStatus, runSwap, type BootStatus, type SwapContext } from './swap-move.js';
import { decideSwapType, swapInProgress } from './swap-table.js';
import {
  readSwapSize,
  readSwapState,
  scrambleTrailer,
  writeCopyDone,
  writeImageOk,
  type SwapType,
} from './trailer.js';

/** The bootloader's lifecycle on one power-up. */
export type BootState =
  | 'off'
  | 'reading-status'
  | 'resuming-swap'
  | 'validating-secondary'
  | 'swapping'
  | 'validating-primary'
  | 'booted'
  | 'halted';

const LEGAL: Record<BootState, readonly BootState[]> = {
  off: ['reading-status'],
  'reading-status': ['resuming-swap', 'validating-secondary', 'validating-primary', 'off'],
  'resuming-swap': ['validating-primary', 'off'],
  'validating-secondary': ['swapping', 'validating-primary', 'off'],
  swapping: ['validating-primary', 'off'],
  'validating-primary': ['booted', 'halted', 'off'],
  booted: ['off'],
  halted: ['off'],
};

/** What one boot did and what it started. */
export interface BootReport {
  /** The swap performed (or finished) on this boot; `fail` = the requested image was refused. */
  swapType: SwapType;
  /** True when this boot finished a swap a power cut had interrupted. */
  resumed: boolean;
  /** Why: the decision-table row, or the recovery that applied. */
  reason: string;
  /** Set when the secondary slot held an invalid image and was erased. */
  secondaryErased?: ImageProblem;
  /** False when the primary slot holds no valid image: the device does not start. */
  bootable: boolean;
  problem?: ImageProblem;
  /** The image now running from the primary slot. */
  image?: { version: string; hash: string; manifest: AppManifest | undefined; confirmed: boolean };
  /** Flash operations (erases and writes) this boot performed. */
  flashOperations: number;
}

export interface BootloaderOptions {
  primary: FlashArea;
  secondary: FlashArea;
  layout: FlashLayout;
  faults: PowerFaults;
  /** Public keys compiled into the bootloader; none = hash-only validation. */
  keys?: readonly KeyInput[];
  /** Device name, for traces. */
  owner?: string;
}

/**
 * MCUboot's `context_boot_go()` for one image pair with swap-using-move: finish an interrupted swap,
 * otherwise decide the swap from the trailers ({@link SWAP_TABLE}), validate the secondary image
 * (erasing it when invalid), swap, mark the result, then validate what is in the primary slot.
 */
export class Bootloader {
  readonly machine: StateMachine<BootState>;
  private readonly ctx: SwapContext;

  constructor(private readonly options: BootloaderOptions) {
    this.machine = new StateMachine<BootState>('boot', 'off', LEGAL, options.owner ?? '');
    this.ctx = {
      primary: options.primary,
      secondary: options.secondary,
      layout: options.layout,
      step: (what) =>
        trace('state', {
          device: options.owner ?? '',
          machine: 'boot-step',
          from: this.machine.state,
          to: what,
        }),
    };
  }

  get state(): BootState {
    return this.machine.state;
  }

  /** Runs one boot. A power cut (BOOT_POWER_CUT) leaves the state machine `off` and propagates. */
  async boot(): Promise<BootReport> {
    if (this.machine.state !== 'off') this.machine.transition('off');
    const startOps = this.options.faults.operations;
    try {
      const report = await this.run();
      return { ...report, flashOperations: this.options.faults.operations - startOps };
    } catch (err) {
      if (isSimError(err, ErrorCode.BOOT_POWER_CUT)) this.machine.transition('off');
      throw err;
    }
  }

  private async run(): Promise<Omit<BootReport, 'flashOperations'>> {
    const { primary, secondary, layout } = this.options;
    const keys = this.options.keys ?? [];
    this.machine.transition('reading-status');
    const pri = readSwapState(primary, layout);
    const sec = readSwapState(secondary, layout);
    const bs: BootStatus = swapInProgress(pri, sec) ? readStatus(this.ctx) : resetStatus();

    let swapType: SwapType = 'none';
    let reason = 'no swap requested';
    let resumed = false;
    let secondaryErased: ImageProblem | undefined;

    if (!isReset(bs)) {
      // boot_complete_partial_swap(): continue from the recorded step, no re-validation.
      this.machine.transition('resuming-swap');
      bs.swapSize = readSwapSize(primary, layout);
      await runSwap(this.ctx, bs, bs.swapSize);
      await this.finishSwap(bs.swapType);
      swapType = bs.swapType;
      resumed = true;
      reason = `resumed the ${bs.swapType} swap a reset interrupted`;
    } else {
      const decided =
        bs.swapType === 'none' ? decideSwapType(pri, sec) : { swapType: bs.swapType, rule: undefined };
      swapType = decided.swapType;
      reason =
        decided.rule?.reason ??
        (bs.swapType !== 'none' ? `restart the ${bs.swapType} swap recorded before a reset` : reason);
      if (swapType !== 'none') {
        this.machine.transition('validating-secondary');
        const v = validateSlot(secondary, layout, keys);
        if (v.status === 'empty') {
          // boot_validate_slot(): a trailer without an image is removed; a revert with nothing to
          // revert to clears the primary trailer too ("stuck revert").
          await scrambleTrailer(secondary, layout);
          if (
            swapType === 'revert' ||
            decideSwapType(readSwapState(primary, layout), readSwapState(secondary, layout)).swapType ===
              'revert'
          ) {
            await scrambleTrailer(primary, layout);
          }
          reason = `${swapType} requested but the secondary slot holds no image`;
          swapType = 'none';
        } else if (v.status === 'invalid') {
          secondaryErased = v.problem;
          await secondary.erase(0, layout.slotSize);
          if (bs.swapType !== 'none') {
            // The swap status came from the primary trailer: MCUboot reports FAIL and confirms the
            // primary image so it is not reverted.
            swapType = 'fail';
            await this.setImageOk();
          } else {
            swapType = 'none';
          }
          reason = `the secondary image is invalid (${v.problem.code}) and was erased`;
        } else {
          this.machine.transition('swapping');
          bs.swapType = swapType;
          bs.swapSize = Math.max(headerErased(primary) ? 0 : imageSizeIn(primary), imageSizeIn(secondary));
          await runSwap(this.ctx, bs, bs.swapSize);
          await this.finishSwap(swapType);
        }
      }
    }

    this.machine.transition('validating-primary');
    const v = validateSlot(primary, layout, keys);
    const base = { swapType, resumed, reason, ...(secondaryErased ? { secondaryErased } : {}) };
    if (v.status !== 'valid') {
      this.machine.transition('halted');
      const problem: ImageProblem =
        v.status === 'empty'
          ? { code: ErrorCode.BOOT_NO_BOOTABLE_IMAGE, message: 'the primary slot holds no image' }
          : v.problem;
      return { ...base, bootable: false, problem };
    }
    this.machine.transition('booted');
    const confirmed = readSwapState(primary, layout).imageOk === 'set';
    return {
      ...base,
      bootable: true,
      image: { version: v.version, hash: v.hash, manifest: v.manifest, confirmed },
    };
  }

  /** `boot_perform_update()` epilogue: perm and revert set image_ok, every upgrade sets copy_done. */
  private async finishSwap(swapType: SwapType): Promise<void> {
    if (swapType === 'perm' || swapType === 'revert') await this.setImageOk();
    if (swapType === 'test' || swapType === 'perm' || swapType === 'revert') {
      await writeCopyDone(this.options.primary, this.options.layout);
    }
  }

  /** `swap_set_image_ok()`: only written while unset. */
  private async setImageOk(): Promise<void> {
    if (readSwapState(this.options.primary, this.options.layout).imageOk === 'unset') {
      await writeImageOk(this.options.primary, this.options.layout);
    }
  }
}
