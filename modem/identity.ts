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

/** Checks fields a user may supply; returns a list of problems (empty when valid). */
export function validateIdentity(identity: ModemIdentity): string[] {
  const problems: string[] = [];
  if (!isValidImei(identity.imei))
    problems.push(`IMEI ${identity.imei} is not 15 digits with a valid Luhn check digit`);
  if (!/^89\d{17,18}$/.test(identity.iccid))
    problems.push(`ICCID ${identity.iccid} is not 19-20 digits starting with 89`);
  if (!/^\d{15}$/.test(identity.imsi)) problems.push(`IMSI ${identity.imsi} is not 15 digits`);
  if (!/^\d{2}$/.test(identity.svn)) problems.push(`SVN ${identity.svn} is not 2 digits`);
  if (!/^mfw_nrf91\d0_\d+\.\d+\.\d+/.test(identity.firmwareVersion)) {
    problems.push(`modem firmware version ${identity.firmwareVersion} does not look like mfw_nrf9160_X.Y.Z`);
  }
  return problems;
}
