/**
 * 3GPP TS 24.008 §10.5.7.3/§10.5.7.4a timer encodings used by `+CPSMS`, `+CEREG` and `%XMONITOR`:
 * an 8-character bit string, 3 unit bits then 5 value bits. "Deactivated" is unit 111.
 */

/** GPRS Timer 2 (Active-Time, T3324) and GPRS Timer (legacy Periodic-TAU, T3412) units, in seconds. */
const TIMER2_UNITS: Record<string, number> = { '000': 2, '001': 60, '010': 360 };
/** GPRS Timer 3 (Periodic-TAU-ext, T3412 extended) units, in seconds. */
const TIMER3_UNITS: Record<string, number> = {
  '000': 600,
  '001': 3600,
  '010': 36_000,
  '011': 2,
  '100': 30,
  '101': 60,
  '110': 1_152_000,
};

export const TIMER_DEACTIVATED = '11100000';

export type TimerKind = 'timer2' | 'timer3';

export function isTimerBits(text: string): boolean {
  return /^[01]{8}$/.test(text);
}

/** Seconds the bit string stands for, or undefined when deactivated or malformed. */
export function decodeTimer(bits: string, kind: TimerKind): number | undefined {
  if (!isTimerBits(bits)) return undefined;
  const unit = (kind === 'timer2' ? TIMER2_UNITS : TIMER3_UNITS)[bits.slice(0, 3)];
  if (unit === undefined) return undefined;
  return unit * parseInt(bits.slice(3), 2);
}

/** The encoding of `seconds` that is closest without going under (bigger units lose precision). */
export function encodeTimer(seconds: number, kind: TimerKind): string {
  const units = Object.entries(kind === 'timer2' ? TIMER2_UNITS : TIMER3_UNITS).sort((a, b) => a[1] - b[1]);
  for (const [bits, unit] of units) {
    const value = Math.ceil(seconds / unit);
    if (value <= 31) return bits + value.toString(2).padStart(5, '0');
  }
  return TIMER_DEACTIVATED;
}

/** eDRX cycle lengths in seconds for LTE-M (3GPP TS 24.008 §10.5.5.32, WB-S1 mode), by 4-bit value. */
const EDRX_LTE_M: Record<string, number> = {
  '0000': 5.12,
  '0001': 10.24,
  '0010': 20.48,
  '0011': 40.96,
  '0100': 61.44,
  '0101': 81.92,
  '0110': 102.4,
  '0111': 122.88,
  '1000': 143.36,
  '1001': 163.84,
  '1010': 327.68,
  '1011': 655.36,
  '1100': 1310.72,
  '1101': 2621.44,
  '1110': 5242.88,
  '1111': 10485.76,
};

/** eDRX cycle lengths for NB-IoT (NB-S1 mode); values not listed are reserved. */
const EDRX_NB_IOT: Record<string, number> = {
  '0010': 20.48,
  '0011': 40.96,
  '0101': 81.92,
  '1001': 163.84,
  '1010': 327.68,
  '1011': 655.36,
  '1100': 1310.72,
  '1101': 2621.44,
  '1110': 5242.88,
  '1111': 10485.76,
};

export function edrxCycleSeconds(bits: string, act: 'lte-m' | 'nb-iot'): number | undefined {
  return (act === 'lte-m' ? EDRX_LTE_M : EDRX_NB_IOT)[bits];
}
