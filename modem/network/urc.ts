import { RegistrationStatus, isRegistered } from './types.js';

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
