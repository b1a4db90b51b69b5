/**
 * The modem's current in each state, from Nordic's nRF9160 Product Specification, "Modem current
 * consumption" (typical values, VDD 3.7 V, UICC included; the table points to the Online Power
 * Profiler for particular use cases). docs/scenarios.md lists each figure with what it stands for
 * and how the model compares with the Online Power Profiler.
 */

/** `lte-m` = Cat-M1 (`+CEREG` AcT 7), `nb-iot` = Cat-NB1 (AcT 9). */
export type RadioCategory = 'lte-m' | 'nb-iot';

/**
 * Where the modem's time goes: `off` radio off (CFUN 0/4), `psm` asleep in PSM, `idle` registered
 * with the RRC connection released (paging with DRX or eDRX), `connected` RRC connected,
 * `searching` LTE on but not registered (cell search, attach, denied, no SIM).
 */
export type EnergyState = 'off' | 'psm' | 'idle' | 'connected' | 'searching';

export const ENERGY_STATES: readonly EnergyState[] = ['off', 'psm', 'idle', 'connected', 'searching'];

/** Supply voltage of the published measurements, used to turn event energies (mJ) into charge. */
export const SUPPLY_VOLTS = 3.7;

/** PS IPSM: PSM floor current, 2.7 µA (all bands, Cat-M1 and Cat-NB1). */
export const PSM_FLOOR_UA = 2.7;

/**
 * PS IEDRX / IIEDRX, one PO per PTW, PTW 2.56 s: Cat-M1 18 µA at 81.92 s and 6 µA at 655.36 s;
 * Cat-NB1 37 µA and 9 µA. The model fits `I(T) = base + paging / T` through both points: a sleep
 * current between paging windows plus a fixed charge per window.
 */
const EDRX_POINTS: Record<RadioCategory, { short: number; long: number }> = {
  'lte-m': { short: 18, long: 6 },
  'nb-iot': { short: 37, long: 9 },
};
const EDRX_SHORT_S = 81.92;
const EDRX_LONG_S = 655.36;

/** The paging cycle without eDRX: 3GPP's default paging cycle rf256 (2.56 s). */
export const DEFAULT_DRX_S = 2.56;

export function edrxFit(category: RadioCategory): { baseUa: number; pagingUc: number } {
  const p = EDRX_POINTS[category];
  const pagingUc = (p.short - p.long) / (1 / EDRX_SHORT_S - 1 / EDRX_LONG_S);
  return { baseUa: p.short - pagingUc / EDRX_SHORT_S, pagingUc };
}

/** Average idle current (µA) with a paging cycle of `cycleS` seconds (eDRX, or DRX without it). */
export function idleCurrentUa(category: RadioCategory, cycleS: number): number {
  const fit = edrxFit(category);
  return fit.baseUa + fit.pagingUc / cycleS;
}

/**
 * PS EPSM_TAU / TPSM_TAU: a periodic TAU at 23 dBm takes 105 mJ over 1.5 s on Cat-M1 and 550 mJ over
 * 2.7 s on Cat-NB1. Their mean current stands for any radio activity without user data: an RRC
 * connection held open, cell search and attach.
 */
export function radioActiveMa(category: RadioCategory): number {
  const e = category === 'lte-m' ? { mj: 105, s: 1.5 } : { mj: 550, s: 2.7 };
  return e.mj / e.s / SUPPLY_VOLTS;
}

/**
 * PS IRMC (band 20 column; the simulated cell is on band 20): Cat-M1 uplink 180 kbit/s at 0, 10 and
 * 23 dBm: 45, 50, 105 mA; Cat-NB1 "balanced TX and RX" at 0 and 10 dBm: 35, 45 mA. The Cat-NB1
 * 23 dBm value is not in the copy of the table the model was written from: Cat-M1's 105 mA stands in.
 */
const TRANSFER_MA: Record<RadioCategory, Record<TxPower, number>> = {
  'lte-m': { 0: 45, 10: 50, 23: 105 },
  'nb-iot': { 0: 35, 10: 45, 23: 105 },
};

export type TxPower = 0 | 10 | 23;

/**
 * The output power uplink power control would settle on for a received signal (an assumption of the
 * model: good coverage 0 dBm, the cell edge the 23 dBm maximum).
 */
export function txPowerFor(rsrpDbm: number): TxPower {
  if (rsrpDbm >= -95) return 0;
  if (rsrpDbm >= -110) return 10;
  return 23;
}

/** Current (mA) while user data moves: the uplink at the signal's power, downlink at 0 dBm. */
export function transferCurrentMa(
  category: RadioCategory,
  direction: 'up' | 'down',
  rsrpDbm: number,
): number {
  return TRANSFER_MA[category][direction === 'up' ? txPowerFor(rsrpDbm) : 0];
}

/**
 * Air rate (bit/s) used to turn bytes into radio time when the link model sets no limit: the rates of
 * the `lte-m` and `nb-iot` link presets (core/link.ts).
 */
export const REFERENCE_RATE_BPS: Record<RadioCategory, { up: number; down: number }> = {
  'lte-m': { up: 375_000, down: 300_000 },
  'nb-iot': { up: 62_500, down: 26_000 },
};

/** The average current (µA) of a state, given the paging cycle in force. */
export function stateCurrentUa(state: EnergyState, category: RadioCategory, pagingCycleS: number): number {
  switch (state) {
    case 'off':
    case 'psm':
      return PSM_FLOOR_UA;
    case 'idle':
      return idleCurrentUa(category, pagingCycleS);
    case 'connected':
    case 'searching':
      return radioActiveMa(category) * 1000;
  }
}
