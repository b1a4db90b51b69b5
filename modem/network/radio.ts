/** A cell the modem can camp on. */
export interface Cell {
  /** MCC+MNC, e.g. `26201`. */
  plmn: string;
  longName: string;
  shortName: string;
  /** Tracking area code, 4 hex digits. */
  tac: string;
  /** E-UTRAN cell id, 8 hex digits. */
  cellId: string;
  physicalCellId: number;
  band: number;
  earfcn: number;
}

/** Radio conditions at the device: what `+CESQ`, `%CESQ` and `%XMONITOR` report. */
export interface Signal {
  /** dBm, -140 … -44. */
  rsrp: number;
  /** dB, -19.5 … -3. */
  rsrq: number;
  /** dB, -24 … 103 in %XMONITOR's index space. */
  snr: number;
}

/**
 * A cell the modem hears besides its serving cell: what `%NCELLMEAS` reports. The identity fields
 * (cell id, PLMN, TAC) are what a GCI search (`AT%NCELLMEAS=3..5`) reads from the cell's SIB1.
 */
export interface NeighbourCell {
  earfcn: number;
  physicalCellId: number;
  /** dBm. */
  rsrp: number;
  /** dB. */
  rsrq: number;
  /** Offset of its frame timing from the serving cell's, in ms (`<time_diff>`). */
  timeDiffMs: number;
  cellId: string;
  plmn: string;
  tac: string;
}

/** What the network side looks like to one modem: its cell, signal, and how the network treats it. */
export interface RadioProfile {
  cell: Cell;
  signal: Signal;
  /** The serving network is not the SIM's home network (`+CEREG` stat 5). */
  roaming: boolean;
  /** Other networks a `+COPS=?` scan finds (manual selection of them works). */
  otherNetworks: Array<Pick<Cell, 'plmn' | 'longName' | 'shortName'>>;
  /** APN and address the network assigns to the default bearer (cid 0). */
  apn: string;
  ipv4: string;
  ipv6: string | undefined;
  /** Network-granted eDRX value when the device asks for eDRX (`+CEDRXP`), and paging time window. */
  edrx: { value: string; ptw: string };
  /** Network time zone in quarter hours east of UTC, as NITZ delivers it. */
  timezoneQuarters: number;
  /** Cells heard besides the serving one; derived from the device's seed when the profile names none. */
  neighbours: NeighbourCell[];
  /** DNS servers the network hands out with the default bearer (`+CGCONTRDP`). */
  dnsServers: { ipv4: [string, string]; ipv6: [string, string] | undefined };
  /** The network's IPv4 MTU for the default bearer. */
  ipv4Mtu: number;
  /** Timing advance (0-20512, 3GPP TS 36.213) while the radio connection is up. */
  timingAdvance: number;
}

export const DEFAULT_RADIO: RadioProfile = {
  cell: {
    plmn: '26201',
    longName: 'Telekom.de',
    shortName: 'TDG',
    tac: '002F',
    cellId: '0012BEEF',
    physicalCellId: 7,
    band: 20,
    earfcn: 6300,
  },
  signal: { rsrp: -95, rsrq: -10, snr: 15 },
  roaming: false,
  otherNetworks: [{ plmn: '26202', longName: 'Vodafone.de', shortName: 'Vodafone' }],
  apn: 'ibasis.iot',
  ipv4: '10.160.1.74',
  ipv6: undefined,
  edrx: { value: '1001', ptw: '0111' },
  timezoneQuarters: 4,
  neighbours: [],
  dnsServers: { ipv4: ['10.2.4.1', '10.2.4.2'], ipv6: undefined },
  ipv4Mtu: 1358,
  timingAdvance: 24,
};

/** `+CESQ` `<rsrp>` index: 0 … 97 (dBm = index - 141), 255 unknown. */
export function rsrpIndex(rsrp: number): number {
  return Math.max(0, Math.min(97, Math.round(rsrp + 141)));
}

/** `+CESQ` `<rsrq>` index: 0 … 34 (dB = index / 2 - 20), 255 unknown. */
export function rsrqIndex(rsrq: number): number {
  return Math.max(0, Math.min(34, Math.round((rsrq + 20) * 2)));
}

/** `%XMONITOR` `<snr>` index: dB + 24, 0 … 127. */
export function snrIndex(snr: number): number {
  return Math.max(0, Math.min(127, Math.round(snr + 24)));
}

/** `%CESQ` threshold index 0 … 4 for RSRP (-140/-120/-110/-100/-90 dBm style bands). */
export function rsrpThresholdIndex(rsrp: number): number {
  if (rsrp < -120) return 0;
  if (rsrp < -110) return 1;
  if (rsrp < -100) return 2;
  if (rsrp < -90) return 3;
  return 4;
}

/** `%CESQ` threshold index 0 … 4 for RSRQ. */
export function rsrqThresholdIndex(rsrq: number): number {
  if (rsrq < -16) return 0;
  if (rsrq < -13) return 1;
  if (rsrq < -10) return 2;
  if (rsrq < -7) return 3;
  return 4;
}
