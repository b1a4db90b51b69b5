import type { FlagState, MagicState, SwapState, SwapType } from './trailer.js';

type Any = 'any';

/** One row of MCUboot's `boot_swap_tables[]` (swap-using-move / scratch). */
export interface SwapRule {
  primaryMagic: MagicState | Any;
  secondaryMagic: MagicState | Any;
  primaryImageOk: FlagState | Any;
  secondaryImageOk: FlagState | Any;
  primaryCopyDone: FlagState | Any;
  swapType: Extract<SwapType, 'test' | 'perm' | 'revert'>;
  /** Why the row exists, for docs and boot reports. */
  reason: string;
}

/**
 * The trailer decision table, first match wins; no match means no swap (`boot_swap_type_multi`).
 * ncs-behaviour §6.4: secondary magic good + image_ok unset → TEST; + image_ok set → PERM; primary
 * magic good + copy_done set + image_ok unset → REVERT.
 */
export const SWAP_TABLE: readonly SwapRule[] = [
  {
    primaryMagic: 'any',
    secondaryMagic: 'good',
    primaryImageOk: 'any',
    secondaryImageOk: 'unset',
    primaryCopyDone: 'any',
    swapType: 'test',
    reason: 'an upgrade was requested for one test boot (boot_request_upgrade(BOOT_UPGRADE_TEST))',
  },
  {
    primaryMagic: 'any',
    secondaryMagic: 'good',
    primaryImageOk: 'any',
    secondaryImageOk: 'set',
    primaryCopyDone: 'any',
    swapType: 'perm',
    reason: 'a permanent upgrade was requested (boot_request_upgrade(BOOT_UPGRADE_PERMANENT))',
  },
  {
    primaryMagic: 'good',
    secondaryMagic: 'any',
    primaryImageOk: 'unset',
    secondaryImageOk: 'any',
    primaryCopyDone: 'set',
    swapType: 'revert',
    reason: 'the image swapped in for a test was not confirmed before this reset',
  },
];

function matches<T extends string>(rule: T | Any, value: T): boolean {
  return rule === 'any' || rule === value;
}

/** `boot_swap_type_multi()`: the swap the two trailers ask for. */
export function decideSwapType(
  primary: SwapState,
  secondary: SwapState,
): { swapType: SwapType; rule: SwapRule | undefined } {
  const rule = SWAP_TABLE.find(
    (r) =>
      matches(r.primaryMagic, primary.magic) &&
      matches(r.secondaryMagic, secondary.magic) &&
      matches(r.primaryImageOk, primary.imageOk) &&
      matches(r.secondaryImageOk, secondary.imageOk) &&
      matches(r.primaryCopyDone, primary.copyDone),
  );
  return { swapType: rule?.swapType ?? 'none', rule };
}

/**
 * `swap_status_source()` for swap-using-move: a swap is under way (its progress lives in the primary
 * trailer) when the primary magic is good, copy_done is not yet set and the secondary magic is gone.
 */
export function swapInProgress(primary: SwapState, secondary: SwapState): boolean {
  return primary.magic === 'good' && primary.copyDone === 'unset' && secondary.magic !== 'good';
}
