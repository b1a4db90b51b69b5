import type { AtCommand } from '../command.js';
import { AtError, CmeError } from '../errors.js';

const two = (n: number): string => String(n).padStart(2, '0');

/** `yy/MM/dd,hh:mm:ss±zz` in local time, zz in quarter hours (3GPP TS 27.007 §8.15). */
export function formatCclk(epochMs: number, timezoneQuarters: number): string {
  const local = new Date(epochMs + timezoneQuarters * 15 * 60_000);
  const sign = timezoneQuarters < 0 ? '-' : '+';
  return (
    `${two(local.getUTCFullYear() % 100)}/${two(local.getUTCMonth() + 1)}/${two(local.getUTCDate())},` +
    `${two(local.getUTCHours())}:${two(local.getUTCMinutes())}:${two(local.getUTCSeconds())}` +
    `${sign}${two(Math.abs(timezoneQuarters))}`
  );
}

/** Parses `yy/MM/dd,hh:mm:ss±zz`; returns undefined when malformed or out of range. */
export function parseCclk(text: string): { epochMs: number; timezoneQuarters: number } | undefined {
  const m = /^(\d{2})\/(\d{2})\/(\d{2}),(\d{2}):(\d{2}):(\d{2})([+-])(\d{2})$/.exec(text);
  if (!m) return undefined;
  const [yy, mo, dd, hh, mi, ss, sign, zz] = m.slice(1).map((v, i) => (i === 6 ? v : Number(v))) as [
    number,
    number,
    number,
    number,
    number,
    number,
    string,
    number,
  ];
  if (mo < 1 || mo > 12 || dd < 1 || dd > 31 || hh > 23 || mi > 59 || ss > 59 || zz > 56) return undefined;
  const local = Date.UTC(2000 + yy, mo - 1, dd, hh, mi, ss);
  if (new Date(local).getUTCDate() !== dd) return undefined;
  const timezoneQuarters = sign === '-' ? -zz : zz;
  return { epochMs: local - timezoneQuarters * 15 * 60_000, timezoneQuarters };
}

/**
 * `+CCLK`: the modem clock. Before network time (or a set) is known the read form answers `ERROR`
 * (spec §1.4: date_time then falls back to NTP).
 */
export const cclk: AtCommand = {
  name: '+CCLK',
  ref: 'ncs-behaviour §1.4 +CCLK; 3GPP TS 27.007 §8.15',
  read: ({ modem }) => {
    const now = modem.now();
    if (!now) throw new AtError(CmeError.OPERATION_NOT_ALLOWED);
    return [`+CCLK: "${formatCclk(now.epochMs, now.timezoneQuarters)}"`];
  },
  set: ({ modem, params }) => {
    params.count(1);
    const parsed = parseCclk(params.string(0));
    if (!parsed) throw new AtError(CmeError.INCORRECT_PARAMETERS);
    modem.setTime(parsed.epochMs, parsed.timezoneQuarters);
  },
};
