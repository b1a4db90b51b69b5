/**
 * Network-related settings a device writes with AT commands and the modem keeps (in NVM on a real
 * nRF9160), each with the factory default `%XFACTORYRESET` restores.
 */

/** `%XBANDLOCK`: bit strings, LSB = band 1; empty when no lock is set. */
export interface BandLock {
  permanent: string;
  runtime: string;
}

/** One `%PERIODICSEARCHCONF` pattern as written: `"0,<initial>,<final>,[<time_to_final>],<end>"` or `"1,<v1>[,…<v5>]"`. */
export type SearchPattern = string;

export interface PeriodicSearchConfig {
  loop: 0 | 1;
  returnToPattern: number;
  bandOptimization: number;
  patterns: SearchPattern[];
}

/** `%XT3412=1,<time>,<threshold>`: warn `<time>` ms before a periodic TAU at least `<threshold>` ms away. */
export interface TauPreWarning {
  timeMs: number;
  thresholdMs: number;
}

/** The bands of an nRF9160 SICA (mfw 1.3): what `%XCBAND=?` lists without a band lock. */
export const SUPPORTED_BANDS: readonly number[] = [
  1, 2, 3, 4, 5, 8, 12, 13, 14, 17, 18, 19, 20, 25, 26, 28, 66,
];

export class NetworkConfig {
  bandLock: BandLock = { permanent: '', runtime: '' };
  /** `%XDATAPRFL`: 0 ultra-low power … 4 high performance; 2 (normal) by default. */
  dataProfile = 2;
  /** `%XNETTIME`: take the time the network sends (on by default). */
  networkTime = true;
  /** `%XRAI`: 0 undefined, 3 control plane one response, 4 control plane no response. */
  xrai: 0 | 3 | 4 = 0;
  /** `%RAI`: 0 off, 1 on, 2 on with `%RAI` notifications. */
  rai: 0 | 1 | 2 = 0;
  /** `%XPTW`: requested paging time windows per AcT type (4 LTE-M, 5 NB-IoT); absent = default. */
  readonly requestedPtw = new Map<4 | 5, string>();
  periodicSearch: PeriodicSearchConfig | undefined;
  tauPreWarning: TauPreWarning | undefined;

  /** Whether the band locks let the modem camp on `band`. */
  bandAllowed(band: number): boolean {
    return [this.bandLock.permanent, this.bandLock.runtime].every((mask) => maskHas(mask, band));
  }

  /** The supported bands the locks leave. */
  allowedBands(): number[] {
    return SUPPORTED_BANDS.filter((b) => this.bandAllowed(b));
  }

  /** `%XFACTORYRESET`: everything back to factory values. */
  reset(): void {
    this.bandLock = { permanent: '', runtime: '' };
    this.dataProfile = 2;
    this.networkTime = true;
    this.xrai = 0;
    this.rai = 0;
    this.requestedPtw.clear();
    this.periodicSearch = undefined;
    this.tauPreWarning = undefined;
  }
}

/** An empty mask locks nothing; otherwise bit `band - 1` counted from the right must be 1. */
function maskHas(mask: string, band: number): boolean {
  if (mask === '') return true;
  return mask[mask.length - band] === '1';
}
