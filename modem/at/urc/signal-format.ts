import { snrIndex, type Signal } from '../../network/radio.js';

/** `%XSNRSQ` threshold index for an SNR index, with the default thresholds 16, 24, 32 and 40. */
export function snrThresholdIndex(snr: number): number {
  const i = snrIndex(snr);
  return [16, 24, 32, 40].filter((t) => i >= t).length;
}

/**
 * Cell selection Rx level (3GPP TS 36.304: Srxlev = RSRP - Qrxlevmin), with the network's minimum at
 * -140 dBm, as `%XSNRSQ` encodes it: 0 for -127 and below, 1…254 for -126…127, 255 above.
 */
export function srxlevIndex(rsrp: number): number {
  const srxlev = Math.round(rsrp + 140);
  return Math.max(0, Math.min(255, srxlev + 127));
}

/** Coverage enhancement level a cell with this RSRP puts the device in (0 good … 2 deep coverage). */
export function ceLevel(rsrp: number): 0 | 1 | 2 {
  if (rsrp >= -110) return 0;
  if (rsrp >= -120) return 1;
  return 2;
}

/** `%XSNRSQ: <snr>,<threshold_index>,<srxlev>,<ce_level>` (notification form). */
export function formatXsnrsqNotification(s: Signal): string {
  return `%XSNRSQ: ${snrIndex(s.snr)},${snrThresholdIndex(s.snr)},${srxlevIndex(s.rsrp)},${ceLevel(s.rsrp)}`;
}

/** `%XSNRSQ: <snr>,<srxlev>,<ce_level>` (read form). */
export function formatXsnrsqRead(s: Signal): string {
  return `%XSNRSQ: ${snrIndex(s.snr)},${srxlevIndex(s.rsrp)},${ceLevel(s.rsrp)}`;
}
