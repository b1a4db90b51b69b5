import { ErrorCode, SimError } from '../core/errors.js';
import { Random } from '../core/random.js';

/** What a modem says about itself: `+CGSN`, `%XICCID`, `+CIMI`, `+CGMR`, `%XMODEMUUID` and friends. */
export interface ModemIdentity {
  /** 15 digits: 8-digit TAC, 6-digit serial, Luhn check digit. */
  imei: string;
  /** Software version number for `AT+CGSN=3` / IMEISV (2 digits). */
  svn: string;
  /** 19 or 20 digits starting with 89. */
  iccid: string;
  /** 15 digits: MCC, MNC, MSIN. */
  imsi: string;
  manufacturer: string;
  model: string;
  /** `%HWVERSION`, e.g. `nRF9160 SICA B1A`. */
  hwVersion: string;
  /** `+CGMR`, e.g. `mfw_nrf9160_1.3.5`; a modem firmware update changes it. */
  firmwareVersion: string;
  /** Per-device UUID (attestation tokens, %KEYGEN). */
  deviceUuid: string;
}

/** Nordic nRF9160 DK type allocation codes (the first 8 digits of the IMEI). */
export const NRF9160_TAC = '35265610';
export const DEFAULT_MODEM_FIRMWARE = 'mfw_nrf9160_1.3.5';

/** The Luhn check digit for a string of digits (IMEI, ICCID). */
export function luhnCheckDigit(digits: string): string {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}

export function isValidLuhn(digits: string): boolean {
  return /^\d{2,}$/.test(digits) && luhnCheckDigit(digits.slice(0, -1)) === digits.slice(-1);
}

export function isValidImei(imei: string): boolean {
  return /^\d{15}$/.test(imei) && isValidLuhn(imei);
}

function uuidFrom(bytes: Buffer): string {
  const b = Buffer.from(bytes.subarray(0, 16));
  b[6] = ((b[6] as number) & 0x0f) | 0x40;
  b[8] = ((b[8] as number) & 0x3f) | 0x80;
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The `%XMODEMUUID` of a modem firmware build: one UUID per build, so it changes when the modem
 * firmware is updated and is the same on every device running that build.
 */
export function modemFirmwareUuid(firmwareVersion: string): string {
  return uuidFrom(new Random(`mfw-uuid:${firmwareVersion}`).bytes(16));
}

/** The short version `%SHORTSWVER` prints: `mfw_nrf9160_1.3.5` → `nrf9160_1.3.5`. */
export function shortSoftwareVersion(firmwareVersion: string): string {
  return firmwareVersion.replace(/^mfw_/, '');
}

/**
 * A complete, valid identity derived from a seed (usually the device name), so the same name always
 * boots the same IMEI. `overrides` replaces single fields (e.g. `--imei`).
 */
export function deriveIdentity(seed: string, overrides: Partial<ModemIdentity> = {}): ModemIdentity {
  const rng = new Random(`identity:${seed}`);
  const imeiBody = NRF9160_TAC + rng.digits(6);
  const iccidBody = '8988280666' + rng.digits(9);
  return {
    imei: imeiBody + luhnCheckDigit(imeiBody),
    svn: '10',
    iccid: iccidBody + luhnCheckDigit(iccidBody),
    imsi: '90128' + rng.digits(10),
    manufacturer: 'Nordic Semiconductor ASA',
    model: 'nRF9160-SICA',
    hwVersion: 'nRF9160 SICA B1A',
    firmwareVersion: DEFAULT_MODEM_FIRMWARE,
    deviceUuid: uuidFrom(rng.bytes(16)),
    ...overrides,
  };
}

const ICCID = /^89\d{17,18}$/;
const IMSI = /^\d{15}$/;
const SVN = /^\d{2}$/;
const MODEM_FIRMWARE = /^mfw_nrf91\d0_\d+\.\d+\.\d+/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** What AT answers print as one line: printable text, no line breaks. */
const TEXT_LINE = /^[\x20-\x7e]+$/;

/** Checks fields a user may supply; returns a list of problems (empty when valid). */
export function validateIdentity(identity: ModemIdentity): string[] {
  const problems: string[] = [];
  if (!isValidImei(identity.imei))
    problems.push(`IMEI ${identity.imei} is not 15 digits with a valid Luhn check digit`);
  if (!ICCID.test(identity.iccid))
    problems.push(`ICCID ${identity.iccid} is not 19-20 digits starting with 89`);
  if (!IMSI.test(identity.imsi)) problems.push(`IMSI ${identity.imsi} is not 15 digits`);
  if (!SVN.test(identity.svn)) problems.push(`SVN ${identity.svn} is not 2 digits`);
  if (!MODEM_FIRMWARE.test(identity.firmwareVersion)) {
    problems.push(`modem firmware version ${identity.firmwareVersion} does not look like mfw_nrf9160_X.Y.Z`);
  }
  if (!UUID.test(identity.deviceUuid)) problems.push(`device UUID ${identity.deviceUuid} is not a UUID`);
  return problems;
}

/** Each field of a stored identity: the format it must have, and how to say so. */
const STORED_FIELDS: Readonly<Record<keyof ModemIdentity, { valid(value: string): boolean; shape: string }>> =
  {
    imei: { valid: isValidImei, shape: 'a string of 15 digits with a valid Luhn check digit' },
    svn: { valid: (v) => SVN.test(v), shape: 'a string of 2 digits' },
    iccid: { valid: (v) => ICCID.test(v), shape: 'a string of 19-20 digits starting with 89' },
    imsi: { valid: (v) => IMSI.test(v), shape: 'a string of 15 digits' },
    manufacturer: { valid: (v) => TEXT_LINE.test(v), shape: 'a string of printable text on one line' },
    model: { valid: (v) => TEXT_LINE.test(v), shape: 'a string of printable text on one line' },
    hwVersion: { valid: (v) => TEXT_LINE.test(v), shape: 'a string of printable text on one line' },
    firmwareVersion: {
      valid: (v) => MODEM_FIRMWARE.test(v),
      shape: 'a modem firmware version like "mfw_nrf9160_1.3.5"',
    },
    deviceUuid: { valid: (v) => UUID.test(v), shape: 'a UUID string (8-4-4-4-12 hex digits)' },
  };

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

/**
 * Reads back the identity a device stored (`identity.json`), `value` being its parsed JSON: an
 * object whose fields are {@link ModemIdentity} fields (any may be missing), each a string in its
 * format. Anything else throws STATE_CORRUPT naming `file` and the field, before any of it is used.
 */
export function parseStoredIdentity(value: unknown, file: string): Partial<ModemIdentity> {
  const corrupt = (what: string): SimError =>
    new SimError(ErrorCode.STATE_CORRUPT, `${file}: ${what}; fix or delete the file`);
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw corrupt(`expected an object of identity fields, found ${describeValue(value)}`);
  }
  const identity: Partial<ModemIdentity> = {};
  for (const [field, v] of Object.entries(value)) {
    const rule = Object.hasOwn(STORED_FIELDS, field)
      ? STORED_FIELDS[field as keyof ModemIdentity]
      : undefined;
    if (!rule) throw corrupt(`unknown field ${JSON.stringify(field)}`);
    if (typeof v !== 'string' || !rule.valid(v)) {
      throw corrupt(`field ${JSON.stringify(field)} is ${describeValue(v)}, expected ${rule.shape}`);
    }
    identity[field as keyof ModemIdentity] = v;
  }
  return identity;
}
