import { TypedEmitter } from '../../core/events.js';
import { trace } from '../../core/trace.js';

/** `AT+CFUN=<fun>` values the nRF9160 accepts (nRF91 AT reference, +CFUN set command). */
export const FUNCTIONAL_MODES = [0, 1, 4, 20, 21, 30, 31, 40, 41, 44] as const;
export type FunctionalModeRequest = (typeof FUNCTIONAL_MODES)[number];

/** What `AT+CFUN?` reports. */
export type FunctionalMode = 0 | 1 | 4;

/** The three parts that `+CFUN` switches independently. */
export interface RadioParts {
  lte: boolean;
  gnss: boolean;
  uicc: boolean;
}

export type FunctionalModeEvents = {
  /** Any part changed; `request` is the `+CFUN` value that caused it. */
  change: [parts: RadioParts, previous: RadioParts, request: FunctionalModeRequest];
};

/**
 * The modem's functional mode. The modem boots in CFUN=0 (nothing powered); `+CFUN=1` powers the UICC
 * and the radios enabled by `%XSYSTEMMODE`. LTE needs the UICC, so powering the UICC down stops LTE.
 */
export class FunctionalModeState extends TypedEmitter<FunctionalModeEvents> {
  private parts: RadioParts = { lte: false, gnss: false, uicc: false };

  constructor(private readonly owner: string) {
    super();
  }

  get current(): Readonly<RadioParts> {
    return this.parts;
  }

  /** The `+CFUN?` value: 1 with any radio on, 4 with only the UICC on, else 0. */
  get mode(): FunctionalMode {
    if (this.parts.lte || this.parts.gnss) return 1;
    return this.parts.uicc ? 4 : 0;
  }

  /** LTE is active: `%CMNG` writes, `%XSYSTEMMODE` and `%KEYGEN` are refused (CME 518). */
  get lteActive(): boolean {
    return this.parts.lte;
  }

  get uiccActive(): boolean {
    return this.parts.uicc;
  }

  /**
   * Applies a `+CFUN` request. `systemMode` says which radios `+CFUN=1` turns on (`%XSYSTEMMODE`:
   * LTE-M or NB-IoT enables LTE, GNSS enables GNSS).
   */
  apply(request: FunctionalModeRequest, systemMode: { lte: boolean; gnss: boolean }): void {
    const next: RadioParts = { ...this.parts };
    switch (request) {
      case 0:
        next.lte = next.gnss = next.uicc = false;
        break;
      case 1:
        next.uicc = true;
        next.lte = systemMode.lte;
        next.gnss = systemMode.gnss;
        break;
      case 4:
      case 44:
        next.lte = next.gnss = false;
        next.uicc = true;
        break;
      case 20:
        next.lte = false;
        break;
      case 21:
        next.uicc = true;
        next.lte = true;
        break;
      case 30:
        next.gnss = false;
        break;
      case 31:
        next.gnss = true;
        break;
      case 40:
        next.uicc = false;
        next.lte = false;
        break;
      case 41:
        next.uicc = true;
        break;
    }
    const previous = this.parts;
    if (previous.lte === next.lte && previous.gnss === next.gnss && previous.uicc === next.uicc) return;
    this.parts = next;
    trace('state', { device: this.owner, machine: 'functional-mode', from: previous, to: next });
    this.emit('change', next, previous, request);
  }
}
