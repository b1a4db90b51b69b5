import type { NeighbourSearchResult } from './neighbours.js';
import type { Signal } from './radio.js';
import type { RrcState, SleepState } from './rrc.js';
import type { CeregState } from './types.js';

/** Who started a packet-domain change: the device (ME) or the network (NW), as `+CGEV` names them. */
export type Initiator = 'me' | 'network';

/** What happened to a PDN connection or to the attach (3GPP TS 27.007 §10.1.19 events). */
export type PdnEvent =
  | { kind: 'activated'; cid: number }
  | { kind: 'ipv6-up'; cid: number }
  | { kind: 'deactivated'; cid: number; by: Initiator }
  | { kind: 'detached'; by: Initiator };

/** Modem domain events (`%MDMEV`): level 1 reports the ME ones, level 2 adds the search status. */
export type ModemDomainEvent = 'search-done' | 'overheated' | 'battery-low';

/** A cause value the network sent (`+CNEC_EMM` for mobility, `+CNEC_ESM` for session management). */
export interface NetworkReject {
  domain: 'emm' | 'esm';
  cause: number;
  cid?: number;
}

/** eDRX parameters in use after registration, for `+CEDRXP` when the request asked for them. */
export interface EdrxUpdate {
  actType: 4 | 5;
  /** The request's `+CEDRXS` mode: 2 wants the notification. */
  mode: 0 | 1 | 2;
  requested: string;
  provided: string;
  ptw: string;
}

/** Release assistance in the serving cell (`%RAI` notifications). */
export interface RaiUpdate {
  cellId: string;
  plmn: string;
  asRai: boolean;
  cpRai: boolean;
}

/**
 * Everything the network model reports, in typed form. The AT layer turns these into `+CEREG`,
 * `+CSCON`, `+CGEV`, `%MDMEV`, `+CNEC_*`, `%XTIME`, `+CEDRXP`, `%CESQ` … lines (modem/at/urc/).
 */
export type NetworkEvents = {
  /** The registration status changed; `state` is what `+CEREG` reports now. */
  registration: [state: CeregState];
  rrc: [state: RrcState];
  /** The modem entered PSM for `sleepMs`, or woke up. */
  sleep: [state: SleepState, sleepMs: number];
  pdn: [event: PdnEvent];
  'modem-event': [event: ModemDomainEvent];
  'network-reject': [reject: NetworkReject];
  /** NITZ: the network gave the time (and the modem set its clock from it). */
  'network-time': [epochMs: number, timezoneQuarters: number];
  edrx: [update: EdrxUpdate];
  /** The radio conditions changed (control face); `%CESQ`/`%XSNRSQ` report threshold crossings. */
  signal: [signal: Signal];
  /** The UICC became ready (true) or went away (false). */
  uicc: [ready: boolean];
  'neighbour-search': [result: NeighbourSearchResult];
  rai: [update: RaiUpdate];
  /** `%XT3412`: time left until the periodic TAU, when it is armed and at the pre-warning point. */
  't3412-remaining': [ms: number];
};
