import type { Initiator, PdnEvent } from '../../network/events.js';
import {
  rsrpIndex,
  rsrpThresholdIndex,
  rsrqIndex,
  rsrqThresholdIndex,
  type Signal,
} from '../../network/radio.js';
import { RegistrationStatus, isRegistered, type CeregState } from '../../network/types.js';

/**
 * `+CEREG` notification fields for subscription level `n` (1-5). The read form prepends `<n>,`
 * (spec §8 item 14: only the read response has it).
 */
export function ceregFields(n: number, s: CeregState): string {
  let out = String(s.status);
  if (n < 2) return out;
  const located = s.tac !== undefined && s.cellId !== undefined;
  if (!located) return out;
  out += `,"${s.tac}","${s.cellId}",${s.act}`;
  const denied = s.status === RegistrationStatus.DENIED && s.rejectCause !== undefined;
  if (n === 3) return denied ? `${out},0,${s.rejectCause}` : out;
  if (n === 4) return isRegistered(s.status) ? `${out},,,"${s.activeTime}","${s.periodicTau}"` : out;
  if (n >= 5) {
    if (denied) return `${out},0,${s.rejectCause}`;
    if (isRegistered(s.status)) return `${out},,,"${s.activeTime}","${s.periodicTau}"`;
  }
  return out;
}

const swapped = (n: number): string => {
  const d = String(n).padStart(2, '0');
  return `${d[1]}${d[0]}`;
};

/**
 * `%XTIME: "<tz>","<universal time>","<dst>"` with 3GPP TS 23.040 semi-octets (each byte's digits
 * swapped); the time zone octet has the sign in bit 3 of its second digit.
 */
export function formatXtime(epochMs: number, timezoneQuarters: number): string {
  const d = new Date(epochMs);
  const time =
    swapped(d.getUTCFullYear() % 100) +
    swapped(d.getUTCMonth() + 1) +
    swapped(d.getUTCDate()) +
    swapped(d.getUTCHours()) +
    swapped(d.getUTCMinutes()) +
    swapped(d.getUTCSeconds());
  const q = Math.abs(timezoneQuarters);
  const tens = Math.floor(q / 10) + (timezoneQuarters < 0 ? 8 : 0);
  const tz = `${q % 10}${tens.toString(16).toUpperCase()}`;
  return `%XTIME: "${tz}","${time}","00"`;
}

const who = (by: Initiator): string => (by === 'network' ? 'NW' : 'ME');

/** `+CGEV: <event>` text (3GPP TS 27.007 §10.1.19, nRF91 AT ref +CGEV). */
export function formatCgev(event: PdnEvent): string {
  switch (event.kind) {
    case 'activated':
      return `+CGEV: ME PDN ACT ${event.cid}`;
    case 'ipv6-up':
      return `+CGEV: IPV6 ${event.cid}`;
    case 'deactivated':
      return `+CGEV: ${who(event.by)} PDN DEACT ${event.cid}`;
    case 'detached':
      return `+CGEV: ${who(event.by)} DETACH`;
  }
}

/** `%CESQ: <rsrp>,<rsrp_threshold_index>,<rsrq>,<rsrq_threshold_index>`. */
export function formatCesq(s: Signal): string {
  return `%CESQ: ${rsrpIndex(s.rsrp)},${rsrpThresholdIndex(s.rsrp)},${rsrqIndex(s.rsrq)},${rsrqThresholdIndex(s.rsrq)}`;
}

/** The pair of threshold indices a `%CESQ` notification is sent for when it changes. */
export function cesqKey(s: Signal): string {
  return `${rsrpThresholdIndex(s.rsrp)},${rsrqThresholdIndex(s.rsrq)}`;
}
