import type { Clock } from '../../core/clock.js';
import type { DataPath } from './data-path.js';
import type { FunctionalModeState } from './functional-mode.js';
import type { ModemClock } from './modem-time.js';
import type { RadioProfile } from './radio.js';

/** `+CEREG` `<stat>` values (3GPP TS 27.007 §10.1.22, nRF91 AT ref). */
export const RegistrationStatus = {
  NOT_REGISTERED: 0,
  REGISTERED_HOME: 1,
  SEARCHING: 2,
  DENIED: 3,
  UNKNOWN: 4,
  REGISTERED_ROAMING: 5,
  UICC_FAILURE: 90,
} as const;
export type RegistrationStatus = (typeof RegistrationStatus)[keyof typeof RegistrationStatus];

export function isRegistered(status: RegistrationStatus): boolean {
  return status === RegistrationStatus.REGISTERED_HOME || status === RegistrationStatus.REGISTERED_ROAMING;
}

/** What `+CEREG` reports: status, location when camped, reject cause when denied, PSM timers. */
export interface CeregState {
  status: RegistrationStatus;
  tac: string | undefined;
  cellId: string | undefined;
  act: 7 | 9;
  /** EMM cause when denied (cause type 0). */
  rejectCause: number | undefined;
  activeTime: string;
  periodicTau: string;
}

/** `%XSYSTEMMODE=<LTE_M>,<NB_IoT>,<GNSS>,<LTE_preference>`: what `+CFUN=1` enables. */
export interface SystemMode {
  lteM: boolean;
  nbIot: boolean;
  gnss: boolean;
  preference: number;
}

/** The DK default: LTE-M and GNSS, no preference. */
export const DEFAULT_SYSTEM_MODE: SystemMode = { lteM: true, nbIot: false, gnss: true, preference: 0 };

/** Every delay of the network model, on the modem's Clock (so a virtual clock runs them in ms). */
export interface NetworkTimings {
  /** From `+CFUN=1` (or coverage back) to a suitable cell found. */
  searchMs: number;
  /** From cell found to registered with the default bearer up. */
  attachMs: number;
  /** RRC inactivity timer: `+CSCON: 0` this long after the last traffic. */
  rrcInactivityMs: number;
  /** Searching without coverage this long reports `+CEREG: 4` (unknown, out of coverage). */
  outOfCoverageMs: number;
  /** After the network drops the default bearer, how long until it is set up again. */
  pdnReestablishMs: number;
  /** How long a radio connection for a periodic TAU lasts. */
  tauConnectionMs: number;
  /** How long an `AT%NCELLMEAS` takes before its notification (GCI searches take three times as long). */
  neighbourSearchMs: number;
}

export const DEFAULT_TIMINGS: NetworkTimings = {
  searchMs: 1500,
  attachMs: 500,
  rrcInactivityMs: 10_000,
  outOfCoverageMs: 30_000,
  pdnReestablishMs: 1000,
  tauConnectionMs: 1000,
  neighbourSearchMs: 1000,
};

export interface NetworkProfile {
  radio: RadioProfile;
  timings: NetworkTimings;
  /** The network grants the PSM timers a device requests (false: it refuses PSM). */
  grantPsm: boolean;
}

/** What the network model needs from the rest of the modem. */
export interface NetworkDeps {
  owner: string;
  clock: Clock;
  functionalMode: FunctionalModeState;
  dataPath: DataPath;
  /** The modem clock network time (NITZ) sets. */
  time: ModemClock;
}
