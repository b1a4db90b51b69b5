import { decodeTimer, TIMER_DEACTIVATED } from './timers.js';

/** `+CPSMS` request: PSM on/off and the requested Periodic-TAU-ext (T3412) and Active-Time (T3324). */
export interface PsmRequest {
  mode: 0 | 1;
  periodicTau: string;
  activeTime: string;
}

/** The nRF91 defaults a `+CPSMS=` (no parameters) resets to. */
export const DEFAULT_PSM_REQUEST: PsmRequest = { mode: 0, periodicTau: '00000110', activeTime: '00100001' };

/** `+CEDRXS` request for one access technology (4 = LTE-M, 5 = NB-IoT). */
export interface EdrxRequest {
  mode: 0 | 1 | 2;
  value: string;
}

export const DEFAULT_EDRX_VALUE = '0000';

/** What the network granted at registration (reported in `+CEREG` levels 4-5 and `%XMONITOR`). */
export interface PsmGrant {
  activeTime: string;
  periodicTau: string;
}

export const NO_PSM: PsmGrant = { activeTime: TIMER_DEACTIVATED, periodicTau: TIMER_DEACTIVATED };

/** The power-saving settings a device asked for, and what the serving network granted. */
export class PowerSaving {
  psm: PsmRequest = { ...DEFAULT_PSM_REQUEST };
  readonly edrx = new Map<4 | 5, EdrxRequest>();
  granted: PsmGrant = NO_PSM;

  /** Seconds of Active-Time and Periodic-TAU granted, when PSM is in force. */
  get psmTimers(): { activeS: number; tauS: number } | undefined {
    const activeS = decodeTimer(this.granted.activeTime, 'timer2');
    const tauS = decodeTimer(this.granted.periodicTau, 'timer3');
    if (activeS === undefined || tauS === undefined) return undefined;
    return { activeS, tauS };
  }

  /** The grant a network gives at registration: the request, or nothing when refused. */
  grant(networkGrantsPsm: boolean): PsmGrant {
    this.granted =
      this.psm.mode === 1 && networkGrantsPsm
        ? { activeTime: this.psm.activeTime, periodicTau: this.psm.periodicTau }
        : NO_PSM;
    return this.granted;
  }

  /** Factory values: PSM off with the default timers, no eDRX request. */
  reset(): void {
    this.psm = { ...DEFAULT_PSM_REQUEST };
    this.edrx.clear();
  }

  clearGrant(): void {
    this.granted = NO_PSM;
  }

  edrxFor(act: 4 | 5): EdrxRequest | undefined {
    const r = this.edrx.get(act);
    return r && r.mode !== 0 ? r : undefined;
  }
}
