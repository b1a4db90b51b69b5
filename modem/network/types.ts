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
}

export const DEFAULT_TIMINGS: NetworkTimings = {
  searchMs: 1500,
  attachMs: 500,
  rrcInactivityMs: 10_000,
  outOfCoverageMs: 30_000,
  pdnReestablishMs: 1000,
  tauConnectionMs: 1000,
};

export interface NetworkProfile {
  radio: RadioProfile;
  timings: NetworkTimings;
  /** The network grants the PSM timers a device requests (false: it refuses PSM). */
  grantPsm: boolean;
}

/** Subscriptions set with AT commands; modem-wide, as on the nRF91 (one AT interface). */
export interface NetworkSubscriptions {
  /** `+CEREG=<n>` 0-5. */
  cereg: number;
  /** `+CSCON=<n>` 0-3. */
  cscon: number;
  /** `+CGEREP=<mode>` 0-1. */
  cgerep: number;
  /** `%CESQ=<n>` 0-1. */
  cesq: number;
  /** `%XTIME=<n>` 0-1. */
  xtime: number;
  /** `+CNEC=<n>` bit field: 8 = ESM, 16 = EMM. */
  cnec: number;
  /** `%MDMEV=<n>` 0-2. */
  mdmev: number;
  /** `%XMODEMSLEEP=<n>` 0-1. */
  xmodemsleep: number;
}

export const DEFAULT_SUBSCRIPTIONS: NetworkSubscriptions = {
  cereg: 0,
  cscon: 0,
  cgerep: 0,
  cesq: 0,
  xtime: 0,
  cnec: 0,
  mdmev: 0,
  xmodemsleep: 0,
};
